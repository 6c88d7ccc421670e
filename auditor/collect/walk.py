"""The hierarchy: the root group, every group below it, the subscriptions placed in it.

Groups are read one by one with ``$expand=children`` because the snapshot keeps each group
exactly as that call returns it (direct children only). Groups are few; everything that is per
group (diagnostic settings, assignments and exemptions at the group, role assignments there) is
read here over REST as soon as the group is known, which gives exact per-group errors.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from auditor import operations
from auditor.azure import arm, rbac
from auditor.azure.hierarchy import child_entries, group_tenant_id, is_subscription_child
from auditor.collect import requests as rq
from auditor.collect.context import Ctx
from auditor.collect.reader import ReadFailure


async def discover_root(ctx: Ctx, management_group: str | None) -> dict[str, Any] | None:
    """Find the root group (``--management-group`` or the tenant root) and read it; None if unreadable.

    The tenant root group is named after the tenant: the tenant id comes from the group list (or,
    when no group is visible, from the tenant list). When neither can be read, nothing can: the
    failure is recorded at the tenant scope ``/`` with operation ``*``.
    """
    tree = ctx.state.tree
    if management_group:
        tree.root_name = management_group
        tree.whole_tenant = False
    else:
        failure: ReadFailure | None = None
        listed: list[dict[str, Any]] = []
        try:
            listed = await ctx.reader.get_list(ctx.clients.management_groups, rq.management_groups_list(),
                                               operations.MANAGEMENT_GROUPS, link_keys=("nextLink", "@nextLink"))
        except ReadFailure as e:
            failure = e
        tenant, root_name = root_of_group_list(listed)
        if not tenant:
            tenant, failure = await _tenant_from_tenants_list(ctx, failure)
            root_name = root_of_group_list(listed, tenant)[1]
        if not tenant:
            ctx.state.fail("/", operations.ALL, failure or ReadFailure(
                None, "NoRootGroup", "neither a management group nor a single tenant is visible to this identity"))
            return None
        tree.tenant_id = tenant
        tree.root_name = root_name
    doc = await ctx.read_one(ctx.clients.management_groups, rq.management_group(tree.root_name), tree.root_id,
                             operations.ALL, label=operations.MANAGEMENT_GROUPS)
    if doc is not None:
        tree.root_name = str(doc.get("name") or tree.root_name)
        tree.tenant_id = tree.tenant_id or group_tenant_id(doc)
    return doc


def root_of_group_list(listed: list[dict[str, Any]], tenant: str = "") -> tuple[str, str]:
    """(tenant id, root group name) from ``GET managementGroups``: the tenant root group is named
    after the tenant (the name as listed, else the tenant id); ("", "") when no group names a
    tenant and none is given."""
    tenant = tenant or next((group_tenant_id(g) for g in listed if group_tenant_id(g)), "")
    names = {str(g.get("name") or "").lower(): str(g.get("name")) for g in listed}
    return tenant, names.get(tenant.lower(), tenant) if tenant else ""


async def _tenant_from_tenants_list(ctx: Ctx, failure: ReadFailure | None) -> tuple[str, ReadFailure | None]:
    try:
        tenants = await ctx.reader.get_list(ctx.clients.subscriptions, rq.tenants_list(), operations.SUBSCRIPTIONS)
    except ReadFailure as e:
        return "", failure or e
    ids = [str(t.get("tenantId")) for t in tenants if t.get("tenantId")]
    return (ids[0], None) if len(ids) == 1 else ("", failure)


async def walk_tree(ctx: Ctx, root_doc: dict[str, Any], on_subscription: Callable[[str], None]) -> None:
    """Breadth first from the root: every readable group stored, its per-group reads done.

    ``on_subscription`` is called once per subscription the tree places, as soon as it is seen,
    so that per-subscription reads start while the walk goes on."""
    tree, state = ctx.state.tree, ctx.state
    pending: list[asyncio.Task[None]] = []
    level_root = arm.norm_id(root_doc.get("id") or tree.root_id)
    level = [(root_doc, level_root)]
    ctx.progress.add_total("management groups", 1)
    while level:
        next_names: list[tuple[str, str]] = []  # (name as written, parent norm id)
        for doc, gid in level:
            state.add(doc)
            tree.groups[gid] = str(doc.get("name") or arm.last_segment(gid))
            pending.append(asyncio.create_task(_group_reads(ctx, doc, is_start=gid == level_root)))
            for child in child_entries(doc):
                cid = arm.norm_id(child["id"])
                if is_subscription_child(child):
                    guid = cid.rsplit("/", 1)[1]
                    if guid not in tree.subscriptions:
                        tree.subscriptions[guid] = gid
                        on_subscription(guid)
                elif arm.management_group_name_of(cid) and cid not in tree.groups:
                    next_names.append((str(child.get("name") or arm.last_segment(child["id"])), gid))
            ctx.progress.advance("management groups")
        ctx.progress.add_total("management groups", len(next_names))
        reads = await asyncio.gather(*(_read_group(ctx, name) for name, _ in next_names))
        level = []
        for (name, _parent), read in zip(next_names, reads, strict=True):
            if read is None:
                tree.unreadable_groups.add(arm.norm_id(arm.management_group_id(name)))
                ctx.progress.advance("management groups")
            else:
                level.append((read, arm.norm_id(read.get("id") or arm.management_group_id(name))))
    await asyncio.gather(*pending)


async def _read_group(ctx: Ctx, name: str) -> dict[str, Any] | None:
    """A group that cannot be read hides everything below it: recorded with operation ``*``."""
    return await ctx.read_one(ctx.clients.management_groups, rq.management_group(name),
                              arm.management_group_id(name), operations.ALL, label=operations.MANAGEMENT_GROUPS)


async def _group_reads(ctx: Ctx, doc: dict[str, Any], *, is_start: bool) -> None:
    """Reads at one group. At the group the walk starts from, assignments, exemptions and role
    assignments of the groups *above* it are read too (``atScope()``): they are inherited by every
    subscription below, so a ``--management-group`` collection still sees what enforces them."""
    gid = arm.display_id(doc["id"])
    name = str(doc.get("name") or arm.last_segment(gid))
    c, state = ctx.clients, ctx.state
    diag, assignments, exemptions, roles = await asyncio.gather(
        ctx.read_list(c.monitor, rq.group_diagnostic_settings(name), gid, operations.DIAGNOSTIC_SETTINGS),
        ctx.read_list(c.policy, rq.group_policy_assignments(name, inherited=is_start), gid,
                      operations.POLICY_ASSIGNMENTS),
        ctx.read_list(c.policy, rq.policy_exemptions(gid, exact=not is_start, inherited=is_start), gid,
                      operations.POLICY_EXEMPTIONS),
        ctx.read_list(c.authorization, rq.group_role_assignments(gid), gid, operations.ROLE_ASSIGNMENTS),
    )
    for docs in (diag, assignments, exemptions):
        state.add_all(docs or [])
    for ra in roles or []:
        # atScope() also lists assignments of the groups above; each group keeps its own (the
        # start group keeps those above it too).
        if is_start or arm.same_id(rbac.assignment_scope(ra), gid):
            state.role_candidates.append(ra)


async def list_subscriptions(ctx: Ctx) -> dict[str, dict[str, Any]]:
    """``GET /subscriptions``: every subscription the identity can read (lower-case guid -> document)."""
    try:
        docs = await ctx.reader.get_list(ctx.clients.subscriptions, rq.subscriptions_list(), operations.SUBSCRIPTIONS)
    except ReadFailure as failure:
        ctx.state.fail(ctx.state.tree.root_id or "/", operations.SUBSCRIPTIONS, failure)
        return {}
    out: dict[str, dict[str, Any]] = {}
    for d in docs:
        guid = str(d.get("subscriptionId") or arm.subscription_id_of(d.get("id")) or "").lower()
        if guid:
            out.setdefault(guid, d)
    return out


async def settle_subscriptions(ctx: Ctx, listed: dict[str, dict[str, Any]],
                               on_subscription: Callable[[str], None]) -> None:
    """Keep the tree's subscriptions; one the list did not show is read alone, else recorded as ``*``.

    A whole-tenant collection also keeps the tenant's listed subscriptions the tree does not place
    (they sit below a group that could not be read): the analysis reports them as unplaced. Listed
    subscriptions of other tenants (Lighthouse delegations) are not part of the audited tenant.
    """
    state = ctx.state
    if state.tree.whole_tenant:
        tenant = state.tree.tenant_id.lower()
        for guid, doc in listed.items():
            if guid not in state.tree.subscriptions and str(doc.get("tenantId") or tenant).lower() == tenant:
                state.tree.subscriptions[guid] = ""
                on_subscription(guid)
    missing = [g for g in state.tree.subscriptions if g not in listed]

    async def read_alone(guid: str) -> None:
        doc = await ctx.read_one(ctx.clients.subscriptions, rq.subscription(guid), arm.subscription_scope(guid),
                                 operations.ALL, label=operations.SUBSCRIPTIONS)
        if doc is not None:
            listed[guid] = doc

    await asyncio.gather(*(read_alone(g) for g in missing))
    for guid in sorted(state.tree.subscriptions):
        sub_doc = listed.get(guid)
        if sub_doc is not None:
            state.add(sub_doc)
            state.readable_subscriptions.add(guid)


async def subscription_reads(ctx: Ctx, guid: str) -> None:
    """The two reads Resource Graph cannot answer: subscription diagnostic settings and log profiles."""
    scope = arm.subscription_scope(guid)
    mon = ctx.clients.monitor
    diag, profiles = await asyncio.gather(
        ctx.read_list(mon, rq.subscription_diagnostic_settings(guid), scope, operations.DIAGNOSTIC_SETTINGS),
        ctx.read_list(mon, rq.log_profiles(guid), scope, operations.LOG_PROFILES),
    )
    ctx.state.add_all(diag or [])
    ctx.state.add_all(profiles or [])
    ctx.progress.advance("subscriptions")


def collapse_unreadable_subscriptions(ctx: Ctx, fallback_operations: frozenset[str]) -> None:
    """A subscription where every read was refused is recorded once, as ``*`` (nothing at or below
    it could be read), instead of once per operation; so is one that could not be read at all
    (its per-subscription reads started before that was known)."""
    state = ctx.state
    for guid in sorted(state.tree.subscriptions):
        scope = arm.norm_id(arm.subscription_scope(guid))
        if guid not in state.readable_subscriptions:
            for key in [k for k in state.errors if k[0] == scope and k[1] != operations.ALL]:
                del state.errors[key]
            continue
        expected = {operations.DIAGNOSTIC_SETTINGS, operations.LOG_PROFILES}
        if guid in state.fallback_subscriptions:
            expected |= fallback_operations
        found = {op: e for (s, op), e in state.errors.items() if s == scope}
        if not expected <= set(found) or any(found[op]["status"] != 403 for op in expected):
            continue
        first = found[operations.DIAGNOSTIC_SETTINGS]
        for op in found:
            del state.errors[(scope, op)]
        state.errors[(scope, operations.ALL)] = {**first, "operation": operations.ALL}
