"""ALA-DET-001 (issue 20 item 1): Sentinel being on is not the activity log being analysed.

A workspace counts only with an enabled Scheduled or NRT rule whose query reads AzureActivity,
matched as alert coverage is. The rule list is the real SecurityInsights answer
(``GetAllAlertRules.json``: a Scheduled rule over ``Heartbeat``, a
MicrosoftSecurityIncidentCreation rule, a disabled Fusion rule) moved onto the audited
workspace, plus the built-in Fusion rule enabled and a disabled AzureActivity rule.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import builders as b
import builders_sentinel as bs
import delivery_builders as db

from auditor.analysis.checks import check_of
from auditor.analysis.context import AuditContext
from auditor.analysis.delivery import delivery_summary
from auditor.azure.snapshot import build_snapshot
from auditor.config import Config
from auditor.rules.base import Finding

FIXTURES = Path(__file__).parent / "fixtures" / "real_azure"
EXAMPLE_WS = ("/subscriptions/d0cfe6b2-9ac0-4464-9919-dccaee2e48c0/resourceGroups/myRg/providers/"
              "Microsoft.OperationalInsights/workspaces/myWorkspace")
S, S2, S3 = b.guid("det-a"), b.guid("det-b"), b.guid("det-c")
RG = "rg-soc"
WS_DOC = b.workspace(S, RG, "law-soc", retention_days=365)
WS = WS_DOC["id"]


def real_rules() -> list[dict[str, Any]]:
    """The recorded rule list, its ids moved under the audited workspace (nothing else changed)."""
    raw = (FIXTURES / "GetAllAlertRules.json").read_text(encoding="utf-8").replace(EXAMPLE_WS, WS)
    value: list[dict[str, Any]] = json.loads(raw)["responses"]["200"]["body"]["value"]
    return value


def tenant(*docs: dict[str, Any], errors: tuple[dict[str, Any], ...] = ()) -> dict[str, Any]:
    resources = [WS_DOC, bs.onboarding_state(WS), bs.fusion_rule(WS),
                 bs.analytics_rule(WS, "old-activity", bs.cis_query("Microsoft.Network/networkSecurityGroups/write"),
                                   enabled=False, display_name="Old activity rule"),
                 *real_rules(), *docs]
    for sub in (S, S2, S3):
        resources += [b.subscription_diagnostic_setting(sub, "to-soc", workspace=WS, category_group="allLogs"),
                      *db.pricings(sub)]
    snap = b.tenant(resources, {S: "A", S2: "B", S3: "C"}, errors=errors)
    snap["delivery"] = db.delivery([db.workspace_delivery(WS_DOC, [], [])])
    return snap


def fire(doc: dict[str, Any]) -> list[Finding]:
    return list(check_of("ALA-DET-001")(AuditContext(build_snapshot(doc), Config())))


def test_sentinel_without_an_activity_rule_is_not_watching() -> None:
    found = fire(tenant())
    assert sorted(f.scope.rsplit("/", 1)[-1] for f in found) == sorted((S, S2, S3))
    ev = found[0].evidence
    assert ev["sentinelWorkspaces"] == []
    [ws] = ev["sentinel"]
    assert ws["status"] == "idle" and ws["activityRules"] == []
    reasons = {r["displayName"]: r["reason"] for r in ws["rulesNotCounted"]}
    assert reasons["My scheduled rule"] == "its query does not read AzureActivity"
    assert reasons["Old activity rule"] == "disabled"
    assert reasons["testing displayname"].startswith("not a Scheduled or NRT rule")
    assert reasons["Advanced Multistage Attack Detection"].startswith("Fusion correlates")
    assert "no enabled Scheduled or NRT rule there queries AzureActivity" in found[0].message


def test_an_enabled_activity_rule_makes_it_watched_and_is_named() -> None:
    rule = bs.analytics_rule(WS, "nrt-activity", "AzureActivity | where OperationNameValue has 'delete'",
                             kind="NRT", display_name="Mass deletion")
    doc = tenant(rule)
    assert fire(doc) == []
    summary = delivery_summary(AuditContext(build_snapshot(doc), Config()))
    assert summary is not None
    row = summary["subscriptions"][0]
    assert row["watched"] is True and row["sentinelRules"] == ["law-soc: Mass deletion"]


def test_unreadable_rules_leave_detection_unknown() -> None:
    doc = tenant(errors=(b.error(WS, "sentinel"),))
    assert fire(doc) == []
