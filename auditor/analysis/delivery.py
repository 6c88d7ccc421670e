"""Delivery, detection and category yield per subscription: evidence beside the verdict.

Judged only for a snapshot collected with ``--verify-delivery`` (it has a ``delivery``
section); otherwise every result here is ``None`` and the delivery rules say nothing. What
could not be read (a ``logQuery``, ``blobListing``, ``defenderPlans``, ``sentinel`` or
``categorySources`` error) makes the matching answer ``unknown``, never "no data".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from auditor import operations
from auditor.analysis.acceptance import storage_refusals
from auditor.analysis.sentinel import ANALYSED, ActivityDetection, activity_detection
from auditor.analysis.sentinel import UNKNOWN as UNKNOWN_SENTINEL
from auditor.azure import arm
from auditor.azure.activity_log import CATEGORIES
from auditor.azure.defender import (
    ALERT_RULE_KINDS,
    DefenderPlans,
    WorkspaceState,
    defender_plans,
    workspace_state,
)
from auditor.azure.delivery_facts import Delivery, parse_time
from auditor.azure.policy.assignment_facts import (
    assigned_definition_id,
    assigned_parameters,
)
from auditor.azure.policy.definitions import SET, DefinitionIndex, member_definition_id
from auditor.azure.policy.export_policy import effect_with
from auditor.azure.policy.flows import member_values

if TYPE_CHECKING:
    from auditor.analysis.context import AuditContext

DELIVERED, SILENT, UNKNOWN, UNVERIFIABLE = "delivered", "silent", "unknown", "unverifiable"
# Effects that write to the activity log's Policy category when they act.
_POLICY_EVENT_EFFECTS = frozenset({"audit", "auditifnotexists", "deny", "denyaction", "deployifnotexists",
                                   "modify", "append"})


@dataclass(frozen=True)
class DestinationDelivery:
    kind: str  # log_analytics | storage | event_hub | partner
    id: str
    status: str  # delivered | silent | unknown | unverifiable
    last_event: str | None = None
    events: int | None = None
    others_delivering: int = 0  # other subscriptions whose events reached this destination in the window
    reason: str = ""
    refused_by: tuple[dict[str, Any], ...] = ()  # configuration that refuses the export (ALA-DLV-003/004)

    def evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "destination": self.id, "status": self.status}
        if self.status in (DELIVERED, SILENT):
            out.update(lastEvent=self.last_event, events=self.events,
                       otherSubscriptionsDelivering=self.others_delivering)
        if self.reason:
            out["reason"] = self.reason
        if self.refused_by:
            out["refusedBy"] = list(self.refused_by)
        return out


@dataclass(frozen=True)
class SubscriptionDelivery:
    destinations: tuple[DestinationDelivery, ...]

    @property
    def state(self) -> str:
        statuses = {d.status for d in self.destinations}
        for s in (DELIVERED, UNKNOWN, SILENT, UNVERIFIABLE):
            if s in statuses:
                return s
        return UNVERIFIABLE

    @property
    def last_event(self) -> str | None:
        return max((d.last_event for d in self.destinations if d.last_event), default=None)


@dataclass(frozen=True)
class DestinationProblem:
    workspace: str
    state: WorkspaceState
    ingestion: tuple[dict[str, Any], ...]

    def evidence(self) -> dict[str, Any]:
        return {"workspace": self.workspace, "dailyQuotaGb": self.state.daily_quota_gb,
                "dataIngestionStatus": self.state.ingestion_status or None, "ingestionProblems": list(self.ingestion)}


@dataclass(frozen=True)
class Detection:
    plans: DefenderPlans | None  # None: the pricings could not be read
    sentinel: tuple[ActivityDetection, ...]  # one per exported-to workspace

    @property
    def sentinel_workspaces(self) -> tuple[str, ...]:
        """Exported-to workspaces where a Sentinel rule analyses AzureActivity."""
        return tuple(d.workspace for d in self.sentinel if d.status == ANALYSED)

    @property
    def sentinel_unknown(self) -> tuple[str, ...]:
        return tuple(d.workspace for d in self.sentinel if d.status == UNKNOWN_SENTINEL)

    @property
    def sentinel_rules(self) -> tuple[str, ...]:
        return tuple(f"{arm.last_segment(d.workspace)}: {r}" for d in self.sentinel for r in d.rules)

    @property
    def watched(self) -> bool | None:
        if self.sentinel_workspaces or (self.plans is not None and self.plans.resource_manager):
            return True
        if self.plans is None or self.sentinel_unknown:
            return None
        return False


@dataclass
class DeliveryAnalysis:
    delivery: Delivery
    subscriptions: dict[str, SubscriptionDelivery] = field(default_factory=dict)  # norm sub id ->
    problems: dict[str, DestinationProblem] = field(default_factory=dict)  # norm workspace id ->
    detection: dict[str, Detection] = field(default_factory=dict)
    yields: dict[str, dict[str, str]] = field(default_factory=dict)  # norm sub id -> category -> yes|no|unknown


def evaluate_delivery(ctx: AuditContext) -> DeliveryAnalysis | None:
    delivery = ctx.snapshot.delivery
    if delivery is None:
        return None
    out = DeliveryAnalysis(delivery)
    since = ctx.snapshot.collected_at - timedelta(days=ctx.config.delivery_window_days)
    index = _policy_index(ctx)
    seen_workspaces: dict[str, ActivityDetection] = {}  # judged once per workspace, not per subscription
    refusals: dict[str, tuple[dict[str, Any], ...]] = {}  # likewise per storage account
    for key, sub in sorted(ctx.hierarchy.subscriptions.items()):
        export = ctx.exports[key]
        if export.state == "unknown":
            continue
        dests = [_with_refusals(ctx, d.resource, _destination(ctx, delivery, sub.guid, d.kind, d.id, since),
                                refusals)
                 for d in export.destinations() if d.healthy is not False]
        if dests:
            out.subscriptions[key] = SubscriptionDelivery(tuple(dests))
        for d in export.destinations():
            if d.kind == "log_analytics" and d.resource is not None:
                problem = _problem(delivery, d.id, d.resource, since)
                if problem is not None:
                    out.problems[arm.norm_id(d.id)] = problem
        out.detection[key] = _detection(ctx, sub.guid, [d.id for d in export.destinations()
                                                        if d.kind == "log_analytics"], seen_workspaces)
        out.yields[key] = _yields(ctx, index, sub.id, sub.guid, out.detection[key].plans)
    return out


def _unreadable(ctx: AuditContext, scope: str, operation: str) -> bool:
    return bool(ctx.unreadable(scope, frozenset({operation})))


def _destination(ctx: AuditContext, delivery: Delivery, guid: str, kind: str, dest_id: str,
                 since: Any) -> DestinationDelivery:
    if kind == "log_analytics":
        if _unreadable(ctx, dest_id, operations.LOG_QUERY):
            return DestinationDelivery(kind, dest_id, UNKNOWN, reason="the workspace could not be queried")
        ws = delivery.workspace(dest_id)
        if ws is None:
            return DestinationDelivery(kind, dest_id, UNKNOWN, reason="the workspace was not queried "
                                       "(outside the tenant or its document unreadable)")
        events, last = ws.events_from(guid)
        others = len(ws.delivering_subscriptions(since) - {guid})
        recent = last is not None and (parse_time(last) or since) > since
        return DestinationDelivery(kind, dest_id, DELIVERED if events and recent else SILENT, last, events, others)
    if kind == "storage":
        if _unreadable(ctx, dest_id, operations.BLOB_LISTING):
            return DestinationDelivery(kind, dest_id, UNKNOWN, reason="the container could not be listed "
                                       "(Storage Blob Data Reader missing?)")
        st = delivery.storage_account(dest_id)
        if st is None or guid not in st.newest:
            return DestinationDelivery(kind, dest_id, UNKNOWN, reason="the storage account was not listed")
        last = st.last_blob(guid)
        others = sum(1 for g in st.newest if g != guid and _recent(st.last_blob(g), since))
        return DestinationDelivery(kind, dest_id, DELIVERED if _recent(last, since) else SILENT, last,
                                   None, others)
    return DestinationDelivery(kind, dest_id, UNVERIFIABLE,
                               reason="an Event Hub cannot be read without consuming it" if kind == "event_hub"
                               else "a partner destination cannot be read")


def _with_refusals(ctx: AuditContext, resource: dict[str, Any] | None, d: DestinationDelivery,
                   cache: dict[str, tuple[dict[str, Any], ...]]) -> DestinationDelivery:
    """A storage destination's evidence names what in its configuration refuses the export."""
    if d.kind != "storage" or resource is None:
        return d
    key = arm.norm_id(d.id)
    if key not in cache:
        cache[key] = tuple(storage_refusals(ctx, d.id, resource).evidence())
    return replace(d, refused_by=cache[key]) if cache[key] else d


def _recent(value: str | None, since: Any) -> bool:
    t = parse_time(value)
    return t is not None and t > since


def _problem(delivery: Delivery, ws_id: str, doc: dict[str, Any], since: Any) -> DestinationProblem | None:
    state = workspace_state(doc)
    ws = delivery.workspace(ws_id)
    ingestion = tuple(i for i in (ws.problems() if ws else []) if _recent(i.get("lastEvent"), since))
    if not state.stopped and not ingestion:
        return None
    return DestinationProblem(arm.display_id(ws_id), state, ingestion)


def _detection(ctx: AuditContext, guid: str, workspaces: list[str],
               cache: dict[str, ActivityDetection]) -> Detection:
    scope = arm.subscription_scope(guid)
    plans = None
    if not _unreadable(ctx, scope, operations.DEFENDER_PLANS):
        plans = defender_plans(d for d in ctx.snapshot.of_kind(arm.DEFENDER_PRICING)
                               if arm.subscription_id_of(d.get("id")) == guid)
    seen: list[ActivityDetection] = []
    for ws in sorted({arm.norm_id(w): w for w in workspaces}.values(), key=arm.norm_id):
        key = arm.norm_id(ws)
        if key not in cache:
            found = activity_detection(ctx, ws)
            if found.status == "off" and ctx.snapshot.get(ws) is None:
                found = ActivityDetection(found.workspace, UNKNOWN_SENTINEL)  # a workspace it could not see
            cache[key] = found
        seen.append(cache[key])
    return Detection(plans, tuple(seen))


def _policy_index(ctx: AuditContext) -> DefinitionIndex:
    return ctx.azure.definitions


def _yields(ctx: AuditContext, index: DefinitionIndex, sub_id: str, guid: str,
            plans: DefenderPlans | None) -> dict[str, str]:
    """Per category: can it carry events for this subscription? yes | no | unknown."""
    scope = arm.subscription_scope(guid)
    out = {c: "yes" for c in CATEGORIES}  # Administrative, ServiceHealth, ResourceHealth, Recommendation
    out["Security"] = "unknown" if plans is None else ("yes" if plans.workload_plans_on else "no")
    out["Policy"] = _policy_yield(ctx, index, sub_id)
    sources_unknown = _unreadable(ctx, scope, operations.CATEGORY_SOURCES)
    inside = [d for k in (arm.AUTOSCALE_SETTING, *ALERT_RULE_KINDS) for d in ctx.snapshot.of_kind(k)
              if arm.subscription_id_of(d.get("id")) == guid]
    autoscale = any(arm.kind_of(d) == arm.AUTOSCALE_SETTING for d in inside)
    alerts = any(arm.kind_of(d) != arm.AUTOSCALE_SETTING for d in inside)
    alerts_unknown = sources_unknown or _unreadable(ctx, scope, operations.ACTIVITY_LOG_ALERTS)
    out["Autoscale"] = "yes" if autoscale else ("unknown" if sources_unknown else "no")
    out["Alert"] = "yes" if alerts else ("unknown" if alerts_unknown else "no")
    return out


def _policy_yield(ctx: AuditContext, index: DefinitionIndex, sub_id: str) -> str:
    chain = ctx.hierarchy.scope_chain(sub_id)
    if ctx.unreadable_in_chain(sub_id, operations.POLICY_INPUTS):
        return "unknown"
    for a in ctx.azure.policy_assignments.values():
        if a.scope_key not in chain or not a.enforces or a.not_scope_keys.intersection(chain):
            continue
        if _assignment_can_act(a.doc, index):
            return "yes"
    return "no"


def _assignment_can_act(doc: dict[str, Any], index: DefinitionIndex) -> bool:
    """An assignment whose (set's) effect audits, denies or deploys; an unreadable definition counts."""
    pd = index.get(assigned_definition_id(doc))
    if pd is None:
        return True
    values = assigned_parameters(doc)
    if pd.kind != SET:
        effect = effect_with(pd, values)
        return effect is None or effect.lower() in _POLICY_EVENT_EFFECTS
    for member in pd.members:
        member_doc = index.get(member_definition_id(member))
        if member_doc is None:
            return True
        effect = effect_with(member_doc, member_values(pd, member, values)[0])
        if effect is None or effect.lower() in _POLICY_EVENT_EFFECTS:
            return True
    return False



def delivery_summary(ctx: AuditContext) -> dict[str, Any] | None:
    """The findings.json ``delivery`` block the reports draw (None when delivery was not verified):
    last event and state per subscription, workspaces that dropped data, detection, category yield."""
    analysis = ctx.delivery
    if analysis is None:
        return None
    subs = []
    for key, sub in sorted(ctx.hierarchy.subscriptions.items(), key=lambda kv: kv[1].display_name.lower()):
        if key not in analysis.detection:
            continue
        d = analysis.subscriptions.get(key)
        det = analysis.detection[key]
        subs.append({
            "subscription": sub.id, "name": sub.display_name,
            "state": d.state if d else "no export", "lastEvent": d.last_event if d else None,
            "destinations": [x.evidence() for x in d.destinations] if d else [],
            "defenderForResourceManager": None if det.plans is None else det.plans.tiers.get("arm", "Free"),
            "sentinelWorkspaces": list(det.sentinel_workspaces),
            "sentinelRules": list(det.sentinel_rules),
            "watched": det.watched,
            "exportedCategories": list(ctx.exports[key].categories),
            "categoryYield": analysis.yields[key],
        })
    return {
        "windowDays": ctx.config.delivery_window_days,
        "collectedWindowDays": analysis.delivery.window_days,
        "subscriptions": subs,
        "droppingWorkspaces": [p.evidence() for _, p in sorted(analysis.problems.items())],
    }
