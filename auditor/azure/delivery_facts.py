"""The snapshot's ``delivery`` section: evidence that exported activity logs really arrive.

One module for both directions, like ``collect/argshape.py`` for Resource Graph: the collector
turns Log Analytics rows and blob listings into facts, the emulator turns facts back into the
rows and listings the services would answer, and the analysis reads the facts. Keeping the
query text, the row schema and the blob layout here is what keeps the round trip exact.

Section (``version`` 1)::

    "delivery": {
      "version": 1, "windowDays": 7,
      "workspaces": [{"id": <workspace ARM id>, "customerId": <guid>,
                      "activity": [{"subscriptionId", "category", "events", "lastEvent"}],
                      "ingestion": [{"operation", "level", "events", "lastEvent", "detail"}]}],
      "storageAccounts": [{"id": <account ARM id>,
                           "subscriptions": [{"subscriptionId", "newestBlob", "lastModified"}]}],
      "eventHubs": [{"id": <namespace ARM id>, "status": "unverifiable"}]
    }

A destination that could not be read has no entry: the snapshot's ``errors`` names it
(``logQuery`` / ``blobListing`` at the destination's id), so it is unknown, never "no data".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from auditor.azure import arm
from auditor.errors import InputError

VERSION = 1
DEFAULT_WINDOW_DAYS = 7
CONTAINER = "insights-activity-logs"
UNVERIFIABLE = "unverifiable"
# _LogOperation levels that mean data was dropped or refused (Info is bookkeeping).
PROBLEM_LEVELS = frozenset({"error", "warning"})
# workspace dataIngestionStatus values under which data is not ingested
STOPPED_INGESTION = frozenset({"overquota", "forceoff", "subscriptionsuspended"})

# The one query sent to each destination workspace; its result schema is COLUMNS.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Source", "string"), ("SubscriptionId", "string"), ("Category", "string"), ("Operation", "string"),
    ("Level", "string"), ("Events", "long"), ("LastEvent", "datetime"), ("Detail", "string"),
)


def delivery_query(window_days: int) -> str:
    """AzureActivity per subscription and category, and ingestion problems, in one result table."""
    return (
        "union "
        f"(AzureActivity | where TimeGenerated > ago({window_days}d) "
        "| summarize Events = count(), LastEvent = max(TimeGenerated) by SubscriptionId, Category = CategoryValue "
        "| extend Source = 'AzureActivity', Operation = '', Level = '', Detail = ''), "
        f"(_LogOperation | where TimeGenerated > ago({window_days}d) and Category =~ 'Ingestion' "
        "| summarize Events = count(), LastEvent = max(TimeGenerated), Detail = take_any(Detail) by Operation, Level "
        "| extend Source = '_LogOperation', SubscriptionId = '', Category = 'Ingestion') "
        "| project " + ", ".join(name for name, _ in COLUMNS)
    )


def blob_prefix(subscription_id: str) -> str:
    """Where Azure Monitor writes one subscription's activity log in the container."""
    return f"resourceId=/SUBSCRIPTIONS/{subscription_id.upper()}/"


def timestamp(value: Any) -> str:
    """A fact's timestamp: UTC, whole seconds, ``Z`` (what both sides of the round trip write)."""
    if isinstance(value, datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=UTC)
    else:
        text = str(value).strip().replace("Z", "+00:00")
        dt = datetime.fromisoformat(text)
        dt = dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# ---------------------------------------------------------------- rows <-> workspace facts
def workspace_facts(rows: list[list[Any]] | list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(activity, ingestion) facts from the query's rows (lists in COLUMNS order, or dicts)."""
    names = [n for n, _ in COLUMNS]
    activity: list[dict[str, Any]] = []
    ingestion: list[dict[str, Any]] = []
    for raw in rows:
        row = dict(zip(names, raw, strict=False)) if not isinstance(raw, dict) else raw
        last = timestamp(row["LastEvent"]) if row.get("LastEvent") else None
        events = int(row.get("Events") or 0)
        if str(row.get("Source")) == "AzureActivity":
            activity.append({"subscriptionId": str(row.get("SubscriptionId") or "").lower(),
                             "category": str(row.get("Category") or ""), "events": events, "lastEvent": last})
        else:
            ingestion.append({"operation": str(row.get("Operation") or ""), "level": str(row.get("Level") or ""),
                              "events": events, "lastEvent": last, "detail": str(row.get("Detail") or "")})
    activity.sort(key=lambda a: (a["subscriptionId"], a["category"]))
    ingestion.sort(key=lambda i: (i["operation"], i["level"]))
    return activity, ingestion


def workspace_rows(entry: dict[str, Any]) -> list[list[Any]]:
    """The rows Log Analytics would answer for a workspace entry (the emulator's side)."""
    rows: list[list[Any]] = []
    for a in entry.get("activity") or []:
        rows.append(["AzureActivity", str(a.get("subscriptionId") or "").upper(), a.get("category"), "", "",
                     a.get("events"), a.get("lastEvent"), ""])
    for i in entry.get("ingestion") or []:
        rows.append(["_LogOperation", "", "Ingestion", i.get("operation"), i.get("level"), i.get("events"),
                     i.get("lastEvent"), i.get("detail")])
    return rows


# ---------------------------------------------------------------- reading the section
@dataclass(frozen=True)
class WorkspaceDelivery:
    id: str
    customer_id: str
    activity: tuple[dict[str, Any], ...]
    ingestion: tuple[dict[str, Any], ...]

    def events_from(self, subscription_id: str) -> tuple[int, str | None]:
        """(events, last event) of one subscription in the window."""
        rows = [a for a in self.activity if a["subscriptionId"] == subscription_id.lower()]
        last = max((a["lastEvent"] for a in rows if a.get("lastEvent")), default=None)
        return sum(int(a.get("events") or 0) for a in rows), last

    def delivering_subscriptions(self, since: datetime) -> set[str]:
        """Subscriptions with at least one event after ``since``."""
        return {a["subscriptionId"] for a in self.activity
                if int(a.get("events") or 0) > 0 and (parse_time(a.get("lastEvent")) or since) > since}

    def problems(self) -> list[dict[str, Any]]:
        return [i for i in self.ingestion if str(i.get("level")).lower() in PROBLEM_LEVELS]


@dataclass(frozen=True)
class StorageDelivery:
    id: str
    newest: dict[str, dict[str, Any]]  # subscription guid -> {"newestBlob", "lastModified"}

    def last_blob(self, subscription_id: str) -> str | None:
        entry = self.newest.get(subscription_id.lower())
        return entry.get("lastModified") if entry else None


@dataclass(frozen=True)
class Delivery:
    window_days: int
    workspaces: dict[str, WorkspaceDelivery] = field(default_factory=dict)  # norm id ->
    storage: dict[str, StorageDelivery] = field(default_factory=dict)  # norm id ->
    event_hubs: frozenset[str] = frozenset()  # norm ids

    def workspace(self, arm_id: str) -> WorkspaceDelivery | None:
        return self.workspaces.get(arm.norm_id(arm_id))

    def storage_account(self, arm_id: str) -> StorageDelivery | None:
        return self.storage.get(arm.norm_id(arm_id))


def _list(section: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = section.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InputError(f"{where}: 'delivery.{key}' must be a list of objects")
    for i, v in enumerate(value):
        if not isinstance(v.get("id"), str) or not v["id"].strip():
            raise InputError(f"{where}: 'delivery.{key}[{i}].id' must be a non-empty string")
    return value


def read_delivery(raw: Any, where: str) -> Delivery | None:
    """The section of a snapshot (None when it was collected without ``--verify-delivery``).

    Raises InputError for a section this version cannot read (exit 2), never guesses."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise InputError(f"{where}: 'delivery' must be an object")
    if raw.get("version") != VERSION or isinstance(raw.get("version"), bool):
        raise InputError(f"{where}: delivery version {raw.get('version')!r} is not supported (this auditor reads "
                         f"version {VERSION})")
    window = raw.get("windowDays", DEFAULT_WINDOW_DAYS)
    if not isinstance(window, int) or isinstance(window, bool) or window < 1:
        raise InputError(f"{where}: 'delivery.windowDays' must be a positive integer")
    workspaces = {}
    for w in _list(raw, "workspaces", where):
        try:
            activity = tuple({**a, "subscriptionId": str(a.get("subscriptionId") or "").lower(),
                              "lastEvent": timestamp(a["lastEvent"]) if a.get("lastEvent") else None}
                             for a in w.get("activity") or [])
            ingestion = tuple({**i, "lastEvent": timestamp(i["lastEvent"]) if i.get("lastEvent") else None}
                              for i in w.get("ingestion") or [])
        except (TypeError, ValueError, AttributeError):
            raise InputError(f"{where}: delivery workspace {w['id']}: malformed activity or ingestion") from None
        workspaces[arm.norm_id(w["id"])] = WorkspaceDelivery(w["id"], str(w.get("customerId") or ""),
                                                             activity, ingestion)
    storage = {}
    for s in _list(raw, "storageAccounts", where):
        subs = s.get("subscriptions") or []
        if not isinstance(subs, list) or not all(isinstance(x, dict) for x in subs):
            raise InputError(f"{where}: delivery storage account {s['id']}: 'subscriptions' must be a list of objects")
        storage[arm.norm_id(s["id"])] = StorageDelivery(
            s["id"], {str(x.get("subscriptionId") or "").lower(): x for x in subs})
    hubs = frozenset(arm.norm_id(h["id"]) for h in _list(raw, "eventHubs", where))
    return Delivery(window, workspaces, storage, hubs)
