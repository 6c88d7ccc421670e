"""Malformed-but-parseable snapshots and configs: a clear InputError (exit 2) or a sound audit.

Real ARM payloads vary: null where an object is expected, a string where a list is expected,
numbers as strings, ``properties`` missing or null, ids re-cased or without their leading
slash, ``type: null``, documents repeated. A deterministic fuzz mutates the demo tenant
(``examples/demo-tenant.json``) that way and requires the analysis either to raise
:class:`InputError` or to return a findings document in which every subscription appears and
every ``errors`` entry is reported by ALA-AUD-001. Explicit cases pin the decisions recorded
in docs/architecture.md ("Malformed input").
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import builders as b
import pytest

from auditor.analysis.engine import VERDICTS, audit_snapshot, dumps_findings
from auditor.azure import arm
from auditor.azure.snapshot import build_snapshot
from auditor.config import load_config, parse_config
from auditor.errors import InputError
from auditor.rules import rule_ids

ROOT = Path(__file__).resolve().parent.parent
DEMO: dict[str, Any] = json.loads((ROOT / "examples" / "demo-tenant.json").read_text(encoding="utf-8"))
CONFUSING: tuple[Any, ...] = (None, [], {}, "", 0, "x", True, False, 1.5, -1, "123", [None], [{}], {"x": 1})
FUZZ_SEED = 20261128
FUZZ_ITERATIONS = 400

Doc = dict[str, Any]


# ------------------------------------------------------------------------------ mutations


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _recase(s: str, rng: random.Random) -> str:
    return rng.choice([s.upper(), s.lower(), s.swapcase()])


def _confused(value: Any, rng: random.Random) -> Any:
    """A value of another shape than ``value``: a confusing constant, a re-cased or re-slashed
    string, the value wrapped in a list, a number as a string."""
    roll = rng.randrange(6)
    if roll == 0 and isinstance(value, str):
        return _recase(value, rng)
    if roll == 1 and isinstance(value, str):
        return value.lstrip("/") if value.startswith("/") else value + "/"
    if roll == 2:
        return [value]
    if roll == 3 and isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return copy.deepcopy(rng.choice(CONFUSING))


def _mutate_inside(container: Any, rng: random.Random, where: str) -> str:
    """Replace or drop one value at a random depth (each depth equally likely)."""
    by_depth: dict[int, list[tuple[Any, ...]]] = {}
    for p in _paths(container):
        by_depth.setdefault(len(p), []).append(p)
    if not by_depth:
        return f"{where}: nothing to mutate"
    path = rng.choice(by_depth[rng.choice(sorted(by_depth))])
    parent = container
    for k in path[:-1]:
        parent = parent[k]
    label = where + "".join(f"[{k!r}]" for k in path)
    if isinstance(parent, dict) and rng.random() < 0.2:
        del parent[path[-1]]
        return f"drop {label}"
    parent[path[-1]] = _confused(parent[path[-1]], rng)
    return f"{label} = {json.dumps(parent[path[-1]])[:60]}"


def _pick_document(raw: Doc, rng: random.Random) -> tuple[int, Any]:
    """A resource, each kind equally likely (the demo has many alerts and few exemptions)."""
    if not raw["resources"]:
        return -1, None
    by_kind: dict[str, list[int]] = {}
    for i, d in enumerate(raw["resources"]):
        by_kind.setdefault(arm.kind_of(d) if isinstance(d, dict) else "?", []).append(i)
    i = rng.choice(by_kind[rng.choice(sorted(by_kind))])
    return i, raw["resources"][i]


def _mutate_document(raw: Doc, rng: random.Random) -> str:
    i, d = _pick_document(raw, rng)
    if not isinstance(d, dict):
        return "skip"
    roll = rng.randrange(4)
    if roll == 0:
        return _mutate_inside(d, rng, f"resources[{i}]")
    if roll == 1:
        key = rng.choice(["properties", "type", "name", "identity", "properties"])
        if rng.random() < 0.5:
            d.pop(key, None)
            return f"drop resources[{i}].{key}"
        d[key] = copy.deepcopy(rng.choice(CONFUSING))
        return f"resources[{i}].{key} = {json.dumps(d[key])}"
    if roll == 2 and isinstance(d.get("type"), str):
        d["type"] = _recase(d["type"], rng)
        return f"re-case resources[{i}].type"
    if isinstance(d.get("id"), str):
        d["id"] = _recase(d["id"], rng) if rng.random() < 0.5 else d["id"].lstrip("/")
        return f"resources[{i}].id = {d['id'][:60]}"
    return "skip"


def _mutate_lists(raw: Doc, rng: random.Random) -> str:
    roll = rng.randrange(5)
    if roll == 0 and raw["resources"]:
        raw["resources"].append(copy.deepcopy(rng.choice(raw["resources"])))
        return "duplicate a resource"
    if roll == 1 and raw.get("policyStates"):
        return _mutate_inside(rng.choice(raw["policyStates"]), rng, "policyStates[?]")
    if roll == 2 and raw.get("errors"):
        return _mutate_inside(rng.choice(raw["errors"]), rng, "errors[?]")
    if roll == 3 and raw.get("errors"):
        e = rng.choice(raw["errors"])
        e["operation"] = rng.choice(["bogusOperation", "DIAGNOSTICSETTINGS", "policyassignments", "*"])
        e["status"] = rng.choice([e.get("status"), "403", None, "x"])
        return f"errors entry operation={e['operation']} status={e['status']!r}"
    key = rng.choice(["policyStates", "errors", "resources"])
    raw[key] = []
    return f"{key} = []"


def mutated_demo(seed: int, most: int = 4) -> tuple[Doc, list[str]]:
    """The demo tenant with 1 to ``most`` seeded type-confusing mutations, and what was done."""
    rng = random.Random(seed)
    raw = copy.deepcopy(DEMO)
    log = []
    for _ in range(rng.randint(1, most)):
        log.append(_mutate_document(raw, rng) if rng.random() < 0.75 else _mutate_lists(raw, rng))
    return raw, log


# ------------------------------------------------------------------------------ invariants


def _subscription_ids_in(raw: Doc) -> set[str]:
    """Normalised ids of every subscription document (``/subscriptions/<x>``, nothing below)."""
    out = set()
    for d in raw["resources"]:
        n = arm.norm_id(d.get("id")) if isinstance(d, dict) else ""
        if n.count("/") == 2 and n.startswith("/subscriptions/"):
            out.add(n)
    return out


def check_findings(raw: Doc, findings: Doc) -> None:
    """What any audit of ``raw`` must satisfy, however odd its documents."""
    listed = {arm.norm_id(s["id"]) for s in findings["subscriptions"]}
    missing = _subscription_ids_in(raw) - listed
    assert not missing, f"subscriptions silently dropped: {sorted(missing)}"
    assert findings["summary"]["subscriptions"] == len(findings["subscriptions"])
    assert all(s["verdict"] in VERDICTS for s in findings["subscriptions"])
    reported = {(arm.norm_id(f["scope"]), str(f["evidence"]["operation"]).lower())
                for f in findings["findings"] if f["ruleId"] == "ALA-AUD-001"}
    for e in raw.get("errors") or []:
        key = (arm.norm_id(e["scope"]), e["operation"].strip().lower())
        assert key in reported, f"errors entry not reported by ALA-AUD-001: {e}"
    assert findings["summary"]["incomplete"] == bool(raw.get("errors"))
    json.loads(dumps_findings(findings))


def audit_or_input_error(raw: Doc) -> Doc | None:
    """The findings document, or None when the snapshot was rejected with one clear line."""
    try:
        snap = build_snapshot(copy.deepcopy(raw))
    except InputError as e:
        assert str(e) and "\n" not in str(e)
        return None
    return audit_snapshot(snap)


# ------------------------------------------------------------------------------ the fuzz


def test_demo_itself_passes_the_invariants() -> None:
    findings = audit_or_input_error(DEMO)
    assert findings is not None
    check_findings(DEMO, findings)
    assert len(findings["subscriptions"]) == 19


def test_fuzzed_snapshots_audit_or_fail_cleanly() -> None:
    outcomes = {"audited": 0, "rejected": 0}
    failures: list[str] = []
    for seed in range(FUZZ_SEED, FUZZ_SEED + FUZZ_ITERATIONS):
        raw, log = mutated_demo(seed)
        try:
            findings = audit_or_input_error(raw)
            if findings is None:
                outcomes["rejected"] += 1
                continue
            check_findings(raw, findings)
            outcomes["audited"] += 1
        except Exception as e:  # noqa: BLE001 - every other exception is a bug to report with its seed
            failures.append(f"seed {seed} {log}: {type(e).__name__}: {e}")
    assert not failures, "\n".join(failures[:10])
    # The mutations must exercise both outcomes, or the fuzz tests nothing.
    assert outcomes["audited"] > FUZZ_ITERATIONS // 2 and outcomes["rejected"] > 0, outcomes


# ------------------------------------------------------------------------------ rejected shapes


def _set(path: str, value: Any) -> Callable[[Doc], None]:
    """A mutation setting ``raw[...]`` at a dotted path (``resources.3.id``)."""
    def apply(raw: Doc) -> None:
        keys: list[Any] = [int(k) if k.isdigit() else k for k in path.split(".")]
        target = raw
        for k in keys[:-1]:
            target = target[k]
        target[keys[-1]] = value
    return apply


def _conflicting_duplicate(raw: Doc) -> None:
    twin = copy.deepcopy(raw["resources"][3])
    twin["properties"] = None
    raw["resources"].append(twin)


@pytest.mark.parametrize(("mutation", "named"), [
    (_set("resources.3", "x"), "resources[3] is a string"),
    (_set("resources.3", None), "resources[3] is null"),
    (_set("resources.3.id", 5), "resources[3].id must be a non-empty string"),
    (_set("resources.3.id", ["/subscriptions/x"]), "resources[3].id must be a non-empty string, not a list"),
    (_set("resources.3.id", "/"), "resources[3].id"),
    (_set("tenantId", None), "'tenantId' must be a string"),
    (_set("rootManagementGroupId", {"id": "x"}), "'rootManagementGroupId' must be a string"),
    (_set("resources", {"a": 1}), "'resources' must be a list"),
    (_set("policyStates", "none"), "'policyStates' must be a list"),
    (_set("policyStates.0", []), "policyStates[0] is a list"),
    (_set("errors.0", "403"), "errors[0] is a string"),
    (_set("errors.0.operation", None), "errors[0].operation must be a non-empty string, not null"),
    (_set("errors.0.operation", ""), "errors[0].operation"),
    (_set("errors.0.scope", 3), "errors[0].scope must be a non-empty string, not a number"),
    (_set("collectedAt", 20261128), "collectedAt"),
    (_set("schemaVersion", True), "schemaVersion True is not supported"),
    (_conflicting_duplicate, f"resources[3] and resources[{len(DEMO['resources'])}] have the same id"),
    (lambda raw: raw.update(resources=[], errors=[]), "nothing to audit"),
])
def test_structurally_unusable_snapshots_are_rejected_naming_the_field(
        mutation: Callable[[Doc], None], named: str) -> None:
    raw = copy.deepcopy(DEMO)
    mutation(raw)
    with pytest.raises(InputError) as exc:
        build_snapshot(raw, source="s.json")
    message = str(exc.value)
    assert named in message and "\n" not in message


# ------------------------------------------------------------------------------ accepted shapes


def _outcome(raw: Doc) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """What an audit decided, independent of how ids were spelt: verdicts and fired rules."""
    findings = audit_or_input_error(raw)
    assert findings is not None
    check_findings(raw, findings)
    subs = sorted((arm.norm_id(s["id"]), s["export"], s["enforcement"], s["verdict"])
                  for s in findings["subscriptions"])
    fired = sorted((f["ruleId"], arm.norm_id(f["scope"])) for f in findings["findings"] if f["waiver"] is None)
    return subs, fired


def _demo_with(*mutations: Callable[[Doc], None]) -> Doc:
    raw = copy.deepcopy(DEMO)
    for m in mutations:
        m(raw)
    return raw


def _walk(value: Any, fn: Callable[[Any], Any]) -> Any:
    if isinstance(value, dict):
        return {k: _walk(v, fn) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, fn) for v in value]
    return fn(value)


def _every_id(fn: Callable[[str], str]) -> Callable[[Doc], None]:
    """Apply ``fn`` to every ARM id anywhere: documents, references in properties, states, errors."""
    def is_id(v: Any) -> bool:
        return isinstance(v, str) and v.lower().startswith(("/subscriptions/", "/providers/"))

    def apply(raw: Doc) -> None:
        for key in ("resources", "policyStates", "errors"):
            raw[key] = _walk(raw[key], lambda v: fn(v) if is_id(v) else v)
        raw["rootManagementGroupId"] = fn(raw["rootManagementGroupId"])
    return apply


def _every_document(fn: Callable[[Doc], None]) -> Callable[[Doc], None]:
    def apply(raw: Doc) -> None:
        for d in raw["resources"]:
            fn(d)
    return apply


BASELINE = _outcome(DEMO)


@pytest.mark.parametrize("mutation", [
    _every_id(str.upper),
    _every_id(str.lower),
    _every_id(lambda s: s[1:]),
    _every_id(lambda s: s + "/"),
    _every_document(lambda d: d.update(type=None)),
    _every_document(lambda d: d.pop("type", None)),
    _every_document(lambda d: d.update(type=d["type"].upper()) if isinstance(d.get("type"), str) else None),
    lambda raw: raw["resources"].extend(copy.deepcopy(raw["resources"])),
    lambda raw: raw["resources"].extend(_walk(copy.deepcopy(raw["resources"]), lambda v: v)[::-1]),
    lambda raw: raw["resources"].append({**copy.deepcopy(raw["resources"][0]),
                                         "id": raw["resources"][0]["id"].upper().lstrip("/")}),
], ids=["ids-upper", "ids-lower", "ids-no-leading-slash", "ids-trailing-slash", "type-null", "type-absent",
        "type-upper", "every-doc-twice", "every-doc-twice-reversed", "repeat-with-recased-id"])
def test_spelling_variations_do_not_change_the_audit(mutation: Callable[[Doc], None]) -> None:
    assert _outcome(_demo_with(mutation)) == BASELINE


def _doc(raw: Doc, id_suffix: str) -> Doc:
    found = [d for d in raw["resources"] if d["id"].lower().endswith(id_suffix.lower())]
    assert len(found) == 1, id_suffix
    return found[0]


def _props(id_suffix: str, **values: Any) -> Callable[[Doc], None]:
    return lambda raw: _doc(raw, id_suffix)["properties"].update(values)


def _logs_enabled(id_suffix: str, value: Any) -> Callable[[Doc], None]:
    def apply(raw: Doc) -> None:
        for entry in _doc(raw, id_suffix)["properties"]["logs"]:
            entry["enabled"] = value
    return apply


FABRIKAM_LAW = "workspaces/law-fabrikam"  # no AzureActivity table document: the workspace default decides
SHARED_STORAGE = "storageAccounts/stsharedactlog"
STORAGE_EXPORT = "diagnosticSettings/activity-to-storage"
DATA_ALERT = "rg-data-alerts/providers/microsoft.insights/activityLogAlerts/sensitive-operations"  # disabled
FIN_ACTION_GROUP = "actionGroups/ag-fin-oncall"
ROOT_ASSIGNMENT = "policyAssignments/Deploy-AzActivity-Log"


@pytest.mark.parametrize(("lenient", "canonical", "control"), [
    # numbers and booleans sent as strings read as what they say
    (_props(FABRIKAM_LAW, retentionInDays="365"), _props(FABRIKAM_LAW), _props(FABRIKAM_LAW, retentionInDays=30)),
    (_props(SHARED_STORAGE, allowBlobPublicAccess="true"), _props(SHARED_STORAGE),
     _props(SHARED_STORAGE, allowBlobPublicAccess=False)),
    (_logs_enabled(STORAGE_EXPORT, "True"), _logs_enabled(STORAGE_EXPORT, True),
     _logs_enabled(STORAGE_EXPORT, False)),
    (_props(FIN_ACTION_GROUP, enabled="false"), _props(FIN_ACTION_GROUP), _props(FIN_ACTION_GROUP, enabled=True)),
    (_props(DATA_ALERT, enabled="FALSE"), _props(DATA_ALERT), _props(DATA_ALERT, enabled=True)),
    # a flag it cannot read is not taken as "on": the alert, group or category does not count
    (_props(DATA_ALERT, enabled=[]), _props(DATA_ALERT), _props(DATA_ALERT, enabled=True)),
    (_props(FIN_ACTION_GROUP, enabled=0), _props(FIN_ACTION_GROUP), _props(FIN_ACTION_GROUP, enabled=True)),
    (_logs_enabled(STORAGE_EXPORT, 1), _logs_enabled(STORAGE_EXPORT, False), _logs_enabled(STORAGE_EXPORT, True)),
    # an enforcementMode that is not a string is not "Default"; null is ARM's default
    (_props(ROOT_ASSIGNMENT, enforcementMode=0), _props(ROOT_ASSIGNMENT, enforcementMode="DoNotEnforce"),
     _props(ROOT_ASSIGNMENT)),
    (_props(ROOT_ASSIGNMENT, enforcementMode=None), _props(ROOT_ASSIGNMENT),
     _props(ROOT_ASSIGNMENT, enforcementMode="x")),
], ids=["retention-string", "public-access-string", "logs-enabled-string", "group-enabled-string",
        "alert-enabled-string", "alert-enabled-list", "group-enabled-number", "logs-enabled-number",
        "mode-number", "mode-null"])
def test_lenient_values_read_as_their_canonical_form(lenient: Callable[[Doc], None],
                                                      canonical: Callable[[Doc], None],
                                                      control: Callable[[Doc], None]) -> None:
    # ``control`` proves the value matters, so the equality below is not vacuous.
    assert _outcome(_demo_with(lenient)) == _outcome(_demo_with(canonical)) != _outcome(_demo_with(control))


# ------------------------------------------------------------------------------ the errors list

HR_SUB = "/subscriptions/" + b.guid("contoso-corp-hr-prod")


def _add_error(scope: str, operation: Any, status: Any = 403) -> Callable[[Doc], None]:
    return lambda raw: raw["errors"].append(
        {"scope": scope, "operation": operation, "status": status, "code": "AuthorizationFailed", "message": "m"})


def test_error_status_sent_as_a_string_is_read_as_a_number() -> None:
    findings = audit_or_input_error(_demo_with(_add_error(HR_SUB, "activityLogAlerts", "403")))
    assert findings is not None
    [aud] = [f for f in findings["findings"] if f["ruleId"] == "ALA-AUD-001" and arm.same_id(f["scope"], HR_SUB)]
    assert aud["evidence"]["status"] == 403


def test_unknown_operation_is_reported_and_judges_nothing_else() -> None:
    subs, fired = _outcome(_demo_with(_add_error(HR_SUB, "someFutureOperation")))
    assert subs == BASELINE[0]
    assert sorted(fired) == sorted([*BASELINE[1], ("ALA-AUD-001", arm.norm_id(HR_SUB))])


def test_operation_names_in_errors_ignore_case() -> None:
    canonical = _outcome(_demo_with(_add_error(HR_SUB, "diagnosticSettings")))
    assert canonical != BASELINE  # the error matters: the subscription's export becomes unknown
    assert _outcome(_demo_with(_add_error(HR_SUB.upper().lstrip("/"), " DIAGNOSTICSETTINGS "))) == canonical


# ------------------------------------------------------------------------------ through the CLI


def _cli_seeds(audited: int = 4, rejected: int = 2) -> list[int]:
    """The first fuzz seeds giving each outcome, so the CLI sees both."""
    wanted = {True: audited, False: rejected}
    seeds = []
    for seed in range(FUZZ_SEED, FUZZ_SEED + FUZZ_ITERATIONS):
        ok = audit_or_input_error(mutated_demo(seed)[0]) is not None
        if wanted[ok]:
            wanted[ok] -= 1
            seeds.append(seed)
        if not any(wanted.values()):
            break
    return seeds


def _run_audit(tmp_path: Path, raw: Doc, *extra: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    snapshot = tmp_path / "snapshot.json"
    snapshot.write_text(json.dumps(raw), encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "auditor", "audit", "--snapshot", str(snapshot), "--out", str(out),
                           "--quiet", *extra], capture_output=True, text=True, timeout=120, cwd=ROOT)
    return proc, out


@pytest.mark.parametrize("seed", _cli_seeds())
def test_cli_on_fuzzed_snapshot_exits_cleanly(tmp_path: Path, seed: int) -> None:
    raw, log = mutated_demo(seed)
    proc, out = _run_audit(tmp_path, raw, "--format", "json")
    assert "Traceback" not in proc.stderr, (log, proc.stderr)
    expected = audit_or_input_error(raw)
    if expected is None:
        assert proc.returncode == 2, (log, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert proc.stderr.startswith("auditor: error: snapshot ")
        return
    assert proc.returncode == (3 if raw["errors"] else 0), (log, proc.stderr)
    written = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert written["subscriptions"] == expected["subscriptions"]
    assert written["findings"] == expected["findings"]


def test_cli_renders_reports_for_oddly_spelt_snapshot(tmp_path: Path) -> None:
    raw = _demo_with(_every_id(lambda s: s.upper()[1:]), _every_document(lambda d: d.update(type=None)),
                     _every_document(lambda d: d.update(properties=d.get("properties") or None)))
    proc, out = _run_audit(tmp_path, raw, "--format", "md,csv,sarif")
    # the demo records unreadable scopes: exit 3 and its one stderr line, nothing else
    assert proc.returncode == 3 and proc.stderr.startswith("auditor: the audit is incomplete:"), proc.stderr
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert {p.name for p in out.iterdir()} >= {"findings.json", "summary.md", "findings.csv", "findings.sarif"}


def test_cli_rejects_unusable_document_with_one_line(tmp_path: Path) -> None:
    raw = _demo_with(_set("resources.7.id", None))
    proc, _ = _run_audit(tmp_path, raw)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"auditor: error: snapshot {tmp_path / 'snapshot.json'}: resources[7].id must be a non-empty string, not null"]


# ------------------------------------------------------------------------------ the config

SAMPLE_CONFIG = ROOT / "examples" / "auditor.toml"
TOML_VALUES: tuple[Any, ...] = ("x", "", 0, -1, 1.5, True, [], {}, [1], ["x"], [{}], {"rule": "*"},
                                dt.date(2027, 1, 1), dt.datetime(2027, 1, 1, 10, 0), dt.time(10, 0))


def _config_slots(data: Doc) -> list[tuple[Any, ...]]:
    """Every key and list position of the sample config, as paths into the parsed TOML."""
    return [("audit",), ("waiver",), *_paths(data["audit"], ("audit",)), *_paths(data["waiver"], ("waiver",))]


def _key_name(path: tuple[Any, ...]) -> str:
    """How an error message names the key at ``path``: ``audit.min_retention_days``, ``waiver[0].expires``."""
    if path[0] == "waiver" and len(path) >= 3:
        return f"waiver[{path[1]}].{path[2]}"
    if path[0] == "waiver" and len(path) == 2:
        return f"waiver[{path[1]}]"
    return ".".join(str(p) for p in path[:2])


def _sane(config: Any) -> None:
    """An accepted config holds values of the types the analysis relies on."""
    from auditor.azure.activity_log import CATEGORIES
    assert all(c in CATEGORIES for c in config.required_categories)
    assert isinstance(config.min_retention_days, int) and not isinstance(config.min_retention_days, bool)
    assert all(isinstance(s, str) and s for s in (*config.central_destinations, *config.sensitive_operations))
    for w in config.waivers:
        assert isinstance(w.rule, str) and isinstance(w.scope, str) and isinstance(w.reason, str)
        assert w.expires is None or type(w.expires) is dt.date
    json.dumps(config.as_dict())


def test_config_value_of_any_type_is_accepted_sensibly_or_names_its_key() -> None:
    base = tomllib.loads(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    known = rule_ids()
    outcomes = {"accepted": 0, "rejected": 0}
    for path in _config_slots(base):
        for value in TOML_VALUES:
            data = copy.deepcopy(base)
            target = data
            for k in path[:-1]:
                target = target[k]
            target[path[-1]] = copy.deepcopy(value)
            try:
                config = parse_config(data, known)
            except InputError as e:
                assert _key_name(path) in str(e) and "\n" not in str(e), (path, value, str(e))
                outcomes["rejected"] += 1
                continue
            _sane(config)
            outcomes["accepted"] += 1
    assert outcomes["accepted"] and outcomes["rejected"], outcomes


@pytest.mark.parametrize(("toml", "named"), [
    ('[audit]\nmin_retention_days = "x"\n', "audit.min_retention_days"),
    ("[audit]\nmin_retention_days = 365.0\n", "audit.min_retention_days"),
    ('[audit]\nrequired_categories = "Administrative"\n', "audit.required_categories"),
    ("waiver = 3\n", "'waiver'"),
    ('[[waiver]]\nrule = "*"\nscope = "/subscriptions/x"\nreason = "r"\nexpires = 10:00:00\n', "waiver[0].expires"),
    ('[[waiver]]\nrule = "*"\nscope = "/subscriptions/x"\nreason = "r"\nexpires = "soon"\n', "waiver[0].expires"),
    ('[[waiver]]\nrule = 3\nscope = "/subscriptions/x"\nreason = "r"\n', "waiver[0].rule"),
])
def test_cli_config_with_wrong_value_type_exits_2_naming_the_key(tmp_path: Path, toml: str, named: str) -> None:
    (tmp_path / "auditor.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_config(tmp_path / "auditor.toml", rule_ids())
    assert named in str(exc.value)
    proc, _ = _run_audit(tmp_path, DEMO, "--config", str(tmp_path / "auditor.toml"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and named in proc.stderr


def test_waiver_expiry_given_as_a_datetime_is_read_as_its_date(tmp_path: Path) -> None:
    toml = SAMPLE_CONFIG.read_text(encoding="utf-8").replace("expires = 2027-03-31", "expires = 2027-03-31T10:00:00")
    assert "2027-03-31T10:00:00" in toml
    (tmp_path / "auditor.toml").write_text(toml, encoding="utf-8")
    config = load_config(tmp_path / "auditor.toml", rule_ids())
    assert config.waivers[0].expires == dt.date(2027, 3, 31)
    assert config == load_config(SAMPLE_CONFIG, rule_ids())


# ------------------------------------------------------------------------------ rendering

RENDER_FORMATS = ("md", "csv", "sarif")  # PDF and HTML share the view model and cost seconds each


def _render(raw: Doc, out: Path) -> None:
    from auditor.render import FILE_NAMES, render_reports

    snap = build_snapshot(copy.deepcopy(raw))
    render_reports(audit_snapshot(snap), snap, out, RENDER_FORMATS)
    for fmt in RENDER_FORMATS:
        assert (out / FILE_NAMES[fmt]).stat().st_size > 0
    json.loads((out / FILE_NAMES["sarif"]).read_text(encoding="utf-8"))


def test_fuzzed_snapshots_render(tmp_path: Path) -> None:
    rendered = 0
    for seed in range(FUZZ_SEED, FUZZ_SEED + FUZZ_ITERATIONS, 8):
        raw, log = mutated_demo(seed)
        if audit_or_input_error(raw) is None:
            continue
        try:
            _render(raw, tmp_path / str(seed))
        except Exception as e:  # noqa: BLE001 - report the seed and its mutations
            pytest.fail(f"seed {seed} {log}: {type(e).__name__}: {e}")
        rendered += 1
    assert rendered >= 40


def _assignment(raw: Doc) -> Doc:
    return _doc(raw, ROOT_ASSIGNMENT)


def _of_kind(kind: str, fn: Callable[[Doc], None]) -> Callable[[Doc], None]:
    return _every_document(lambda d: fn(d) if arm.kind_of(d) == kind else None)


@pytest.mark.parametrize("mutation", [
    lambda raw: _assignment(raw).update(identity="123"),
    lambda raw: _assignment(raw).update(identity={"type": "UserAssigned", "userAssignedIdentities": "x"}),
    lambda raw: _assignment(raw)["properties"].update(displayName=5),
    lambda raw: _assignment(raw)["properties"].update(notScopes=5),
    _of_kind(arm.POLICY_SET_DEFINITION, lambda d: d["properties"].update(policyDefinitions=5)),
    _of_kind(arm.POLICY_EXEMPTION, lambda d: d["properties"].update(expiresOn=5)),
], ids=["identity-string", "user-assigned-identities-string", "assignment-displayName-number",
        "notScopes-number", "set-policyDefinitions-number", "exemption-expiresOn-number"])
def test_renderer_copes_with_odd_policy_shapes(tmp_path: Path, mutation: Callable[[Doc], None]) -> None:
    """Shapes the fuzz once crashed the policy view with (auditor/render/policy_view.py)."""
    raw = _demo_with(mutation)
    assert audit_or_input_error(raw) is not None  # the analysis copes
    _render(raw, tmp_path)
