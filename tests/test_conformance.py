"""Conformance: responses recorded from real Azure, through collection parsing and analysis.

Every file under tests/fixtures/conformance/ is a response body from a public test recording
of an Azure client (sources in tests/fixtures/conformance/README.md and PROVENANCE.md). Each test
passes one through the code that parses it in ``collect`` (page and row readers, the alert
reader) and through the analysis, and asserts the judgement docs/ describe for it. The
recordings share resource ids (the diagnostic setting names the recorded storage account and
workspace), so several combine into one small tenant without changing a value.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import builders as b

from auditor.analysis.checks import check_of
from auditor.analysis.context import AuditContext
from auditor.azure import arm, monitor_alerts
from auditor.azure.hierarchy import build_hierarchy
from auditor.azure.snapshot import build_snapshot
from auditor.collect import argshape
from auditor.collect.bulk import graph_page
from auditor.collect.hosts import HostPolicy
from auditor.collect.options import CLOUDS
from auditor.collect.reader import list_page
from auditor.collect.references import action_group_refs, destination_refs
from auditor.collect.walk import root_of_group_list
from auditor.config import Config

ROOT = Path(__file__).parent / "fixtures" / "conformance"
RECORDED_SUB = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"  # left unscrubbed in the CLI recording's ids
SCRUBBED_SUB = "00000000-0000-0000-0000-000000000000"  # the recordings' scrubbed subscription


def load(name: str) -> Any:
    return json.loads((ROOT / name).read_text())


def fired(doc: dict[str, Any], rule_id: str, sub: str, **config: Any) -> list[Any]:
    ctx = AuditContext(build_snapshot(doc), Config(**config))
    return [f for f in check_of(rule_id)(ctx) if f.scope.lower() == f"/subscriptions/{sub}"]


def exporting_tenant(setting: dict[str, Any], *extra: dict[str, Any]) -> dict[str, Any]:
    """The recorded subscription with a recorded setting, and the recorded destinations in the scrubbed one."""
    return b.tenant([setting, load("storage/storageAccount_get_2021-04-01.json"),
                     load("operationalinsights/workspace_get_2020-03-01-preview.json"), *extra],
                    {RECORDED_SUB: "Recorded", SCRUBBED_SUB: "Destinations"})


# ------------------------------------------------------------------ diagnostic settings


def test_subscription_diagnostic_settings_list_as_returned() -> None:
    items, link = list_page(load("monitor/subscriptionDiagnosticSettings_list_2017-05-01-preview.json"),
                            ("nextLink",))
    assert len(items) == 2 and link is None
    # ARM returns these ids without the leading slash and with type null: still the subscription's.
    assert all(arm.kind_of(d) == arm.DIAGNOSTIC_SETTING for d in items)
    assert {arm.subscription_id_of(d["id"]) for d in items} == {RECORDED_SUB}
    by_kind, _ = destination_refs(items)
    assert len(by_kind[arm.STORAGE_ACCOUNT]) == 2


def test_export_of_every_category_to_the_recorded_storage_account_is_healthy() -> None:
    setting = load("monitor/subscriptionDiagnosticSettings_list_2017-05-01-preview.json")["value"][0]
    doc = exporting_tenant(setting)
    assert fired(doc, "ALA-EXP-001", RECORDED_SUB) == []
    assert fired(doc, "ALA-EXP-002", RECORDED_SUB) == []
    assert fired(doc, "ALA-EXP-003", RECORDED_SUB) == []


def test_export_to_a_deleted_storage_account_is_exp003() -> None:
    # The second recorded setting names a storage account that no recorded response holds: in an
    # audited, readable subscription that destination is gone.
    setting = load("monitor/subscriptionDiagnosticSettings_list_2017-05-01-preview.json")["value"][1]
    found = fired(exporting_tenant(setting), "ALA-EXP-003", RECORDED_SUB)
    assert found and "clitestoipbvxjtsv6hvl5yr" in json.dumps(found[0].evidence)


def test_workspace_retention_of_30_days_is_exp005_unless_storage_keeps_the_logs() -> None:
    setting = load("monitor/subscriptionDiagnosticSetting_put_workspace_2017-05-01-preview.json")
    assert setting["properties"]["workspaceId"].endswith("/workspaces/cliws000004")
    doc = exporting_tenant(setting)
    assert fired(doc, "ALA-EXP-001", RECORDED_SUB) == []
    assert fired(doc, "ALA-EXP-005", RECORDED_SUB) == []  # the storage account keeps them
    # Changed here: the recorded setting without its storage account, the workspace alone.
    del setting["properties"]["storageAccountId"]
    doc = exporting_tenant(setting)
    assert fired(doc, "ALA-EXP-005", RECORDED_SUB, min_retention_days=30) == []
    found = fired(doc, "ALA-EXP-005", RECORDED_SUB, min_retention_days=365)
    # Without an AzureActivity table document the table keeps 90 days, free (Microsoft Learn).
    assert found and found[0].evidence["retention"][0]["days"] == 90
    assert "workspace retentionInDays 30" in found[0].evidence["retention"][0]["setting"]


# ------------------------------------------------------------------ log profiles


def test_recorded_log_profile_is_legacy_exp006() -> None:
    profile = load("monitor/logProfile_put_2016-03-01.json")
    assert arm.kind_of(profile) == arm.LOG_PROFILE  # type null: kind from the id
    doc = b.tenant([profile, load("storage/storageAccount_get_2021-04-01.json")], {SCRUBBED_SUB: "Recorded"})
    assert fired(doc, "ALA-EXP-006", SCRUBBED_SUB)


# ------------------------------------------------------------------ alerts and action groups


def test_recorded_activity_log_alert_covers_nothing() -> None:
    # Disabled, scoped to a resource group, and narrowed to category Security + level Error.
    items, _ = list_page(load("monitor/activityLogAlerts_list_2017-04-01.json"), ("nextLink",))
    alert = items[0]
    assert monitor_alerts.alert_action_groups(alert) == (
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/clitest.rg000001/providers/"
        "microsoft.insights/actionGroups/cliact000002",)
    doc = b.tenant([alert, load("monitor/actionGroup_put_2021-09-01.json")], {SCRUBBED_SUB: "Recorded"})
    assert {f.evidence["operation"] for f in fired(doc, "ALA-ALR-001", SCRUBBED_SUB)} == set(b.SENSITIVE_OPERATIONS)


def test_recorded_action_groups_notify_only_with_a_receiver() -> None:
    assert monitor_alerts.action_group_notifies(load("monitor/actionGroup_get_2022-06-01.json"))
    assert not monitor_alerts.action_group_notifies(load("monitor/actionGroup_get_empty_2022-06-01.json"))
    # 2021-09-01 spells one list "eventhubReceivers": read case-insensitively, still empty.
    assert not monitor_alerts.action_group_notifies(load("monitor/actionGroup_put_2021-09-01.json"))


def test_recorded_scheduled_query_rules_of_both_older_shapes() -> None:
    legacy = monitor_alerts.scheduled_query_rule(load("monitor/scheduledQueryRule_put_2018-04-16.json"))
    assert legacy.enabled and legacy.queries and legacy.scopes
    listed = load("monitor/scheduledQueryRules_list_2021-02-01-preview.json")
    items, _ = list_page(listed, ("nextLink",))
    assert [monitor_alerts.scheduled_query_rule(d).enabled for d in items] == [False, False]
    assert len(action_group_refs(items)) == 1
    # Neither reads AzureActivity: as recorded they cover no sensitive operation.
    doc = b.tenant(items, {SCRUBBED_SUB: "Recorded"})
    assert len(fired(doc, "ALA-ALR-001", SCRUBBED_SUB)) == len(b.SENSITIVE_OPERATIONS)


# ------------------------------------------------------------------ paging


def test_policy_state_page_with_regional_next_link() -> None:
    page = load("policyinsights/policyStates_managementGroup_page1_regional_nextLink.json")
    items, link = list_page(page, ("@odata.nextLink", "nextLink"))
    assert len(items) == 3 and link is not None
    assert link.startswith("https://westus.management.azure.com/providers/Microsoft.Management/managementGroups/")
    assert HostPolicy(CLOUDS["AzureCloud"].arm_endpoint).allows(link)
    assert not HostPolicy(CLOUDS["AzureChinaCloud"].arm_endpoint).allows(link)


def test_resource_graph_page_with_skip_token() -> None:
    rows, token = graph_page(load("resourcegraph/resources_page_skipToken_2021-03-01.json"))
    assert len(rows) == 3 and token and token.startswith("ew0KICAi")
    docs = [argshape.document_from_row(r) for r in rows]
    assert {arm.kind_of(d) for d in docs} >= {arm.STORAGE_ACCOUNT}


def test_current_scheduled_query_rules_list_as_recorded() -> None:
    items, link = list_page(load("monitor/scheduledQueryRules_list_2021-08-01.json"), ("nextLink",))
    assert link is None and [d["name"] for d in items] == ["sq01", "sq02"]
    rules = [monitor_alerts.scheduled_query_rule(d) for d in items]
    assert all(r.enabled for r in rules)
    assert [arm.last_segment(r.action_groups[0]) for r in rules] == ["clitest000003", "clitest000004"]
    assert len(action_group_refs(items)) == 2


# ------------------------------------------------------------------ management groups


def test_management_group_list_names_the_tenant_root() -> None:
    listed, link = list_page(load("managementgroups/managementGroups_list_2018-03-01-preview.json"),
                             ("nextLink", "@nextLink"))
    assert link is None  # sent as "@nextLink": null
    tenant = "c445fb81-7c35-42a5-a47b-4686cb6946f7"
    assert root_of_group_list(listed) == (tenant, tenant)
    # type is "/providers/Microsoft.Management/managementGroups": the id decides the kind.
    assert {arm.kind_of(g) for g in listed} == {arm.MANAGEMENT_GROUP}


def test_management_group_with_its_children_places_the_child_group() -> None:
    group = load("managementgroups/managementGroup_get_expand_children_2021-04-01.json")
    snapshot = build_snapshot(b.snapshot([group], [], [], root="testcligetgroup1",
                                         tenant_id="c7a87cda-9a66-4920-b0f8-869baa04efe0"))
    tree = build_hierarchy(snapshot)
    child = tree.group("/providers/Microsoft.Management/managementGroups/testcligetgroup2")
    assert child is not None
    assert tree.group_ancestors(child.id)[-1:] == ["/providers/microsoft.management/managementgroups/testcligetgroup1"]


# ------------------------------------------------------------------ end to end


def recorded_tenant() -> dict[str, Any]:
    """Every recorded document of the two recorded subscriptions, unchanged, in one snapshot."""
    settings = load("monitor/subscriptionDiagnosticSettings_list_2017-05-01-preview.json")["value"]
    # Only what a collection keeps: destinations and action groups no document names are not read.
    docs = [*settings, load("storage/storageAccount_get_2021-04-01.json"),
            load("monitor/logProfile_put_2016-03-01.json"),
            *load("monitor/activityLogAlerts_list_2017-04-01.json")["value"],
            load("monitor/actionGroup_put_2021-09-01.json"),
            *load("monitor/scheduledQueryRules_list_2021-02-01-preview.json")["value"],
            *load("monitor/scheduledQueryRules_list_2021-08-01.json")["value"]]
    return b.tenant(docs, {RECORDED_SUB: "Recorded", SCRUBBED_SUB: "Destinations"}, root=b.TENANT_ID)


def test_recorded_documents_survive_emulate_collect_and_audit_the_same(tmp_path: Path) -> None:
    from collect_support import assert_round_trip, collect

    from auditor.analysis.engine import audit_snapshot
    from auditor.emulator.runner import running_emulator

    source = recorded_tenant()
    with running_emulator(source, page_size=2, regional_next_links=True) as emu:
        result = collect(emu)
    # Known limit (docs/collection.md): Resource Graph has no "null column" distinct from "no
    # column", so a REST member sent as null ("kind": null, "identity": null, as these recordings
    # have) does not come back on documents read through Resource Graph.
    graph_kinds = set(argshape.ALERT_KINDS) | set(argshape.DESTINATION_KINDS)
    expected = {**source, "resources": [
        {k: v for k, v in d.items() if v is not None} if arm.kind_of(d) in graph_kinds else d
        for d in source["resources"]]}
    assert expected != source
    assert_round_trip(expected, result.snapshot)
    collected = {**result.snapshot, "collectedAt": source["collectedAt"]}
    want, got = audit_snapshot(build_snapshot(source)), audit_snapshot(build_snapshot(collected))
    assert [(f["ruleId"], f["scope"]) for f in want["findings"]] == [(f["ruleId"], f["scope"]) for f in got["findings"]]
    fired_rules = {(f["ruleId"], f["scope"].lower()) for f in want["findings"]}
    assert ("ALA-EXP-006", f"/subscriptions/{SCRUBBED_SUB}") in fired_rules  # the recorded log profile
    assert ("ALA-EXP-003", f"/subscriptions/{RECORDED_SUB}") in fired_rules  # the deleted storage account
    assert ("ALA-EXP-001", f"/subscriptions/{RECORDED_SUB}") not in fired_rules
