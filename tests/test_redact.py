"""`auditor redact` and `audit --unmap` (issue 12 part 6): pseudonymised sharing that keeps every judgement.

The demo tenant and its redacted copy are audited side by side: the same verdict per
pseudonymised subscription, the same rule firings per pseudonymised scope, no real identifier
left in the shared file, and `audit --unmap` gives back the original findings.
"""

from __future__ import annotations

import copy
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from schema_check import assert_valid

from auditor.analysis.engine import audit_snapshot
from auditor.azure import arm
from auditor.azure.snapshot import build_snapshot
from auditor.cli import main
from auditor.redact.pseudonyms import _SYSTEM_NAMED_TYPES, Pseudonymiser, unmap

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo-tenant.json"
KEY = b"0123456789abcdef0123456789abcdef"
GUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def demo() -> dict[str, Any]:
    return json.loads(DEMO.read_text())


def shared_copy(raw: dict[str, Any], key: bytes = KEY) -> tuple[dict[str, Any], Pseudonymiser]:
    p = Pseudonymiser(key)
    return p.snapshot(copy.deepcopy(raw)), p


def _identifiers(raw: dict[str, Any]) -> set[str]:
    """What identifies the demo tenant: names in ids, display names, e-mails, tenant-specific GUIDs."""
    found: set[str] = {raw["tenantId"].lower()}
    builtin = re.compile(r"^/providers/microsoft\.authorization/(policy|policyset)definitions/", re.I)
    for doc in raw["resources"]:
        props = arm.props(doc)
        if str(props.get("policyType", "")).lower() == "builtin":
            continue
        if not builtin.match(arm.norm_id(doc["id"])):
            found |= _id_names(arm.norm_id(doc["id"])) - {"default"}
        if isinstance(props.get("displayName"), str):
            found.add(props["displayName"].lower())
        if isinstance(doc.get("displayName"), str):
            found.add(doc["displayName"].lower())
    text = json.dumps(raw)
    found |= {e.lower() for e in EMAIL_RE.findall(text)}
    return {f for f in found if len(f) >= 4}


def _id_names(arm_id: str) -> set[str]:
    """Names the tenant chose (not Azure's: tables/AzureActivity, pricings/StorageAccounts ...)."""
    parts, names, i = arm_id.split("/"), set(), 1
    while i + 1 < len(parts):
        if parts[i] == "providers":
            i += 2
            continue
        if parts[i] not in _SYSTEM_NAMED_TYPES:
            names.add(parts[i + 1])
        i += 2
    return names


def _tokens(value: Any) -> set[str]:
    """Every string value, its path segments and comma parts, and e-mails inside, lower case."""
    if isinstance(value, str):
        v = value.lower()
        return {v, *v.split("/"), *v.split(","), *(e.lower() for e in EMAIL_RE.findall(value))}
    if isinstance(value, list):
        return set().union(*(_tokens(x) for x in value)) if value else set()
    if isinstance(value, dict):
        return set().union(*((_tokens(k) if "/" in k else set()) | _tokens(x) for k, x in value.items())) \
            if value else set()
    return set()


def test_the_shared_copy_holds_no_real_identifier() -> None:
    raw = demo()
    shared, p = shared_copy(raw)
    text = json.dumps(shared, ensure_ascii=False).lower()
    tokens = _tokens(shared)
    # 'setbypolicy' names a diagnostic setting and is also the literal in the export policy's rule: policy
    # rules and templates are code and stay verbatim (docs/redaction.md), the setting's own name is pseudonymised.
    # 'insights-activity-logs' is the container Azure creates for the activity log.
    azure_names = {"setbypolicy", "insights-activity-logs"}
    leaked = sorted(i for i in _identifiers(raw) - azure_names if i in tokens and not GUID_RE.fullmatch(i))
    assert not leaked, leaked[:10]
    public = {g.lower() for g in GUID_RE.findall(text) if g.lower() not in {v.lower() for v in p.back}}
    real_guids = {g.lower() for g in GUID_RE.findall(json.dumps(raw))}
    # the only GUIDs shared unchanged are public ones: built-in policy and role definitions, Sentinel templates
    for g in real_guids & public:
        assert re.search(rf"(policydefinitions|policysetdefinitions|roledefinitions)/{g}", text) or \
            f'"alertruletemplatename": "{g}"' in text, g
    assert raw["tenantId"].lower() not in text


def test_same_verdicts_and_rule_firings_per_pseudonymised_scope() -> None:
    raw = demo()
    shared, p = shared_copy(raw)
    real, pseudo = audit_snapshot(build_snapshot(raw)), audit_snapshot(build_snapshot(shared))
    assert real["summary"] == pseudo["summary"]

    def firings(doc: dict[str, Any], rename: Any) -> list[tuple[str, str, str | None]]:
        return sorted((f["ruleId"], arm.norm_id(rename(f["scope"])), f["waiver"] and "waived") for f in doc["findings"])

    assert firings(real, p.scan) == firings(pseudo, str)
    assert sorted((arm.norm_id(p.scan(s["id"])), s["verdict"], s["export"], s["enforcement"])
                  for s in real["subscriptions"]) == \
        sorted((arm.norm_id(s["id"]), s["verdict"], s["export"], s["enforcement"]) for s in pseudo["subscriptions"])
    assert len({arm.norm_id(s["id"]) for s in pseudo["subscriptions"]}) == len(real["subscriptions"])


def test_ids_stay_well_formed_and_references_meet() -> None:
    shared, p = shared_copy(demo())
    assert_valid(shared, "snapshot", "the redacted demo tenant")  # the published snapshot schema
    snap = build_snapshot(shared)  # validates: ids, no contradictory duplicates
    ids = {arm.norm_id(d["id"]) for d in shared["resources"]}
    for doc in shared["resources"]:
        for key in ("workspaceId", "storageAccountId", "eventHubAuthorizationRuleId"):
            ref = arm.props(doc).get(key)
            if ref:
                assert arm.norm_id(ref) in ids or any(e for e in snap.errors), ref
        if arm.kind_of(doc) == arm.POLICY_ASSIGNMENT:
            for scope in arm.props(doc).get("notScopes") or []:
                assert arm.norm_id(scope).startswith(("/providers/microsoft.management/managementgroups/",
                                                      "/subscriptions/"))
    for state in shared["policyStates"]:
        assert arm.norm_id(state["policyAssignmentId"]) in ids
        assert arm.norm_id(state["resourceId"]) in ids
    assert all(GUID_RE.fullmatch(arm.subscription_id_of(d["id"]) or "0" * 8 + "-0000-0000-0000-" + "0" * 12)
               for d in shared["resources"])


def test_the_same_key_gives_the_same_pseudonyms_another_key_others() -> None:
    raw = demo()
    a, _ = shared_copy(raw)
    b, _ = shared_copy(raw)
    c, _ = shared_copy(raw, b"another key, also long enough!!")
    assert a == b
    assert a["tenantId"] != c["tenantId"] and a["resources"][1]["id"] != c["resources"][1]["id"]


def test_a_kind_the_pseudonymiser_never_heard_of_is_handled_by_its_ids_and_fields() -> None:
    """Sentinel rules, delivery evidence, ...: nothing lists kinds, so new ones stay consistent."""
    raw = demo()
    workspace = next(d for d in raw["resources"] if arm.kind_of(d) == arm.WORKSPACE)
    rule = {"id": workspace["id"] + "/providers/Microsoft.SecurityInsights/alertRules/"
                  "5d3c4f8e-1111-4222-8333-944455556666",
            "type": "Microsoft.SecurityInsights/alertRules", "name": "5d3c4f8e-1111-4222-8333-944455556666",
            "kind": "Scheduled",
            "properties": {"displayName": "Contoso policy assignment deleted", "enabled": True,
                           "query": f"AzureActivity | where _ResourceId =~ '{workspace['id']}'",
                           "owner": {"email": "secops-lead@contoso.example", "objectId":
                                     "7b1a3b8e-6c55-4c0f-9d3e-2f0a1c9d8e77"}}}
    raw["resources"].append(rule)
    shared, p = shared_copy(raw)
    got = shared["resources"][-1]
    wid = p.scan(workspace["id"])
    assert got["id"].startswith(wid + "/providers/Microsoft.SecurityInsights/alertRules/")
    assert wid in got["properties"]["query"] and "contoso" not in json.dumps(got).lower()
    assert got["properties"]["owner"]["objectId"] == p.guid("7b1a3b8e-6c55-4c0f-9d3e-2f0a1c9d8e77")
    assert unmap(got, p.back) == rule


def test_sentinel_documents_keep_what_the_sentinel_reader_matches() -> None:
    """Solutions are named SecurityInsights(<workspace>), rules name public templates, ARM's
    message quotes the workspace name: the reader still finds the (pseudonymised) workspace."""
    from auditor.azure import security_insights

    raw = demo()
    ws = next(d for d in raw["resources"] if arm.kind_of(d) == arm.WORKSPACE)
    sub_rg = ws["id"].split("/providers/")[0]
    solution = {"id": f"{sub_rg}/providers/Microsoft.OperationsManagement/solutions/SecurityInsights({ws['name']})",
                "type": "Microsoft.OperationsManagement/solutions", "name": f"SecurityInsights({ws['name']})",
                "plan": {"name": f"SecurityInsights({ws['name']})", "product": "OMSGallery/SecurityInsights",
                         "publisher": "Microsoft"},
                "properties": {"workspaceResourceId": ws["id"]}}
    template = "1a2b3c4d-0000-4000-8000-00000000abcd"
    rule = {"id": ws["id"] + "/providers/Microsoft.SecurityInsights/alertRules/rule-1", "name": "rule-1",
            "type": "Microsoft.SecurityInsights/alertRules", "kind": "Scheduled",
            "properties": {"displayName": "Policy assignment deleted", "enabled": True,
                           "alertRuleTemplateName": template,
                           "query": "AzureActivity | where OperationNameValue == 'x'"}}
    error = {"scope": ws["id"], "operation": "sentinel", "status": 400, "code": "BadRequest",
             "message": f"Workspace '{ws['name']}' is not onboarded to Microsoft Sentinel"}
    raw["resources"] += [solution, rule]
    raw["errors"].append(error)
    shared, p = shared_copy(raw)
    wid = arm.norm_id(p.scan(ws["id"]))
    assert security_insights.onboarded_workspaces(shared["resources"]) == {wid}
    assert shared["resources"][-2]["plan"]["name"] == f"SecurityInsights({p.name(ws['name'])})"
    got_rule = security_insights.analytics_rule(shared["resources"][-1])
    assert got_rule is not None and got_rule.template == template and arm.norm_id(got_rule.workspace) == wid
    message = shared["errors"][-1]["message"]
    assert ws["name"] not in message and p.name(ws["name"]) in message
    assert unmap(shared["errors"][-1], p.back) == error


# --------------------------------------------------------------------------- command line

def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, list(args), env=env)


def test_redact_then_audit_unmap_gives_back_the_real_findings(tmp_path: Path) -> None:
    shared, mapfile = tmp_path / "shared.json.gz", tmp_path / "private" / "map.json"
    mapfile.parent.mkdir()
    r = run("redact", str(DEMO), "-o", str(shared), "--map", str(mapfile))
    assert r.exit_code == 0, r.output
    assert stat.S_IMODE(os.stat(mapfile).st_mode) == 0o600
    doc = json.loads(mapfile.read_text())
    assert doc["format"] == "auditor-pseudonym-map" and len(doc["key"]) == 64 and doc["entries"]
    real_out, pseudo_out, back_out = tmp_path / "real", tmp_path / "pseudo", tmp_path / "back"
    formats = "html,json,csv,md,sarif"
    assert run("audit", "--snapshot", str(DEMO), "--out", str(real_out), "--format", formats, "-q").exit_code == 3
    assert run("audit", "--snapshot", str(shared), "--out", str(pseudo_out), "--format", formats, "-q").exit_code == 3
    r = run("audit", "--snapshot", str(shared), "--out", str(back_out), "--format", formats, "--unmap", str(mapfile))
    assert r.exit_code == 3, r.output
    real = json.loads((real_out / "findings.json").read_text())
    back = json.loads((back_out / "findings.json").read_text())
    for d in (real, back):
        d.pop("snapshotSha256")
    assert back == real
    assert "Contoso-Platform-Management" in r.output or "Contoso" in r.output  # console names are real again
    sha = re.compile(r"[0-9a-f]{64}")
    for f in ("report.html", "findings.csv", "summary.md", "findings.sarif"):  # the same reports, bar the file audited
        back_text = sha.sub("", (back_out / f).read_text()).replace(shared.name, DEMO.name)
        assert back_text == sha.sub("", (real_out / f).read_text()), f
    pseudo_html = (pseudo_out / "report.html").read_text()
    for name in ("Contoso-Platform-Management", "law-contoso-central", "Finance ERP migration", "Fabrikam-Prod"):
        assert name in (back_out / "report.html").read_text() and name not in pseudo_html, name
    for f in ("report.html", "findings.csv", "summary.md", "findings.sarif", "findings.json"):
        assert "contoso" not in (pseudo_out / f).read_text().lower(), f


def test_a_config_written_against_the_shared_copy_judges_the_same_and_unmaps(tmp_path: Path) -> None:
    """The consultant's auditor.toml names pseudonymised scopes (central destinations, waivers)."""
    shared, mapfile = tmp_path / "shared.json", tmp_path / "map.json"
    assert run("redact", str(DEMO), "-o", str(shared), "--map", str(mapfile)).exit_code == 0
    p = Pseudonymiser(bytes.fromhex(json.loads(mapfile.read_text())["key"]))
    p.prepare(demo())
    # owners are people the snapshot does not hold (the map cannot know them): the same text in both
    text = re.sub(r'(?m)^owner = ".*"$', 'owner = "Platform team"', (ROOT / "examples" / "auditor.toml").read_text())
    real_toml, shared_toml = tmp_path / "real.toml", tmp_path / "shared.toml"
    real_toml.write_text(text)
    shared_toml.write_text(p.scan(text))
    assert "contoso" not in shared_toml.read_text().split("[[waiver]]", 1)[0].split("central_destinations")[1][:400]
    real_out, pseudo_out, back_out = tmp_path / "real", tmp_path / "pseudo", tmp_path / "back"
    assert run("audit", "--snapshot", str(DEMO), "--config", str(real_toml), "--out", str(real_out),
               "--format", "json", "-q").exit_code == 3
    assert run("audit", "--snapshot", str(shared), "--config", str(shared_toml), "--out", str(pseudo_out),
               "--format", "json", "-q").exit_code == 3
    r = run("audit", "--snapshot", str(shared), "--config", str(shared_toml), "--out", str(back_out),
            "--format", "json", "-q", "--unmap", str(mapfile))
    assert r.exit_code == 3, r.output
    real, pseudo, back = (json.loads((d / "findings.json").read_text()) for d in (real_out, pseudo_out, back_out))
    assert real["summary"] == pseudo["summary"] and real["summary"]["findings"]["waived"] > 0
    assert sorted((f["ruleId"], arm.norm_id(p.scan(f["scope"])), bool(f["waiver"])) for f in real["findings"]) == \
        sorted((f["ruleId"], arm.norm_id(f["scope"]), bool(f["waiver"])) for f in pseudo["findings"])
    for d in (real, back):
        d.pop("snapshotSha256")
    assert back == real


def test_the_same_map_gives_the_same_shared_file(tmp_path: Path) -> None:
    mapfile = tmp_path / "map.json"
    assert run("redact", str(DEMO), "-o", str(tmp_path / "a.json"), "--map", str(mapfile)).exit_code == 0
    assert run("redact", str(DEMO), "-o", str(tmp_path / "b.json"), "--map", str(mapfile)).exit_code == 0
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_key_file_and_environment_key(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("k" * 40 + "\n")
    r = run("redact", str(DEMO), "-o", str(tmp_path / "a.json"), "--map", str(tmp_path / "m1.json"),
            "--key-file", str(key_file))
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "m1.json").read_text())["key"] is None  # the owner keeps the key
    r = run("redact", str(DEMO), "-o", str(tmp_path / "b.json"), "--map", str(tmp_path / "m2.json"),
            env={"AUDITOR_REDACT_KEY": "k" * 40})
    assert r.exit_code == 0, r.output
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    # a map made with one key refuses another
    r = run("redact", str(DEMO), "-o", str(tmp_path / "c.json"), "--map", str(tmp_path / "m1.json"),
            env={"AUDITOR_REDACT_KEY": "z" * 40})
    assert r.exit_code == 2 and "another key" in r.output
    # and without its key it cannot continue
    r = run("redact", str(DEMO), "-o", str(tmp_path / "c.json"), "--map", str(tmp_path / "m1.json"),
            env={"AUDITOR_REDACT_KEY": ""})
    assert r.exit_code == 2 and "does not hold its key" in r.output


@pytest.mark.parametrize(("args", "message"), [
    (["--key-file", "{tmp}/short"], "at least 16 bytes"),
    (["--key-file", "{tmp}/missing"], "cannot read --key-file"),
    (["-o", str(DEMO)], "name the same file"),
    (["--map", "{tmp}/out.json"], "name the same file"),
    (["-o", "{tmp}/nowhere/out.json"], "does not exist"),
    (["--map", "{tmp}/nowhere/map.json"], "does not exist"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "short").write_text("tiny")
    base = {"-o": str(tmp_path / "out.json"), "--map": str(tmp_path / "map.json")}
    extra = [a.replace("{tmp}", str(tmp_path)) for a in args]
    for opt in ("-o", "--map"):
        if opt not in extra:
            extra += [opt, base[opt]]
    r = run("redact", str(DEMO), *extra)
    assert r.exit_code == 2 and message in r.output, r.output
    assert len(r.output.strip().splitlines()) == 1
    assert not (tmp_path / "out.json").exists() or "--map" in args
    assert not (tmp_path / "map.json").exists()


def test_bad_snapshot_and_bad_map(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{\"resources\": 3")
    r = run("redact", str(bad), "-o", str(tmp_path / "o.json"), "--map", str(tmp_path / "m.json"))
    assert r.exit_code == 2 and "not valid JSON" in r.output and not (tmp_path / "m.json").exists()
    notmap = tmp_path / "notmap.json"
    notmap.write_text("{\"entries\": []}")
    r = run("audit", "--snapshot", str(DEMO), "--out", str(tmp_path / "o"), "--format", "json", "--unmap", str(notmap))
    assert r.exit_code == 2 and "not an auditor pseudonym map" in r.output
    assert len(r.output.strip().splitlines()) == 1
    # a real map, but of another snapshot (here: the real one, never redacted)
    assert run("redact", str(DEMO), "-o", str(tmp_path / "s.json"), "--map", str(tmp_path / "m.json")).exit_code == 0
    r = run("audit", "--snapshot", str(DEMO), "--out", str(tmp_path / "o"), "--format", "json",
            "--unmap", str(tmp_path / "m.json"))
    assert r.exit_code == 2 and "does not belong to this snapshot" in r.output


def test_redact_removes_secrets_from_snapshots_collected_before_they_were_redacted(tmp_path: Path) -> None:
    raw = demo()
    group = next(d for d in raw["resources"] if arm.kind_of(d) == arm.ACTION_GROUP)
    group["properties"]["webhookReceivers"] = [{"name": "hook", "serviceUri": "https://h.example/x?code=Sup3rS3cret"}]
    src = tmp_path / "old.json"
    src.write_text(json.dumps(raw))
    assert run("redact", str(src), "-o", str(tmp_path / "s.json"), "--map", str(tmp_path / "m.json")).exit_code == 0
    assert "Sup3rS3cret" not in (tmp_path / "s.json").read_text()
    assert "Sup3rS3cret" not in (tmp_path / "m.json").read_text()


def test_redacting_a_shared_copy_again_with_its_map_changes_nothing() -> None:
    shared, p = shared_copy(demo())
    again = Pseudonymiser(KEY, p.back).snapshot(copy.deepcopy(shared))
    assert again == shared


# --------------------------------------------------------------------------- issue 19 item 3: whole values

def _with_odd_names(raw: dict[str, Any]) -> tuple[dict[str, Any], str, str]:
    """The demo with a resource group named with parentheses and an assignment named with spaces."""
    raw = copy.deepcopy(raw)
    group = next(d for d in raw["resources"] if arm.kind_of(d) == arm.ACTION_GROUP)
    old_rg = group["id"].split("/")[4]
    odd_rg = "rg-logging(contoso-mgmt)"
    text = json.dumps(raw).replace(f"/resourceGroups/{old_rg}/", f"/resourceGroups/{odd_rg}/")
    raw = json.loads(text)
    assignment = next(d for d in raw["resources"] if arm.kind_of(d) == arm.POLICY_ASSIGNMENT)
    odd_name = "Deploy Contoso Log"
    new_id = assignment["id"].rsplit("/", 1)[0] + "/" + odd_name
    raw = json.loads(json.dumps(raw).replace(json.dumps(assignment["id"]), json.dumps(new_id)))
    assignment = next(d for d in raw["resources"] if d["id"] == new_id)
    assignment["name"] = odd_name
    raw["errors"].append({"scope": new_id, "operation": "policyStates", "status": 403, "code": "AuthorizationFailed",
                          "message": f"No access to assignment '{odd_name}'"})
    return raw, odd_rg, odd_name


def test_names_with_spaces_and_parentheses_are_pseudonymised_whole() -> None:
    raw, odd_rg, odd_name = _with_odd_names(demo())
    shared, p = shared_copy(raw)
    text = json.dumps(shared)
    for word in ("contoso-mgmt", "Contoso Log", "logging("):
        assert word not in text, word
    assert p.name(odd_rg).isalnum() and p.name(odd_name).isalnum()
    back = unmap(shared, p.back)
    assert (back["resources"], back["errors"]) == (raw["resources"], raw["errors"])  # every whole name comes back
    real, pseudo = audit_snapshot(build_snapshot(raw)), audit_snapshot(build_snapshot(shared))
    assert real["summary"] == pseudo["summary"]  # references still meet


def test_phone_numbers_and_organisation_hosts_get_pseudonyms() -> None:
    raw = demo()
    group = next(d for d in raw["resources"] if arm.kind_of(d) == arm.ACTION_GROUP)
    group["properties"]["smsReceivers"] = [{"name": "oncall", "countryCode": "44", "phoneNumber": "7700900123",
                                            "status": "Enabled"}]
    group["properties"]["voiceReceivers"] = [{"name": "duty", "countryCode": "1", "phoneNumber": "4255550100"}]
    group["properties"]["webhookReceivers"] = [
        {"name": "siem", "serviceUri": "https://siem.contoso-corp.com/REDACTED", "useCommonAlertSchema": True},
        {"name": "slack", "serviceUri": "https://hooks.slack.com/REDACTED", "useCommonAlertSchema": True},
        {"name": "teams", "serviceUri": "https://contosocorp.webhook.office.com/REDACTED"}]
    group["properties"]["runbook"] = "See https://wiki.contoso-corp.com/soc and https://aka.ms/alerts"
    shared, p = shared_copy(raw)
    text = json.dumps(shared)
    for real in ("7700900123", "4255550100", "contoso-corp", "contosocorp", "hooks.slack.com"):
        assert real not in text, real
    got = next(d for d in shared["resources"] if d["id"] == p.scan(group["id"]))["properties"]
    assert got["smsReceivers"][0]["phoneNumber"] == p.phone("7700900123")
    assert got["smsReceivers"][0]["countryCode"] == "44"
    assert got["webhookReceivers"][0]["serviceUri"] == f"https://{p.host('siem.contoso-corp.com')}/REDACTED"
    assert re.fullmatch(r"https://h[0-9a-f]{10}\.example/REDACTED", got["webhookReceivers"][1]["serviceUri"])
    assert got["webhookReceivers"][2]["serviceUri"].endswith(".webhook.office.com/REDACTED")
    assert "https://aka.ms/alerts" in text  # public hosts stay
    assert unmap(shared, p.back)["resources"] == raw["resources"]


def test_quoted_names_in_messages_are_found_whole_and_one_after_another() -> None:
    p = Pseudonymiser(KEY)
    a, b = p.name("law-y"), p.name("Deploy Contoso Log")
    message = "action 'Microsoft.Insights/x/read' over 'law-y' and 'Deploy Contoso Log' was denied"
    assert p.scan(message) == f"action 'Microsoft.Insights/x/read' over '{a}' and '{b}' was denied"


# --------------------------------------------------------------------------- delivery blob paths

_BLOB_PATH = re.compile(r"^resourceId=/SUBSCRIPTIONS/([0-9A-F-]{36})(/[A-Z0-9/._()-]+)?"
                        r"/y=\d{4}/m=\d{2}/d=\d{2}/h=\d{2}/m=\d{2}/PT1H\.json$")


def test_blob_paths_keep_azures_folders_and_the_subscriptions_pseudonym() -> None:
    """The diagnostic-settings blob layout is Azure's: only the names in its id are pseudonymised, in
    the upper case Azure Monitor writes, so the path still names the subscription it is listed under."""
    raw = demo()
    shared, p = shared_copy(raw)
    entries = [e for a in shared["delivery"]["storageAccounts"] for e in a["subscriptions"] if e["newestBlob"]]
    assert entries
    for entry in entries:
        m = _BLOB_PATH.match(entry["newestBlob"])
        assert m, entry["newestBlob"]
        assert m.group(1) == entry["subscriptionId"].upper()
    resource_blob = ("resourceId=/SUBSCRIPTIONS/04721934-0AC7-56AB-AFF9-E0D191685D24/RESOURCEGROUPS/RG-CONTOSO-KV"
                     "/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-CONTOSO-PAY/y=2026/m=11/d=28/h=09/m=00/PT1H.json")
    hidden = p.scan(resource_blob)
    assert _BLOB_PATH.match(hidden) and "CONTOSO" not in hidden and "/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/" in hidden
    assert unmap(hidden, p.back) == resource_blob
    assert unmap(shared["delivery"], p.back) == raw["delivery"]


def test_the_shared_copy_served_by_the_emulator_keeps_its_newest_blobs() -> None:
    from collect_support import collect

    from auditor.emulator.runner import running_emulator

    shared, _ = shared_copy(demo())
    with running_emulator(shared, page_size=50) as emu:
        got = collect(emu, verify_delivery=True).snapshot
    newest = {e["subscriptionId"]: e["newestBlob"] for a in got["delivery"]["storageAccounts"]
              for e in a["subscriptions"]}
    expected = {e["subscriptionId"] for a in shared["delivery"]["storageAccounts"] for e in a["subscriptions"]
                if e["newestBlob"]}
    assert expected and all(newest.get(s) for s in expected), newest
