"""Sentinel facts per workspace: is Sentinel on, which analytics rules run there.

Read once per audit (``ctx.sentinel``) from the snapshot's SecurityInsights documents
(:mod:`auditor.azure.security_insights`) and its errors: a workspace whose Sentinel reads failed
(operation ``sentinel`` at the workspace, or ``*`` at its subscription or above) is
*unknown*, never "off".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from auditor import operations
from auditor.azure import arm, security_insights
from auditor.snapshot import CollectionError

if TYPE_CHECKING:
    from auditor.analysis.alerts import CoveringAlert
    from auditor.analysis.context import AuditContext

SENTINEL_KIND = "sentinel"  # CoveringAlert.kind of an analytics rule

_SENTINEL = frozenset({operations.SENTINEL})


@dataclass
class SentinelFacts:
    onboarded: set[str] = field(default_factory=set)  # normalised workspace ids
    rules: dict[str, list[security_insights.AnalyticsRule]] = field(default_factory=dict)  # by workspace, id order


def read_sentinel(ctx: AuditContext) -> SentinelFacts:
    facts = SentinelFacts(onboarded=set(ctx.azure.sentinel_workspaces))
    docs = sorted(ctx.snapshot.of_kind(security_insights.ALERT_RULE), key=lambda d: arm.norm_id(d["id"]))
    for doc in docs:
        rule = security_insights.analytics_rule(doc)
        if rule is not None:
            facts.rules.setdefault(arm.norm_id(rule.workspace), []).append(rule)
    return facts


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
    from auditor.analysis.alerts import CoveringAlert

    out: list[tuple[str, CoveringAlert, str]] = []
    for ws_key in sorted(ctx.sentinel.rules):
        if ws_key not in ctx.sentinel.onboarded:
            continue  # analytics rules do not run without Sentinel
        for rule in ctx.sentinel.rules[ws_key]:
            if rule.enabled:
                out.append((ws_key, CoveringAlert(rule.id, SENTINEL_KIND, rule.creates_incident, ()), rule.query))
    return out
