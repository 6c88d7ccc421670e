"""The alerting actions in ARM, Bicep and Terraform: the central log search rule and the
alert-policy assignment (the policy definition itself renders like any other definition)."""

from __future__ import annotations

from typing import Any

from auditor.remediate import alert_policy, api_versions, arm_render, bicep_render, model, terraform_render
from auditor.remediate.definitions import dump
from auditor.remediate.model import Action
from auditor.remediate.syntax import (
    Raw,
    arm_escape,
    bicep_string,
    comment_text,
    hcl_attributes,
    hcl_string,
    hcl_value,
    identifier,
)

KINDS = frozenset({model.CENTRAL_ALERT_RULE, model.ASSIGN_ALERT_POLICY})
_RULE_TYPE = "Microsoft.Insights/scheduledQueryRules"
_ASSIGNMENT_DISPLAY = "Alert on sensitive operations (auditor remediate)"
_ACTION_GROUP = Raw(f"var.{terraform_render.ACTION_GROUP_VARIABLE}")  # terraform/variables.tf
_ASSIGNMENT_DESCRIPTION = "Deploys an activity log alert on the sensitive operations in every subscription below."


def workspace_resource_group(action: Action) -> tuple[str, str]:
    """(subscription, resource group) of the rule: the workspace's own, or placeholders."""
    parts = str(action.detail["workspaceId"]).split("/")
    if len(parts) > 4 and parts[1].lower() == "subscriptions" and parts[3].lower() == "resourcegroups":
        return parts[2], parts[4]
    return "<REPLACE: subscription of the workspace>", "<REPLACE: resource group of the workspace>"


# ---------------------------------------------------------------------------------- ARM
def arm_central_rule(action: Action) -> dict[str, Any]:
    d = action.detail
    props = arm_escape(alert_policy.central_rule_properties("", d["operations"], ""))
    props["scopes"] = ["[parameters('workspaceId')]"]
    props["actions"] = {"actionGroups": ["[parameters('actionGroupId')]"]}
    return {
        "$schema": arm_render.RG_SCHEMA,
        "contentVersion": "1.0.0.0",
        "metadata": {"description": action.title, "deployAt": action.scope, "generator": "auditor remediate"},
        "parameters": {
            "workspaceId": {"type": "string", "defaultValue": arm_escape(d["workspaceId"])},
            "actionGroupId": {"type": "string", "defaultValue": arm_escape(d["actionGroupId"])},
            "location": {"type": "string", "defaultValue": arm_escape(d["location"])},
        },
        "resources": [{
            "type": _RULE_TYPE,
            "apiVersion": alert_policy.SCHEDULED_QUERY_RULES_API,
            "name": d["ruleName"],
            "location": "[parameters('location')]",
            "kind": "LogAlert",
            "properties": props,
        }],
    }


def _assignment_parameters(d: dict[str, Any], action_group: Any, location: Any) -> dict[str, Any]:
    return {
        "operationNames": {"value": list(d["operations"])},
        "actionGroupId": {"value": action_group},
        "alertResourceGroupLocation": {"value": location},
    }


def _assignment_properties(d: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    return {
        "displayName": _ASSIGNMENT_DISPLAY,
        "description": _ASSIGNMENT_DESCRIPTION,
        "policyDefinitionId": d["definitionId"],
        "enforcementMode": "Default",
        "notScopes": list(d["notScopes"]),
        "parameters": parameters,
        "metadata": {"assignedBy": "auditor remediate"},
    }


def arm_alert_assignment(action: Action) -> dict[str, Any]:
    d = action.detail
    params = {k: {"value": arm_escape(v["value"])} for k, v in _assignment_parameters(d, "", "").items()}
    params["actionGroupId"] = {"value": "[parameters('actionGroupId')]"}
    params["alertResourceGroupLocation"] = {"value": "[parameters('location')]"}
    resources: list[dict[str, Any]] = [{
        "type": "Microsoft.Authorization/policyAssignments",
        "apiVersion": arm_render.POLICY_ASSIGNMENT_API,
        "name": d["assignmentName"],
        "location": "[parameters('location')]",
        "identity": {"type": "SystemAssigned"},
        "properties": arm_escape(_assignment_properties(d, {})) | {"parameters": params},
    }]
    resources += arm_render._role_assignments(action.scope, d["assignmentId"], d["roles"], None)
    return arm_render._template(action.scope, resources, parameters={
        "actionGroupId": {"type": "string", "defaultValue": arm_escape(d["actionGroupId"]),
                          "metadata": {"description": "action group the alerts notify"}},
        "location": {"type": "string", "defaultValue": arm_escape(d["location"]),
                     "metadata": {"description": "Region of the assignment's managed identity"}},
    }, description=action.title)


# ---------------------------------------------------------------------------------- Bicep
def bicep_central_rule(action: Action) -> str:
    d = action.detail
    props = alert_policy.central_rule_properties("", d["operations"], "")
    props["scopes"] = [Raw("workspaceId")]
    props["actions"] = {"actionGroups": [Raw("actionGroupId")]}
    text = bicep_render.comment_header(action.scope, action.title) + "targetScope = 'resourceGroup'\n"
    text += f"\nparam workspaceId string = {bicep_string(d['workspaceId'])}\n"
    text += f"param actionGroupId string = {bicep_string(d['actionGroupId'])}\n"
    text += f"param location string = {bicep_string(d['location'])}\n"
    return text + bicep_render._resource("rule", api_versions.type_at(_RULE_TYPE), {
        "name": d["ruleName"], "location": Raw("location"), "kind": "LogAlert", "properties": props})


def bicep_alert_assignment(action: Action) -> str:
    d = action.detail
    params = _assignment_parameters(d, Raw("actionGroupId"), Raw("location"))
    text = bicep_render._head(action)
    text += f"\nparam actionGroupId string = {bicep_string(d['actionGroupId'])}\n"
    text += f"param location string = {bicep_string(d['location'])}\n"
    text += bicep_render._resource("assignment", api_versions.type_at(api_versions.POLICY_ASSIGNMENTS), {
        "name": d["assignmentName"],
        "location": Raw("location"),
        "identity": {"type": "SystemAssigned"},
        "properties": _assignment_properties(d, params),
    })
    text += bicep_render._role_resources(action.scope, d["assignmentId"], d["roles"],
                                         Raw("assignment.identity.principalId"))
    return text + "\noutput principalId string = assignment.identity.principalId\n"


# ---------------------------------------------------------------------------------- Terraform
def _nested(name: str, attrs: dict[str, Any], blocks: list[str], pad: str) -> str:
    inner = hcl_attributes([(k, hcl_value(v, len(pad) // 2 + 1)) for k, v in attrs.items()], pad + "  ")
    body = "\n".join([*inner, *blocks])
    return f"{pad}{name} {{\n{body}\n{pad}}}"


def terraform_central_rule(action: Action) -> str:
    d = action.detail
    sub, rg = workspace_resource_group(action)
    sym = identifier(action.slug)
    props = alert_policy.central_rule_properties(d["workspaceId"], d["operations"], "")
    crit = props["criteria"]["allOf"][0]
    dims = [_nested("dimension", {"name": x["name"], "operator": x["operator"], "values": x["values"]}, [], "    ")
            for x in crit["dimensions"]]
    failing = _nested("failing_periods", {
        "minimum_failing_periods_to_trigger_alert": crit["failingPeriods"]["minFailingPeriodsToAlert"],
        "number_of_evaluation_periods": crit["failingPeriods"]["numberOfEvaluationPeriods"]}, [], "    ")
    criteria = _nested("criteria", {"query": crit["query"], "time_aggregation_method": crit["timeAggregation"],
                                    "operator": crit["operator"], "threshold": crit["threshold"]},
                       [*dims, failing], "  ")
    action_block = _nested("action", {"action_groups": [_ACTION_GROUP]}, [], "  ")
    attrs = hcl_attributes([(k, hcl_value(v, 1)) for k, v in {
        "name": d["ruleName"],
        "resource_group_name": rg,
        "location": d["location"],
        "display_name": props["displayName"],
        "description": props["description"],
        "severity": props["severity"],
        "enabled": True,
        "evaluation_frequency": props["evaluationFrequency"],
        "window_duration": props["windowSize"],
        "scopes": [d["workspaceId"]],
        "auto_mitigation_enabled": False,
    }.items()], "  ")
    text = terraform_render._header(action)
    text += f"# The rule lives in the workspace's resource group (subscription {comment_text(sub)}).\n"
    text += ("resource " + hcl_string("azurerm_monitor_scheduled_query_rules_alert_v2") + " " + hcl_string(sym)
             + " {\n" + "\n".join(attrs) + "\n\n" + criteria + "\n\n" + action_block + "\n}\n")
    return text


def terraform_alert_assignment(action: Action) -> str:
    d = action.detail
    params = _assignment_parameters(d, _ACTION_GROUP, d["location"])
    text = terraform_render._header(action)
    definition = Raw(f"azurerm_policy_definition.{identifier(alert_policy.ALERT_DEFINITION_NAME)}.id")
    text += terraform_render.assignment_with_identity(action, definition, params, _ASSIGNMENT_DISPLAY,
                                                      _ASSIGNMENT_DESCRIPTION)
    return text


# ---------------------------------------------------------------------------------- dispatch
def render(action: Action, formats: tuple[str, ...]) -> dict[str, str]:
    """Relative path -> text for an alerting action, in each requested format."""
    central = action.kind == model.CENTRAL_ALERT_RULE
    out: dict[str, str] = {}
    if "arm" in formats:
        doc = arm_central_rule(action) if central else arm_alert_assignment(action)
        out[f"arm/{action.stem}.json"] = dump(doc)
    if "bicep" in formats:
        out[f"bicep/{action.stem}.bicep"] = bicep_central_rule(action) if central else bicep_alert_assignment(action)
    if "terraform" in formats:
        out[f"terraform/{action.stem}.tf"] = (terraform_central_rule(action) if central
                                              else terraform_alert_assignment(action))
        out[model.TERRAFORM_PROVIDERS] = terraform_render.PROVIDERS
        out[model.TERRAFORM_VARIABLES] = terraform_render.variables(action.detail["actionGroupId"])
    return out

