"""The real Azure SDK clients against the emulator (no mocks): routes, shapes and paging."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.managementgroups import ManagementGroupsMgmtClient
from azure.mgmt.monitor import MonitorManagementClient
from azure.mgmt.policyinsights import PolicyInsightsClient
from azure.mgmt.policyinsights.models import QueryOptions
from azure.mgmt.resource.policy import PolicyClient
from azure.mgmt.resource.subscriptions import SubscriptionClient
from test_emulator_data import (
    MG,
    SUB_ALERTS,
    SUB_DIAG,
    SUB_LOGPROFILES,
    SUB_POLICY,
    SUB_ROLES,
    example_values,
    tenant_snapshot,
)

from auditor.emulator import RunningEmulator, running_emulator


class StaticToken:
    """A credential that never talks to Entra ID: the emulator accepts any bearer token."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("placeholder", int(time.time()) + 3600 * 24 * 365)


def _mg_diagnostic_setting() -> dict[str, Any]:
    doc = example_values("monitor/getSubscriptionDiagnosticSetting.json")[0]
    doc["id"] = MG + "TestManagementGroup/providers/microsoft.insights/diagnosticSettings/mg-export"
    doc["name"] = "mg-export"
    doc["type"] = "Microsoft.Insights/diagnosticSettings"
    return doc


def _action_group(sub: str) -> dict[str, Any]:
    return {"id": f"/subscriptions/{sub}/resourceGroups/MyResourceGroup1/providers/microsoft.insights/actionGroups/ag1",
            "type": "Microsoft.Insights/ActionGroups", "name": "ag1", "location": "Global",
            "properties": {"groupShortName": "ag1", "enabled": True,
                           "emailReceivers": [{"name": "ops", "emailAddress": "ops@example.com",
                                               "useCommonAlertSchema": True}]}}


@pytest.fixture(scope="module")
def emu() -> Iterator[RunningEmulator]:
    extra = [_mg_diagnostic_setting(), _action_group(SUB_ALERTS)]
    with running_emulator(tenant_snapshot(extra=extra, states_copies=5), page_size=2, throttle_bucket=0) as running:
        yield running


def _kw(emu: RunningEmulator) -> dict[str, Any]:
    return {"base_url": emu.endpoint, "connection_verify": emu.ca_cert}


def test_management_groups_list_get_recurse_entities_descendants(emu: RunningEmulator) -> None:
    client = ManagementGroupsMgmtClient(StaticToken(), **_kw(emu))
    assert sorted(g.name for g in client.management_groups.list()) == [
        "DevOrg", "MyManagementGroup", "TestManagementGroup", "TestRoot"]  # 2 pages of 2
    root = client.management_groups.get("TestRoot", expand="children", recurse=True)
    tmg = next(c for c in root.children if c.name == "TestManagementGroup")
    dev = next(c for c in tmg.children if c.name == "DevOrg")
    assert sorted(c.name for c in dev.children) == sorted([SUB_POLICY, SUB_ROLES])
    direct = client.management_groups.get("testmanagementgroup", expand="children")
    assert {c.name for c in direct.children} == {"DevOrg", SUB_DIAG}
    assert all(not c.children for c in direct.children)
    assert direct.details.parent.id == MG + "TestRoot"
    plain = client.management_groups.get("TestManagementGroup")
    assert plain.children is None
    entities = list(client.entities.list())
    assert len(entities) == 9  # 4 groups + 5 subscriptions, across 5 pages
    by_name = {e.name: e for e in entities}
    assert by_name[SUB_POLICY].type == "/subscriptions"
    assert by_name[SUB_POLICY].parent.id == MG + "DevOrg"
    under = client.management_group_subscriptions.get_subscriptions_under_management_group("DevOrg")
    assert sorted(s.name for s in under) == sorted([SUB_POLICY, SUB_ROLES])
    descendants = {d.name for d in client.management_groups.get_descendants("TestManagementGroup")}
    assert descendants == {"DevOrg", SUB_DIAG, SUB_POLICY, SUB_ROLES}
    with pytest.raises(ResourceNotFoundError):
        client.management_groups.get("NoSuchGroup")


def test_subscriptions_list_and_get(emu: RunningEmulator) -> None:
    client = SubscriptionClient(StaticToken(), **_kw(emu))
    subs = list(client.subscriptions.list())
    assert {s.subscription_id for s in subs} == {SUB_POLICY, SUB_DIAG, SUB_ALERTS, SUB_LOGPROFILES, SUB_ROLES}
    assert client.subscriptions.get(SUB_DIAG).display_name == "Diagnostics"
    with pytest.raises(ResourceNotFoundError):
        client.subscriptions.get("00000000-0000-0000-0000-000000000001")


def test_monitor_diagnostic_settings_log_profiles_alerts(emu: RunningEmulator) -> None:
    monitor = MonitorManagementClient(StaticToken(), SUB_DIAG, **_kw(emu))
    settings = list(monitor.subscription_diagnostic_settings.list())
    assert [s.name for s in settings] == ["ds4"]
    assert settings[0].logs[0].category_group == "allLogs"
    assert monitor.subscription_diagnostic_settings.get("ds4").workspace_id.endswith("/workspaces/test1")
    with pytest.raises(ResourceNotFoundError):
        monitor.subscription_diagnostic_settings.get("missing")
    mg_settings = list(monitor.management_group_diagnostic_settings.list("TestManagementGroup"))
    assert [s.name for s in mg_settings] == ["mg-export"]
    assert list(monitor.management_group_diagnostic_settings.list("DevOrg")) == []
    profiles = MonitorManagementClient(StaticToken(), SUB_LOGPROFILES, **_kw(emu)).log_profiles
    assert sorted(p.name for p in profiles.list()) == ["default", "default2"]
    alerts_client = MonitorManagementClient(StaticToken(), SUB_ALERTS, **_kw(emu))
    alerts = list(alerts_client.activity_log_alerts.list_by_subscription_id())
    assert len(alerts) == len(example_values("monitor/ActivityLogAlertRule_ListBySubscriptionId.json"))
    assert [g.name for g in alerts_client.action_groups.list_by_subscription_id()] == ["ag1"]
    assert list(alerts_client.scheduled_query_rules.list_by_subscription()) == []


def test_policy_assignments_at_scope_include_inherited(emu: RunningEmulator) -> None:
    policy = PolicyClient(StaticToken(), SUB_POLICY, **_kw(emu))
    at_mg = [a.name for a in policy.policy_assignments.list_for_management_group("DevOrg", filter="atScope()")]
    assert sorted(at_mg) == ["TestCostManagement", "TestTagEnforcement"]  # from TestManagementGroup, above
    at_sub = sorted(a.name for a in policy.policy_assignments.list(filter="atScope()"))
    assert at_sub == sorted(["CostManagement", "TagEnforcement", "EnforceNaming",
                             "TestCostManagement", "TestTagEnforcement"])
    exact = policy.policy_assignments.list_for_management_group("DevOrg", filter="atExactScope()")
    assert list(exact) == []
    one = policy.policy_assignments.get_by_id(
        f"/subscriptions/{SUB_POLICY}/providers/Microsoft.Authorization/policyAssignments/EnforceNaming")
    assert one.identity is not None and one.identity.type == "SystemAssigned"


def test_policy_definitions_built_in_management_group_and_subscription(emu: RunningEmulator) -> None:
    policy = PolicyClient(StaticToken(), SUB_POLICY, **_kw(emu))
    built_in = policy.policy_definitions.get_built_in("7433c107-6db4-4ad1-b57a-a76dce0154a1")
    assert built_in.policy_type == "BuiltIn"
    at_mg = policy.policy_definitions.get_at_management_group("MyManagementGroup", "ResourceNaming")
    assert at_mg.policy_type == "Custom"
    assert policy.policy_definitions.get("ResourceNaming").id.startswith(f"/subscriptions/{SUB_POLICY}")
    assert policy.policy_set_definitions.get("CostManagement").name == "CostManagement"
    listed = {d.name for d in policy.policy_definitions.list()}
    assert listed == {"ResourceNaming", "7433c107-6db4-4ad1-b57a-a76dce0154a1"}
    built_ins = {d.name for d in policy.policy_definitions.list_built_in()}
    assert built_ins == {"7433c107-6db4-4ad1-b57a-a76dce0154a1"}


def test_role_assignments_at_scope(emu: RunningEmulator) -> None:
    auth = AuthorizationManagementClient(StaticToken(), SUB_ROLES, **_kw(emu))
    found = list(auth.role_assignments.list_for_scope(f"/subscriptions/{SUB_ROLES}", filter="atScope()"))
    assert [r.principal_id for r in found] == ["ce2ce14e-85d7-4629-bdbc-454d0519d987"]
    none = auth.role_assignments.list_for_scope(
        f"/subscriptions/{SUB_ROLES}", filter="principalId eq '00000000-0000-0000-0000-000000000009'")
    assert list(none) == []
    by_principal = auth.role_assignments.list_for_subscription(
        filter="atScope() and principalId eq 'CE2CE14E-85D7-4629-BDBC-454D0519D987'")
    assert len(list(by_principal)) == 1


def test_policy_states_query_filters_and_pages(emu: RunningEmulator) -> None:
    insights = PolicyInsightsClient(StaticToken(), SUB_POLICY, **_kw(emu))
    states = insights.policy_states
    everything = list(states.list_query_results_for_subscription("latest", SUB_POLICY))
    assert len(everything) == 10  # 5 copies x 2 records, 5 pages of 2
    both = "complianceState eq 'noncompliant' and policyDefinitionAction eq 'audit'"
    non_compliant = list(states.list_query_results_for_subscription("latest", SUB_POLICY, QueryOptions(filter=both)))
    assert len(non_compliant) == 5 and {s.compliance_state for s in non_compliant} == {"NonCompliant"}
    at_group = list(states.list_query_results_for_management_group(
        "latest", "TestRoot", QueryOptions(filter="complianceState eq 'Compliant'")))
    assert len(at_group) == 5
    assert list(states.list_query_results_for_management_group("latest", "MyManagementGroup")) == []
    top = list(states.list_query_results_for_subscription("latest", SUB_POLICY, QueryOptions(top=3)))
    assert len(top) == 3
    with pytest.raises(HttpResponseError) as info:
        list(states.list_query_results_for_subscription(
            "latest", SUB_POLICY, QueryOptions(filter="contains(resourceId, 'x')")))
    assert info.value.status_code == 400


def test_definition_filters_and_resource_type_filter(emu: RunningEmulator) -> None:
    policy = PolicyClient(StaticToken(), SUB_POLICY, **_kw(emu))
    custom = {d.name for d in policy.policy_definitions.list_by_management_group(
        "MyManagementGroup", filter="policyType eq 'Custom'")}
    assert custom == {"ResourceNaming"}
    built_in = {d.name for d in policy.policy_definitions.list_by_management_group(
        "DevOrg", filter="policyType eq 'BuiltIn'")}
    assert built_in == {"7433c107-6db4-4ad1-b57a-a76dce0154a1"}
    states = PolicyInsightsClient(StaticToken(), SUB_POLICY, **_kw(emu)).policy_states
    ips = list(states.list_query_results_for_management_group(
        "latest", "DevOrg", QueryOptions(filter="resourceType eq 'Microsoft.Network/publicIPAddresses'")))
    assert len(ips) == 10
    subs_only = states.list_query_results_for_management_group(
        "latest", "DevOrg", QueryOptions(filter="resourceType eq 'Microsoft.Resources/subscriptions'"))
    assert list(subs_only) == []


def test_sdk_retries_through_injected_faults() -> None:
    with running_emulator(tenant_snapshot(), faults="503=0.3,500=0.1,reset=0.05", seed=11,
                          throttle_bucket=0) as emu:
        monitor = MonitorManagementClient(StaticToken(), SUB_DIAG, base_url=emu.endpoint,
                                          connection_verify=emu.ca_cert, retry_backoff_factor=0.01,
                                          retry_total=10)
        for _ in range(10):
            assert [s.name for s in monitor.subscription_diagnostic_settings.list()] == ["ds4"]
        assert emu.emulator is not None and emu.emulator.requests > 10  # some answers were faults
