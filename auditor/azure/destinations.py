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
* **Log Analytics workspace.** The ``AzureActivity`` table's own retention
  (``workspaces/tables/AzureActivity``: ``retentionInDays`` interactive, ``totalRetentionInDays``
  including long-term retention) overrides the workspace's ``retentionInDays``. The logs are
  kept for ``totalRetentionInDays`` (long-term data stays retrievable by search jobs).

Shared by collection (which documents to read), emulator (served as stored) and analysis
(ALA-EXP-005).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from auditor.azure import arm

ACTIVITY_CONTAINER = "insights-activity-logs"
ACTIVITY_TABLE = "AzureActivity"
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
    path = f"{ACTIVITY_CONTAINER}/resourceId=/SUBSCRIPTIONS/{(subscription or '').upper()}/".lower()
    for p in prefixes:
        low = str(p).lower()
        if path.startswith(low):
            return True  # the prefix covers the subscription's logs
        if subscription is None and low.startswith(ACTIVITY_CONTAINER + "/"):
            return True
        if subscription is not None and low.startswith(path):
            return True  # part of the subscription's logs (a year, a month): still deleted early
    return False


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


@dataclass(frozen=True)
class Retention:
    """How long a destination keeps the activity log. ``days`` None: kept until deleted by hand."""

    days: float | None
    setting: str  # what decided, in words, for evidence

    def at_least(self, minimum: int) -> bool:
        return self.days is None or self.days >= minimum


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
                                    f"policy keeps them {_fmt(locked[0])} days")
    return Retention(shortest.days, said)


def workspace_retention(workspace: dict[str, Any] | None, table: dict[str, Any] | None) -> Retention | None:
    """The AzureActivity table's retention, else the workspace default; None when neither is readable."""
    if table is not None:
        p = arm.props(table)
        total = _days(arm.ci_get(p, "totalRetentionInDays"))
        interactive = _days(arm.ci_get(p, "retentionInDays"))
        if total is not None or interactive is not None:
            days = max(d for d in (total, interactive) if d is not None)
            return Retention(days, f"AzureActivity table: retentionInDays {_fmt(interactive)}, "
                                   f"totalRetentionInDays {_fmt(total)}")
    if workspace is not None:
        default = _days(arm.ci_get(arm.props(workspace), "retentionInDays"))
        if default is not None:
            return Retention(default, f"workspace retentionInDays {_fmt(default)} (no AzureActivity table setting)")
    return None


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
