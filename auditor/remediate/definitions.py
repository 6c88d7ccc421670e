"""The project's own Azure Policy definitions, built here and exported to ``policies/``.

Where Azure has a built-in that does the job (activity log to a Log Analytics workspace:
2465583e-4e78-4c15-b6be-a36cbc7c8b0f) the plan assigns the built-in. For storage accounts and
Event Hubs there is none, so these definitions fill the gap. They are the single source of
truth: ``policies/*.json`` is written from them (``python -m auditor.remediate.policy_files``)
and a test keeps the two identical.

Every export definition deploys all eight activity-log categories and its existence
condition checks that those categories are enabled, not merely that a setting points at the
destination: a setting with only Administrative enabled must not count as compliant.
"""

from __future__ import annotations

import json
from typing import Any

from auditor.azure.activity_log import CATEGORIES
from auditor.remediate import api_versions, roles

DIAGNOSTIC_SETTINGS_API = api_versions.of(api_versions.DIAGNOSTIC_SETTINGS)
ACTIVITY_LOG_ALERTS_API = api_versions.of(api_versions.ACTIVITY_LOG_ALERTS)
DEPLOYMENTS_API = api_versions.of(api_versions.DEPLOYMENTS)
# Where Azure stores the metadata of the policy's subscription deployment (not the data).
DEPLOYMENT_LOCATION = "westeurope"

BUILTIN_LOG_ANALYTICS_GUID = "2465583e-4e78-4c15-b6be-a36cbc7c8b0f"
BUILTIN_LOG_ANALYTICS_ID = f"/providers/Microsoft.Authorization/policyDefinitions/{BUILTIN_LOG_ANALYTICS_GUID}"

STORAGE = "storage"
EVENT_HUB = "event_hub"
LOG_ANALYTICS = "log_analytics"

_DS = "Microsoft.Insights/diagnosticSettings"
_ALA = "Microsoft.Insights/activityLogAlerts"


def _unless_empty(param: str) -> str:
    """ARM expression: the parameter, or null (property left out) when it is empty."""
    return f"[if(empty(parameters('{param}')), null(), parameters('{param}'))]"


def _effect_parameter() -> dict[str, Any]:
    return {
        "type": "String",
        "metadata": {
            "displayName": "Effect",
            "description": "DeployIfNotExists keeps the export in place; "
                           "the others only report or switch it off.",
        },
        "allowedValues": ["DeployIfNotExists", "AuditIfNotExists", "Disabled"],
        "defaultValue": "DeployIfNotExists",
    }


def _all_categories_enabled() -> dict[str, Any]:
    """True when every category is enabled, one by one or through ``categoryGroup: allLogs``."""
    return {
        "anyOf": [
            {
                "count": {
                    "field": f"{_DS}/logs[*]",
                    "where": {
                        "allOf": [
                            {"field": f"{_DS}/logs[*].category", "in": list(CATEGORIES)},
                            {"field": f"{_DS}/logs[*].enabled", "equals": "true"},
                        ]
                    },
                },
                "equals": len(CATEGORIES),
            },
            {
                "count": {
                    "field": f"{_DS}/logs[*]",
                    "where": {
                        "allOf": [
                            {"field": f"{_DS}/logs[*].categoryGroup", "equals": "allLogs"},
                            {"field": f"{_DS}/logs[*].enabled", "equals": "true"},
                        ]
                    },
                },
                "greaterOrEquals": 1,
            },
        ]
    }


def _logs() -> list[dict[str, Any]]:
    return [{"category": c, "enabled": True} for c in CATEGORIES]


_DESTINATIONS: dict[str, dict[str, Any]] = {
    STORAGE: {
        "name": "auditor-activity-log-to-storage",
        "displayName": "Configure subscription activity logs to export to a storage account (all categories)",
        "noun": "storage account",
        # Monitoring Contributor writes the setting; Storage Account Contributor runs the deployment
        # (Microsoft.Resources/deployments/*) and passes the linked access check (listKeys).
        "roles": (roles.MONITORING_CONTRIBUTOR, roles.STORAGE_ACCOUNT_CONTRIBUTOR),
        "parameters": {
            "storageAccountId": {
                "type": "String",
                "metadata": {
                    "displayName": "Storage account",
                    "description": "Resource id of the storage account that keeps the activity log.",
                    "strongType": "Microsoft.Storage/storageAccounts",
                    "assignPermissions": True,
                },
            },
        },
        "existence": [
            {"field": f"{_DS}/storageAccountId", "equals": "[parameters('storageAccountId')]"},
        ],
        "properties": {"storageAccountId": "[parameters('storageAccountId')]"},
    },
    EVENT_HUB: {
        "name": "auditor-activity-log-to-event-hub",
        "displayName": "Configure subscription activity logs to stream to an Event Hub (all categories)",
        "noun": "Event Hub",
        # Azure Event Hubs Data Owner has no deployments action: Log Analytics Contributor runs the
        # deployment and writes the setting, as in Microsoft's Event Hub diagnostic built-ins.
        "roles": (roles.LOG_ANALYTICS_CONTRIBUTOR, roles.EVENT_HUBS_DATA_OWNER),
        "parameters": {
            "eventHubAuthorizationRuleId": {
                "type": "String",
                "metadata": {
                    "displayName": "Event Hub authorization rule",
                    "description": "Resource id of a namespace-level authorization rule with Send rights.",
                    "strongType": "Microsoft.EventHub/Namespaces/AuthorizationRules",
                    "assignPermissions": True,
                },
            },
            "eventHubName": {
                "type": "String",
                "metadata": {
                    "displayName": "Event Hub name",
                    "description": "Event Hub to send to; empty lets Azure create insights-activity-logs.",
                },
                "defaultValue": "",
            },
        },
        "existence": [
            {
                "field": f"{_DS}/eventHubAuthorizationRuleId",
                "equals": "[parameters('eventHubAuthorizationRuleId')]",
            },
            {
                "anyOf": [
                    {"value": "[parameters('eventHubName')]", "equals": ""},
                    {"field": f"{_DS}/eventHubName", "equals": "[parameters('eventHubName')]"},
                ]
            },
        ],
        "properties": {
            "eventHubAuthorizationRuleId": "[parameters('eventHubAuthorizationRuleId')]",
            "eventHubName": _unless_empty("eventHubName"),
        },
    },
}


def export_definition(destination: str) -> dict[str, Any]:
    """DeployIfNotExists definition exporting a subscription's activity log to ``destination``."""
    spec = _DESTINATIONS[destination]
    dest_params: dict[str, Any] = spec["parameters"]
    identity_roles: tuple[roles.BuiltInRole, ...] = spec["roles"]
    template_params = {name: {"type": "string"} for name in (*dest_params, "settingName")}
    deployment_params = {name: {"value": f"[parameters('{name}')]"} for name in (*dest_params, "settingName")}
    return {
        "name": spec["name"],
        "type": "Microsoft.Authorization/policyDefinitions",
        "properties": {
            "displayName": spec["displayName"],
            "description": (
                f"Deploys a subscription diagnostic setting that sends all eight activity-log categories "
                f"to the given {spec['noun']} wherever no setting already sends every category there. "
                "Published by the auditor project (auditor remediate)."
            ),
            "policyType": "Custom",
            "mode": "All",
            "metadata": {"version": "1.0.0", "category": "Monitoring", "source": "auditor"},
            "parameters": {
                **dest_params,
                "settingName": {
                    "type": "String",
                    "metadata": {
                        "displayName": "Diagnostic setting name",
                        "description": "Name of the subscription diagnostic setting the policy creates.",
                    },
                    "defaultValue": f"{spec['name']}",
                },
                "effect": _effect_parameter(),
            },
            "policyRule": {
                "if": {"field": "type", "equals": "Microsoft.Resources/subscriptions"},
                "then": {
                    "effect": "[parameters('effect')]",
                    "details": {
                        "type": _DS,
                        "deploymentScope": "subscription",
                        "existenceScope": "subscription",
                        "existenceCondition": {"allOf": [*spec["existence"], _all_categories_enabled()]},
                        "roleDefinitionIds": [r.definition_id for r in identity_roles],
                        "deployment": {
                            "location": DEPLOYMENT_LOCATION,
                            "properties": {
                                "mode": "incremental",
                                "template": {
                                    "$schema": "https://schema.management.azure.com/schemas/2018-05-01/"
                                    "subscriptionDeploymentTemplate.json#",
                                    "contentVersion": "1.0.0.0",
                                    "parameters": template_params,
                                    "resources": [
                                        {
                                            "type": _DS,
                                            "apiVersion": DIAGNOSTIC_SETTINGS_API,
                                            "name": "[parameters('settingName')]",
                                            "properties": {**spec["properties"], "logs": _logs()},
                                        }
                                    ],
                                },
                                "parameters": deployment_params,
                            },
                        },
                    },
                },
            },
        },
    }


# The built-in 2465583e lists these two (its own roleDefinitionIds).
BUILTIN_LOG_ANALYTICS_ROLES = (roles.MONITORING_CONTRIBUTOR, roles.LOG_ANALYTICS_CONTRIBUTOR)


def export_role_guids(destination: str) -> list[str]:
    """GUIDs of the roles an export policy to ``destination`` needs (built-in included)."""
    if destination == LOG_ANALYTICS:
        return [r.guid for r in BUILTIN_LOG_ANALYTICS_ROLES]
    return [r.guid for r in _DESTINATIONS[destination]["roles"]]


def export_destination_parameter(destination: str) -> str:
    """The definition parameter that names the destination resource."""
    return {LOG_ANALYTICS: "logAnalytics", STORAGE: "storageAccountId",
            EVENT_HUB: "eventHubAuthorizationRuleId"}[destination]


def export_definition_name(destination: str) -> str:
    return str(_DESTINATIONS[destination]["name"])


def alert_definition() -> dict[str, Any]:
    """DeployIfNotExists definition: one activity log alert for one operation, per subscription.

    Assign it once per sensitive operation. The alert has no condition besides category
    Administrative and the operation name, so that it fires for every outcome of the operation.
    The resource group named by ``alertResourceGroupName`` must exist in each subscription
    (the plan's alert deployments create it). The identity holds Monitoring Policy Contributor,
    as Microsoft's Service Health alert DeployIfNotExists does: it has
    ``Microsoft.Resources/deployments/*`` (the policy's deployment and the nested one into the
    group) and ``Microsoft.Insights/activityLogAlerts/*``.
    """
    alert_props = {
        "enabled": True,
        "description": "[concat('auditor: ', parameters('operationName'))]",
        "scopes": ["[subscription().id]"],
        "condition": {
            "allOf": [
                {"field": "category", "equals": "Administrative"},
                {"field": "operationName", "equals": "[parameters('operationName')]"},
            ]
        },
        "actions": {"actionGroups": [{"actionGroupId": "[parameters('actionGroupId')]"}]},
    }
    names = ("operationName", "alertName", "alertResourceGroupName", "actionGroupId")
    return {
        "name": "auditor-activity-log-alert",
        "type": "Microsoft.Authorization/policyDefinitions",
        "properties": {
            "displayName": "Deploy an activity log alert for a sensitive operation",
            "description": (
                "Deploys, in every subscription, an enabled activity log alert on the given operation "
                "that notifies the given action group. Published by the auditor project."
            ),
            "policyType": "Custom",
            "mode": "All",
            "metadata": {"version": "1.0.0", "category": "Monitoring", "source": "auditor"},
            "parameters": {
                "operationName": {
                    "type": "String",
                    "metadata": {"displayName": "Operation name",
                                 "description": "e.g. Microsoft.Network/networkSecurityGroups/delete"},
                },
                "alertName": {
                    "type": "String",
                    "metadata": {"displayName": "Alert name", "description": "Name of the alert resource."},
                },
                "alertResourceGroupName": {
                    "type": "String",
                    "metadata": {"displayName": "Alert resource group",
                                 "description": "Existing resource group that holds the alert."},
                    "defaultValue": "rg-activity-log-alerts",
                },
                "actionGroupId": {
                    "type": "String",
                    "metadata": {"displayName": "Action group",
                                 "description": "Resource id of the action group.",
                                 "strongType": "Microsoft.Insights/actionGroups"},
                },
                "effect": _effect_parameter(),
            },
            "policyRule": {
                "if": {"field": "type", "equals": "Microsoft.Resources/subscriptions"},
                "then": {
                    "effect": "[parameters('effect')]",
                    "details": {
                        "type": "Microsoft.Insights/activityLogAlerts",
                        "existenceScope": "subscription",
                        "deploymentScope": "subscription",
                        "existenceCondition": {
                            "allOf": [
                                {"field": f"{_ALA}/enabled", "equals": "true"},
                                {
                                    "count": {
                                        "field": f"{_ALA}/condition.allOf[*]",
                                        "where": {
                                            "allOf": [
                                                {"field": f"{_ALA}/condition.allOf[*].field",
                                                 "equals": "operationName"},
                                                {"field": f"{_ALA}/condition.allOf[*].equals",
                                                 "equals": "[parameters('operationName')]"},
                                            ]
                                        },
                                    },
                                    "greaterOrEquals": 1,
                                },
                            ]
                        },
                        "roleDefinitionIds": [roles.MONITORING_POLICY_CONTRIBUTOR.definition_id],
                        "deployment": {
                            "location": DEPLOYMENT_LOCATION,
                            "properties": {
                                "mode": "incremental",
                                "template": {
                                    "$schema": "https://schema.management.azure.com/schemas/2018-05-01/"
                                    "subscriptionDeploymentTemplate.json#",
                                    "contentVersion": "1.0.0.0",
                                    "parameters": {n: {"type": "string"} for n in names},
                                    "resources": [
                                        {
                                            "type": "Microsoft.Resources/deployments",
                                            "apiVersion": DEPLOYMENTS_API,
                                            "name": "[parameters('alertName')]",
                                            "resourceGroup": "[parameters('alertResourceGroupName')]",
                                            "properties": {
                                                "mode": "Incremental",
                                                "expressionEvaluationOptions": {"scope": "outer"},
                                                "template": {
                                                    "$schema": "https://schema.management.azure.com/schemas/"
                                                    "2019-04-01/deploymentTemplate.json#",
                                                    "contentVersion": "1.0.0.0",
                                                    "resources": [
                                                        {
                                                            "type": "Microsoft.Insights/activityLogAlerts",
                                                            "apiVersion": ACTIVITY_LOG_ALERTS_API,
                                                            "name": "[parameters('alertName')]",
                                                            "location": "Global",
                                                            "properties": alert_props,
                                                        }
                                                    ],
                                                },
                                            },
                                        }
                                    ],
                                },
                                "parameters": {n: {"value": f"[parameters('{n}')]"} for n in names},
                            },
                        },
                    },
                },
            },
        },
    }


MG_CATEGORIES: tuple[str, ...] = ("Administrative", "Policy")


def management_group_diagnostic_template() -> dict[str, Any]:
    """ARM template: a diagnostic setting on a management group (deploy at that group).

    Management groups emit only the Administrative and Policy categories; both are enabled.
    Give one or more destinations; empty parameters are left out of the setting.
    """
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-08-01/managementGroupDeploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "metadata": {"description": "Diagnostic setting exporting a management group's activity log "
                                    "(Administrative, Policy). Published by the auditor project."},
        "parameters": {
            "settingName": {"type": "string", "defaultValue": "auditor-mg-activity-log"},
            "workspaceId": {"type": "string", "defaultValue": ""},
            "storageAccountId": {"type": "string", "defaultValue": ""},
            "eventHubAuthorizationRuleId": {"type": "string", "defaultValue": ""},
            "eventHubName": {"type": "string", "defaultValue": ""},
        },
        "resources": [
            {
                "type": _DS,
                "apiVersion": DIAGNOSTIC_SETTINGS_API,
                "name": "[parameters('settingName')]",
                "properties": {
                    "workspaceId": _unless_empty("workspaceId"),
                    "storageAccountId": _unless_empty("storageAccountId"),
                    "eventHubAuthorizationRuleId": _unless_empty("eventHubAuthorizationRuleId"),
                    "eventHubName": _unless_empty("eventHubName"),
                    "logs": [{"category": c, "enabled": True} for c in MG_CATEGORIES],
                },
            }
        ],
    }


def dump(doc: Any) -> str:
    """Stable JSON text (2-space indent, trailing newline) for every generated file."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
