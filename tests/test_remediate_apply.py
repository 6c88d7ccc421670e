"""Apply a remediation plan to a snapshot, then audit again with the real analysis.

The generated ARM templates are *deployed* into the snapshot by a small simulator: each
resource becomes the ARM document Azure would create (policy assignments with a system
identity and a principal id, role assignments at their scope, nested deployments into
other subscriptions and resource groups, alerts, diagnostic settings), remediation tasks
turn into Compliant policy states, log-profile scripts delete the profiles. Re-auditing that
snapshot must give exactly the enforcement the plan projected, and close the alert,
log-profile and management-group export findings it planned for.
"""

from __future__ import annotations

import copy
import json
import shlex
from pathlib import Path
from typing import Any

import builders as b
import pytest
from deploy_simulator import DEPLOYER, DeployFailed, Simulator
from remediate_support import audited_plan
from test_remediate_plan import ACTION_GROUP, WORKSPACE, sid, tenant

from auditor.analysis.checks import check_of
from auditor.analysis.context import AuditContext
from auditor.analysis.engine import audit, verdict
from auditor.azure import arm
from auditor.azure.snapshot import build_snapshot
from auditor.config import Config, load_config
from auditor.remediate import delivery, model, permissions, roles, write_plan
from auditor.remediate.findings import alert_findings
from auditor.remediate.plan import PLACEHOLDER_PREFIX
from auditor.rules import rule_ids

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo-tenant.json"
DEMO_CONFIG = ROOT / "examples" / "auditor.toml"


def _destination_of(action: model.Action) -> str | None:
    if action.kind == model.FIX_ASSIGNMENT:
        return action.detail["fix"].destination_id
    dest = action.detail.get("destination")
    return dest.id if dest is not None else None


def grant_deployer(sim: Simulator, action: model.Action, scope: str) -> None:
    """Give the deployer exactly the roles the README line names for the step, where it names them."""
    needs = permissions.deployer_needs(action)
    dest = _destination_of(action)
    at = {permissions.SCOPE: scope, permissions.DESTINATION: dest,
          permissions.DESTINATION_GROUP: "/".join(dest.split("/")[:5]) if dest else None}
    for where in sorted({n.where for n in needs}):
        target = at[where]
        assert target, (action.kind, where)
        for role in permissions.least_roles(n.action for n in needs if n.where == where):
            sim.grant(DEPLOYER, target, role.guid)


def apply_plan(raw: dict[str, Any], out: Path, plan: model.Plan, action_group: str,
               ctx: AuditContext) -> tuple[dict[str, Any], dict[str, str]]:
    """Deploy every step as the deployer (who holds what the README says); run remediation tasks as
    the assignments' identities. Returns the applied snapshot and the remediation refusals."""
    raw = copy.deepcopy(raw)
    sim = Simulator(raw, ctx.hierarchy)
    refused: dict[str, str] = {}
    for action in plan.actions:
        if action.kind in model.REVIEW_KINDS:
            continue
        if action.kind == model.REMOVE_LOG_PROFILE:
            grant_deployer(sim, action, action.scope)
            script = (out / action.files()[0]).read_text()
            for line in script.splitlines():
                words = shlex.split(line, comments=True)
                if words[:1] == ["delete_log_profile"]:
                    _, sub, name = words
                    sim.delete_log_profile(f"/subscriptions/{sub}/providers/microsoft.insights/logprofiles/{name}",
                                           DEPLOYER)
            continue
        arm_file = next(f for f in action.files() if f.startswith("arm/"))
        template = json.loads((out / arm_file).read_text())
        given = {}
        if "actionGroupId" in template["parameters"]:
            assert template["parameters"]["actionGroupId"]["defaultValue"].startswith(PLACEHOLDER_PREFIX)
            given["actionGroupId"] = action_group
        scope = template["metadata"]["deployAt"]
        grant_deployer(sim, action, scope)
        data = [f for f in action.files() if f.startswith("parameters/")]  # batched steps: once per file
        for values in ([json.loads((out / f).read_text())["parameters"] for f in data] or [{}]):
            sim.deploy(template, scope, {**given, **{k: v["value"] for k, v in values.items()}}, DEPLOYER)
        if action.kind == model.REMEDIATION_TASK:
            errors = sim.remediate(action.detail["assignmentId"], action.detail.get("referenceId"),
                                   action.subscriptions)
            refused.update(errors)
            assignment = sim.by_id[arm.norm_id(action.detail["assignmentId"])]
            for sub in action.subscriptions:
                if sub in errors:
                    continue
                state = b.policy_state(assignment, sub, "Compliant", reference_id=action.detail.get("referenceId"))
                state["timestamp"] = "2026-11-28T11:00:00Z"
                raw["policyStates"].append(state)
    deploy_delivery_templates(sim, out, plan)
    return raw, refused


def deploy_delivery_templates(sim: Simulator, out: Path, plan: model.Plan) -> None:
    """The Defender for Resource Manager assignment and its remediation task, as the README says: at the
    root group, by a deployer holding Resource Policy Contributor and User Access Administrator there."""
    if not (out / delivery.DEFENDER_TEMPLATE).is_file():
        return
    for role in (roles.RESOURCE_POLICY_CONTRIBUTOR, roles.USER_ACCESS_ADMINISTRATOR):
        sim.grant(DEPLOYER, plan.root_group, role.guid)
    for name in (delivery.DEFENDER_TEMPLATE, delivery.DEFENDER_REMEDIATION):
        template = json.loads((out / name).read_text())
        sim.deploy(template, template["metadata"]["deployAt"], {}, DEPLOYER)


def _unwaived_findings(ctx: AuditContext, rule_id: str) -> list[str]:
    day = ctx.snapshot.collected_at.date()
    out = []
    for f in check_of(rule_id)(ctx):
        chain = ctx.hierarchy.scope_chain(f.scope)
        if not any(w.matches(rule_id, chain) and w.active_on(day) for w in ctx.config.waivers):
            out.append(f.scope)
    return out


def _apply_and_reaudit(raw: dict[str, Any], config: Config, tmp_path: Path) -> tuple[model.Plan, AuditContext]:
    ctx = AuditContext(build_snapshot(raw), config)
    plan = audited_plan(ctx)
    write_plan(plan, tmp_path, ("arm",))
    applied, refused = apply_plan(raw, tmp_path, plan, ACTION_GROUP, ctx)
    # Every remediation task's deployments succeed, projected effective or already effective (issue 18,
    # item 3: a task on NonCompliant subscriptions whose identity could not reach the workspace).
    assert refused == {}, f"remediation tasks refused: {refused}"
    # "effective" in plan.json means the simulated remediation succeeded there.
    for p in plan.subscriptions:
        if p.projected == "effective" and p.enforcement != "effective":
            assert p.id not in refused, f"{p.id}: projected effective, but its remediation failed: {refused[p.id]}"
    return plan, AuditContext(build_snapshot(applied), config)


def _assert_projection_holds(plan: model.Plan, after: AuditContext) -> None:
    """Enforcement, verdict and alert coverage re-audited after the deployment are as projected."""
    unwaived, waived = alert_findings(audit(after))
    for p in plan.subscriptions:
        key = arm.norm_id(p.id)
        got = after.enforcement[key].state
        assert got == p.projected, f"{p.id}: projected {p.projected}, re-audit says {got} ({p.why})"
        if p.projected == "effective" and p.enforcement != "effective":
            # The remediation really deployed: the subscription now exports every category.
            assert after.exports[key].state == "complete", p.id
        got = verdict(after.exports[key].state, got)
        assert got == p.projected_verdict, f"{p.id}: projected verdict {p.projected_verdict}, re-audit says {got}"
        cov = after.alerts[key]
        alerts = ("unknown" if cov.unreadable else "gaps" if key in unwaived else "waived" if key in waived
                  else "unknown" if cov.undecided else "covered")
        assert alerts == p.projected_alerts, f"{p.id}: projected alerts {p.projected_alerts}, re-audit says {alerts}"


def _covering_kinds(after: AuditContext, plan: model.Plan) -> dict[str, set[str]]:
    """Subscription id -> kinds of alert covering its sensitive operations after the deployment."""
    return {p.id: {a.kind for alerts in after.alerts[arm.norm_id(p.id)].by_operation.values() for a in alerts}
            for p in plan.subscriptions}


@pytest.mark.skipif(not DEMO.exists(), reason="demo tenant not built")
def test_demo_tenant_plan_applied_gives_projected_enforcement(tmp_path: Path) -> None:
    raw = json.loads(DEMO.read_text())
    raw["resources"].append(b.action_group(*_ag_parts(), emails=["soc@contoso.example"]))
    config = load_config(DEMO_CONFIG, rule_ids())
    plan, after = _apply_and_reaudit(raw, config, tmp_path)
    _assert_projection_holds(plan, after)
    before = {p.id: p.enforcement for p in plan.subscriptions}
    for p in plan.subscriptions:
        if before[p.id] == "none":
            assert p.projected == "effective"
    assert any(p.enforcement == "impaired" and p.projected == "effective" for p in plan.subscriptions)
    assert _unwaived_findings(after, "ALA-ALR-001") == []
    assert _unwaived_findings(after, "ALA-EXP-006") == []
    assert _unwaived_findings(after, "ALA-EXP-009") == []


@pytest.mark.parametrize("destination", ["workspace", "storage", "event_hub"])
def test_test_tenant_plan_applied_gives_projected_enforcement(tmp_path: Path, destination: str) -> None:
    raw, config = tenant(destination)
    plan, after = _apply_and_reaudit(raw, config, tmp_path)
    _assert_projection_holds(plan, after)
    # The identity also holds the destination role on the destination (linked access check).
    [assign] = [a for a in plan.actions if a.kind == model.ASSIGN_EXPORT_POLICY]
    dest = config.central_destinations[0]
    grant_scope = "/".join(dest.split("/")[:9]) if destination == "event_hub" else dest
    def granted_on_destination(assignment_id: str) -> list[dict[str, Any]]:
        principal = after.snapshot.get(assignment_id)["identity"]["principalId"]
        return [d for d in after.snapshot.of_kind(arm.ROLE_ASSIGNMENT)
                if arm.same_id(d["properties"]["scope"], grant_scope) and d["properties"]["principalId"] == principal
                and arm.guid_in(d["properties"]["roleDefinitionId"]) == assign.detail["destinationRole"]]

    assert len(granted_on_destination(assign.detail["assignmentId"])) == 1
    # Every repaired identity lacking the linked access rights on the workspace its assignment uses (the
    # workspace lies in the platform subscription, outside all their scopes) gets a grant there.
    fixes = [a.detail["fix"] for a in plan.actions if a.kind == model.FIX_ASSIGNMENT]
    granting = [f for f in fixes if f.grants_destination]
    assert {arm.last_segment(f.id) for f in granting} == {
        "ident-none-export", "ident-role-export", "online-export", "sbx-export", "data-baseline"}
    if destination == "workspace":  # the existing assignments send to the workspace
        for fix in granting:
            assert len(granted_on_destination(fix.id)) == 1, fix.id
    states = {p.id: (p.enforcement, p.projected) for p in plan.subscriptions}
    assert sorted(set(states.values())) == [
        ("effective", "effective"), ("impaired", "effective"), ("impaired", "impaired"),
        ("none", "effective"), ("unknown", "unknown"),
    ]
    # Impaired by mode, effect and identity, and none: all effective after the plan.
    reasons_fixed = set()
    before = AuditContext(build_snapshot(raw), config)
    for p in plan.subscriptions:
        if p.enforcement == "impaired" and p.projected == "effective":
            reasons_fixed |= {c.reason for c in before.enforcement[arm.norm_id(p.id)].checks}
    assert {"do_not_enforce", "effect_not_dine", "no_identity", "missing_role"} <= reasons_fixed
    # Alerting: the central rule covers what exports to the workspace after the plan, the alert
    # policy's deployments the rest; both count as covering in the re-audit.
    kinds = _covering_kinds(after, plan)
    rule = next((a for a in plan.actions if a.kind == model.CENTRAL_ALERT_RULE), None)
    policy = [a for a in plan.actions if a.kind == model.ASSIGN_ALERT_POLICY]
    assert policy and all(kinds[s] == {"activity_log"} for a in policy for s in a.subscriptions)
    if destination == "workspace":
        assert rule is not None and all(kinds[s] == {"log_search"} for s in rule.subscriptions)
    else:  # the export goes to storage or an Event Hub: the rule reads only what reaches the workspace
        assert rule is None or all(kinds[s] == {"log_search"} for s in rule.subscriptions)
    # Excluded and exempted ones keep their reason after the plan, and no new policy reaches them.
    for p in plan.subscriptions:
        if p.projected == "impaired":
            reasons = {c.reason for c in after.enforcement[arm.norm_id(p.id)].checks}
            assert reasons <= {"excluded", "exempted"}, (p.id, reasons)
    assert _unwaived_findings(after, "ALA-ALR-001") == []
    assert _unwaived_findings(after, "ALA-EXP-006") == []
    assert _unwaived_findings(after, "ALA-EXP-009") == []


def test_the_simulator_can_fail(tmp_path: Path) -> None:
    """Without the remediation the re-audit differs from the projection (the check has teeth)."""
    raw, config = tenant()
    ctx = AuditContext(build_snapshot(raw), config)
    plan = audited_plan(ctx)
    changed = [p for p in plan.subscriptions if p.projected != p.enforcement]
    assert changed
    for p in changed:
        assert ctx.enforcement[arm.norm_id(p.id)].state != p.projected


def _ag_parts() -> tuple[str, str, str]:
    parts = ACTION_GROUP.split("/")
    return parts[2], parts[4], parts[-1]


def _sim(destination: str = "workspace") -> tuple[Simulator, dict[str, Any], AuditContext]:
    raw, config = tenant(destination)
    ctx = AuditContext(build_snapshot(raw), config)
    raw = copy.deepcopy(raw)
    return Simulator(raw, ctx.hierarchy), raw, ctx


def test_simulator_refuses_a_remediation_without_linked_access_on_the_destination() -> None:
    """online-export's identity holds its roles at its own group only: the central workspace lies in
    the platform subscription, so the linked access check fails -- the grant the plan adds is needed."""
    sim, _, _ = _sim()
    assignment = next(d for d in sim.raw["resources"] if d["id"].endswith("/online-export"))
    errors = sim.remediate(assignment["id"], None, [sid("online-enf")])
    assert "Microsoft.OperationalInsights/workspaces" in errors[sid("online-enf")]
    principal = assignment["identity"]["principalId"]
    sim.grant(principal, WORKSPACE, b.ROLE_LOG_ANALYTICS_CONTRIBUTOR)
    assert sim.remediate(assignment["id"], None, [sid("online-enf")]) == {}


def test_simulator_refuses_a_deployer_without_deployments_on_the_destination_group(tmp_path: Path) -> None:
    """User Access Administrator alone on the workspace's group cannot run the nested grant deployment."""
    sim, raw, ctx = _sim()
    plan = audited_plan(ctx)
    write_plan(plan, tmp_path, ("arm",))
    [assign] = [a for a in plan.actions if a.kind == model.ASSIGN_EXPORT_POLICY]
    template = json.loads((tmp_path / assign.files(("arm",))[0]).read_text())
    sim.grant(DEPLOYER, assign.scope, roles.OWNER.guid)
    sim.grant(DEPLOYER, "/".join(WORKSPACE.split("/")[:5]), roles.USER_ACCESS_ADMINISTRATOR.guid)
    with pytest.raises(DeployFailed, match="Microsoft.Resources/deployments/write"):
        sim.deploy(template, assign.scope, {}, DEPLOYER)
    assert not any(d["id"].endswith(assign.detail["assignmentName"]) for d in sim.raw["resources"])  # all or nothing


def test_simulator_refuses_log_profile_deletion_with_monitoring_contributor() -> None:
    sim, raw, _ = _sim()
    profile = next(d["id"] for d in raw["resources"] if "/logprofiles/" in d["id"].lower())
    sim.grant(DEPLOYER, sid("land1"), b.ROLE_MONITORING_CONTRIBUTOR)
    with pytest.raises(DeployFailed, match="LogProfiles/delete"):
        sim.delete_log_profile(profile, DEPLOYER)


def test_simulator_refuses_a_second_setting_on_a_used_sink() -> None:
    sim, raw, _ = _sim()
    sub = sid("land2")
    sim.grant(DEPLOYER, sub, roles.OWNER.guid)
    sim.grant(DEPLOYER, WORKSPACE, roles.OWNER.guid)
    def setting(name: str, categories: list[str]) -> dict[str, Any]:
        return {"$schema": "x", "parameters": {}, "resources": [{
            "type": "Microsoft.Insights/diagnosticSettings", "name": name,
            "properties": {"workspaceId": WORKSPACE, "logs": [{"category": c, "enabled": True} for c in categories]}}]}
    sim.deploy(setting("legacy", ["Administrative", "Security"]), sub, {}, DEPLOYER)
    with pytest.raises(DeployFailed, match="already used in diagnostic setting 'legacy'"):
        sim.deploy(setting("setbypolicy", ["Administrative", "Policy"]), sub, {}, DEPLOYER)
    sim.deploy(setting("legacy", ["Administrative", "Security", "Policy"]), sub, {}, DEPLOYER)  # updating is fine
