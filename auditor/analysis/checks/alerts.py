"""ALA-ALR rules: is someone told when a sensitive control-plane operation happens?"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from auditor.analysis.checks import Check
from auditor.rules.base import MCSB_LT3, Finding, Rule
from auditor.rules.catalogue import alerts as catalogue

if TYPE_CHECKING:
    from auditor.analysis.alerts import CoveringAlert
    from auditor.analysis.context import AuditContext

# CIS Microsoft Azure Foundations: 2.0.0 section 5.2 and 3.0.0 section 6.2, per operation.
_CIS_BY_OPERATION: dict[str, tuple[str, str]] = {
    "microsoft.authorization/policyassignments/write": ("5.2.1", "6.2.1"),
    "microsoft.authorization/policyassignments/delete": ("5.2.2", "6.2.2"),
    "microsoft.network/networksecuritygroups/write": ("5.2.3", "6.2.3"),
    "microsoft.network/networksecuritygroups/delete": ("5.2.4", "6.2.4"),
    "microsoft.security/securitysolutions/write": ("5.2.5", "6.2.5"),
    "microsoft.security/securitysolutions/delete": ("5.2.6", "6.2.6"),
    "microsoft.sql/servers/firewallrules/write": ("5.2.7", "6.2.7"),
    "microsoft.sql/servers/firewallrules/delete": ("5.2.8", "6.2.8"),
    "microsoft.network/publicipaddresses/write": ("5.2.9", "6.2.9"),
    "microsoft.network/publicipaddresses/delete": ("5.2.10", "6.2.10"),
}


def controls_for(operation: str) -> tuple[str, ...]:
    cis = _CIS_BY_OPERATION.get(operation.lower())
    if cis is None:
        return (MCSB_LT3,)
    return (f"CIS Azure 2.0.0 {cis[0]}", f"CIS Azure 3.0.0 {cis[1]}", MCSB_LT3)


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
                    controls_for(op),
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
                    controls_for(op),
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
