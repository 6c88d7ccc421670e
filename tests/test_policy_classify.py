"""Policy classification (docs/policy.md) on every file of the public corpus, and on variants.

The expected classification of each corpus file was worked out by reading its policy rule:
which resource type the ``if`` targets, whether the effect can be DeployIfNotExists, the
details type, the deployment scope and the template's diagnostic-setting resource.
"""

from __future__ import annotations

import contextlib
import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from reference import POLICY_CORPUS

from auditor.azure.policy import (
    DefinitionIndex,
    PolicyDoc,
    classify_definition,
    classify_files,
    export_shape,
    is_export_policy,
)
from auditor.cli import main

CORPUS = POLICY_CORPUS
ALL8 = ["Administrative", "Security", "ServiceHealth", "Alert", "Recommendation", "Policy", "Autoscale",
        "ResourceHealth"]
MON = "/providers/microsoft.authorization/roleDefinitions/749f88d5-cbae-40b8-bcfc-e573ddc772fa"
LAC = "/providers/microsoft.authorization/roleDefinitions/92aaf0da-9dab-42b6-94a3-d43ce8d16293"
EH_OWNER = "/providers/microsoft.authorization/roleDefinitions/f526a384-b230-433a-b45c-95f59c4a2dec"
CONTRIB = "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"

# file -> (kind, effect, deploys, destination, categories, roleDefinitionIds)
EXPECTED: dict[str, tuple[str, str | None, bool, str | None, Any, list[str]]] = {
    # AMBA: activity log *alert* on Key Vault deletes (targets vaults, deploys activityLogAlerts).
    "azure-monitor-baseline-alerts/Deploy-ActivityLog-KeyVault-Del.json": (
        "definition", "DeployIfNotExists", False, None, None,
        ["/providers/Microsoft.Authorization/roleDefinitions/47be4a87-7950-4631-9daf-b664a405f074"]),
    # Set of health alert DINEs: one member unknown (custom at contoso), one built-in alert DINE.
    "azure-monitor-baseline-alerts/set__Deploy-ResourceAndServiceHealth-Alerts.json": (
        "set", None, False, None, None, []),
    # AuditIfNotExists on log profiles / alerts: audits, never deploys.
    "azure-policy/ActivityLogRetention_365orGreater.json": ("definition", "AuditIfNotExists", False, None, None, []),
    "azure-policy/ActivityLog_AdministrativeOperations_Audit.json": (
        "definition", "AuditIfNotExists", False, None, None, []),
    "azure-policy/ActivityLog_CaptureAllCategories.json": ("definition", "AuditIfNotExists", False, None, None, []),
    "azure-policy/ActivityLog_CaptureAllRegions.json": ("definition", "AuditIfNotExists", False, None, None, []),
    # The real export policies: subscription DINE, subscription template, workspaceId, logs
    # enabled from the logsEnabled parameter.
    "azure-policy/AzureGovernment__DataConnectorsAzureActivity_DINE.json": (
        "definition", "DeployIfNotExists", True, "log_analytics", "parameterised", [MON, LAC]),
    "azure-policy/DataConnectorsAzureActivity.json": (
        "definition", "DeployIfNotExists", True, "log_analytics", "parameterised", [MON, LAC]),
    # Resource-level diagnostic settings (Key Vault, NSG): not subscription exports.
    "azure-policy/DS_EH_keyvault-vaults_DINE.json": (
        "definition", "DeployIfNotExists", False, None, None,
        ["/providers/Microsoft.Authorization/roleDefinitions/92aaf0da-9dab-42b6-94a3-d43ce8d16293",
         "/providers/Microsoft.Authorization/roleDefinitions/f526a384-b230-433a-b45c-95f59c4a2dec"]),
    "azure-policy/DiagnosticSettingsForNSG_DINE.json": (
        "definition", "DeployIfNotExists", False, None, None,
        ["/providers/microsoft.authorization/roleDefinitions/749f88d5-cbae-40b8-bcfc-e573ddc772fa",
         "/providers/microsoft.authorization/roleDefinitions/17d1049b-9a84-46fb-8f53-869881c3d3ab"]),
    "azure-policy/KeyVault_DeployDiagnosticLog_Deploy_LogAnalytics.json": (
        "definition", "DeployIfNotExists", False, None, None, [MON, LAC]),
    # Subscription DINE that deploys service-health *alerts*.
    "azure-policy/ServiceHealthSubscriptionLevelAlertRules_DINE.json": (
        "definition", "DeployIfNotExists", False, None, None,
        ["/providers/Microsoft.Authorization/roleDefinitions/47be4a87-7950-4631-9daf-b664a405f074"]),
    "azure-policy/set__CIS_Azure_Foundations_v2.1.0.json": ("set", None, False, None, None, []),
    "community-policy/apply-diagnostic-settings-for-azure-key-vault-to-a-log-analytics-workspace.json": (
        "definition", "DeployIfNotExists", False, None, None,
        ["/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c"]),
    # Per-category enabled flags each from its own parameter.
    "community-policy/configure-azure-activity-logs-to-stream-to-specified-event-hub-v2.json": (
        "definition", "DeployIfNotExists", True, "event_hub", "parameterised",
        ["/providers/Microsoft.Authorization/roleDefinitions/f526a384-b230-433a-b45c-95f59c4a2dec",
         "/providers/Microsoft.Authorization/roleDefinitions/92aaf0da-9dab-42b6-94a3-d43ce8d16293"]),
    "community-policy/configure-azure-activity-logs-to-stream-to-specified-event-hub.json": (
        "definition", "DeployIfNotExists", True, "event_hub", "parameterised", [EH_OWNER, LAC]),
    # Subscription DINE with a subscription template, but it deploys an activity log alert.
    "community-policy/deploy-activity-log-for-selected-category-and-operation-name.json": (
        "definition", "DeployIfNotExists", False, None, None,
        ["/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c"]),
    # Re-cased keys (ExistenceScope, DeploymentScope, ExistenceCondition), fixed categories.
    "community-policy/deploy-diagnostic-settings-for-activity-log-to-event-hub.json": (
        "definition", "DeployIfNotExists", True, "event_hub", ALL8, [CONTRIB]),
    "community-policy/deploy-diagnostic-settings-for-activity-log-to-log-analytics-workspace.json": (
        "definition", "DeployIfNotExists", True, "log_analytics", ALL8, [CONTRIB]),
    # Only Administrative is enabled.
    "community-policy/deploy-diagnostic-settings-for-activity-log-to-storage-account.json": (
        "definition", "DeployIfNotExists", True, "storage", ["Administrative"], [LAC]),
    # No existenceScope; deploymentScope after the deployment; lower-case details type.
    "community-policy/deploy-diagnostic-settings-for-subscription-to-log-analytics-workspace.json": (
        "definition", "DeployIfNotExists", True, "log_analytics", ALL8, [MON, LAC]),
    "community-policy/deploy-diagnostic-settings-for-subscription-to-storage-account.json": (
        "definition", "DeployIfNotExists", True, "storage", ALL8,
        ["/providers/Microsoft.Authorization/roleDefinitions/749f88d5-cbae-40b8-bcfc-e573ddc772fa",
         "/providers/Microsoft.Authorization/roleDefinitions/17d1049b-9a84-46fb-8f53-869881c3d3ab"]),
    # denyAction on deleting diagnostic settings: protects, does not deploy.
    "enterprise-scale/DenyAction-ActivityLogs.json": ("definition", "DenyAction", False, None, None, []),
    # ALZ copy with "[[" escapes throughout.
    "enterprise-scale/Deploy-ActivityLogs-to-LA-workspace.AzureChinaCloud.json": (
        "definition", "DeployIfNotExists", True, "log_analytics", "parameterised", [MON, LAC]),
    "enterprise-scale/Deploy-Diagnostics-NetworkSecurityGroups.json": (
        "definition", "DeployIfNotExists", False, None, None, [MON, LAC]),
    "enterprise-scale/set__Deploy-Diagnostics-LogAnalytics.AzureChinaCloud.json": (
        "set", None, False, None, None, []),
    # Wrapper with allOf around the type condition; enabled flags from logsEnabled.
    "terraform-azurerm-caf-enterprise-scale/policy_definition_es_deploy_diagnostics_activitylog.json": (
        "definition", "DeployIfNotExists", True, "log_analytics", "parameterised", [MON, LAC]),
}


def corpus_files() -> list[str]:
    return sorted(str(p.relative_to(CORPUS)) for p in CORPUS.glob("*/*.json"))


def load(rel: str) -> dict[str, Any]:
    return json.loads((CORPUS / rel).read_text(encoding="utf-8"))


def test_every_corpus_file_has_an_expected_classification() -> None:
    assert corpus_files() == sorted(EXPECTED)


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_corpus_file(rel: str) -> None:
    kind, effect, deploys, destination, categories, rdids = EXPECTED[rel]
    index = DefinitionIndex(load(r) for r in EXPECTED)  # every corpus file known, as the CLI does
    got = classify_definition(load(rel), index, file=rel).as_dict()
    assert got["file"] == rel
    assert got["kind"] == kind
    assert got["effect"] == effect
    assert got["deploys_subscription_activity_log_export"] is deploys
    assert got["destination"] == destination
    assert got["categories"] == categories
    assert got["roleDefinitionIds"] == rdids


def test_sets_report_unknown_members_instead_of_guessing() -> None:
    cis = classify_definition(load("azure-policy/set__CIS_Azure_Foundations_v2.1.0.json"))
    # 31 members; of the shipped built-ins only b954148f (activity-log alert audit) is one.
    assert len(PolicyDoc(load("azure-policy/set__CIS_Azure_Foundations_v2.1.0.json")).members) == 31
    assert len(cis.unknown_members) == 30
    assert "/providers/Microsoft.Authorization/policyDefinitions/b954148f-4c11-4c38-8221-be76711e194a" \
        not in cis.unknown_members
    amba = classify_definition(load("azure-monitor-baseline-alerts/set__Deploy-ResourceAndServiceHealth-Alerts.json"))
    assert amba.unknown_members == [
        "/providers/Microsoft.Management/managementGroups/contoso/providers/Microsoft.Authorization/"
        "policyDefinitions/Deploy_activitylog_ResourceHealth_Unhealthy_Alert"
    ]
    china = "enterprise-scale/set__Deploy-Diagnostics-LogAnalytics.AzureChinaCloud.json"
    alone = classify_definition(load(china))
    with_nsg = classify_definition(load(china), DefinitionIndex(
        [load("enterprise-scale/Deploy-Diagnostics-NetworkSecurityGroups.json")]))
    assert len(alone.unknown_members) == 63  # 64 members, Key Vault bef3f64c ships
    assert len(with_nsg.unknown_members) == 62
    assert not with_nsg.deploys_subscription_activity_log_export


def test_identity_of_a_file_never_decides() -> None:
    """A Key Vault rule under the export built-in's id and name is still no export policy."""
    doc = load("azure-policy/KeyVault_DeployDiagnosticLog_Deploy_LogAnalytics.json")
    doc["id"] = "/providers/Microsoft.Authorization/policyDefinitions/2465583e-4e78-4c15-b6be-a36cbc7c8b0f"
    doc["name"] = "2465583e-4e78-4c15-b6be-a36cbc7c8b0f"
    doc["properties"]["displayName"] = "Configure Azure Activity logs to stream to specified Log Analytics workspace"
    assert classify_definition(doc).deploys_subscription_activity_log_export is False


# --------------------------------------------------------------------------- variants

BUILTIN = "azure-policy/DataConnectorsAzureActivity.json"


def builtin() -> dict[str, Any]:
    return load(BUILTIN)


def test_without_properties_wrapper_and_with_recased_keys() -> None:
    doc = builtin()
    bare = {"id": doc["id"], "name": doc["name"], **doc["properties"]}
    bare["PolicyRule"] = bare.pop("policyRule")
    bare["PolicyRule"]["then"]["details"]["DeploymentScope"] = bare["PolicyRule"]["then"]["details"].pop(
        "deploymentScope")
    del bare["PolicyRule"]["then"]["details"]["existenceScope"]
    got = classify_definition(bare)
    assert got.deploys_subscription_activity_log_export
    assert got.destination == "log_analytics"


def test_all_logs_category_group_means_all_eight() -> None:
    doc = builtin()
    res = doc["properties"]["policyRule"]["then"]["details"]["deployment"]["properties"]["template"]["resources"][0]
    res["properties"]["logs"] = [{"categoryGroup": "allLogs", "enabled": True}]
    assert classify_definition(doc).categories == ALL8


def test_logs_enabled_false_passed_by_an_assignment_enables_nothing() -> None:
    pd = PolicyDoc(builtin())
    assert export_shape(pd, {"logsenabled": "False", "loganalytics": "/ws"}).categories == []
    shape = export_shape(pd, {"logAnalytics": "/subscriptions/s/rg/ws"})
    assert shape.categories == ALL8
    assert shape.destination_values == {"log_analytics": "/subscriptions/s/rg/ws"}


def test_effect_default_resolves_and_literal_audit_is_not_export() -> None:
    doc = builtin()
    doc["properties"]["parameters"]["effect"]["defaultValue"] = "Disabled"
    got = classify_definition(doc)
    assert got.effect == "Disabled" and got.deploys_subscription_activity_log_export  # DINE still allowed
    doc["properties"]["parameters"]["effect"]["allowedValues"] = ["AuditIfNotExists", "Disabled"]
    assert classify_definition(doc).deploys_subscription_activity_log_export is False
    doc = builtin()
    doc["properties"]["policyRule"]["then"]["effect"] = "auditIfNotExists"
    assert classify_definition(doc).deploys_subscription_activity_log_export is False


def test_resource_group_template_without_deployment_scope_is_not_export() -> None:
    doc = builtin()
    details = doc["properties"]["policyRule"]["then"]["details"]
    del details["deploymentScope"]
    details["deployment"]["properties"]["template"]["$schema"] = (
        "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#")
    got = classify_definition(doc)
    assert not got.deploys_subscription_activity_log_export
    assert "subscription scope" in got.reason


def test_deployment_scope_alone_or_schema_alone_suffice() -> None:
    doc = builtin()
    details = doc["properties"]["policyRule"]["then"]["details"]
    details["deployment"]["properties"]["template"]["$schema"] = (
        "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#")
    assert classify_definition(doc).deploys_subscription_activity_log_export
    doc = builtin()
    del doc["properties"]["policyRule"]["then"]["details"]["deploymentScope"]
    assert classify_definition(doc).deploys_subscription_activity_log_export


def test_parented_diagnostic_setting_is_not_subscription_level() -> None:
    doc = builtin()
    res = doc["properties"]["policyRule"]["then"]["details"]["deployment"]["properties"]["template"]["resources"][0]
    res["type"] = "Microsoft.KeyVault/vaults/providers/diagnosticSettings"
    assert not classify_definition(doc).deploys_subscription_activity_log_export


def test_nested_subscription_deployment_with_inner_scope() -> None:
    doc = builtin()
    dprops = doc["properties"]["policyRule"]["then"]["details"]["deployment"]["properties"]
    inner = dprops["template"]
    dprops["template"] = {
        "$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"logAnalytics": {"type": "string"}, "logsEnabled": {"type": "string"}},
        "resources": [{
            "type": "Microsoft.Resources/deployments", "apiVersion": "2021-04-01", "name": "nested",
            "location": "westeurope",
            "properties": {
                "mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                "parameters": {"logAnalytics": {"value": "[parameters('logAnalytics')]"},
                               "logsEnabled": {"value": "true"}},
                "template": inner,
            },
        }],
    }
    got = classify_definition(doc)
    assert got.deploys_subscription_activity_log_export
    assert got.categories == ALL8  # the outer template pins logsEnabled


def test_destination_chosen_by_parameter_is_parameterised() -> None:
    doc = builtin()
    props = doc["properties"]
    props["parameters"]["storageAccountId"] = {"type": "String", "defaultValue": ""}
    tpl = props["policyRule"]["then"]["details"]["deployment"]["properties"]
    tpl["parameters"]["storageAccountId"] = {"value": "[parameters('storageAccountId')]"}
    tpl["template"]["parameters"]["storageAccountId"] = {"type": "string"}
    res = tpl["template"]["resources"][0]["properties"]
    res["storageAccountId"] = ("[if(empty(parameters('storageAccountId')), json('null'), "
                               "parameters('storageAccountId'))]")
    got = classify_definition(doc)
    assert got.destination == "parameterised"
    shape = export_shape(PolicyDoc(doc), {"loganalytics": "/ws", "storageaccountid": "/sa"})
    assert shape.destination_values == {"log_analytics": "/ws", "storage": "/sa"}


def test_copy_loop_categories_are_parameterised() -> None:
    doc = load("community-policy/deploy-diagnostic-settings-for-activity-log-to-event-hub.json")
    res = doc["properties"]["policyRule"]["then"]["details"]["deployment"]["properties"]["template"]["resources"][0]
    del res["properties"]["logs"]
    res["properties"]["copy"] = [{"name": "logs", "count": "[length(parameters('categories'))]",
                                  "input": {"category": "[parameters('categories')[copyIndex('logs')]]",
                                            "enabled": True}}]
    assert classify_definition(doc).categories == "parameterised"


def export_set(members: list[dict[str, Any]], parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "id": "/providers/Microsoft.Management/managementGroups/contoso/providers/Microsoft.Authorization/"
              "policySetDefinitions/activity-baseline",
        "name": "activity-baseline",
        "properties": {"displayName": "baseline", "parameters": parameters or {}, "policyDefinitions": members},
    }


BUILTIN_ID = "/providers/Microsoft.Authorization/policyDefinitions/2465583e-4e78-4c15-b6be-a36cbc7c8b0f"


def test_set_with_shipped_builtin_member_and_parameter_flow() -> None:
    doc = export_set(
        [
            {"policyDefinitionReferenceId": "activityToLaw", "policyDefinitionId": BUILTIN_ID,
             "parameters": {"effect": {"value": "[parameters('activityEffect')]"},
                            "logAnalytics": {"value": "[parameters('workspace')]"},
                            "logsEnabled": {"value": "True"}}},
            {"policyDefinitionReferenceId": "alert",
             "policyDefinitionId": "/providers/Microsoft.Authorization/policyDefinitions/b954148f-4c11-4c38-8221-"
                                   "be76711e194a"},
        ],
        {"activityEffect": {"type": "String", "defaultValue": "Disabled",
                            "allowedValues": ["DeployIfNotExists", "Disabled"]},
         "workspace": {"type": "String"}},
    )
    got = classify_definition(doc)  # members from the shipped built-ins only
    assert got.kind == "set"
    assert got.deploys_subscription_activity_log_export
    assert got.effect == "Disabled"  # the set's default flows to the member
    assert got.categories == ALL8  # the set pins logsEnabled to a literal
    assert got.destination == "log_analytics"
    assert got.role_definition_ids == [MON, LAC]
    assert [m.reference_id for m in got.export_members] == ["activityToLaw"]
    assert got.unknown_members == []


def test_set_escaped_alz_style_passes_parameters() -> None:
    doc = export_set(
        [{"policyDefinitionReferenceId": "la", "policyDefinitionId": "/providers/Microsoft.Management/"
          "managementGroups/contoso/providers/Microsoft.Authorization/policyDefinitions/Deploy-ActivityLogs-to-LA-workspace",
          "parameters": {"logsEnabled": {"value": "[[parameters('logs')]"}}}],
        {"logs": {"type": "String", "defaultValue": "True"}},
    )
    alz = load("enterprise-scale/Deploy-ActivityLogs-to-LA-workspace.AzureChinaCloud.json")
    got = classify_definition(doc, DefinitionIndex([alz]))
    assert got.deploys_subscription_activity_log_export
    assert got.categories == "parameterised"  # an assignment of the set can still switch them off
    assert got.effect == "DeployIfNotExists"


def test_is_export_policy_on_policy_docs() -> None:
    assert is_export_policy(PolicyDoc(builtin()))
    assert not is_export_policy(PolicyDoc(load("enterprise-scale/DenyAction-ActivityLogs.json")))


# --------------------------------------------------------------------------- command line

def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditor", "policy", "classify", *args],
                          capture_output=True, text=True, timeout=60)


def test_cli_json_over_the_whole_corpus() -> None:
    files = [str(CORPUS / r) for r in sorted(EXPECTED)]
    proc = run_cli(*files, "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert [o["file"] for o in out] == files
    assert [o["deploys_subscription_activity_log_export"] for o in out] == [EXPECTED[r][2] for r in sorted(EXPECTED)]
    for o in out:
        assert set(o) >= {"file", "kind", "effect", "deploys_subscription_activity_log_export", "destination",
                          "categories", "roleDefinitionIds"}


def test_classify_files_matches_cli_api() -> None:
    files = [CORPUS / BUILTIN]
    assert classify_files(files)[0].as_dict()["destination"] == "log_analytics"


@pytest.mark.parametrize("content", ['{"properties": {"displayName": "x"}}', "[1, 2]", '{"policyRule": '])
def test_cli_bad_file_one_line_exit_2(tmp_path: Path, content: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    res = CliRunner().invoke(main, ["policy", "classify", str(CORPUS / BUILTIN), str(bad), "--json"])
    assert res.exit_code == 2
    # the bad file is reported and the batch goes on: the good file is still judged (issue 19, item 8)
    assert [r["file"] for r in json.loads(res.stdout)] == [str(CORPUS / BUILTIN)]
    assert len(res.stderr.strip().splitlines()) == 1 and "bad.json" in res.stderr


def test_cli_missing_file_and_text_output(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["policy", "classify", str(tmp_path / "nope.json")])
    assert res.exit_code == 2 and len(res.stderr.strip().splitlines()) == 1
    res = CliRunner().invoke(main, ["policy", "classify", str(CORPUS / BUILTIN)])
    assert res.exit_code == 0 and res.stdout.startswith("EXPORT")


def test_classification_does_not_mutate_input() -> None:
    doc = builtin()
    before = copy.deepcopy(doc)
    classify_definition(doc)
    assert doc == before


def test_mangled_documents_never_crash_classification() -> None:
    """Deterministic fuzz: odd values anywhere in corpus documents give a result or a clear rejection."""
    import random

    from auditor.azure.policy import NotAPolicyDocument

    docs = [load(r) for r in sorted(EXPECTED)]
    odd: list[Any] = [None, 1, "x", [], {}, "[parameters('nope')]", "[[", "[concat(", "[if(parameters('a'), 1)]",
                      True, "[parameters(1)]", "[-]", "[[[parameters('effect')]]"]
    rnd = random.Random(7)

    def paths(o: Any, p: tuple[Any, ...] = ()) -> Any:
        yield p
        if isinstance(o, dict):
            for k, v in o.items():
                yield from paths(v, (*p, k))
        elif isinstance(o, list):
            for i, v in enumerate(o):
                yield from paths(v, (*p, i))

    for _ in range(300):
        doc = copy.deepcopy(rnd.choice(docs))
        candidates = list(paths(doc))[1:]
        for _ in range(rnd.randint(1, 4)):
            p = rnd.choice(candidates)
            target = doc
            try:
                for k in p[:-1]:
                    target = target[k]
                target[p[-1]] = copy.deepcopy(rnd.choice(odd))
            except (KeyError, IndexError, TypeError):
                continue
        with contextlib.suppress(NotAPolicyDocument):
            json.dumps(classify_definition(doc).as_dict())


def test_unassigned_destination_keeps_its_kind_but_no_id() -> None:
    shape = export_shape(PolicyDoc(builtin()), {})
    assert shape.destination == "log_analytics"
    assert shape.destination_values == {"log_analytics": None}
