"""Classification with defaults (issue 13 item 5): the categories a definition deploys when
nobody changes its parameters, and the parameters that change them (``categoryParameters``).

Built from the shipped built-in 2465583e (``logsEnabled``, default ``"True"``, drives every
category's ``enabled`` flag) and a corpus definition with one flag per category.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

import auditor
from auditor.azure.policy import DefinitionIndex, PolicyDoc, classify_definition, export_shape
from auditor.cli import main

ALL8 = ["Administrative", "Security", "ServiceHealth", "Alert", "Recommendation", "Policy", "Autoscale",
        "ResourceHealth"]
BUILTIN_ID = "/providers/Microsoft.Authorization/policyDefinitions/2465583e-4e78-4c15-b6be-a36cbc7c8b0f"


def builtin() -> dict[str, Any]:
    """The shipped verbatim copy of built-in 2465583e."""
    path = Path(auditor.__file__).parent / "data" / "builtin_policies" / "2465583e-4e78-4c15-b6be-a36cbc7c8b0f.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_builtin_names_logs_enabled_and_its_default_categories() -> None:
    got = classify_definition(builtin()).as_dict()
    assert got["categories"] == "parameterised"  # an assignment can still switch them off
    assert got["defaultCategories"] == ALL8
    assert got["categoryParameters"] == ["logsEnabled"]


def test_default_false_deploys_nothing_by_default() -> None:
    doc = builtin()
    doc["properties"]["parameters"]["logsEnabled"]["defaultValue"] = "False"
    got = classify_definition(doc)
    assert got.categories == "parameterised"
    assert got.default_categories == []
    assert got.category_parameters == ["logsEnabled"]


def test_no_default_leaves_default_categories_unknown() -> None:
    doc = builtin()
    del doc["properties"]["parameters"]["logsEnabled"]["defaultValue"]
    got = classify_definition(doc)
    assert got.default_categories is None
    assert got.category_parameters == ["logsEnabled"]


def test_one_flag_per_category_names_each_parameter() -> None:
    """As community-policy's event-hub-v2 definition: ``<category>LogsEnabled`` per category."""
    doc = builtin()
    props = doc["properties"]
    deployment = props["policyRule"]["then"]["details"]["deployment"]["properties"]
    for entry in deployment["template"]["resources"][0]["properties"]["logs"]:
        name = entry["category"][0].lower() + entry["category"][1:] + "LogsEnabled"
        default = "False" if entry["category"] == "Security" else "True"
        props["parameters"][name] = {"type": "String", "allowedValues": ["True", "False"], "defaultValue": default}
        deployment["parameters"][name] = {"value": f"[parameters('{name}')]"}
        deployment["template"]["parameters"][name] = {"type": "string"}
        entry["enabled"] = f"[parameters('{name}')]"
    got = classify_definition(doc)
    assert got.categories == "parameterised"
    assert got.default_categories == [c for c in ALL8 if c != "Security"]
    assert got.category_parameters == [c[0].lower() + c[1:] + "LogsEnabled" for c in ALL8]
    # logsEnabled no longer reaches the template; the workspace never decides categories


def test_fixed_categories_have_no_category_parameters() -> None:
    doc = builtin()
    for entry in doc["properties"]["policyRule"]["then"]["details"]["deployment"]["properties"]["template"][
            "resources"][0]["properties"]["logs"]:
        entry["enabled"] = entry["category"] != "Autoscale"
    got = classify_definition(doc)
    assert got.categories == [c for c in ALL8 if c != "Autoscale"]
    assert got.default_categories == got.categories
    assert got.category_parameters == []


def test_enforcement_axis_still_resolves_the_assignments_value() -> None:
    pd = PolicyDoc(builtin())
    assert export_shape(pd, {"logsenabled": "False", "loganalytics": "/ws"}).categories == []
    assert export_shape(pd, {"loganalytics": "/ws"}).categories == ALL8  # default in force


def _set(passed: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "/providers/Microsoft.Management/managementGroups/contoso/providers/Microsoft.Authorization/"
              "policySetDefinitions/baseline",
        "name": "baseline",
        "properties": {"displayName": "baseline", "parameters": parameters, "policyDefinitions": [
            {"policyDefinitionReferenceId": "activity", "policyDefinitionId": BUILTIN_ID,
             "parameters": {"logAnalytics": {"value": "[parameters('workspace')]"}, **passed}}]},
    }


def test_set_names_its_own_parameter_and_its_default() -> None:
    doc = _set({"logsEnabled": {"value": "[parameters('activityLogs')]"}},
               {"workspace": {"type": "String"},
                "activityLogs": {"type": "String", "defaultValue": "False"}})
    got = classify_definition(doc, DefinitionIndex())
    assert got.categories == "parameterised"
    assert got.default_categories == []  # the set's default switches every category off
    assert got.category_parameters == ["activityLogs"]
    member = got.as_dict()["exportMembers"][0]
    assert member["categoryParameters"] == ["activityLogs"]
    assert member["defaultCategories"] == []


def test_set_pinning_the_flag_controls_nothing() -> None:
    doc = _set({"logsEnabled": {"value": "True"}}, {"workspace": {"type": "String"}})
    got = classify_definition(doc, DefinitionIndex())
    assert got.categories == ALL8
    assert got.category_parameters == []


def test_set_not_passing_the_flag_keeps_the_member_default() -> None:
    doc = _set({}, {"workspace": {"type": "String"}})
    got = classify_definition(doc, DefinitionIndex())
    assert got.default_categories == ALL8
    assert got.category_parameters == []  # an assignment of the set cannot reach logsEnabled


def test_cli_prints_the_parameters_and_defaults(tmp_path: Any) -> None:
    path = tmp_path / "builtin.json"
    path.write_text(json.dumps(builtin()), encoding="utf-8")
    res = CliRunner().invoke(main, ["policy", "classify", str(path), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)[0]
    assert out["defaultCategories"] == ALL8 and out["categoryParameters"] == ["logsEnabled"]
    res = CliRunner().invoke(main, ["policy", "classify", str(path)])
    assert "categories=parameterised(logsEnabled; default Administrative," in res.output
