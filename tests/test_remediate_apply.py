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
import re
import uuid
from pathlib import Path
from typing import Any

import builders as b
import pytest
from test_remediate_plan import ACTION_GROUP, tenant

from auditor import arm
from auditor.analysis.context import AuditContext
from auditor.config import Config, load_config
from auditor.policy.expressions import _Call, _Lit, _Member, expression_body, parse
from auditor.remediate import build_plan, model, write_plan
from auditor.remediate.plan import PLACEHOLDER_PREFIX
from auditor.rules import rule_by_id, rule_ids
from auditor.snapshot import build_snapshot

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo-tenant.json"
DEMO_CONFIG = ROOT / "examples" / "auditor.toml"


class Deployer:
    """Deploys generated ARM templates into a snapshot's resource list."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.by_id = {arm.norm_id(d["id"]): d for d in raw["resources"]}

    def upsert(self, doc: dict[str, Any]) -> None:
        key = arm.norm_id(doc["id"])
        if key in self.by_id:
            self.raw["resources"].remove(self.by_id[key])
        self.raw["resources"].append(doc)
        self.by_id[key] = doc

    # ---------------------------------------------------------------- expressions
    def value(self, v: Any, params: dict[str, Any]) -> Any:
        if isinstance(v, str):
            if v.startswith("[["):
                return v[1:]
            body = expression_body(v)
            return v if body is None else self._eval(parse(body), params)
        if isinstance(v, list):
            return [self.value(x, params) for x in v]
        if isinstance(v, dict):
            return {k: self.value(x, params) for k, x in v.items()}
        return v

    def _eval(self, node: Any, params: dict[str, Any]) -> Any:
        if isinstance(node, _Lit):
            return node.value
        if isinstance(node, _Member):
            target = self._eval(node.target, params)
            key = self._eval(node.key, params)
            return target[key]
        assert isinstance(node, _Call), node
        args = [self._eval(a, params) for a in node.args]
        name = node.name.lower()
        if name == "parameters":
            return params[args[0]]
        if name == "reference":
            doc = self.by_id[arm.norm_id(args[0])]
            return doc if len(args) > 2 else doc["properties"]
        if name == "split":
            return args[0].split(args[1])
        if name == "take":
            return args[0][: args[1]]
        if name == "join":
            return args[1].join(args[0])
        if name == "guid":
            return str(uuid.uuid5(uuid.NAMESPACE_URL, "|".join(args)))
        if name == "subscriptionresourceid":
            return f"/providers/{args[0]}/{'/'.join(args[1:])}"  # GUID is what analysis compares
        if name == "empty":
            return args[0] in ("", None, [], {})
        if name == "null":
            return None
        if name == "if":
            return args[1] if args[0] else args[2]
        if name == "concat":
            return "".join(str(a) for a in args)
        raise AssertionError(f"the simulator does not know ARM function {node.name}")

    # ---------------------------------------------------------------- deployment
    def deploy(self, template: dict[str, Any], scope: str, given: dict[str, Any] | None = None) -> None:
        params = {k: v.get("defaultValue") for k, v in (template.get("parameters") or {}).items()}
        params.update(given or {})
        for res in template["resources"]:
            rtype = res["type"]
            name = self.value(res["name"], params)
            if rtype.lower() == "microsoft.resources/deployments":
                sub = self.value(res.get("subscriptionId"), params) or arm.subscription_id_of(scope)
                rg = self.value(res.get("resourceGroup"), params)
                target = f"/subscriptions/{sub}" + (f"/resourceGroups/{rg}" if rg else "")
                p = res["properties"]
                inner_scope = p.get("expressionEvaluationOptions", {}).get("scope", "outer")
                inner = {k: self.value(v["value"], params) for k, v in (p.get("parameters") or {}).items()}
                if inner_scope == "outer":
                    inner = {**params, **inner}
                self.deploy(p["template"], target, inner)
                continue
            if rtype.lower() == "microsoft.resources/resourcegroups":
                continue
            base = self.value(res["scope"], params) if "scope" in res else scope
            doc: dict[str, Any] = {
                "id": f"{base}/providers/{rtype}/{name}",
                "type": rtype,
                "name": name,
                "properties": self.value(res.get("properties") or {}, params),
            }
            if "location" in res:
                doc["location"] = self.value(res["location"], params)
            if "identity" in res:
                identity = dict(self.value(res["identity"], params))
                old = (self.by_id.get(arm.norm_id(doc["id"])) or {}).get("identity") or {}
                if "SystemAssigned" in str(identity.get("type")):
                    identity["principalId"] = old.get("principalId") or str(uuid.uuid5(uuid.NAMESPACE_URL, doc["id"]))
                if identity.get("userAssignedIdentities"):
                    identity["userAssignedIdentities"] = old.get("userAssignedIdentities")
                doc["identity"] = identity
            if rtype.lower() == "microsoft.authorization/roleassignments":
                doc["properties"]["scope"] = base
            if rtype.lower() == "microsoft.authorization/policyassignments":
                doc["properties"]["scope"] = scope
            self.upsert(doc)


def apply_plan(raw: dict[str, Any], out: Path, plan: model.Plan, action_group: str) -> dict[str, Any]:
    raw = copy.deepcopy(raw)
    d = Deployer(raw)
    for action in plan.actions:
        if action.kind in model.REVIEW_KINDS:
            continue
        if action.kind == model.REMOVE_LOG_PROFILE:
            script = (out / action.files()[0]).read_text()
            for name in re.findall(r"log-profiles delete --name (\S+)", script):
                for p in action.detail["profiles"]:
                    if arm.last_segment(p) == name:
                        raw["resources"].remove(d.by_id.pop(arm.norm_id(p)))
            continue
        arm_file = next(f for f in action.files() if f.startswith("arm/"))
        template = json.loads((out / arm_file).read_text())
        given = {}
        if action.kind == model.ACTIVITY_LOG_ALERTS:
            assert template["parameters"]["actionGroupId"]["defaultValue"].startswith(PLACEHOLDER_PREFIX)
            given["actionGroupId"] = action_group
        scope = template["metadata"]["deployAt"]
        d.deploy(template, scope, given)
        if action.kind == model.REMEDIATION_TASK:
            assignment = d.by_id[arm.norm_id(action.detail["assignmentId"])]
            for sub in action.subscriptions:
                state = b.policy_state(assignment, sub, "Compliant", reference_id=action.detail.get("referenceId"))
                state["timestamp"] = "2026-11-28T11:00:00Z"
                raw["policyStates"].append(state)
    return raw


def _unwaived_findings(ctx: AuditContext, rule_id: str) -> list[str]:
    day = ctx.snapshot.collected_at.date()
    out = []
    for f in rule_by_id(rule_id).check(ctx):
        chain = ctx.hierarchy.scope_chain(f.scope)
        if not any(w.matches(rule_id, chain) and w.active_on(day) for w in ctx.config.waivers):
            out.append(f.scope)
    return out


def _apply_and_reaudit(raw: dict[str, Any], config: Config, tmp_path: Path) -> tuple[model.Plan, AuditContext]:
    ctx = AuditContext(build_snapshot(raw), config)
    plan = build_plan(ctx)
    write_plan(plan, tmp_path, ("arm",))
    applied = apply_plan(raw, tmp_path, plan, ACTION_GROUP)
    return plan, AuditContext(build_snapshot(applied), config)


def _assert_projection_holds(plan: model.Plan, after: AuditContext) -> None:
    for p in plan.subscriptions:
        got = after.enforcement[arm.norm_id(p.id)].state
        assert got == p.projected, f"{p.id}: projected {p.projected}, re-audit says {got} ({p.why})"


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
    plan = build_plan(ctx)
    changed = [p for p in plan.subscriptions if p.projected != p.enforcement]
    assert changed
    for p in changed:
        assert ctx.enforcement[arm.norm_id(p.id)].state != p.projected


def _ag_parts() -> tuple[str, str, str]:
    parts = ACTION_GROUP.split("/")
    return parts[2], parts[4], parts[-1]
