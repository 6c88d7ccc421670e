"""Is a policy definition an *export policy* (docs/coverage.md, docs/policy.md)?

An export policy deploys a subscription activity-log diagnostic setting: its rule targets
``Microsoft.Resources/subscriptions``, its effect can be DeployIfNotExists, its details type
is ``Microsoft.Insights/diagnosticSettings``, and its deployment runs at subscription scope
(``deploymentScope: subscription`` and/or a ``subscriptionDeploymentTemplate``) creating a
``Microsoft.Insights/diagnosticSettings`` resource with no parent and at least one
destination. Only the policy rule decides: file names, ids and display names never do.

Everything here is judged *under parameter values*: :func:`export_shape` takes the values in
force (defaults, or what an assignment / a set passes) and the names left *free* (not fixed
by anyone yet, so "parameterised" in a classification).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.azure.diagnostic_settings import DESTINATION_KINDS
from auditor.azure.policy.definitions import (
    DEPLOY_IF_NOT_EXISTS,
    PolicyDoc,
    canonical_effect,
    ci,
)
from auditor.azure.policy.expressions import (
    PARAM,
    UNKNOWN,
    Scope,
    evaluate,
    expression_body,
    is_sentinel,
    parameter_reference,
)
from auditor.azure.policy.template import (
    DIAGNOSTIC_SETTINGS,
    deployed_settings,
    is_subscription_deployment,
    order_categories,
)

PARAMETERISED = "parameterised"
SUBSCRIPTIONS_TYPE = "microsoft.resources/subscriptions"


@dataclass(frozen=True)
class ExportShape:
    """A definition judged under given parameter values.

    ``categories``: list of enabled categories, ``"parameterised"`` (free parameters decide),
    or None (not an export, or not decidable from the document). ``destination``: a kind,
    ``"parameterised"`` or None. ``destination_values``: kind -> the id it sends to when fixed.
    """

    effect: str | None
    deploys: bool
    reason: str
    categories: list[str] | str | None = None
    destination: str | None = None
    destination_kinds: tuple[str, ...] = ()
    destination_values: dict[str, str | None] = field(default_factory=dict)
    role_definition_ids: tuple[str, ...] = ()


# --------------------------------------------------------------------------- structure

def _targets_subscriptions(cond: Any) -> bool:
    """The ``if`` requires ``type`` == Microsoft.Resources/subscriptions (directly or in allOf)."""
    if not isinstance(cond, Mapping):
        return False
    all_of = ci(cond, "allOf")
    if isinstance(all_of, list):
        return any(_targets_subscriptions(c) for c in all_of)
    any_of = ci(cond, "anyOf")
    if isinstance(any_of, list):
        return bool(any_of) and all(_targets_subscriptions(c) for c in any_of)
    fld = ci(cond, "field")
    if not isinstance(fld, str) or fld.strip().lower() != "type":
        return False
    eq = ci(cond, "equals")
    if isinstance(eq, str):
        return eq.strip().lower() == SUBSCRIPTIONS_TYPE
    within = ci(cond, "in")
    if isinstance(within, list):
        return bool(within) and all(isinstance(v, str) and v.strip().lower() == SUBSCRIPTIONS_TYPE
                                    for v in within)
    return False


def effect_parameter(pd: PolicyDoc) -> str | None:
    """Name of the parameter the effect is read from (``[parameters('effect')]``), if any."""
    return parameter_reference(ci(pd.then, "effect"))


def effect_with(pd: PolicyDoc, values: Mapping[str, Any] | None = None) -> str | None:
    """The rule's effect under parameter values (declared defaults fill the gaps)."""
    raw = ci(pd.then, "effect")
    value = evaluate(raw, Scope(parameters=pd.values(values)))
    return None if is_sentinel(value) else canonical_effect(value)


def can_deploy(pd: PolicyDoc) -> bool:
    """Whether some assignment could make the rule's effect DeployIfNotExists."""
    raw = ci(pd.then, "effect")
    if expression_body(raw) is None:
        return canonical_effect(raw) == DEPLOY_IF_NOT_EXISTS
    param = effect_parameter(pd)
    if param is None:
        return effect_with(pd) == DEPLOY_IF_NOT_EXISTS
    allowed = pd.allowed_values(param)
    if allowed is None:
        return param in pd.parameters
    return any(canonical_effect(v) == DEPLOY_IF_NOT_EXISTS for v in allowed)


def structural_reason(pd: PolicyDoc) -> str | None:
    """Why the rule cannot deploy a subscription activity-log export, or None if it can."""
    if "_structural_reason" not in pd.__dict__:
        pd.__dict__["_structural_reason"] = _structural_reason(pd)
    reason: str | None = pd.__dict__["_structural_reason"]
    return reason


def _structural_reason(pd: PolicyDoc) -> str | None:
    if pd.kind != "definition":
        return "a policy set definition is judged by its members"
    if not _targets_subscriptions(ci(pd.policy_rule, "if")):
        return "the rule does not target Microsoft.Resources/subscriptions"
    if not can_deploy(pd):
        return f"the effect ({effect_with(pd) or 'unresolved'}) can never be DeployIfNotExists"
    dtype = str(ci(pd.details, "type") or "").strip().lower()
    if dtype != DIAGNOSTIC_SETTINGS:
        return f"details.type is {ci(pd.details, 'type')!r}, not Microsoft.Insights/diagnosticSettings"
    if not is_subscription_deployment(pd.details):
        return "the deployment does not run at subscription scope"
    if not deployed_settings(pd.details, Scope(parameters=pd.defaults(), free=frozenset(pd.parameters))):
        return "the template deploys no subscription-level Microsoft.Insights/diagnosticSettings resource"
    return None


# --------------------------------------------------------------------------- evaluation

def _probe_values(pd: PolicyDoc, name: str) -> list[Any]:
    """Values a free parameter is tried with to see whether it decides a destination."""
    allowed = pd.allowed_values(name)
    if allowed:
        return list(allowed)
    ptype = str(ci(pd.parameters.get(name, {}), "type") or "string").lower()
    placeholder = f"<parameter {name}>"
    probes: dict[str, list[Any]] = {
        "boolean": [True, False],
        "bool": [True, False],
        "integer": [1, 0],
        "int": [1, 0],
        "array": [[placeholder], []],
        "object": [{"value": placeholder}, {}],
    }
    return probes.get(ptype, [placeholder, ""])


def _presence(pd: PolicyDoc, values: Mapping[str, Any], free: frozenset[str]) -> dict[str, str]:
    """kind -> 'yes' | 'maybe' for every destination some parameter values would set."""
    probes: list[dict[str, Any]] = []
    base = {**values, **{n: _probe_values(pd, n)[0] for n in free}}
    probes.append(base)
    for n in sorted(free):
        for alt in _probe_values(pd, n)[1:]:
            probes.append({**base, n: alt})
    seen: list[dict[str, str]] = []
    for probe in probes:
        state: dict[str, str] = {}
        for setting in deployed_settings(pd.details, Scope(parameters=probe)):
            for kind, value in setting.destinations.items():
                if isinstance(value, str) and not value.strip() and not free:
                    continue  # an assignment that passes "" sends nowhere
                sure = isinstance(value, str)
                state[kind] = "yes" if sure or state.get(kind) == "yes" else "maybe"
        seen.append(state)
    out: dict[str, str] = {}
    for kind in DESTINATION_KINDS:
        states = [s.get(kind) for s in seen]
        if all(s == "yes" for s in states):
            out[kind] = "yes"
        elif any(states):
            out[kind] = "maybe"
    return out


def _merge_categories(results: list[Any]) -> list[str] | str | None:
    if any(r is PARAM for r in results):
        return PARAMETERISED
    if any(r is UNKNOWN for r in results) or not results:
        return None
    merged: set[str] = set()
    for r in results:
        merged.update(r)
    return order_categories(merged)


def export_shape(
    pd: PolicyDoc,
    values: Mapping[str, Any] | None = None,
    free: frozenset[str] | None = None,
) -> ExportShape:
    """Judge ``pd`` under parameter ``values`` (lower-case names; defaults fill gaps).

    ``free`` names parameters nobody has fixed yet (for a bare classification: all of them);
    what they decide is reported as ``"parameterised"``. The effect is always judged under
    ``values`` plus defaults, since a free effect parameter defaults to its defaultValue.
    """
    in_force = pd.values(values)
    free = frozenset(n.lower() for n in (free or ()))
    effect = effect_with(pd, in_force)
    rdids = tuple(pd.role_definition_ids())
    reason = structural_reason(pd)
    if reason is not None:
        return ExportShape(effect, False, reason, role_definition_ids=rdids)
    settings = deployed_settings(pd.details, Scope(parameters=in_force, free=free))
    categories = _merge_categories([s.categories for s in settings])
    presence = _presence(pd, in_force, free)
    if not presence:
        return ExportShape(effect, False, "the deployed diagnostic setting names no destination",
                           role_definition_ids=rdids)
    sure = [k for k in DESTINATION_KINDS if presence.get(k) == "yes"]
    destination = PARAMETERISED if any(v == "maybe" for v in presence.values()) else sure[0]
    if destination == PARAMETERISED and not free and pd.parameters:
        # Under an assignment a missing value leaves the id unknown, not the kind: keep the
        # kind the definition always sets.
        bare = classify_bare(pd).destination
        destination = bare if bare not in (None, PARAMETERISED) else destination
    dest_values: dict[str, str | None] = {}
    for s in settings:
        for kind, value in s.destinations.items():
            fixed = value if isinstance(value, str) and value.strip() else None
            dest_values[kind] = dest_values.get(kind) or fixed
    return ExportShape(
        effect=effect,
        deploys=True,
        reason="deploys a subscription activity-log diagnostic setting",
        categories=categories,
        destination=destination,
        destination_kinds=tuple(k for k in DESTINATION_KINDS if k in presence),
        destination_values=dest_values,
        role_definition_ids=rdids,
    )


def default_categories(pd: PolicyDoc, values: Mapping[str, Any] | None = None) -> list[str] | None:
    """Categories the deployment enables with ``values`` over the declared defaults.

    None when the defaults do not decide them (a parameter without a default, a value only
    known at deployment time) or the rule deploys no export.
    """
    if structural_reason(pd) is not None:
        return None
    settings = deployed_settings(pd.details, Scope(parameters=pd.values(values)))
    merged = _merge_categories([s.categories for s in settings])
    return merged if isinstance(merged, list) else None


def category_parameters(pd: PolicyDoc, values: Mapping[str, Any] | None = None,
                        free: frozenset[str] | None = None) -> list[str]:
    """Parameters among ``free`` (default: all) that decide which categories are enabled.

    A parameter controls the categories when leaving it alone free (the others at their
    values) makes them "parameterised"; names as declared, in declaration order.
    """
    if structural_reason(pd) is not None:
        return []
    in_force = pd.values(values)
    names = frozenset(n.lower() for n in (pd.parameters if free is None else free))
    out: list[str] = []
    for name in pd.parameters:
        if name not in names:
            continue
        settings = deployed_settings(pd.details, Scope(parameters=in_force, free=frozenset({name})))
        if _merge_categories([s.categories for s in settings]) == PARAMETERISED:
            out.append(pd.parameter_name(name))
    return out


def classify_bare(pd: PolicyDoc) -> ExportShape:
    """The definition on its own: default effect, every parameter free (cached per document)."""
    cached = pd.__dict__.get("_bare_shape")
    if cached is None:
        cached = export_shape(pd, None, frozenset(pd.parameters))
        pd.__dict__["_bare_shape"] = cached
    return cached


def is_export_policy(pd: PolicyDoc) -> bool:
    """Whether the definition deploys a subscription activity-log export (whatever its values)."""
    return pd.kind == "definition" and classify_bare(pd).deploys
