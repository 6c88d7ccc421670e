"""Repair of existing diagnostic settings as ONE action: the settings are data, not steps.

Updating a subscription's setting (:mod:`auditor.remediate.sinks`) is the same template for every
subscription; only the subscription, the setting's name and its properties differ. So the plan
has one ``update_sink`` action per destination: a management-group template (ARM, Bicep) or a
``for_each`` (Terraform) over a list, and the list itself in parameter files
(``parameters/<step>-<n>.json``, the ARM deployment-parameters format, which Bicep reads too and
Terraform decodes). A template's copy loop counts at most 800 (Learn, "Resource iteration in ARM
templates": https://learn.microsoft.com/azure/azure-resource-manager/templates/copy-resources),
so the list is cut into files of at most :data:`BATCH` settings, each deployed once.
"""

from __future__ import annotations

import json
from typing import Any

from auditor.azure import arm
from auditor.remediate import api_versions, sinks
from auditor.remediate.model import BICEP_UPDATE_SINK_MODULE, Action
from auditor.remediate.sinks import SinkConflict
from auditor.remediate.syntax import Raw, hcl_attributes, hcl_string, hcl_value, identifier

BATCH = 800
PARAMETERS_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"
MG_SCHEMA = "https://schema.management.azure.com/schemas/2019-08-01/managementGroupDeploymentTemplate.json#"
SUB_SCHEMA = "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"


def batches(count: int) -> int:
    return max(1, -(-count // BATCH))


def parameter_files(action: Action) -> list[str]:
    return [f for f in action.files(()) if f.startswith("parameters/")]


def entry(conflict: SinkConflict) -> dict[str, Any]:
    """One setting as data: where it is, its name, its properties with every category enabled."""
    return {"subscriptionId": arm.subscription_id_of(conflict.subscription_id) or "",
            "name": conflict.name, "properties": sinks.updated_properties(conflict)}


def parameters_documents(action: Action) -> dict[str, str]:
    """Relative path -> deployment parameters file, :data:`BATCH` settings each."""
    conflicts: list[SinkConflict] = action.detail["conflicts"]
    out = {}
    for i, path in enumerate(parameter_files(action)):
        chunk = [entry(c) for c in conflicts[i * BATCH:(i + 1) * BATCH]]
        doc = {"$schema": PARAMETERS_SCHEMA, "contentVersion": "1.0.0.0",
               "parameters": {"settings": {"value": chunk}}}
        out[path] = json.dumps(doc, indent=1, sort_keys=False) + "\n"
    return out


def arm_template(action: Action) -> dict[str, Any]:
    """Management-group template: one nested subscription deployment per listed setting."""
    setting = {
        "type": api_versions.DIAGNOSTIC_SETTINGS, "apiVersion": api_versions.of(api_versions.DIAGNOSTIC_SETTINGS),
        "name": "[parameters('name')]", "properties": "[parameters('properties')]",
    }
    return {
        "$schema": MG_SCHEMA,
        "contentVersion": "1.0.0.0",
        "metadata": {"description": action.title, "deployAt": action.scope, "generator": "auditor remediate"},
        "parameters": {"settings": {"type": "array", "metadata": {
            "description": "settings to update: subscriptionId, name, properties (the parameter files)"}}},
        "resources": [{
            "type": api_versions.DEPLOYMENTS, "apiVersion": api_versions.of(api_versions.DEPLOYMENTS),
            "name": "[format('auditor-update-sink-{0}', uniqueString("
                    "parameters('settings')[copyIndex()].subscriptionId, parameters('settings')[copyIndex()].name))]",
            "subscriptionId": "[parameters('settings')[copyIndex()].subscriptionId]",
            "location": "[deployment().location]",
            "copy": {"name": "settings", "count": "[length(parameters('settings'))]"},
            "properties": {
                "mode": "Incremental",
                "expressionEvaluationOptions": {"scope": "inner"},
                "parameters": {"name": {"value": "[parameters('settings')[copyIndex()].name]"},
                               "properties": {"value": "[parameters('settings')[copyIndex()].properties]"}},
                "template": {"$schema": SUB_SCHEMA, "contentVersion": "1.0.0.0",
                             "parameters": {"name": {"type": "string"}, "properties": {"type": "object"}},
                             "resources": [setting]},
            },
        }],
    }


def bicep(action: Action, header: str) -> str:
    return (header + "targetScope = 'managementGroup'\n\n"
            "@description('settings to update: subscriptionId, name, properties (the parameter files)')\n"
            "param settings array\n\n"
            f"module update '{BICEP_UPDATE_SINK_MODULE.removeprefix('bicep/')}' = [for s in settings: {{\n"
            "  name: 'auditor-update-sink-${uniqueString(s.subscriptionId, s.name)}'\n"
            "  scope: subscription(s.subscriptionId)\n"
            "  params: {\n    name: s.name\n    properties: s.properties\n  }\n}]\n")


def bicep_module() -> str:
    return ("// Generated by auditor remediate: one existing diagnostic setting, updated in place.\n"
            "targetScope = 'subscription'\n\n"
            "param name string\nparam properties object\n\n"
            f"resource setting '{api_versions.type_at(api_versions.DIAGNOSTIC_SETTINGS)}' = {{\n"
            "  name: name\n  properties: properties\n}\n")


def terraform(action: Action, header: str) -> str:
    """azapi merges the new ``logs`` into each existing setting, read from the parameter files."""
    sym = f"{identifier(action.slug)}_{action.step}"
    files = ", ".join(hcl_string(f"../{p}") for p in parameter_files(action))
    body = hcl_value({"properties": {"logs": Raw("each.value.properties.logs")}}, 1)
    attrs = hcl_attributes([
        ("for_each", f"{{ for s in local.{sym} : \"${{s.subscriptionId}}/${{s.name}}\" => s }}"),
        ("type", hcl_string(api_versions.type_at(api_versions.DIAGNOSTIC_SETTINGS))),
        ("resource_id", "\"/subscriptions/${each.value.subscriptionId}/providers/Microsoft.Insights/"
                        "diagnosticSettings/${each.value.name}\""),
        ("body", f"jsonencode({body})"),
    ], "  ")
    return (header
            + "locals {\n"
            + f"  {sym} = flatten([for f in [{files}] : "
            + "jsondecode(file(\"${path.module}/${f}\")).parameters.settings.value])\n"
            + "}\n\n"
            + f"resource \"azapi_update_resource\" \"{sym}\" {{\n" + "\n".join(attrs) + "\n}\n")
