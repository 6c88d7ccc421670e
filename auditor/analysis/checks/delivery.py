"""ALA-DLV, ALA-DET and ALA-EXP-010: do exported logs arrive, and is anyone watching them?

Judged only on snapshots collected with ``--verify-delivery`` (see ``analysis/delivery.py``).
These are evidence beside the verdict: a subscription's export / enforcement verdict does not
change because of them; they are findings like any other for waivers and ``--fail-on``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from auditor.analysis.checks import Check
from auditor.analysis.delivery import SILENT, UNKNOWN
from auditor.azure import arm
from auditor.rules.base import Finding, Rule
from auditor.rules.catalogue import delivery as catalogue

if TYPE_CHECKING:
    from auditor.analysis.context import AuditContext



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
            _subscription_id(ctx, key),
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
                _subscription_id(ctx, key),
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
        idle = [d for d in det.sentinel if d.status == "idle"]
        sentinel_said = ("Microsoft Sentinel is on for " + ", ".join(arm.last_segment(d.workspace) for d in idle)
                         + " but no enabled Scheduled or NRT rule there queries AzureActivity") if idle else \
            "no exported-to workspace runs Microsoft Sentinel"
        yield Finding(
            _subscription_id(ctx, key),
            "Nobody analyses this subscription's activity log for threats: Defender for Resource Manager is "
            f"{det.plans.tiers.get('arm', 'not configured (Free)')} and {sentinel_said}.",
            {"defenderForResourceManager": det.plans.tiers.get("arm", "Free"),
             "sentinelWorkspaces": list(det.sentinel_workspaces),
             "sentinel": [d.evidence() for d in det.sentinel],
             "policyDefinitionId": catalogue.DEFENDER_ARM_POLICY},
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
            _subscription_id(ctx, key),
            "The Security category is exported, but no Microsoft Defender plan is on: nothing will arrive in it.",
            {"category": "Security", "defenderPlans": dict(sorted((plans.tiers if plans else {}).items()))},
        )


CHECKS: tuple[tuple[Rule, Check], ...] = (
    (catalogue.NOT_DELIVERED, check_not_delivered),
    (catalogue.DESTINATION_DROPPED, check_destination_dropped),
    (catalogue.NOT_WATCHED, check_not_watched),
    (catalogue.SECURITY_WITHOUT_DEFENDER, check_security_without_defender),
)
