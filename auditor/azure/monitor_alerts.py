"""Readers of the Azure Monitor alerting documents, every api-version shape in one place.

Collection (which action groups to fetch), analysis (what an alert covers and whether anyone
hears it) and later features (Sentinel rules) all read alert rules and action groups through
these functions, so an api-version the tool has met is understood everywhere at once.

Scheduled query rules (log search alerts) come in three shapes, all still returned by ARM
for rules created with them:

* 2018-04-16: ``source.query``, ``source.dataSourceId`` (the workspace searched),
  ``action.aznsAction.actionGroup`` (a list of ids), ``enabled`` as the string
  ``"true"``/``"false"``;
* 2020-05-01-preview: ``criteria.allOf[].query``, ``scopes``, ``actions`` a *list* of
  ``{actionGroupId, webHookProperties}``;
* 2021-08-01 and later: ``criteria.allOf[].query``, ``scopes``, ``actions.actionGroups``
  (a list of ids).

Action-group receivers: email and SMS receivers carry a read-only ``status``
(``Enabled``/``Disabled``; ``Disabled`` when the recipient unsubscribed). The other receiver
kinds have no status and deliver while their group is enabled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor.azure import arm

RECEIVER_KEYS = (
    "emailReceivers",
    "smsReceivers",
    "webhookReceivers",
    "itsmReceivers",
    "azureAppPushReceivers",
    "automationRunbookReceivers",
    "voiceReceivers",
    "logicAppReceivers",
    "azureFunctionReceivers",
    "armRoleReceivers",
    "eventHubReceivers",
    "incidentReceivers",
)

# A receiver with one of these statuses (or none) delivers; "Disabled" does not, and a status
# the tool cannot read is not counted as delivering.
_DELIVERING_STATUS = frozenset({"enabled", "notspecified"})


@dataclass(frozen=True)
class QueryRule:
    """What a scheduled query rule does, whatever its api-version."""

    queries: tuple[str, ...]  # the log queries it runs, as written
    action_groups: tuple[str, ...]  # action group ids (display form), in document order
    enabled: bool  # absent means enabled; a flag it cannot read is not enabled
    scopes: tuple[str, ...]  # what the queries run over (workspaces), display form


def _enabled(props: dict[str, Any]) -> bool:
    return arm.as_bool(arm.ci_get(props, "enabled"), True) is True


def _ids(values: Any, key: str | None = None) -> list[str]:
    """Ids from a list of strings or (with ``key``) of objects holding the id under ``key``."""
    out: list[str] = []
    for v in arm.as_list(values):
        if isinstance(v, dict) and key:
            v = arm.ci_get(v, key)
        if isinstance(v, str) and v.strip():
            out.append(arm.display_id(v))
    return out


def scheduled_query_rule(doc: dict[str, Any]) -> QueryRule:
    """Read a scheduled query rule of any api-version (see the module docstring)."""
    p = arm.props(doc)
    queries: list[str] = []
    criteria = arm.ci_get(p, "criteria")
    for c in arm.as_list(arm.ci_get(criteria, "allOf")):
        q = arm.ci_get(c, "query") if isinstance(c, dict) else None
        if isinstance(q, str) and q:
            queries.append(q)
    source = arm.ci_get(p, "source")
    legacy_query = arm.ci_get(source, "query") if isinstance(source, dict) else None
    if isinstance(legacy_query, str) and legacy_query:
        queries.append(legacy_query)

    groups: list[str] = []
    actions = arm.ci_get(p, "actions")
    if isinstance(actions, dict):  # 2021-08-01+: {"actionGroups": [ids]}
        groups += _ids(arm.ci_get(actions, "actionGroups"), "actionGroupId")
    elif isinstance(actions, list):  # 2020-05-01-preview: [{"actionGroupId": id}]
        groups += _ids(actions, "actionGroupId")
    action = arm.ci_get(p, "action")
    azns = arm.ci_get(action, "aznsAction") if isinstance(action, dict) else None
    if isinstance(azns, dict):  # 2018-04-16
        groups += _ids(arm.ci_get(azns, "actionGroup"))

    scopes = _ids(arm.ci_get(p, "scopes"))
    if isinstance(source, dict):
        scopes += _ids([arm.ci_get(source, "dataSourceId")])
    return QueryRule(tuple(queries), tuple(_dedup(groups)), _enabled(p), tuple(_dedup(scopes)))


def activity_log_alert_action_groups(doc: dict[str, Any]) -> tuple[str, ...]:
    """Action group ids of an activity log alert (``actions.actionGroups[].actionGroupId``)."""
    actions = arm.ci_get(arm.props(doc), "actions")
    return tuple(_dedup(_ids(arm.ci_get(actions, "actionGroups"), "actionGroupId")))


def alert_action_groups(doc: dict[str, Any]) -> tuple[str, ...]:
    """Action group ids of any alert rule document the tool reads (by its kind)."""
    kind = arm.kind_of(doc)
    if kind == arm.SCHEDULED_QUERY_RULE:
        return scheduled_query_rule(doc).action_groups
    if kind == arm.ACTIVITY_LOG_ALERT:
        return activity_log_alert_action_groups(doc)
    return ()


def receiver_delivers(receiver: Any) -> bool:
    """A receiver entry delivers unless its ``status`` says otherwise (``Disabled``, unreadable)."""
    if not isinstance(receiver, dict):
        return False
    status = arm.ci_get(receiver, "status")
    if status is None:
        return True
    return isinstance(status, str) and status.strip().lower() in _DELIVERING_STATUS


def delivering_receivers(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """(receiver kind, name) of every receiver of an action group that delivers."""
    p = arm.props(doc)
    out: list[tuple[str, str]] = []
    for key in RECEIVER_KEYS:
        for r in arm.as_list(arm.ci_get(p, key)):
            if receiver_delivers(r):
                out.append((key, str(arm.ci_get(r, "name") or "")))
    return out


def action_group_notifies(doc: dict[str, Any]) -> bool:
    """Enabled, with at least one receiver that delivers."""
    return _enabled(arm.props(doc)) and bool(delivering_receivers(doc))


def _dedup(ids: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for i in ids:
        if arm.norm_id(i) not in seen:
            seen.add(arm.norm_id(i))
            out.append(i)
    return out


def alert_condition(doc: dict[str, Any]) -> Any:
    """An activity log alert's ``condition`` (``allOf`` / ``anyOf`` of field constraints), as written."""
    return arm.ci_get(arm.props(doc), "condition")


def alert_enabled(doc: dict[str, Any]) -> bool:
    """Absent means enabled (the ARM default); a flag it cannot read does not count as enabled."""
    return arm.as_bool(arm.ci_get(arm.props(doc), "enabled"), True) is True


def alert_scopes(doc: dict[str, Any]) -> list[Any]:
    """The scopes an alert rule watches, as written."""
    return arm.as_list(arm.ci_get(arm.props(doc), "scopes"))
