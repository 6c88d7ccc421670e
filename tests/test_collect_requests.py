"""The collector's requests: the exact URLs the azure-mgmt-* operations send, built with public API only.

The expected URLs were printed by the SDKs' own request builders (azure-mgmt-managementgroups
2.0.0, -resource-subscriptions 1.0.0, -resource-policy 1.0.0, -monitor 6.0.2, -policyinsights
1.0.1, -authorization 4.0.0, -resourcegraph 8.0.1) before the collector stopped importing them,
so the move to ``azure.core.rest.HttpRequest`` changed no byte on the wire.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from auditor.collect import requests as rq

G = "11111111-1111-1111-1111-111111111111"
MG = "/providers/Microsoft.Management/managementGroups/mg1"
_DS = "Microsoft.Insights/diagnosticSettings?api-version=2021-05-01-preview"
_STATES = ("Microsoft.PolicyInsights/policyStates/latest/queryResults?api-version=2019-10-01"
           "&$filter=resourceType%20eq%20%27Microsoft.Resources%2Fsubscriptions%27")
_AUTH = "Microsoft.Authorization"

SDK_URLS = [
    (rq.management_groups_list(), "GET", "/providers/Microsoft.Management/managementGroups?api-version=2023-04-01"),
    (rq.management_group("mg1"), "GET", f"{MG}?api-version=2023-04-01&$expand=children"),
    (rq.subscriptions_list(), "GET", "/subscriptions?api-version=2022-12-01"),
    (rq.subscription(G), "GET", f"/subscriptions/{G}?api-version=2022-12-01"),
    (rq.tenants_list(), "GET", "/tenants?api-version=2022-12-01"),
    (rq.group_diagnostic_settings("mg1"), "GET", f"{MG}/providers/{_DS}"),
    (rq.subscription_diagnostic_settings(G), "GET", f"/subscriptions/{G}/providers/{_DS}"),
    (rq.log_profiles(G), "GET", f"/subscriptions/{G}/providers/Microsoft.Insights/logprofiles?api-version=2016-03-01"),
    (rq.group_policy_assignments("mg1"), "GET",
     f"{MG}/providers/{_AUTH}/policyAssignments?api-version=2026-06-01&$filter=atExactScope%28%29"),
    (rq.group_policy_assignments("mg1", inherited=True), "GET",
     f"{MG}/providers/{_AUTH}/policyAssignments?api-version=2026-06-01&$filter=atScope%28%29"),
    (rq.subscription_policy_assignments(G), "GET",
     f"/subscriptions/{G}/providers/{_AUTH}/policyAssignments?api-version=2026-06-01"),
    (rq.group_role_assignments(MG), "GET",
     f"{MG}/providers/{_AUTH}/roleAssignments?$filter=atScope()&api-version=2022-04-01"),
    (rq.subscription_role_assignments(G), "GET",
     f"/subscriptions/{G}/providers/{_AUTH}/roleAssignments?api-version=2022-04-01"),
    (rq.policy_definition(f"/subscriptions/{G}/providers/{_AUTH}/policyDefinitions/d1", is_set=False), "GET",
     f"/subscriptions/{G}/providers/{_AUTH}/policyDefinitions/d1?api-version=2026-06-01"),
    (rq.policy_definition(f"/subscriptions/{G}/providers/{_AUTH}/policySetDefinitions/d1", is_set=True), "GET",
     f"/subscriptions/{G}/providers/{_AUTH}/policySetDefinitions/d1?api-version=2026-06-01"),
    (rq.policy_definition(f"{MG}/providers/{_AUTH}/policyDefinitions/d1", is_set=False), "GET",
     f"{MG}/providers/{_AUTH}/policyDefinitions/d1?api-version=2026-06-01"),
    (rq.policy_definition(f"{MG}/providers/{_AUTH}/policySetDefinitions/d1", is_set=True), "GET",
     f"{MG}/providers/{_AUTH}/policySetDefinitions/d1?api-version=2026-06-01"),
    (rq.policy_definition(f"/providers/{_AUTH}/policyDefinitions/d1", is_set=False), "GET",
     f"/providers/{_AUTH}/policyDefinitions/d1?api-version=2026-06-01"),
    (rq.policy_definition(f"/providers/{_AUTH}/policySetDefinitions/d1", is_set=True), "GET",
     f"/providers/{_AUTH}/policySetDefinitions/d1?api-version=2026-06-01"),
    (rq.group_policy_states("mg1"), "POST", f"{MG}/providers/{_STATES}"),
    (rq.subscription_policy_states(G), "POST", f"/subscriptions/{G}/providers/{_STATES}"),
    (rq.activity_log_alerts(G), "GET",
     f"/subscriptions/{G}/providers/Microsoft.Insights/activityLogAlerts?api-version=2020-10-01"),
    (rq.scheduled_query_rules(G), "GET",
     f"/subscriptions/{G}/providers/Microsoft.Insights/scheduledQueryRules?api-version=2022-08-01-preview"),
    (rq.action_groups(G), "GET",
     f"/subscriptions/{G}/providers/Microsoft.Insights/actionGroups?api-version=2023-01-01"),
]


@pytest.mark.parametrize(("request_", "method", "url"), SDK_URLS, ids=[u for _, _, u in SDK_URLS])
def test_requests_are_byte_for_byte_what_the_sdk_operations_sent(request_: object, method: str, url: str) -> None:
    assert (request_.method, request_.url) == (method, url)  # type: ignore[attr-defined]


def test_resource_graph_query_body_is_the_sdk_shape() -> None:
    req = rq.resource_graph("Resources | take 1", management_group="mg1", skip_token="tok", page_size=1000)
    assert (req.method, req.url) == ("POST", "/providers/Microsoft.ResourceGraph/resources?api-version=2021-03-01")
    assert json.loads(req.content) == {"query": "Resources | take 1", "managementGroups": ["mg1"],
                                       "options": {"resultFormat": "objectArray", "$top": 1000, "$skipToken": "tok"}}
    assert req.headers["Content-Type"] == "application/json"
    tenant_wide = rq.resource_graph("Resources", management_group=None, skip_token=None, page_size=5)
    assert json.loads(tenant_wide.content) == {"query": "Resources", "options": {"resultFormat": "objectArray",
                                                                                 "$top": 5}}


# Names that are private in the Azure SDK packages: what the collector used to reach for.
_PRIVATE_SDK_ATTRIBUTES = {"_client", "_send_request", "_pipeline", "_method_whitelist", "_config",
                           "_serialize", "_deserialize"}


def test_the_product_uses_only_public_azure_sdk_names() -> None:
    """No ``azure.*`` module or name starting with ``_`` is imported, and no SDK-private attribute is read."""
    offences: list[str] = []
    for path in sorted(Path("auditor").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("azure"):
                parts = (node.module or "").split(".") + [a.name for a in node.names]
                offences += [f"{path}:{node.lineno} from {node.module} import {p}" for p in parts if p.startswith("_")]
            elif isinstance(node, ast.Import):
                offences += [f"{path}:{node.lineno} import {a.name}" for a in node.names
                             if a.name.startswith("azure") and any(p.startswith("_") for p in a.name.split("."))]
            elif isinstance(node, ast.Attribute) and node.attr in _PRIVATE_SDK_ATTRIBUTES:
                offences.append(f"{path}:{node.lineno} .{node.attr}")
    assert offences == []
