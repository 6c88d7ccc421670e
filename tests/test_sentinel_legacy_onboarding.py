"""Issue 20 item 6: a workspace onboarded by the legacy ``SecurityInsights(<workspace>)`` solution is
Sentinel-on for live collection exactly as for the offline audit (one reader, both paths).

The solution document is the one the Azure CLI recorded (azure-cli-extensions
``test_sentinel_alert_rule_crud.yaml``), moved onto the audited workspace.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import builders as b
import builders_sentinel as bs
from collect_support import collect

from auditor.analysis.context import AuditContext
from auditor.analysis.sentinel import activity_detection, sentinel_on
from auditor.azure import arm, security_insights
from auditor.azure.snapshot import build_snapshot
from auditor.config import Config
from auditor.emulator.runner import running_emulator

RECORDED = Path(__file__).parent / "fixtures" / "real_azure" / "responses" / "cli_securityinsights_solution.json"
RECORDED_RG = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/cli_test_sentinel_000001"
S = b.guid("legacy-sentinel")
RG = "rg-soc"


def solution_for(workspace_name: str) -> dict[str, Any]:
    raw = RECORDED.read_text(encoding="utf-8")
    raw = raw.replace(RECORDED_RG, f"/subscriptions/{S}/resourceGroups/{RG}").replace("workspace-000002",
                                                                                    workspace_name)
    doc: dict[str, Any] = json.loads(raw)
    return doc


def tenant(*docs: dict[str, Any]) -> dict[str, Any]:
    ws = b.workspace_id(S, RG, "law-legacy")
    resources = [b.workspace(S, RG, "law-legacy", retention_days=365),
                 b.subscription_diagnostic_setting(S, "to-soc", workspace=ws, category_group="allLogs"), *docs]
    return b.tenant(resources, {S: "Legacy SOC"}, root=b.TENANT_ID)


def test_recorded_solution_is_read_as_onboarding() -> None:
    doc = solution_for("law-legacy")
    ws = b.workspace_id(S, RG, "law-legacy")
    assert arm.same_id(security_insights.onboarded_workspace(doc), ws)
    assert arm.same_id(security_insights.legacy_solution_path(ws), doc["id"])


def test_live_collection_reads_the_solution_and_agrees_with_the_offline_audit() -> None:
    ws = b.workspace_id(S, RG, "law-legacy")
    rule = bs.analytics_rule(ws, "activity", "AzureActivity | where OperationNameValue has 'delete'",
                             display_name="Deletes")
    source = tenant(solution_for("law-legacy"), rule)
    with running_emulator(source) as emu:
        result = collect(emu)
    live, offline = (AuditContext(build_snapshot(s), Config()) for s in (result.snapshot, source))
    for ctx in (live, offline):
        assert sentinel_on(ctx, ws) is True
        detection = activity_detection(ctx, ws)
        assert detection.status == "analysed" and detection.rules == ("Deletes",)
    kinds = {arm.kind_of(d) for d in result.snapshot["resources"]}
    assert security_insights.SOLUTION in kinds and security_insights.ALERT_RULE in kinds


def test_without_solution_or_onboarding_state_sentinel_is_off_on_both_paths() -> None:
    ws = b.workspace_id(S, RG, "law-legacy")
    other = solution_for("law-legacy")
    other["id"] = other["id"].replace("SecurityInsights(", "Updates(")
    other["name"] = other["name"].replace("SecurityInsights(", "Updates(")
    source = tenant(other)
    with running_emulator(source) as emu:
        result = collect(emu)
    for snap in (result.snapshot, source):
        assert sentinel_on(AuditContext(build_snapshot(snap), Config()), ws) is False
    assert not result.snapshot["errors"]
