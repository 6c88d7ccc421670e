"""ALA-DLV, ALA-DET and ALA-EXP-010: does the exported log arrive, and is it analysed?

The catalogue: what each rule is (id, title, severity, axis, rationale, fix, controls, and the
sentence the report prints for its open findings). How each is judged: auditor/analysis/checks/delivery.py.
"""

from __future__ import annotations

from auditor.rules.base import MCSB_LT3, Rule

MCSB_LT1 = "MCSB LT-1"  # enable threat detection capabilities
CIS_DEFENDER_ARM = ("CIS Azure 2.0.0 2.1.11", "CIS Azure 3.0.0 3.1.9.1")
# Built-in policy "Configure Azure Defender for Resource Manager to be enabled" (the DET-001 fix).
DEFENDER_ARM_POLICY = "/providers/Microsoft.Authorization/policyDefinitions/b7021b2b-08fd-4dc0-9de7-3c6ece09faf9"

NOT_DELIVERED = Rule(
    "ALA-DLV-001", "Exported activity log does not arrive", "medium",
    "A perfect diagnostic setting can still deliver nothing (a daily cap, a storage firewall, a broken "
    "identity or region quirk); only the data at the destination proves the export works.",
    "Check the subscription's diagnostic setting and destination (auditor collect --verify-delivery "
    "shows whether other subscriptions deliver there); recreate the setting if only this one is silent.",
    (MCSB_LT3,),
    axis="delivery",
    risk=("{n} subscription(s) export their activity log, yet no event arrived at any destination in the "
          "delivery window."),
)

DESTINATION_DROPPED = Rule(
    "ALA-DLV-002", "Export destination dropped or refused data", "high",
    "Data sent after a workspace's daily cap is reached, or while ingestion is stopped, is lost for "
    "good: the gap in the audit trail cannot be filled afterwards.",
    "Raise or remove the workspace's daily cap (workspaceCapping.dailyQuotaGb = -1), resolve the "
    "ingestion errors _LogOperation shows, and re-enable ingestion.",
    (MCSB_LT3,),
    axis="delivery",
    risk=("{n} subscription(s) export to a workspace that dropped or refused data (daily cap reached, "
          "ingestion stopped or failing): those logs are lost."),
)

NOT_WATCHED = Rule(
    "ALA-DET-001", "Activity log not analysed for threats", "medium",
    "Exported logs nobody analyses detect nothing: Microsoft Defender for Resource Manager or "
    "Microsoft Sentinel turns control-plane activity into alerts on suspicious operations.",
    "Enable Microsoft Defender for Resource Manager (built-in policy 'Configure Azure Defender for "
    "Resource Manager to be enabled', b7021b2b-08fd-4dc0-9de7-3c6ece09faf9), or onboard Microsoft "
    "Sentinel on the workspace the subscription exports to.",
    (*CIS_DEFENDER_ARM, MCSB_LT1),
    axis="detection",
    risk=("{n} subscription(s) have nobody analysing their activity log for threats (no Defender for "
          "Resource Manager, no Microsoft Sentinel)."),
)

SECURITY_WITHOUT_DEFENDER = Rule(
    "ALA-EXP-010", "Security category exported but nothing can fill it", "low",
    "The Security category carries Microsoft Defender alerts only; without a Defender plan it stays "
    "empty, and an export that lists it gives a false sense of coverage.",
    "Enable the Microsoft Defender plans the subscription's workloads need (at least Defender for "
    "Resource Manager).",
    (MCSB_LT3,),
    axis="export",
    risk=("{n} subscription(s) export the Security category, but no Microsoft Defender plan can fill it."),
)

RULES: tuple[Rule, ...] = (
    NOT_DELIVERED,
    DESTINATION_DROPPED,
    NOT_WATCHED,
    SECURITY_WITHOUT_DEFENDER,
)
