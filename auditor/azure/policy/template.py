"""What a DeployIfNotExists deployment creates: subscription diagnostic settings in its template.

The rule's ``details.deployment`` holds an ARM template and the values the policy passes to
its parameters. Policy parameter values flow ``policy parameters -> deployment parameters ->
template parameters -> resource properties`` (and into nested deployments); this module
follows that flow with :mod:`auditor.azure.policy.expressions` and reports, for every diagnostic
setting the template deploys at subscription scope (type ``Microsoft.Insights/
diagnosticSettings``, no parent resource), the enabled categories and destinations.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from auditor.azure import arm
from auditor.azure.activity_log import CATEGORIES
from auditor.azure.diagnostic_settings import DESTINATION_PROPERTIES
from auditor.azure.policy.definitions import ci
from auditor.azure.policy.expressions import (
    PARAM,
    UNKNOWN,
    Scope,
    evaluate,
    expression_body,
    is_sentinel,
    parameter_reference,
    truthy,
)

DIAGNOSTIC_SETTINGS = "microsoft.insights/diagnosticsettings"
DEPLOYMENTS = "microsoft.resources/deployments"



@dataclass(frozen=True)
class DeployedSetting:
    """One diagnostic setting the template deploys at subscription scope, evaluated.

    ``categories``: enabled categories in canonical order, or PARAM / UNKNOWN.
    ``destinations``: kind -> evaluated property value (id string, PARAM or UNKNOWN); a
    property that is absent, a literal empty string or evaluates to null is left out.
    """

    resource: Mapping[str, Any]
    categories: Any
    destinations: dict[str, Any]
    scope: Scope


def is_subscription_deployment(details: Mapping[str, Any]) -> bool:
    """The deployment runs at subscription scope (deploymentScope, or a subscription template)."""
    scope = ci(details, "deploymentScope")
    if isinstance(scope, str) and scope.strip().lower() == "subscription":
        return True
    schema = str(ci(template_of(details), "$schema") or "").lower()
    return "subscriptiondeploymenttemplate" in schema


def template_of(details: Mapping[str, Any]) -> Mapping[str, Any]:
    deployment = ci(details, "deployment")
    dprops = ci(deployment, "properties") if isinstance(deployment, Mapping) else None
    template = ci(dprops, "template") if isinstance(dprops, Mapping) else None
    return template if isinstance(template, Mapping) else {}


def deployment_parameters(details: Mapping[str, Any]) -> Mapping[str, Any]:
    deployment = ci(details, "deployment")
    dprops = ci(deployment, "properties") if isinstance(deployment, Mapping) else None
    params = ci(dprops, "parameters") if isinstance(dprops, Mapping) else None
    return params if isinstance(params, Mapping) else {}


def _template_scope(template: Mapping[str, Any], passed: Mapping[str, Any], caller: Scope) -> Scope:
    """Scope inside ``template``: passed ``{"p": {"value": expr}}`` evaluated in ``caller``."""
    passed_lc = {str(k).lower(): v for k, v in passed.items()}
    values: dict[str, Any] = {}
    declared = ci(template, "parameters")
    declared = declared if isinstance(declared, Mapping) else {}
    for name in {str(k).lower() for k in declared} | set(passed_lc):
        given = passed_lc.get(name)
        if isinstance(given, Mapping) and any(str(k).lower() == "value" for k in given):
            values[name] = evaluate(ci(given, "value"), caller)
    for name, decl in declared.items():
        key = str(name).lower()
        if key not in values and isinstance(decl, Mapping) and "defaultvalue" in {str(k).lower() for k in decl}:
            values[key] = evaluate(ci(decl, "defaultValue"), Scope(parameters=dict(values)))
    variables = ci(template, "variables")
    return Scope(parameters=values, variables=variables if isinstance(variables, Mapping) else {})


def _resources(template: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    res = ci(template, "resources")
    if isinstance(res, Mapping):  # languageVersion 2.0: symbolic names
        res = list(res.values())
    return [r for r in res if isinstance(r, Mapping)] if isinstance(res, list) else []


def _at_subscription(resource: Mapping[str, Any], scope: Scope) -> bool:
    """No ``scope`` property, or one that names the subscription itself."""
    target = ci(resource, "scope")
    if target is None:
        return True
    body = expression_body(target)
    if body is not None and body.replace(" ", "").lower() == "subscription().id":
        return True
    value = evaluate(target, scope)
    if isinstance(value, str):
        parts = arm.norm_id(value).split("/")
        return len(parts) == 3 and parts[1] == "subscriptions"
    return False


def _walk(template: Mapping[str, Any], scope: Scope, depth: int = 0) -> Iterator[tuple[Mapping[str, Any], Scope]]:
    """Top-level resources of a subscription-scope template, through nested subscription deployments."""
    if depth > 4:
        return
    for res in _resources(template):
        rtype = str(ci(res, "type") or "").strip().lower()
        if rtype == DIAGNOSTIC_SETTINGS:
            if _at_subscription(res, scope):
                yield res, scope
        elif rtype == DEPLOYMENTS:
            # A nested deployment stays at subscription scope unless it targets a resource
            # group, a management group or another scope.
            if any(ci(res, k) is not None for k in ("resourceGroup", "scope", "managementGroup")):
                continue
            nprops = ci(res, "properties")
            if not isinstance(nprops, Mapping):
                continue
            inner = ci(nprops, "template")
            if not isinstance(inner, Mapping):
                continue
            options = ci(nprops, "expressionEvaluationOptions")
            inner_scope = str(ci(options, "scope") or "").lower() == "inner" if isinstance(
                options, Mapping) else False
            if inner_scope:
                passed = ci(nprops, "parameters")
                child = _template_scope(inner, passed if isinstance(passed, Mapping) else {}, scope)
            else:
                child = scope
            yield from _walk(inner, child, depth + 1)


def _canonical_category(name: str) -> str:
    for c in CATEGORIES:
        if c.lower() == name.strip().lower():
            return c
    return name.strip()


def order_categories(categories: set[str]) -> list[str]:
    known = [c for c in CATEGORIES if c in categories]
    return known + sorted(categories - set(CATEGORIES))


def evaluate_logs(props: Mapping[str, Any], scope: Scope) -> Any:
    """Enabled categories of a diagnostic setting's ``logs``; PARAM/UNKNOWN when not fixed."""
    copy = ci(props, "copy")
    if isinstance(copy, list) and any(
        isinstance(c, Mapping) and str(ci(c, "name") or "").lower() == "logs" for c in copy
    ):
        return PARAM if "parameters(" in str(copy).lower() else UNKNOWN
    logs = evaluate(ci(props, "logs"), scope)
    if is_sentinel(logs):
        return logs
    if logs is None:
        return []
    if not isinstance(logs, list):
        return UNKNOWN
    enabled: set[str] = set()
    taint: Any = None
    for entry in logs:
        if is_sentinel(entry):
            taint = PARAM if PARAM in (entry, taint) else UNKNOWN
            continue
        if not isinstance(entry, Mapping):
            continue
        on = truthy(ci(entry, "enabled"))
        if on is False:
            continue
        category = ci(entry, "category")
        group = ci(entry, "categoryGroup")
        for value in (on, category if category is not None else group):
            if is_sentinel(value):
                taint = PARAM if PARAM in (value, taint) else UNKNOWN
        if is_sentinel(on):
            continue
        if isinstance(category, str) and category.strip():
            enabled.add(_canonical_category(category))
        elif isinstance(group, str):
            if group.strip().lower() == "alllogs":
                enabled.update(CATEGORIES)
            else:
                taint = taint or UNKNOWN  # a group whose members the tool cannot name
    if taint is not None:
        return taint
    return order_categories(enabled)


def evaluate_destinations(props: Mapping[str, Any], scope: Scope) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for prop, kind in DESTINATION_PROPERTIES:
        raw = ci(props, prop)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        value = evaluate(raw, scope)
        if value is None:
            continue
        out[kind] = value  # may be "" when a parameter passes an empty string
    return out


def deployed_settings(details: Mapping[str, Any], policy_scope: Scope) -> list[DeployedSetting]:
    """Subscription-scope diagnostic settings the rule's deployment creates, evaluated."""
    if not is_subscription_deployment(details):
        return []
    template = template_of(details)
    top = _template_scope(template, deployment_parameters(details), policy_scope)
    out: list[DeployedSetting] = []
    for res, scope in _walk(template, top):
        props = ci(res, "properties")
        props = props if isinstance(props, Mapping) else {}
        out.append(DeployedSetting(res, evaluate_logs(props, scope), evaluate_destinations(props, scope), scope))
    return out


def deployed_setting_name(definition: dict[str, Any] | None, values: dict[str, Any]) -> str | None:
    """The diagnostic-setting name a DeployIfNotExists export definition deploys, when it can be read:
    a literal, or ``[parameters('x')]`` fed by the deployment's parameters from policy parameters
    (``values``: the assignment's values; definition defaults fill the rest)."""
    if not definition:
        return None
    p = arm.props(definition)
    details = arm.ci_get(arm.ci_get(p.get("policyRule") or {}, "then") or {}, "details") or {}
    deployment = arm.as_dict(arm.ci_get(arm.as_dict(arm.ci_get(details, "deployment")), "properties"))
    template = arm.as_dict(deployment.get("template"))
    names = [r.get("name") for r in arm.as_list(template.get("resources"))
             if isinstance(r, dict) and str(r.get("type", "")).lower() == "microsoft.insights/diagnosticsettings"]
    if len(names) != 1 or not isinstance(names[0], str):
        return None
    ref = parameter_reference(names[0])
    if ref is None:
        return names[0]
    passed = next((v for k, v in arm.as_dict(deployment.get("parameters")).items() if k.lower() == ref.lower()), None)
    if not isinstance(passed, dict) or not isinstance(passed.get("value"), str):
        return None
    policy_ref = parameter_reference(passed["value"])
    if policy_ref is None:
        return str(passed["value"])
    for k, v in values.items():  # the assignment's value, else the definition's default
        if k.lower() == policy_ref.lower():
            return v if isinstance(v, str) else None
    for k, v in arm.as_dict(p.get("parameters")).items():
        if k.lower() == policy_ref.lower() and isinstance(v, dict):
            return v.get("defaultValue") if isinstance(v.get("defaultValue"), str) else None
    return None
