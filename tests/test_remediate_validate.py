"""Generated remediation checked with Azure's own definitions and parsers that are not ours.

The demo's and a synthetic tenant's remediation pass every check of ``tests/iac_checks.py``; each
check fails on a deliberately broken file (the checks can fail); the api-version table agrees with
the Bicep type index excerpts kept in ``tests/fixtures/azure-types/``.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from iac_checks import arm_folder_problems, bicep_problems, output_problems, terraform_problems
from remediate_support import audited_plan
from tenant_support import synthetic, tenant

from auditor.analysis.context import AuditContext
from auditor.azure.snapshot import build_snapshot
from auditor.config import Config, load_config
from auditor.remediate import api_versions, model, sink_batch, write_plan
from auditor.remediate.validate import arm_problems, type_of_id
from auditor.rules import rule_ids

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo-tenant.json"
DEMO_CONFIG = ROOT / "examples" / "auditor.toml"
TYPES = ROOT / "tests" / "fixtures" / "azure-types"


def _write(raw: dict, config: Config, out: Path) -> Path:
    plan = audited_plan(AuditContext(build_snapshot(raw), config))
    write_plan(plan, out)
    return out


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = json.loads(DEMO.read_text(encoding="utf-8"))
    return _write(raw, load_config(DEMO_CONFIG, rule_ids()), tmp_path_factory.mktemp("demo"))


def test_api_version_table_is_backed_by_the_type_index() -> None:
    headings = set()
    for path in TYPES.glob("*.md"):
        headings |= {m.lower() for m in re.findall(r"^## Resource (\S+@\S+)$", path.read_text(encoding="utf-8"),
                                                     flags=re.M)}
    missing = [f"{t}@{v}" for t, v in api_versions.table().items() if f"{t}@{v}".lower() not in headings]
    assert not missing, f"api-versions without a '## Resource' heading in tests/fixtures/azure-types/: {missing}"
    # The version the issue found wrong is not published for policy definitions.
    assert "microsoft.authorization/policydefinitions@2024-04-01" not in headings
    assert api_versions.of("Microsoft.Authorization/policyDefinitions") != "2024-04-01"


@pytest.mark.skipif(not DEMO.exists(), reason="demo tenant not built")
def test_demo_remediation_passes_every_check(demo_out: Path) -> None:
    assert (demo_out / "arm" / "defender-for-resource-manager.json").is_file()
    assert (demo_out / "arm" / "defender-for-resource-manager-remediation.json").is_file()
    assert output_problems(demo_out) == []


def test_synthetic_tenant_remediation_passes_every_check(tmp_path: Path) -> None:
    raw = tenant(300)
    workspace = next(d["id"] for d in raw["resources"]
                     if str(d.get("type", "")).lower() == "microsoft.operationalinsights/workspaces")
    for config in (Config(), Config(central_destinations=(workspace,))):
        out = _write(raw, config, tmp_path / str(len(config.central_destinations)))
        assert output_problems(out) == []


def test_repair_of_many_settings_is_one_action_with_the_settings_as_data(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18 item 5: one update_sink action (per destination), the settings in parameter files of at
    most sink_batch.BATCH entries, every file valid; the repair is not scoped to single subscriptions."""
    raw = tenant(300)
    workspace = next(d["id"] for d in raw["resources"]
                     if str(d.get("type", "")).lower() == "microsoft.operationalinsights/workspaces")
    added = synthetic.with_partial_exports_to(raw, workspace)
    monkeypatch.setattr(sink_batch, "BATCH", 7)  # several files without thousands of subscriptions
    plan = audited_plan(AuditContext(build_snapshot(raw), Config(central_destinations=(workspace,))))
    [update] = [a for a in plan.actions if a.kind == model.UPDATE_SINK]
    conflicts = update.detail["conflicts"]
    assert 7 < len(conflicts) <= added and len(update.subscriptions) == len(conflicts)
    assert update.scope == plan.root_group
    single = [a for a in plan.actions if a.scope.lower().startswith("/subscriptions/") and a.scope.count("/") == 2]
    assert len(single) <= 20 and model.UPDATE_SINK not in {a.kind for a in single}
    write_plan(plan, tmp_path)
    data = [f for f in update.files() if f.startswith("parameters/")]
    assert len(data) == -(-len(conflicts) // 7)
    listed = [s for f in data for s in json.loads((tmp_path / f).read_text())["parameters"]["settings"]["value"]]
    assert sorted(s["name"] + s["subscriptionId"] for s in listed) == sorted(
        c.name + c.subscription_id.split("/")[-1] for c in conflicts)
    assert output_problems(tmp_path) == []


# ---------------------------------------------------------------- the checks can fail
def test_arm_check_fails_on_the_defender_array_literal_and_the_missing_api_version() -> None:
    broken = {"resources": [
        {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01", "name": "x",
         "properties": {"principalId": "[reference([extensionResourceId(managementGroup().id, "
                                       "'Microsoft.Authorization/policyAssignments', 'a')], '2024-04-01', "
                                       "'full').identity.principalId]"}},
        {"type": "Microsoft.Authorization/policyDefinitions", "apiVersion": "2024-04-01", "name": "d"},
        {"type": "Microsoft.Nope/things", "apiVersion": "2020-01-01", "name": "n"},
    ]}
    problems = arm_problems(broken)
    assert any("does not parse" in p and "$.resources[0].properties.principalId" in p for p in problems)
    assert any("policyDefinitions@2024-04-01 is not the table's" in p for p in problems)
    assert any("Microsoft.Nope/things is not in the api-version table" in p for p in problems)


def test_arm_check_knows_template_and_policy_functions() -> None:
    assert arm_problems({"a": "[concatt('x')]"}) == ["$.a: concatt() is not a template function"]
    assert arm_problems({"a": "[field('type')]"}) == ["$.a: field() is not a template function"]
    assert arm_problems({"a": "[[field('type')]"}) == []  # escaped: a policy rule's expression
    assert arm_problems({"a": "[listKeys(parameters('x'), '2023-01-01').keys[0].value]"}) == []
    wrong = "[reference('/providers/Microsoft.Authorization/policyAssignments/a', '2020-01-01', 'full')]"
    assert "reference() reads Microsoft.Authorization/policyAssignments at api-version 2020-01-01" in arm_problems(
        {"a": wrong})[0]
    assert type_of_id("/subscriptions/s/providers/Microsoft.Insights/diagnosticSettings/x") == \
        "Microsoft.Insights/diagnosticSettings"


def test_every_check_fails_on_a_broken_copy_of_the_demo(demo_out: Path, tmp_path: Path) -> None:
    out = tmp_path / "broken"
    shutil.copytree(demo_out, out)
    # ARM: the template expression of issue 18 item 1, back in the Defender template.
    defender = out / "arm" / "defender-for-resource-manager.json"
    doc = json.loads(defender.read_text(encoding="utf-8"))
    doc["resources"][1]["properties"]["principalId"] = "[reference([parameters('x')], '2024-04-01')]"
    defender.write_text(json.dumps(doc), encoding="utf-8")
    assert any("defender-for-resource-manager.json" in p and "does not parse" in p
               for p in arm_folder_problems(out / "arm"))
    # Bicep: a version Azure does not publish, a syntax error, a missing module.
    bicep = sorted((out / "bicep").glob("*.bicep"))
    definition = next(p for p in bicep if "policyDefinitions@" in p.read_text(encoding="utf-8"))
    definition.write_text(definition.read_text(encoding="utf-8").replace(
        api_versions.type_at(api_versions.POLICY_DEFINITIONS), "Microsoft.Authorization/policyDefinitions@2024-04-01"),
        encoding="utf-8")
    bicep[1].write_text(bicep[1].read_text(encoding="utf-8") + "\nresource unclosed 'Microsoft.Insights/"
                        "diagnosticSettings@2021-05-01-preview' = {\n  name: 'x'\n", encoding="utf-8")
    shutil.rmtree(out / "bicep" / "modules")
    problems = bicep_problems(out / "bicep")
    assert any("policyDefinitions@2024-04-01, not in the api-version table" in p for p in problems)
    assert any(p.startswith(bicep[1].name) and "does not parse" in p for p in problems)
    assert any("which is not a file of the output" in p for p in problems)
    # Terraform: an argument no pinned provider release has, and a file terraform fmt rewrites.
    tf = sorted((out / "terraform").glob("*.tf"))
    assign = next(p for p in tf if "azurerm_management_group_policy_assignment" in p.read_text(encoding="utf-8")
                  or "azurerm_subscription_policy_assignment" in p.read_text(encoding="utf-8"))
    text = assign.read_text(encoding="utf-8")
    assign.write_text(text.replace("  enforce ", "  enforcement_mode = \"Default\"\n  enforce ", 1), encoding="utf-8")
    problems = terraform_problems(out / "terraform", run_fmt=False)
    assert any("has no argument enforcement_mode" in p for p in problems)
    if shutil.which("terraform"):
        sentinel = next(p for p in tf if "azapi_resource" in p.read_text(encoding="utf-8"))
        sentinel.write_text(sentinel.read_text(encoding="utf-8").replace("  body = ", "  body      = "),
                            encoding="utf-8")
        assert any("terraform fmt -check fails" in p for p in terraform_problems(out / "terraform"))
