"""Factories for ARM documents shaped exactly as the Azure REST API returns them.

Tests (and ``examples/build_demo.py``) build snapshots from these instead of hand-written
dicts, so that every document carries the real property names and casing of the reference
payloads in ``tests/fixtures/azure-rest-examples`` -- including the quirks real ARM shows:

* subscription diagnostic settings come with ``"type": null`` and an id *without* a leading
  slash under the ``AzureResourceManager`` namespace (``style="reference"``, the default), or
  as the portal/CLI shows them (``style="portal"``: leading slash, ``microsoft.insights``);
* provider namespaces are often lower case (``microsoft.insights/actionGroups``); workspaces
  come back with ``resourcegroups`` / ``microsoft.operationalinsights`` lower-cased;
* log profiles carry ``"type": ""``; activity log alerts may name scopes without a slash.

Ids are plain strings; helpers :func:`mg_id`, :func:`sub_id` and :func:`resource_id` build
them. :func:`guid` derives stable GUIDs from a seed so generated data is deterministic.

Tests import it as ``import builders as b`` (pytest puts ``tests/`` on ``sys.path``; there is
no ``tests/__init__.py``). :func:`tenant` is the usual fixture: one audited root group holding
the given subscriptions. Quick example::

    import builders as b
    S = b.guid("prod")
    ws = b.workspace_id(S, "rg", "law")
    doc = b.tenant([
        b.subscription_diagnostic_setting(S, "to-law", workspace=ws, category_group="allLogs"),
        b.workspace(S, "rg", "law", retention_days=365),
    ], {S: "Prod"}, errors=[b.error(b.sub_id(S), "activityLogAlerts")])
    ctx = AuditContext(build_snapshot(doc), Config())

Bare names given as scopes are management groups (the tenant root group's name is the tenant
GUID); pass subscriptions through :func:`sub_id`. :func:`snapshot` assembles any documents,
:func:`export_policy_definition` (defaults) is the built-in 2465583e exactly as ARM returns it.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

Doc = dict[str, Any]

TENANT_ID = "4c2f8e3a-9b1d-4f6e-8a7c-2d5b0e9f1a36"
COLLECTED_AT = "2026-11-28T10:00:00Z"

CATEGORIES: tuple[str, ...] = (
    "Administrative", "Security", "ServiceHealth", "Alert",
    "Recommendation", "Policy", "Autoscale", "ResourceHealth",
)

SENSITIVE_OPERATIONS: tuple[str, ...] = (
    "Microsoft.Authorization/policyAssignments/write",
    "Microsoft.Authorization/policyAssignments/delete",
    "Microsoft.Sql/servers/firewallRules/write",
    "Microsoft.Sql/servers/firewallRules/delete",
    "Microsoft.Network/networkSecurityGroups/write",
    "Microsoft.Network/networkSecurityGroups/delete",
    "Microsoft.Network/networkSecurityGroups/securityRules/write",
    "Microsoft.Network/networkSecurityGroups/securityRules/delete",
)

ROLE_LOG_ANALYTICS_CONTRIBUTOR = "92aaf0da-9dab-42b6-94a3-d43ce8d16293"
ROLE_MONITORING_CONTRIBUTOR = "749f88d5-cbae-40b8-bcfc-e573ddc772fa"
ROLE_STORAGE_ACCOUNT_CONTRIBUTOR = "17d1049b-9a84-46fb-8f53-869881c3d3ab"
ROLE_AZURE_EVENT_HUBS_DATA_OWNER = "f526a384-b230-433a-b45c-95f59c4a2dec"

# Built-in "Configure Azure Activity logs to stream to specified Log Analytics workspace".
BUILTIN_EXPORT_DEFINITION_NAME = "2465583e-4e78-4c15-b6be-a36cbc7c8b0f"
BUILTIN_EXPORT_DEFINITION_ID = f"/providers/Microsoft.Authorization/policyDefinitions/{BUILTIN_EXPORT_DEFINITION_NAME}"


# --------------------------------------------------------------------------- ids


def guid(seed: str) -> str:
    """A stable GUID for a seed string (uuid5), so generated snapshots are deterministic."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "auditor-tests:" + seed))


def mg_id(name: str) -> str:
    return f"/providers/Microsoft.Management/managementGroups/{name}"


def sub_id(sub: str) -> str:
    """``/subscriptions/<guid>``; accepts a bare GUID or an already formed id."""
    return sub if sub.lower().lstrip("/").startswith("subscriptions/") else f"/subscriptions/{sub}"


def _guid_of(sub: str) -> str:
    return sub_id(sub).rstrip("/").rsplit("/", 1)[-1]


def scope_id(scope: str) -> str:
    """An ARM scope id, or a bare name taken as a management group (the tenant root group's name
    is the tenant GUID, so bare GUIDs are groups too: pass subscriptions as :func:`sub_id`)."""
    low = scope.lower()
    if low.startswith("/") or low.startswith("subscriptions/") or low.startswith("providers/"):
        return scope if scope.startswith("/") else "/" + scope
    return mg_id(scope)


def resource_id(sub: str, rg: str, provider_type: str, name: str) -> str:
    """``/subscriptions/s/resourceGroups/rg/providers/<Namespace/type>/<name>``."""
    return f"/subscriptions/{_guid_of(sub)}/resourceGroups/{rg}/providers/{provider_type}/{name}"


def workspace_id(sub: str, rg: str, name: str) -> str:
    return resource_id(sub, rg, "Microsoft.OperationalInsights/workspaces", name)


def storage_id(sub: str, rg: str, name: str) -> str:
    return resource_id(sub, rg, "Microsoft.Storage/storageAccounts", name)


def eventhub_namespace_id(sub: str, rg: str, name: str) -> str:
    return resource_id(sub, rg, "Microsoft.EventHub/namespaces", name)


def eventhub_rule_id(sub: str, rg: str, namespace: str, rule: str = "RootManageSharedAccessKey") -> str:
    return f"{eventhub_namespace_id(sub, rg, namespace)}/authorizationrules/{rule}"


def action_group_id(sub: str, rg: str, name: str) -> str:
    return resource_id(sub, rg, "microsoft.insights/actionGroups", name)


def partner_id(sub: str, rg: str, name: str) -> str:
    """A marketplace partner destination (Datadog monitor), as in the reference example."""
    return resource_id(sub, rg, "Microsoft.Datadog/monitors", name)


# --------------------------------------------------------------------------- hierarchy


def child_group(name: str, display_name: str | None = None, children: list[Doc] | None = None) -> Doc:
    """A management-group entry of ``properties.children`` (nested ``children`` as with ``$recurse``)."""
    entry: Doc = {
        "id": mg_id(name),
        "type": "Microsoft.Management/managementGroups",
        "name": name,
        "displayName": display_name or name,
    }
    if children is not None:
        entry["children"] = children
    return entry


def child_subscription(sub: str, display_name: str) -> Doc:
    """A subscription entry of ``properties.children`` (type ``/subscriptions``)."""
    return {"id": sub_id(sub), "type": "/subscriptions", "name": _guid_of(sub), "displayName": display_name}


def management_group(
    name: str,
    display_name: str | None = None,
    parent: str | None = None,
    children: Sequence[Doc] = (),
    tenant_id: str = TENANT_ID,
) -> Doc:
    """``GET managementGroups/{name}?$expand=children``: parent in ``details.parent``, direct children.

    ``parent`` is a group name or id (the tenant root group's name is the tenant id); None for
    the tenant root group itself (ARM then omits ``details.parent``'s id: we give ``parent: null``).
    """
    details: Doc = {
        "version": 3,
        "updatedTime": "2026-03-02T09:14:51.8722147Z",
        "updatedBy": "7b1a3b8e-6c55-4c0f-9d3e-2f0a1c9d8e77",
        "parent": None,
    }
    if parent is not None:
        pid = scope_id(parent)
        pname = pid.rsplit("/", 1)[-1]
        details["parent"] = {"id": pid, "name": pname, "displayName": pname}
    doc: Doc = {
        "id": mg_id(name),
        "type": "Microsoft.Management/managementGroups",
        "name": name,
        "properties": {
            "tenantId": tenant_id,
            "displayName": display_name or name,
            "details": details,
        },
    }
    if children:
        doc["properties"]["children"] = list(children)
    return doc


def subscription(sub: str, display_name: str, state: str = "Enabled", tenant_id: str = TENANT_ID) -> Doc:
    """An entry of ``GET /subscriptions`` (2022-12-01)."""
    g = _guid_of(sub)
    return {
        "authorizationSource": "RoleBased",
        "displayName": display_name,
        "id": f"/subscriptions/{g}",
        "managedByTenants": [],
        "state": state,
        "subscriptionId": g,
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "EnterpriseAgreement_2014-09-01",
            "spendingLimit": "Off",
        },
        "tags": {},
        "tenantId": tenant_id,
    }


# --------------------------------------------------------------------------- diagnostic settings


def _logs(logs: Iterable[str | tuple[str, bool] | Doc] | None, category_group: str | None) -> list[Doc]:
    out: list[Doc] = []
    if category_group:
        out.append({"categoryGroup": category_group, "enabled": True})
    for entry in logs or ():
        if isinstance(entry, dict):
            out.append(dict(entry))
        elif isinstance(entry, tuple):
            out.append({"category": entry[0], "enabled": entry[1]})
        else:
            out.append({"category": entry, "enabled": True})
    return out


def _destinations(
    workspace: str | None, storage: str | None, event_hub_rule: str | None,
    event_hub_name: str | None, partner: str | None,
) -> Doc:
    p: Doc = {}
    if storage:
        p["storageAccountId"] = storage
    if workspace:
        p["workspaceId"] = workspace
    if event_hub_rule:
        p["eventHubAuthorizationRuleId"] = event_hub_rule
    if event_hub_name:
        p["eventHubName"] = event_hub_name
    if partner:
        p["marketplacePartnerId"] = partner
    return p


def subscription_diagnostic_setting(
    sub: str,
    name: str,
    *,
    workspace: str | None = None,
    storage: str | None = None,
    event_hub_rule: str | None = None,
    event_hub_name: str | None = None,
    partner: str | None = None,
    logs: Iterable[str | tuple[str, bool] | Doc] | None = None,
    category_group: str | None = None,
    style: str = "reference",
) -> Doc:
    """A subscription diagnostic setting (2021-05-01-preview).

    ``logs``: category names (enabled), ``(category, enabled)`` tuples or raw entries;
    ``category_group="allLogs"`` adds ``{"categoryGroup": "allLogs", "enabled": true}``.
    ``style="reference"``: as the official examples (no leading slash, ``AzureResourceManager``
    namespace, ``type: null``); ``style="portal"``: ``/subscriptions/.../providers/
    microsoft.insights/diagnosticSettings/x`` with ``type: Microsoft.Insights/diagnosticSettings``.
    """
    g = _guid_of(sub)
    if style == "reference":
        sid, typ = f"subscriptions/{g}/providers/AzureResourceManager/diagnosticSettings/{name}", None
    elif style == "portal":
        sid, typ = f"/subscriptions/{g}/providers/microsoft.insights/diagnosticSettings/{name}", \
            "Microsoft.Insights/diagnosticSettings"
    else:
        raise ValueError(f"unknown style {style!r}")
    props = _destinations(workspace, storage, event_hub_rule, event_hub_name, partner)
    props["logs"] = _logs(logs, category_group)
    return {"id": sid, "type": typ, "name": name, "properties": props}


def mg_diagnostic_setting(
    mg: str,
    name: str,
    *,
    workspace: str | None = None,
    storage: str | None = None,
    event_hub_rule: str | None = None,
    event_hub_name: str | None = None,
    logs: Iterable[str | tuple[str, bool] | Doc] | None = ("Administrative", "Policy"),
    category_group: str | None = None,
) -> Doc:
    """A management-group diagnostic setting (only Administrative and Policy exist there)."""
    props = _destinations(workspace, storage, event_hub_rule, event_hub_name, None)
    props["logs"] = _logs(logs, category_group)
    return {
        "id": f"{scope_id(mg)}/providers/microsoft.insights/diagnosticSettings/{name}",
        "type": None,
        "name": name,
        "properties": props,
    }


def log_profile(sub: str, name: str = "default", storage: str | None = None, service_bus_rule: str = "",
                retention_days: int = 90) -> Doc:
    """A legacy log profile (2016-03-01): ``type: ""``, lower-case ``microsoft.insights``."""
    return {
        "id": f"/subscriptions/{_guid_of(sub)}/providers/microsoft.insights/logprofiles/{name}",
        "type": "",
        "name": name,
        "location": "",
        "tags": None,
        "properties": {
            "storageAccountId": storage or "",
            "serviceBusRuleId": service_bus_rule,
            "locations": ["global"],
            "categories": ["Delete", "Write", "Action"],
            "retentionPolicy": {"enabled": retention_days > 0, "days": retention_days},
        },
    }


# --------------------------------------------------------------------------- destinations


def workspace(sub: str, rg: str, name: str, retention_days: int = 30, location: str = "westeurope", *,
              daily_quota_gb: float = -1.0, ingestion_status: str = "RespectQuota") -> Doc:
    """A Log Analytics workspace (2022-10-01); ARM lower-cases its id's resource group and namespace.
    ``daily_quota_gb`` -1 means no daily cap; ``ingestion_status`` e.g. OverQuota when the cap was reached."""
    g = _guid_of(sub)
    return {
        "properties": {
            "customerId": guid("customer:" + name),
            "provisioningState": "Succeeded",
            "sku": {"name": "PerGB2018", "lastSkuUpdate": "2025-04-11T08:21:30.1244412Z"},
            "retentionInDays": retention_days,
            "features": {"legacy": 0, "searchVersion": 1, "enableLogAccessUsingOnlyResourcePermissions": True},
            "workspaceCapping": {"dailyQuotaGb": daily_quota_gb, "dataIngestionStatus": ingestion_status},
            "publicNetworkAccessForIngestion": "Enabled",
            "publicNetworkAccessForQuery": "Enabled",
            "createdDate": "2025-04-11T08:21:30.1244412Z",
            "modifiedDate": "2026-02-17T13:02:44.5567011Z",
        },
        "id": f"/subscriptions/{g}/resourcegroups/{rg.lower()}/providers/microsoft.operationalinsights/workspaces/"
              f"{name}",
        "name": name,
        "type": "Microsoft.OperationalInsights/workspaces",
        "location": location,
        "tags": {},
    }


def storage_account(sub: str, rg: str, name: str, *, public_blob: bool = False, cmk: bool = False,
                    location: str = "westeurope") -> Doc:
    """A storage account (2023-01-01). ``cmk`` -> ``encryption.keySource = Microsoft.Keyvault``."""
    encryption: Doc = {
        "services": {
            "blob": {"keyType": "Account", "enabled": True, "lastEnabledTime": "2025-04-11T08:22:02.0000000Z"},
            "file": {"keyType": "Account", "enabled": True, "lastEnabledTime": "2025-04-11T08:22:02.0000000Z"},
        },
        "keySource": "Microsoft.Keyvault" if cmk else "Microsoft.Storage",
        "requireInfrastructureEncryption": False,
    }
    if cmk:
        encryption["keyvaultproperties"] = {
            "keyname": f"{name}-cmk",
            "keyvaulturi": f"https://kv-{name[:14]}.vault.azure.net",
            "keyversion": "",
        }
    return {
        "sku": {"name": "Standard_GRS", "tier": "Standard"},
        "kind": "StorageV2",
        "id": storage_id(sub, rg, name),
        "name": name,
        "type": "Microsoft.Storage/storageAccounts",
        "location": location,
        "tags": {},
        "properties": {
            "minimumTlsVersion": "TLS1_2",
            "allowBlobPublicAccess": public_blob,
            "supportsHttpsTrafficOnly": True,
            "encryption": encryption,
            "accessTier": "Cool",
            "provisioningState": "Succeeded",
            "creationTime": "2025-04-11T08:22:01.8935274Z",
            "primaryEndpoints": {"blob": f"https://{name}.blob.core.windows.net/"},
            "primaryLocation": location,
            "statusOfPrimary": "available",
        },
    }


def eventhub_namespace(sub: str, rg: str, name: str, location: str = "West Europe") -> Doc:
    return {
        "sku": {"name": "Standard", "tier": "Standard", "capacity": 1},
        "id": eventhub_namespace_id(sub, rg, name),
        "name": name,
        "type": "Microsoft.EventHub/Namespaces",
        "location": location,
        "tags": {},
        "properties": {
            "provisioningState": "Succeeded",
            "status": "Active",
            "serviceBusEndpoint": f"https://{name}.servicebus.windows.net:443/",
            "createdAt": "2025-05-02T10:11:12.13Z",
            "updatedAt": "2025-05-02T10:12:40.5Z",
            "kafkaEnabled": True,
        },
    }


def eventhub_authorization_rule(sub: str, rg: str, namespace: str, name: str = "RootManageSharedAccessKey",
                                rights: Sequence[str] = ("Listen", "Manage", "Send")) -> Doc:
    return {
        "id": f"{eventhub_namespace_id(sub, rg, namespace)}/authorizationRules/{name}",
        "name": name,
        "type": "Microsoft.EventHub/Namespaces/AuthorizationRules",
        "location": "West Europe",
        "properties": {"rights": list(rights)},
    }


# --------------------------------------------------------------------------- alerts


def leaf(field: str, equals: str) -> Doc:
    return {"field": field, "equals": equals}


def alert_condition(
    operations: Sequence[str],
    *,
    category: str | None = "Administrative",
    any_of: bool | None = None,
    extra: Sequence[Doc] = (),
) -> Doc:
    """An activity log alert condition requiring one of ``operations``.

    One operation: ``allOf: [category, operationName]``; several (or ``any_of=True``): the
    operations in an ``anyOf`` inside ``allOf``. ``extra`` appends further leaves (narrowing).
    """
    all_of: list[Doc] = []
    if category is not None:
        all_of.append(leaf("category", category))
    use_any = any_of if any_of is not None else len(operations) > 1
    if use_any:
        all_of.append({"anyOf": [leaf("operationName", op) for op in operations]})
    else:
        all_of.extend(leaf("operationName", op) for op in operations)
    all_of.extend(extra)
    return {"allOf": all_of}


def activity_log_alert(
    sub: str,
    rg: str,
    name: str,
    *,
    scopes: Sequence[str] | None = None,
    condition: Doc | None = None,
    operations: Sequence[str] = (),
    action_groups: Sequence[str] = (),
    enabled: bool = True,
) -> Doc:
    """An activity log alert (2020-10-01). Default scope: the alert's own subscription."""
    g = _guid_of(sub)
    return {
        "id": resource_id(g, rg, "microsoft.insights/activityLogAlerts", name),
        "type": "Microsoft.Insights/ActivityLogAlerts",
        "name": name,
        "location": "Global",
        "tags": {},
        "properties": {
            "scopes": list(scopes) if scopes is not None else [f"/subscriptions/{g}"],
            "condition": condition if condition is not None else alert_condition(operations),
            "actions": {"actionGroups": [{"actionGroupId": a, "webhookProperties": {}} for a in action_groups]},
            "enabled": enabled,
            "description": f"Alert on {', '.join(operations) or 'activity'}",
        },
    }


def activity_query(operations: Sequence[str], table: str = "AzureActivity") -> str:
    """A KQL query over AzureActivity naming the operations as the portal stores them (upper case)."""
    names = ", ".join(f'"{op.upper()}"' for op in operations)
    return (f"{table}\n| where CategoryValue == \"Administrative\"\n"
            f"| where OperationNameValue in~ ({names})\n| where ActivityStatusValue == \"Success\"")


def scheduled_query_rule(
    sub: str,
    rg: str,
    name: str,
    *,
    scopes: Sequence[str],
    query: str,
    action_groups: Sequence[str] = (),
    enabled: bool = True,
) -> Doc:
    """A log search alert (scheduledQueryRules 2023-03-15-preview): action groups are plain ids."""
    return {
        "id": resource_id(sub, rg, "microsoft.insights/scheduledqueryrules", name),
        "name": name,
        "type": "Microsoft.Insights/scheduledQueryRules",
        "location": "westeurope",
        "tags": {},
        "kind": "LogAlert",
        "properties": {
            "description": "Sensitive operation in the activity log",
            "severity": 1,
            "enabled": enabled,
            "scopes": list(scopes),
            "evaluationFrequency": "PT5M",
            "windowSize": "PT5M",
            "criteria": {
                "allOf": [{
                    "query": query,
                    "timeAggregation": "Count",
                    "dimensions": [],
                    "operator": "GreaterThan",
                    "threshold": 0,
                    "failingPeriods": {"numberOfEvaluationPeriods": 1, "minFailingPeriodsToAlert": 1},
                }]
            },
            "autoMitigate": False,
            "actions": {"actionGroups": list(action_groups), "customProperties": {}},
            "checkWorkspaceAlertsStorageConfigured": False,
            "skipQueryValidation": False,
        },
    }


RECEIVER_KINDS = (
    "emailReceivers", "smsReceivers", "webhookReceivers", "itsmReceivers", "azureAppPushReceivers",
    "automationRunbookReceivers", "voiceReceivers", "logicAppReceivers", "azureFunctionReceivers",
    "armRoleReceivers", "eventHubReceivers",
)


def email_receiver(name: str, address: str) -> Doc:
    return {"name": name, "emailAddress": address, "useCommonAlertSchema": True, "status": "Enabled"}


def action_group(sub: str, rg: str, name: str, *, emails: Sequence[str] = (),
                 receivers: dict[str, list[Doc]] | None = None, enabled: bool = True) -> Doc:
    """An action group (2023-01-01); every receiver list present (empty when unused), as ARM returns it."""
    props: Doc = {"groupShortName": name[:12], "enabled": enabled}
    for kind in RECEIVER_KINDS:
        props[kind] = []
    props["emailReceivers"] = [email_receiver(f"{a.split('@')[0]}_-EmailAction-", a) for a in emails]
    for kind, items in (receivers or {}).items():
        props[kind] = list(items)
    return {
        "id": action_group_id(sub, rg, name),
        "type": "Microsoft.Insights/ActionGroups",
        "name": name,
        "location": "Global",
        "tags": {},
        "properties": props,
    }


# --------------------------------------------------------------------------- policy


def _export_template_resource(destination: str, categories: Sequence[str], logs_param: bool) -> tuple[Doc, Doc]:
    """(template parameters, diagnostic-setting resource) of an export policy's deployment."""
    enabled: Any = "[parameters('logsEnabled')]" if logs_param else True
    logs = [{"category": c, "enabled": enabled} for c in categories]
    prop, param = {
        "log_analytics": ("workspaceId", "logAnalytics"),
        "storage": ("storageAccountId", "storageAccountId"),
        "event_hub": ("eventHubAuthorizationRuleId", "eventHubRuleId"),
    }[destination]
    params: Doc = {param: {"type": "string"}}
    if logs_param:
        params["logsEnabled"] = {"type": "string"}
    resource = {
        "name": "subscriptionToLa" if destination == "log_analytics" else "setbypolicy",
        "type": "Microsoft.Insights/diagnosticSettings",
        "apiVersion": "2017-05-01-preview",
        "location": "Global",
        "properties": {prop: f"[parameters('{param}')]", "logs": logs},
    }
    return params, resource


def export_policy_definition(
    scope: str | None = None,
    name: str = BUILTIN_EXPORT_DEFINITION_NAME,
    *,
    destination: str = "log_analytics",
    categories: Sequence[str] = CATEGORIES,
    default_effect: str = "DeployIfNotExists",
    allowed_effects: Sequence[str] = ("DeployIfNotExists", "Disabled"),
    role_ids: Sequence[str] = (ROLE_MONITORING_CONTRIBUTOR, ROLE_LOG_ANALYTICS_CONTRIBUTOR),
    display_name: str = "Configure Azure Activity logs to stream to specified Log Analytics workspace",
) -> Doc:
    """A DeployIfNotExists policy deploying a subscription activity-log diagnostic setting.

    With the defaults (``scope=None``) this is the built-in 2465583e-4e78-4c15-b6be-a36cbc7c8b0f
    exactly as ``GET /providers/Microsoft.Authorization/policyDefinitions/{name}`` returns it
    (the corpus file ``azure-policy/DataConnectorsAzureActivity.json`` plus ``type``). With a
    scope (group name/id or subscription) it is a custom definition stored there.
    """
    param = {"log_analytics": "logAnalytics", "storage": "storageAccountId", "event_hub": "eventHubRuleId"}[destination]
    prop = {"log_analytics": "workspaceId", "storage": "storageAccountId",
            "event_hub": "eventHubAuthorizationRuleId"}[destination]
    tparams, resource = _export_template_resource(destination, categories, logs_param=True)
    parameters: Doc = {
        param: {
            "type": "String",
            "metadata": {
                "displayName": "Primary Log Analytics workspace" if destination == "log_analytics" else param,
                "description": "If this workspace is outside of the scope of the assignment you must manually "
                               "grant 'Log Analytics Contributor' permissions (or similar) to the policy "
                               "assignment's principal ID." if destination == "log_analytics"
                               else f"The resource id of the {destination} destination",
                "strongType": "omsWorkspace" if destination == "log_analytics" else None,
                "assignPermissions": True,
            },
        },
        "effect": {
            "type": "String",
            "metadata": {"displayName": "Effect", "description": "Enable or disable the execution of the policy"},
            "allowedValues": list(allowed_effects),
            "defaultValue": default_effect,
        },
        "logsEnabled": {
            "type": "String",
            "metadata": {
                "displayName": "Enable logs",
                "description": "Whether to enable logs stream to the Log Analytics workspace - True or False",
            },
            "allowedValues": ["True", "False"],
            "defaultValue": "True",
        },
    }
    if parameters[param]["metadata"]["strongType"] is None:
        del parameters[param]["metadata"]["strongType"]
    builtin = scope is None
    props: Doc = {
        "displayName": display_name,
        "description": "Deploys the diagnostic settings for Azure Activity to stream subscriptions audit logs to a "
                       "Log Analytics workspace to monitor subscription-level events",
        "policyType": "BuiltIn" if builtin else "Custom",
        "mode": "All",
        "metadata": {"version": "1.0.0", "category": "Monitoring"},
        "version": "1.0.0",
        "parameters": parameters,
        "policyRule": {
            "if": {"field": "type", "equals": "Microsoft.Resources/subscriptions"},
            "then": {
                "effect": "[parameters('effect')]",
                "details": {
                    "type": "Microsoft.Insights/diagnosticSettings",
                    "deploymentScope": "Subscription",
                    "existenceScope": "Subscription",
                    "existenceCondition": {
                        "allOf": [
                            {"field": "Microsoft.Insights/diagnosticSettings/logs.enabled",
                             "equals": "[parameters('logsEnabled')]"},
                            {"field": f"Microsoft.Insights/diagnosticSettings/{prop}",
                             "equals": f"[parameters('{param}')]"},
                        ]
                    },
                    "deployment": {
                        "location": "northeurope",
                        "properties": {
                            "mode": "incremental",
                            "template": {
                                "$schema": "https://schema.management.azure.com/schemas/2018-05-01/"
                                           "subscriptionDeploymentTemplate.json#",
                                "contentVersion": "1.0.0.0",
                                "parameters": tparams,
                                "variables": {},
                                "resources": [resource],
                                "outputs": {},
                            },
                            "parameters": {
                                param: {"value": f"[parameters('{param}')]"},
                                "logsEnabled": {"value": "[parameters('logsEnabled')]"},
                            },
                        },
                    },
                    "roleDefinitionIds": [f"/providers/microsoft.authorization/roleDefinitions/{r}" for r in role_ids],
                },
            },
        },
        "versions": ["1.0.0"],
    }
    if builtin:
        did = f"/providers/Microsoft.Authorization/policyDefinitions/{name}"
    else:
        did = f"{scope_id(scope or '')}/providers/Microsoft.Authorization/policyDefinitions/{name}"
        props["metadata"] = {"version": "1.0.0", "category": "Monitoring", "createdBy": guid("creator"),
                             "createdOn": "2025-06-03T12:00:00.0000000Z"}
    return {"properties": props, "id": did, "type": "Microsoft.Authorization/policyDefinitions", "name": name}


def policy_definition(scope: str | None, name: str, policy_rule: Doc, *, parameters: Doc | None = None,
                      display_name: str | None = None, policy_type: str | None = None) -> Doc:
    """Any policy definition (built-in when ``scope`` is None)."""
    did = (f"/providers/Microsoft.Authorization/policyDefinitions/{name}" if scope is None
           else f"{scope_id(scope)}/providers/Microsoft.Authorization/policyDefinitions/{name}")
    return {
        "properties": {
            "displayName": display_name or name,
            "policyType": policy_type or ("BuiltIn" if scope is None else "Custom"),
            "mode": "All",
            "metadata": {"version": "1.0.0", "category": "Monitoring"},
            "version": "1.0.0",
            "parameters": parameters or {},
            "policyRule": policy_rule,
            "versions": ["1.0.0"],
        },
        "id": did,
        "type": "Microsoft.Authorization/policyDefinitions",
        "name": name,
    }


def set_member(reference_id: str, definition_id: str, parameters: dict[str, Any] | None = None) -> Doc:
    """A ``policyDefinitions[]`` entry of a set; parameter values are wrapped as ``{"value": ...}``."""
    return {
        "policyDefinitionReferenceId": reference_id,
        "policyDefinitionId": definition_id,
        "definitionVersion": "1.*.*",
        "parameters": {k: {"value": v} for k, v in (parameters or {}).items()},
        "groupNames": [],
    }


def policy_set_definition(scope: str | None, name: str, members: Sequence[Doc], *,
                          parameters: Doc | None = None, display_name: str | None = None) -> Doc:
    sid = (f"/providers/Microsoft.Authorization/policySetDefinitions/{name}" if scope is None
           else f"{scope_id(scope)}/providers/Microsoft.Authorization/policySetDefinitions/{name}")
    return {
        "name": name,
        "type": "Microsoft.Authorization/policySetDefinitions",
        "id": sid,
        "properties": {
            "displayName": display_name or name,
            "policyType": "BuiltIn" if scope is None else "Custom",
            "description": display_name or name,
            "metadata": {"category": "Monitoring"},
            "parameters": parameters or {},
            "policyDefinitionGroups": [],
            "policyDefinitions": list(members),
            "version": "1.0.0",
            "versions": ["1.0.0"],
        },
    }


def system_identity(principal_id: str, tenant_id: str = TENANT_ID) -> Doc:
    return {"type": "SystemAssigned", "principalId": principal_id, "tenantId": tenant_id}


def user_identity(identity_id: str, principal_id: str) -> Doc:
    return {
        "type": "UserAssigned",
        "userAssignedIdentities": {
            identity_id: {"principalId": principal_id, "clientId": guid("client:" + principal_id)},
        },
    }


def policy_assignment(
    scope: str,
    name: str,
    definition_id: str,
    *,
    identity: Doc | None = None,
    not_scopes: Sequence[str] = (),
    enforcement_mode: str | None = "Default",
    parameters: dict[str, Any] | None = None,
    display_name: str | None = None,
    location: str = "westeurope",
) -> Doc:
    """A policy assignment (2026-06-01). ``parameters`` values are wrapped as ``{"value": ...}``;
    ``enforcement_mode=None`` omits the property (ARM's default is ``Default``)."""
    sc = scope_id(scope)
    doc: Doc = {
        "id": f"{sc}/providers/Microsoft.Authorization/policyAssignments/{name}",
        "type": "Microsoft.Authorization/policyAssignments",
        "name": name,
        "location": location,
    }
    if identity is not None:
        doc["identity"] = identity
    props: Doc = {
        "displayName": display_name or name,
        "description": "",
        "metadata": {"assignedBy": "Platform Team"},
        "policyDefinitionId": definition_id,
        "definitionVersion": "1.*.*",
        "parameters": {k: {"value": v} for k, v in (parameters or {}).items()},
        "scope": sc,
        "notScopes": [scope_id(n) for n in not_scopes],
        "instanceId": guid("instance:" + sc + name),
    }
    if enforcement_mode is not None:
        props["enforcementMode"] = enforcement_mode
    doc["properties"] = props
    return doc


def policy_exemption(scope: str, name: str, assignment_id: str, *, expires_on: str | None = None,
                     reference_ids: Sequence[str] | None = None, category: str = "Waiver",
                     display_name: str | None = None) -> Doc:
    """A policy exemption (2022-07-01-preview); ``expires_on`` like ``2027-03-31T00:00:00Z``."""
    props: Doc = {
        "policyAssignmentId": assignment_id,
        "exemptionCategory": category,
        "displayName": display_name or name,
        "description": display_name or name,
        "metadata": {"requestedBy": "Finance IT"},
    }
    if reference_ids is not None:
        props["policyDefinitionReferenceIds"] = list(reference_ids)
    if expires_on is not None:
        props["expiresOn"] = expires_on
    return {
        "properties": props,
        "systemData": {
            "createdBy": "it-ops@contoso.example",
            "createdByType": "User",
            "createdAt": "2026-01-15T09:30:00.0000000Z",
            "lastModifiedBy": "it-ops@contoso.example",
            "lastModifiedByType": "User",
            "lastModifiedAt": "2026-01-15T09:30:00.0000000Z",
        },
        "id": f"{scope_id(scope)}/providers/Microsoft.Authorization/policyExemptions/{name}",
        "type": "Microsoft.Authorization/policyExemptions",
        "name": name,
    }


def role_assignment(scope: str, principal_id: str, role_guid: str, *, name: str | None = None,
                    role_in_subscription: bool | None = None) -> Doc:
    """A role assignment (2022-04-01). At subscription scope ARM qualifies the role definition id
    with the subscription (``/subscriptions/s/providers/...``); at a group it does not."""
    sc = scope_id(scope)
    n = name or guid(f"ra:{sc}:{principal_id}:{role_guid}")
    in_sub = sc.lower().startswith("/subscriptions/") if role_in_subscription is None else role_in_subscription
    prefix = "/" + "/".join(sc.strip("/").split("/")[:2]) if in_sub else ""
    return {
        "properties": {
            "roleDefinitionId": f"{prefix}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}",
            "principalId": principal_id,
            "principalType": "ServicePrincipal",
            "scope": sc,
            "condition": None,
            "conditionVersion": None,
            "createdOn": "2025-06-03T12:05:00.0000000Z",
            "updatedOn": "2025-06-03T12:05:00.0000000Z",
            "createdBy": None,
            "updatedBy": guid("creator"),
            "delegatedManagedIdentityResourceId": None,
            "description": None,
        },
        "id": f"{sc}/providers/Microsoft.Authorization/roleAssignments/{n}",
        "type": "Microsoft.Authorization/roleAssignments",
        "name": n,
    }


def policy_state(assignment: Doc, sub: str, compliance_state: str, *, definition_id: str | None = None,
                 set_definition_id: str | None = None, reference_id: str | None = None,
                 timestamp: str = "2026-11-28T06:12:44Z", management_group_ids: Sequence[str] = ()) -> Doc:
    """A ``policyStates/latest/queryResults`` record (2019-10-01) for the subscription resource."""
    g = _guid_of(sub)
    ap = assignment["properties"]
    def_id = definition_id or ap["policyDefinitionId"]
    return {
        "@odata.id": None,
        "@odata.context": "https://management.azure.com/subscriptions/" + g
                          + "/providers/Microsoft.PolicyInsights/policyStates/$metadata#latest/$entity",
        "timestamp": timestamp,
        "resourceId": f"/subscriptions/{g}",
        "policyAssignmentId": assignment["id"],
        "policyDefinitionId": def_id,
        "effectiveParameters": "",
        "isCompliant": compliance_state == "Compliant",
        "subscriptionId": g,
        "resourceType": "Microsoft.Resources/subscriptions",
        "resourceLocation": "",
        "resourceGroup": "",
        "resourceTags": "tbd",
        "policyAssignmentName": assignment["name"],
        "policyAssignmentOwner": "tbd",
        "policyAssignmentParameters": "",
        "policyAssignmentScope": ap["scope"],
        "policyDefinitionName": def_id.rsplit("/", 1)[-1],
        "policyDefinitionAction": "deployifnotexists",
        "policyDefinitionCategory": "tbd",
        "policySetDefinitionId": set_definition_id or "",
        "policySetDefinitionName": set_definition_id.rsplit("/", 1)[-1] if set_definition_id else "",
        "policySetDefinitionOwner": None,
        "policySetDefinitionCategory": None,
        "policySetDefinitionParameters": None,
        "managementGroupIds": ",".join(management_group_ids),
        "policyDefinitionReferenceId": reference_id or "",
        "complianceState": compliance_state,
        "policyDefinitionGroupNames": [],
    }


# --------------------------------------------------------------------------- snapshot


def error(scope: str, operation: str, status: int | None = 403, code: str = "AuthorizationFailed",
          message: str | None = None) -> Doc:
    """An ``errors`` entry; ``operation="*"`` means nothing at or below ``scope`` could be read."""
    sc = scope_id(scope)
    return {
        "scope": sc,
        "operation": operation,
        "status": status,
        "code": code,
        "message": message or f"The client does not have authorization to perform '{operation}' over scope '{sc}'.",
    }


def snapshot(
    resources: Sequence[Doc],
    policy_states: Sequence[Doc] = (),
    errors: Sequence[Doc] = (),
    *,
    collected_at: str = COLLECTED_AT,
    root: str = TENANT_ID,
    tenant_id: str = TENANT_ID,
    cloud: str = "AzureCloud",
) -> Doc:
    """A schemaVersion-1 snapshot document (docs/snapshot-format.md). ``root``: group name or id."""
    return {
        "schemaVersion": 1,
        "tool": {"name": "auditor", "version": "0.1.0"},
        "collectedAt": collected_at,
        "cloud": cloud,
        "tenantId": tenant_id,
        "rootManagementGroupId": scope_id(root),
        "resources": copy.deepcopy(list(resources)),
        "policyStates": copy.deepcopy(list(policy_states)),
        "errors": copy.deepcopy(list(errors)),
    }


def tenant(
    resources: Sequence[Doc] = (),
    subscriptions: dict[str, str] | None = None,
    *,
    errors: Sequence[Doc] = (),
    policy_states: Sequence[Doc] = (),
    root: str = "root",
    collected_at: str = COLLECTED_AT,
) -> Doc:
    """A one-group tenant: the audited root group ``root`` holding ``subscriptions`` (GUID -> name),
    each also listed by ``GET /subscriptions``, plus ``resources``. The usual test fixture."""
    subs = subscriptions if subscriptions is not None else {}
    docs: list[Doc] = [
        management_group(root, "Root", parent=None, children=[child_subscription(g, n) for g, n in subs.items()]),
        *[subscription(g, n) for g, n in subs.items()],
        *resources,
    ]
    return snapshot(docs, policy_states, errors, collected_at=collected_at, root=root)
