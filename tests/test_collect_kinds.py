"""What the collector gathers: every resource kind of docs/snapshot-format.md, paging to the end,
the Resource Graph fallback, and references read once each. Real SDK clients, real emulator."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from collect_support import assert_round_trip, collect, request_log, tenant

from auditor import operations
from auditor.azure import arm
from auditor.collect import CollectResult, argshape, destination_details
from auditor.emulator.runner import running_emulator

ALL_KINDS = {
    arm.MANAGEMENT_GROUP, arm.SUBSCRIPTION, arm.DIAGNOSTIC_SETTING, arm.LOG_PROFILE, arm.POLICY_ASSIGNMENT,
    arm.POLICY_DEFINITION, arm.POLICY_SET_DEFINITION, arm.POLICY_EXEMPTION, arm.ROLE_ASSIGNMENT,
    arm.ACTIVITY_LOG_ALERT, arm.SCHEDULED_QUERY_RULE, arm.ACTION_GROUP, arm.WORKSPACE, arm.STORAGE_ACCOUNT,
    arm.EVENTHUB_NAMESPACE, arm.EVENTHUB_AUTH_RULE,
}


@pytest.fixture(scope="module")
def paged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], CollectResult, list[Any]]]:
    """A tenant collected with tiny pages everywhere (REST page size 2, Resource Graph $top 7)."""
    source = tenant(40)
    log = tmp_path_factory.mktemp("paged") / "requests.jsonl"
    saved = argshape.PAGE_SIZE
    argshape.PAGE_SIZE = 7
    try:
        with running_emulator(source, page_size=2, request_log=str(log)) as emu:
            result = collect(emu)
    finally:
        argshape.PAGE_SIZE = saved
    yield source, result, request_log(log)


def test_every_kind_is_collected(paged: tuple[dict[str, Any], CollectResult, list[Any]]) -> None:
    source, result, _ = paged
    kinds = Counter(arm.kind_of(d) for d in result.snapshot["resources"])
    assert set(kinds) >= ALL_KINDS, ALL_KINDS - set(kinds)
    assert kinds == Counter(arm.kind_of(d) for d in source["resources"])
    assert result.snapshot["policyStates"]


def test_paging_is_followed_to_the_end(paged: tuple[dict[str, Any], CollectResult, list[Any]]) -> None:
    source, result, log = paged
    assert_round_trip(source, result.snapshot)
    subscription_pages = [e for e in log if e["path"].split("?")[0] == "/subscriptions"]
    listed = sum(1 for d in source["resources"] if arm.kind_of(d) == arm.SUBSCRIPTION)
    assert len(subscription_pages) == -(-listed // 2)  # every page of 2, no more
    graph = [e for e in log if e["path"].lower().startswith("/providers/microsoft.resourcegraph/resources")]
    alerts = sum(1 for d in source["resources"]
                 if arm.kind_of(d) in (arm.ACTIVITY_LOG_ALERT, arm.SCHEDULED_QUERY_RULE, arm.ACTION_GROUP))
    assert len(graph) > alerts // 7  # the alert query alone needs more than that many pages
    state_pages = [e for e in log if "policystates" in e["path"].lower()]
    assert len(state_pages) >= len(source["policyStates"]) // 2


def test_bulk_reads_keep_calls_per_subscription_low(paged: tuple[dict[str, Any], CollectResult, list[Any]]) -> None:
    _, result, log = paged
    per_subscription = Counter(arm.subscription_id_of(e["path"].split("?")[0]) for e in log)
    per_subscription.pop(None, None)
    fallback = {arm.subscription_id_of(e["scope"]) for e in result.errors
                if e["operation"] == operations.ACTIVITY_LOG_ALERTS}
    storage, workspaces = destination_details.in_use_ids(result.snapshot["resources"])
    hosted = Counter(arm.subscription_id_of(i) for i in storage + workspaces)
    for sub, n in per_subscription.items():
        if sub not in fallback:
            # diagnostic settings + log profiles, plus reads by id of exemptions / destinations there,
            # plus 2 retention / Sentinel reads per destination in use it hosts (pages of 2: 3 for rules).
            assert n <= 6 + 3 * hosted[sub], (sub, n)


def test_subscription_not_covered_by_resource_graph_is_read_over_rest(
        paged: tuple[dict[str, Any], CollectResult, list[Any]]) -> None:
    source, result, log = paged
    forbidden = next(e for e in source["errors"] if e["operation"] == operations.ACTIVITY_LOG_ALERTS)
    guid = arm.subscription_id_of(forbidden["scope"])
    paths = {e["path"].split("?")[0].lower() for e in log if arm.subscription_id_of(e["path"]) == guid}
    for suffix in ("microsoft.authorization/policyassignments", "microsoft.authorization/roleassignments",
                   "microsoft.insights/activitylogalerts", "microsoft.insights/scheduledqueryrules",
                   "microsoft.insights/actiongroups", "microsoft.policyinsights/policystates/latest/queryresults"):
        assert f"/subscriptions/{guid}/providers/{suffix}" in paths
    err = next(e for e in result.errors if e["operation"] == operations.ACTIVITY_LOG_ALERTS)
    assert err["status"] == 403 and err["code"] == "AuthorizationFailed"
    assert arm.same_id(err["scope"], forbidden["scope"])
    # What that subscription does allow is still collected (its policy assignment, its states).
    assert any(arm.subscription_id_of(s["resourceId"]) == guid for s in result.snapshot["policyStates"])


def test_definitions_are_read_once_each_and_a_deleted_one_is_absent_not_an_error(
        paged: tuple[dict[str, Any], CollectResult, list[Any]]) -> None:
    _, result, log = paged
    gets = Counter(e["path"].split("?")[0].lower() for e in log
                   if "/policydefinitions/" in e["path"].lower() or "/policysetdefinitions/" in e["path"].lower())
    assert gets and max(gets.values()) == 1
    deleted = [p for p in gets if p.endswith("/deleted-def")]
    assert deleted and all(e["status"] == 404 for e in log if e["path"].lower().startswith(deleted[0]))
    assert not any(e["operation"] in (operations.POLICY_DEFINITIONS, operations.POLICY_SET_DEFINITIONS)
                   for e in result.errors)
    builtin = [d for d in result.snapshot["resources"] if arm.kind_of(d) == arm.POLICY_DEFINITION
               and arm.props(d).get("policyType") == "BuiltIn"]
    assert builtin and builtin[0]["id"].startswith("/providers/Microsoft.Authorization/policyDefinitions/")


def test_only_role_assignments_of_policy_identities_are_kept(
        paged: tuple[dict[str, Any], CollectResult, list[Any]]) -> None:
    _, result, _ = paged
    docs = result.snapshot["resources"]
    principals = {str(a["identity"].get("principalId") or "").lower() for a in docs
                  if arm.kind_of(a) == arm.POLICY_ASSIGNMENT and a.get("identity")}
    principals |= {str(v["principalId"]).lower() for a in docs if arm.kind_of(a) == arm.POLICY_ASSIGNMENT
                   for v in (a.get("identity") or {}).get("userAssignedIdentities", {}).values()}
    roles = [d for d in docs if arm.kind_of(d) == arm.ROLE_ASSIGNMENT]
    assert roles and all(arm.props(r)["principalId"].lower() in principals for r in roles)
    scopes = {arm.norm_id(arm.props(r)["scope"]) for r in roles}
    assert any(s.startswith(arm.MG_PREFIX) for s in scopes) and any(s.startswith("/subscriptions/") for s in scopes)


def test_resource_graph_rows_come_back_as_rest_documents(
        paged: tuple[dict[str, Any], CollectResult, list[Any]]) -> None:
    _, result, _ = paged
    by_kind = {arm.kind_of(d): d for d in result.snapshot["resources"]}
    assert by_kind[arm.ACTIVITY_LOG_ALERT]["type"] == "Microsoft.Insights/ActivityLogAlerts"
    assert by_kind[arm.WORKSPACE]["type"] == "Microsoft.OperationalInsights/workspaces"
    role = by_kind[arm.ROLE_ASSIGNMENT]
    assert set(role) == {"id", "name", "type", "properties"}  # no null columns added
    exemption = by_kind[arm.POLICY_EXEMPTION]
    assert exemption["type"] == "Microsoft.Authorization/policyExemptions"


def test_large_resource_graph_pages_with_default_size(tmp_path: Path) -> None:
    source = tenant(12, errors=False)
    with running_emulator(source) as emu:
        result = collect(emu)
    assert not result.incomplete and result.errors == []
    assert_round_trip(source, result.snapshot)
