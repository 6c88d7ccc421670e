"""ALA-ALR rules: is someone told when a sensitive control-plane operation happens?"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING

from auditor.frameworks import framework_by_id
from auditor.frameworks.refs import CIS2, CIS3, CIS6, ISO, NIST, SOC2, ControlRef, refs
from auditor.rules.base import MCSB_LT3, Finding, Rule

if TYPE_CHECKING:
    from auditor.analysis.alerts import CoveringAlert
    from auditor.analysis.context import AuditContext

# The general controls an alert on a sensitive operation speaks to, whatever the operation.
ALERTING: tuple[ControlRef, ...] = (MCSB_LT3, *refs(NIST, "SI-4", "SI-4(12)"), *refs(ISO, "A.8.16"),
                                    *refs(SOC2, "CC7.2"))


@cache
def _cis_by_operation() -> dict[str, tuple[ControlRef, ...]]:
    """CIS's own alert controls (2.0.0 5.2.x, 3.0.0 6.2.x, 6.0.0 6.1.2.x), keyed by the operation each
    names in the catalogue (``parameters.operation``), so a finding claims only its operation's control."""
    out: dict[str, list[ControlRef]] = {}
    for fid in (CIS2, CIS3, CIS6):
        for c in framework_by_id(fid).controls:
            op = c.parameters.get("operation")
            if op:
                out.setdefault(op.lower(), []).append(c.ref)
    return {op: tuple(v) for op, v in out.items()}


def controls_for(operation: str) -> tuple[ControlRef, ...]:
    return (*_cis_by_operation().get(operation.lower(), ()), *ALERTING)


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
                    "ALA-ALR-001",
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
                    "ALA-ALR-002",
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


# Every CIS alert control (one per operation; a finding names only its operation's, see controls_for).
_ALL_ALERT_CONTROLS: tuple[ControlRef, ...] = (
    *refs(CIS2, *(f"5.2.{i}" for i in range(1, 11))), *refs(CIS3, *(f"6.2.{i}" for i in range(1, 11))),
    *refs(CIS6, *(f"6.1.2.{i}" for i in range(1, 11))), *ALERTING,
)

RULES: tuple[Rule, ...] = (
    Rule(
        "ALA-ALR-001", "No alert on a sensitive operation", "medium",
        "Changes to policy assignments, network security groups and SQL firewall rules are how "
        "attackers and mistakes open a tenant up; without an alert they are noticed, if ever, at the "
        "next audit.",
        "Create an activity log alert (or a central log search alert over AzureActivity, or a "
        "Microsoft Sentinel analytics rule where the central workspace has Sentinel) for the "
        "operation, with an action group (or incidents) that reaches the security team "
        "(auditor remediate).",
        _ALL_ALERT_CONTROLS, check_no_alert, "alerts",
    ),
    Rule(
        "ALA-ALR-002", "Alert on a sensitive operation notifies nobody", "medium",
        "An alert whose action groups are disabled, have no receivers, or only receivers that are "
        "disabled (an e-mail or SMS recipient who unsubscribed) fires into the void: the detection "
        "exists on paper only.",
        "Attach an enabled action group with at least one enabled receiver (e-mail, webhook, ITSM) "
        "to the alert, or re-enable the receiver (action group 'subscribe').",
        _ALL_ALERT_CONTROLS, check_no_notification, "alerts",
    ),
)
