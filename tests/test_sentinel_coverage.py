"""Central alerting through Microsoft Sentinel (issue 13 item 4): an enabled Scheduled or NRT
analytics rule whose query reads AzureActivity and names an operation covers it for every
subscription exporting Administrative to its workspace -- the same query matching as log
search alerts -- and notifies when it creates incidents."""

from __future__ import annotations

from typing import Any

import builders as b
import builders_sentinel as bs
import pytest

from auditor.analysis.checks import check_of
from auditor.analysis.context import AuditContext
from auditor.analysis.engine import audit
from auditor.azure.snapshot import build_snapshot
from auditor.config import Config

S, S2 = b.guid("sentinel-a"), b.guid("sentinel-b")
RG = "rg-soc"
WS = b.workspace_id(S, RG, "law-soc")
NSG_WRITE = "Microsoft.Network/networkSecurityGroups/write"
NSG_DELETE = "Microsoft.Network/networkSecurityGroups/delete"
OPS = (NSG_WRITE, NSG_DELETE)


def tenant(*docs: dict[str, Any], onboard: bool = True, logs: Any = None,
           errors: tuple[dict[str, Any], ...] = ()) -> dict[str, Any]:
    export = {"category_group": "allLogs"} if logs is None else {"logs": logs}
    resources = [
        b.workspace(S, RG, "law-soc", retention_days=365),
        b.subscription_diagnostic_setting(S, "to-soc", workspace=WS, **export),
        b.subscription_diagnostic_setting(S2, "to-soc", workspace=WS, **export),
        *([bs.onboarding_state(WS)] if onboard else []),
        *docs,
    ]
    return b.tenant(resources, {S: "A", S2: "B"}, errors=errors)


def ctx(doc: dict[str, Any]) -> AuditContext:
    return AuditContext(build_snapshot(doc), Config(sensitive_operations=OPS))


def findings(doc: dict[str, Any], rule_id: str) -> list[tuple[str, str]]:
    return sorted((f.scope.rsplit("/", 1)[-1], f.evidence["operation"]) for f in check_of(rule_id)(ctx(doc)))


def test_cis_rule_covers_every_subscription_exporting_to_its_workspace() -> None:
    doc = tenant(bs.analytics_rule(WS, "cis-523", bs.cis_query(NSG_WRITE)))
    assert findings(doc, "ALA-ALR-001") == [(S, NSG_DELETE), (S2, NSG_DELETE)]
    assert findings(doc, "ALA-ALR-002") == []
    cov = ctx(doc).alerts
    [alert] = cov[f"/subscriptions/{S}"].by_operation[NSG_WRITE]
    assert alert.kind == "sentinel" and alert.notifies


def test_nrt_rule_counts_like_scheduled() -> None:
    doc = tenant(bs.analytics_rule(WS, "nrt", bs.cis_query(NSG_DELETE), kind="NRT"))
    assert (S, NSG_DELETE) not in findings(doc, "ALA-ALR-001")


def test_rule_without_incident_covers_but_notifies_nobody() -> None:
    doc = tenant(bs.analytics_rule(WS, "quiet", bs.cis_query(NSG_WRITE), create_incident=False))
    assert (S, NSG_WRITE) in findings(doc, "ALA-ALR-002")
    assert (S, NSG_WRITE) not in findings(doc, "ALA-ALR-001")


@pytest.mark.parametrize("variant", ["disabled", "not-azureactivity", "fusion", "no-sentinel", "no-admin"])
def test_what_does_not_cover(variant: str) -> None:
    rule = bs.analytics_rule(WS, "r", bs.cis_query(NSG_WRITE), enabled=variant != "disabled")
    if variant == "not-azureactivity":
        rule = bs.analytics_rule(WS, "r", f'SecurityEvent | where Activity has "{NSG_WRITE}"')
    docs = [bs.fusion_rule(WS)] if variant == "fusion" else [rule]
    doc = tenant(*docs, onboard=variant != "no-sentinel",
                 logs=["Security", "Policy"] if variant == "no-admin" else None)
    assert (S, NSG_WRITE) in findings(doc, "ALA-ALR-001")


def test_template_origin_does_not_matter_but_templates_are_not_rules() -> None:
    from_template = bs.analytics_rule(WS, "t", bs.cis_query(NSG_WRITE), template="77cee6b2-9142-42ce-86f0-137b8521f0ca")
    assert (S, NSG_WRITE) not in findings(tenant(from_template), "ALA-ALR-001")
    template = {"id": f"{WS}/providers/Microsoft.SecurityInsights/alertRuleTemplates/77cee6b2",
                "name": "77cee6b2", "type": "Microsoft.SecurityInsights/alertRuleTemplates", "kind": "Scheduled",
                "properties": {"query": bs.cis_query(NSG_WRITE), "displayName": "CIS 5.2.3"}}
    assert (S, NSG_WRITE) in findings(tenant(template), "ALA-ALR-001")


def test_same_matching_as_log_search_alerts() -> None:
    """The query text decides the same way for both mechanisms (one implementation)."""
    query = bs.cis_query(NSG_WRITE.upper())
    sentinel_doc = tenant(bs.analytics_rule(WS, "r", query))
    search_doc = tenant(b.scheduled_query_rule(S, RG, "sqr", scopes=[WS], query=query,
                                               action_groups=[b.action_group_id(S, RG, "ag")]),
                        b.action_group(S, RG, "ag", emails=["soc@example.com"]))
    assert findings(sentinel_doc, "ALA-ALR-001") == findings(search_doc, "ALA-ALR-001")


def test_unreadable_sentinel_leaves_operations_undecided() -> None:
    doc = tenant(onboard=False, errors=(b.error(WS, "sentinel"),))
    assert findings(doc, "ALA-ALR-001") == []  # unknown, not "no alert"
    assert [f.scope.lower() for f in check_of("ALA-AUD-001")(ctx(doc))] == [WS.lower()]
    assert findings(tenant(onboard=False), "ALA-ALR-001") != []  # the control: readable and off


def test_findings_name_the_mechanism_per_operation() -> None:
    doc = tenant(bs.analytics_rule(WS, "cis-523", bs.cis_query(NSG_WRITE)))
    out = audit(ctx(doc))
    sub = next(s for s in out["subscriptions"] if s["id"].endswith(S))
    assert sub["alertedBy"] == {NSG_WRITE: ["sentinel"]}
    quiet = tenant(bs.analytics_rule(WS, "quiet", bs.cis_query(NSG_WRITE), create_incident=False))
    [alr2] = [f for f in check_of("ALA-ALR-002")(ctx(quiet)) if f.scope.endswith(S)]
    assert "Sentinel rules that create no incident" in alr2.message


def test_reports_name_the_mechanism_per_operation() -> None:
    """The demo: Shop's NSG rule writes are alerted by the central Sentinel NRT rule."""
    from test_report_fixtures import audited, demo_raw

    from auditor.render.model import build_model

    findings_doc, snap = audited(demo_raw())
    shop = next(s for s in findings_doc["subscriptions"] if s["displayName"] == "Contoso-Online-Shop-Prod")
    assert shop["alertedBy"]["Microsoft.Network/networkSecurityGroups/securityRules/write"] == ["sentinel"]
    assert shop["alertedBy"]["Microsoft.Authorization/policyAssignments/write"] == ["log_search"]
    row = next(r for r in build_model(findings_doc, snap)["subscriptions"] if r["id"] == shop["id"])
    cell = next(a for a in row["alerts"] if a["operation"].endswith("securityRules/write"))
    assert (cell["state"], cell["by"], cell["byShort"]) == ("alerting", "Sentinel analytics rule", "SN")
    silent = next(a for a in row["alerts"] if a["operation"].endswith("securityRules/delete"))
    assert silent["state"] == "silent" and silent["byShort"] == "SN"
