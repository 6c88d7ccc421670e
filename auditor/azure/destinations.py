"""How long an export destination keeps the activity log, as Azure applies retention today.

The ``retentionPolicy`` inside a diagnostic setting has not deleted anything since
30 September 2025; what decides is the destination's own configuration:

* **Storage account.** Diagnostic settings write *append blobs* under the container
  ``insights-activity-logs`` (``insights-activity-logs/resourceId=/SUBSCRIPTIONS/<SUB>/y=...``).
  The account's lifecycle management policy (``managementPolicies/default``) deletes them when
  an enabled rule with a ``baseBlob.delete`` action filters on ``appendBlob`` and its
  ``prefixMatch`` (if any) reaches that path; a ``blobIndexMatch`` filter never matches them
  (diagnostic logs carry no index tags). No such rule: the storage keeps the logs. A
  time-based immutability policy on the container (``immutabilityPeriodSinceCreationInDays``)
  keeps every blob at least that long, whatever the lifecycle rules say.
  ``prefixMatch`` is compared *case-sensitively*, as Azure Storage compares blob names: Azure
  Monitor writes ``resourceId=/SUBSCRIPTIONS/<SUBSCRIPTION ID IN UPPER CASE>/``, so a rule whose
  prefix is ``insights-activity-logs/resourceid=/subscriptions/...`` deletes nothing.
* **Log Analytics workspace.** The ``AzureActivity`` table's own retention
  (``workspaces/tables/AzureActivity``: ``retentionInDays`` interactive, ``totalRetentionInDays``
  including long-term retention) overrides the workspace's ``retentionInDays``. The logs are
  kept for ``totalRetentionInDays`` (long-term data stays retrievable by search jobs), but alert
  rules, Sentinel analytics and ordinary queries see only the *interactive* period, so both are
  reported. Without a table document, ``AzureActivity`` keeps at least 90 days at no charge, and
  the workspace's retention when that is longer ("By default, the Usage and AzureActivity tables
  keep data for at least 90 days at no charge. When you increase the workspace retention to more
  than 90 days, you also increase the retention of these tables." — Microsoft Learn, Azure
  Monitor, "Manage data retention in a Log Analytics workspace", section "Log tables with 90-day
  default retention", which lists ``Usage``, ``AzureActivity`` and the Application Insights
  ``App*`` tables).

Shared by collection (which documents to read), emulator (served as stored) and analysis
(ALA-EXP-005).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from auditor.azure import arm

ACTIVITY_CONTAINER = "insights-activity-logs"
ACTIVITY_TABLE = "AzureActivity"
ACTIVITY_TABLE_DEFAULT_DAYS = 90.0  # AzureActivity's free default retention (see above)
MANAGEMENT_POLICY = "microsoft.storage/storageaccounts/managementpolicies"
CONTAINER = "microsoft.storage/storageaccounts/blobservices/containers"
TABLE = "microsoft.operationalinsights/workspaces/tables"
STORAGE_API_VERSION = "2023-01-01"
TABLES_API_VERSION = "2022-10-01"
_DELETE_AGES = ("daysAfterModificationGreaterThan", "daysAfterCreationGreaterThan",
                "daysAfterLastAccessTimeGreaterThan")


def management_policy_id(storage_id: str) -> str:
    return f"{arm.display_id(storage_id)}/managementPolicies/default"


def activity_container_id(storage_id: str) -> str:
    return f"{arm.display_id(storage_id)}/blobServices/default/containers/{ACTIVITY_CONTAINER}"


def activity_table_id(workspace_id: str) -> str:
    return f"{arm.display_id(workspace_id)}/tables/{ACTIVITY_TABLE}"


def _days(value: Any) -> float | None:
    """A day count (numbers may come as strings or floats such as ``365.0``); None if unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, int | float) and math.isfinite(value) and value >= 0:
        return float(value)
    return None


@dataclass(frozen=True)
class DeleteRule:
    """A lifecycle rule that deletes activity-log blobs after ``days`` (by ``age``)."""

    name: str
    days: float
    age: str  # daysAfterModificationGreaterThan | daysAfterCreationGreaterThan | ...


def _reaches_activity_logs(filters: Any, subscription: str | None) -> bool:
    if not isinstance(filters, dict):
        return True  # no filters: every blob of the account
    if arm.ci_get(filters, "blobIndexMatch"):
        return False  # diagnostic logs carry no blob index tags
    types = arm.ci_get(filters, "blobTypes")
    if isinstance(types, list) and not any(str(t).lower() == "appendblob" for t in types):
        return False  # only deletes block blobs: activity logs are append blobs
    prefixes = arm.ci_get(filters, "prefixMatch")
    if not isinstance(prefixes, list) or not prefixes:
        return True
    return any(prefix_reaches(str(p), subscription) for p in prefixes)


_ANY_SUBSCRIPTION = re.compile(r"[0-9A-F-]*(/.*)?", re.S)


def prefix_reaches(prefix: str, subscription: str | None) -> bool:
    """Whether a lifecycle ``prefixMatch`` (``container/blob-name-prefix``) reaches the blobs Azure
    Monitor writes for ``subscription`` (any subscription if None). Case-sensitive, as blob names are."""
    base = f"{ACTIVITY_CONTAINER}/resourceId=/SUBSCRIPTIONS/"
    if subscription is not None:
        path = f"{base}{subscription.upper()}/"
        # The prefix covers the subscription's logs, or part of them (a year, a month): still deleted early.
        return path.startswith(prefix) or prefix.startswith(path)
    if base.startswith(prefix):
        return True
    return prefix.startswith(base) and _ANY_SUBSCRIPTION.fullmatch(prefix[len(base):]) is not None


def delete_rules(policy: dict[str, Any] | None, subscription: str | None = None) -> list[DeleteRule]:
    """Enabled lifecycle rules deleting a subscription's activity-log blobs (any subscription if None)."""
    if policy is None:
        return []
    inner = arm.ci_get(arm.props(policy), "policy")
    out: list[DeleteRule] = []
    for rule in arm.as_list(arm.ci_get(inner, "rules")):
        if not isinstance(rule, dict) or arm.as_bool(arm.ci_get(rule, "enabled"), True) is not True:
            continue
        definition = arm.ci_get(rule, "definition")
        if not isinstance(definition, dict):
            continue
        if not _reaches_activity_logs(arm.ci_get(definition, "filters"), subscription):
            continue
        base = arm.ci_get(arm.ci_get(definition, "actions"), "baseBlob")
        delete = arm.ci_get(base, "delete") if isinstance(base, dict) else None
        if not isinstance(delete, dict):
            continue
        ages = [(d, a) for a in _DELETE_AGES if (d := _days(arm.ci_get(delete, a))) is not None]
        if ages:
            days, age = min(ages)
            out.append(DeleteRule(str(arm.ci_get(rule, "name") or ""), days, age))
    return sorted(out, key=lambda r: (r.days, r.name))


def immutability_days(container: dict[str, Any] | None) -> tuple[float, str] | None:
    """(period in days, state) of the container's time-based immutability policy, if any."""
    if container is None:
        return None
    policy = arm.ci_get(arm.props(container), "immutabilityPolicy")
    inner = arm.ci_get(policy, "properties") if isinstance(policy, dict) else None
    days = _days(arm.ci_get(inner, "immutabilityPeriodSinceCreationInDays")) if isinstance(inner, dict) else None
    if not days:
        return None
    return days, str(arm.ci_get(inner, "state") or "Unlocked")


def append_refusal(container: dict[str, Any] | None, account: dict[str, Any] | None) -> dict[str, Any] | None:
    """Why the destination refuses the export's appends, or None.

    Azure Monitor writes each hour's activity log as an *append blob* (``.../PT1H.json``) and
    appends to it through the hour. Under a time-based retention policy (Locked or Unlocked) or a
    legal hold, "The Append Block operation is permitted only for policies with the
    allowProtectedAppendWrites or allowProtectedAppendWritesAll property enabled" (Microsoft
    Learn, Azure Storage, "Time-based retention policies for immutable blob data", section
    "Allow protected append blobs writes"; the same for legal holds with
    allowProtectedAppendWritesAll). Account-level version immutability
    (``immutableStorageWithVersioning``) behaves the same with its ``allowProtectedAppendWrites``.
    """
    if container is not None:
        p = arm.props(container)
        policy = arm.ci_get(p, "immutabilityPolicy")
        inner = arm.ci_get(policy, "properties") if isinstance(policy, dict) else None
        if isinstance(inner, dict):
            days = _days(arm.ci_get(inner, "immutabilityPeriodSinceCreationInDays"))
            state = str(arm.ci_get(inner, "state") or "Unlocked")
            appends = any(arm.as_bool(arm.ci_get(inner, k), False) is True
                          for k in ("allowProtectedAppendWrites", "allowProtectedAppendWritesAll"))
            if days and state.lower() in ("locked", "unlocked") and not appends:
                return {"level": "container", "policy": "time-based retention", "state": state,
                        "immutabilityPeriodSinceCreationInDays": _number(days),
                        "allowProtectedAppendWrites": False, "allowProtectedAppendWritesAll": False}
        hold = arm.ci_get(p, "legalHold")
        if isinstance(hold, dict) and arm.as_bool(arm.ci_get(hold, "hasLegalHold"), False) is True:
            history = arm.ci_get(hold, "protectedAppendWritesHistory")
            if not (isinstance(history, dict)
                    and arm.as_bool(arm.ci_get(history, "allowProtectedAppendWritesAll"), False) is True):
                return {"level": "container", "policy": "legal hold", "allowProtectedAppendWritesAll": False}
    if account is not None:
        versioning = arm.ci_get(arm.props(account), "immutableStorageWithVersioning")
        if isinstance(versioning, dict) and arm.as_bool(arm.ci_get(versioning, "enabled"), False) is True:
            policy = arm.ci_get(versioning, "immutabilityPolicy")
            if isinstance(policy, dict):
                days = _days(arm.ci_get(policy, "immutabilityPeriodSinceCreationInDays"))
                state = str(arm.ci_get(policy, "state") or "Unlocked")
                appends = arm.as_bool(arm.ci_get(policy, "allowProtectedAppendWrites"), False) is True
                if days and state.lower() in ("locked", "unlocked") and not appends:
                    return {"level": "account", "policy": "time-based retention (version-level)", "state": state,
                            "immutabilityPeriodSinceCreationInDays": _number(days),
                            "allowProtectedAppendWrites": False}
    return None


@dataclass(frozen=True)
class Retention:
    """How long a destination keeps the activity log. ``days`` None: kept until deleted by hand.

    ``days`` is the *total* retention; ``interactive_days`` the part during which queries, alert
    rules and Sentinel analytics see the data (a workspace's analytics retention). For a storage
    account every kept blob can be read at once, so both are the same.
    """

    days: float | None
    setting: str  # what decided, in words, for evidence
    interactive_days: float | None = None  # None with days None: kept (and readable) until deleted

    def at_least(self, minimum: int) -> bool:
        return self.days is None or self.days >= minimum

    def interactive_at_least(self, minimum: int) -> bool:
        if self.interactive_days is None:
            return self.days is None
        return self.interactive_days >= minimum

    def evidence(self) -> dict[str, Any]:
        return {"totalDays": _number(self.days), "interactiveDays": _number(self.interactive_days),
                "setting": self.setting}


def storage_retention(policy: dict[str, Any] | None, container: dict[str, Any] | None,
                      subscription: str | None) -> Retention:
    rules = delete_rules(policy, subscription)
    locked = immutability_days(container)
    if not rules:
        return Retention(None, "no lifecycle rule deletes insights-activity-logs/ (the storage keeps the logs)")
    shortest = rules[0]
    said = (f"lifecycle rule '{shortest.name}' deletes insights-activity-logs/ blobs after "
            f"{_fmt(shortest.days)} days ({shortest.age})")
    if locked and locked[0] > shortest.days:
        return Retention(locked[0], f"{said}, but the container's {locked[1].lower()} time-based immutability "
                                    f"policy keeps them {_fmt(locked[0])} days", locked[0])
    return Retention(shortest.days, said, shortest.days)


def workspace_retention(workspace: dict[str, Any] | None, table: dict[str, Any] | None) -> Retention | None:
    """The AzureActivity table's retention, else the workspace default; None when neither is readable."""
    if table is not None:
        p = arm.props(table)
        total = _days(arm.ci_get(p, "totalRetentionInDays"))
        interactive = _days(arm.ci_get(p, "retentionInDays"))
        if total is not None or interactive is not None:
            days = max(d for d in (total, interactive) if d is not None)
            return Retention(days, f"AzureActivity table: retentionInDays {_fmt(interactive)}, "
                                   f"totalRetentionInDays {_fmt(total)}", interactive if interactive is not None
                             else days)
    if workspace is not None:
        default = _days(arm.ci_get(arm.props(workspace), "retentionInDays"))
        if default is not None:
            kept = max(default, ACTIVITY_TABLE_DEFAULT_DAYS)
            return Retention(kept, f"no AzureActivity table setting: the table keeps {_fmt(kept)} days (at least "
                                   f"90 at no charge; workspace retentionInDays {_fmt(default)})", kept)
    return None


def _number(days: float | None) -> int | float | None:
    return int(days) if days is not None and float(days).is_integer() else days


def _fmt(days: float | None) -> str:
    if days is None:
        return "unset"
    return str(int(days)) if float(days).is_integer() else str(days)


def allows_public_blob_access(storage: dict[str, Any] | None) -> bool:
    """``allowBlobPublicAccess`` is explicitly true (absent: false since api-version 2023-01-01)."""
    return arm.as_bool(arm.ci_get(arm.props(storage), "allowBlobPublicAccess"), False) is True


def encryption_key_source(storage: dict[str, Any] | None) -> str:
    """``encryption.keySource`` as written: ``Microsoft.Storage`` (the default) or ``Microsoft.Keyvault``."""
    encryption = arm.ci_get(arm.props(storage), "encryption") or {}
    return str(arm.ci_get(encryption, "keySource") or "Microsoft.Storage")


def blob_endpoint(storage: dict[str, Any] | None) -> str | None:
    """The account's documented blob endpoint (``primaryEndpoints.blob``), when it states one."""
    endpoint = arm.as_dict(arm.as_dict(arm.props(storage).get("primaryEndpoints"))).get("blob")
    return endpoint if isinstance(endpoint, str) else None


def workspace_customer_id(workspace: dict[str, Any] | None) -> str:
    """A Log Analytics workspace's ``customerId`` (the id log queries address), "" when absent."""
    return str(arm.props(workspace).get("customerId") or "")
