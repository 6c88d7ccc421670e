"""The audit and the remediation of one snapshot read every Azure fact the same way (issue 17).

Each case audits a snapshot, plans its remediation, deploys the generated ARM templates with the
simulator and audits again: the plan's projected enforcement must be what the second audit finds,
on every subscription. The divergences issue 17 reproduced are the cases: an assignment whose
``enforcementMode`` is ``false`` (JSON boolean) or another non-``Default`` value, and role
assignments held at the tenant root scope ``/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import builders as b
import pytest
from remediate_support import audited_plan
from test_remediate_apply import apply_plan

from auditor.analysis.context import AuditContext
from auditor.azure import arm
from auditor.azure.snapshot import build_snapshot
from auditor.config import Config
from auditor.remediate import model, write_plan
from auditor.remediate.facts import held_roles

S, P = b.guid("agree-app"), b.guid("agree-platform")
WORKSPACE = b.workspace_id(P, "rg-logs", "law-central")
ACTION_GROUP = b.action_group_id(P, "rg-ops", "ag-soc")
PRINCIPAL = b.guid("principal:agree")
ROLES = (b.ROLE_MONITORING_CONTRIBUTOR, b.ROLE_LOG_ANALYTICS_CONTRIBUTOR)
CONFIG = Config(central_destinations=(WORKSPACE,))


def _root_role(principal: str, role: str) -> dict[str, Any]:
    """A role assignment at the tenant root, as ARM returns it: scope ``/``, id without a scope prefix."""
    doc = b.role_assignment(b.mg_id("root"), principal, role)
    doc["id"] = f"/providers/Microsoft.Authorization/roleAssignments/{doc['name']}"
    doc["properties"]["scope"] = "/"
    return doc


def _tenant(mode: Any, roles: list[dict[str, Any]]) -> dict[str, Any]:
    definition = b.export_policy_definition()  # the built-in Log Analytics export, DeployIfNotExists
    assignment = b.policy_assignment("root", "export-la", definition["id"], parameters={"logAnalytics": WORKSPACE},
                                     identity=b.system_identity(PRINCIPAL))
    if mode is None:
        assignment["properties"].pop("enforcementMode", None)
    else:
        assignment["properties"]["enforcementMode"] = mode
    return b.snapshot([
        b.management_group("root", "Root", parent=None,
                           children=[b.child_subscription(S, "app"), b.child_subscription(P, "platform")]),
        b.subscription(S, "app"), b.subscription(P, "platform"),
        b.workspace(P, "rg-logs", "law-central"), definition, assignment, *roles,
        b.action_group(P, "rg-ops", "ag-soc", emails=["soc@example.com"]),
    ], root="root")


def _audit_then_remediate(raw: dict[str, Any], out: Path) -> tuple[AuditContext, model.Plan, AuditContext]:
    """(audit before, plan, audit after deploying the plan); asserts they agree on every subscription."""
    before = AuditContext(build_snapshot(raw), CONFIG)
    plan = audited_plan(before)
    write_plan(plan, out, ("arm",))
    applied, refused = apply_plan(raw, out, plan, ACTION_GROUP, before)
    assert refused == {}
    after = AuditContext(build_snapshot(applied), CONFIG)
    for projection in plan.subscriptions:
        key = arm.norm_id(projection.id)
        assert projection.enforcement == before.enforcement[key].state, projection.id
        assert projection.projected == after.enforcement[key].state, projection.id
    return before, plan, after


def _fixes(plan: model.Plan) -> list[Any]:
    return [a.detail["fix"] for a in plan.actions if a.kind == model.FIX_ASSIGNMENT]


@pytest.mark.parametrize("mode", [False, "DoNotEnforce", 0, "doNotEnforce"])
def test_an_assignment_not_at_default_mode_is_repaired_to_default(mode: Any, tmp_path: Path) -> None:
    """``false`` is not ``Default`` to the audit, so the plan sets ``Default`` (it used to leave the mode
    alone and still project the subscription effective)."""
    raw = _tenant(mode, [b.role_assignment(b.mg_id("root"), PRINCIPAL, r) for r in ROLES])
    before, plan, after = _audit_then_remediate(raw, tmp_path)
    sub = arm.norm_id(b.sub_id(S))
    assert [c.reason for c in before.enforcement[sub].checks] == ["do_not_enforce"]
    [fix] = _fixes(plan)
    assert fix.set_enforcement_mode and "enforcementMode Default" in fix.changes
    assert fix.missing_roles == []
    assert after.enforcement[sub].state == "effective"
    assert after.snapshot.get(fix.id)["properties"]["enforcementMode"] == "Default"


@pytest.mark.parametrize("mode", [None, "", "Default", "default"])
def test_an_assignment_at_default_mode_is_left_alone(mode: Any, tmp_path: Path) -> None:
    raw = _tenant(mode, [b.role_assignment(b.mg_id("root"), PRINCIPAL, r) for r in ROLES])
    before, plan, _ = _audit_then_remediate(raw, tmp_path)
    assert before.enforcement[arm.norm_id(b.sub_id(S))].state == "effective"
    assert _fixes(plan) == []


def test_roles_at_the_tenant_root_count_for_audit_and_remediation(tmp_path: Path) -> None:
    """Roles held only at ``/``: the audit counts them, so the repair adds no role assignment."""
    raw = _tenant("DoNotEnforce", [_root_role(PRINCIPAL, r) for r in ROLES])
    before, plan, after = _audit_then_remediate(raw, tmp_path)
    assignment = before.snapshot.of_kind(arm.POLICY_ASSIGNMENT)[0]
    assert held_roles(before, assignment) == set(ROLES)
    [fix] = _fixes(plan)
    assert fix.missing_roles == [] and fix.changes == ["enforcementMode Default"]
    assert after.enforcement[arm.norm_id(b.sub_id(S))].state == "effective"


def test_a_role_missing_beside_one_at_the_root_is_the_only_one_granted(tmp_path: Path) -> None:
    """One role at ``/``, the other nowhere: the audit names the missing one, the repair grants just it."""
    monitoring, log_analytics = ROLES
    raw = _tenant("Default", [_root_role(PRINCIPAL, monitoring)])
    before, plan, after = _audit_then_remediate(raw, tmp_path)
    [check] = before.enforcement[arm.norm_id(b.sub_id(S))].checks
    assert check.reason == "missing_role"
    assert [arm.guid_in(m["roleDefinitionId"]) for m in check.missing_roles] == [log_analytics]
    [fix] = _fixes(plan)
    assert fix.missing_roles == [log_analytics]
    assert after.enforcement[arm.norm_id(b.sub_id(S))].state == "effective"


def test_the_policy_view_shows_the_facts_as_the_audit_reads_them() -> None:
    """The report's policy table reads mode, identity, effect, exemption expiry and compliance through
    the model, so it cannot contradict the findings: ``false`` is shown as it is (not ``Default``), an
    exemption expiring 100 ns after collection is in force, a record stating no compliance is Unknown."""
    from auditor.analysis.engine import audit
    from auditor.render.names import Names
    from auditor.render.policy_view import assignment_rows

    raw = _tenant(False, [b.role_assignment(b.mg_id("root"), PRINCIPAL, r) for r in ROLES])
    [assignment] = [d for d in raw["resources"] if arm.kind_of(d) == arm.POLICY_ASSIGNMENT]
    assignment["properties"]["overrides"] = [{"kind": "policyEffect", "value": "Disabled"}]
    raw["resources"].append(b.policy_exemption("root", "late", assignment["id"],
                                               expires_on="2026-11-28T10:00:00.0000001Z"))
    state = b.policy_state(assignment, S, "NonCompliant")
    del state["complianceState"], state["isCompliant"]
    raw["policyStates"].append(state)
    snapshot = build_snapshot(raw)
    findings = audit(AuditContext(snapshot, CONFIG))
    [row] = assignment_rows(snapshot, findings, Names(findings, snapshot))
    assert row["mode"] == "false"
    assert row["effect"] == "Disabled"  # the override wins over the DeployIfNotExists default
    assert row["identity"] == "SystemAssigned" and row["principal"] == PRINCIPAL.lower()
    [exemption] = row["exemptions"]
    assert exemption["expired"] is False
    assert row["compliance"] == {"Unknown": 1}
