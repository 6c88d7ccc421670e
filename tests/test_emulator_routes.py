"""Which operation and scope each ARM path counts as (what recorded errors and throttling key on)."""

from __future__ import annotations

import pytest
from test_emulator_data import MG, SUB_DIAG, SUB_POLICY, tenant_snapshot

from auditor import operations as op
from auditor.emulator.http import Answer, Ctx
from auditor.emulator.routes import RESOURCE_GRAPH, Route, resolve
from auditor.emulator.store import SnapshotStore

S = f"/subscriptions/{SUB_DIAG}"
RG = f"{S}/resourceGroups/apptest"
CASES = [
    ("GET", "/providers/Microsoft.Management/managementGroups", op.MANAGEMENT_GROUPS, ""),
    ("GET", MG + "DevOrg", op.MANAGEMENT_GROUPS, "/providers/microsoft.management/managementgroups/devorg"),
    ("GET", MG + "DevOrg/descendants", op.MANAGEMENT_GROUPS, "/providers/microsoft.management/managementgroups/devorg"),
    ("POST", "/providers/Microsoft.Management/getEntities", op.MANAGEMENT_GROUPS, ""),
    ("GET", "/providers/Microsoft.Management/getEntities", op.MANAGEMENT_GROUPS, ""),
    ("GET", "/subscriptions", op.SUBSCRIPTIONS, ""),
    ("GET", S, op.SUBSCRIPTIONS, S),
    ("GET", f"{S}/providers/Microsoft.Insights/diagnosticSettings", op.DIAGNOSTIC_SETTINGS, S),
    ("GET", f"{S}/providers/Microsoft.Insights/diagnosticSettings/ds4", op.DIAGNOSTIC_SETTINGS, S),
    ("GET", f"{S}/providers/microsoft.insights/diagnosticSettings/absent", op.DIAGNOSTIC_SETTINGS, S),
    ("GET", MG + "DevOrg/providers/Microsoft.Insights/diagnosticSettings", op.DIAGNOSTIC_SETTINGS,
     "/providers/microsoft.management/managementgroups/devorg"),
    ("GET", f"{S}/providers/Microsoft.Insights/logprofiles", op.LOG_PROFILES, S),
    ("GET", f"{S}/providers/Microsoft.Authorization/policyAssignments", op.POLICY_ASSIGNMENTS, S),
    ("GET", MG + "DevOrg/providers/Microsoft.Authorization/policyAssignments", op.POLICY_ASSIGNMENTS,
     "/providers/microsoft.management/managementgroups/devorg"),
    ("GET", f"/subscriptions/{SUB_POLICY}/providers/Microsoft.Authorization/policyAssignments/EnforceNaming",
     op.POLICY_ASSIGNMENTS, f"/subscriptions/{SUB_POLICY}"),
    ("GET", "/providers/Microsoft.Authorization/policyDefinitions/7433c107-6db4-4ad1-b57a-a76dce0154a1",
     op.POLICY_DEFINITIONS, ""),
    ("GET", MG + "DevOrg/providers/Microsoft.Authorization/policySetDefinitions", op.POLICY_SET_DEFINITIONS,
     "/providers/microsoft.management/managementgroups/devorg"),
    ("GET", f"{S}/providers/Microsoft.Authorization/policyExemptions", op.POLICY_EXEMPTIONS, S),
    ("GET", f"{S}/providers/Microsoft.Authorization/roleAssignments", op.ROLE_ASSIGNMENTS, S),
    ("POST", f"{S}/providers/Microsoft.PolicyInsights/policyStates/latest/queryResults", op.POLICY_STATES, S),
    ("POST", MG + "DevOrg/providers/Microsoft.PolicyInsights/policyStates/latest/queryResults", op.POLICY_STATES,
     "/providers/microsoft.management/managementgroups/devorg"),
    ("GET", f"{S}/providers/Microsoft.Insights/activityLogAlerts", op.ACTIVITY_LOG_ALERTS, S),
    ("GET", f"{S}/providers/Microsoft.Insights/scheduledQueryRules", op.SCHEDULED_QUERY_RULES, S),
    ("GET", f"{RG}/providers/microsoft.insights/actionGroups/ag", op.ACTION_GROUPS, RG.lower()),
    ("GET", f"{S}/providers/Microsoft.OperationalInsights/workspaces", op.DESTINATIONS, S),
    ("GET", f"{RG}/providers/Microsoft.Storage/storageAccounts/appteststorage1", op.DESTINATIONS, RG.lower()),
    ("GET", f"{RG}/providers/Microsoft.EventHub/namespaces/ns/authorizationRules/r", op.DESTINATIONS, RG.lower()),
    ("POST", "/providers/Microsoft.ResourceGraph/resources", RESOURCE_GRAPH, ""),
]


@pytest.mark.parametrize(("method", "path", "operation", "scope"), CASES)
def test_route_operation_and_scope(method: str, path: str, operation: str, scope: str) -> None:
    ctx = Ctx(SnapshotStore.from_source(tenant_snapshot()))
    route = resolve(ctx, method, path)
    assert isinstance(route, Route), route
    assert route.operation == operation
    assert route.scope == scope.lower()


@pytest.mark.parametrize(("method", "path"), [
    ("PUT", f"{S}/providers/Microsoft.Insights/diagnosticSettings/ds4"),
    ("DELETE", MG + "DevOrg"),
    ("PATCH", S),
    ("POST", f"{S}/providers/Microsoft.PolicyInsights/policyStates/latest/triggerEvaluation"),
    ("POST", f"{S}/providers/Microsoft.PolicyInsights/policyStates/latest/summarize"),
    ("HEAD", S),
])
def test_writes_and_other_actions_are_refused(method: str, path: str) -> None:
    ctx = Ctx(SnapshotStore.from_source(tenant_snapshot()))
    answer = resolve(ctx, method, path)
    assert isinstance(answer, Answer) and answer.status == 405
