"""The project's own policy definitions in ``policies/``: in sync with the code, classified as
what they are, and with existence conditions that really check the categories."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from auditor.azure.activity_log import CATEGORIES
from auditor.cli import main
from auditor.remediate import definitions as defs
from auditor.remediate import permissions
from auditor.remediate.policy_files import write_policies

POLICIES = Path(__file__).resolve().parent.parent / "policies"
EXPORTS = {"activity-log-to-storage.json": "storage", "activity-log-to-event-hub.json": "event_hub"}


def test_policies_folder_matches_the_generator(tmp_path: Path) -> None:
    written = write_policies(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in POLICIES.glob("*.json"))
    for p in written:
        assert (POLICIES / p.name).read_text() == p.read_text(), f"policies/{p.name} is stale: regenerate it"


def test_export_definitions_classify_as_exports_with_all_categories() -> None:
    files = [str(POLICIES / name) for name in EXPORTS]
    result = CliRunner().invoke(main, ["policy", "classify", *files, "--json"])
    assert result.exit_code == 0, result.output
    for entry in json.loads(result.output):
        name = Path(entry["file"]).name
        assert entry["kind"] == "definition"
        assert entry["deploys_subscription_activity_log_export"] is True
        assert entry["effect"] == "DeployIfNotExists"
        assert entry["destination"] == EXPORTS[name]
        assert entry["categories"] == list(CATEGORIES)
        guids = [r.rsplit("/", 1)[-1] for r in entry["roleDefinitionIds"]]
        assert guids == defs.export_role_guids(EXPORTS[name])
        # The roles can deploy: every action of the deployment at the scope, the linked access check
        # on the destination (the destination role alone), in every published role version.
        needs = permissions.export_identity_needs(EXPORTS[name])
        dest_role = permissions.destination_role(guids, EXPORTS[name])
        assert dest_role and permissions.identity_roles_suffice(guids, [dest_role], needs) == []


def test_alert_definition_is_not_an_export_and_targets_the_operation() -> None:
    doc = json.loads((POLICIES / "activity-log-alert.json").read_text())
    result = CliRunner().invoke(main, ["policy", "classify", str(POLICIES / "activity-log-alert.json"), "--json"])
    assert json.loads(result.output)[0]["deploys_subscription_activity_log_export"] is False
    details = doc["properties"]["policyRule"]["then"]["details"]
    assert details["type"] == "Microsoft.Insights/activityLogAlerts"
    assert {"operationName", "actionGroupId", "effect"} <= set(doc["properties"]["parameters"])
    text = json.dumps(details["deployment"])
    assert "[parameters('actionGroupId')]" in text and "[parameters('operationName')]" in text


def test_sensitive_operations_alert_definition_deploys_one_alert_and_its_resource_group() -> None:
    name = "activity-log-alerts.json"
    doc = json.loads((POLICIES / name).read_text())
    result = CliRunner().invoke(main, ["policy", "classify", str(POLICIES / name), "--json"])
    assert json.loads(result.output)[0]["deploys_subscription_activity_log_export"] is False
    details = doc["properties"]["policyRule"]["then"]["details"]
    assert details["type"] == "Microsoft.Insights/activityLogAlerts"
    assert doc["properties"]["parameters"]["operationNames"]["type"] == "Array"
    template = details["deployment"]["properties"]["template"]
    assert [r["type"] for r in template["resources"]] == ["Microsoft.Resources/resourceGroups",
                                                          "Microsoft.Resources/deployments"]
    guids = [r.rsplit("/", 1)[-1] for r in details["roleDefinitionIds"]]
    assert guids == [permissions.roles.MONITORING_POLICY_CONTRIBUTOR.guid]
    assert permissions.identity_roles_suffice(guids, [], permissions.alert_identity_needs()) == []


def test_management_group_template() -> None:
    doc = json.loads((POLICIES / "management-group-diagnostic-setting.json").read_text())
    assert doc["$schema"].endswith("managementGroupDeploymentTemplate.json#")
    [setting] = doc["resources"]
    assert setting["type"] == "Microsoft.Insights/diagnosticSettings"
    assert [entry["category"] for entry in setting["properties"]["logs"]] == ["Administrative", "Policy"]


# --------------------------------------------------------------------------- existence conditions
# A small evaluator of the policy condition language, enough for the existence conditions
# written here (allOf/anyOf, field/value with equals/in, count with where).

def _field_values(setting: dict[str, Any], alias: str, item: dict[str, Any] | None) -> Any:
    path = alias.split("/")[-1]
    if path.startswith("logs[*]."):
        return (item or {}).get(path[len("logs[*]."):])
    return setting["properties"].get(path)


def _test(value: Any, cond: dict[str, Any], params: dict[str, Any]) -> bool:
    def p(v: Any) -> Any:
        m = re.fullmatch(r"\[parameters\('(\w+)'\)\]", v) if isinstance(v, str) else None
        return params[m.group(1)] if m else v

    if "equals" in cond:
        return str(value).lower() == str(p(cond["equals"])).lower()
    if "in" in cond:
        return str(value).lower() in [str(x).lower() for x in cond["in"]]
    if "greaterOrEquals" in cond:
        return value >= cond["greaterOrEquals"]
    raise AssertionError(f"operator not handled: {cond}")


def holds(cond: dict[str, Any], setting: dict[str, Any], params: dict[str, Any], item: dict | None = None) -> bool:
    if "allOf" in cond:
        return all(holds(c, setting, params, item) for c in cond["allOf"])
    if "anyOf" in cond:
        return any(holds(c, setting, params, item) for c in cond["anyOf"])
    if "count" in cond:
        items = setting["properties"].get("logs") or []
        n = sum(1 for it in items if holds(cond["count"]["where"], setting, params, it))
        return _test(n, cond, params)
    if "field" in cond:
        return _test(_field_values(setting, cond["field"], item), cond, params)
    if "value" in cond:
        v = cond["value"]
        m = re.fullmatch(r"\[parameters\('(\w+)'\)\]", v)
        return _test(params[m.group(1)] if m else v, cond, params)
    raise AssertionError(f"condition not handled: {cond}")


def _setting(dest: dict[str, Any], logs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"properties": {**dest, "logs": logs}}


STORAGE_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st"
RULE_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.EventHub/namespaces/ns/authorizationRules/send"
ALL = [{"category": c, "enabled": True} for c in CATEGORIES]


@pytest.mark.parametrize("name, dest, params", [
    ("activity-log-to-storage.json", {"storageAccountId": STORAGE_ID}, {"storageAccountId": STORAGE_ID}),
    ("activity-log-to-event-hub.json", {"eventHubAuthorizationRuleId": RULE_ID},
     {"eventHubAuthorizationRuleId": RULE_ID, "eventHubName": ""}),
])
def test_existence_condition_requires_every_category_enabled(name: str, dest: dict[str, Any],
                                                             params: dict[str, Any]) -> None:
    doc = json.loads((POLICIES / name).read_text())
    cond = doc["properties"]["policyRule"]["then"]["details"]["existenceCondition"]
    assert holds(cond, _setting(dest, ALL), params)
    assert holds(cond, _setting(dest, [{"categoryGroup": "allLogs", "enabled": True}]), params)
    assert not holds(cond, _setting(dest, ALL[:1]), params)
    assert not holds(cond, _setting(dest, [*ALL[:-1], {"category": "ResourceHealth", "enabled": False}]), params)
    assert not holds(cond, _setting({}, ALL), params)  # elsewhere does not count
