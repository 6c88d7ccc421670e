"""A Microsoft Sentinel analytics rule on the sensitive operations, in ARM, Bicep and Terraform.

Where the central workspace has Sentinel on, the SOC works its incident queue, so the plan
proposes one Scheduled analytics rule there instead of a log search alert: the query reads
``AzureActivity`` and names every sensitive operation (as Azure-Sentinel's
``Detections/AzureActivity/Azure_CIS_52*.yaml`` do, one operation each), and the rule creates
incidents. No action group is needed. The audit recognises exactly this rule as covering and
notifying (``auditor/analysis/sentinel.py``), which the tests check by auditing the result.
"""

from __future__ import annotations

from typing import Any

from auditor.remediate import alert_window, api_versions, arm_render, bicep_render, model, terraform_render
from auditor.remediate.definitions import dump
from auditor.remediate.model import Action
from auditor.remediate.syntax import Raw, arm_escape, bicep_string, hcl_value, identifier

RULE_TYPE = "Microsoft.SecurityInsights/alertRules"
DISPLAY_NAME = "Sensitive control-plane operation (auditor remediate)"


def kql_string(text: str) -> str:
    """A KQL double-quoted string literal (backslash escapes, no raw line breaks)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return '"' + escaped + '"'


def query(operations: list[str]) -> str:
    """Successful sensitive operations ingested since the previous run, one row per change: who, from
    where, on what (summarised by caller, IP, operation and resource, as Microsoft's AzureActivity
    templates do, e.g. Azure-Sentinel "Solutions/Azure Activity/Analytic Rules/
    Granting_Permissions_To_Account_detection.yaml")."""
    names = ",\n    ".join(kql_string(op) for op in operations)
    return ("AzureActivity\n"
            f"{alert_window.INGESTED_SINCE_LAST_RUN}\n"
            "| where CategoryValue =~ \"Administrative\"\n"
            f"| where OperationNameValue in~ (\n    {names})\n"
            f"{alert_window.SUCCEEDED}\n"
            "| summarize StartTime = min(TimeGenerated), EndTime = max(TimeGenerated), Events = count()\n"
            "    by SubscriptionId, _ResourceId, OperationNameValue, Caller, CallerIpAddress")


def rule_properties(operations: list[str]) -> dict[str, Any]:
    """The rule's ``properties`` (SecurityInsights 2024-03-01, kind Scheduled)."""
    return {
        "displayName": DISPLAY_NAME,
        "description": "A sensitive operation (policy assignment, NSG, SQL firewall change) in the activity log "
                       "of a subscription exporting to this workspace.",
        "severity": "Medium",
        "enabled": True,
        "query": query(operations),
        "queryFrequency": alert_window.FREQUENCY,
        "queryPeriod": alert_window.LOOKBACK,
        "triggerOperator": "GreaterThan",
        "triggerThreshold": 0,
        "suppressionDuration": "PT5H",
        "suppressionEnabled": False,
        "tactics": ["DefenseEvasion", "Impact"],
        "eventGroupingSettings": {"aggregationKind": "AlertPerResult"},
        "entityMappings": [
            {"entityType": "Account", "fieldMappings": [{"identifier": "FullName", "columnName": "Caller"}]},
            {"entityType": "IP", "fieldMappings": [{"identifier": "Address", "columnName": "CallerIpAddress"}]},
            {"entityType": "AzureResource",
             "fieldMappings": [{"identifier": "ResourceId", "columnName": "_ResourceId"}]},
        ],
        "incidentConfiguration": {
            "createIncident": True,
            # One incident for the alerts of the same caller, IP and resource within 5 hours.
            "groupingConfiguration": {"enabled": True, "reopenClosedIncident": False, "lookbackDuration": "PT5H",
                                      "matchingMethod": "AllEntities", "groupByEntities": [],
                                      "groupByAlertDetails": [], "groupByCustomDetails": []},
        },
    }


def workspace_parts(workspace_id: str) -> tuple[str, str, str]:
    """(subscription, resource group, workspace name) of the workspace id, placeholders when unreadable."""
    parts = workspace_id.split("/")
    if len(parts) > 8 and parts[1].lower() == "subscriptions" and parts[3].lower() == "resourcegroups":
        return parts[2], parts[4], parts[8]
    return ("<REPLACE: subscription of the workspace>", "<REPLACE: resource group of the workspace>",
            "<REPLACE: workspace name>")


def render_arm(action: Action) -> dict[str, Any]:
    d = action.detail
    _, _, name = workspace_parts(d["workspaceId"])
    return {
        "$schema": arm_render.RG_SCHEMA,
        "contentVersion": "1.0.0.0",
        "metadata": {"description": action.title, "deployAt": action.scope, "generator": "auditor remediate"},
        "parameters": {"workspaceName": {"type": "string", "defaultValue": arm_escape(name)}},
        "resources": [{
            "type": RULE_TYPE,
            "apiVersion": api_versions.of(RULE_TYPE),
            "scope": "[format('Microsoft.OperationalInsights/workspaces/{0}', parameters('workspaceName'))]",
            "name": d["ruleName"],
            "kind": "Scheduled",
            "properties": arm_escape(rule_properties(d["operations"])),
        }],
    }


def render_bicep(action: Action) -> str:
    d = action.detail
    _, _, name = workspace_parts(d["workspaceId"])
    text = bicep_render.comment_header(action.scope, action.title)
    text += "targetScope = 'resourceGroup'\n"
    text += f"\nparam workspaceName string = {bicep_string(name)}\n"
    text += (f"\nresource workspace '{api_versions.type_at(api_versions.WORKSPACES)}' existing = {{\n"
             "  name: workspaceName\n}\n")
    return text + bicep_render._resource("rule", api_versions.type_at(RULE_TYPE), {
        "name": d["ruleName"], "scope": Raw("workspace"), "kind": "Scheduled",
        "properties": rule_properties(d["operations"])})


def render_terraform(action: Action) -> str:
    """azapi, so the document is exactly the ARM one whatever the azurerm major version."""
    d = action.detail
    sym = identifier(action.slug)
    var = f"{sym}_workspace_id"
    text = terraform_render._header(action)
    text += terraform_render._block("variable", [var], {"type": Raw("string"), "default": d["workspaceId"],
                                                         "description": "workspace with Microsoft Sentinel on"})
    body = hcl_value({"kind": "Scheduled", "properties": rule_properties(d["operations"])}, 1)
    text += "\n" + terraform_render._block("resource", ["azapi_resource", sym], {
        "type": api_versions.type_at(RULE_TYPE),
        "name": d["ruleName"],
        "parent_id": Raw(f"var.{var}"),
        "body": Raw(f"jsonencode({body})"),
    })
    return text


def render(action: Action, formats: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    if "arm" in formats:
        out[f"arm/{action.stem}.json"] = dump(render_arm(action))
    if "bicep" in formats:
        out[f"bicep/{action.stem}.bicep"] = render_bicep(action)
    if "terraform" in formats:
        out[f"terraform/{action.stem}.tf"] = render_terraform(action)
        out[model.TERRAFORM_PROVIDERS] = terraform_render.PROVIDERS
    return out
