"""Export axis: what each subscription (and management group) really exports (docs/coverage.md).

An *export* is a diagnostic setting with at least one enabled log category and at least one
destination. A destination is *broken* when it lies in an audited, readable subscription and
is absent from the snapshot, *unverified* (``healthy: None``) when it lies outside what was
read (partner destinations always are). Only exports with a non-broken destination count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from auditor import operations
from auditor.azure import arm
from auditor.azure.activity_log import CATEGORIES
from auditor.azure.diagnostic_settings import (
    EVENT_HUB,
    PARTNER,
    destinations,
    enabled_categories,
    eventhub_namespace,
    setting_name,
)
from auditor.azure.snapshot import CollectionError

if TYPE_CHECKING:
    from auditor.analysis.context import AuditContext

@dataclass(frozen=True)
class Destination:
    kind: str  # log_analytics | storage | event_hub | partner
    id: str  # as configured in the setting
    healthy: bool | None  # False: broken; None: unverified
    resource: dict[str, Any] | None  # the destination document, when the snapshot has it

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "healthy": self.healthy}


@dataclass(frozen=True)
class Export:
    setting_id: str
    setting_name: str
    categories: tuple[str, ...]  # enabled categories, canonical names, canonical order
    destinations: tuple[Destination, ...]

    @property
    def healthy(self) -> bool:
        return any(d.healthy is not False for d in self.destinations)

    @property
    def usable_destinations(self) -> tuple[Destination, ...]:
        return tuple(d for d in self.destinations if d.healthy is not False)


@dataclass
class ExportResult:
    state: str  # complete | partial | none | unknown
    exports: list[Export] = field(default_factory=list)  # every setting that is an export
    settings: list[dict[str, Any]] = field(default_factory=list)  # every diagnostic setting doc
    log_profiles: list[dict[str, Any]] = field(default_factory=list)
    unreadable: list[CollectionError] = field(default_factory=list)

    @property
    def healthy_exports(self) -> list[Export]:
        return [e for e in self.exports if e.healthy]

    @property
    def categories(self) -> tuple[str, ...]:
        got = {c for e in self.healthy_exports for c in e.categories}
        return tuple(c for c in CATEGORIES if c in got)

    def missing(self, required: tuple[str, ...]) -> tuple[str, ...]:
        have = set(self.categories)
        return tuple(c for c in required if c not in have)

    def destinations(self) -> list[Destination]:
        """Distinct destinations of all exports (broken ones included), stable order."""
        seen: dict[tuple[str, str], Destination] = {}
        for e in self.exports:
            for d in e.destinations:
                seen.setdefault((d.kind, arm.norm_id(d.id)), d)
        return sorted(seen.values(), key=lambda d: (d.kind, arm.norm_id(d.id)))


@dataclass
class GroupExport:
    exported: bool | None  # None: the group's settings could not be read
    exports: list[Export] = field(default_factory=list)
    settings: list[dict[str, Any]] = field(default_factory=list)
    unreadable: list[CollectionError] = field(default_factory=list)


class DestinationJudge:
    """Decides destination health against the snapshot, once per destination id."""

    def __init__(self, ctx: AuditContext) -> None:
        self.ctx = ctx
        self._cache: dict[tuple[str, str], Destination] = {}

    def _in_read_scope(self, resource_id: str) -> bool:
        sub = arm.subscription_id_of(resource_id)
        if not sub or self.ctx.hierarchy.subscription(sub) is None:
            return False
        return self.ctx.subscription_readable(sub)

    def judge(self, kind: str, dest_id: str) -> Destination:
        key = (kind, arm.norm_id(dest_id))
        if key in self._cache:
            return self._cache[key]
        snap = self.ctx.snapshot
        resource: dict[str, Any] | None = None
        healthy: bool | None
        if kind == PARTNER:
            healthy = None
            resource = snap.get(dest_id)
        else:
            # An Event Hub setting names an authorization rule: that rule is the resource whose
            # absence breaks the export, even when its namespace remains.
            found = snap.get(dest_id)
            if found is not None:
                healthy = True
            elif self._in_read_scope(dest_id):
                healthy = False
            else:
                healthy = None
            resource = found
            namespace = eventhub_namespace(dest_id) if kind == EVENT_HUB else None
            if resource is None and namespace:
                resource = snap.get(namespace)
        d = Destination(kind=kind, id=arm.display_id(dest_id), healthy=healthy, resource=resource)
        self._cache[key] = d
        return d


def build_export(setting: dict[str, Any], judge: DestinationJudge) -> Export | None:
    """The setting as an export, or None when it enables no category or names no destination."""
    categories = enabled_categories(setting)
    dests = tuple(judge.judge(kind, dest) for kind, dest in destinations(setting))
    if not categories or not dests:
        return None
    return Export(
        setting_id=arm.display_id(setting.get("id")),
        setting_name=setting_name(setting),
        categories=categories,
        destinations=dests,
    )


def _state(exports: list[Export], required: tuple[str, ...]) -> str:
    healthy = [e for e in exports if e.healthy]
    if not healthy:
        return "none"
    have = {c for e in healthy for c in e.categories}
    return "complete" if all(c in have for c in required) else "partial"


def _settings_by_scope(ctx: AuditContext) -> dict[str, list[dict[str, Any]]]:
    return ctx.azure.settings_by_scope


def evaluate_exports(ctx: AuditContext) -> dict[str, ExportResult]:
    """Export axis per subscription, keyed by normalised subscription id."""
    judge = DestinationJudge(ctx)
    by_scope = _settings_by_scope(ctx)
    profiles: dict[str, list[dict[str, Any]]] = {}
    for doc in ctx.snapshot.of_kind(arm.LOG_PROFILE):
        sub_guid = arm.subscription_id_of(doc["id"])
        if sub_guid:
            profiles.setdefault(arm.subscription_scope(sub_guid), []).append(doc)
    required = ctx.config.required_categories
    results: dict[str, ExportResult] = {}
    for key, sub in ctx.hierarchy.subscriptions.items():
        settings = sorted(by_scope.get(key, []), key=lambda d: arm.norm_id(d["id"]))
        exports = [e for e in (build_export(s, judge) for s in settings) if e is not None]
        unreadable = ctx.unreadable(sub.id, operations.EXPORT_INPUTS)
        state = "unknown" if unreadable else _state(exports, required)
        results[key] = ExportResult(
            state=state,
            exports=exports,
            settings=settings,
            log_profiles=sorted(profiles.get(key, []), key=lambda d: arm.norm_id(d["id"])),
            unreadable=unreadable,
        )
    return results


def evaluate_group_exports(ctx: AuditContext) -> dict[str, GroupExport]:
    """Whether each management group exports its own activity (keyed by normalised group id)."""
    judge = DestinationJudge(ctx)
    by_scope = _settings_by_scope(ctx)
    results: dict[str, GroupExport] = {}
    for key, group in ctx.hierarchy.groups.items():
        settings = sorted(by_scope.get(key, []), key=lambda d: arm.norm_id(d["id"]))
        exports = [e for e in (build_export(s, judge) for s in settings) if e is not None]
        unreadable = ctx.unreadable(group.id, operations.EXPORT_INPUTS)
        exported = None if unreadable else any(e.healthy for e in exports)
        results[key] = GroupExport(exported=exported, exports=exports, settings=settings, unreadable=unreadable)
    return results
