"""ALA-ALR rules: is a sensitive operation alerted on, and does the alert reach someone?

The catalogue: what each rule is (id, title, severity, axis, rationale, fix, controls, and the
sentence the report prints for its open findings). How each is judged: auditor/analysis/checks/alerts.py.
"""

from __future__ import annotations

from functools import cache

from auditor.frameworks import framework_by_id
from auditor.frameworks.refs import CIS2, CIS3, CIS6, ISO, NIST, SOC2, ControlRef, refs
from auditor.rules.base import MCSB_LT3, Rule

# The general controls an alert on a sensitive operation speaks to, whatever the operation.
ALERTING: tuple[ControlRef, ...] = (MCSB_LT3, *refs(NIST, "SI-4", "SI-4(12)"), *refs(ISO, "A.8.16"),
                                    *refs(SOC2, "CC7.2"))
# Every CIS alert control (one per operation; a finding names only its operation's, see controls_for).
ALL_ALERT_CONTROLS: tuple[ControlRef, ...] = (
    *refs(CIS2, *(f"5.2.{i}" for i in range(1, 11))), *refs(CIS3, *(f"6.2.{i}" for i in range(1, 11))),
    *refs(CIS6, *(f"6.1.2.{i}" for i in range(1, 11))), *ALERTING,
)


@cache
def _cis_by_operation() -> dict[str, tuple[ControlRef, ...]]:
    """CIS's own alert controls (2.0.0 5.2.x, 3.0.0 6.2.x, 6.0.0 6.1.2.x), keyed by the operation each
    names in the framework catalogue (``parameters.operation``), so a finding claims only its operation's."""
    out: dict[str, list[ControlRef]] = {}
    for fid in (CIS2, CIS3, CIS6):
        for c in framework_by_id(fid).controls:
            op = c.parameters.get("operation")
            if op:
                out.setdefault(op.lower(), []).append(c.ref)
    return {op: tuple(v) for op, v in out.items()}


def controls_for(operation: str) -> tuple[ControlRef, ...]:
    """The controls one ALA-ALR finding on ``operation`` speaks to."""
    return (*_cis_by_operation().get(operation.lower(), ()), *ALERTING)


NO_ALERT = Rule(
    "ALA-ALR-001", "No alert on a sensitive operation", "medium",
    "Changes to policy assignments, network security groups and SQL firewall rules are how "
    "attackers and mistakes open a tenant up; without an alert they are noticed, if ever, at the "
    "next audit.",
    "Create an activity log alert (or a central log search alert over AzureActivity, or a "
    "Microsoft Sentinel analytics rule where the central workspace has Sentinel) for the "
    "operation, with an action group (or incidents) that reaches the security team "
    "(auditor remediate).",
    ALL_ALERT_CONTROLS,
    axis="alerts",
    risk=("{n} sensitive operation(s) across {s} subscription(s) raise no alert: a deleted policy "
          "assignment or an opened firewall would go unnoticed."),
)

NO_NOTIFICATION = Rule(
    "ALA-ALR-002", "Alert on a sensitive operation notifies nobody", "medium",
    "An alert whose action groups are disabled, have no receivers, or only receivers that are "
    "disabled (an e-mail or SMS recipient who unsubscribed) fires into the void: the detection "
    "exists on paper only.",
    "Attach an enabled action group with at least one enabled receiver (e-mail, webhook, ITSM) "
    "to the alert, or re-enable the receiver (action group 'subscribe').",
    ALL_ALERT_CONTROLS,
    axis="alerts",
    risk=("{n} alert(s) on sensitive operations across {s} subscription(s) notify nobody."),
)

RULES: tuple[Rule, ...] = (
    NO_ALERT,
    NO_NOTIFICATION,
)
