"""ALA-EXP rules: does each subscription export its activity log, completely, durably, safely?

The catalogue: what each rule is (id, title, severity, axis, rationale, fix, controls, and the
sentence the report prints for its open findings). How each is judged: auditor/analysis/checks/exports.py.
"""

from __future__ import annotations

from auditor.frameworks.refs import CIS2, CIS3, CIS6, ISO, NIST, PCI, SOC2, ControlRef, refs
from auditor.rules.base import MCSB_LT3, MCSB_LT5, MCSB_LT6, Rule

# The controls each rule decides (tests/test_frameworks.py: every reference exists in the framework
# catalogue). A subscription that exports nothing also fails the central-store and retention controls.
CIS_EXISTS: tuple[ControlRef, ...] = (*refs(CIS2, "5.1.1"), *refs(CIS3, "6.1.1"), *refs(CIS6, "6.1.1.1"))
LOGGED: tuple[ControlRef, ...] = (*refs(NIST, "AU-2", "AU-12"), *refs(ISO, "A.8.15"), *refs(PCI, "10.2.1"),
                                  *refs(SOC2, "CC7.2"))
CATEGORIES: tuple[ControlRef, ...] = (*refs(CIS2, "5.1.2"), *refs(CIS3, "6.1.2"), *refs(CIS6, "6.1.1.2"),
                                      *refs(NIST, "AU-2", "AU-12"), *refs(ISO, "A.8.15"),
                                      *refs(PCI, "10.2.1", "10.2.1.2", "10.2.1.7"))
CENTRAL: tuple[ControlRef, ...] = (MCSB_LT5, *refs(NIST, "AU-9(2)"), *refs(ISO, "A.8.15"), *refs(PCI, "10.3.3"))
RETAINED: tuple[ControlRef, ...] = (MCSB_LT6, *refs(NIST, "AU-11"), *refs(ISO, "A.8.15"), *refs(PCI, "10.5.1"))
PROTECTED: tuple[ControlRef, ...] = (*refs(CIS2, "5.1.3"), MCSB_LT3, *refs(NIST, "AU-9"), *refs(ISO, "A.8.15"),
                                     *refs(PCI, "10.3.2"))
CMK: tuple[ControlRef, ...] = (*refs(CIS2, "5.1.4"), *refs(CIS3, "6.1.3"), *refs(CIS6, "6.1.1.3"), MCSB_LT3)

NO_EXPORT = Rule(
    "ALA-EXP-001", "Subscription activity log is not exported", "high",
    "Azure keeps the activity log for 90 days only. Without an export, who changed what in the "
    "control plane is lost for incident forensics, invisible to central detection, and unprovable "
    "to an auditor.",
    "Create a subscription diagnostic setting sending all categories to the central Log Analytics "
    "workspace (or storage), and enforce it with a DeployIfNotExists policy (auditor remediate).",
    tuple(dict.fromkeys((*CIS_EXISTS, MCSB_LT3, *LOGGED, *CENTRAL, *RETAINED))),  # ISO A.8.15 once
    axis="export",
    risk=("{n} subscription(s) export no activity log at all: changes made there leave no durable record "
          "for an investigation beyond Azure's 90 days."),
)

MISSING_CATEGORIES = Rule(
    "ALA-EXP-002", "Exported activity log misses required categories", "medium",
    "Missing categories hide whole classes of events: without Security or Policy, Defender alerts "
    "and policy denials never reach detection or forensics.",
    "Enable every required category (or categoryGroup allLogs) on the subscription's diagnostic setting.",
    (*CATEGORIES, MCSB_LT3),
    axis="export",
    risk=("{n} subscription(s) export only some activity-log categories, leaving blind spots (for example "
          "security alerts or policy events)."),
)

BROKEN_DESTINATION = Rule(
    "ALA-EXP-003", "Export destination no longer exists", "high",
    "A diagnostic setting whose workspace, storage account or Event Hub was deleted exports "
    "nothing while looking configured: the gap is silent until an investigation needs the logs.",
    "Point the diagnostic setting at an existing destination, or recreate the destination.",
    (*CIS_EXISTS, MCSB_LT3, *LOGGED),
    axis="export",
    risk=("{n} export(s) point at a destination that no longer exists: those logs are being lost."),
)

NOT_CENTRAL = Rule(
    "ALA-EXP-004", "Export does not reach a central destination", "medium",
    "Logs kept only in a team's own workspace are outside the security team's detection and can be "
    "altered or deleted by the same people whose actions they record.",
    "Add the central workspace (config central_destinations) as a destination, or assign the central "
    "export policy.",
    CENTRAL,
    axis="export",
    risk=("{n} subscription(s) export, but not to an approved central destination the security team "
          "watches."),
)

RETENTION = Rule(
    "ALA-EXP-005", "Exported activity log is not retained long enough", "medium",
    "Intrusions are typically discovered months after they start; logs kept for less than "
    "the retention period (365 days by default) are gone when the investigation begins.",
    "Keep the activity log at least min_retention_days where it lands: a storage account whose "
    "lifecycle rules do not delete insights-activity-logs/ sooner (or a time-based immutability "
    "policy on that container), or a workspace whose AzureActivity table (or default) retention "
    "is long enough. The diagnostic setting's own retentionPolicy no longer applies (since 30 Sep 2025). "
    "Where min_interactive_retention_days is set (PCI DSS 10.5.1: 90), raise the AzureActivity table's "
    "interactive retentionInDays to it, or also export to storage, which is read at once.",
    RETAINED,
    axis="export",
    risk=("{n} subscription(s) keep activity logs for less than {min_retention_days} days, or too little of "
          "them immediately available: evidence expires before most breaches are discovered."),
)

LOG_PROFILE = Rule(
    "ALA-EXP-006", "Legacy log profile present", "medium",
    "Log profiles were retired on 30 Sep 2026 and export nothing; a subscription relying on one "
    "believes it exports while it does not.",
    "Replace the log profile with a subscription diagnostic setting, then delete the log profile "
    "(az monitor log-profiles delete --name <name>).",
    (MCSB_LT3,),
    axis="export",
    risk=("{n} legacy log profile(s) remain; Azure retired log profiles on 30 Sep 2026 and they export "
          "nothing."),
)

PUBLIC_STORAGE = Rule(
    "ALA-EXP-007", "Activity log storage allows public blob access", "medium",
    "Public containers can expose the tenant's administrative history to anyone who guesses the "
    "URL, including attackers planning lateral movement.",
    "Set allowBlobPublicAccess to false on the storage account.",
    PROTECTED,
    axis="export",
    risk=("{n} log storage account(s) allow public blob access: exported logs could be read by anyone."),
)

STORAGE_CMK = Rule(
    "ALA-EXP-008", "Activity log storage not encrypted with a customer-managed key", "low",
    "A customer-managed key keeps control of the audit trail's confidentiality with the tenant "
    "and allows crypto-shredding on demand.",
    "Configure customer-managed key encryption (Microsoft.Keyvault key source) on the storage account.",
    CMK,
    axis="export",
    risk=("{n} log storage account(s) are not encrypted with a customer-managed key."),
)

GROUP_EXPORT = Rule(
    "ALA-EXP-009", "Management group activity is not exported", "low",
    "Policy and role assignments made at a management group are recorded in that group's activity "
    "log, not in any subscription's: without a group diagnostic setting they are exported nowhere.",
    "Create a management-group diagnostic setting sending Administrative and Policy to the central "
    "workspace (auditor remediate writes the template).",
    (MCSB_LT3, *refs(NIST, "AU-12")),
    axis="export",
    risk=("{n} management group(s) export nothing: policy and role assignments made there are recorded "
          "nowhere durable."),
)

RULES: tuple[Rule, ...] = (
    NO_EXPORT,
    MISSING_CATEGORIES,
    BROKEN_DESTINATION,
    NOT_CENTRAL,
    RETENTION,
    LOG_PROFILE,
    PUBLIC_STORAGE,
    STORAGE_CMK,
    GROUP_EXPORT,
)
