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

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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


# ---------------------------------------------------------------- moving facts in time
_BLOB_HOUR = re.compile(r"/y=(\d{4})/m=(\d{2})/d=(\d{2})/h=(\d{2})/m=(\d{2})/")


def whole_hours(delta: timedelta) -> timedelta:
    """``delta`` rounded down to whole hours: blob folders are hourly, so a shift by it is exact both ways."""
    return timedelta(hours=math.floor(delta.total_seconds() / 3600))


def _shift_time(value: Any, delta: timedelta) -> Any:
    t = parse_time(value) if isinstance(value, str) else None
    return timestamp(t + delta) if t is not None else value


def _shift_blob(name: Any, delta: timedelta) -> Any:
    """A blob name's ``y=/m=/d=/h=/m=`` folders moved by ``delta`` (whole hours)."""
    if not isinstance(name, str) or not (m := _BLOB_HOUR.search(name)):
        return name
    y, mo, d, h, mi = (int(g) for g in m.groups())
    t = datetime(y, mo, d, h, mi, tzinfo=UTC) + delta
    return (name[:m.start()] + f"/y={t.year:04d}/m={t.month:02d}/d={t.day:02d}/h={t.hour:02d}/m={t.minute:02d}/"
            + name[m.end():])


def shifted(section: dict[str, Any], delta: timedelta) -> dict[str, Any]:
    """The delivery section with every event time and blob folder moved by ``delta`` (whole hours).

    The emulator serves the facts moved by (time of collection - snapshot's collectedAt), so their
    age at collection is what it was when the snapshot was taken; ``shifted(s, -delta)`` undoes it.
    """
    out = dict(section)
    out["workspaces"] = [{**w, "activity": [{**a, "lastEvent": _shift_time(a.get("lastEvent"), delta)}
                                            for a in w.get("activity") or []],
                          "ingestion": [{**i, "lastEvent": _shift_time(i.get("lastEvent"), delta)}
                                        for i in w.get("ingestion") or []]}
                         for w in section.get("workspaces") or [] if isinstance(w, dict)]
    out["storageAccounts"] = [{**s, "subscriptions": [{**x, "newestBlob": _shift_blob(x.get("newestBlob"), delta),
                                                       "lastModified": _shift_time(x.get("lastModified"), delta)}
                                                      for x in s.get("subscriptions") or []]}
                              for s in section.get("storageAccounts") or [] if isinstance(s, dict)]
    return out


# ---------------------------------------------------------------- rows <-> workspace facts
class UnexpectedSchema(ValueError):
    """The answer's table is not the one the query asks for: nothing can be read from it."""


def workspace_facts(columns: list[str], rows: list[list[Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(activity, ingestion) facts from the query's answer, each value read by its column NAME.

    An answer whose columns are not COLUMNS (another schema, an empty ``columns`` list, a missing
    column) raises UnexpectedSchema: what it holds, even "no rows", says nothing about delivery.
    """
    names = [str(c) for c in columns]
    missing = [n for n, _ in COLUMNS if n not in names]
    if missing:
        raise UnexpectedSchema(f"the answer has columns {names}, not {[n for n, _ in COLUMNS]} "
                               f"(missing {missing})")
    at = {n: names.index(n) for n, _ in COLUMNS}
    activity: list[dict[str, Any]] = []
    ingestion: list[dict[str, Any]] = []
    for raw in rows:
        if len(raw) != len(names):
            raise UnexpectedSchema(f"a row has {len(raw)} values for {len(names)} columns")
        row = {n: raw[i] for n, i in at.items()}
        last = timestamp(row["LastEvent"]) if row.get("LastEvent") else None
        events = int(row.get("Events") or 0)
        if str(row.get("Source")) == "AzureActivity":
            activity.append({"subscriptionId": str(row.get("SubscriptionId") or "").lower(),
                             "category": str(row.get("Category") or ""), "events": events, "lastEvent": last})
        elif str(row.get("Source")) == "_LogOperation":
            ingestion.append({"operation": str(row.get("Operation") or ""), "level": str(row.get("Level") or ""),
                              "events": events, "lastEvent": last, "detail": str(row.get("Detail") or "")})
        else:
            raise UnexpectedSchema(f"a row's Source is {row.get('Source')!r}, not AzureActivity or _LogOperation")
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
