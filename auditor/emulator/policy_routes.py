"""Policy and role reads: assignments, exemptions, definitions, role assignments, policy states.

Scope semantics follow ARM: ``$filter=atScope()`` gives what is at the scope and above it
(the management groups containing it, up to the root; for definitions also the built-ins);
``atExactScope()`` only what is at the scope; no filter, or a property filter, also includes
what lies below the scope.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from auditor.azure import arm
from auditor.azure.snapshot import parse_timestamp
from auditor.emulator.http import Answer, Call, Ctx, arm_error
from auditor.emulator.odata import Filter, UnsupportedFilter, parse_filter


def _props_first(doc: dict[str, Any], flt: Filter) -> bool:
    """Property comparisons (``policyDefinitionId eq '...'``) against ``properties``, else the doc."""
    p = arm.props(doc)
    return all(c.matches(p) if arm.ci_get(p, c.field) is not None else c.matches(doc) for c in flt.comparisons)


def _above(ctx: Ctx, scope: str, kind: str, *, include_tenant: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for anc in ctx.store.ancestors(scope):
        if anc or include_tenant:
            out.extend(ctx.store.kind_at(anc, kind))
    return out


def _below(ctx: Ctx, scope: str, kind: str) -> list[dict[str, Any]]:
    """Documents strictly below ``scope`` (resource groups, resources, child groups, subscriptions)."""
    store = ctx.store
    n = arm.norm_id(scope)
    sub = arm.subscription_id_of(n)
    if sub:
        return [d for d in store.kind_in_subscription(sub, kind)
                if arm.is_under(d["id"], n) and arm.norm_id(arm.scope_of_extension(d["id"])) != n]
    if n.startswith(arm.MG_PREFIX):
        groups, subs = store.below(n)
        out: list[dict[str, Any]] = []
        for g in groups:
            out.extend(store.kind_at(g, kind))
        for s in subs:
            out.extend(store.kind_in_subscription(arm.subscription_id_of(s) or "", kind))
        return out
    return []


def _dedupe(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out = []
    for d in docs:
        k = arm.norm_id(d["id"])
        if k not in seen:
            seen.add(k)
            out.append(d)
    return out


def _scoped_list(ctx: Ctx, call: Call, scope: str, kind: str, *, include_tenant: bool = False) -> Answer:
    try:
        flt = parse_filter(call.param("$filter"))
    except UnsupportedFilter as e:
        return arm_error(400, "InvalidFilterInQueryString", str(e))

    def build() -> list[Any]:
        if flt.has("atExactScope"):
            docs = list(ctx.store.kind_at(scope, kind))
        elif flt.has("atScope"):
            docs = _above(ctx, scope, kind, include_tenant=include_tenant)
        else:
            docs = _above(ctx, scope, kind, include_tenant=include_tenant) + _below(ctx, scope, kind)
        principal = flt.argument("assignedTo")
        if principal is not None:
            docs = [d for d in docs if str(arm.props(d).get("principalId") or "").lower() == principal.lower()]
        if flt.has("excludeExpired"):
            docs = [d for d in docs if not _expired(d)]
        return _dedupe([d for d in docs if _props_first(d, flt)])

    items = ctx.cache.get_or_build(("scoped", kind, arm.norm_id(scope), flt.key), build)
    return ctx.page(call, items)


def _expired(doc: dict[str, Any]) -> bool:
    value = arm.props(doc).get("expiresOn")
    if not value:
        return False
    try:
        return parse_timestamp(value) < datetime.now(UTC)
    except ValueError:
        return False


def policy_assignments(ctx: Ctx, call: Call, args: dict[str, str]) -> Answer:
    return _scoped_list(ctx, call, args["scope"], arm.POLICY_ASSIGNMENT)


def policy_exemptions(ctx: Ctx, call: Call, args: dict[str, str]) -> Answer:
    return _scoped_list(ctx, call, args["scope"], arm.POLICY_EXEMPTION)


def role_assignments(ctx: Ctx, call: Call, args: dict[str, str]) -> Answer:
    return _scoped_list(ctx, call, args["scope"], arm.ROLE_ASSIGNMENT)


def policy_definitions(ctx: Ctx, call: Call, args: dict[str, str]) -> Answer:
    """Built-in definitions plus those at the scope and the groups above it."""
    kind = arm.POLICY_DEFINITION if args["type"] == "policydefinitions" else arm.POLICY_SET_DEFINITION
    call_filter = call.param("$filter") or ""
    if "atexactscope()" in call_filter.lower():
        return _scoped_list(ctx, call, args["scope"], kind, include_tenant=True)
    try:
        flt = parse_filter(call_filter)
    except UnsupportedFilter as e:
        return arm_error(400, "InvalidFilterInQueryString", str(e))

    def build() -> list[Any]:
        return _dedupe([d for d in _above(ctx, args["scope"], kind, include_tenant=True) if _props_first(d, flt)])

    items = ctx.cache.get_or_build(("definitions", kind, arm.norm_id(args["scope"]), flt.key), build)
    return ctx.page(call, items)


def policy_states(ctx: Ctx, call: Call, args: dict[str, str]) -> Answer:
    """``policyStates/latest/queryResults``: the scope's records, ``$filter`` on record fields, ``$top``."""
    if call.param("$apply"):
        return arm_error(400, "InvalidQueryParameter", "$apply is not supported by the emulator")
    try:
        flt = parse_filter(call.param("$filter"))
    except UnsupportedFilter as e:
        return arm_error(400, "InvalidFilterInQueryString", str(e))
    if flt.functions:
        return arm_error(400, "InvalidFilterInQueryString", "policy states filters take field comparisons only")
    top_text = call.param("$top")
    try:
        top = int(top_text) if top_text else None
    except ValueError:
        return arm_error(400, "InvalidQueryParameter", f"$top {top_text!r} is not a number")
    scope = args["scope"]

    def build() -> list[Any]:
        return [r for r in ctx.store.policy_states_in(scope) if flt.matches(r)]

    items = ctx.cache.get_or_build(("states", arm.norm_id(scope), flt.key), build)
    context = f"{call.base_url}{arm.display_id(scope)}/providers/Microsoft.PolicyInsights/policyStates/$metadata#latest"
    answer = ctx.page(call, items, link_keys=("@odata.nextLink",), limit=top, extra={"@odata.context": context})
    if answer.status == 200:
        answer.body["@odata.count"] = len(answer.body["value"])
    return answer
