"""ALA-EXP rules: does each subscription export its activity log, completely, durably, safely?"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from auditor.analysis.checks import Check
from auditor.analysis.exports import Destination, ExportResult
from auditor.analysis.retention import destination_retention
from auditor.azure import arm
from auditor.azure.destinations import allows_public_blob_access, encryption_key_source
from auditor.azure.diagnostic_settings import eventhub_namespace
from auditor.rules.base import Finding, Rule
from auditor.rules.catalogue import exports as catalogue

if TYPE_CHECKING:
    from auditor.analysis.context import AuditContext


def _judged(ctx: AuditContext) -> Iterator[tuple[str, ExportResult]]:
    """Subscriptions whose export settings were read (unknown ones are AUD-001's business)."""
    for key, sub in sorted(ctx.hierarchy.subscriptions.items()):
        result = ctx.exports[key]
        if result.state != "unknown":
            yield sub.id, result


def _dest_evidence(setting: str, d: Destination) -> dict[str, Any]:
    return {"setting": setting, "destination": d.id, "kind": d.kind}


def check_no_export(ctx: AuditContext) -> Iterator[Finding]:
    for scope, r in _judged(ctx):
        if r.state != "none":
            continue
        yield Finding(
            scope,
            "The subscription's activity log is not exported anywhere that works: after 90 days "
            "Azure deletes it.",
            {
                "diagnosticSettings": [arm.display_id(s.get("id")) for s in r.settings],
                "brokenExports": [e.setting_id for e in r.exports if not e.healthy],
                "logProfiles": [arm.display_id(p.get("id")) for p in r.log_profiles],
            },
        )


def check_missing_categories(ctx: AuditContext) -> Iterator[Finding]:
    for scope, r in _judged(ctx):
        missing = r.missing(ctx.config.required_categories)
        if r.state == "none" or not missing:
            continue
        yield Finding(
            scope,
            f"Exports miss required categories: {', '.join(missing)}.",
            {
                "missing": list(missing),
                "exported": list(r.categories),
                "settings": [e.setting_id for e in r.healthy_exports],
            },
        )


def check_broken_destination(ctx: AuditContext) -> Iterator[Finding]:
    for scope, r in _judged(ctx):
        for e in r.exports:
            for d in e.destinations:
                if d.healthy is False:
                    yield Finding(
                        scope,
                        f"Diagnostic setting '{e.setting_name}' sends to {d.kind} {d.id}, which no longer exists.",
                        _dest_evidence(e.setting_id, d),
                    )


def _matches_central(d: Destination, central: set[str]) -> bool:
    ids = {arm.norm_id(d.id)}
    if d.kind == "event_hub":
        ids.add(arm.norm_id(eventhub_namespace(d.id) or d.id))
    return bool(ids & central)


def check_not_central(ctx: AuditContext) -> Iterator[Finding]:
    central = {arm.norm_id(c) for c in ctx.config.central_destinations}
    if not central:
        return
    for scope, r in _judged(ctx):
        if r.state == "none":
            continue
        used = [d for e in r.healthy_exports for d in e.usable_destinations]
        if any(_matches_central(d, central) for d in used):
            continue
        yield Finding(
            scope,
            "No export reaches an approved central destination; the security team does not see this "
            "subscription's activity.",
            {
                "destinations": sorted({d.id for d in used}, key=str.lower),
                "centralDestinations": list(ctx.config.central_destinations),
            },
        )


def check_retention(ctx: AuditContext) -> Iterator[Finding]:
    """Some destination keeps the log ``min_retention_days``, and some keeps ``min_interactive_retention_days``
    of it immediately available (a workspace's interactive retention; storage is read at once)."""
    minimum, interactive = ctx.config.min_retention_days, ctx.config.min_interactive_retention_days
    for scope, r in _judged(ctx):
        if r.state == "none":
            continue
        used = [d for e in r.healthy_exports for d in e.usable_destinations]
        if any(d.healthy is None for d in used):
            continue  # an unverified destination may well retain long enough
        sub = arm.subscription_id_of(scope) or ""
        judged: list[dict[str, Any]] = []
        durable = unknown = False
        available = interactive == 0
        for d in sorted({(d.kind, arm.norm_id(d.id)): d for d in used}.values(), key=lambda d: arm.norm_id(d.id)):
            if d.kind not in ("storage", "log_analytics"):
                continue
            kept = destination_retention(ctx, d, sub)
            if kept is None:
                unknown = True  # its retention settings could not be read: ALA-AUD-001 says so
                continue
            judged.append({"destination": d.id, "kind": d.kind, "days": _days_value(kept.days),
                           "interactiveDays": _days_value(kept.interactive_days), "setting": kept.setting})
            durable = durable or kept.at_least(minimum)
            available = available or kept.interactive_at_least(interactive)
        if (durable and available) or unknown:
            continue
        evidence: dict[str, Any] = {"minRetentionDays": minimum}
        if interactive:
            evidence["minInteractiveRetentionDays"] = interactive
        message = (f"No export goes to a destination keeping the activity log {minimum} days or more." if not durable
                   else f"The activity log is kept at least {minimum} days, but no destination keeps {interactive} "
                        "days of it immediately available (a workspace's interactive retention; older data needs "
                        "a search job).")
        yield Finding(scope, message, {**evidence, "retention": judged,
                                       "destinations": sorted({d.id for d in used}, key=str.lower)})


def _days_value(days: float | None) -> int | float | None:
    return int(days) if days is not None and float(days).is_integer() else days


def check_log_profile(ctx: AuditContext) -> Iterator[Finding]:
    for key, sub in sorted(ctx.hierarchy.subscriptions.items()):
        profiles = ctx.exports[key].log_profiles
        if not profiles:
            continue
        yield Finding(
            sub.id,
            "A legacy log profile exists; Azure retired log profiles on 30 Sep 2026 and it exports nothing.",
            {"logProfiles": [arm.display_id(p.get("id")) for p in profiles]},
        )


def _storage_destinations(r: ExportResult) -> Iterator[tuple[str, Destination]]:
    seen: set[tuple[str, str]] = set()
    for e in r.exports:
        for d in e.destinations:
            key = (arm.norm_id(e.setting_id), arm.norm_id(d.id))
            if d.kind == "storage" and d.resource is not None and key not in seen:
                seen.add(key)
                yield e.setting_id, d


def check_public_storage(ctx: AuditContext) -> Iterator[Finding]:
    for scope, r in _judged(ctx):
        bad = [
            _dest_evidence(s, d)
            for s, d in _storage_destinations(r)
            if allows_public_blob_access(d.resource)
        ]
        if bad:
            yield Finding(
                scope,
                "A storage account holding the activity log allows public blob access.",
                {"destinations": bad},
            )


def check_storage_cmk(ctx: AuditContext) -> Iterator[Finding]:
    for scope, r in _judged(ctx):
        bad = []
        for s, d in _storage_destinations(r):
            key_source = encryption_key_source(d.resource)
            if key_source.lower() != "microsoft.keyvault":
                bad.append({**_dest_evidence(s, d), "keySource": key_source})
        if bad:
            yield Finding(
                scope,
                "A storage account holding the activity log is not encrypted with a customer-managed key.",
                {"destinations": bad},
            )


def check_group_export(ctx: AuditContext) -> Iterator[Finding]:
    for group in ctx.hierarchy.ordered_groups():
        g = ctx.group_exports[arm.norm_id(group.id)]
        if g.exported is False:
            yield Finding(
                group.id,
                f"Management group '{group.display_name}' has no working diagnostic setting: policy and role "
                "assignments made there are exported nowhere.",
                {"diagnosticSettings": [arm.display_id(s.get("id")) for s in g.settings]},
            )


CHECKS: tuple[tuple[Rule, Check], ...] = (
    (catalogue.NO_EXPORT, check_no_export),
    (catalogue.MISSING_CATEGORIES, check_missing_categories),
    (catalogue.BROKEN_DESTINATION, check_broken_destination),
    (catalogue.NOT_CENTRAL, check_not_central),
    (catalogue.RETENTION, check_retention),
    (catalogue.LOG_PROFILE, check_log_profile),
    (catalogue.PUBLIC_STORAGE, check_public_storage),
    (catalogue.STORAGE_CMK, check_storage_cmk),
    (catalogue.GROUP_EXPORT, check_group_export),
)
