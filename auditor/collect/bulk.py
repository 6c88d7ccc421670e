"""Tenant-wide reads: Resource Graph queries, policy states, and the REST fallback per subscription.

Resource Graph answers, in a few paged queries for the whole tree, what would otherwise cost
several calls per subscription: policy assignments and exemptions, activity log alerts, log
search alerts and action groups, role assignments, destinations. A subscription Resource Graph
does not cover (its subscription list omits it, or a bulk query failed) is read over REST with
the per-subscription list calls instead, which also yields exact per-subscription errors.
"""

from __future__ import annotations

import asyncio
from typing import Any

from auditor import operations
from auditor.azure import arm
from auditor.collect import argshape
from auditor.collect import requests as rq
from auditor.collect.context import Ctx
from auditor.collect.reader import ReadFailure


async def graph_query(ctx: Ctx, query: str, *, tenant_wide: bool = False) -> list[dict[str, Any]]:
    """Every row of a Resource Graph query (``$skipToken`` paging); ``argshape.document_from_row``
    turns a row into its REST document.

    Scoped to the audited root group unless ``tenant_wide`` (destinations may lie anywhere).
    Raises :class:`ReadFailure`.
    """
    group = None if tenant_wide else ctx.state.tree.root_name
    rows: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        request = rq.resource_graph(query, management_group=group, skip_token=token, page_size=argshape.PAGE_SIZE)
        page = await ctx.reader.send(ctx.clients.resource_graph, request, "resourceGraph")
        data, token = graph_page(page)
        rows.extend(data)
        if not token:
            return rows


def graph_page(page: Any) -> tuple[list[dict[str, Any]], str | None]:
    """One Resource Graph answer (``resultFormat: objectArray``): its rows and the ``$skipToken`` of
    the next page (None at the end). No ``data`` list: :class:`ReadFailure`."""
    data = page.get("data") if isinstance(page, dict) else None
    if not isinstance(data, list):
        raise ReadFailure(200, "InvalidResponse", "Resource Graph answer has no objectArray 'data'")
    token = page.get("$skipToken")
    return [r for r in data if isinstance(r, dict)], (token if isinstance(token, str) and token else None)


async def graph_subscriptions(ctx: Ctx) -> set[str] | None:
    """Subscriptions Resource Graph covers (lower-case guids), None when the query failed."""
    try:
        rows = await graph_query(ctx, argshape.subscriptions_query())
    except ReadFailure:
        return None
    finally:
        ctx.progress.advance("bulk queries")
    return {str(r.get("subscriptionId") or "").lower() for r in rows if r.get("subscriptionId")}


async def graph_documents(ctx: Ctx, kinds: tuple[str, ...]) -> list[dict[str, Any]] | None:
    """Every document of ``kinds`` in the tree's subscriptions, None when the query failed."""
    try:
        rows = await graph_query(ctx, argshape.documents_in_subscriptions_query(kinds))
    except ReadFailure:
        return None
    finally:
        ctx.progress.advance("bulk queries")
    return [argshape.document_from_row(r) for r in rows]


def keep_graph_documents(ctx: Ctx, docs: list[dict[str, Any]]) -> None:
    """Store bulk results of subscriptions read through Resource Graph (fallback ones come over REST)."""
    state = ctx.state
    for doc in docs:
        sub = arm.subscription_id_of(doc.get("id"))
        if not sub or sub not in state.readable_subscriptions or sub in state.fallback_subscriptions:
            continue
        kind = arm.kind_of(doc)
        if kind == arm.ACTION_GROUP:
            state.action_group_candidates.append(doc)
        elif kind == arm.POLICY_EXEMPTION:
            # Exemptions carry systemData (who granted them, when), which Resource Graph has no
            # column for; they are few, so each is read again by id for the exact REST document.
            state.exemptions_to_read.append(str(doc["id"]))
        else:
            state.add(doc)


async def group_policy_states(ctx: Ctx) -> list[dict[str, Any]] | None:
    """The latest policy states of subscription resources below the root group, as queryResults returns them."""
    root = ctx.state.tree
    try:
        return await ctx.reader.get_list(ctx.clients.policy_insights, rq.group_policy_states(root.root_name),
                                         operations.POLICY_STATES, link_keys=("@odata.nextLink", "nextLink"))
    except ReadFailure as failure:
        ctx.state.fail(root.root_id, operations.POLICY_STATES, failure)
        return None
    finally:
        ctx.progress.advance("bulk queries")


def keep_policy_states(ctx: Ctx, records: list[dict[str, Any]]) -> None:
    state = ctx.state
    for rec in records:
        sub = str(rec.get("subscriptionId") or arm.subscription_id_of(rec.get("resourceId")) or "").lower()
        if sub in state.fallback_subscriptions:
            continue  # read per subscription
        state.policy_states.append(rec)


FALLBACK_OPERATIONS = frozenset({
    operations.POLICY_ASSIGNMENTS, operations.POLICY_EXEMPTIONS, operations.ROLE_ASSIGNMENTS,
    operations.ACTIVITY_LOG_ALERTS, operations.SCHEDULED_QUERY_RULES, operations.ACTION_GROUPS,
    operations.POLICY_STATES,
})


async def exemption_reads(ctx: Ctx) -> None:
    ids = sorted(ctx.state.exemptions_to_read)
    ctx.progress.add_total("references", len(ids))

    async def one(exemption_id: str) -> None:
        scope = arm.subscription_scope(arm.subscription_id_of(exemption_id) or "")
        doc = await ctx.read_one(ctx.clients.policy, rq.policy_exemption(exemption_id), scope,
                                 operations.POLICY_EXEMPTIONS, absent_ok=True)
        if doc is not None:
            ctx.state.add(doc)
        ctx.progress.advance("references")

    await asyncio.gather(*(one(i) for i in ids))


async def fallback_reads(ctx: Ctx, guid: str) -> None:
    """Per-subscription REST reads of everything Resource Graph would have answered."""
    scope = arm.subscription_scope(guid)
    c, state = ctx.clients, ctx.state

    def inside(docs: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
        # Unfiltered subscription lists include inherited documents; each scope keeps its own.
        return [d for d in docs or [] if arm.subscription_id_of(d.get("id")) == guid]

    assignments, exemptions, roles, alerts, rules, groups, states = await asyncio.gather(
        ctx.read_list(c.policy, rq.subscription_policy_assignments(guid), scope, operations.POLICY_ASSIGNMENTS),
        ctx.read_list(c.policy, rq.policy_exemptions(scope, exact=False), scope, operations.POLICY_EXEMPTIONS),
        ctx.read_list(c.authorization, rq.subscription_role_assignments(guid), scope, operations.ROLE_ASSIGNMENTS),
        ctx.read_list(c.monitor, rq.activity_log_alerts(guid), scope, operations.ACTIVITY_LOG_ALERTS),
        ctx.read_list(c.monitor, rq.scheduled_query_rules(guid), scope, operations.SCHEDULED_QUERY_RULES),
        ctx.read_list(c.monitor, rq.action_groups(guid), scope, operations.ACTION_GROUPS),
        ctx.read_list(c.policy_insights, rq.subscription_policy_states(guid), scope, operations.POLICY_STATES),
    )
    for docs in (assignments, exemptions, alerts, rules):
        state.add_all(inside(docs))
    state.role_candidates.extend(inside(roles))
    state.action_group_candidates.extend(inside(groups))
    state.policy_states.extend(states or [])
