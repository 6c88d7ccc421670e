"""Secrets never stored (issue 12 part 5): what `collect` removes, and that nothing leaks downstream.

The end-to-end test plants a distinct secret in every document kind of the demo tenant (and in
action-group receiver URLs, secure policy parameters, policy states), serves it with the
emulator, collects it with the real SDK clients, and checks the snapshot equals the source with
each secret replaced by the marker, and that no secret reaches findings, reports or remediation.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from collect_support import DEMO_TENANT, assert_round_trip, collect

from auditor.azure import arm
from auditor.cli import main
from auditor.emulator.runner import running_emulator
from auditor.redact.secrets import MARKER, Redactor, redact_snapshot

CASES = [
    ("https://prod-27.westeurope.logic.azure.com:443/workflows/1a/triggers/manual/paths/invoke"
     "?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={}", "logic app"),
    ("https://func-ops.azurewebsites.net/api/alert?code={}&clientId=default", "function key"),
    ("https://s1events.azure-automation.net/webhooks?token={}", "runbook webhook"),
    ("https://hooks.example.com/x?a=1&key={}", "generic key"),
    ("https://stx.blob.core.windows.net/c?sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2026-01-01T00:00:00Z&sig={}", "SAS URL"),
    ("sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2026-01-01&sig={}", "bare SAS token"),
    ("DefaultEndpointsProtocol=https;AccountName=stx;AccountKey={};EndpointSuffix=core.windows.net", "storage"),
    ("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey={}", "service bus"),
    ("Server=tcp:db.database.windows.net;Database=x; User ID=app; Password={};", "SQL"),
    ("https://admin:{}@hooks.example.com/notify", "user info"),
]


@pytest.mark.parametrize(("template", "what"), CASES)
def test_each_string_form_loses_its_secret_and_keeps_the_rest(template: str, what: str) -> None:
    r = Redactor()
    assert r.text(template.format("S3cretValue42")) == template.format(MARKER), what
    assert r.count == 1
    assert r.text(template.format(MARKER)) == template.format(MARKER)  # idempotent


@pytest.mark.parametrize("value", [
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQifQ.c2lnbmF0dXJl",
    "q0Jx8sY1nqk3N4oYtJp4l1b7y9y0CkR0aG9tW0d4Lr3Gx2c6Hq3m3dG4z3a7Lw9qKcKx0QfQ2m1Zq0l5b9Y3sA==",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
])
def test_values_that_look_like_credentials_go_whatever_their_field(value: str) -> None:
    assert MARKER in Redactor().tree({"properties": {"description": value}})["properties"]["description"]


@pytest.mark.parametrize("value", [
    "AzureActivity | where OperationNameValue == \"X\" | extend key=tostring(Properties)",
    "/subscriptions/4b657269-d609-5c6e-a75e-1662cb134efd/providers/microsoft.insights/diagnosticSettings/a",
    "https://management.azure.com/subscriptions/x/providers/Microsoft.PolicyInsights/policyStates/$metadata#latest",
    "https://kv-x.vault.azure.net", "[parameters('logAnalytics')]", "Finance: key=value is prose here",
    "soc@contoso.example", "Basic configuration of the workspace", "Use a bearer credential instead",
])
def test_ordinary_values_are_kept(value: str) -> None:
    r = Redactor()
    assert r.tree({"properties": {"v": value}}) == {"properties": {"v": value}}
    assert r.count == 0


def test_members_named_like_credentials_keep_their_shape() -> None:
    r = Redactor()
    doc = {"properties": {"primaryKey": "k1", "connectionStrings": [{"name": "a", "value": "v"}],
                          "keyType": "Account", "keySource": "Microsoft.Keyvault",
                          "keyvaultproperties": {"keyname": "cmk", "keyvaulturi": "https://kv.vault.azure.net"}}}
    out = r.tree(doc)
    assert out["properties"]["primaryKey"] == MARKER
    # a {name, value} pair keeps its name
    assert out["properties"]["connectionStrings"] == [{"name": "a", "value": MARKER}]
    assert {k: out["properties"][k] for k in ("keyType", "keySource", "keyvaultproperties")} == \
        {k: doc["properties"][k] for k in ("keyType", "keySource", "keyvaultproperties")}


def _secure_definition() -> dict[str, Any]:
    return {
        "id": "/providers/Microsoft.Management/managementGroups/contoso/providers/Microsoft.Authorization/"
              "policyDefinitions/deploy-with-secret",
        "type": "Microsoft.Authorization/policyDefinitions", "name": "deploy-with-secret",
        "properties": {
            "policyType": "Custom", "mode": "All",
            "parameters": {
                "webhookToken": {"type": "secureString", "metadata": {"displayName": "token"},
                                 "defaultValue": "Def4ultS3cret"},
                "workspace": {"type": "String", "defaultValue": "law-central"},
            },
            "policyRule": {"if": {"field": "type", "equals": "Microsoft.Resources/subscriptions"}, "then": {
                "effect": "deployIfNotExists",
                "details": {"type": "Microsoft.Insights/diagnosticSettings", "deployment": {"properties": {
                    "mode": "incremental",
                    "template": {"parameters": {"adminPassword": {"type": "securestring",
                                                                  "defaultValue": "Templ4teS3cret"}},
                                 "resources": []},
                    "parameters": {"adminPassword": {"value": "P4ssedS3cret"},
                                   "other": {"value": "[parameters('webhookToken')]"}},
                }}},
            }},
        },
    }


def _secure_assignment() -> dict[str, Any]:
    return {
        "id": "/providers/Microsoft.Management/managementGroups/contoso/providers/Microsoft.Authorization/"
              "policyAssignments/with-secret",
        "type": "Microsoft.Authorization/policyAssignments", "name": "with-secret",
        "properties": {"policyDefinitionId": _secure_definition()["id"],
                       "parameters": {"webhookToken": {"value": "Ass1gnedS3cret"}, "workspace": {"value": "law"}}},
    }


def test_secure_policy_parameters_lose_defaults_and_values_everywhere() -> None:
    state = {"policyAssignmentId": _secure_assignment()["id"], "resourceId": "/subscriptions/x",
             "policyAssignmentParameters": json.dumps({"webhookToken": {"value": "St4teS3cret"},
                                                       "workspace": {"value": "law"}})}
    error = {"scope": "/subscriptions/x", "operation": "*", "status": 400, "code": "BadRequest",
             "message": "GET https://x.blob.core.windows.net/c?sv=2022-11-02&sig=Err0rS3cret failed"}
    snap = {"resources": [_secure_definition(), _secure_assignment()], "policyStates": [state], "errors": [error]}
    count = redact_snapshot(snap)
    text = json.dumps(snap)
    for secret in ("Def4ultS3cret", "Templ4teS3cret", "P4ssedS3cret", "Ass1gnedS3cret", "St4teS3cret", "Err0rS3cret"):
        assert secret not in text
    assert count == 6
    assert snap["errors"][0]["message"].endswith("&sig=REDACTED failed")
    definition, assignment = snap["resources"]
    declared = definition["properties"]["parameters"]
    assert declared["webhookToken"]["type"] == "secureString" and declared["workspace"]["defaultValue"] == "law-central"
    deployment = definition["properties"]["policyRule"]["then"]["details"]["deployment"]["properties"]
    assert deployment["parameters"]["other"] == {"value": "[parameters('webhookToken')]"}  # an expression, kept
    assert assignment["properties"]["parameters"]["workspace"] == {"value": "law"}
    assert json.loads(snap["policyStates"][0]["policyAssignmentParameters"])["webhookToken"] == {"value": MARKER}


# --------------------------------------------------------------------------- end to end

def _plant(source: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """The demo tenant with a distinct secret in every document (and receiver URLs, secure
    parameters, policy states), the snapshot collect must write, and the secrets planted."""
    planted, expected = copy.deepcopy(source), copy.deepcopy(source)
    secrets: list[str] = []

    def put(i: int, path: list[str | int], template: str, expect: str | None = None) -> None:
        secret = f"Zq{len(secrets):03d}S3cretTok"
        secrets.append(secret)
        for doc, value in ((planted["resources"][i], template.format(secret)),
                           (expected["resources"][i], expect or template.format(MARKER))):
            target = doc
            for step in path[:-1]:
                target = target.setdefault(step, {}) if isinstance(step, str) else target[step]
            target[path[-1]] = value

    for i, doc in enumerate(source["resources"]):
        holder = "properties" if isinstance(doc.get("properties"), dict) else "tags"
        where: list[str | int] = [holder, "notes"]
        put(i, where, CASES[i % len(CASES)][0])
        if arm.kind_of(doc) == arm.ACTION_GROUP:
            receivers = [("webhookReceivers", "serviceUri", CASES[3][0]),
                         ("logicAppReceivers", "callbackUrl", CASES[0][0]),
                         ("azureFunctionReceivers", "httpTriggerUrl", CASES[1][0]),
                         ("automationRunbookReceivers", "serviceUri", CASES[2][0])]
            for kind, member, template in receivers:
                for d in (planted, expected):
                    d["resources"][i]["properties"][kind] = [{"name": f"r-{kind}", "useCommonAlertSchema": True}]
                # a receiver's URL is a credential as a whole: scheme and host stay (docs/redaction.md)
                host = urlsplit(template).netloc.rsplit("@", 1)[-1]
                put(i, ["properties", kind, 0, member], template, f"https://{host}/{MARKER}")
    for d in (planted, expected):
        d["resources"] += [_secure_definition(), _secure_assignment()]
    planted["resources"][-2]["properties"]["parameters"]["webhookToken"]["defaultValue"] = "Zq900S3cretTok"
    planted["resources"][-1]["properties"]["parameters"]["webhookToken"]["value"] = "Zq901S3cretTok"
    exp_def, exp_asg = expected["resources"][-2], expected["resources"][-1]
    exp_def["properties"]["parameters"]["webhookToken"]["defaultValue"] = MARKER
    deployment = exp_def["properties"]["policyRule"]["then"]["details"]["deployment"]["properties"]
    deployment["template"]["parameters"]["adminPassword"]["defaultValue"] = MARKER
    deployment["parameters"]["adminPassword"]["value"] = MARKER
    exp_asg["properties"]["parameters"]["webhookToken"]["value"] = MARKER
    secrets += ["Zq900S3cretTok", "Zq901S3cretTok", "Templ4teS3cret", "P4ssedS3cret"]
    for d, value in ((planted, "Zq902S3cretTok"), (expected, MARKER)):
        d["policyStates"][0]["policyAssignmentParameters"] = json.dumps({"x": {"value": f"https://h/?sig={value}"}})
    secrets.append("Zq902S3cretTok")
    return planted, expected, secrets


def _text_of(path: Path) -> str:
    if path.suffix == ".pdf":
        if not shutil.which("pdftotext"):
            pytest.skip("pdftotext (poppler-utils) not installed")
        return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    if path.suffix == ".gz":
        import gzip

        return gzip.decompress(path.read_bytes()).decode("utf-8")
    return path.read_text(encoding="utf-8", errors="replace")


@pytest.mark.skipif(not DEMO_TENANT.exists(), reason="examples/demo-tenant.json not present")
def test_secrets_in_every_document_kind_leave_no_trace(tmp_path: Path) -> None:
    planted, expected, secrets = _plant(json.loads(DEMO_TENANT.read_text()))
    kinds = {arm.kind_of(d) for d in planted["resources"]}
    assert len(kinds) >= 15, kinds
    snapshot = tmp_path / "snap.json.gz"
    with running_emulator(planted, page_size=3) as emu:
        result = collect(emu, snapshot, verify_delivery=True)  # the demo is a --verify-delivery snapshot
    assert_round_trip(expected, result.snapshot)  # each secret replaced in place, nothing else changed
    assert result.redacted == len(secrets)
    assert "secret value(s) redacted" in result.summary()
    out = tmp_path / "out"
    runner = CliRunner()
    audited = runner.invoke(main, ["audit", "--snapshot", str(snapshot), "--out", str(out),
                                   "--format", "pdf,html,json,csv,sarif,md"])
    assert audited.exit_code == 3, audited.output
    remediated = runner.invoke(main, ["remediate", "--snapshot", str(snapshot), "--out", str(out / "remediation"),
                                      "--format", "arm,bicep,terraform"])
    assert remediated.exit_code in (0, 3), remediated.output
    files = [snapshot, *(p for p in out.rglob("*") if p.is_file())]
    assert len(files) > 10
    for path in files:
        text = _text_of(path)
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{path.name} holds {leaked}"
    assert "Zq" not in audited.output + remediated.output


# --------------------------------------------------------------------------- issue 19: by pattern, not by list

@pytest.mark.parametrize(("url", "kept"), [
    ("https://hooks.slack.com/services/T00000000/B00000000/XXXXdevSlackXXXX", "https://hooks.slack.com"),
    ("https://contoso.webhook.office.com/webhookb2/a@b/IncomingWebhook/devTeamsTok/c", "https://contoso.webhook.office.com"),
    ("https://events.pagerduty.com/integration/devPagerDutyKey0000/enqueue", "https://events.pagerduty.com"),
    ("https://ops.example.net:8443/alerts/devOpaquePathTok?tenant=x", "https://ops.example.net:8443"),
    ("https://admin:devPass@ops.example.net/notify", "https://ops.example.net"),
])
def test_a_receiver_url_keeps_only_scheme_and_host(url: str, kept: str) -> None:
    r = Redactor()
    doc = {"properties": {"webhookReceivers": [{"name": "hook", "serviceUri": url, "useAadAuth": False}]}}
    out = r.tree(doc)["properties"]["webhookReceivers"][0]
    assert out == {"name": "hook", "serviceUri": f"{kept}/{MARKER}", "useAadAuth": False}
    assert r.count == 1
    assert Redactor().tree({"properties": {"webhookReceivers": [out]}})["properties"]["webhookReceivers"][0] == out


def test_capability_urls_in_any_text_lose_path_and_query() -> None:
    r = Redactor()
    text = ("Page https://hooks.slack.com/services/T1/B2/devSlackTok and "
            "https://discord.com/api/webhooks/1/devDiscordTok; docs at https://learn.microsoft.com/azure/x")
    assert r.text(text) == ("Page https://hooks.slack.com/REDACTED and https://discord.com/REDACTED; "
                            "docs at https://learn.microsoft.com/azure/x")
    assert r.count == 2


@pytest.mark.parametrize(("text", "kept"), [
    ("Post to https://outlook.office.com/webhook/a1@b2/IncomingWebhook/devLegacyTeams/c3 on failure",
     "Post to https://outlook.office.com/REDACTED on failure"),  # the legacy Teams connector
    ("https://ci.example.org/api/webhook/devHookTok?x=1", "https://ci.example.org/REDACTED"),
    ("see https://alerts.example.net/hooks/devOpaque99 now", "see https://alerts.example.net/REDACTED now"),
])
def test_any_url_whose_path_names_a_webhook_loses_path_and_query(text: str, kept: str) -> None:
    r = Redactor()
    assert r.text(text) == kept and r.count == 1


@pytest.mark.parametrize("text", [
    "https://github.com/org/repo/settings/hooks", "https://contoso.example/webhooks/",
    "https://learn.microsoft.com/azure/azure-monitor/alerts/activity-log-alerts-webhook",
])
def test_pages_about_webhooks_are_kept(text: str) -> None:
    assert Redactor().text(text) == text


@pytest.mark.parametrize("template", [
    "https://siem.example.net/in?X-Auth={}&tenant=ops",
    "https://siem.example.net/in?x_api_token={}",
    "https://siem.example.net/in?clientSecret={}",
    "Endpoint=https://appcs.azconfig.io;Id=abc;Secret={}",
    "cache.redis.cache.windows.net:6380,password={},ssl=True",
    "Authorization: Bearer {}",
    "Authorization: Basic {}",
])
def test_credential_members_are_found_by_name_pattern(template: str) -> None:
    r = Redactor()
    secret = "ZGV2OnMzY3JldA==" if "Basic" in template else "devS3cretValue"  # base64 of dev:s3cret
    assert r.text(template.format(secret)) == template.format(MARKER)
    assert r.count == 1


def test_json_held_in_a_string_passes_the_same_rules() -> None:
    inner = json.dumps({"apiKey": "devInnerKey01"})
    config = json.dumps({"PayloadRevision": 0, "WorkItemType": "Incident", "Password": "devItsmPass01",
                         "WorkItemData": inner, "Url": "https://hooks.slack.com/services/T/B/devSlack2"})
    r = Redactor()
    out = r.tree({"properties": {"itsmReceivers": [{"name": "snow", "ticketConfiguration": config}]}})
    got = json.loads(out["properties"]["itsmReceivers"][0]["ticketConfiguration"])
    assert got == {"PayloadRevision": 0, "WorkItemType": "Incident", "Password": MARKER,
                   "WorkItemData": json.dumps({"apiKey": MARKER}),  # the layout as written
                   "Url": f"https://hooks.slack.com/{MARKER}"}
    assert r.count == 3
    plain = json.dumps({"WorkItemType": "Incident"})
    assert Redactor().text(plain) == plain  # unchanged JSON keeps its bytes


def test_string_policy_parameters_named_like_credentials_lose_their_values() -> None:
    definition = {"type": "Microsoft.Authorization/policyDefinitions", "properties": {"parameters": {
        "webhookSecret": {"type": "String", "defaultValue": "devDefault1", "metadata": {"displayName": "x"}},
        "pagerDutyRoutingKey": {"type": "String", "allowedValues": ["devAllowed1"]},
        "logAnalytics": {"type": "String", "defaultValue": "law-central"}}}}
    assignment = {"properties": {"parameters": {"webhookSecret": {"value": "devValue1"},
                                                "smtp_password": {"value": "devValue2"},
                                                "logAnalytics": {"value": "law"}}}}
    r = Redactor()
    d, a = r.tree(definition)["properties"]["parameters"], r.tree(assignment)["properties"]["parameters"]
    assert d["webhookSecret"] == {"type": "String", "defaultValue": MARKER, "metadata": {"displayName": "x"}}
    assert d["pagerDutyRoutingKey"]["allowedValues"] == [MARKER]
    assert a == {"webhookSecret": {"value": MARKER}, "smtp_password": {"value": MARKER},
                 "logAnalytics": {"value": "law"}}
    assert r.count == 4


@pytest.mark.parametrize("name", ["keyType", "keySource", "keyName", "publicKey", "partitionKey", "useAadAuth",
                                  "countryCode", "code", "secretName", "tokenAudience", "passwordProfile",
                                  "/subscriptions/x/providers/Microsoft.KeyVault/vaults/kv/keys"])
def test_names_that_only_mention_a_credential_are_kept(name: str) -> None:
    r = Redactor()
    assert r.tree({"properties": {name: "kept-value"}}) == {"properties": {name: "kept-value"}}
    assert r.count == 0
