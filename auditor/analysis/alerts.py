"""Alert axis: which sensitive operations each subscription alerts on, and whether anyone hears.

An activity log alert *covers* operation O for S when it is enabled, scoped to S, requires
``operationName == O`` (directly in ``allOf`` or through an ``anyOf`` there) and conditions on
nothing but ``category`` (Administrative) and ``operationName``. A log search alert over the
central workspace covers O for every subscription whose healthy export sends Administrative
to a workspace in its scopes, when its query reads ``AzureActivity`` and names O. An enabled
Microsoft Sentinel analytics rule (Scheduled or NRT) on such a workspace, where Sentinel is on,
covers O the same way, by the same query matching, and notifies when it creates incidents
(``analysis/sentinel.py``). Rules and action groups of every api-version are read by
``auditor.azure.monitor_alerts`` (shared with collection).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from auditor import operations
from auditor.analysis.alert_facts import CoveringAlert, names_operation, reads_activity_log
from auditor.analysis.sentinel import sentinel_alerts, sentinel_on
from auditor.azure import arm, monitor_alerts
from auditor.azure.snapshot import CollectionError

if TYPE_CHECKING:
    from auditor.analysis.context import AuditContext


@dataclass
class AlertCoverage:
    unreadable: list[CollectionError] = field(default_factory=list)  # the subscription's own alerts
    # operation (as configured) -> alerts covering it
    by_operation: dict[str, list[CoveringAlert]] = field(default_factory=dict)
    # operations an unreadable source (central rules, the export feeding them) might cover
    undecided: set[str] = field(default_factory=set)


def _leaf_values(cond: dict[str, Any]) -> tuple[str, set[str]] | None:
    """(field, allowed values lower-cased) of a leaf condition, or None if not a leaf."""
    fld = arm.ci_get(cond, "field")
    if not isinstance(fld, str):
        return None
    values: set[str] = set()
    eq = arm.ci_get(cond, "equals")
    if isinstance(eq, str):
        values.add(eq.lower())
    any_of = arm.ci_get(cond, "containsAny")
    if isinstance(any_of, list):
        values.update(str(v).lower() for v in any_of)
    return fld.lower(), values


def covered_operations(alert: dict[str, Any]) -> set[str] | None:
    """Lower-cased operations an activity log alert's condition requires, or None if it is narrowed.

    The alert fires for O only when every operationName constraint admits O; a condition on
    any other field (or a category other than Administrative) narrows it to a subset of the
    operation's events, so it is not counted as covering anything.
    """
    condition = monitor_alerts.alert_condition(alert)
    all_of = arm.ci_get(condition, "allOf")
    if all_of is None:
        all_of = []
    if not isinstance(all_of, list):
        return None  # a condition it cannot read is not counted as covering anything
    constraints: list[set[str]] = []
    for cond in all_of:
        if not isinstance(cond, dict):
            return None
        nested = arm.ci_get(cond, "anyOf")
        leaves = nested if isinstance(nested, list) else [cond]
        parsed = [_leaf_values(leaf) if isinstance(leaf, dict) else None for leaf in leaves]
        op_values: set[str] = set()
        only_operations = True
        for item in parsed:
            if item is None:
                return None
            fld, values = item
            if fld == "operationname":
                op_values |= values
            elif fld == "category" and values == {"administrative"}:
                only_operations = False
            else:
                return None  # another field, or another category: the alert is narrowed
        if only_operations and op_values:
            constraints.append(op_values)
        # An anyOf mixing category and operationName admits other events too: no requirement.
    if not constraints:
        return set()
    return set.intersection(*constraints)


def _alert_enabled(doc: dict[str, Any]) -> bool:
    """Absent means enabled (the ARM default); a flag it cannot read does not count as enabled."""
    return monitor_alerts.alert_enabled(doc)


def group_notifies(ctx: AuditContext, group_id: str) -> bool:
    """Enabled with at least one receiver that delivers (a disabled email or SMS receiver does not).

    A group the snapshot lacks counts when it cannot be verified (outside the audited
    subscriptions, or its subscription's action groups were unreadable); one missing from an
    audited, readable subscription is verifiably gone, like a broken destination.
    """
    doc = ctx.snapshot.get(group_id)
    if doc is None:
        sub = arm.subscription_id_of(group_id)
        if sub and ctx.hierarchy.subscription(sub) is not None:
            return bool(ctx.unreadable(arm.subscription_scope(sub), frozenset({operations.ACTION_GROUPS})))
        return True
    return monitor_alerts.action_group_notifies(doc)


def evaluate_alerts(ctx: AuditContext) -> dict[str, AlertCoverage]:
    """Coverage of every configured sensitive operation, per subscription (normalised id keys)."""
    ops = ctx.config.sensitive_operations
    notify_cache: dict[str, bool] = {}

    def notifies(groups: tuple[str, ...]) -> bool:
        for g in groups:
            key = arm.norm_id(g)
            if key not in notify_cache:
                notify_cache[key] = group_notifies(ctx, g)
            if notify_cache[key]:
                return True
        return False

    # Activity log alerts, indexed by the subscriptions in their scopes.
    activity: dict[str, list[tuple[CoveringAlert, set[str]]]] = {}
    for doc in sorted(ctx.snapshot.of_kind(arm.ACTIVITY_LOG_ALERT), key=lambda d: arm.norm_id(d["id"])):
        if not _alert_enabled(doc):
            continue
        allowed = covered_operations(doc)
        if not allowed:
            continue
        groups = monitor_alerts.activity_log_alert_action_groups(doc)
        alert = CoveringAlert(arm.display_id(doc["id"]), "activity_log", notifies(groups), groups)
        for scope in monitor_alerts.alert_scopes(doc):
            n = arm.norm_id(scope)
            sub_guid = arm.subscription_id_of(n)
            if sub_guid and n == arm.subscription_scope(sub_guid):
                activity.setdefault(n, []).append((alert, allowed))

    # Log search alerts over the workspaces exports send Administrative to.
    search: dict[str, list[tuple[CoveringAlert, str]]] = {}
    for doc in sorted(ctx.snapshot.of_kind(arm.SCHEDULED_QUERY_RULE), key=lambda d: arm.norm_id(d["id"])):
        rule = monitor_alerts.scheduled_query_rule(doc)
        if not rule.enabled:
            continue
        query = "\n".join(rule.queries).lower()
        if not reads_activity_log(query):
            continue
        alert = CoveringAlert(arm.display_id(doc["id"]), "log_search", notifies(rule.action_groups),
                              rule.action_groups)
        for scope in rule.scopes:
            search.setdefault(arm.norm_id(scope), []).append((alert, query))
    # Sentinel analytics rules run on their workspace: judged by the same query matching.
    for ws_key, alert, text in sentinel_alerts(ctx):
        if reads_activity_log(text):
            search.setdefault(ws_key, []).append((alert, text.lower()))

    named_centrally = {op for op in ops if any(names_operation(q, op) for rules in search.values() for _, q in rules)}
    rules_unreadable: dict[str, bool] = {}

    def search_rules_unreadable(scope: str) -> bool:
        """Whether log search rules of the subscription holding ``scope`` could not be read."""
        sub_guid = arm.subscription_id_of(scope)
        if not sub_guid:
            return False
        key = arm.subscription_scope(sub_guid)
        if key not in rules_unreadable:
            rules_unreadable[key] = bool(ctx.unreadable(key, frozenset({operations.SCHEDULED_QUERY_RULES})))
        return rules_unreadable[key]

    results: dict[str, AlertCoverage] = {}
    for key, sub in ctx.hierarchy.subscriptions.items():
        cov = AlertCoverage(unreadable=ctx.unreadable(sub.id, operations.ALERT_INPUTS))
        workspaces: set[str] = set()
        export = ctx.exports[key]
        for e in export.healthy_exports:
            if "Administrative" in e.categories:
                workspaces.update(arm.norm_id(d.id) for d in e.usable_destinations if d.kind == "log_analytics")
        # Log search rules only reach S through a workspace its export feeds; unreadable rules
        # (in S or in a workspace's subscription) matter only when there is such a workspace.
        central_unknown = bool(workspaces) and (
            search_rules_unreadable(key) or any(search_rules_unreadable(ws) for ws in workspaces)
            or any(sentinel_on(ctx, ws) is None for ws in workspaces)
        )
        for op in ops:
            low = op.lower()
            covering = [a for a, allowed in activity.get(key, []) if low in allowed]
            for ws in sorted(workspaces):
                covering.extend(a for a, q in search.get(ws, []) if names_operation(q, op))
            cov.by_operation[op] = covering
            if central_unknown or (export.state == "unknown" and op in named_centrally):
                cov.undecided.add(op)
        results[key] = cov
    return results
