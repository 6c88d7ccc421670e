"""The management-group hierarchy: root to every subscription.

Built from management-group documents as ``GET managementGroups/{id}?$expand=children``
returns them (direct children; nested ``children`` from ``$recurse`` are honoured too) and
from the ``GET /subscriptions`` list. Subscriptions the list shows but the tree does not
place are kept as *unplaced*, never dropped: their inherited policy cannot be judged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from auditor.azure import arm
from auditor.azure.snapshot import Snapshot


@dataclass
class Group:
    id: str  # display form, e.g. /providers/Microsoft.Management/managementGroups/contoso
    name: str
    display_name: str
    parent_id: str | None
    children: list[str] = field(default_factory=list)  # normalised MG ids
    subscriptions: list[str] = field(default_factory=list)  # normalised subscription ids


@dataclass
class Subscription:
    id: str  # /subscriptions/<guid> (guid as returned)
    guid: str  # lower case
    display_name: str
    state: str
    path: list[str]  # display ids of groups, root first, parent last; [] when unplaced
    placed: bool
    doc: dict[str, Any] | None


class Hierarchy:
    def __init__(self, groups: dict[str, Group], subscriptions: dict[str, Subscription], root: str) -> None:
        self.groups = groups  # normalised id -> Group
        self.subscriptions = subscriptions  # normalised id -> Subscription
        self.root = root  # normalised id of the root group ("" when absent)
        self._chains: dict[str, list[str]] = {}  # every rule asks for the same chains: computed once

    def group(self, arm_id: str | None) -> Group | None:
        return self.groups.get(arm.norm_id(arm_id))

    def subscription(self, arm_id_or_guid: str | None) -> Subscription | None:
        if not arm_id_or_guid:
            return None
        key = arm.norm_id(arm_id_or_guid)
        if not key.startswith("/subscriptions/"):
            key = "/subscriptions/" + arm_id_or_guid.lower()
        return self.subscriptions.get(key)

    def group_ancestors(self, group_id: str) -> list[str]:
        """Normalised ids from the group itself up to the root."""
        out: list[str] = []
        cur: str | None = arm.norm_id(group_id)
        seen: set[str] = set()
        while cur and cur in self.groups and cur not in seen:
            seen.add(cur)
            out.append(cur)
            parent = self.groups[cur].parent_id
            cur = arm.norm_id(parent) if parent else None
        return out

    def scope_chain(self, scope: str) -> list[str]:
        """Normalised scopes that contain ``scope``, nearest first: itself, its groups, the root.

        For a subscription: the subscription, its parent group, ..., the root group. A resource
        id inside a subscription starts with itself and that subscription.
        """
        cached = self._chains.get(scope)
        if cached is None:
            cached = self._chains[scope] = self._scope_chain(scope)
        return list(cached)

    def _scope_chain(self, scope: str) -> list[str]:
        n = arm.norm_id(scope)
        chain: list[str] = []
        sub_guid = arm.subscription_id_of(n)
        if sub_guid:
            sub_scope = arm.subscription_scope(sub_guid)
            if n != sub_scope:
                chain.append(n)
            chain.append(sub_scope)
            sub = self.subscriptions.get(sub_scope)
            if sub and sub.path:
                chain.extend(arm.norm_id(g) for g in reversed(sub.path))
            return chain
        if n in self.groups:
            return self.group_ancestors(n)
        return [n] if n else []

    def descendants(self, group_id: str) -> Iterable[Subscription]:
        """Subscriptions at or below a group."""
        stack = [arm.norm_id(group_id)]
        seen: set[str] = set()
        while stack:
            g = self.groups.get(stack.pop())
            if not g or g.id in seen:
                continue
            seen.add(g.id)
            for s in g.subscriptions:
                if s in self.subscriptions:
                    yield self.subscriptions[s]
            stack.extend(g.children)

    def ordered_groups(self) -> list[Group]:
        """Groups in tree order (depth first from the root, children by display name), then orphans."""
        out: list[Group] = []
        seen: set[str] = set()

        def visit(gid: str) -> None:
            g = self.groups.get(gid)
            if not g or gid in seen:
                return
            seen.add(gid)
            out.append(g)
            for c in sorted(g.children, key=lambda c: (self.groups[c].display_name.lower(), c)
                            if c in self.groups else ("", c)):
                visit(c)

        if self.root:
            visit(self.root)
        for gid in sorted(self.groups):
            visit(gid)
        return out

    def ordered_subscriptions(self) -> list[Subscription]:
        return sorted(self.subscriptions.values(), key=lambda s: s.guid)


def child_entries(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Child entries with a usable id; ARM sends ``children: null`` for a group without any.

    The one reader of a group's children, for the hierarchy and for the collector's tree walk.
    """
    children = arm.as_list(arm.props(doc).get("children")) or arm.as_list(doc.get("children"))
    return [c for c in children if isinstance(c, dict) and arm.norm_id(c.get("id"))]


def is_subscription_child(child: dict[str, Any]) -> bool:
    t = str(child.get("type") or "").lower()
    if t.endswith("/subscriptions") or t == "subscriptions":
        return True
    return arm.kind_from_id(child["id"]) == arm.SUBSCRIPTION


def build_hierarchy(snapshot: Snapshot) -> Hierarchy:
    groups: dict[str, Group] = {}
    sub_names: dict[str, str] = {}
    sub_parent: dict[str, str] = {}

    def add_group(gid: str, name: str, display: str, parent: str | None) -> Group:
        key = arm.norm_id(gid)
        g = groups.get(key)
        if g is None:
            g = Group(id=arm.display_id(gid), name=name, display_name=display or name, parent_id=parent)
            groups[key] = g
        else:
            if parent and not g.parent_id:
                g.parent_id = parent
            if display and g.display_name == g.name:
                g.display_name = display
        return g

    def walk_children(parent: Group, children: list[dict[str, Any]]) -> None:
        for child in children:
            cid = child["id"]
            if is_subscription_child(child):
                skey = arm.norm_id(cid)
                sub_names.setdefault(skey, str(child.get("displayName") or child.get("name") or ""))
                sub_parent.setdefault(skey, arm.norm_id(parent.id))
                if skey not in parent.subscriptions:
                    parent.subscriptions.append(skey)
            else:
                g = add_group(cid, str(child.get("name") or arm.last_segment(cid)),
                              str(child.get("displayName") or ""), parent.id)
                if arm.norm_id(cid) not in parent.children:
                    parent.children.append(arm.norm_id(cid))
                walk_children(g, child_entries(child))

    for doc in snapshot.of_kind(arm.MANAGEMENT_GROUP):
        p = arm.props(doc)
        parent = arm.display_id(arm.as_dict(arm.as_dict(p.get("details")).get("parent")).get("id")) or None
        g = add_group(doc["id"], str(doc.get("name") or arm.last_segment(doc["id"])),
                      str(p.get("displayName") or ""), arm.display_id(parent) if parent else None)
        if parent and g.parent_id != arm.display_id(parent):
            g.parent_id = arm.display_id(parent)
        walk_children(g, child_entries(doc))

    # Link parents that were only known through details.parent.
    for key, g in groups.items():
        if g.parent_id:
            pk = arm.norm_id(g.parent_id)
            if pk in groups and key not in groups[pk].children:
                groups[pk].children.append(key)

    root = arm.norm_id(snapshot.root_management_group_id)
    # Keep only groups at or below the audited root (a --management-group collection may
    # carry parent references to groups above it).
    if root in groups:
        reachable: set[str] = set()
        stack = [root]
        while stack:
            k = stack.pop()
            if k in reachable or k not in groups:
                continue
            reachable.add(k)
            stack.extend(groups[k].children)
        groups = {k: v for k, v in groups.items() if k in reachable}

    sub_docs = {arm.norm_id(d["id"]): d for d in snapshot.of_kind(arm.SUBSCRIPTION)}
    placed_keys = {s for g in groups.values() for s in g.subscriptions}
    subscriptions: dict[str, Subscription] = {}
    hierarchy = Hierarchy(groups, subscriptions, root if root in groups else "")
    for skey in sorted(placed_keys | set(sub_docs)):
        sub_doc = sub_docs.get(skey)
        guid = skey.rsplit("/", 1)[-1]
        placed = skey in placed_keys
        path: list[str] = []
        if placed:
            parent_key = sub_parent.get(skey) or next(k for k, g in groups.items() if skey in g.subscriptions)
            path = [groups[k].id for k in reversed(hierarchy.group_ancestors(parent_key))]
        display = ""
        if sub_doc:
            display = str(sub_doc.get("displayName") or "")
        display = display or sub_names.get(skey, "") or guid
        sub_id = arm.display_id(sub_doc["id"]) if sub_doc else f"/subscriptions/{guid}"
        subscriptions[skey] = Subscription(
            id=sub_id,
            guid=guid,
            display_name=display,
            state=str((sub_doc or {}).get("state") or "Enabled"),
            path=path,
            placed=placed,
            doc=sub_doc,
        )
    return hierarchy


def group_tenant_id(doc: dict[str, Any]) -> str:
    """The tenant a management-group document names (``properties.tenantId``), "" when absent."""
    return str(arm.props(doc).get("tenantId") or "")
