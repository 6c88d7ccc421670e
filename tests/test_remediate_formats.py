"""Every generated file parses: ARM as JSON templates, Bicep and Terraform structurally
(balanced delimiters outside strings, the expected resources, modules that exist), and
Terraform through ``terraform fmt`` when the binary is installed. No Bicep compiler is
installable here (it is not on PyPI, npm or Debian), so Bicep gets the structural check only.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from remediate_support import audited_plan
from test_remediate_plan import plan_for

from auditor.remediate import model, render_files, write_plan

_EXPECTED = {
    model.POLICY_DEFINITION: ("Microsoft.Authorization/policyDefinitions", "azurerm_policy_definition"),
    model.ASSIGN_EXPORT_POLICY: ("Microsoft.Authorization/policyAssignments", "_policy_assignment"),
    model.FIX_ASSIGNMENT: ("Microsoft.Authorization/", "azurerm_"),  # see _expected
    model.REMEDIATION_TASK: ("Microsoft.PolicyInsights/remediations", "_policy_remediation"),
    model.MANAGEMENT_GROUP_EXPORT: ("Microsoft.Insights/diagnosticSettings", "azapi_resource"),
    model.ASSIGN_ALERT_POLICY: ("Microsoft.Authorization/policyAssignments", "_policy_assignment"),
    model.CENTRAL_ALERT_RULE: ("Microsoft.Insights/scheduledQueryRules",
                               "azurerm_monitor_scheduled_query_rules_alert_v2"),
}
DESTINATIONS = ["workspace", "storage", "event_hub", "none"]


def _expected(action: model.Action) -> tuple[str, str]:
    """Resource type (ARM/Bicep) and Terraform resource the action's file must declare."""
    if action.kind == model.FIX_ASSIGNMENT:
        if action.detail["fix"].changes_assignment:
            return "Microsoft.Authorization/policyAssignments", "_policy_assignment"
        return "Microsoft.Authorization/roleAssignments", "azurerm_role_assignment"
    return _EXPECTED[action.kind]


def balanced(text: str, quote: str, comment: str) -> bool:
    """Delimiters balance outside strings, comments and (HCL) heredocs."""
    stack: list[str] = []
    pairs = {")": "(", "]": "[", "}": "{"}
    heredoc: str | None = None
    for line in text.split("\n"):
        if heredoc is not None:
            if line.strip() == heredoc:
                heredoc = None
            continue
        i = 0
        in_str = False
        while i < len(line):
            c = line[i]
            if in_str:
                if c == "\\":
                    i += 2
                    continue
                if c == quote:
                    in_str = False
            elif line.startswith(comment, i):
                break
            elif c == quote:
                in_str = True
            elif line.startswith("<<", i) and quote == '"':
                heredoc = line[i:].lstrip("<-").strip()
                break
            elif c in "([{":
                stack.append(c)
            elif c in ")]}" and (not stack or stack.pop() != pairs[c]):
                return False
            i += 1
        if in_str:
            return False
    return not stack and heredoc is None


@pytest.mark.parametrize("destination", DESTINATIONS)
def test_arm_templates_are_deployment_templates(destination: str) -> None:
    plan, _ = plan_for(destination)
    files = render_files(plan, ("arm",))
    for action in plan.actions:
        for f in action.files(("arm",)):
            if not f.startswith("arm/"):
                continue
            doc = json.loads(files[f])
            assert doc["$schema"].endswith(("managementGroupDeploymentTemplate.json#",
                                            "subscriptionDeploymentTemplate.json#", "/deploymentTemplate.json#"))
            assert doc["$schema"].endswith("/deploymentTemplate.json#") == (action.kind == model.CENTRAL_ALERT_RULE)
            assert doc["contentVersion"] == "1.0.0.0"
            types = json.dumps([r["type"] for r in doc["resources"]]
                               + [r["type"] for r in doc["resources"][0].get("properties", {})
                                  .get("template", {}).get("resources", [])])
            assert _expected(action)[0] in types, (f, types)
            if action.kind in (model.ASSIGN_EXPORT_POLICY, model.ASSIGN_ALERT_POLICY):
                [assignment] = [r for r in doc["resources"] if r["type"].endswith("policyAssignments")]
                assert assignment["identity"] == {"type": "SystemAssigned"}
                assert assignment["properties"]["enforcementMode"] == "Default"
                grants = [r for r in doc["resources"] if r["type"].endswith("roleAssignments")]
                assert len(grants) == len(action.detail["roles"])


def test_embedded_policy_rule_is_escaped_for_arm() -> None:
    plan, _ = plan_for("storage")
    [definition, _alerts] = [a for a in plan.actions if a.kind == model.POLICY_DEFINITION]
    doc = json.loads(render_files(plan, ("arm",))[definition.files(("arm",))[0]])
    rule = doc["resources"][0]["properties"]["policyRule"]
    assert rule["then"]["effect"] == "[[parameters('effect')]"
    text = json.dumps(doc)
    assert '"[parameters(' not in text  # nothing would be evaluated by the deployment itself


@pytest.mark.parametrize("destination", DESTINATIONS)
def test_bicep_files_are_well_formed(destination: str) -> None:
    plan, _ = plan_for(destination)
    files = render_files(plan, ("bicep",))
    bicep = {p: t for p, t in files.items() if p.endswith(".bicep")}
    scripts = [p for p in files if p.startswith("scripts/")]
    assert scripts and all(files[p].startswith("#!/usr/bin/env sh\n") for p in scripts)
    assert bicep
    for path, text in bicep.items():
        assert balanced(text, "'", "//"), path
        assert re.search(r"^targetScope = '(managementGroup|subscription|resourceGroup)'$", text, re.M), path
        assert not re.search(r"\b(True|False|None)\b", text), path
        for module in re.findall(r"^module \w+ '([^']+)'", text, re.M):
            assert str(Path(path).parent / module) in files, (path, module)
    for action in plan.actions:
        main = [f for f in action.files(("bicep",)) if f.startswith("bicep/") and "/modules/" not in f]
        for f in main:
            text = bicep[f] + "".join(bicep[m] for m in action.files(("bicep",)) if "/modules/" in m)
            assert _expected(action)[0] in text, f


@pytest.mark.parametrize("destination", DESTINATIONS)
def test_terraform_files_are_well_formed(destination: str) -> None:
    plan, _ = plan_for(destination)
    files = render_files(plan, ("terraform",))
    tf = {p: t for p, t in files.items() if p.endswith(".tf")}
    for path, text in tf.items():
        assert balanced(text, '"', "#"), path
        assert not re.search(r"= (True|False|None)\b", text), path
    for action in plan.actions:
        for f in action.files(("terraform",)):
            if f.startswith("terraform/") and f not in action.shared_files("terraform"):
                assert _expected(action)[1] in tf[f], f
    assert 'source  = "hashicorp/azurerm"' in tf[model.TERRAFORM_PROVIDERS]
    symbols = re.findall(r'^(?:resource|variable) "([^"]+)"(?: "([^"]+)")?', "\n".join(tf.values()), re.M)
    assert len(symbols) == len(set(symbols)), "duplicate Terraform addresses in one configuration"


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform binary not installed")
@pytest.mark.parametrize("destination", DESTINATIONS)
def test_terraform_fmt_accepts_the_output(tmp_path: Path, destination: str) -> None:
    plan, _ = plan_for(destination)
    write_plan(plan, tmp_path, ("terraform",))
    run = subprocess.run(["terraform", "fmt", "-check", "-recursive", "-no-color", str(tmp_path / "terraform")],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("destination", DESTINATIONS)
def test_terraform_applies_in_dependency_order(destination: str) -> None:
    """Stage 1 (terraform/) holds everything but the remediation tasks; stage 2 (terraform/remediation/)
    holds the tasks, and a management-group task depends on a fresh scan of every subscription it covers."""
    plan, _ = plan_for(destination)
    files = render_files(plan, ("terraform",))
    stage1 = "\n".join(t for p, t in files.items() if re.fullmatch(r"terraform/[^/]+\.tf", p))
    stage2 = {p: t for p, t in files.items() if p.startswith(model.TERRAFORM_STAGE2 + "/")}
    assert "_policy_remediation" not in stage1
    assert model.TERRAFORM_STAGE2_PROVIDERS in stage2
    for action in plan.actions:
        if action.kind != model.REMEDIATION_TASK:
            continue
        [own] = [f for f in action.files(("terraform",)) if f not in action.shared_files("terraform")]
        text = stage2[own]
        if action.scope.lower().startswith("/providers/microsoft.management/"):
            scan = re.search(r'resource "terraform_data" "(\w+)"', text)
            assert scan and re.search(rf"depends_on\s+= \[terraform_data\.{scan.group(1)}\]", text)
            for sub in action.subscriptions:
                assert f"az policy state trigger-scan --subscription {sub.rsplit('/', 1)[-1]}" in text
        else:
            assert 'resource_discovery_mode = "ReEvaluateCompliance"' in text
    # Role assignments of a new assignment reference its identity: Terraform orders them after it.
    assert re.search(r"principal_id\s+= azurerm_\w+_policy_assignment\.\w+\.identity\[0\]\.principal_id", stage1)
    # One variable holds the action group, the provider floor has `location` on activity log alerts.
    assert stage1.count("<REPLACE: action group") == 1 and "var.action_group_id" in stage1
    assert 'version = ">= 3.100.0, < 5.0"' in files[model.TERRAFORM_PROVIDERS]


def test_balanced_detects_breakage() -> None:
    assert balanced("a = { b = [1] }", '"', "#")
    assert not balanced("a = { b = [1 }", '"', "#")
    assert balanced('a = "}"', '"', "#")
    assert not balanced("x = <<-JSON\n{\n", '"', "#")


def test_same_named_assignments_at_different_scopes_get_distinct_terraform_addresses() -> None:
    import builders as b
    from test_remediate_plan import LA, WORKSPACE, _assignment, _roles

    from auditor.analysis.context import AuditContext
    from auditor.azure.snapshot import build_snapshot
    from auditor.config import Config

    s1, s2 = b.guid("twin-1"), b.guid("twin-2")
    docs = [
        b.management_group("root", parent=None, children=[b.child_group("a"), b.child_group("b")]),
        b.management_group("a", parent="root", children=[b.child_subscription(s1, "one")]),
        b.management_group("b", parent="root", children=[b.child_subscription(s2, "two")]),
        b.subscription(s1, "one"), b.subscription(s2, "two"), b.export_policy_definition(),
    ]
    for group in ("a", "b"):
        docs += [_assignment(group, "Deploy-AzActivity-Log", LA, enforcement_mode="DoNotEnforce"),
                 *_roles(b.mg_id(group), "Deploy-AzActivity-Log")]
    raw = b.snapshot(docs, root="root")
    plan = audited_plan(AuditContext(build_snapshot(raw), Config(central_destinations=(WORKSPACE,))))
    assert len([a for a in plan.actions if a.kind == model.FIX_ASSIGNMENT]) == 2
    tf = "\n".join(t for p, t in render_files(plan, ("terraform",)).items() if p.endswith(".tf"))
    addresses = re.findall(r'^(?:resource|variable|import) "([^"]+)"(?: "([^"]+)")?', tf, re.M)
    assert len(addresses) == len(set(addresses))
    imports = re.findall(r"^  to = (\S+)$", tf, re.M)
    assert len(imports) == 2 and len(set(imports)) == 2
