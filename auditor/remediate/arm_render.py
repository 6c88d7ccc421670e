"""ARM JSON deployment templates, one per action (management-group or subscription scope).

Deploy each with ``az deployment mg create`` / ``az deployment sub create`` at the scope the
action names; the README in the output folder gives the exact commands and the order.
"""

from __future__ import annotations

from typing import Any

from auditor.azure import arm
from auditor.azure.policy.assignment_facts import assignment_properties, identity_of
from auditor.remediate import api_versions, model
from auditor.remediate import definitions as defs
from auditor.remediate.assignments import AssignmentFix
from auditor.remediate.model import Action, Destination, stable_guid
from auditor.remediate.syntax import arm_escape, arm_literal

MG_SCHEMA = "https://schema.management.azure.com/schemas/2019-08-01/managementGroupDeploymentTemplate.json#"
SUB_SCHEMA = "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"
RG_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
# Api-versions come from the one table (auditor/remediate/api_versions.py), never spelled here.
POLICY_ASSIGNMENT_API = api_versions.of(api_versions.POLICY_ASSIGNMENTS)
POLICY_DEFINITION_API = api_versions.of(api_versions.POLICY_DEFINITIONS)
ROLE_API = api_versions.of(api_versions.ROLE_ASSIGNMENTS)
REMEDIATION_API = api_versions.of(api_versions.REMEDIATIONS)

_DEST_PROPERTY = {defs.LOG_ANALYTICS: "workspaceId", defs.STORAGE: "storageAccountId",
                  defs.EVENT_HUB: "eventHubAuthorizationRuleId"}


def is_group_scope(scope: str) -> bool:
    return arm.management_group_name_of(scope) is not None and arm.subscription_id_of(scope) is None


def _template(scope: str, resources: list[dict[str, Any]], parameters: dict[str, Any] | None = None,
              outputs: dict[str, Any] | None = None, description: str = "") -> dict[str, Any]:
    doc: dict[str, Any] = {
        "$schema": MG_SCHEMA if is_group_scope(scope) else SUB_SCHEMA,
        "contentVersion": "1.0.0.0",
        "metadata": arm_escape({"description": description, "deployAt": scope, "generator": "auditor remediate"}),
        "parameters": parameters or {},
        "resources": resources,
    }
    if outputs:
        doc["outputs"] = outputs
    return doc


def _nested_deployment(name: str, placement: dict[str, Any], parameters: dict[str, Any],
                       template: dict[str, Any]) -> dict[str, Any]:
    """A nested deployment whose template evaluates its own expressions (inner scope), placed by
    ``placement`` (scope, subscriptionId, resourceGroup, location, copy, dependsOn; in that order)."""
    return {"type": api_versions.DEPLOYMENTS, "apiVersion": defs.DEPLOYMENTS_API, "name": name, **placement,
            "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                           "parameters": parameters, "template": template}}


def role_definition_id(scope: str, role_guid: str) -> str:
    """Role definition id as ARM expects it at the deployment scope."""
    sub = arm.subscription_id_of(scope)
    prefix = f"/subscriptions/{sub}" if sub else ""
    return f"{prefix}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}"


def _principal_expr(assignment_id: str) -> str:
    return f"[reference({arm_literal(assignment_id)}, '{POLICY_ASSIGNMENT_API}', 'full').identity.principalId]"


def _role_assignments(scope: str, assignment_id: str, roles: list[str], principal: str | None) -> list[dict[str, Any]]:
    out = []
    for g in roles:
        out.append({
            "type": "Microsoft.Authorization/roleAssignments",
            "apiVersion": ROLE_API,
            "name": stable_guid(scope, assignment_id, g),
            "dependsOn": [] if principal else arm_escape([assignment_id]),
            "properties": {
                "roleDefinitionId": arm_escape(role_definition_id(scope, g)),
                "principalId": arm_escape(principal) if principal else _principal_expr(assignment_id),
                "principalType": "ServicePrincipal",
                "description": arm_escape(f"auditor remediate: {g} for policy assignment "
                                          f"{arm.last_segment(assignment_id)}"),
            },
        })
    return out


def grant_scope_expression(kind: str) -> str:
    """The resource the destination role is granted on: the destination, or for an Event Hub
    authorization rule its namespace (the rule's listKeys check is made there)."""
    if kind == defs.EVENT_HUB:
        return "[join(take(split(parameters('destinationId'), '/'), 9), '/')]"
    return "[parameters('destinationId')]"


def _destination_grant(assignment_id: str, role_guid: str, kind: str, principal: str | None = None) -> dict[str, Any]:
    """Nested deployment granting the destination role on the destination resource itself.

    The resource may lie outside the assignment's scope (a central workspace in a platform
    subscription); Azure's linked access check needs the role there.
    """
    return _nested_deployment(
        f"grant-destination-{stable_guid(assignment_id, role_guid)[:8]}",
        {"subscriptionId": "[split(parameters('destinationId'), '/')[2]]",
         "resourceGroup": "[split(parameters('destinationId'), '/')[4]]",
         "dependsOn": [] if principal else arm_escape([assignment_id])},
        {"destinationId": {"value": "[parameters('destinationId')]"},
         "principalId": {"value": arm_escape(principal) if principal else _principal_expr(assignment_id)}},
        {
            "$schema": RG_SCHEMA,
            "contentVersion": "1.0.0.0",
            "parameters": {"destinationId": {"type": "string"}, "principalId": {"type": "string"}},
            "resources": [{
                "type": "Microsoft.Authorization/roleAssignments",
                "apiVersion": ROLE_API,
                "name": f"[guid(parameters('destinationId'), parameters('principalId'), '{role_guid}')]",
                "scope": grant_scope_expression(kind),
                "properties": {
                    "roleDefinitionId": f"[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', "
                                        f"'{role_guid}')]",
                    "principalId": "[parameters('principalId')]",
                    "principalType": "ServicePrincipal",
                },
            }],
        })


def _assignment_parameters(params: dict[str, Any], destination_param: str) -> dict[str, Any]:
    out = {}
    for k, v in params.items():
        out[k] = {"value": "[parameters('destinationId')]" if k == destination_param else arm_escape(v)}
    return out


def render_definition(action: Action) -> dict[str, Any]:
    definition = action.detail["definition"]
    return _template(action.scope, [{
        "type": "Microsoft.Authorization/policyDefinitions",
        "apiVersion": POLICY_DEFINITION_API,
        "name": definition["name"],
        "properties": arm_escape(definition["properties"]),
    }], description=action.title)


def export_assignment_properties(d: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    """Properties of a new export-policy assignment, the same in every output format."""
    return {
        "displayName": "Export subscription activity logs (auditor remediate)",
        "description": "Keeps every subscription below this scope exporting all activity-log categories.",
        "policyDefinitionId": d["definitionId"],
        "enforcementMode": "Default",
        "notScopes": list(d["notScopes"]),
        "parameters": parameters,
        "metadata": {"assignedBy": "auditor remediate"},
    }


def render_assignment(action: Action) -> dict[str, Any]:
    d = action.detail
    dest: Destination = d["destination"]
    assignment_id = d["assignmentId"]
    dest_param = defs.export_destination_parameter(dest.kind)
    resources: list[dict[str, Any]] = [{
        "type": "Microsoft.Authorization/policyAssignments",
        "apiVersion": POLICY_ASSIGNMENT_API,
        "name": d["assignmentName"],
        "location": "[parameters('location')]",
        "identity": {"type": "SystemAssigned"},
        "properties": {**arm_escape(export_assignment_properties(d, {})),
                       "parameters": _assignment_parameters(d["parameters"], dest_param)},
    }]
    resources += _role_assignments(action.scope, assignment_id, d["roles"], None)
    resources.append(_destination_grant(assignment_id, d["destinationRole"], dest.kind))
    return _template(
        action.scope, resources,
        parameters={
            "destinationId": {"type": "string", "defaultValue": arm_escape(dest.id),
                              "metadata": {"description": f"{dest.kind} destination resource id"}},
            "location": {"type": "string", "defaultValue": arm_escape(d["location"]),
                         "metadata": {"description": "Region of the assignment's managed identity"}},
        },
        outputs={"principalId": {"type": "string", "value": _principal_expr(assignment_id)}},
        description=action.title,
    )


def fixed_assignment_properties(fix: AssignmentFix) -> dict[str, Any]:
    """The assignment's own properties with only the repaired fields changed."""
    p = assignment_properties(fix.assignment)
    for read_only in ("scope", "instanceId", "assignmentType"):
        p.pop(read_only, None)
    if fix.set_enforcement_mode:
        p["enforcementMode"] = "Default"
    if fix.effect_parameter:
        params = dict(p.get("parameters") or {})
        existing = next((k for k in params if k.lower() == fix.effect_parameter.lower()), fix.effect_parameter)
        params[existing] = {"value": "DeployIfNotExists"}
        p["parameters"] = params
    if fix.overrides is not None:
        if fix.overrides:
            p["overrides"] = fix.overrides
        else:
            p.pop("overrides", None)
    return p


def fixed_identity(fix: AssignmentFix) -> dict[str, Any]:
    identity = identity_of(fix.assignment)
    if fix.add_identity or not identity.present:
        return {"type": "SystemAssigned"}
    out: dict[str, Any] = {"type": identity.type}
    if identity.user_assigned:
        out["userAssignedIdentities"] = {k: {} for k in identity.user_assigned}
    return out


def render_fix(action: Action) -> dict[str, Any]:
    fix: AssignmentFix = action.detail["fix"]
    scope = fix.scope
    resources: list[dict[str, Any]] = []
    if fix.changes_assignment:
        resources.append({
            "type": "Microsoft.Authorization/policyAssignments",
            "apiVersion": POLICY_ASSIGNMENT_API,
            "name": arm_escape(str(fix.assignment.get("name") or arm.last_segment(fix.id))),
            "location": arm_escape(action.detail["location"]),
            "identity": arm_escape(fixed_identity(fix)),
            "properties": arm_escape(fixed_assignment_properties(fix)),
        })
    principal = None if fix.add_identity else fix.principal_id
    resources += _role_assignments(scope, fix.id, fix.missing_roles, principal)
    parameters: dict[str, Any] = {}
    if fix.grants_destination and fix.destination_kind and fix.destination_role:
        parameters["destinationId"] = {"type": "string", "defaultValue": arm_escape(fix.destination_id),
                                       "metadata": {"description": "the assignment's export destination"}}
        resources.append(_destination_grant(fix.id, fix.destination_role, fix.destination_kind, principal))
    return _template(scope, resources, parameters=parameters, description=action.title)


def remediation_properties(action: Action) -> dict[str, Any]:
    """Properties of a remediation task, the same in every output format (not ARM-escaped)."""
    d = action.detail
    props: dict[str, Any] = {"policyAssignmentId": d["assignmentId"]}
    if d.get("referenceId"):
        props["policyDefinitionReferenceId"] = d["referenceId"]
    # Management-group remediations only handle resources already evaluated as non-compliant.
    props["resourceDiscoveryMode"] = "ExistingNonCompliant" if is_group_scope(action.scope) else "ReEvaluateCompliance"
    return props


def render_remediation(action: Action) -> dict[str, Any]:
    return _template(action.scope, [{
        "type": "Microsoft.PolicyInsights/remediations",
        "apiVersion": REMEDIATION_API,
        "name": action.detail["name"],
        "properties": arm_escape(remediation_properties(action)),
    }], description=action.title)


def group_export_parameters(action: Action) -> dict[str, str]:
    """Destination parameters of the management-group diagnostic setting (empty when unused)."""
    dest: Destination = action.detail["destination"]
    params = {"settingName": action.detail["settingName"], "workspaceId": "", "storageAccountId": "",
              "eventHubAuthorizationRuleId": "", "eventHubName": ""}
    params[_DEST_PROPERTY[dest.kind]] = dest.id
    if dest.kind == defs.EVENT_HUB and dest.event_hub_name:
        params["eventHubName"] = dest.event_hub_name
    return params


def render_group_export(action: Action) -> dict[str, Any]:
    """One template at the root group looping over every group that lacks an export."""
    inner = defs.management_group_diagnostic_template()
    inner.pop("metadata", None)
    params = group_export_parameters(action)
    names = list(params)
    return _template(action.scope, [_nested_deployment(
        "[format('auditor-mg-export-{0}', copyIndex())]",
        {"scope": "[format('Microsoft.Management/managementGroups/{0}', parameters('groups')[copyIndex()])]",
         "location": "[deployment().location]",
         "copy": {"name": "groups", "count": "[length(parameters('groups'))]"}},
        {n: {"value": f"[parameters('{n}')]"} for n in names}, inner,
    )], parameters={
        "groups": {"type": "array", "defaultValue": arm_escape(list(action.detail["groups"])),
                   "metadata": {"description": "names of the management groups to export"}},
        **{n: {"type": "string", "defaultValue": arm_escape(v)} for n, v in params.items()},
    }, description=action.title)


def render_update_sink(action: Action) -> dict[str, Any]:
    """The existing settings, same names, every category enabled: one nested subscription
    deployment per setting listed in the parameter files (:mod:`auditor.remediate.sink_batch`)."""
    setting = {
        "type": api_versions.DIAGNOSTIC_SETTINGS, "apiVersion": api_versions.of(api_versions.DIAGNOSTIC_SETTINGS),
        "name": "[parameters('name')]", "properties": "[parameters('properties')]",
    }
    return _template(action.scope, [_nested_deployment(
        "[format('auditor-update-sink-{0}', uniqueString("
        "parameters('settings')[copyIndex()].subscriptionId, parameters('settings')[copyIndex()].name))]",
        {"subscriptionId": "[parameters('settings')[copyIndex()].subscriptionId]",
         "location": "[deployment().location]",
         "copy": {"name": "settings", "count": "[length(parameters('settings'))]"}},
        {"name": {"value": "[parameters('settings')[copyIndex()].name]"},
         "properties": {"value": "[parameters('settings')[copyIndex()].properties]"}},
        {"$schema": SUB_SCHEMA, "contentVersion": "1.0.0.0",
         "parameters": {"name": {"type": "string"}, "properties": {"type": "object"}},
         "resources": [setting]},
    )], parameters={"settings": {"type": "array", "metadata": {
        "description": "settings to update: subscriptionId, name, properties (the parameter files)"}}},
        description=action.title)


RENDERERS = {
    model.POLICY_DEFINITION: render_definition,
    model.ASSIGN_EXPORT_POLICY: render_assignment,
    model.FIX_ASSIGNMENT: render_fix,
    model.UPDATE_SINK: render_update_sink,
    model.REMEDIATION_TASK: render_remediation,
    model.MANAGEMENT_GROUP_EXPORT: render_group_export,
}


def render(action: Action) -> dict[str, Any]:
    return RENDERERS[action.kind](action)
