"""One reader for every alert-rule and action-group shape (auditor/azure/monitor_alerts.py).

Built from responses recorded against real Azure (tests/fixtures/conformance/monitor/, see
tests/fixtures/conformance/PROVENANCE.md). Where a test needs a value the recording does not
carry (an AzureActivity query, a disabled receiver), it changes that one field and says so.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import builders as b

from auditor.analysis.checks import check_of
from auditor.analysis.context import AuditContext
from auditor.azure import arm, monitor_alerts
from auditor.azure.snapshot import build_snapshot
from auditor.collect.references import action_group_refs
from auditor.config import Config

FIXTURES = Path(__file__).parent / "fixtures" / "conformance" / "monitor"

S = b.guid("shapes-sub")
HUB = b.guid("shapes-central")
WS = b.workspace_id(HUB, "rg-logging", "law-central")
AG = b.action_group_id(HUB, "rg-alerts", "ag-soc")
OPS = b.SENSITIVE_OPERATIONS


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def legacy_rule() -> dict[str, Any]:
    """The recorded 2018-04-16 rule (Az PowerShell), searching the central workspace for the operations."""
    doc = fixture("scheduledQueryRule_put_2018-04-16.json")
    doc["id"] = b.resource_id(HUB, "rg-alerts", "microsoft.insights/scheduledqueryrules", "legacy")
    src = doc["properties"]["source"]
    src["query"], src["dataSourceId"], src["authorizedResources"] = b.activity_query(OPS), WS, [WS]
    doc["properties"]["action"]["aznsAction"]["actionGroup"] = [AG]
    return doc


def preview_rule() -> dict[str, Any]:
    """The recorded 2021-02-01-preview rule with ``actions`` as a list (the 2020-05-01-preview shape)."""
    doc = fixture("scheduledQueryRules_list_2021-02-01-preview.json")["value"][1]
    doc["id"] = b.resource_id(HUB, "rg-alerts", "microsoft.insights/scheduledqueryrules", "preview")
    p = doc["properties"]
    p["enabled"], p["scopes"] = True, [WS]
    p["criteria"]["allOf"][0]["query"] = b.activity_query(OPS)
    p["actions"][0]["actionGroupId"] = AG
    return doc


def recorded_group(**receivers: list[dict[str, Any]]) -> dict[str, Any]:
    """The recorded action group (Azure CLI, 2022-06-01) moved to HUB, receiver lists replaced as given."""
    doc = fixture("actionGroup_get_2022-06-01.json")
    doc["id"] = AG
    doc["properties"].update(receivers)
    return doc


def only_email(status: str) -> dict[str, list[dict[str, Any]]]:
    """Every receiver list empty but the recorded email receiver, with ``status`` as given."""
    email = copy.deepcopy(fixture("actionGroup_get_2022-06-01.json")["properties"]["emailReceivers"][0])
    email["status"] = status
    lists: dict[str, list[dict[str, Any]]] = {k: [] for k in monitor_alerts.RECEIVER_KEYS if k != "incidentReceivers"}
    lists["emailReceivers"] = [email]
    return lists


def tenant(*resources: dict[str, Any]) -> dict[str, Any]:
    export = b.subscription_diagnostic_setting(S, "to-central", category_group="allLogs", workspace=WS)
    return b.tenant([b.workspace(HUB, "rg-logging", "law-central", retention_days=730), export, *resources],
                    {S: "Prod", HUB: "Management"})


def fired(doc: dict[str, Any], rule_id: str) -> set[str]:
    ctx = AuditContext(build_snapshot(doc), Config())
    return {f.evidence["operation"] for f in check_of(rule_id)(ctx)
            if f.scope.lower() == f"/subscriptions/{S}"}


# ------------------------------------------------------------------ the reader, on recordings


def test_2018_04_16_rule_as_recorded() -> None:
    rule = monitor_alerts.scheduled_query_rule(fixture("scheduledQueryRule_put_2018-04-16.json"))
    assert rule.queries == ("traces | summarize AggregatedValue = count() by bin(timestamp, 5m)",)
    assert rule.enabled is True  # sent as the string "true"
    assert rule.action_groups == ()
    assert rule.scopes == ("/subscriptions/ad825170-845c-47db-8f00-11978947b089/resourceGroups/PSCmdletRG"
                           "/providers/microsoft.insights/components/PSCmdletsAI",)


def test_2018_04_16_rule_disabled_by_string_flag() -> None:
    doc = fixture("scheduledQueryRule_put_2018-04-16.json")
    doc["properties"]["enabled"] = "false"
    assert monitor_alerts.scheduled_query_rule(doc).enabled is False


def test_list_actions_shape_as_recorded() -> None:
    sq01, zhoxing = fixture("scheduledQueryRules_list_2021-02-01-preview.json")["value"]
    rule = monitor_alerts.scheduled_query_rule(zhoxing)
    assert rule.queries == ('requests | where resultCode == "500"',)
    assert rule.enabled is False
    assert rule.action_groups == ("/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/"
                                  "default-activitylogalerts/providers/microsoft.insights/actiongroups/zhoxing-test",)
    assert monitor_alerts.scheduled_query_rule(sq01).action_groups == ()


def test_current_shape_reads_plain_ids() -> None:
    doc = b.scheduled_query_rule(HUB, "rg", "r", scopes=[WS], query="AzureActivity", action_groups=[AG, AG.upper()])
    rule = monitor_alerts.scheduled_query_rule(doc)
    assert rule.queries == ("AzureActivity",) and rule.scopes == (WS,)
    assert rule.action_groups == (AG,)  # the same group named twice counts once


def test_collection_and_analysis_read_the_same_action_groups() -> None:
    docs = [legacy_rule(), preview_rule(),
            b.scheduled_query_rule(HUB, "rg", "current", scopes=[WS], query="q", action_groups=[AG]),
            b.activity_log_alert(S, "rg", "ala", operations=OPS, action_groups=[AG])]
    for doc in docs:
        assert monitor_alerts.alert_action_groups(doc) == (AG,), doc["id"]
    assert action_group_refs(docs) == {arm.norm_id(AG)}


# ------------------------------------------------------------------ receivers


def test_recorded_group_notifies() -> None:
    group = fixture("actionGroup_get_2022-06-01.json")
    assert monitor_alerts.action_group_notifies(group)
    kinds = {k for k, _ in monitor_alerts.delivering_receivers(group)}
    assert {"emailReceivers", "webhookReceivers", "eventHubReceivers", "logicAppReceivers"} <= kinds


def test_recorded_group_without_receivers_does_not_notify() -> None:
    assert not monitor_alerts.action_group_notifies(fixture("actionGroup_get_empty_2022-06-01.json"))


def test_disabled_receiver_does_not_deliver() -> None:
    assert monitor_alerts.action_group_notifies(recorded_group(**only_email("Enabled")))
    assert not monitor_alerts.action_group_notifies(recorded_group(**only_email("Disabled")))
    assert not monitor_alerts.action_group_notifies(recorded_group(**only_email("disabled")))
    assert not monitor_alerts.action_group_notifies(recorded_group(**only_email(7)))  # type: ignore[arg-type]


def test_a_disabled_email_beside_a_delivering_webhook_still_notifies() -> None:
    group = recorded_group(emailReceivers=only_email("Disabled")["emailReceivers"])
    assert monitor_alerts.action_group_notifies(group)


# ------------------------------------------------------------------ judgement


def test_2018_04_16_rule_covers_and_notifies() -> None:
    doc = tenant(legacy_rule(), recorded_group(**only_email("Enabled")))
    assert fired(doc, "ALA-ALR-001") == set()
    assert fired(doc, "ALA-ALR-002") == set()


def test_list_actions_rule_covers_and_notifies() -> None:
    doc = tenant(preview_rule(), recorded_group(**only_email("Enabled")))
    assert fired(doc, "ALA-ALR-001") == set()
    assert fired(doc, "ALA-ALR-002") == set()


def test_group_whose_only_receiver_is_disabled_is_alr002() -> None:
    for rule in (legacy_rule(), preview_rule()):
        doc = tenant(rule, recorded_group(**only_email("Disabled")))
        assert fired(doc, "ALA-ALR-001") == set()
        assert fired(doc, "ALA-ALR-002") == set(OPS)


def test_activity_log_alert_with_unsubscribed_receiver_is_alr002() -> None:
    alert = b.activity_log_alert(S, "rg-alerts", "ala", operations=OPS, action_groups=[AG])
    doc = tenant(alert, recorded_group(**only_email("Disabled")))
    assert fired(doc, "ALA-ALR-001") == set()
    assert fired(doc, "ALA-ALR-002") == set(OPS)
