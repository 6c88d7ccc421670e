"""Sentinel facts per workspace: is Sentinel on, which analytics rules run there.

Read once per audit (``ctx.sentinel``) from the snapshot's SecurityInsights documents
(:mod:`auditor.azure.security_insights`) and its errors: a workspace whose Sentinel reads failed
(operation ``sentinel`` at the workspace, or ``*`` at its subscription or above) is
*unknown*, never "off".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from auditor import operations
from auditor.analysis.alert_facts import CoveringAlert, reads_activity_log
from auditor.azure import arm, security_insights
from auditor.azure.snapshot import CollectionError

if TYPE_CHECKING:
    from auditor.analysis.context import AuditContext

SENTINEL_KIND = "sentinel"  # CoveringAlert.kind of an analytics rule

_SENTINEL = frozenset({operations.SENTINEL})


@dataclass
class SentinelFacts:
    onboarded: set[str] = field(default_factory=set)  # normalised workspace ids
    rules: dict[str, list[security_insights.AnalyticsRule]] = field(default_factory=dict)  # by workspace, id order
    others: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # other rule kinds, as briefs


def read_sentinel(ctx: AuditContext) -> SentinelFacts:
    facts = SentinelFacts(onboarded=set(ctx.azure.sentinel_workspaces))
    docs = sorted(ctx.snapshot.of_kind(security_insights.ALERT_RULE), key=lambda d: arm.norm_id(d["id"]))
    for doc in docs:
        rule = security_insights.analytics_rule(doc)
        if rule is not None:
            facts.rules.setdefault(arm.norm_id(rule.workspace), []).append(rule)
        elif ws := security_insights.workspace_of(doc.get("id")):
            facts.others.setdefault(arm.norm_id(ws), []).append(security_insights.rule_brief(doc))
    return facts


ANALYSED, IDLE, OFF, UNKNOWN = "analysed", "idle", "off", "unknown"


@dataclass(frozen=True)
class ActivityDetection:
    """Whether Sentinel analyses the activity log on one workspace, with the rules that say so.

    ``analysed``: Sentinel is on and at least one enabled Scheduled / NRT rule queries
    ``AzureActivity`` (the text match alert coverage uses); ``idle``: Sentinel is on but no rule
    does (Fusion, incident-creation rules, disabled rules and rules over other tables do not
    count); ``off``; ``unknown``: the onboarding state or the rules could not be read.
    """

    workspace: str  # display form
    status: str
    rules: tuple[str, ...] = ()  # display names of the rules reading AzureActivity
    not_counted: tuple[dict[str, Any], ...] = ()  # every other rule, with why it does not count

    def evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"workspace": self.workspace, "status": self.status}
        if self.status in (ANALYSED, IDLE):
            out["activityRules"] = list(self.rules)
            out["rulesNotCounted"] = list(self.not_counted)
        return out


def activity_detection(ctx: AuditContext, workspace_id: str) -> ActivityDetection:
    ws = arm.display_id(workspace_id)
    on = sentinel_on(ctx, workspace_id)
    if on is None or (on and sentinel_unreadable(ctx, workspace_id)):
        return ActivityDetection(ws, UNKNOWN)
    if not on:
        return ActivityDetection(ws, OFF)
    key = arm.norm_id(workspace_id)
    counted: list[str] = []
    skipped: list[dict[str, Any]] = []
    for rule in ctx.sentinel.rules.get(key, []):
        brief = {"rule": rule.id, "kind": rule.kind, "displayName": rule.display_name, "enabled": rule.enabled}
        if not rule.enabled:
            skipped.append({**brief, "reason": "disabled"})
        elif not reads_activity_log(rule.query):
            skipped.append({**brief, "reason": "its query does not read AzureActivity"})
        else:
            counted.append(rule.display_name)
    for brief in ctx.sentinel.others.get(key, []):
        why = ("Fusion correlates alerts of other rules and products; it reads no AzureActivity row"
               if str(brief["kind"]).lower() == "fusion"
               else "not a Scheduled or NRT rule: runs no query over AzureActivity")
        skipped.append({**brief, "reason": why})
    skipped.sort(key=lambda r: (str(r["displayName"]).lower(), str(r["rule"]).lower()))
    return ActivityDetection(ws, ANALYSED if counted else IDLE, tuple(sorted(counted, key=str.lower)),
                             tuple(skipped))


def sentinel_unreadable(ctx: AuditContext, workspace_id: str) -> list[CollectionError]:
    """Errors that leave Sentinel on ``workspace_id`` unknown."""
    return ctx.unreadable(workspace_id, _SENTINEL)


def sentinel_on(ctx: AuditContext, workspace_id: str) -> bool | None:
    """Whether Sentinel is on for the workspace: True, False, or None when it could not be read."""
    if arm.norm_id(workspace_id) in ctx.sentinel.onboarded:
        return True
    return None if sentinel_unreadable(ctx, workspace_id) else False


def analytics_rules(ctx: AuditContext, workspace_id: str) -> list[security_insights.AnalyticsRule]:
    """Scheduled and NRT rules on the workspace (only where Sentinel is on: rules need it)."""
    if not sentinel_on(ctx, workspace_id):
        return []
    return list(ctx.sentinel.rules.get(arm.norm_id(workspace_id), []))


def sentinel_alerts(ctx: AuditContext) -> list[tuple[str, CoveringAlert, str]]:
    """(workspace key, alert, query) for every enabled Scheduled / NRT rule where Sentinel is on.

    A rule runs on the workspace that holds it, so it covers an operation for every subscription
    whose export sends Administrative there, exactly as a log search alert scoped to that
    workspace; the caller applies the same query matching to both. It notifies when it creates
    incidents (the SOC's queue). Rule templates are documents of another type and never count.
    """
    out: list[tuple[str, CoveringAlert, str]] = []
    for ws_key in sorted(ctx.sentinel.rules):
        if ws_key not in ctx.sentinel.onboarded:
            continue  # analytics rules do not run without Sentinel
        for rule in ctx.sentinel.rules[ws_key]:
            if rule.enabled:
                out.append((ws_key, CoveringAlert(rule.id, SENTINEL_KIND, rule.creates_incident, ()), rule.query))
    return out
