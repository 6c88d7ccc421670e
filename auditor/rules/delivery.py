"""ALA-DLV, ALA-DET and ALA-EXP-010: do exported logs arrive, and is anyone watching them?

Judged only on snapshots collected with ``--verify-delivery`` (see ``analysis/delivery.py``).
These are evidence beside the verdict: a subscription's export / enforcement verdict does not
change because of them; they are findings like any other for waivers and ``--fail-on``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from auditor.analysis.delivery import SILENT, UNKNOWN
from auditor.azure import arm
from auditor.rules.base import MCSB_LT3, Finding, Rule

if TYPE_CHECKING:
    from auditor.analysis.context import AuditContext

MCSB_LT1 = "MCSB LT-1"  # enable threat detection capabilities
CIS_DEFENDER_ARM = ("CIS Azure 2.0.0 2.1.11", "CIS Azure 3.0.0 3.1.9.1")
DEFENDER_ARM_POLICY = "/providers/Microsoft.Authorization/policyDefinitions/b7021b2b-08fd-4dc0-9de7-3c6ece09faf9"


def _subscription_id(ctx: AuditContext, key: str) -> str:
    return ctx.hierarchy.subscriptions[key].id


def check_not_delivered(ctx: AuditContext) -> Iterator[Finding]:
    analysis = ctx.delivery
    if analysis is None:
        return
    window = ctx.config.delivery_window_days
    for key, sub in sorted(analysis.subscriptions.items()):
        statuses = {d.status for d in sub.destinations}
        # Fires only when every readable destination was checked and stayed silent: one unknown
        # destination might have received the events.
        if SILENT not in statuses or statuses & {"delivered", UNKNOWN}:
            continue
        checked = [d for d in sub.destinations if d.status == SILENT]
        others = sum(d.others_delivering for d in checked)
        hint = ("other subscriptions did deliver to the same destination, so the pipe works: look at this "
                "subscription's setting" if others else
                "no other subscription delivered there either: the destination itself may be broken")
        yield Finding(
            "ALA-DLV-001", _subscription_id(ctx, key),
            f"Export configured, but no activity-log event from the subscription reached any destination in the "
            f"last {window} days ({hint}).",
            {"windowDays": window, "destinations": [d.evidence() for d in sub.destinations],
             "lastEvent": sub.last_event},
        )


def check_destination_dropped(ctx: AuditContext) -> Iterator[Finding]:
    analysis = ctx.delivery
    if analysis is None:
        return
    for key, _sub in sorted(ctx.hierarchy.subscriptions.items()):
        export = ctx.exports[key]
        if export.state == "unknown":
            continue
        for d in export.destinations():
            problem = analysis.problems.get(arm.norm_id(d.id))
            if problem is None:
                continue
            what = []
            if problem.state.stopped:
                what.append(f"ingestion status {problem.state.ingestion_status}")
            if problem.ingestion:
                what.append(f"{sum(int(i.get('events') or 0) for i in problem.ingestion)} ingestion problem(s) "
                            f"in the last {ctx.config.delivery_window_days} days")
            yield Finding(
                "ALA-DLV-002", _subscription_id(ctx, key),
                f"Workspace {arm.last_segment(d.id)} dropped or refused data: {'; '.join(what)}.",
                {"windowDays": ctx.config.delivery_window_days, **problem.evidence()},
            )


def check_not_watched(ctx: AuditContext) -> Iterator[Finding]:
    analysis = ctx.delivery
    if analysis is None:
        return
    for key, det in sorted(analysis.detection.items()):
        if det.watched is not False:
            continue
        assert det.plans is not None
        yield Finding(
            "ALA-DET-001", _subscription_id(ctx, key),
            "Nobody analyses this subscription's activity log for threats: Defender for Resource Manager is "
            f"{det.plans.tiers.get('arm', 'not configured (Free)')} and no exported-to workspace runs "
            "Microsoft Sentinel.",
            {"defenderForResourceManager": det.plans.tiers.get("arm", "Free"),
             "sentinelWorkspaces": list(det.sentinel_workspaces),
             "policyDefinitionId": DEFENDER_ARM_POLICY},
        )


def check_security_without_defender(ctx: AuditContext) -> Iterator[Finding]:
    analysis = ctx.delivery
    if analysis is None:
        return
    for key, yields in sorted(analysis.yields.items()):
        if "Security" not in ctx.exports[key].categories or yields.get("Security") != "no":
            continue
        plans = analysis.detection[key].plans
        yield Finding(
            "ALA-EXP-010", _subscription_id(ctx, key),
            "The Security category is exported, but no Microsoft Defender plan is on: nothing will arrive in it.",
            {"category": "Security", "defenderPlans": dict(sorted((plans.tiers if plans else {}).items()))},
        )


RULES: tuple[Rule, ...] = (
    Rule(
        "ALA-DLV-001", "Exported activity log does not arrive", "medium",
        "A perfect diagnostic setting can still deliver nothing (a daily cap, a storage firewall, a broken "
        "identity or region quirk); only the data at the destination proves the export works.",
        "Check the subscription's diagnostic setting and destination (auditor collect --verify-delivery "
        "shows whether other subscriptions deliver there); recreate the setting if only this one is silent.",
        (MCSB_LT3,), check_not_delivered, "delivery",
    ),
    Rule(
        "ALA-DLV-002", "Export destination dropped or refused data", "high",
        "Data sent after a workspace's daily cap is reached, or while ingestion is stopped, is lost for "
        "good: the gap in the audit trail cannot be filled afterwards.",
        "Raise or remove the workspace's daily cap (workspaceCapping.dailyQuotaGb = -1), resolve the "
        "ingestion errors _LogOperation shows, and re-enable ingestion.",
        (MCSB_LT3,), check_destination_dropped, "delivery",
    ),
    Rule(
        "ALA-DET-001", "Activity log not analysed for threats", "medium",
        "Exported logs nobody analyses detect nothing: Microsoft Defender for Resource Manager or "
        "Microsoft Sentinel turns control-plane activity into alerts on suspicious operations.",
        "Enable Microsoft Defender for Resource Manager (built-in policy 'Configure Azure Defender for "
        "Resource Manager to be enabled', b7021b2b-08fd-4dc0-9de7-3c6ece09faf9), or onboard Microsoft "
        "Sentinel on the workspace the subscription exports to.",
        (*CIS_DEFENDER_ARM, MCSB_LT1), check_not_watched, "detection",
    ),
    Rule(
        "ALA-EXP-010", "Security category exported but nothing can fill it", "low",
        "The Security category carries Microsoft Defender alerts only; without a Defender plan it stays "
        "empty, and an export that lists it gives a false sense of coverage.",
        "Enable the Microsoft Defender plans the subscription's workloads need (at least Defender for "
        "Resource Manager).",
        (MCSB_LT3,), check_security_without_defender, "export",
    ),
)
