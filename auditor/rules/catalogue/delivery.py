"""ALA-DLV, ALA-DET and ALA-EXP-010: does the exported log arrive, and is it analysed?

The catalogue: what each rule is (id, title, severity, axis, rationale, fix, controls, and the
sentence the report prints for its open findings). How each is judged: auditor/analysis/checks/delivery.py.
"""

from __future__ import annotations

from auditor.frameworks.refs import ISO, NIST, PCI, SOC2, ControlRef, refs
from auditor.rules.base import MCSB_LT1, MCSB_LT3, Rule
from auditor.rules.catalogue.exports import LOGGED

# CIS's Defender for Resource Manager controls (2.0.0 2.1.12, 3.0.0 3.1.9.1, 6.0.0 8.1.9.1) ask for the plan
# itself; ALA-DET-001 also accepts Microsoft Sentinel, so those controls are decided by the plan's tier
# (the fact ``defenderForResourceManager``, analysis/compliance.py), not by this rule.
WATCHED: tuple[ControlRef, ...] = (MCSB_LT1, *refs(NIST, "SI-4"), *refs(ISO, "A.8.16"), *refs(PCI, "10.4.1.1"),
                                   *refs(SOC2, "CC7.2"))
# The exported log was seen not to arrive, or to be dropped (collect --verify-delivery): a logging failure.
ARRIVES: tuple[ControlRef, ...] = (MCSB_LT3, *refs(NIST, "AU-5"), *refs(ISO, "A.8.15"), *refs(PCI, "10.7.2"))
# The storage destination refuses what the export writes: like a deleted destination (ALA-EXP-003), the
# log is not captured, though the diagnostic setting exists.
REFUSED: tuple[ControlRef, ...] = (MCSB_LT3, *LOGGED)
# Built-in policy "Configure Azure Defender for Resource Manager to be enabled" (the DET-001 fix).
DEFENDER_ARM_POLICY = "/providers/Microsoft.Authorization/policyDefinitions/b7021b2b-08fd-4dc0-9de7-3c6ece09faf9"

NOT_DELIVERED = Rule(
    "ALA-DLV-001", "Exported activity log does not arrive", "medium",
    "A perfect diagnostic setting can still deliver nothing (a daily cap, a storage firewall, a broken "
    "identity or region quirk); only the data at the destination proves the export works.",
    "Check the subscription's diagnostic setting and destination (auditor collect --verify-delivery "
    "shows whether other subscriptions deliver there); recreate the setting if only this one is silent.",
    ARRIVES,
    axis="delivery",
    risk=("{n} subscription(s) export their activity log, yet no event arrived at any destination in the "
          "delivery window."),
    needs=("delivery",),
)

DESTINATION_DROPPED = Rule(
    "ALA-DLV-002", "Export destination dropped or refused data", "high",
    "Data sent after a workspace's daily cap is reached, or while ingestion is stopped, is lost for "
    "good: the gap in the audit trail cannot be filled afterwards.",
    "Raise or remove the workspace's daily cap (workspaceCapping.dailyQuotaGb = -1), resolve the "
    "ingestion errors _LogOperation shows, and re-enable ingestion.",
    ARRIVES,
    axis="delivery",
    risk=("{n} subscription(s) export to a workspace that dropped or refused data (daily cap reached, "
          "ingestion stopped or failing): those logs are lost."),
    needs=("delivery",),
)

NOT_WATCHED = Rule(
    "ALA-DET-001", "Activity log not analysed for threats", "medium",
    "Exported logs nobody analyses detect nothing: Microsoft Defender for Resource Manager, or a "
    "Microsoft Sentinel analytics rule (Scheduled or NRT) over AzureActivity, turns control-plane "
    "activity into alerts on suspicious operations. Sentinel being on is not enough: Fusion and "
    "incident-creation rules read no AzureActivity row.",
    "Enable Microsoft Defender for Resource Manager (built-in policy 'Configure Azure Defender for "
    "Resource Manager to be enabled', b7021b2b-08fd-4dc0-9de7-3c6ece09faf9), or enable Scheduled or "
    "NRT analytics rules over AzureActivity (for example the Azure Activity solution's) on the "
    "Sentinel workspace the subscription exports to.",
    WATCHED,
    axis="detection",
    risk=("{n} subscription(s) have nobody analysing their activity log for threats (no Defender for "
          "Resource Manager, no Microsoft Sentinel rule over AzureActivity)."),
    needs=("delivery",),
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
    needs=("delivery",),
)

# Judged from configuration on every snapshot (not only with --verify-delivery): the export
# looks healthy and the data never lands (auditor/analysis/checks/refusals.py).
IMMUTABILITY_REFUSES = Rule(
    "ALA-DLV-003", "Immutability policy refuses the export's appends", "high",
    "Diagnostic settings write append blobs and append to them through the hour; a time-based "
    "retention policy (locked or unlocked), a legal hold or account-level immutability without "
    "protected append writes refuses every Append Block, so nothing new is kept.",
    "Enable allowProtectedAppendWrites on the insights-activity-logs container's time-based "
    "retention policy (allowProtectedAppendWritesAll for a legal hold; only an unlocked policy can "
    "be changed: otherwise export to another container or account), or on the account's "
    "immutableStorageWithVersioning policy.",
    REFUSED,
    axis="delivery",
    risk=("{n} subscription(s) export to storage whose immutability policy refuses the appends Azure "
          "Monitor writes: nothing new lands."),
)

FIREWALL_REFUSES = Rule(
    "ALA-DLV-004", "Storage firewall refuses the export", "high",
    "A storage account that denies network access by default accepts Azure Monitor's writes only "
    "through the trusted Microsoft services exception; without it the export is silently dropped.",
    "Add AzureServices to the account's networkAcls.bypass ('Allow Azure services on the trusted "
    "services list to access this storage account'), keeping defaultAction Deny.",
    REFUSED,
    axis="delivery",
    risk=("{n} subscription(s) export to storage whose firewall refuses Azure Monitor (no trusted "
          "services exception)."),
)

RULES: tuple[Rule, ...] = (
    NOT_DELIVERED,
    DESTINATION_DROPPED,
    NOT_WATCHED,
    SECURITY_WITHOUT_DEFENDER,
    IMMUTABILITY_REFUSES,
    FIREWALL_REFUSES,
)
