"""Sentinel facts (issue 13 item 4): whether Sentinel is on for a workspace, and its analytics
rules, read from the real response shapes of the SecurityInsights API (2024-03-01 examples)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import builders as b
import builders_sentinel as bs

from auditor.analysis.context import AuditContext
from auditor.analysis.sentinel import analytics_rules, sentinel_on
from auditor.azure import security_insights
from auditor.azure.snapshot import build_snapshot
from auditor.config import Config

FIXTURES = Path(__file__).parent / "fixtures" / "real_azure"
EXAMPLE_WS = ("/subscriptions/d0cfe6b2-9ac0-4464-9919-dccaee2e48c0/resourceGroups/myRg/providers/"
              "Microsoft.OperationalInsights/workspaces/myWorkspace")


def body(name: str) -> list[dict[str, Any]]:
    value: list[dict[str, Any]] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))["responses"]["200"][
        "body"]["value"]
    return value


def test_real_alert_rules_only_scheduled_counts() -> None:
    rules = [security_insights.analytics_rule(d) for d in body("GetAllAlertRules.json")]
    scheduled, incident_creation, fusion = rules
    assert incident_creation is None and fusion is None  # no query of the customer's
    assert scheduled is not None
    assert scheduled.kind == "Scheduled" and scheduled.enabled and scheduled.creates_incident
    assert scheduled.query == "Heartbeat"
    assert scheduled.template is None
    assert security_insights.workspace_of(scheduled.id) == EXAMPLE_WS


def test_real_onboarding_state_names_its_workspace() -> None:
    assert security_insights.onboarded_workspaces(body("GetAllSentinelOnboardingStates.json")) == {
        EXAMPLE_WS.lower()}


def test_legacy_security_insights_solution_counts_as_on() -> None:
    ws = b.workspace_id(b.guid("s"), "rg", "law")
    solution = {
        "id": f"/subscriptions/{b.guid('s')}/resourceGroups/rg/providers/Microsoft.OperationsManagement/"
              "solutions/SecurityInsights(law)",
        "name": "SecurityInsights(law)", "type": "Microsoft.OperationsManagement/solutions",
        "plan": {"name": "SecurityInsights(law)", "product": "OMSGallery/SecurityInsights",
                 "publisher": "Microsoft", "promotionCode": ""},
        "properties": {"workspaceResourceId": ws, "provisioningState": "Succeeded"},
    }
    other = {**solution, "name": "Updates(law)", "id": solution["id"].replace("SecurityInsights", "Updates")}
    assert security_insights.onboarded_workspaces([solution, other]) == {ws.lower()}


def test_nrt_disabled_and_no_incident_rules_are_read_as_such() -> None:
    ws = b.workspace_id(b.guid("s"), "rg", "law")
    nrt = security_insights.analytics_rule(bs.analytics_rule(ws, "n", bs.cis_query("x/write"), kind="NRT",
                                                    create_incident=False))
    off = security_insights.analytics_rule(bs.analytics_rule(ws, "o", "AzureActivity", enabled=False))
    assert nrt is not None and nrt.kind == "NRT" and nrt.enabled and not nrt.creates_incident
    assert off is not None and not off.enabled
    flag = bs.analytics_rule(ws, "s", "AzureActivity")
    flag["properties"]["enabled"] = "yes"  # a flag it cannot read is not on
    got = security_insights.analytics_rule(flag)
    assert got is not None and not got.enabled


def _ctx(docs: list[dict[str, Any]], errors: list[dict[str, Any]] | None = None) -> AuditContext:
    s = b.guid("s")
    return AuditContext(build_snapshot(b.tenant(docs, {s: "S"}, errors=errors)), Config())


def test_sentinel_on_off_and_unknown() -> None:
    s = b.guid("s")
    on, off, unread = (b.workspace_id(s, "rg", n) for n in ("on", "off", "unread"))
    rule = bs.analytics_rule(on, "r", bs.cis_query("Microsoft.Network/networkSecurityGroups/write"))
    stray = bs.analytics_rule(off, "stray", "AzureActivity")  # rules without Sentinel cannot run
    ctx = _ctx([b.workspace(s, "rg", n) for n in ("on", "off", "unread")]
               + [bs.onboarding_state(on), rule, bs.fusion_rule(on), stray],
               errors=[b.error(unread, "sentinel")])
    assert sentinel_on(ctx, on) is True
    assert sentinel_on(ctx, on.upper()) is True  # ids compare in any casing
    assert sentinel_on(ctx, off) is False
    assert sentinel_on(ctx, unread) is None
    assert [r.display_name for r in analytics_rules(ctx, on)] == ["r"]
    assert analytics_rules(ctx, off) == []


def test_unreadable_subscription_leaves_sentinel_unknown() -> None:
    s = b.guid("s")
    ws = b.workspace_id(s, "rg", "law")
    ctx = _ctx([], errors=[b.error(b.sub_id(s), "*")])
    assert sentinel_on(ctx, ws) is None
