"""What closes an alerting gap: a central log search rule, or a policy that deploys alerts.

* Subscriptions whose activity log reaches a central Log Analytics workspace are covered by
  ONE ``Microsoft.Insights/scheduledQueryRules`` rule per workspace over ``AzureActivity``
  that names every sensitive operation (what the alert analysis counts as covering).
* The others get the DeployIfNotExists definition below, assigned at a management group: it
  deploys, in every subscription it reaches, one activity log alert whose condition is
  ``category = Administrative`` and ``operationName`` any of the sensitive operations.
"""

from __future__ import annotations

from typing import Any

from auditor.remediate import alert_window, api_versions, roles
from auditor.remediate.definitions import ACTIVITY_LOG_ALERTS_API, DEPLOYMENT_LOCATION, DEPLOYMENTS_API

SCHEDULED_QUERY_RULES_API = api_versions.of(api_versions.SCHEDULED_QUERY_RULES)
RESOURCE_GROUPS_API = api_versions.of(api_versions.RESOURCE_GROUPS)
ALERT_DEFINITION_NAME = "auditor-activity-log-alerts"
ALERT_NAME = "auditor-sensitive-operations"
ALERT_RESOURCE_GROUP = "rg-activity-log-alerts"
CENTRAL_RULE_NAME = "auditor-sensitive-operations-central"
ALERT_ROLES = (roles.MONITORING_POLICY_CONTRIBUTOR.guid,)

_ALA = "Microsoft.Insights/activityLogAlerts"


def kql_string(text: str) -> str:
    """A KQL double-quoted string literal (backslash escapes, no raw line breaks)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return '"' + escaped + '"'


def activity_query(operations: list[str]) -> str:
    """Log search over AzureActivity: one row per sensitive operation that succeeded, ingested since
    the previous run (the rule's window covers the ingestion latency: ``alert_window``)."""
    names = ",\n    ".join(kql_string(op) for op in operations)
    return (
        "AzureActivity\n"
        f"{alert_window.INGESTED_SINCE_LAST_RUN}\n"
        '| where CategoryValue == "Administrative"\n'
        f"| where OperationNameValue in~ (\n    {names})\n"
        f"{alert_window.SUCCEEDED}\n"
        "| project TimeGenerated, SubscriptionId, ResourceGroup, _ResourceId, OperationNameValue,\n"
        "    ActivityStatusValue, Caller, CallerIpAddress"
    )


def central_rule_properties(workspace: str, operations: list[str], action_group: str) -> dict[str, Any]:
    """``properties`` of the central log search rule (scheduledQueryRules 2023-12-01)."""
    return {
        "displayName": "Sensitive operations in any subscription exporting here (auditor remediate)",
        "description": "auditor remediate: one alert per sensitive control-plane operation recorded in "
                       "AzureActivity of this workspace",
        "severity": 1,
        "enabled": True,
        "evaluationFrequency": alert_window.FREQUENCY,
        "windowSize": alert_window.LOOKBACK,
        "scopes": [workspace],
        "criteria": {"allOf": [{
            "query": activity_query(operations),
            "timeAggregation": "Count",
            "operator": "GreaterThan",
            "threshold": 0,
            "dimensions": [
                {"name": "SubscriptionId", "operator": "Include", "values": ["*"]},
                {"name": "OperationNameValue", "operator": "Include", "values": ["*"]},
            ],
            "failingPeriods": {"numberOfEvaluationPeriods": 1, "minFailingPeriodsToAlert": 1},
        }]},
        "autoMitigate": False,
        "actions": {"actionGroups": [action_group]},
    }


def alert_definition() -> dict[str, Any]:
    """DeployIfNotExists: one activity log alert on every listed operation, per subscription.

    The deployment creates the resource group that holds the alert; the identity holds
    Monitoring Policy Contributor (deployments, resource groups, activity log alerts), as
    Microsoft's Service Health alert DeployIfNotExists does. The existence condition looks for
    the alert by name, enabled: an alert someone switched off is deployed again.
    """
    alert_props = {
        "enabled": True,
        "description": "auditor: sensitive control-plane operations",
        "scopes": ["[subscription().id]"],
        "condition": {"allOf": [
            {"field": "category", "equals": "Administrative"},
            {"anyOf": "[variables('operations')]"},
        ]},
        "actions": {"actionGroups": [{"actionGroupId": "[parameters('actionGroupId')]"}]},
    }
    inner = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"operationNames": {"type": "array"}, "alertName": {"type": "string"},
                       "actionGroupId": {"type": "string"}},
        "variables": {"copy": [{
            "name": "operations",
            "count": "[length(parameters('operationNames'))]",
            "input": {"field": "operationName", "equals": "[parameters('operationNames')[copyIndex('operations')]]"},
        }]},
        "resources": [{
            "type": _ALA,
            "apiVersion": ACTIVITY_LOG_ALERTS_API,
            "name": "[parameters('alertName')]",
            "location": "Global",
            "properties": alert_props,
        }],
    }
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "operationNames": {"type": "array"},
            "alertName": {"type": "string"},
            "alertResourceGroupName": {"type": "string"},
            "alertResourceGroupLocation": {"type": "string"},
            "actionGroupId": {"type": "string"},
        },
        "resources": [
            {
                "type": "Microsoft.Resources/resourceGroups",
                "apiVersion": RESOURCE_GROUPS_API,
                "name": "[parameters('alertResourceGroupName')]",
                "location": "[parameters('alertResourceGroupLocation')]",
            },
            {
                "type": "Microsoft.Resources/deployments",
                "apiVersion": DEPLOYMENTS_API,
                "name": "[parameters('alertName')]",
                "resourceGroup": "[parameters('alertResourceGroupName')]",
                "dependsOn": ["[subscriptionResourceId('Microsoft.Resources/resourceGroups', "
                              "parameters('alertResourceGroupName'))]"],
                "properties": {
                    "mode": "Incremental",
                    "expressionEvaluationOptions": {"scope": "inner"},
                    "parameters": {n: {"value": f"[parameters('{n}')]"}
                                   for n in ("operationNames", "alertName", "actionGroupId")},
                    "template": inner,
                },
            },
        ],
    }
    names = ("operationNames", "alertName", "alertResourceGroupName", "alertResourceGroupLocation", "actionGroupId")
    return {
        "name": ALERT_DEFINITION_NAME,
        "type": "Microsoft.Authorization/policyDefinitions",
        "properties": {
            "displayName": "Deploy an activity log alert on sensitive operations",
            "description": (
                "Deploys, in every subscription, one enabled activity log alert on the listed operations "
                "(category Administrative, any outcome) that notifies the given action group. "
                "Published by the auditor project."
            ),
            "policyType": "Custom",
            "mode": "All",
            "metadata": {"version": "1.0.0", "category": "Monitoring", "source": "auditor"},
            "parameters": {
                "operationNames": {
                    "type": "Array",
                    "metadata": {"displayName": "Operations",
                                 "description": "e.g. Microsoft.Network/networkSecurityGroups/delete"},
                },
                "alertName": {
                    "type": "String", "defaultValue": ALERT_NAME,
                    "metadata": {"displayName": "Alert name", "description": "Name of the alert resource."},
                },
                "alertResourceGroupName": {
                    "type": "String", "defaultValue": ALERT_RESOURCE_GROUP,
                    "metadata": {"displayName": "Alert resource group",
                                 "description": "Resource group that holds the alert (created when missing)."},
                },
                "alertResourceGroupLocation": {
                    "type": "String", "defaultValue": DEPLOYMENT_LOCATION,
                    "metadata": {"displayName": "Resource group region",
                                 "description": "Region of the resource group (the alert itself is global)."},
                },
                "actionGroupId": {
                    "type": "String",
                    "metadata": {"displayName": "Action group", "description": "Resource id of the action group.",
                                 "strongType": "Microsoft.Insights/actionGroups"},
                },
                "effect": {
                    "type": "String",
                    "metadata": {"displayName": "Effect",
                                 "description": "DeployIfNotExists deploys the alert; the others only report."},
                    "allowedValues": ["DeployIfNotExists", "AuditIfNotExists", "Disabled"],
                    "defaultValue": "DeployIfNotExists",
                },
            },
            "policyRule": {
                "if": {"field": "type", "equals": "Microsoft.Resources/subscriptions"},
                "then": {
                    "effect": "[parameters('effect')]",
                    "details": {
                        "type": _ALA,
                        "existenceScope": "subscription",
                        "deploymentScope": "subscription",
                        "existenceCondition": {"allOf": [
                            {"field": "name", "equals": "[parameters('alertName')]"},
                            {"field": f"{_ALA}/enabled", "equals": "true"},
                        ]},
                        "roleDefinitionIds": [roles.MONITORING_POLICY_CONTRIBUTOR.definition_id],
                        "deployment": {
                            "location": DEPLOYMENT_LOCATION,
                            "properties": {
                                "mode": "incremental",
                                "template": template,
                                "parameters": {n: {"value": f"[parameters('{n}')]"} for n in names},
                            },
                        },
                    },
                },
            },
        },
    }
