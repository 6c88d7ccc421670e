"""Documents read because another document names them.

- policy (set) definitions an assignment or a set refers to, built-ins included, each once;
- role assignments held by policy-assignment identities;
- export destinations named by diagnostic settings (workspaces, storage accounts, Event Hub
  namespaces and authorization rules), so the analysis can judge their health;
- action groups the alerts use.
"""

from __future__ import annotations

import asyncio
from typing import Any

from auditor import operations
from auditor.azure import arm, diagnostic_settings, monitor_alerts, rbac
from auditor.azure.policy import PolicyDoc, member_definition_id
from auditor.azure.policy.assignment_facts import assigned_definition_id, identity_of
from auditor.collect import argshape
from auditor.collect import requests as rq
from auditor.collect.bulk import graph_query
from auditor.collect.context import Ctx
from auditor.collect.reader import ReadFailure

_SET_MARKER = "/providers/microsoft.authorization/policysetdefinitions/"


async def definitions(ctx: Ctx) -> None:
    """Fetch referenced definitions until the closure is complete (sets name further definitions)."""
    state = ctx.state
    fetched: set[str] = set()
    while True:
        wanted = {arm.norm_id(i): i for i in _definition_refs(state.docs.values())}
        todo = [i for k, i in wanted.items() if k not in fetched]
        if not todo:
            return
        fetched.update(arm.norm_id(i) for i in todo)
        ctx.progress.add_total("references", len(todo))
        await asyncio.gather(*(_definition(ctx, i) for i in todo))


def _definition_refs(docs: Any) -> list[str]:
    refs: list[str] = []
    for doc in list(docs):
        kind = arm.kind_of(doc)
        if kind == arm.POLICY_ASSIGNMENT and assigned_definition_id(doc):
            refs.append(assigned_definition_id(doc))
        elif kind == arm.POLICY_SET_DEFINITION:
            refs.extend(m for m in (member_definition_id(m) for m in PolicyDoc(doc).members) if m)
    return refs


async def _definition(ctx: Ctx, def_id: str) -> None:
    is_set = _SET_MARKER in arm.norm_id(def_id)
    operation = operations.POLICY_SET_DEFINITIONS if is_set else operations.POLICY_DEFINITIONS
    scope = arm.scope_of_extension(def_id) or "/"
    doc = await ctx.read_one(ctx.clients.policy, rq.policy_definition(def_id, is_set=is_set), scope, operation,
                             absent_ok=True)
    if doc is not None:
        ctx.state.add(doc)
    ctx.progress.advance("references")


def policy_principals(docs: Any) -> set[str]:
    """Principal ids of policy-assignment identities (system- and user-assigned)."""
    out: set[str] = set()
    for doc in docs:
        if arm.kind_of(doc) != arm.POLICY_ASSIGNMENT:
            continue
        out.update(p.lower() for p in identity_of(doc).principal_ids)
    return out


async def role_assignments(ctx: Ctx, graph_ok: bool) -> None:
    """Role assignments of policy identities: groups' and fallback subscriptions' candidates, plus
    one Resource Graph query (per 200 principals) for every other subscription."""
    state = ctx.state
    principals = sorted(policy_principals(list(state.docs.values())))
    found: list[dict[str, Any]] = list(state.role_candidates)
    if principals and graph_ok:
        for chunk in argshape.chunks(principals):
            ctx.progress.add_total("references", 1)
            try:
                rows = await graph_query(ctx, argshape.role_assignments_query(chunk))
            except ReadFailure as failure:
                # Unreadable for every subscription Resource Graph was to answer for.
                for guid in state.readable_subscriptions - state.fallback_subscriptions:
                    state.fail(arm.subscription_scope(guid), operations.ROLE_ASSIGNMENTS, failure)
                break
            finally:
                ctx.progress.advance("references")
            found.extend(argshape.document_from_row(r) for r in rows
                         if arm.subscription_id_of(r.get("id")) not in state.fallback_subscriptions
                         and arm.subscription_id_of(r.get("id")) in state.readable_subscriptions)
    wanted = set(principals)
    for ra in found:
        if rbac.assignment_principal(ra) in wanted:
            state.add(ra)


def destination_refs(docs: Any) -> tuple[dict[str, set[str]], set[str]]:
    """(kind -> resource ids, Event Hub authorization rule ids) named by diagnostic settings."""
    by_kind: dict[str, set[str]] = {k: set() for k in argshape.DESTINATION_KINDS}
    rules: set[str] = set()
    for doc in docs:
        if arm.kind_of(doc) != arm.DIAGNOSTIC_SETTING:
            continue
        for kind, dest in diagnostic_settings.destinations(doc):
            if kind == diagnostic_settings.LOG_ANALYTICS:
                by_kind[arm.WORKSPACE].add(arm.display_id(dest))
            elif kind == diagnostic_settings.STORAGE:
                by_kind[arm.STORAGE_ACCOUNT].add(arm.display_id(dest))
            elif kind == diagnostic_settings.EVENT_HUB:
                rules.add(arm.display_id(dest))
                namespace = diagnostic_settings.eventhub_namespace(dest)
                if namespace:
                    by_kind[arm.EVENTHUB_NAMESPACE].add(namespace)
    return by_kind, rules


async def destinations(ctx: Ctx, graph_ok: bool) -> None:
    state = ctx.state
    by_kind, rules = destination_refs(list(state.docs.values()))
    unreadable = {arm.subscription_id_of(e["scope"]) for e in state.errors.values()
                  if e["operation"] == operations.ALL}
    rest_subs: dict[str, set[str]] = {}  # fallback subscription -> kinds wanted there
    graph_ids: dict[str, list[str]] = {}
    for kind, ids in by_kind.items():
        for i in sorted(ids):
            sub = arm.subscription_id_of(i)
            if not sub or sub in unreadable:
                continue
            if sub in state.fallback_subscriptions or not graph_ok:
                rest_subs.setdefault(sub, set()).add(kind)
            else:
                graph_ids.setdefault(kind, []).append(i)
    wanted = {arm.norm_id(i) for ids in by_kind.values() for i in ids}
    jobs = [_graph_destinations(ctx, kind, chunk) for kind, ids in graph_ids.items()
            for chunk in argshape.chunks(ids)]
    jobs += [_rest_destinations(ctx, sub, kind, wanted) for sub, kinds in rest_subs.items() for kind in kinds]
    jobs += [_eventhub_rule(ctx, r) for r in sorted(rules) if arm.subscription_id_of(r) not in unreadable]
    ctx.progress.add_total("references", len(jobs))
    await asyncio.gather(*jobs)


async def _graph_destinations(ctx: Ctx, kind: str, ids: list[str]) -> None:
    try:
        rows = await graph_query(ctx, argshape.documents_by_id_query([kind], ids), tenant_wide=True)
    except ReadFailure as failure:
        for sub in sorted({arm.subscription_id_of(i) or "" for i in ids} - {""}):
            ctx.state.fail(arm.subscription_scope(sub), operations.DESTINATIONS, failure)
        return
    finally:
        ctx.progress.advance("references")
    ctx.state.add_all([argshape.document_from_row(r) for r in rows])


async def _rest_destinations(ctx: Ctx, sub: str, kind: str, wanted: set[str]) -> None:
    docs = await ctx.read_list(ctx.clients.monitor, rq.destinations_in_subscription(sub, kind),
                               arm.subscription_scope(sub), operations.DESTINATIONS)
    ctx.state.add_all([d for d in docs or [] if arm.norm_id(d.get("id")) in wanted])
    ctx.progress.advance("references")


async def _eventhub_rule(ctx: Ctx, rule_id: str) -> None:
    sub = arm.subscription_id_of(rule_id) or ""
    doc = await ctx.read_one(ctx.clients.monitor, rq.eventhub_authorization_rule(rule_id),
                             arm.subscription_scope(sub) if sub else rule_id, operations.DESTINATIONS,
                             absent_ok=True)
    if doc is not None:
        ctx.state.add(doc)
    ctx.progress.advance("references")


def action_group_refs(docs: Any) -> set[str]:
    """Normalised ids of the action groups any alert rule names (every api-version shape)."""
    return {arm.norm_id(g) for doc in docs for g in monitor_alerts.alert_action_groups(doc)}


async def action_groups(ctx: Ctx, graph_ok: bool) -> None:
    """Keep the candidates alerts use; read the ones outside the tree by id through Resource Graph."""
    state = ctx.state
    wanted = action_group_refs(list(state.docs.values()))
    for ag in state.action_group_candidates:
        if arm.norm_id(ag.get("id")) in wanted:
            state.add(ag)
    outside = sorted(i for i in wanted if i not in state.docs and not state.in_scope_subscription(i))
    if not outside or not graph_ok:
        return
    for chunk in argshape.chunks(outside):
        try:
            rows = await graph_query(ctx, argshape.documents_by_id_query([arm.ACTION_GROUP], chunk),
                                     tenant_wide=True)
        except ReadFailure:
            continue  # outside the audited tree: the analysis counts them as unverifiable anyway
        state.add_all([argshape.document_from_row(r) for r in rows])
