"""Retention documents of export destinations, shaped as ARM returns them.

* ``managementPolicies/default`` (Microsoft.Storage 2023-01-01): name ``DefaultManagementPolicy``,
  ``properties.policy.rules[]`` with ``definition.filters`` / ``definition.actions``, day counts
  as numbers (ARM echoes ``365.0``);
* the ``insights-activity-logs`` container (``blobServices/default/containers``) with its
  ``immutabilityPolicy`` as in the REST example ``BlobContainersGetWithAllowProtectedAppendWritesAll``;
* the ``AzureActivity`` table (Microsoft.OperationalInsights 2022-10-01) as in ``TablesGet``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Doc = dict[str, Any]


def lifecycle_rule(name: str, delete_after_days: float, *, prefixes: Sequence[str] = ("insights-activity-logs/",),
                   blob_types: Sequence[str] = ("appendBlob", "blockBlob"),
                   age: str = "daysAfterModificationGreaterThan", enabled: bool = True) -> Doc:
    filters: Doc = {"blobTypes": list(blob_types)}
    if prefixes:
        filters["prefixMatch"] = list(prefixes)
    return {
        "enabled": enabled,
        "name": name,
        "type": "Lifecycle",
        "definition": {"actions": {"baseBlob": {"delete": {age: float(delete_after_days)}}}, "filters": filters},
    }


def management_policy(storage: str, rules: Sequence[Doc]) -> Doc:
    return {
        "id": f"{storage}/managementPolicies/default",
        "name": "DefaultManagementPolicy",
        "type": "Microsoft.Storage/storageAccounts/managementPolicies",
        "properties": {"lastModifiedTime": "2026-03-02T08:11:42.1234567Z", "policy": {"rules": list(rules)}},
    }


def activity_container(storage: str, immutability_days: int | None = None, state: str = "Locked",
                       protected_appends: bool = True) -> Doc:
    props: Doc = {
        "publicAccess": "None",
        "leaseStatus": "Unlocked",
        "leaseState": "Available",
        "lastModifiedTime": "2025-06-01T10:00:00Z",
        "hasImmutabilityPolicy": immutability_days is not None,
        "hasLegalHold": False,
    }
    if immutability_days is not None:
        props["immutabilityPolicy"] = {
            "etag": "\"8d592d74cb3011a\"",
            "properties": {"immutabilityPeriodSinceCreationInDays": immutability_days,
                           "allowProtectedAppendWrites": protected_appends, "state": state},
            "updateHistory": [],
        }
    return {
        "id": f"{storage}/blobServices/default/containers/insights-activity-logs",
        "name": "insights-activity-logs",
        "type": "Microsoft.Storage/storageAccounts/blobServices/containers",
        "etag": "\"0x8D592D74CC20EBA\"",
        "properties": props,
    }


def activity_table(workspace: str, retention_days: int, total_retention_days: int | None = None,
                   *, as_default: bool = False) -> Doc:
    total = retention_days if total_retention_days is None else total_retention_days
    return {
        "properties": {
            "totalRetentionInDays": total,
            "archiveRetentionInDays": total - retention_days,
            "plan": "Analytics",
            "retentionInDaysAsDefault": as_default,
            "totalRetentionInDaysAsDefault": as_default and total == retention_days,
            "schema": {"name": "AzureActivity", "tableType": "Microsoft", "columns": [], "standardColumns": [],
                       "solutions": ["LogManagement"]},
            "provisioningState": "Succeeded",
            "retentionInDays": retention_days,
        },
        "id": f"{workspace}/tables/AzureActivity",
        "name": "AzureActivity",
    }
