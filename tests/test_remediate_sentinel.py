"""Remediation proposes a Microsoft Sentinel analytics rule where the central workspace has
Sentinel on (issue 13 item 4), instead of a log search alert: the rendered rule, deployed
into the snapshot as ARM would create it, closes the alert findings on re-audit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import builders as b
import builders_sentinel as bs
from remediate_support import audited_plan

from auditor.analysis.checks import check_of
from auditor.analysis.context import AuditContext
from auditor.azure.snapshot import build_snapshot
from auditor.config import Config
from auditor.remediate import model, write_plan

S1, S2 = b.guid("remediate-sentinel-1"), b.guid("remediate-sentinel-2")
RG = "rg-soc"
WS = b.workspace_id(S1, RG, "law-soc")


def tenant(sentinel_on: bool) -> dict[str, Any]:
    docs = [
        b.workspace(S1, RG, "law-soc", retention_days=365),
        b.subscription_diagnostic_setting(S1, "to-soc", workspace=WS, category_group="allLogs"),
        b.subscription_diagnostic_setting(S2, "to-soc", workspace=WS, category_group="allLogs"),
        *([bs.onboarding_state(WS)] if sentinel_on else []),
    ]
    return b.tenant(docs, {S1: "One", S2: "Two"}, root=b.TENANT_ID)


def config() -> Config:
    return Config(central_destinations=(WS,))


def alert_findings(raw: dict[str, Any]) -> list[str]:
    ctx = AuditContext(build_snapshot(raw), config())
    return [f"{r} {f.scope}" for r in ("ALA-ALR-001", "ALA-ALR-002") for f in check_of(r)(ctx)]


def test_sentinel_workspace_gets_an_analytics_rule(tmp_path: Path) -> None:
    raw = tenant(sentinel_on=True)
    assert alert_findings(raw)  # the gap to close
    plan = audited_plan(AuditContext(build_snapshot(raw), config()))
    kinds = [a.kind for a in plan.actions]
    assert model.SENTINEL_ALERT_RULE in kinds and model.CENTRAL_ALERT_RULE not in kinds
    write_plan(plan, tmp_path, ("arm", "bicep", "terraform"))
    action = next(a for a in plan.actions if a.kind == model.SENTINEL_ALERT_RULE)
    template = json.loads((tmp_path / f"arm/{action.stem}.json").read_text(encoding="utf-8"))
    [res] = template["resources"]
    assert res["type"] == "Microsoft.SecurityInsights/alertRules" and res["kind"] == "Scheduled"
    # Deploy it as ARM would (an extension resource of the workspace) and audit again.
    deployed = {"id": f"{WS}/providers/Microsoft.SecurityInsights/alertRules/{res['name']}", "name": res["name"],
                "type": res["type"], "kind": res["kind"], "etag": "\"0\"", "properties": res["properties"]}
    raw["resources"].append(deployed)
    assert alert_findings(raw) == []
    bicep = (tmp_path / f"bicep/{action.stem}.bicep").read_text(encoding="utf-8")
    assert "Microsoft.SecurityInsights/alertRules@2024-03-01" in bicep and "scope: workspace" in bicep
    tf = (tmp_path / f"terraform/{action.stem}.tf").read_text(encoding="utf-8")
    assert "azapi_resource" in tf and "createIncident" in tf


def test_without_sentinel_the_log_search_alert_stays() -> None:
    plan = audited_plan(AuditContext(build_snapshot(tenant(sentinel_on=False)), config()))
    kinds = [a.kind for a in plan.actions]
    assert model.SENTINEL_ALERT_RULE not in kinds and model.CENTRAL_ALERT_RULE in kinds


def test_readme_says_why_and_where(tmp_path: Path) -> None:
    plan = audited_plan(AuditContext(build_snapshot(tenant(sentinel_on=True)), config()))
    write_plan(plan, tmp_path, ("arm",))
    text = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "Microsoft Sentinel analytics rule" in text
    assert "az deployment group create" in text and "--resource-group rg-soc" in text


def test_docs_permission_row_matches_the_model() -> None:
    import re

    from auditor.remediate import permissions

    docs = (Path(__file__).resolve().parent.parent / "docs" / "remediation.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| ([a-z -]+) \| (.+) \|$", docs.split("## Permissions to deploy")[1], re.M))
    plan = audited_plan(AuditContext(build_snapshot(tenant(sentinel_on=True)), config()))
    action = next(a for a in plan.actions if a.kind == model.SENTINEL_ALERT_RULE)
    assert rows["sentinel alert rule"].startswith(permissions.deployer_permissions(action).split(";")[0])
