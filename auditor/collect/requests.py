"""Every request the collector sends, built by the Azure SDKs' own request builders.

Using the builders keeps paths, query parameters and api-versions identical to what the SDK
operations send (see tests/fixtures/azure-rest-examples/README.md). Two reads have no builder
in the pinned SDKs and are spelled out here: policy exemptions (azure-mgmt-resource-policy 1.0.0
has no exemptions group) and Event Hub authorization rules (no Event Hub SDK is a dependency).
"""

from __future__ import annotations

from typing import Any

from azure.core.rest import HttpRequest
from azure.mgmt.authorization.v2022_04_01.operations import _role_assignments_operations as role_ops
from azure.mgmt.managementgroups.operations import _operations as mg_ops
from azure.mgmt.monitor.v2016_03_01.operations import _log_profiles_operations as log_profile_ops
from azure.mgmt.monitor.v2020_10_01.operations import _activity_log_alerts_operations as alert_ops
from azure.mgmt.monitor.v2021_05_01_preview.operations import (
    _management_group_diagnostic_settings_operations as mg_diag_ops,
)
from azure.mgmt.monitor.v2021_05_01_preview.operations import (
    _subscription_diagnostic_settings_operations as sub_diag_ops,
)
from azure.mgmt.monitor.v2022_08_01_preview.operations import _scheduled_query_rules_operations as sqr_ops
from azure.mgmt.monitor.v2023_01_01.operations import _action_groups_operations as action_group_ops
from azure.mgmt.policyinsights.operations import _policy_states_operations as states_ops
from azure.mgmt.resource.policy.operations import _operations as policy_ops
from azure.mgmt.resource.subscriptions.operations import _operations as sub_ops
from azure.mgmt.resourcegraph.operations import _resource_graph_client_operations as graph_ops

from auditor.azure import arm

EXEMPTIONS_API_VERSION = "2022-07-01-preview"
# Destinations read over REST when Resource Graph does not cover their subscription.
DESTINATION_API_VERSIONS = {
    arm.WORKSPACE: ("Microsoft.OperationalInsights/workspaces", "2022-10-01"),
    arm.STORAGE_ACCOUNT: ("Microsoft.Storage/storageAccounts", "2023-01-01"),
    arm.EVENTHUB_NAMESPACE: ("Microsoft.EventHub/namespaces", "2021-11-01"),
}
EVENTHUB_API_VERSION = "2021-11-01"
# collect --verify-delivery: no SDK of these providers is a dependency, so they are spelled out.
PRICINGS_API_VERSION = "2024-01-01"
CATEGORY_SOURCE_API_VERSIONS = {
    arm.AUTOSCALE_SETTING: ("Microsoft.Insights/autoscalesettings", "2022-10-01"),
    arm.METRIC_ALERT: ("Microsoft.Insights/metricAlerts", "2018-03-01"),
}
# Only the records the analysis reads: the DeployIfNotExists export policy targets the
# subscription itself, so its compliance records are those of subscription resources.
POLICY_STATES_FILTER = "resourceType eq 'Microsoft.Resources/subscriptions'"


def management_groups_list() -> HttpRequest:
    return mg_ops.build_management_groups_list_request()


def management_group(name: str) -> HttpRequest:
    return mg_ops.build_management_groups_get_request(group_id=name, expand="children")


def subscriptions_list() -> HttpRequest:
    return sub_ops.build_subscriptions_list_request()


def subscription(guid: str) -> HttpRequest:
    return sub_ops.build_subscriptions_get_request(subscription_id=guid)


def tenants_list() -> HttpRequest:
    return sub_ops.build_tenants_list_request()


def group_diagnostic_settings(name: str) -> HttpRequest:
    return mg_diag_ops.build_list_request(management_group_id=name)


def subscription_diagnostic_settings(guid: str) -> HttpRequest:
    return sub_diag_ops.build_list_request(subscription_id=guid)


def log_profiles(guid: str) -> HttpRequest:
    return log_profile_ops.build_list_request(subscription_id=guid)


def group_policy_assignments(name: str, *, inherited: bool = False) -> HttpRequest:
    """At the group only, or (``inherited``) at the group and the groups above it."""
    return policy_ops.build_policy_assignments_list_for_management_group_request(
        management_group_id=name, filter="atScope()" if inherited else "atExactScope()")


def subscription_policy_assignments(guid: str) -> HttpRequest:
    """Unfiltered: assignments at the subscription, inherited ones and those inside it."""
    return policy_ops.build_policy_assignments_list_request(subscription_id=guid)


def policy_exemptions(scope: str, *, exact: bool, inherited: bool = False) -> HttpRequest:
    """``exact``: at the scope only; else unfiltered (at, above and below the scope)."""
    params: dict[str, Any] = {"api-version": EXEMPTIONS_API_VERSION}
    if exact:
        params["$filter"] = "atExactScope()"
    elif inherited:
        params["$filter"] = "atScope()"
    return HttpRequest("GET", f"{arm.display_id(scope)}/providers/Microsoft.Authorization/policyExemptions",
                       params=params, headers={"Accept": "application/json"})


def policy_exemption(exemption_id: str) -> HttpRequest:
    return HttpRequest("GET", arm.display_id(exemption_id), params={"api-version": EXEMPTIONS_API_VERSION},
                       headers={"Accept": "application/json"})


def group_role_assignments(group_id: str) -> HttpRequest:
    return role_ops.build_list_for_scope_request(scope=arm.display_id(group_id).lstrip("/"), filter="atScope()")


def subscription_role_assignments(guid: str) -> HttpRequest:
    return role_ops.build_list_for_subscription_request(subscription_id=guid)


def policy_definition(def_id: str, *, is_set: bool) -> HttpRequest:
    """GET of a (set) definition by id: built-in, at a management group, or at a subscription."""
    name = arm.last_segment(def_id)
    mg = arm.management_group_name_of(def_id)
    sub = arm.subscription_id_of(def_id)
    if is_set:
        if sub:
            return policy_ops.build_policy_set_definitions_get_request(
                policy_set_definition_name=name, subscription_id=sub)
        if mg:
            return policy_ops.build_policy_set_definitions_get_at_management_group_request(
                management_group_id=_mg_name_as_written(def_id), policy_set_definition_name=name)
        return policy_ops.build_policy_set_definitions_get_built_in_request(policy_set_definition_name=name)
    if sub:
        return policy_ops.build_policy_definitions_get_request(policy_definition_name=name, subscription_id=sub)
    if mg:
        return policy_ops.build_policy_definitions_get_at_management_group_request(
            management_group_id=_mg_name_as_written(def_id), policy_definition_name=name)
    return policy_ops.build_policy_definitions_get_built_in_request(policy_definition_name=name)


def _mg_name_as_written(arm_id: str) -> str:
    parts = arm.display_id(arm_id).split("/")
    return parts[4] if len(parts) > 4 else ""


def group_policy_states(name: str) -> HttpRequest:
    return states_ops.build_list_query_results_for_management_group_request(
        policy_states_resource="latest", management_group_name=name, filter=POLICY_STATES_FILTER)


def subscription_policy_states(guid: str) -> HttpRequest:
    return states_ops.build_list_query_results_for_subscription_request(
        policy_states_resource="latest", subscription_id=guid, filter=POLICY_STATES_FILTER)


def activity_log_alerts(guid: str) -> HttpRequest:
    return alert_ops.build_list_by_subscription_id_request(subscription_id=guid)


def scheduled_query_rules(guid: str) -> HttpRequest:
    return sqr_ops.build_list_by_subscription_request(subscription_id=guid)


def action_groups(guid: str) -> HttpRequest:
    return action_group_ops.build_list_by_subscription_id_request(subscription_id=guid)


def destinations_in_subscription(guid: str, kind: str) -> HttpRequest:
    rtype, version = DESTINATION_API_VERSIONS[kind]
    return HttpRequest("GET", f"/subscriptions/{guid}/providers/{rtype}", params={"api-version": version},
                       headers={"Accept": "application/json"})


def eventhub_authorization_rule(rule_id: str) -> HttpRequest:
    return HttpRequest("GET", arm.display_id(rule_id), params={"api-version": EVENTHUB_API_VERSION},
                       headers={"Accept": "application/json"})


def resource_graph(query: str, *, management_group: str | None, skip_token: str | None,
                   page_size: int) -> HttpRequest:
    """A Resource Graph query at a management group (or the whole tenant when None), objectArray rows."""
    options: dict[str, Any] = {"resultFormat": "objectArray", "$top": page_size}
    if skip_token:
        options["$skipToken"] = skip_token
    body: dict[str, Any] = {"query": query, "options": options}
    if management_group:
        body["managementGroups"] = [management_group]
    return graph_ops.build_resources_request(json=body, content_type="application/json")


def defender_pricings(guid: str) -> HttpRequest:
    return HttpRequest("GET", f"/subscriptions/{guid}/providers/Microsoft.Security/pricings",
                       params={"api-version": PRICINGS_API_VERSION}, headers={"Accept": "application/json"})


def category_sources(guid: str, kind: str) -> HttpRequest:
    rtype, version = CATEGORY_SOURCE_API_VERSIONS[kind]
    return HttpRequest("GET", f"/subscriptions/{guid}/providers/{rtype}", params={"api-version": version},
                       headers={"Accept": "application/json"})

