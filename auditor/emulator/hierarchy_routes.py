"""Management groups, entities, descendants, subscriptions and tenants (tenant-level reads).

Management-group documents are stored as ``GET managementGroups/{id}?$expand=children``
returns them (direct children). The other shapes ARM offers are derived from them here:
without ``$expand`` the children are left out, with ``$recurse=true`` they are nested to the
leaves, the list and ``getEntities`` give summaries.
"""

from __future__ import annotations

import copy
from typing import Any

from auditor.azure import arm
from auditor.emulator.http import Answer, Call, Ctx, arm_error, parse_bool
from auditor.emulator.store import SnapshotStore

MG_TYPE = "Microsoft.Management/managementGroups"
MG_LINKS = ("nextLink", "@nextLink")  # the list reads "@nextLink", descendants/entities "nextLink"


def _display_name(doc: dict[str, Any] | None, fallback: str) -> str:
    p = arm.props(doc)
    return str(p.get("displayName") or (doc or {}).get("displayName") or fallback)


def _group_not_found(name: str) -> Answer:
    return arm_error(404, "NotFound", f"Management group '{name}' was not found.")


def mg_list(ctx: Ctx, call: Call, args: dict[str, str]) -> Answer:
    store = ctx.store

    def build() -> list[Any]:
        out = []
        for doc in store.groups.values():
            p = arm.props(doc)
            out.append({
                "id": doc["id"], "type": doc.get("type") or MG_TYPE, "name": doc.get("name"),
                "properties": {"tenantId": p.get("tenantId") or store.tenant_id,
                               "displayName": _display_name(doc, str(doc.get("name")))},
            })
        return out

    return ctx.page(call, ctx.cache.get_or_build(("mg_list",), build), link_keys=MG_LINKS)


def _expand_children(store: SnapshotStore, children: list[Any], seen: set[str]) -> list[Any]:
    out = []
    for child in children:
        if not isinstance(child, dict):
            out.append(child)
            continue
        item = dict(child)
        cid = arm.norm_id(child.get("id"))
        doc = store.groups.get(cid)
        if doc is not None and cid not in seen:
            grand = arm.props(doc).get("children") or []
            if grand:
                item["children"] = _expand_children(store, grand, seen | {cid})
        out.append(item)
    return out


def mg_get(ctx: Ctx, call: Call, args: dict[str, str]) -> Answer:
    gid = arm.MG_PREFIX + args["group"].lower()
    doc = ctx.store.groups.get(gid)
    if doc is None:
        return _group_not_found(args["group"])
    expand = (call.param("$expand") or "").lower()
    if "children" not in expand:
        out = copy.copy(doc)
        if isinstance(doc.get("properties"), dict):
            out["properties"] = {k: v for k, v in doc["properties"].items() if k != "children"}
        return Answer(200, out)
    if not parse_bool(call.param("$recurse")):
        return Answer(200, doc)
    out = copy.copy(doc)
    props = dict(arm.props(doc))
    props["children"] = _expand_children(ctx.store, props.get("children") or [], {gid})
    out["properties"] = props
    return Answer(200, out)


def _parent_entry(store: SnapshotStore, node: str) -> dict[str, Any] | None:
    parent = store.parent_of.get(node)
    return {"id": arm.display_id(store.groups[parent]["id"]) if parent in store.groups
            else arm.display_id(parent)} if parent else None


def _display_id_of(store: SnapshotStore, node: str) -> str:
    doc = store.groups.get(node) or store.subscriptions.get(node)
    return arm.display_id(doc["id"]) if doc else arm.display_id(node)


def _name_of(store: SnapshotStore, node: str) -> str:
    return arm.last_segment(_display_id_of(store, node))


def _sub_display_name(store: SnapshotStore, node: str) -> str:
    doc = store.subscriptions.get(node)
    return str((doc or {}).get("displayName") or arm.last_segment(node))


def mg_descendants(ctx: Ctx, call: Call, args: dict[str, str]) -> Answer:
    store = ctx.store
    gid = arm.MG_PREFIX + args["group"].lower()
    if gid not in store.groups and gid not in store.group_children:
        return _group_not_found(args["group"])

    def build() -> list[Any]:
        groups, subs = store.below(gid)
        out: list[Any] = []
        for node in groups + subs:
            is_sub = node.startswith("/subscriptions/")
            out.append({
                "id": _display_id_of(store, node),
                "type": MG_TYPE + "/subscriptions" if is_sub else MG_TYPE,
                "name": _name_of(store, node),
                "properties": {
                    "displayName": _sub_display_name(store, node) if is_sub
                    else _display_name(store.groups.get(node), _name_of(store, node)),
                    "parent": _parent_entry(store, node),
                },
            })
        return out

    return ctx.page(call, ctx.cache.get_or_build(("descendants", gid), build), link_keys=MG_LINKS)


def mg_subscriptions(ctx: Ctx, call: Call, args: dict[str, str]) -> Answer:
    """``{mg}/subscriptions``: the group's direct subscriptions, as ManagementGroupSubscriptions returns them."""
    store = ctx.store
    gid = arm.MG_PREFIX + args["group"].lower()
    if gid not in store.groups:
        return _group_not_found(args["group"])
    group_id = arm.display_id(store.groups[gid]["id"])

    def build() -> list[Any]:
        out: list[Any] = []
        for node in store.group_children.get(gid, []):
            if not node.startswith("/subscriptions/"):
                continue
            doc = store.subscriptions.get(node) or {}
            name = _name_of(store, node)
            out.append({
                "id": f"{group_id}/subscriptions/{name}", "type": MG_TYPE + "/subscriptions", "name": name,
                "properties": {"tenant": doc.get("tenantId") or store.tenant_id,
                               "displayName": _sub_display_name(store, node),
                               "parent": {"id": group_id}, "state": doc.get("state")},
            })
        return out

    return ctx.page(call, ctx.cache.get_or_build(("mg_subscriptions", gid), build))


def entities(ctx: Ctx, call: Call, args: dict[str, str]) -> Answer:
    """``getEntities``: every group and placed subscription, root first (``groupName`` narrows)."""
    store = ctx.store
    group_name = call.param("groupName")
    start = arm.MG_PREFIX + group_name.lower() if group_name else store.root_group

    def build() -> list[Any]:
        if start:
            groups, subs = store.below(start)
            nodes = [start] + groups + subs
        else:
            nodes = list(store.groups)
        out: list[Any] = []
        for node in nodes:
            is_sub = node.startswith("/subscriptions/")
            chain = [a for a in store.ancestors(node)[1:] if a]
            kids = store.group_children.get(node, [])
            below = store.below(node) if not is_sub else ([], [])
            out.append({
                "id": _display_id_of(store, node),
                "type": "/subscriptions" if is_sub else MG_TYPE,
                "name": _name_of(store, node),
                "properties": {
                    "tenantId": store.tenant_id,
                    "displayName": _sub_display_name(store, node) if is_sub
                    else _display_name(store.groups.get(node), _name_of(store, node)),
                    "parent": _parent_entry(store, node),
                    "permissions": "view",
                    "inheritedPermissions": "view",
                    "parentNameChain": [_name_of(store, a) for a in reversed(chain)],
                    "parentDisplayNameChain": [
                        _display_name(store.groups.get(a), _name_of(store, a)) for a in reversed(chain)
                    ],
                    "numberOfDescendants": len(below[0]) + len(below[1]),
                    "numberOfChildren": len(kids),
                    "numberOfChildGroups": sum(1 for k in kids if not k.startswith("/subscriptions/")),
                },
            })
        return out

    return ctx.page(call, ctx.cache.get_or_build(("entities", start), build), link_keys=MG_LINKS)


def subscriptions_list(ctx: Ctx, call: Call, args: dict[str, str]) -> Answer:
    return ctx.page(call, list(ctx.store.subscriptions.values()))


def subscription_get(ctx: Ctx, call: Call, args: dict[str, str]) -> Answer:
    doc = ctx.store.subscriptions.get(arm.subscription_scope(args["subscription"]))
    if doc is None:
        return arm_error(404, "SubscriptionNotFound", f"The subscription '{args['subscription']}' could not be found.")
    return Answer(200, doc)


def tenants_list(ctx: Ctx, call: Call, args: dict[str, str]) -> Answer:
    tid = ctx.store.tenant_id
    return ctx.page(call, [{"id": f"/tenants/{tid}", "tenantId": tid, "tenantCategory": "Home"}])
