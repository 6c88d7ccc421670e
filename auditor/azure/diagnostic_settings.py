"""Diagnostic settings and their destinations: the one reader of ``properties.logs`` and sinks.

A subscription (or management group) diagnostic setting (``microsoft.insights/diagnosticSettings``,
api-version 2021-05-01-preview) names up to four destinations, each in its own property, and lists
log categories (``{"category": ..., "enabled": ...}`` or ``{"categoryGroup": "allLogs", ...}``;
``enabled`` is a boolean, sometimes written as the string ``"true"``). An Event Hub destination
is an authorization rule (``.../namespaces/<ns>/authorizationRules/<rule>``, or the same under
``eventhubs/<hub>``); its namespace is where the resource lives. Analysis (export coverage),
collection (which destinations to read), the policy template evaluator and remediation (sink
conflicts) all read settings through this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auditor.azure import arm
from auditor.azure.activity_log import CATEGORIES

LOG_ANALYTICS, STORAGE, EVENT_HUB, PARTNER = "log_analytics", "storage", "event_hub", "partner"

# Destination property of a diagnostic setting -> destination kind (one table for every layer).
DESTINATION_PROPERTIES: tuple[tuple[str, str], ...] = (
    ("workspaceId", LOG_ANALYTICS),
    ("storageAccountId", STORAGE),
    ("eventHubAuthorizationRuleId", EVENT_HUB),
    ("marketplacePartnerId", PARTNER),
)
DESTINATION_KINDS = tuple(k for _, k in DESTINATION_PROPERTIES)
PROPERTY_OF = {kind: prop for prop, kind in DESTINATION_PROPERTIES}
_EVENTHUB_PROVIDER = "/providers/microsoft.eventhub/namespaces/"


def enabled_categories(setting: Mapping[str, Any]) -> tuple[str, ...]:
    """Enabled activity-log categories of a setting; ``categoryGroup: allLogs`` means all eight."""
    got: set[str] = set()
    for entry in arm.as_list(arm.props(dict(setting)).get("logs")):
        # Only an explicit true enables a category (also sent as the string "true").
        if not isinstance(entry, dict) or arm.as_bool(entry.get("enabled"), False) is not True:
            continue
        group = str(entry.get("categoryGroup") or "")
        if group.lower() == "alllogs":
            got.update(CATEGORIES)
            continue
        name = str(entry.get("category") or "")
        for c in CATEGORIES:
            if c.lower() == name.lower():
                got.add(c)
    return tuple(c for c in CATEGORIES if c in got)


def destinations(setting: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(kind, id as written) of every destination the setting names, in table order."""
    p = arm.props(dict(setting))
    return [(kind, p[prop]) for prop, kind in DESTINATION_PROPERTIES
            if isinstance(p.get(prop), str) and p[prop].strip()]


def destination(setting: Mapping[str, Any], kind: str) -> str | None:
    """The id the setting sends to for one destination kind, None when it names none."""
    return next((dest for k, dest in destinations(setting) if k == kind), None)


def eventhub_namespace(rule_id: str | None) -> str | None:
    """``.../namespaces/ns/authorizationRules/r`` (or ``.../eventhubs/h/authorizationRules/r``) -> the
    namespace id (display form); None when the id is not under ``Microsoft.EventHub/namespaces``."""
    s = arm.display_id(rule_id)
    idx = s.lower().find(_EVENTHUB_PROVIDER)
    if idx < 0:
        return None
    name = s[idx + len(_EVENTHUB_PROVIDER):].split("/", 1)[0]
    return s[: idx + len(_EVENTHUB_PROVIDER)] + name if name else None


def setting_name(setting: Mapping[str, Any]) -> str:
    return str(setting.get("name") or arm.last_segment(setting.get("id")))


def setting_properties(setting: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the setting's properties, for writing an updated setting that keeps every other field."""
    return dict(arm.props(dict(setting)))


@dataclass(frozen=True)
class LogProfile:
    """A legacy subscription log profile (``microsoft.insights/logprofiles``, api-version 2016-03-01)."""

    categories: tuple[str, ...]
    locations: tuple[str, ...]
    storage_account_id: str | None
    service_bus_rule_id: str | None


def log_profile(doc: Mapping[str, Any]) -> LogProfile:
    p = arm.props(dict(doc))

    def text(key: str) -> str | None:
        value = p.get(key)
        return value if isinstance(value, str) and value else None

    return LogProfile(tuple(str(c) for c in arm.as_list(p.get("categories"))),
                      tuple(str(c) for c in arm.as_list(p.get("locations"))),
                      text("storageAccountId"), text("serviceBusRuleId"))
