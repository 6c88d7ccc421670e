"""ALA-ALR-001/002: coverage of sensitive operations by activity log alerts and central log search alerts."""

from __future__ import annotations

from typing import Any

import builders as b
import pytest

from auditor.analysis.checks import check_of
from auditor.analysis.context import AuditContext
from auditor.azure.snapshot import build_snapshot
from auditor.config import Config
from auditor.rules import rule_by_id
from auditor.rules.base import Finding, control_labels

S = b.guid("alerts-sub")
S2 = b.guid("alerts-sub-2")
HUB = b.guid("alerts-central")  # the central logging subscription
OUTSIDE = b.guid("alerts-outside-tenant")
OPS = b.SENSITIVE_OPERATIONS
NSG_WRITE = "Microsoft.Network/networkSecurityGroups/write"
CENTRAL_WS = b.workspace_id(HUB, "rg-logging", "law-central")
AG = b.action_group_id(HUB, "rg-alerts", "ag-soc")


def fire(doc: dict[str, Any], rule_id: str, **config: Any) -> list[Finding]:
    return list(check_of(rule_id)(AuditContext(build_snapshot(doc), Config(**config))))


def ops_fired(doc: dict[str, Any], rule_id: str, sub: str = S, **config: Any) -> set[str]:
    return {f.evidence["operation"] for f in fire(doc, rule_id, **config)
            if f.scope.lower() == f"/subscriptions/{sub}"}


def base(*resources: dict[str, Any], errors: tuple[dict[str, Any], ...] = ()) -> dict[str, Any]:
    """S (no export) and the central subscription HUB with its workspace and a notifying action group."""
    return b.tenant([
        b.workspace(HUB, "rg-logging", "law-central", retention_days=730),
        b.action_group(HUB, "rg-alerts", "ag-soc", emails=["soc@contoso.example"]),
        *resources,
    ], {S: "Prod", HUB: "Management"}, errors=errors)


def alert(name: str, operations: tuple[str, ...] | list[str] = OPS, **kw: Any) -> dict[str, Any]:
    kw.setdefault("action_groups", [AG])
    return b.activity_log_alert(S, "rg-alerts", name, operations=operations, **kw)


# ----------------------------------------------------------------- ALA-ALR-001


def test_alr001_once_per_operation_without_alerts() -> None:
    found = [f for f in fire(base(), "ALA-ALR-001") if f.scope.lower() == f"/subscriptions/{S}"]
    assert sorted(f.evidence["operation"] for f in found) == sorted(OPS)


def test_alr001_controls_name_the_cis_recommendation_of_the_operation() -> None:
    found = {f.evidence["operation"]: f for f in fire(base(), "ALA-ALR-001") if f.scope.lower().endswith(S)}
    controls = control_labels(found["Microsoft.Authorization/policyAssignments/write"].controls or ())
    assert "CIS Azure 2.0.0 5.2.1" in controls
    assert "CIS Azure 2.0.0 5.2.3" in (control_labels(found[NSG_WRITE].controls or ()))


def test_alr001_one_alert_per_operation_covers_all() -> None:
    alerts = [alert(f"a{i}", [op]) for i, op in enumerate(OPS)]
    assert alerts[0]["properties"]["condition"]["allOf"][1] == {"field": "operationName", "equals": OPS[0]}
    assert ops_fired(base(*alerts), "ALA-ALR-001") == set()


def test_alr001_any_of_inside_all_of_covers() -> None:
    a = alert("all-ops")
    assert "anyOf" in a["properties"]["condition"]["allOf"][1]
    assert ops_fired(base(a), "ALA-ALR-001") == set()


def test_alr001_condition_without_category_covers() -> None:
    a = alert("no-category", condition=b.alert_condition(OPS, category=None))
    assert ops_fired(base(a), "ALA-ALR-001") == set()


def test_alr001_contains_any_on_operation_name_covers() -> None:
    a = alert("contains-any", condition={"allOf": [b.leaf("category", "Administrative"),
                                                   {"field": "operationName", "containsAny": list(OPS)}]})
    assert ops_fired(base(a), "ALA-ALR-001") == set()


def test_alr001_odd_casing_of_names_and_scope_without_slash() -> None:
    a = alert("odd", condition=b.alert_condition([op.upper() for op in OPS], category="administrative"),
              scopes=[f"subscriptions/{S.upper()}"])
    assert ops_fired(base(a), "ALA-ALR-001") == set()


@pytest.mark.parametrize("extra", [b.leaf("resourceGroup", "rg-network"), b.leaf("level", "Error"),
                                   b.leaf("status", "Succeeded"), b.leaf("caller", "alice@contoso.example")])
def test_alr001_narrowed_alert_does_not_cover(extra: dict[str, str]) -> None:
    narrowed = alert("narrowed", [NSG_WRITE], condition=b.alert_condition([NSG_WRITE], extra=[extra]))
    assert NSG_WRITE in ops_fired(base(narrowed), "ALA-ALR-001")


def test_alr001_other_category_does_not_cover() -> None:
    a = alert("security", condition=b.alert_condition(OPS, category="Security"))
    assert ops_fired(base(a), "ALA-ALR-001") == set(OPS)


def test_alr001_disabled_alert_does_not_cover() -> None:
    assert ops_fired(base(alert("off", enabled=False)), "ALA-ALR-001") == set(OPS)


def test_alr001_alert_for_some_operations_only() -> None:
    assert ops_fired(base(alert("nsg", OPS[4:])), "ALA-ALR-001") == set(OPS[:4])


def test_alr001_alert_scoped_elsewhere_does_not_cover() -> None:
    other_sub = alert("other", scopes=[f"/subscriptions/{S2}"])
    resource_group = alert("rg", scopes=[f"/subscriptions/{S}/resourceGroups/rg-network"])
    assert ops_fired(base(other_sub, resource_group), "ALA-ALR-001") == set(OPS)


def test_alr001_alert_with_several_subscription_scopes_covers_each() -> None:
    doc = b.tenant([b.action_group(HUB, "rg-alerts", "ag-soc", emails=["soc@contoso.example"]),
                    alert("both", scopes=[f"/subscriptions/{S}", f"/subscriptions/{S2}"])],
                   {S: "Prod", S2: "Dev", HUB: "Management"})
    fired = {f.scope.lower() for f in fire(doc, "ALA-ALR-001")}
    assert fired == {f"/subscriptions/{HUB}"}


def test_alr001_follows_configured_operations() -> None:
    pip = "Microsoft.Network/publicIPAddresses/write"
    found = fire(base(alert("all")), "ALA-ALR-001", sensitive_operations=(*OPS, pip))
    mine = [f for f in found if f.scope.lower() == f"/subscriptions/{S}"]
    assert [f.evidence["operation"] for f in mine] == [pip]
    assert "CIS Azure 2.0.0 5.2.9" in control_labels(mine[0].controls or ())


# ----------------------------------------------------------------- central log search alerts


def exporting(setting_logs: Any = None, **dest: Any) -> dict[str, Any]:
    dest = dest or {"workspace": CENTRAL_WS}
    if setting_logs is None:
        return b.subscription_diagnostic_setting(S, "to-central", category_group="allLogs", **dest)
    return b.subscription_diagnostic_setting(S, "to-central", logs=setting_logs, **dest)


def central_rule(ops: tuple[str, ...] = OPS, **kw: Any) -> dict[str, Any]:
    kw.setdefault("query", b.activity_query(ops))
    kw.setdefault("action_groups", [AG])
    return b.scheduled_query_rule(HUB, "rg-alerts", "sqr-sensitive", scopes=[CENTRAL_WS], **kw)


def test_central_log_search_alert_covers_exporting_subscription() -> None:
    q = central_rule()["properties"]["criteria"]["allOf"][0]["query"]
    assert q.startswith("AzureActivity") and NSG_WRITE.upper() in q
    assert ops_fired(base(exporting(), central_rule()), "ALA-ALR-001") == set()


def test_central_alert_covers_only_the_operations_it_names() -> None:
    assert ops_fired(base(exporting(), central_rule(OPS[:4])), "ALA-ALR-001") == set(OPS[4:])


def test_central_alert_needs_the_azure_activity_table() -> None:
    rule = central_rule(query=b.activity_query(OPS, table="AuditLogs"))
    assert ops_fired(base(exporting(), rule), "ALA-ALR-001") == set(OPS)


def test_central_alert_disabled_covers_nothing() -> None:
    assert ops_fired(base(exporting(), central_rule(enabled=False)), "ALA-ALR-001") == set(OPS)


def test_central_alert_needs_administrative_in_the_export() -> None:
    assert ops_fired(base(exporting(["Security", "Policy"]), central_rule()), "ALA-ALR-001") == set(OPS)


def test_central_alert_does_not_cover_subscription_exporting_elsewhere() -> None:
    local_ws = b.workspace_id(S, "rg", "law-local")
    doc = base(b.workspace(S, "rg", "law-local", retention_days=365), exporting(workspace=local_ws), central_rule())
    assert ops_fired(doc, "ALA-ALR-001") == set(OPS)


def test_central_alert_does_not_cover_through_a_broken_export() -> None:
    gone = b.workspace_id(HUB, "rg-logging", "law-deleted")
    rule = b.scheduled_query_rule(HUB, "rg-alerts", "sqr", scopes=[gone], query=b.activity_query(OPS),
                                  action_groups=[AG])
    assert ops_fired(base(exporting(workspace=gone), rule), "ALA-ALR-001") == set(OPS)


def test_central_alert_matches_workspace_case_insensitively() -> None:
    # The workspace document's id is lower-cased by ARM; the rule names it as the portal does.
    rule = b.scheduled_query_rule(HUB, "rg-alerts", "sqr", scopes=[CENTRAL_WS.lower()], query=b.activity_query(OPS),
                                  action_groups=[AG])
    assert ops_fired(base(exporting(workspace=CENTRAL_WS.upper().replace("/SUBSCRIPTIONS", "/subscriptions")), rule),
                     "ALA-ALR-001") == set()


def test_central_alert_without_receivers_is_alr002() -> None:
    empty = b.action_group_id(HUB, "rg-alerts", "ag-empty")
    doc = base(b.action_group(HUB, "rg-alerts", "ag-empty"), exporting(), central_rule(action_groups=[empty]))
    assert ops_fired(doc, "ALA-ALR-001") == set()
    assert ops_fired(doc, "ALA-ALR-002") == set(OPS)


# ----------------------------------------------------------------- ALA-ALR-002


def test_alr002_action_group_without_receivers() -> None:
    empty = b.action_group_id(S, "rg-alerts", "ag-nobody")
    doc = base(b.action_group(S, "rg-alerts", "ag-nobody"), alert("all", action_groups=[empty]))
    found = [f for f in fire(doc, "ALA-ALR-002") if f.scope.lower() == f"/subscriptions/{S}"]
    assert sorted(f.evidence["operation"] for f in found) == sorted(OPS)
    assert [g.lower() for g in found[0].evidence["actionGroups"]] == [empty.lower()]
    assert len(found[0].evidence["alerts"]) == 1
    assert ops_fired(doc, "ALA-ALR-001") == set()


def test_alr002_disabled_action_group() -> None:
    off = b.action_group_id(S, "rg-alerts", "ag-off")
    doc = base(b.action_group(S, "rg-alerts", "ag-off", emails=["a@contoso.example"], enabled=False),
               alert("all", action_groups=[off]))
    assert ops_fired(doc, "ALA-ALR-002") == set(OPS)


def test_alr002_alert_without_action_groups() -> None:
    assert ops_fired(base(alert("silent", action_groups=[])), "ALA-ALR-002") == set(OPS)


def test_alr002_silent_when_one_group_notifies() -> None:
    empty = b.action_group_id(S, "rg-alerts", "ag-nobody")
    doc = base(b.action_group(S, "rg-alerts", "ag-nobody"), alert("all", action_groups=[empty, AG]))
    assert ops_fired(doc, "ALA-ALR-002") == set()


def test_alr002_silent_when_another_covering_alert_notifies() -> None:
    empty = b.action_group_id(S, "rg-alerts", "ag-nobody")
    doc = base(b.action_group(S, "rg-alerts", "ag-nobody"), alert("quiet", action_groups=[empty]), alert("loud"))
    assert ops_fired(doc, "ALA-ALR-002") == set()


def test_alr002_webhook_only_group_notifies() -> None:
    hook = b.action_group_id(S, "rg-alerts", "ag-hook")
    doc = base(b.action_group(S, "rg-alerts", "ag-hook", receivers={"webhookReceivers": [
        {"name": "siem", "serviceUri": "https://siem.contoso.example/hook", "useCommonAlertSchema": True}]}),
        alert("all", action_groups=[hook]))
    assert ops_fired(doc, "ALA-ALR-002") == set()


def test_alr002_unverifiable_group_outside_tenant_counts() -> None:
    msp = b.action_group_id(OUTSIDE, "rg-msp", "ag-msp")
    assert ops_fired(base(alert("all", action_groups=[msp])), "ALA-ALR-002") == set()


def test_alr002_group_id_casing_does_not_matter() -> None:
    empty = b.action_group_id(S, "rg-alerts", "ag-nobody")
    doc = base(b.action_group(S, "rg-alerts", "ag-nobody"), alert("all", action_groups=[empty.upper()]))
    assert ops_fired(doc, "ALA-ALR-002") == set(OPS)


def test_alr002_silent_for_uncovered_operations() -> None:
    empty = b.action_group_id(S, "rg-alerts", "ag-nobody")
    doc = base(b.action_group(S, "rg-alerts", "ag-nobody"), alert("nsg", OPS[4:], action_groups=[empty]))
    assert ops_fired(doc, "ALA-ALR-002") == set(OPS[4:])
    assert ops_fired(doc, "ALA-ALR-001") == set(OPS[:4])


# ----------------------------------------------------------------- unreadable data


@pytest.mark.parametrize("operation", ["activityLogAlerts", "*"])
def test_no_alert_findings_where_alerts_were_unreadable(operation: str) -> None:
    doc = base(errors=(b.error(b.sub_id(S), operation),))
    assert ops_fired(doc, "ALA-ALR-001") == set()
    assert ops_fired(doc, "ALA-ALR-002") == set()
    assert [f.evidence["operation"] for f in fire(doc, "ALA-AUD-001")] == [operation]


def test_unreadable_alerts_elsewhere_do_not_silence_this_subscription() -> None:
    doc = base(errors=(b.error(b.sub_id(HUB), "activityLogAlerts"),))
    assert ops_fired(doc, "ALA-ALR-001") == set(OPS)
    assert ops_fired(doc, "ALA-ALR-001", sub=HUB) == set()


def test_no_alert_findings_below_an_unreadable_group() -> None:
    doc = b.snapshot([
        b.management_group("root", "Root", children=[b.child_group("dark", "Dark", children=[
            b.child_subscription(S, "Prod")])]),
        b.subscription(S, "Prod"),
    ], errors=[b.error("dark", "*")], root="root")
    assert fire(doc, "ALA-ALR-001") == []


# ----------------------------------------------------------------- unreadable sources, vanished groups


def test_no_alr001_when_own_log_search_alerts_unreadable() -> None:
    local_ws = b.workspace_id(S, "rg", "law-local")
    doc = base(b.workspace(S, "rg", "law-local", retention_days=365), exporting(workspace=local_ws),
               errors=(b.error(b.sub_id(S), "scheduledQueryRules"),))
    assert ops_fired(doc, "ALA-ALR-001") == set()



def test_no_alr001_when_central_workspace_rules_unreadable() -> None:
    doc = base(exporting(), errors=(b.error(b.sub_id(HUB), "scheduledQueryRules"),))
    assert ops_fired(doc, "ALA-ALR-001") == set()


def test_no_alr001_for_centrally_alerted_operations_when_export_unreadable() -> None:
    doc = base(central_rule(OPS[:4]), errors=(b.error(b.sub_id(S), "diagnosticSettings"),))
    assert ops_fired(doc, "ALA-ALR-001") == set(OPS[4:])


def test_alr002_deleted_action_group_in_readable_subscription() -> None:
    gone = b.action_group_id(S, "rg-alerts", "ag-deleted")
    assert ops_fired(base(alert("all", action_groups=[gone])), "ALA-ALR-002") == set(OPS)


def test_alr002_group_in_subscription_with_unreadable_action_groups_counts() -> None:
    hidden = b.action_group_id(S, "rg-alerts", "ag-hidden")
    doc = base(alert("all", action_groups=[hidden]), errors=(b.error(b.sub_id(S), "actionGroups"),))
    assert ops_fired(doc, "ALA-ALR-002") == set()


def test_operations_outside_the_cis_benchmark_map_to_mcsb_only() -> None:
    found = {f.evidence["operation"]: f for f in fire(base(), "ALA-ALR-001") if f.scope.lower().endswith(S)}
    controls = control_labels(found["Microsoft.Network/networkSecurityGroups/securityRules/write"].controls or ())
    assert not [c for c in controls if c.startswith("CIS")]
    assert "MCSB LT-3" in controls
    sql = found["Microsoft.Sql/servers/firewallRules/write"]
    assert "CIS Azure 2.0.0 5.2.7" in control_labels(sql.controls or ())


@pytest.mark.parametrize("rule_id", ["ALA-ALR-001", "ALA-ALR-002"])
def test_alert_rules_are_medium(rule_id: str) -> None:
    assert rule_by_id(rule_id).severity == "medium"


# Log search rules reach S only through a workspace its export feeds.


def test_alr001_fires_without_export_even_if_own_log_search_rules_unreadable() -> None:
    doc = base(errors=(b.error(b.sub_id(S), "scheduledQueryRules"),))
    assert ops_fired(doc, "ALA-ALR-001") == set(OPS)


def test_alr001_fires_for_storage_only_export_even_if_own_log_search_rules_unreadable() -> None:
    archive = b.storage_id(S, "rg", "starchive")
    doc = base(b.storage_account(S, "rg", "starchive", cmk=True), exporting(storage=archive),
               errors=(b.error(b.sub_id(S), "scheduledQueryRules"),))
    assert ops_fired(doc, "ALA-ALR-001") == set(OPS)


def test_alr001_fires_when_export_unreadable_but_no_central_rule_exists() -> None:
    doc = base(errors=(b.error(b.sub_id(S), "diagnosticSettings"),))
    assert ops_fired(doc, "ALA-ALR-001") == set(OPS)


def test_alr001_fires_when_unrelated_log_search_rules_unreadable() -> None:
    local_ws = b.workspace_id(S, "rg", "law-local")
    doc = base(b.workspace(S, "rg", "law-local", retention_days=365), exporting(workspace=local_ws),
               errors=(b.error(b.sub_id(HUB), "scheduledQueryRules"),))
    assert ops_fired(doc, "ALA-ALR-001") == set(OPS)
