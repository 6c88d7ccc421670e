"""auditor.toml (docs/configuration.md): strict parsing, defaults, and waivers judged at collectedAt."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

import builders as b
import pytest

from auditor.analysis.context import AuditContext
from auditor.analysis.engine import audit
from auditor.azure.activity_log import CATEGORIES
from auditor.azure.snapshot import build_snapshot
from auditor.config import DEFAULT_SENSITIVE_OPERATIONS, Config, load_config, parse_config
from auditor.errors import InputError
from auditor.rules import rule_ids

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
S = b.guid("config-sub")
S2 = b.guid("config-sub-2")
RULES = rule_ids()


def load(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "auditor.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, RULES)


def bad(tmp_path: Path, text: str) -> str:
    with pytest.raises(InputError) as exc:
        load(tmp_path, text)
    message = str(exc.value)
    assert message and "\n" not in message
    return message


WAIVER = """
[[waiver]]
rule = "ALA-EXP-001"
scope = "/subscriptions/{sub}"
reason = "migration"
owner = "ops@contoso.example"
expires = 2027-03-31
"""


# ----------------------------------------------------------------- defaults and values


def test_no_config_means_documented_defaults() -> None:
    c = load_config(None, RULES)
    assert c.required_categories == CATEGORIES
    assert c.min_retention_days == 365
    assert c.central_destinations == ()
    assert c.sensitive_operations == DEFAULT_SENSITIVE_OPERATIONS
    assert c.waivers == ()
    assert len(DEFAULT_SENSITIVE_OPERATIONS) == 8


def test_empty_file_means_defaults(tmp_path: Path) -> None:
    assert load(tmp_path, "") == Config()


def test_values_are_read(tmp_path: Path) -> None:
    ws = b.workspace_id(S, "rg", "law")
    c = load(tmp_path, f"""
[audit]
required_categories = ["Security", "administrative", "Policy", "Alert"]
min_retention_days = 730
central_destinations = ["{ws.lstrip('/')}"]
sensitive_operations = ["Microsoft.Network/publicIPAddresses/write"]
""")
    assert c.required_categories == ("Administrative", "Security", "Alert", "Policy")
    assert c.min_retention_days == 730
    assert c.central_destinations == (ws,)
    assert c.sensitive_operations == ("Microsoft.Network/publicIPAddresses/write",)


def test_effective_settings_are_reported() -> None:
    d = Config().as_dict()
    assert set(d) >= {"required_categories", "min_retention_days", "central_destinations", "sensitive_operations"}


def test_sample_config_loads() -> None:
    c = load_config(EXAMPLES / "auditor.toml", RULES)
    assert len(c.waivers) == 3
    assert len(c.central_destinations) == 2
    assert {w.rule for w in c.waivers} == {"ALA-ALR-001", "ALA-EXP-008", "ALA-EXP-006"}


# ----------------------------------------------------------------- usage errors


@pytest.mark.parametrize(("text", "named"), [
    ("[audit]\nretention_days = 365\n", "retention_days"),
    ("[audits]\nmin_retention_days = 365\n", "audits"),
    ("verbose = true\n", "verbose"),
    ('[[waiver]]\nrule = "*"\nscope = "/subscriptions/' + S + '"\nreason = "r"\nexpiry = 2027-01-01\n', "expiry"),
])
def test_unknown_key_is_named(tmp_path: Path, text: str, named: str) -> None:
    assert named in bad(tmp_path, text)


def test_unknown_rule_id(tmp_path: Path) -> None:
    message = bad(tmp_path, WAIVER.format(sub=S).replace("ALA-EXP-001", "ALA-EXP-999"))
    assert "ALA-EXP-999" in message


def test_rule_id_case_is_normalised_and_star_allowed(tmp_path: Path) -> None:
    c = load(tmp_path, WAIVER.format(sub=S).replace("ALA-EXP-001", "ala-exp-001")
             + WAIVER.format(sub=S).replace('"ALA-EXP-001"', '"*"'))
    assert [w.rule for w in c.waivers] == ["ALA-EXP-001", "*"]


@pytest.mark.parametrize("expires", ['"2027-13-01"', '"31/03/2027"', '"soon"', "20270331"])
def test_malformed_date(tmp_path: Path, expires: str) -> None:
    message = bad(tmp_path, WAIVER.format(sub=S).replace("2027-03-31", expires))
    assert "expires" in message


def test_invalid_toml_date_is_a_usage_error(tmp_path: Path) -> None:
    bad(tmp_path, WAIVER.format(sub=S).replace("2027-03-31", "2027-02-30"))


def test_date_as_string_and_datetime_are_accepted(tmp_path: Path) -> None:
    as_string = load(tmp_path, WAIVER.format(sub=S).replace("2027-03-31", '"2027-03-31"'))
    as_datetime = load(tmp_path, WAIVER.format(sub=S).replace("2027-03-31", "2027-03-31T12:00:00Z"))
    assert as_string.waivers[0].expires == as_datetime.waivers[0].expires == dt.date(2027, 3, 31)


@pytest.mark.parametrize("missing", ["rule", "scope", "reason"])
def test_waiver_required_fields(tmp_path: Path, missing: str) -> None:
    lines = [ln for ln in WAIVER.format(sub=S).splitlines() if not ln.startswith(missing + " ")]
    assert missing in bad(tmp_path, "\n".join(lines))


def test_waiver_scope_must_be_subscription_or_group(tmp_path: Path) -> None:
    assert "scope" in bad(tmp_path, WAIVER.format(sub=S).replace(f"/subscriptions/{S}", "contoso-corp"))


@pytest.mark.parametrize(("line", "named"), [
    ('required_categories = ["Administrative", "Audit"]', "Audit"),
    ('required_categories = "Administrative"', "required_categories"),
    ("min_retention_days = -1", "min_retention_days"),
    ('min_retention_days = "365"', "min_retention_days"),
    ("min_retention_days = true", "min_retention_days"),
    ("central_destinations = [42]", "central_destinations"),
    ('sensitive_operations = [""]', "sensitive_operations"),
])
def test_bad_values(tmp_path: Path, line: str, named: str) -> None:
    assert named in bad(tmp_path, f"[audit]\n{line}\n")


def test_not_toml(tmp_path: Path) -> None:
    bad(tmp_path, "[audit\nmin_retention_days = 365\n")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        load_config(tmp_path / "nope.toml", RULES)


def test_parse_config_rejects_non_table_audit() -> None:
    with pytest.raises(InputError):
        parse_config({"audit": ["x"]}, RULES)


def test_cli_unknown_key_exits_2(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "auditor", "audit", "--snapshot", str(EXAMPLES / "demo-tenant.json"),
         "--config", str(EXAMPLES / "bad" / "unknown-key.toml"), "--out", str(out), "--format", "json", "--quiet"],
        capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2
    assert "retention_days" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


# ----------------------------------------------------------------- waivers at work


def waived(config_text: str, tmp_path: Path, collected_at: str = b.COLLECTED_AT) -> dict[tuple[str, str], Any]:
    """(ruleId, subscription guid) -> waiver of each ALA-EXP-001 / ALR-001 finding in a two-group tenant."""
    doc = b.snapshot([
        b.management_group("root", "Root", children=[b.child_group("corp", "Corp")]),
        b.management_group("corp", "Corp", parent="root", children=[b.child_subscription(S, "Corp Sub")]),
        b.subscription(S, "Corp Sub"),
        b.subscription(S2, "Unplaced"),
    ], root="root", collected_at=collected_at)
    result = audit(AuditContext(build_snapshot(doc), load(tmp_path, config_text)))
    out: dict[tuple[str, str], Any] = {}
    for f in result["findings"]:
        if f["ruleId"] == "ALA-EXP-001":
            out[(f["ruleId"], f["scope"].rsplit("/", 1)[-1])] = f["waiver"]
    return out


def test_active_waiver_on_subscription(tmp_path: Path) -> None:
    got = waived(WAIVER.format(sub=S), tmp_path)
    assert got[("ALA-EXP-001", S)] == {"reason": "migration", "owner": "ops@contoso.example", "expires": "2027-03-31"}
    assert got[("ALA-EXP-001", S2)] is None


def test_waiver_on_group_applies_below(tmp_path: Path) -> None:
    text = WAIVER.format(sub=S).replace(f"/subscriptions/{S}", b.mg_id("corp"))
    got = waived(text, tmp_path)
    assert got[("ALA-EXP-001", S)] is not None
    assert got[("ALA-EXP-001", S2)] is None  # unplaced: not below corp


def test_expired_waiver_does_not_waive(tmp_path: Path) -> None:
    got = waived(WAIVER.format(sub=S).replace("2027-03-31", "2026-11-27"), tmp_path)
    assert got[("ALA-EXP-001", S)] is None


def test_waiver_expiring_on_collection_day_still_waives(tmp_path: Path) -> None:
    got = waived(WAIVER.format(sub=S).replace("2027-03-31", "2026-11-28"), tmp_path)
    assert got[("ALA-EXP-001", S)] is not None


def test_expiry_is_judged_at_collected_at_not_today(tmp_path: Path) -> None:
    text = WAIVER.format(sub=S).replace("2027-03-31", "2025-06-30")
    assert waived(text, tmp_path, collected_at="2025-06-01T00:00:00Z")[("ALA-EXP-001", S)] is not None
    assert waived(text, tmp_path)[("ALA-EXP-001", S)] is None


def test_waiver_for_another_rule_does_not_apply(tmp_path: Path) -> None:
    got = waived(WAIVER.format(sub=S).replace("ALA-EXP-001", "ALA-EXP-002"), tmp_path)
    assert got[("ALA-EXP-001", S)] is None


def test_star_waiver_applies_to_every_rule(tmp_path: Path) -> None:
    got = waived(WAIVER.format(sub=S).replace('"ALA-EXP-001"', '"*"'), tmp_path)
    assert got[("ALA-EXP-001", S)] is not None


def test_sample_config_on_the_demo_tenant() -> None:
    from auditor.azure.snapshot import load_snapshot

    config = load_config(EXAMPLES / "auditor.toml", RULES)
    result = audit(AuditContext(load_snapshot(EXAMPLES / "demo-tenant.json"), config))
    waived_rules = sorted({f["ruleId"] for f in result["findings"] if f["waiver"] is not None})
    assert waived_rules == ["ALA-ALR-001", "ALA-EXP-008"]
    exp006 = [f for f in result["findings"] if f["ruleId"] == "ALA-EXP-006"]
    assert exp006 and all(f["waiver"] is None for f in exp006)
    assert result["config"]["central_destinations"] == list(config.central_destinations)
