"""ALA-EXP rules: does each subscription export its activity log, completely, durably, safely?"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from auditor.analysis.exports import Destination, ExportResult, eventhub_namespace
from auditor.analysis.retention import destination_retention
from auditor.azure import arm
from auditor.rules.base import MCSB_LT3, MCSB_LT6, Finding, Rule

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
            "ALA-EXP-001",
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
            "ALA-EXP-002",
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
                        "ALA-EXP-003",
                        scope,
                        f"Diagnostic setting '{e.setting_name}' sends to {d.kind} {d.id}, which no longer exists.",
                        _dest_evidence(e.setting_id, d),
                    )


def _matches_central(d: Destination, central: set[str]) -> bool:
    ids = {arm.norm_id(d.id)}
    if d.kind == "event_hub":
        ids.add(arm.norm_id(eventhub_namespace(d.id)))
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
            "ALA-EXP-004",
            scope,
            "No export reaches an approved central destination; the security team does not see this "
            "subscription's activity.",
            {
                "destinations": sorted({d.id for d in used}, key=str.lower),
                "centralDestinations": list(ctx.config.central_destinations),
            },
        )


def check_retention(ctx: AuditContext) -> Iterator[Finding]:
    minimum = ctx.config.min_retention_days
    for scope, r in _judged(ctx):
        if r.state == "none":
            continue
        used = [d for e in r.healthy_exports for d in e.usable_destinations]
        if any(d.healthy is None for d in used):
            continue  # an unverified destination may well retain long enough
        sub = arm.subscription_id_of(scope) or ""
        judged: list[dict[str, Any]] = []
        durable = unknown = False
        for d in sorted({(d.kind, arm.norm_id(d.id)): d for d in used}.values(), key=lambda d: arm.norm_id(d.id)):
            if d.kind not in ("storage", "log_analytics"):
                continue
            kept = destination_retention(ctx, d, sub)
            if kept is None:
                unknown = True  # its retention settings could not be read: ALA-AUD-001 says so
                continue
            judged.append({"destination": d.id, "kind": d.kind, "days": _days_value(kept.days),
                           "setting": kept.setting})
            durable = durable or kept.at_least(minimum)
        if durable or unknown:
            continue
        yield Finding(
            "ALA-EXP-005",
            scope,
            f"No export goes to a destination keeping the activity log {minimum} days or more.",
            {"minRetentionDays": minimum, "retention": judged,
             "destinations": sorted({d.id for d in used}, key=str.lower)},
        )


def _days_value(days: float | None) -> int | float | None:
    return int(days) if days is not None and float(days).is_integer() else days


def check_log_profile(ctx: AuditContext) -> Iterator[Finding]:
    for key, sub in sorted(ctx.hierarchy.subscriptions.items()):
        profiles = ctx.exports[key].log_profiles
        if not profiles:
            continue
        yield Finding(
            "ALA-EXP-006",
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
            if arm.as_bool(arm.ci_get(arm.props(d.resource), "allowBlobPublicAccess"), False) is True
        ]
        if bad:
            yield Finding(
                "ALA-EXP-007",
                scope,
                "A storage account holding the activity log allows public blob access.",
                {"destinations": bad},
            )


def check_storage_cmk(ctx: AuditContext) -> Iterator[Finding]:
    for scope, r in _judged(ctx):
        bad = []
        for s, d in _storage_destinations(r):
            encryption = arm.ci_get(arm.props(d.resource), "encryption") or {}
            key_source = str(arm.ci_get(encryption, "keySource") or "Microsoft.Storage")
            if key_source.lower() != "microsoft.keyvault":
                bad.append({**_dest_evidence(s, d), "keySource": key_source})
        if bad:
            yield Finding(
                "ALA-EXP-008",
                scope,
                "A storage account holding the activity log is not encrypted with a customer-managed key.",
                {"destinations": bad},
            )


def check_group_export(ctx: AuditContext) -> Iterator[Finding]:
    for group in ctx.hierarchy.ordered_groups():
        g = ctx.group_exports[arm.norm_id(group.id)]
        if g.exported is False:
            yield Finding(
                "ALA-EXP-009",
                group.id,
                f"Management group '{group.display_name}' has no working diagnostic setting: policy and role "
                "assignments made there are exported nowhere.",
                {"diagnosticSettings": [arm.display_id(s.get("id")) for s in g.settings]},
            )


CIS_EXISTS = ("CIS Azure 2.0.0 5.1.1", "CIS Azure 3.0.0 6.1.1")

RULES: tuple[Rule, ...] = (
    Rule(
        "ALA-EXP-001", "Subscription activity log is not exported", "high",
        "Azure keeps the activity log for 90 days only. Without an export, who changed what in the "
        "control plane is lost for incident forensics, invisible to central detection, and unprovable "
        "to an auditor.",
        "Create a subscription diagnostic setting sending all categories to the central Log Analytics "
        "workspace (or storage), and enforce it with a DeployIfNotExists policy (auditor remediate).",
        (*CIS_EXISTS, MCSB_LT3), check_no_export, "export",
    ),
    Rule(
        "ALA-EXP-002", "Exported activity log misses required categories", "medium",
        "Missing categories hide whole classes of events: without Security or Policy, Defender alerts "
        "and policy denials never reach detection or forensics.",
        "Enable every required category (or categoryGroup allLogs) on the subscription's diagnostic setting.",
        ("CIS Azure 2.0.0 5.1.2", "CIS Azure 3.0.0 6.1.2", MCSB_LT3), check_missing_categories, "export",
    ),
    Rule(
        "ALA-EXP-003", "Export destination no longer exists", "high",
        "A diagnostic setting whose workspace, storage account or Event Hub was deleted exports "
        "nothing while looking configured: the gap is silent until an investigation needs the logs.",
        "Point the diagnostic setting at an existing destination, or recreate the destination.",
        (*CIS_EXISTS, MCSB_LT3), check_broken_destination, "export",
    ),
    Rule(
        "ALA-EXP-004", "Export does not reach a central destination", "medium",
        "Logs kept only in a team's own workspace are outside the security team's detection and can be "
        "altered or deleted by the same people whose actions they record.",
        "Add the central workspace (config central_destinations) as a destination, or assign the central "
        "export policy.",
        (MCSB_LT3,), check_not_central, "export",
    ),
    Rule(
        "ALA-EXP-005", "Exported activity log is not retained long enough", "medium",
        "Intrusions are typically discovered months after they start; logs kept for less than "
        "the retention period (365 days by default) are gone when the investigation begins.",
        "Keep the activity log at least min_retention_days where it lands: a storage account whose "
        "lifecycle rules do not delete insights-activity-logs/ sooner (or a time-based immutability "
        "policy on that container), or a workspace whose AzureActivity table (or default) retention "
        "is long enough. The diagnostic setting's own retentionPolicy no longer applies (since 30 Sep 2025).",
        (MCSB_LT6,), check_retention, "export",
    ),
    Rule(
        "ALA-EXP-006", "Legacy log profile present", "medium",
        "Log profiles were retired on 30 Sep 2026 and export nothing; a subscription relying on one "
        "believes it exports while it does not.",
        "Replace the log profile with a subscription diagnostic setting, then delete the log profile "
        "(az monitor log-profiles delete --name <name>).",
        (MCSB_LT3,), check_log_profile, "export",
    ),
    Rule(
        "ALA-EXP-007", "Activity log storage allows public blob access", "medium",
        "Public containers can expose the tenant's administrative history to anyone who guesses the "
        "URL, including attackers planning lateral movement.",
        "Set allowBlobPublicAccess to false on the storage account.",
        ("CIS Azure 2.0.0 5.1.3", MCSB_LT3), check_public_storage, "export",
    ),
    Rule(
        "ALA-EXP-008", "Activity log storage not encrypted with a customer-managed key", "low",
        "A customer-managed key keeps control of the audit trail's confidentiality with the tenant "
        "and allows crypto-shredding on demand.",
        "Configure customer-managed key encryption (Microsoft.Keyvault key source) on the storage account.",
        ("CIS Azure 2.0.0 5.1.4", "CIS Azure 3.0.0 6.1.3", MCSB_LT3), check_storage_cmk, "export",
    ),
    Rule(
        "ALA-EXP-009", "Management group activity is not exported", "low",
        "Policy and role assignments made at a management group are recorded in that group's activity "
        "log, not in any subscription's: without a group diagnostic setting they are exported nowhere.",
        "Create a management-group diagnostic setting sending Administrative and Policy to the central "
        "workspace (auditor remediate writes the template).",
        (MCSB_LT3,), check_group_export, "export",
    ),
)
