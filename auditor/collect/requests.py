"""Every request the collector sends, as public ``azure.core.rest.HttpRequest`` objects.

Paths, query parameters and api-versions are those the azure-mgmt-* operations send (the
versions are in :mod:`auditor.azure.api_versions`; tests/test_collect_requests.py pins every
URL). The requests go through the SDK clients' public ``send_request``, so answers stay raw JSON
and no private request builder ties the collector to one SDK release.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from azure.core.rest import HttpRequest

from auditor.azure import api_versions as v
from auditor.azure import arm

# Destinations read over REST when Resource Graph does not cover their subscription.
DESTINATION_API_VERSIONS = {
    arm.WORKSPACE: ("Microsoft.OperationalInsights/workspaces", v.WORKSPACES),
    arm.STORAGE_ACCOUNT: ("Microsoft.Storage/storageAccounts", v.STORAGE_ACCOUNTS),
    arm.EVENTHUB_NAMESPACE: ("Microsoft.EventHub/namespaces", v.EVENT_HUBS),
}
# collect --verify-delivery: category sources of subscriptions.
CATEGORY_SOURCE_API_VERSIONS = {
    arm.AUTOSCALE_SETTING: ("Microsoft.Insights/autoscalesettings", v.AUTOSCALE_SETTINGS),
    arm.METRIC_ALERT: ("Microsoft.Insights/metricAlerts", v.METRIC_ALERTS),
}
# Only the records the analysis reads: the DeployIfNotExists export policy targets the
# subscription itself, so its compliance records are those of subscription resources.
POLICY_STATES_FILTER = "resourceType eq 'Microsoft.Resources/subscriptions'"
_JSON = {"Accept": "application/json"}
_MG = "/providers/Microsoft.Management/managementGroups"


def _get(path: str, version: str, **params: Any) -> HttpRequest:
    return HttpRequest("GET", path, params={"api-version": version, **params}, headers=_JSON)


def _quoted(value: str) -> str:
    """A query value percent-encoded as the SDK serializer encodes it (``HttpRequest`` sends params as given)."""
    return quote(value, safe="")


def management_groups_list() -> HttpRequest:
    return HttpRequest("GET", _MG, params={"api-version": v.MANAGEMENT_GROUPS},
                       headers={"Cache-Control": "no-cache", **_JSON})


def management_group(name: str) -> HttpRequest:
    return HttpRequest("GET", f"{_MG}/{name}", params={"api-version": v.MANAGEMENT_GROUPS, "$expand": "children"},
                       headers={"Cache-Control": "no-cache", **_JSON})


def subscriptions_list() -> HttpRequest:
    return _get("/subscriptions", v.SUBSCRIPTIONS)


def subscription(guid: str) -> HttpRequest:
    return _get(f"/subscriptions/{guid}", v.SUBSCRIPTIONS)


def tenants_list() -> HttpRequest:
    return _get("/tenants", v.SUBSCRIPTIONS)


def group_diagnostic_settings(name: str) -> HttpRequest:
    return _get(f"{_MG}/{name}/providers/Microsoft.Insights/diagnosticSettings", v.DIAGNOSTIC_SETTINGS)


def subscription_diagnostic_settings(guid: str) -> HttpRequest:
    return _get(f"/subscriptions/{guid}/providers/Microsoft.Insights/diagnosticSettings", v.DIAGNOSTIC_SETTINGS)


def log_profiles(guid: str) -> HttpRequest:
    return _get(f"/subscriptions/{guid}/providers/Microsoft.Insights/logprofiles", v.LOG_PROFILES)


def group_policy_assignments(name: str, *, inherited: bool = False) -> HttpRequest:
    """At the group only, or (``inherited``) at the group and the groups above it."""
    return _get(f"{_MG}/{name}/providers/Microsoft.Authorization/policyAssignments", v.POLICY,
                **{"$filter": _quoted("atScope()" if inherited else "atExactScope()")})


def subscription_policy_assignments(guid: str) -> HttpRequest:
    """Unfiltered: assignments at the subscription, inherited ones and those inside it."""
    return _get(f"/subscriptions/{guid}/providers/Microsoft.Authorization/policyAssignments", v.POLICY)


def policy_exemptions(scope: str, *, exact: bool, inherited: bool = False) -> HttpRequest:
    """``exact``: at the scope only; else unfiltered (at, above and below the scope)."""
    params: dict[str, Any] = {"api-version": v.POLICY_EXEMPTIONS}
    if exact:
        params["$filter"] = "atExactScope()"
    elif inherited:
        params["$filter"] = "atScope()"
    return HttpRequest("GET", f"{arm.display_id(scope)}/providers/Microsoft.Authorization/policyExemptions",
                       params=params, headers=_JSON)


def policy_exemption(exemption_id: str) -> HttpRequest:
    return _get(arm.display_id(exemption_id), v.POLICY_EXEMPTIONS)


def group_role_assignments(group_id: str) -> HttpRequest:
    # The filter unquoted and first, as the SDK's list_for_scope sends it.
    return HttpRequest("GET", f"{arm.display_id(group_id)}/providers/Microsoft.Authorization/roleAssignments",
                       params={"$filter": "atScope()", "api-version": v.ROLE_ASSIGNMENTS}, headers=_JSON)


def subscription_role_assignments(guid: str) -> HttpRequest:
    return _get(f"/subscriptions/{guid}/providers/Microsoft.Authorization/roleAssignments", v.ROLE_ASSIGNMENTS)


def policy_definition(def_id: str, *, is_set: bool) -> HttpRequest:
    """GET of a (set) definition by id: built-in, at a management group, or at a subscription."""
    name = arm.last_segment(def_id)
    mg = arm.management_group_name_of(def_id)
    sub = arm.subscription_id_of(def_id)
    kind = "policySetDefinitions" if is_set else "policyDefinitions"
    if sub:
        scope = f"/subscriptions/{sub}"
    elif mg:
        scope = f"{_MG}/{_mg_name_as_written(def_id)}"
    else:
        scope = ""
    return _get(f"{scope}/providers/Microsoft.Authorization/{kind}/{name}", v.POLICY)


def _mg_name_as_written(arm_id: str) -> str:
    parts = arm.display_id(arm_id).split("/")
    return parts[4] if len(parts) > 4 else ""


def group_policy_states(name: str) -> HttpRequest:
    return _states(f"{_MG}/{name}")


def subscription_policy_states(guid: str) -> HttpRequest:
    return _states(f"/subscriptions/{guid}")


def _states(scope: str) -> HttpRequest:
    return HttpRequest("POST", f"{scope}/providers/Microsoft.PolicyInsights/policyStates/latest/queryResults",
                       params={"api-version": v.POLICY_STATES, "$filter": _quoted(POLICY_STATES_FILTER)}, headers=_JSON)


def activity_log_alerts(guid: str) -> HttpRequest:
    return _get(f"/subscriptions/{guid}/providers/Microsoft.Insights/activityLogAlerts", v.ACTIVITY_LOG_ALERTS)


def scheduled_query_rules(guid: str) -> HttpRequest:
    return _get(f"/subscriptions/{guid}/providers/Microsoft.Insights/scheduledQueryRules", v.SCHEDULED_QUERY_RULES)


def action_groups(guid: str) -> HttpRequest:
    return _get(f"/subscriptions/{guid}/providers/Microsoft.Insights/actionGroups", v.ACTION_GROUPS)


def destinations_in_subscription(guid: str, kind: str) -> HttpRequest:
    rtype, version = DESTINATION_API_VERSIONS[kind]
    return _get(f"/subscriptions/{guid}/providers/{rtype}", version)


def eventhub_authorization_rule(rule_id: str) -> HttpRequest:
    return _get(arm.display_id(rule_id), v.EVENT_HUBS)


def resource_graph(query: str, *, management_group: str | None, skip_token: str | None,
                   page_size: int) -> HttpRequest:
    """A Resource Graph query at a management group (or the whole tenant when None), objectArray rows."""
    options: dict[str, Any] = {"resultFormat": "objectArray", "$top": page_size}
    if skip_token:
        options["$skipToken"] = skip_token
    body: dict[str, Any] = {"query": query, "options": options}
    if management_group:
        body["managementGroups"] = [management_group]
    return HttpRequest("POST", "/providers/Microsoft.ResourceGraph/resources",
                       params={"api-version": v.RESOURCE_GRAPH}, json=body, headers=_JSON)


def defender_pricings(guid: str) -> HttpRequest:
    return _get(f"/subscriptions/{guid}/providers/Microsoft.Security/pricings", v.DEFENDER_PRICINGS)


def category_sources(guid: str, kind: str) -> HttpRequest:
    rtype, version = CATEGORY_SOURCE_API_VERSIONS[kind]
    return _get(f"/subscriptions/{guid}/providers/{rtype}", version)

