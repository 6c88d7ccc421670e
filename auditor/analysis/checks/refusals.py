"""ALA-DLV-003 and ALA-DLV-004: a storage destination that refuses what the export writes.

Judged from configuration on every snapshot (``analysis/acceptance.py``), not only with
``--verify-delivery``: the export looks healthy, and the data never lands.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from auditor.analysis.acceptance import storage_refusals
from auditor.analysis.checks import Check
from auditor.azure import arm
from auditor.rules.base import Finding, Rule
from auditor.rules.catalogue import delivery as catalogue

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
                    found[dest_key] = {"setting": export.setting_id, "destination": d.id, **refusal}
        if found:
            yield sub.id, [found[k] for k in sorted(found)]


def check_immutability_refuses(ctx: AuditContext) -> Iterator[Finding]:
    for scope, refused in _refusing(ctx, "immutability"):
        yield Finding(
            scope,
            "The storage destination's immutability policy does not allow protected append writes: Azure "
            "Monitor cannot append to the hourly PT1H.json blobs, so the exported activity log does not land.",
            {"destinations": refused, "documentation": IMMUTABILITY_DOC},
        )


def check_firewall_refuses(ctx: AuditContext) -> Iterator[Finding]:
    for scope, refused in _refusing(ctx, "firewall"):
        yield Finding(
            scope,
            "The storage destination's firewall denies by default without the trusted Microsoft services "
            "exception: Azure Monitor's writes are refused.",
            {"destinations": refused, "documentation": FIREWALL_DOC},
        )


CHECKS: tuple[tuple[Rule, Check], ...] = (
    (catalogue.IMMUTABILITY_REFUSES, check_immutability_refuses),
    (catalogue.FIREWALL_REFUSES, check_firewall_refuses),
)
