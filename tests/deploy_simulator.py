"""A deploy simulator for generated ARM templates: deploys them into a snapshot's resource list,
judging every write the way Azure does.

Each resource becomes the ARM document Azure would create (policy assignments with a system
identity and a principal id, role assignments at their scope, nested deployments into other
subscriptions and resource groups, alerts, diagnostic settings). Before a write, the caller
(the deployer, or a policy assignment's identity running a remediation) must hold the action at
the target through a role assignment in the simulated tenant -- at the target, a scope containing
it (resource group, subscription, management groups) or the root. A diagnostic setting also
needs the linked access rights on its destinations, and Azure's one-sink-per-category rule holds:
a second setting sending an overlapping category to the same sink is refused.

The actions each resource type needs are this simulator's own table (what Azure checks), not the
remediation's :func:`auditor.remediate.permissions.deployer_needs`; the role actions are the
verbatim built-in definitions of :mod:`auditor.remediate.roles`.

Before anything is written, a template is validated as Azure does: every expression (nested
templates included) must parse, and every resource and ``reference()`` must name an api-version
Azure publishes for its type -- the Bicep type index excerpts of ``tests/fixtures/azure-types/``,
not the remediation's own table. A function the simulator cannot evaluate is refused too.
"""

from __future__ import annotations

import copy
import re
import uuid
from functools import cache
from pathlib import Path
from typing import Any

from auditor.azure import arm
from auditor.azure.diagnostic_settings import enabled_categories
from auditor.azure.hierarchy import Hierarchy
from auditor.azure.policy.expressions import ExpressionSyntaxError, _Call, _Lit, _Member, expression_body, parse
from auditor.remediate import permissions
from auditor.remediate.validate import expression_calls, type_of_id

DEPLOYER = "00000000-0000-0000-0000-00000000d3b1"
AZURE_TYPES = Path(__file__).resolve().parent / "fixtures" / "azure-types"
ROLE_API = "2022-04-01"

# What Azure checks for each resource type written (at the resource's own scope).
WRITE_ACTION = {
    "microsoft.authorization/policyassignments": "Microsoft.Authorization/policyAssignments/write",
    "microsoft.authorization/policydefinitions": "Microsoft.Authorization/policyDefinitions/write",
    "microsoft.authorization/roleassignments": "Microsoft.Authorization/roleAssignments/write",
    "microsoft.insights/diagnosticsettings": "Microsoft.Insights/diagnosticSettings/write",
    "microsoft.insights/activitylogalerts": "Microsoft.Insights/activityLogAlerts/write",
    "microsoft.insights/scheduledqueryrules": "Microsoft.Insights/scheduledQueryRules/write",
    "microsoft.securityinsights/alertrules": "Microsoft.SecurityInsights/alertRules/write",
    "microsoft.policyinsights/remediations": "Microsoft.PolicyInsights/remediations/write",
    "microsoft.resources/resourcegroups": "Microsoft.Resources/subscriptions/resourceGroups/write",
    "microsoft.resources/deployments": "Microsoft.Resources/deployments/write",
}
# Linked access check of a diagnostic setting, per destination property (Learn: workspaces/read and
# sharedKeys/action make a workspace usable as a destination; storage and Event Hub need their keys).
LINKED = {
    "workspaceId": ("Microsoft.OperationalInsights/workspaces/read",
                    "Microsoft.OperationalInsights/workspaces/sharedKeys/action"),
    "storageAccountId": ("Microsoft.Storage/storageAccounts/listKeys/action",),
    "eventHubAuthorizationRuleId": ("Microsoft.EventHub/namespaces/authorizationRules/listKeys/action",),
}


def _is_setting(doc: dict[str, Any]) -> bool:
    """Azure lists subscription settings with ``type: null`` and an ``AzureResourceManager`` id: go by the id."""
    return "/diagnosticsettings/" in str(doc.get("id", "")).lower()


class DeployFailed(Exception):
    """Azure refused the deployment (an invalid template, authorization or a conflicting sink)."""


@cache
def published_versions() -> frozenset[str]:
    """``type@version`` (lower case) of every ``## Resource`` heading of the type index excerpts."""
    out = set()
    for path in AZURE_TYPES.glob("*.md"):
        out |= {m.lower() for m in re.findall(r"^## Resource (\S+@\S+)$", path.read_text(encoding="utf-8"),
                                                 flags=re.M)}
    return frozenset(out)


def template_errors(template: Any) -> list[str]:
    """What Azure's template validation refuses: an expression that does not parse, a resource or a
    ``reference()`` at an api-version its type does not have."""
    errors: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            rtype, version = node.get("type"), node.get("apiVersion")
            if (isinstance(rtype, str) and isinstance(version, str) and "/" in rtype and not rtype.startswith("[")
                    and f"{rtype}@{version}".lower() not in published_versions()):
                errors.append(f"NoRegisteredProviderFound: no api-version {version} for type {rtype} ({where})")
            for k, v in node.items():
                walk(v, f"{where}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}[{i}]")
        elif isinstance(node, str) and not node.startswith("[["):
            body = expression_body(node)
            if body is None:
                return
            try:
                tree = parse(body)
            except (ExpressionSyntaxError, ValueError, RecursionError) as e:
                errors.append(f"InvalidTemplate: the template language expression at {where} is not valid: {e}")
                return
            for call in expression_calls(tree):
                if call.name != "reference" or len(call.args) < 2 or not isinstance(call.args[1], _Lit):
                    continue
                target = call.args[0]
                rtype = (type_of_id(target.value) if isinstance(target, _Lit) and isinstance(target.value, str)
                         else next((a.value for a in getattr(target, "args", ()) if isinstance(a, _Lit)
                                    and isinstance(a.value, str) and "/" in a.value and not a.value.startswith("/")),
                                   None))
                if rtype and f"{rtype}@{call.args[1].value}".lower() not in published_versions():
                    errors.append(f"NoRegisteredProviderFound: reference() at api-version {call.args[1].value} "
                                  f"for type {rtype} ({where})")

    walk(template, "$")
    return errors


class Simulator:
    def __init__(self, raw: dict[str, Any], hierarchy: Hierarchy) -> None:
        self.raw = raw
        self.hierarchy = hierarchy
        self.by_id = {arm.norm_id(d["id"]): d for d in raw["resources"]}
        self.refused: list[str] = []  # every refusal, for test messages

    def upsert(self, doc: dict[str, Any]) -> None:
        key = arm.norm_id(doc["id"])
        if key in self.by_id:
            self.raw["resources"].remove(self.by_id[key])
        self.raw["resources"].append(doc)
        self.by_id[key] = doc

    def remove(self, resource_id: str) -> None:
        self.raw["resources"].remove(self.by_id.pop(arm.norm_id(resource_id)))

    # ---------------------------------------------------------------- authorization
    def grant(self, principal: str, scope: str, role_guid: str) -> None:
        name = uuid.uuid5(uuid.NAMESPACE_URL, scope + principal + role_guid)
        rid = f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"
        self.upsert({"id": rid, "type": "Microsoft.Authorization/roleAssignments", "name": str(name),
                     "properties": {"scope": scope, "principalId": principal, "principalType": "ServicePrincipal",
                                    "roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/"
                                                        f"{role_guid}"}})

    def _covering(self, target: str) -> set[str]:
        n = arm.norm_id(target)
        parts = n.strip("/").split("/")
        out = {"/" + "/".join(parts[:i]) for i in range(2, len(parts) + 1, 2)}
        for prefix in list(out):  # a resource on a management group: the groups above it too
            out.update(self.hierarchy.scope_chain(prefix))
        out.update(self.hierarchy.scope_chain(n))
        out.add("/")
        return out

    def roles_of(self, principal: str, target: str) -> set[str]:
        chain = self._covering(target)
        out = set()
        for d in self.raw["resources"]:
            if str(d.get("type", "")).lower() != "microsoft.authorization/roleassignments":
                continue
            p = d.get("properties") or {}
            # ARM writes the tenant root scope as "/" (norm_id would make it ""): it covers everything.
            scope = "/" if str(p.get("scope") or "").strip() == "/" else arm.norm_id(p.get("scope"))
            if str(p.get("principalId")).lower() == principal.lower() and scope in chain:
                g = arm.guid_in(str(p.get("roleDefinitionId") or ""))
                if g:
                    out.add(g)
        return out

    def require(self, principal: str, action: str, target: str) -> None:
        if not permissions.granted(self.roles_of(principal, target), action):
            msg = (f"AuthorizationFailed: {principal} does not have authorization to perform action "
                   f"'{action}' over scope '{target}'")
            self.refused.append(msg)
            raise DeployFailed(msg)

    # ---------------------------------------------------------------- expressions
    # ``params`` holds the template's parameters and, under reserved keys, the evaluation context:
    # "__scope__" (the deployment scope), "__vars__" (variables), "__copy__" (loop indexes).
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
            return self._eval(node.target, params)[self._eval(node.key, params)]
        assert isinstance(node, _Call), node
        args = [self._eval(a, params) for a in node.args]
        name = node.name.lower()
        if name == "parameters":
            return params[args[0]]
        if name == "variables":
            return params["__vars__"][args[0]]
        if name == "copyindex":
            loops = params["__copy__"]
            return loops[args[0]] if args and isinstance(args[0], str) else loops[""]
        if name == "subscription":
            sub = arm.subscription_id_of(params["__scope__"])
            return {"id": f"/subscriptions/{sub}", "subscriptionId": sub}
        if name == "managementgroup":
            group = arm.management_group_name_of(params["__scope__"])
            return {"id": f"/providers/Microsoft.Management/managementGroups/{group}", "name": group}
        if name == "extensionresourceid":
            return f"{args[0]}/providers/{args[1]}/{'/'.join(args[2:])}"
        if name == "reference":
            doc = self.by_id[arm.norm_id(args[0])]
            return doc if len(args) > 2 else doc["properties"]
        simple = {
            "split": lambda: args[0].split(args[1]),
            "take": lambda: args[0][: args[1]],
            "join": lambda: args[1].join(args[0]),
            "guid": lambda: str(uuid.uuid5(uuid.NAMESPACE_URL, "|".join(args))),
            "uniquestring": lambda: uuid.uuid5(uuid.NAMESPACE_URL, "|".join(args)).hex[:13],
            # The GUID is what analysis compares.
            "subscriptionresourceid": lambda: f"/providers/{args[0]}/{'/'.join(args[1:])}",
            "empty": lambda: args[0] in ("", None, [], {}),
            "null": lambda: None,
            "if": lambda: args[1] if args[0] else args[2],
            "concat": lambda: "".join(str(a) for a in args),
            "length": lambda: len(args[0]),
            "format": lambda: re.sub(r"\{(\d+)\}", lambda m: str(args[1 + int(m.group(1))]), args[0]),
            "deployment": lambda: {"location": "westeurope"},
        }
        if name not in simple:
            msg = f"InvalidTemplate: the simulator does not know template function {node.name}"
            self.refused.append(msg)
            raise DeployFailed(msg)
        return simple[name]()

    # ---------------------------------------------------------------- deployment
    def deploy(self, template: dict[str, Any], scope: str, given: dict[str, Any], caller: str) -> None:
        """Deploy ``template`` at ``scope`` as ``caller``; all or nothing, like an ARM deployment."""
        errors = template_errors(template)
        if errors:
            self.refused.extend(errors)
            raise DeployFailed("; ".join(errors))
        saved = copy.deepcopy(self.raw["resources"])
        try:
            self.require(caller, WRITE_ACTION["microsoft.resources/deployments"], scope)
            self._deploy(template, scope, given, caller)
        except DeployFailed:
            self.raw["resources"] = saved
            self.by_id = {arm.norm_id(d["id"]): d for d in saved}
            raise

    def _deploy(self, template: dict[str, Any], scope: str, given: dict[str, Any], caller: str) -> None:
        params = {k: v.get("defaultValue") for k, v in (template.get("parameters") or {}).items()}
        params.update({k: v for k, v in given.items() if not k.startswith("__")})
        params["__scope__"] = scope
        params["__vars__"] = self._variables(template, params)
        for res in template["resources"]:
            loop = res.get("copy")
            if loop:  # a resource copy loop: one resource per index
                for i in range(self.value(loop["count"], params)):
                    self._resource(res, scope, {**params, "__copy__": {loop["name"]: i, "": i}}, caller)
            else:
                self._resource(res, scope, params, caller)

    def _variables(self, template: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        """Template variables, ``copy`` variable loops included."""
        out: dict[str, Any] = {}
        ctx = {**params, "__vars__": out}
        declared = template.get("variables") or {}
        for k, v in declared.items():
            if k != "copy":
                out[k] = self.value(v, ctx)
        for loop in declared.get("copy", []):
            out[loop["name"]] = [self.value(loop["input"], {**ctx, "__copy__": {loop["name"]: i}})
                                 for i in range(self.value(loop["count"], ctx))]
        return out

    def _resource(self, res: dict[str, Any], scope: str, params: dict[str, Any], caller: str) -> None:
        rtype = res["type"]
        name = self.value(res["name"], params)
        if rtype.lower() == "microsoft.resources/deployments":
            if "scope" in res:  # another management group, as Bicep's scope: managementGroup(x) compiles
                target = "/providers/" + self.value(res["scope"], params)
            else:
                sub = self.value(res.get("subscriptionId"), params) or arm.subscription_id_of(scope)
                rg = self.value(res.get("resourceGroup"), params)
                target = f"/subscriptions/{sub}" + (f"/resourceGroups/{rg}" if rg else "")
            self.require(caller, WRITE_ACTION["microsoft.resources/deployments"], target)
            p = res["properties"]
            inner_scope = p.get("expressionEvaluationOptions", {}).get("scope", "outer")
            inner = {k: self.value(v["value"], params) for k, v in (p.get("parameters") or {}).items()}
            if inner_scope == "outer":
                inner = {**params, **inner}
            self._deploy(p["template"], target, inner, caller)
            return
        if rtype.lower() == "microsoft.resources/resourcegroups":
            self.require(caller, WRITE_ACTION["microsoft.resources/resourcegroups"], scope)
            return
        base = self.value(res["scope"], params) if "scope" in res else scope
        if not str(base).startswith("/"):  # a relative resource id: inside the deployment's resource group
            base = f"{scope}/providers/{base}"
        doc: dict[str, Any] = {
            "id": f"{base}/providers/{rtype}/{name}",
            "type": rtype,
            "name": name,
            "properties": self.value(res.get("properties") or {}, params),
        }
        if "kind" in res:
            doc["kind"] = self.value(res["kind"], params)
        target = doc["id"] if rtype.lower() != "microsoft.authorization/roleassignments" else base
        self.require(caller, WRITE_ACTION[rtype.lower()], target)
        if rtype.lower() == "microsoft.insights/diagnosticsettings":
            self._check_setting(doc, base, caller)
            # A setting is keyed by its scope and name (Azure lists subscription ones under
            # ``subscriptions/<id>/providers/AzureResourceManager/...``): same name, same setting.
            same = next((d for d in self.raw["resources"]
                         if _is_setting(d)
                         and arm.same_id(arm.scope_of_extension(d["id"]), base)
                         and str(d.get("name", "")).lower() == str(name).lower()), None)
            if same is not None:
                doc["id"] = same["id"]
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

    def _check_setting(self, doc: dict[str, Any], base: str, caller: str) -> None:
        """Linked access on every destination, and no sink shared with another setting on a category."""
        props = doc["properties"]
        mine = set(enabled_categories(doc))
        for prop, actions in LINKED.items():
            dest = props.get(prop)
            if not dest:
                continue
            for action in actions:
                self.require(caller, action, dest)
            for other in self.raw["resources"]:
                if (not _is_setting(other)
                        or not arm.same_id(arm.scope_of_extension(other["id"]), base)
                        or str(other.get("name", "")).lower() == str(doc["name"]).lower()):
                    continue
                shared = mine & set(enabled_categories(other))
                if arm.same_id((other.get("properties") or {}).get(prop), dest) and shared:
                    msg = (f"Data sink '{dest}' is already used in diagnostic setting '{other['name']}' for category "
                           f"'{sorted(shared)[0]}'")
                    self.refused.append(msg)
                    raise DeployFailed(msg)

    def delete_log_profile(self, profile_id: str, caller: str) -> None:
        self.require(caller, "Microsoft.Insights/LogProfiles/delete", profile_id)
        self.remove(profile_id)

    # ---------------------------------------------------------------- remediation tasks
    def _policy_parameters(self, assignment: dict[str, Any],
                           reference_id: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
        """(definition, its parameter values) the assignment evaluates with, through a set when it is one."""
        def with_defaults(declared: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
            out = {k: v.get("defaultValue") for k, v in (declared or {}).items()}
            for k, v in given.items():
                name = next((d for d in out if d.lower() == k.lower()), k)
                out[name] = v
            return out

        values = {k: v.get("value") for k, v in (assignment["properties"].get("parameters") or {}).items()}
        target = self.by_id[arm.norm_id(assignment["properties"]["policyDefinitionId"])]
        if target["type"].lower() != "microsoft.authorization/policysetdefinitions":
            return target, with_defaults(target["properties"].get("parameters"), values)
        set_values = with_defaults(target["properties"].get("parameters"), values)
        members = target["properties"]["policyDefinitions"]
        member = next(m for m in members if reference_id is None
                      or str(m.get("policyDefinitionReferenceId")).lower() == reference_id.lower())
        definition = self.by_id[arm.norm_id(member["policyDefinitionId"])]
        passed = {k: self.value(v.get("value"), set_values) for k, v in (member.get("parameters") or {}).items()}
        return definition, with_defaults(definition["properties"].get("parameters"), passed)

    def _compliant(self, sub_scope: str, setting: dict[str, Any]) -> bool:
        """An existing setting already sends every category to the deployment's destination."""
        for prop in LINKED:
            dest = setting.get(prop)
            if not dest:
                continue
            for other in self.raw["resources"]:
                if (_is_setting(other)
                        and arm.same_id(arm.scope_of_extension(other["id"]), sub_scope)
                        and arm.same_id((other.get("properties") or {}).get(prop), dest)
                        and len(enabled_categories(other)) == 8):
                    return True
        return False

    def remediate(self, assignment_id: str, reference_id: str | None, subscriptions: list[str]) -> dict[str, str]:
        """Run a remediation task: the policy's deployment at each non-compliant subscription, as the
        assignment's identity. Returns the refusal message by subscription id (empty: all succeeded)."""
        assignment = self.by_id[arm.norm_id(assignment_id)]
        identity = assignment.get("identity") or {}
        principal = identity.get("principalId") or next(
            (u.get("principalId") for u in (identity.get("userAssignedIdentities") or {}).values()
             if isinstance(u, dict) and u.get("principalId")), None)
        definition, values = self._policy_parameters(assignment, reference_id)
        deployment = definition["properties"]["policyRule"]["then"]["details"]["deployment"]["properties"]
        template_params = {k: self.value(v["value"], values) for k, v in (deployment.get("parameters") or {}).items()}
        errors: dict[str, str] = {}
        for sub in subscriptions:
            if not principal:
                errors[sub] = "the assignment has no identity"
                continue
            settings = [r for r in deployment["template"]["resources"]
                        if str(r.get("type")).lower() == "microsoft.insights/diagnosticsettings"]
            merged = {k: v.get("defaultValue") for k, v in (deployment["template"].get("parameters") or {}).items()}
            merged.update(template_params)
            if settings and self._compliant(sub, self.value(settings[0].get("properties") or {}, merged)):
                continue
            try:
                self.deploy(deployment["template"], sub, template_params, principal)
            except DeployFailed as e:
                errors[sub] = str(e)
        return errors
