"""Issue 18 on the demo tenant: what Azure would have refused, and what the plan left behind.

The applied-plan test of ``test_remediate_apply.py`` deploys the demo's plan with the deploy
simulator. Here each of the issue's first three defects is put back into a correct plan and the
simulator must refuse it (so that test would have caught them); items 4 and 8 are checked on the
plan and its README.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import builders as b
import pytest
from deploy_simulator import DEPLOYER, DeployFailed, Simulator, template_errors
from remediate_support import audited_plan
from test_remediate_apply import ACTION_GROUP, _ag_parts, apply_plan, deploy_delivery_templates

from auditor.analysis.context import AuditContext
from auditor.azure import arm
from auditor.azure.snapshot import build_snapshot
from auditor.config import load_config
from auditor.remediate import api_versions, delivery, model, write_plan
from auditor.rules import rule_ids

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo-tenant.json"
DEMO_CONFIG = ROOT / "examples" / "auditor.toml"
pytestmark = pytest.mark.skipif(not DEMO.exists(), reason="demo tenant not built")


@dataclasses.dataclass
class Demo:
    raw: dict[str, Any]
    ctx: AuditContext
    plan: model.Plan
    out: Path

    def sub(self, display_name: str) -> str:
        return next(s.id for s in self.ctx.hierarchy.subscriptions.values() if s.display_name == display_name)


@pytest.fixture()
def demo(tmp_path: Path) -> Demo:
    raw = json.loads(DEMO.read_text(encoding="utf-8"))
    raw["resources"].append(b.action_group(*_ag_parts(), emails=["soc@contoso.example"]))
    ctx = AuditContext(build_snapshot(raw), load_config(DEMO_CONFIG, rule_ids()))
    plan = audited_plan(ctx)
    write_plan(plan, tmp_path, ("arm",))
    return Demo(raw, ctx, plan, tmp_path)


def _edit(path: Path, change: Any) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")


def test_simulator_refuses_what_template_validation_refuses() -> None:
    def template(resource: dict[str, Any]) -> dict[str, Any]:
        return {"$schema": "x", "parameters": {}, "resources": [resource]}

    array_literal = template({"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
                              "name": "x", "properties": {"principalId": "[reference([parameters('a')], "
                                                                        "'2024-04-01', 'full').identity]"}})
    [error] = template_errors(array_literal)
    assert error.startswith("InvalidTemplate") and "$.resources[0].properties.principalId" in error
    unpublished = template({"type": "Microsoft.Authorization/policyDefinitions", "apiVersion": "2024-04-01",
                            "name": "d"})
    assert template_errors(unpublished) == [
        "NoRegisteredProviderFound: no api-version 2024-04-01 for type Microsoft.Authorization/policyDefinitions "
        "($.resources[0])"]
    reference = template({"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01", "name": "x",
                          "properties": {"principalId": "[reference(extensionResourceId(managementGroup().id, "
                                                        "'Microsoft.Authorization/policyDefinitions', 'd'), "
                                                        "'2024-04-01').x]"}})
    assert [e.split(":")[0] for e in template_errors(reference)] == ["NoRegisteredProviderFound"]
    published = template({"type": "Microsoft.Authorization/policyDefinitions",
                          "apiVersion": api_versions.of(api_versions.POLICY_DEFINITIONS), "name": "d"})
    assert template_errors(published) == []


def test_item1_defender_template_deploys_and_its_array_literal_would_be_refused(demo: Demo) -> None:
    """The corrected templates deploy (assignment, Security Admin grant, remediation task for the
    subscriptions that exist); the issue's expression in the same template is refused."""
    raw, _ = apply_plan(demo.raw, demo.out, demo.plan, ACTION_GROUP, demo.ctx)
    assignments = [d for d in raw["resources"] if str(d.get("id", "")).endswith("/Enable-Defender-ARM")]
    assert len(assignments) == 1 and assignments[0]["identity"]["principalId"]
    remediation = json.loads((demo.out / delivery.DEFENDER_REMEDIATION).read_text(encoding="utf-8"))
    [task] = remediation["resources"]
    assert task["type"] == "Microsoft.PolicyInsights/remediations"
    assert "Enable-Defender-ARM" in task["properties"]["policyAssignmentId"]

    def broken(doc: dict[str, Any]) -> None:
        doc["resources"][1]["properties"]["principalId"] = (
            "[reference([extensionResourceId(managementGroup().id, 'Microsoft.Authorization/policyAssignments', "
            "'Enable-Defender-ARM')], '2024-04-01', 'full').identity.principalId]")

    _edit(demo.out / delivery.DEFENDER_TEMPLATE, broken)
    with pytest.raises(DeployFailed, match="InvalidTemplate"):
        apply_plan(demo.raw, demo.out, demo.plan, ACTION_GROUP, demo.ctx)


def test_item2_policy_definitions_at_an_unpublished_version_would_be_refused(demo: Demo) -> None:
    [definition] = [a for a in demo.plan.actions if a.kind == model.POLICY_DEFINITION]
    path = demo.out / next(f for f in definition.files() if f.startswith("arm/"))
    assert '"Microsoft.Authorization/policyDefinitions"' in path.read_text(encoding="utf-8")
    assert api_versions.of(api_versions.POLICY_DEFINITIONS) != "2024-04-01"

    def old_version(doc: dict[str, Any]) -> None:
        for res in doc["resources"]:
            if res["type"] == "Microsoft.Authorization/policyDefinitions":
                res["apiVersion"] = "2024-04-01"

    _edit(path, old_version)
    with pytest.raises(DeployFailed, match="no api-version 2024-04-01 for type Microsoft.Authorization/policyDef"):
        apply_plan(demo.raw, demo.out, demo.plan, ACTION_GROUP, demo.ctx)


def test_item3_task_identity_is_granted_at_the_workspace_and_fails_without(demo: Demo) -> None:
    """Web-Logging-Baseline's identity holds its roles at contoso-online only; its remediation task
    writes settings that send to the central workspace, so the plan grants it there first."""
    web = demo.sub("Contoso-Online-Web-Prod")
    [grant] = [a for a in demo.plan.actions if a.kind == model.FIX_ASSIGNMENT
               and a.detail["fix"].id.endswith("/Web-Logging-Baseline")]
    assert grant.detail["fix"].grants_destination and web in grant.subscriptions
    [task] = [a for a in demo.plan.actions if a.kind == model.REMEDIATION_TASK
              and a.detail["assignmentId"].endswith("/Web-Logging-Baseline")]
    assert grant.step < task.step
    _, refused = apply_plan(demo.raw, demo.out, demo.plan, ACTION_GROUP, demo.ctx)
    assert refused == {}
    without = dataclasses.replace(demo.plan, actions=[a for a in demo.plan.actions if a is not grant])
    _, refused = apply_plan(demo.raw, demo.out, without, ACTION_GROUP, demo.ctx)
    assert set(refused) == {web} and "Microsoft.OperationalInsights/workspaces" in refused[web]


def test_item4_partly_exported_subscriptions_are_repaired_or_reviewed(demo: Demo) -> None:
    hr, bob = demo.sub("Contoso-Corp-HR-Prod"), demo.sub("Contoso-Sandbox-Bob")
    [update] = [a for a in demo.plan.actions if a.kind == model.UPDATE_SINK]
    assert hr in update.subscriptions
    [conflict] = [c for c in update.detail["conflicts"] if arm.same_id(c.subscription_id, hr)]
    assert set(conflict.missing) and not {"Administrative", "Security"} & set(conflict.missing)
    [review] = [a for a in demo.plan.actions if a.kind == model.REVIEW_PARTIAL_EXPORT]
    assert review.subscriptions == [bob] and "Bob-ActivityLog-Storage" in review.title
    assert "deploys only some of the required categories" in review.title
    # Every partly exported subscription has an action or a review item naming it.
    named = {arm.norm_id(s) for a in demo.plan.actions for s in a.subscriptions}
    partial = [k for k, e in demo.ctx.exports.items() if e.state == "partial"]
    assert partial and all(k in named for k in partial)
    # After the repair HR-Prod exports every category (the applied plan, audited again).
    raw, _ = apply_plan(demo.raw, demo.out, demo.plan, ACTION_GROUP, demo.ctx)
    after = AuditContext(build_snapshot(raw), demo.ctx.config)
    assert after.exports[arm.norm_id(hr)].state == "complete"
    assert after.exports[arm.norm_id(bob)].state == "partial"  # reviewed, not deployed


def test_item8_readme_carries_the_older_role_definition_caveat(tmp_path: Path, demo: Demo) -> None:
    write_plan(demo.plan, tmp_path)
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "still have their earlier definitions" in readme and "Microsoft.Resources/deployments/*" in readme


def test_deploying_the_defender_templates_needs_the_readme_roles(demo: Demo) -> None:
    """Without Resource Policy Contributor and User Access Administrator at the root group the
    simulator refuses the Defender assignment: the deployment is checked, not waved through."""
    sim = Simulator(copy.deepcopy(demo.raw), demo.ctx.hierarchy)
    template = json.loads((demo.out / delivery.DEFENDER_TEMPLATE).read_text(encoding="utf-8"))
    with pytest.raises(DeployFailed):
        sim.deploy(template, template["metadata"]["deployAt"], {}, DEPLOYER)
    deploy_delivery_templates(sim, demo.out, demo.plan)
    assert any(str(d.get("id", "")).endswith("/Enable-Defender-ARM") for d in sim.raw["resources"])
