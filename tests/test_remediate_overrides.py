"""An assignment disabled by a ``policyEffect`` override: the repair frees the export policy from it.

Overrides win over every parameter, so setting the effect parameter alone would leave the
subscription impaired. Applying the plan and auditing again must give the projected state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import builders as b
from remediate_support import audited_plan
from test_remediate_apply import apply_plan

from auditor.analysis.context import AuditContext
from auditor.azure import arm
from auditor.azure.snapshot import build_snapshot
from auditor.config import Config
from auditor.remediate import model, write_plan

LA = b.BUILTIN_EXPORT_DEFINITION_ID
MON, LAC = b.ROLE_MONITORING_CONTRIBUTOR, b.ROLE_LOG_ANALYTICS_CONTRIBUTOR
S = b.guid("override-sub")
P = b.guid("override-platform")
WORKSPACE = b.workspace_id(P, "rg-logs", "law-central")
ACTION_GROUP = b.action_group_id(P, "rg-ops", "ag-soc")
SET_ID = b.mg_id("root") + "/providers/Microsoft.Authorization/policySetDefinitions/baseline"
PRINCIPAL = b.guid("principal:override")


def tenant(definition: str, parameters: dict[str, Any], overrides: list[dict[str, Any]]) -> dict[str, Any]:
    assignment = b.policy_assignment("root", "export", definition, parameters=parameters,
                                     identity=b.system_identity(PRINCIPAL))
    assignment["properties"]["overrides"] = overrides
    tagging = b.policy_definition("root", "require-tag", {
        "if": {"field": "tags['owner']", "exists": "false"}, "then": {"effect": "[parameters('effect')]"},
    }, parameters={"effect": {"type": "String", "defaultValue": "Audit"}})
    set_def = b.policy_set_definition("root", "baseline", [
        b.set_member("activityLogs", LA, {"logAnalytics": "[parameters('workspace')]"}),
        b.set_member("other", tagging["id"]),
    ], parameters={"workspace": {"type": "String"}})
    return b.snapshot([
        b.management_group("root", "Root", parent=None,
                           children=[b.child_subscription(S, "app"), b.child_subscription(P, "platform")]),
        b.subscription(S, "app"), b.subscription(P, "platform"),
        b.workspace(P, "rg-logs", "law-central", retention_days=365),
        b.export_policy_definition(), tagging, set_def, assignment,
        *[b.role_assignment(b.mg_id("root"), PRINCIPAL, r) for r in (MON, LAC)],
        b.action_group(P, "rg-ops", "ag-soc", emails=["soc@example.com"]),
    ], root="root")


def plan_and_reaudit(raw: dict[str, Any], tmp_path: Path) -> tuple[model.Plan, AuditContext, AuditContext]:
    config = Config(central_destinations=(WORKSPACE,))
    before = AuditContext(build_snapshot(raw), config)
    plan = audited_plan(before)
    write_plan(plan, tmp_path, ("arm",))
    applied, refused = apply_plan(raw, tmp_path, plan, ACTION_GROUP, before)
    assert refused == {}
    after = AuditContext(build_snapshot(applied), config)
    return plan, before, after


def _state(ctx: AuditContext, sub: str) -> str:
    return ctx.enforcement[arm.norm_id(b.sub_id(sub))].state


def test_override_on_a_definition_is_dropped_and_the_subscription_becomes_effective(tmp_path: Path) -> None:
    raw = tenant(LA, {"logAnalytics": WORKSPACE}, [{"kind": "policyEffect", "value": "Disabled"}])
    plan, before, after = plan_and_reaudit(raw, tmp_path)
    assert _state(before, S) == "impaired"
    [fix] = [a.detail["fix"] for a in plan.actions if a.kind == model.FIX_ASSIGNMENT]
    assert fix.overrides == []
    assert _state(after, S) == "effective"
    assert "overrides" not in after.snapshot.get(fix.id)["properties"]


def test_override_on_set_members_keeps_reaching_the_others(tmp_path: Path) -> None:
    selector = {"kind": "policyDefinitionReferenceId", "in": ["activityLogs", "other"]}
    raw = tenant(SET_ID, {"workspace": WORKSPACE},
                 [{"kind": "policyEffect", "value": "Disabled", "selectors": [selector]}])
    plan, before, after = plan_and_reaudit(raw, tmp_path)
    assert _state(before, S) == "impaired"
    assert _state(after, S) == "effective"
    [fix] = [a.detail["fix"] for a in plan.actions if a.kind == model.FIX_ASSIGNMENT]
    overrides = after.snapshot.get(fix.id)["properties"]["overrides"]
    assert overrides == [{"kind": "policyEffect", "value": "Disabled",
                          "selectors": [{"kind": "policyDefinitionReferenceId", "in": ["other"]}]}]


def test_a_not_in_selector_grows_and_an_unrelated_override_stays(tmp_path: Path) -> None:
    unrelated = {"kind": "definitionVersion", "value": "1.*.*"}
    overrides = [unrelated, {"kind": "policyEffect", "value": "Disabled",
                             "selectors": [{"kind": "policyDefinitionReferenceId", "notIn": ["x"]}]}]
    raw = tenant(SET_ID, {"workspace": WORKSPACE}, overrides)
    plan, _, after = plan_and_reaudit(raw, tmp_path)
    [fix] = [a.detail["fix"] for a in plan.actions if a.kind == model.FIX_ASSIGNMENT]
    got = after.snapshot.get(fix.id)["properties"]["overrides"]
    assert got[0] == unrelated
    assert got[1]["selectors"] == [{"kind": "policyDefinitionReferenceId", "notIn": ["x", "activityLogs"]}]
    assert _state(after, S) == "effective"


def test_a_deploy_if_not_exists_override_needs_no_repair(tmp_path: Path) -> None:
    raw = tenant(LA, {"logAnalytics": WORKSPACE, "effect": "Disabled"},
                 [{"kind": "policyEffect", "value": "DeployIfNotExists"}])
    plan, before, _ = plan_and_reaudit(raw, tmp_path)
    assert _state(before, S) == "effective"
    assert not [a for a in plan.actions if a.kind == model.FIX_ASSIGNMENT]
