"""In-memory index of a snapshot, built once, read by every emulator route.

The emulator must answer thousands of concurrent requests on a small machine, so no request
scans the snapshot: every question a route asks ("the diagnostic settings at this scope",
"the storage accounts in this subscription", "the groups above this subscription", "the
policy states below this group", "is this read recorded as failed") is a dictionary lookup
into indexes computed here. Documents are served exactly as stored (never rewritten); keys
are normalised with :func:`auditor.azure.arm.norm_id` so casing and a missing leading slash do not
matter. The tenant scope is the empty string ``""``.

The Resource Graph handler (``resourcegraph.py``) uses the same store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditor import operations
from auditor.azure import arm, security_insights
from auditor.azure.delivery_facts import whole_hours
from auditor.azure.snapshot import CollectionError, Snapshot, build_snapshot, load_snapshot

TENANT = ""  # normalised id of the tenant scope

_SUBSCRIPTION_CHILD_TYPES = {"/subscriptions", "microsoft.management/managementgroups/subscriptions"}

# Which operation (auditor/operations.py) reads documents of a kind.
KIND_OPERATION: dict[str, str] = {
    arm.MANAGEMENT_GROUP: operations.MANAGEMENT_GROUPS,
    arm.SUBSCRIPTION: operations.SUBSCRIPTIONS,
    arm.DIAGNOSTIC_SETTING: operations.DIAGNOSTIC_SETTINGS,
    arm.LOG_PROFILE: operations.LOG_PROFILES,
    arm.POLICY_ASSIGNMENT: operations.POLICY_ASSIGNMENTS,
    arm.POLICY_DEFINITION: operations.POLICY_DEFINITIONS,
    arm.POLICY_SET_DEFINITION: operations.POLICY_SET_DEFINITIONS,
    arm.POLICY_EXEMPTION: operations.POLICY_EXEMPTIONS,
    arm.ROLE_ASSIGNMENT: operations.ROLE_ASSIGNMENTS,
    arm.ACTIVITY_LOG_ALERT: operations.ACTIVITY_LOG_ALERTS,
    arm.SCHEDULED_QUERY_RULE: operations.SCHEDULED_QUERY_RULES,
    arm.ACTION_GROUP: operations.ACTION_GROUPS,
    security_insights.ONBOARDING_STATE: operations.SENTINEL,
    security_insights.ALERT_RULE: operations.SENTINEL,
    security_insights.SOLUTION: operations.SENTINEL,
    arm.DEFENDER_PRICING: operations.DEFENDER_PLANS,
    arm.AUTOSCALE_SETTING: operations.CATEGORY_SOURCES,
    arm.METRIC_ALERT: operations.CATEGORY_SOURCES,
}


def operation_for_kind(kind: str) -> str:
    """The operation name a read of ``kind`` counts as; export destinations and anything else: ``destinations``."""
    return KIND_OPERATION.get(kind, operations.DESTINATIONS)


def _parent_ref(doc: dict[str, Any]) -> str:
    """Parent group id of a management-group document (``details.parent`` or ``parent``)."""
    p = arm.props(doc)
    details = p.get("details") if isinstance(p.get("details"), dict) else {}
    for holder in (details, p):
        parent = holder.get("parent") if isinstance(holder, dict) else None
        if isinstance(parent, dict) and parent.get("id"):
            return arm.norm_id(parent["id"])
    return ""


class SnapshotStore:
    """Indexes over one snapshot. Build with :meth:`from_source`; everything is read-only after.

    Attributes (all keys normalised ids, lower case, leading slash; tenant = ``""``):

    - ``by_id``: id -> document (first occurrence wins, as in ``auditor.azure.snapshot``); use
      :meth:`get`, which also finds diagnostic settings stored under the examples'
      ``AzureResourceManager`` namespace by their ``Microsoft.Insights`` id (``aliases``).
    - ``by_kind``: canonical kind (``arm.kind_of``) -> documents, snapshot order.
    - ``at_scope``: (scope, kind) -> documents whose id is ``<scope>/providers/<ns>/<type>/<name>``
      with nothing after the name's provider segment, i.e. :func:`arm.scope_of_extension` equals
      ``scope``. Extension resources (diagnostic settings, policy and role assignments, exemptions,
      definitions, log profiles) are found at the scope they apply to; tracked resources at their
      resource group.
    - ``in_subscription``: (subscription guid, kind) -> every document of that kind inside it.
    - ``children``: (parent id, child type segment) -> nested resources, e.g. the
      ``authorizationrules`` of an Event Hub namespace.
    - ``groups``: management-group documents; ``subscriptions``: subscription documents.
    - ``parent_of``: group or subscription -> its parent group (from ``details.parent`` and
      from the parents' ``children`` lists); ``group_children``: group -> direct children ids.
    - ``policy_states``: all records; see :meth:`policy_states_in`.
    - ``errors``: the snapshot's recorded failures; see :meth:`error_for`.
    """

    def __init__(self, snapshot: Snapshot, now: datetime | None = None) -> None:
        self.snapshot = snapshot
        # Delivery facts are served this much later than recorded (dataplane.py): their age at
        # the time of collection stays what it was when the snapshot was taken.
        self.delivery_shift = whole_hours((now or datetime.now(UTC)) - snapshot.collected_at)
        self.tenant_id = snapshot.tenant_id
        self.root_group = arm.norm_id(snapshot.root_management_group_id)
        self.by_id: dict[str, dict[str, Any]] = {}
        self.by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.at_scope: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        self.in_subscription: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        self.children: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        self.aliases: dict[str, str] = {}
        self.groups: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.parent_of: dict[str, str] = {}
        self.group_children: dict[str, list[str]] = defaultdict(list)
        self._index_documents(snapshot.resources)
        self._index_hierarchy()
        self._ancestry: dict[str, list[str]] = {}
        for node in list(self.groups) + list(self.subscriptions) + list(self.parent_of):
            self._ancestry[node] = self._walk_up(node)
        self._below_cache: dict[str, tuple[list[str], list[str]]] = {}
        self.policy_states: list[dict[str, Any]] = list(snapshot.policy_states)
        self._states_by_sub: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._states_by_group: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._index_policy_states()
        self.errors: list[CollectionError] = list(snapshot.errors)
        self._errors_exact: dict[tuple[str, str], CollectionError] = {}
        self._errors_all: dict[str, CollectionError] = {}
        for err in self.errors:
            scope = arm.norm_id(err.scope)
            if err.operation == operations.ALL:
                self._errors_all.setdefault(scope, err)
            else:
                self._errors_exact.setdefault((scope, err.operation.lower()), err)

    @classmethod
    def from_source(cls, source: str | Path | dict[str, Any] | Snapshot) -> SnapshotStore:
        """From a snapshot path (plain or .gz), a parsed snapshot dict, or a loaded Snapshot.

        Raises ``auditor.errors.InputError`` for an unreadable or invalid snapshot.
        """
        if isinstance(source, Snapshot):
            return cls(source)
        if isinstance(source, dict):
            return cls(build_snapshot(source))
        return cls(load_snapshot(source))

    # -- building ---------------------------------------------------------------------------

    def _index_documents(self, docs: Iterable[dict[str, Any]]) -> None:
        for doc in docs:
            nid = arm.norm_id(doc["id"])
            if nid in self.by_id:
                continue
            kind = arm.kind_of(doc)
            self.by_id[nid] = doc
            self.by_kind[kind].append(doc)
            if kind == arm.MANAGEMENT_GROUP and arm.management_group_name_of(nid) and nid.count("/") == 4:
                self.groups[nid] = doc
                continue
            if kind == arm.SUBSCRIPTION:
                self.subscriptions[nid] = doc
                continue
            if kind == arm.DIAGNOSTIC_SETTING:
                # Official examples name them under ``AzureResourceManager``; clients GET them
                # under ``Microsoft.Insights``. Both spellings find the document.
                alias = (arm.norm_id(arm.scope_of_extension(nid)) + "/providers/microsoft.insights/diagnosticsettings/"
                         + nid.rsplit("/", 1)[-1])
                self.aliases.setdefault(alias, nid)
            if "/providers/" in nid:
                self.at_scope[(arm.norm_id(arm.scope_of_extension(nid)), kind)].append(doc)
            sub = arm.subscription_id_of(nid)
            if sub:
                self.in_subscription[(sub, kind)].append(doc)
            parent, _, _name = nid.rpartition("/")
            parent, _, child_type = parent.rpartition("/")
            if parent and child_type:
                self.children[(parent, child_type)].append(doc)

    def _index_hierarchy(self) -> None:
        for gid, doc in self.groups.items():
            parent = _parent_ref(doc)
            if parent and parent != gid:
                self.parent_of.setdefault(gid, parent)
            for child in arm.props(doc).get("children") or []:
                if not isinstance(child, dict) or not child.get("id"):
                    continue
                cid = arm.norm_id(child["id"])
                ctype = str(child.get("type") or "").strip().lower()
                is_sub = ctype in _SUBSCRIPTION_CHILD_TYPES or cid.startswith("/subscriptions/")
                if not is_sub and not arm.management_group_name_of(cid):
                    continue
                self.parent_of.setdefault(cid, gid)
        for child, parent in self.parent_of.items():
            self.group_children[parent].append(child)

    def _walk_up(self, node: str) -> list[str]:
        chain = [node]
        seen = {node}
        cur = self.parent_of.get(node)
        while cur and cur not in seen:
            chain.append(cur)
            seen.add(cur)
            cur = self.parent_of.get(cur)
        chain.append(TENANT)
        return chain

    def _index_policy_states(self) -> None:
        for rec in self.policy_states:
            sub = str(rec.get("subscriptionId") or "").lower() or arm.subscription_id_of(rec.get("resourceId")) or ""
            groups: list[str] = []
            if sub:
                self._states_by_sub[sub].append(rec)
                groups = [a for a in self.ancestors(arm.subscription_scope(sub)) if a.startswith(arm.MG_PREFIX)]
            if not groups:
                # Not placed in the hierarchy we know: trust the record's own group list.
                names = str(rec.get("managementGroupIds") or "")
                groups = [arm.MG_PREFIX + n.strip().lower() for n in names.split(",") if n.strip()]
                own = arm.management_group_name_of(rec.get("resourceId"))
                if own and not sub:
                    groups.append(arm.MG_PREFIX + own)
            for g in dict.fromkeys(groups):
                self._states_by_group[g].append(rec)

    # -- queries ----------------------------------------------------------------------------

    def get(self, arm_id: str | None) -> dict[str, Any] | None:
        """The document with this id (any casing, with or without leading slash), or None."""
        nid = arm.norm_id(arm_id)
        doc = self.by_id.get(nid)
        if doc is None and nid in self.aliases:
            doc = self.by_id.get(self.aliases[nid])
        return doc

    def ancestors(self, scope: str | None) -> list[str]:
        """Normalised scopes containing ``scope``, nearest first, always ending with the tenant ``""``.

        A resource id yields itself, its id prefixes down to the subscription (or group), then
        the subscription's groups up to the root. Subscriptions not placed in the tree: itself,
        then the tenant.
        """
        n = arm.norm_id(scope)
        if not n:
            return [TENANT]
        known = self._ancestry.get(n)
        if known is not None:
            return known
        sub = arm.subscription_id_of(n)
        mg = arm.management_group_name_of(n)
        base = arm.subscription_scope(sub) if sub else (arm.MG_PREFIX + mg if mg else "")
        chain = [n]
        if base and n != base:
            p = n
            while True:
                p = p.rpartition("/")[0]
                if len(p) <= len(base):
                    break
                chain.append(p)
            return chain + (self._ancestry.get(base) or [base, TENANT])
        return chain + [TENANT]

    def below(self, group_id: str) -> tuple[list[str], list[str]]:
        """(groups, subscriptions) strictly below a group, breadth first; cached per group."""
        gid = arm.norm_id(group_id)
        hit = self._below_cache.get(gid)
        if hit is not None:
            return hit
        groups: list[str] = []
        subs: list[str] = []
        queue = list(self.group_children.get(gid, []))
        seen = {gid}
        while queue:
            node = queue.pop(0)
            if node in seen:
                continue
            seen.add(node)
            if node.startswith("/subscriptions/"):
                subs.append(node)
            else:
                groups.append(node)
                queue.extend(self.group_children.get(node, []))
        self._below_cache[gid] = (groups, subs)
        return groups, subs

    def kind_at(self, scope: str, kind: str) -> list[dict[str, Any]]:
        """Documents of ``kind`` at exactly ``scope`` (see ``at_scope``)."""
        return self.at_scope.get((arm.norm_id(scope), kind), [])

    def kind_in_subscription(self, sub_guid: str, kind: str) -> list[dict[str, Any]]:
        return self.in_subscription.get((sub_guid.lower(), kind), [])

    def children_of(self, parent_id: str, child_type: str) -> list[dict[str, Any]]:
        return self.children.get((arm.norm_id(parent_id), child_type.lower()), [])

    def policy_states_in(self, scope: str) -> list[dict[str, Any]]:
        """Records for resources in a subscription, or in any subscription below a group.

        A record belongs to its ``subscriptionId`` (else the subscription in ``resourceId``); for
        group scopes, to every group above that subscription, or, when the subscription is not
        placed in the known tree, to the groups the record's ``managementGroupIds`` names.
        """
        n = arm.norm_id(scope)
        sub = arm.subscription_id_of(n)
        if sub:
            recs = self._states_by_sub.get(sub, [])
            if n == arm.subscription_scope(sub):
                return recs
            return [r for r in recs if arm.is_under(r.get("resourceId"), n)]
        if n.startswith(arm.MG_PREFIX):
            return self._states_by_group.get(n, [])
        return self.policy_states if n == TENANT else []

    def error_for(self, scope: str, operation: str, resource_id: str | None = None) -> CollectionError | None:
        """The recorded failure that covers reading ``operation`` at ``scope``, if any.

        An error for the operation itself matches the scope (or the read resource's own id)
        exactly; an error whose operation is ``*`` covers everything at and below its scope,
        through the management-group tree.
        """
        if not self.errors:
            return None
        n = arm.norm_id(scope)
        op = operation.lower()
        hit = self._errors_exact.get((n, op))
        if hit is None and resource_id:
            hit = self._errors_exact.get((arm.norm_id(resource_id), op))
        if hit is not None:
            return hit
        if self._errors_all:
            for anc in self.ancestors(resource_id or scope):
                hit = self._errors_all.get(anc)
                if hit is not None:
                    return hit
            if resource_id:
                for anc in self.ancestors(scope):
                    hit = self._errors_all.get(anc)
                    if hit is not None:
                        return hit
        return None
