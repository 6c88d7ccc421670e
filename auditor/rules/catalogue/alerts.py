"""ALA-ALR rules: is a sensitive operation alerted on, and does the alert reach someone?

The catalogue: what each rule is (id, title, severity, axis, rationale, fix, controls, and the
sentence the report prints for its open findings). How each is judged: auditor/analysis/checks/alerts.py.
"""

from __future__ import annotations

from auditor.rules.base import MCSB_LT3, Rule

NO_ALERT = Rule(
    "ALA-ALR-001", "No alert on a sensitive operation", "medium",
    "Changes to policy assignments, network security groups and SQL firewall rules are how "
    "attackers and mistakes open a tenant up; without an alert they are noticed, if ever, at the "
    "next audit.",
    "Create an activity log alert (or a central log search alert over AzureActivity, or a "
    "Microsoft Sentinel analytics rule where the central workspace has Sentinel) for the "
    "operation, with an action group (or incidents) that reaches the security team "
    "(auditor remediate).",
    ("CIS Azure 2.0.0 5.2.1-5.2.10", "CIS Azure 3.0.0 6.2.x", MCSB_LT3),
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
    ("CIS Azure 2.0.0 5.2.1-5.2.10", "CIS Azure 3.0.0 6.2.x", MCSB_LT3),
    axis="alerts",
    risk=("{n} alert(s) on sensitive operations across {s} subscription(s) notify nobody."),
)

RULES: tuple[Rule, ...] = (
    NO_ALERT,
    NO_NOTIFICATION,
)
