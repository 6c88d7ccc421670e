"""ALA-DLV-003 and ALA-DLV-004: a storage destination that refuses what the export writes.

Judged from configuration on every snapshot (``analysis/acceptance.py``), not only with
``--verify-delivery``: the export looks healthy, and the data never lands.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from auditor.analysis.acceptance import storage_refusals
from auditor.azure import arm
from auditor.rules.base import MCSB_LT3, Finding, Rule

if TYPE_CHECKING:
    from auditor.analysis.context import AuditContext

IMMUTABILITY_DOC = "https://learn.microsoft.com/azure/storage/blobs/immutable-time-based-retention-policy-overview"
FIREWALL_DOC = "https://learn.microsoft.com/azure/storage/common/storage-network-security"


def _refusing(ctx: AuditContext, which: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    judged: dict[str, dict[str, Any] | None] = {}  # per storage account: 10,000 subscriptions share a few
    for key, sub in sorted(ctx.hierarchy.subscriptions.items()):
        result = ctx.exports[key]
        if result.state == "unknown":
            continue
        found: dict[str, dict[str, Any]] = {}
        for export in result.healthy_exports:
            for d in export.usable_destinations:
                if d.kind != "storage" or d.resource is None or arm.norm_id(d.id) in found:
                    continue
                dest_key = arm.norm_id(d.id)
                if dest_key not in judged:
                    judged[dest_key] = getattr(storage_refusals(ctx, d.id, d.resource), which)
                refusal = judged[dest_key]
                if refusal:
                    found[arm.norm_id(d.id)] = {"setting": export.setting_id, "destination": d.id, **refusal}
        if found:
            yield sub.id, [found[k] for k in sorted(found)]


def check_immutability_refuses(ctx: AuditContext) -> Iterator[Finding]:
    for scope, refused in _refusing(ctx, "immutability"):
        yield Finding(
            "ALA-DLV-003", scope,
            "The storage destination's immutability policy does not allow protected append writes: Azure "
            "Monitor cannot append to the hourly PT1H.json blobs, so the exported activity log does not land.",
            {"destinations": refused, "documentation": IMMUTABILITY_DOC},
        )


def check_firewall_refuses(ctx: AuditContext) -> Iterator[Finding]:
    for scope, refused in _refusing(ctx, "firewall"):
        yield Finding(
            "ALA-DLV-004", scope,
            "The storage destination's firewall denies by default without the trusted Microsoft services "
            "exception: Azure Monitor's writes are refused.",
            {"destinations": refused, "documentation": FIREWALL_DOC},
        )


RULES: tuple[Rule, ...] = (
    Rule(
        "ALA-DLV-003", "Immutability policy refuses the export's appends", "high",
        "Diagnostic settings write append blobs and append to them through the hour; a time-based "
        "retention policy (locked or unlocked), a legal hold or account-level immutability without "
        "protected append writes refuses every Append Block, so nothing new is kept.",
        "Enable allowProtectedAppendWrites on the insights-activity-logs container's time-based "
        "retention policy (allowProtectedAppendWritesAll for a legal hold; only an unlocked policy can "
        "be changed: otherwise export to another container or account), or on the account's "
        "immutableStorageWithVersioning policy.",
        (MCSB_LT3,), check_immutability_refuses, "delivery",
    ),
    Rule(
        "ALA-DLV-004", "Storage firewall refuses the export", "high",
        "A storage account that denies network access by default accepts Azure Monitor's writes only "
        "through the trusted Microsoft services exception; without it the export is silently dropped.",
        "Add AzureServices to the account's networkAcls.bypass ('Allow Azure services on the trusted "
        "services list to access this storage account'), keeping defaultAction Deny.",
        (MCSB_LT3,), check_firewall_refuses, "delivery",
    ),
)
