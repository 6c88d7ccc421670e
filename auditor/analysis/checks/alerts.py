"""ALA-ALR rules: is someone told when a sensitive control-plane operation happens?"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from auditor.analysis.checks import Check
from auditor.rules.base import Finding, Rule
from auditor.rules.catalogue import alerts as catalogue

if TYPE_CHECKING:
    from auditor.analysis.alert_facts import CoveringAlert
    from auditor.analysis.context import AuditContext

def _judged(ctx: AuditContext) -> Iterator[tuple[str, str]]:
    for key, sub in sorted(ctx.hierarchy.subscriptions.items()):
        if not ctx.alerts[key].unreadable:
            yield key, sub.id


def check_no_alert(ctx: AuditContext) -> Iterator[Finding]:
    for key, scope in _judged(ctx):
        cov = ctx.alerts[key]
        for op, covering in cov.by_operation.items():
            if not covering and op not in cov.undecided:
                yield Finding(
                    scope,
                    f"No alert fires on {op}.",
                    {"operation": op},
                    catalogue.controls_for(op),
                )


def check_no_notification(ctx: AuditContext) -> Iterator[Finding]:
    for key, scope in _judged(ctx):
        cov = ctx.alerts[key]
        for op, covering in cov.by_operation.items():
            if covering and op not in cov.undecided and not any(a.notifies for a in covering):
                yield Finding(
                    scope,
                    f"Alerts on {op} notify nobody ({_why_silent(covering)}).",
                    {
                        "operation": op,
                        "alerts": [a.id for a in covering],
                        "actionGroups": sorted({g for a in covering for g in a.action_groups}, key=str.lower),
                    },
                    catalogue.controls_for(op),
                )


def _why_silent(covering: list[CoveringAlert]) -> str:
    groups = "action groups disabled, without receivers, or whose receivers are all disabled"
    sentinel = "Sentinel rules that create no incident"
    kinds = {a.kind == "sentinel" for a in covering}
    return {frozenset({True}): sentinel, frozenset({False}): groups}.get(frozenset(kinds), f"{groups}; {sentinel}")


CHECKS: tuple[tuple[Rule, Check], ...] = (
    (catalogue.NO_ALERT, check_no_alert),
    (catalogue.NO_NOTIFICATION, check_no_notification),
)
