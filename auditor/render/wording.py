"""Plain-language wording for the reports: verdict labels, risk sentences, evidence lines.

Rule metadata (title, rationale, remediation, controls) comes from the rule catalogue; this
module only adds what a reader of an executive summary needs: one sentence per fired rule
saying what the gap means, counted, without jargon.
"""

from __future__ import annotations

from typing import Any

from auditor.render.names import Names

VERDICT_LABEL = {
    "covered": "Covered",
    "unenforced": "Exported, not enforced",
    "unremediated": "Enforced, not yet remediated",
    "partial": "Partially exported",
    "uncovered": "Not exported",
    "unknown": "Unknown (unreadable)",
}

_RISK = {
    "ALA-EXP-001": "{n} subscription(s) export no activity log at all: changes made there leave no durable "
                   "record for an investigation beyond Azure's 90 days.",
    "ALA-EXP-002": "{n} subscription(s) export only some activity-log categories, leaving blind spots "
                   "(for example security alerts or policy events).",
    "ALA-EXP-003": "{n} export(s) point at a destination that no longer exists: those logs are being lost.",
    "ALA-EXP-004": "{n} subscription(s) export, but not to an approved central destination the security "
                   "team watches.",
    "ALA-EXP-005": "{n} subscription(s) keep activity logs for less than {min_retention_days} days: evidence "
                   "expires before most breaches are discovered.",
    "ALA-EXP-006": "{n} legacy log profile(s) remain; Azure retired log profiles on 30 Sep 2026 and they "
                   "export nothing.",
    "ALA-EXP-007": "{n} log storage account(s) allow public blob access: exported logs could be read by anyone.",
    "ALA-EXP-008": "{n} log storage account(s) are not encrypted with a customer-managed key.",
    "ALA-EXP-009": "{n} management group(s) export nothing: policy and role assignments made there are "
                   "recorded nowhere durable.",
    "ALA-POL-001": "{n} subscription(s) have no export policy: a new or altered subscription drifts silently.",
    "ALA-POL-002": "{n} subscription(s) are excluded or exempted from the export policy.",
    "ALA-POL-003": "{n} subscription(s) fall under an export policy that does not enforce (audit only or "
                   "DoNotEnforce).",
    "ALA-POL-004": "{n} subscription(s) fall under an export policy that cannot deploy: its identity is "
                   "missing or lacks a required role.",
    "ALA-POL-005": "{n} subscription(s) are non-compliant with an enforcing export policy and need a "
                   "remediation task.",
    "ALA-POL-006": "{n} subscription(s) are enforced with fewer categories than required or to a "
                   "non-central destination.",
    "ALA-ALR-001": "{n} sensitive operation(s) across {s} subscription(s) raise no alert: a deleted policy "
                   "assignment or an opened firewall would go unnoticed.",
    "ALA-ALR-002": "{n} alert(s) on sensitive operations across {s} subscription(s) notify nobody.",
    "ALA-AUD-001": "{n} scope(s) or call(s) could not be read: their coverage is unknown, not assumed fine.",
    "ALA-EXP-010": "{n} subscription(s) export the Security category, but no Microsoft Defender plan can fill it.",
    "ALA-DLV-001": "{n} subscription(s) export their activity log, yet no event arrived at any destination in "
                   "the delivery window.",
    "ALA-DLV-002": "{n} subscription(s) export to a workspace that dropped or refused data (daily cap reached, "
                   "ingestion stopped or failing): those logs are lost.",
    "ALA-DET-001": "{n} subscription(s) have nobody analysing their activity log for threats (no Defender for "
                   "Resource Manager, no Microsoft Sentinel rule over AzureActivity).",
    "ALA-DLV-003": "{n} subscription(s) export to storage whose immutability policy refuses the appends Azure "
                   "Monitor writes: nothing new lands.",
    "ALA-DLV-004": "{n} subscription(s) export to storage whose firewall refuses Azure Monitor (no trusted "
                   "services exception).",
}

_VALUE = {
    "ALA-EXP": ["Forensics", "Compliance"],
    "ALA-POL": ["Compliance", "Drift prevention"],
    "ALA-ALR": ["Detection"],
    "ALA-AUD": ["Audit assurance"],
    "ALA-DLV": ["Forensics", "Audit assurance"],
    "ALA-DET": ["Detection"],
}

_DEST_KIND = {"log_analytics": "Log Analytics", "storage": "Storage", "event_hub": "Event Hub",
              "partner": "Partner"}


def risk_sentence(rule_id: str, open_findings: list[dict[str, Any]], config: dict[str, Any]) -> str:
    template = _RISK.get(rule_id.upper(), "{n} open finding(s) for this rule across {s} scope(s).")
    scopes = {str(f.get("scope", "")).lower() for f in open_findings}
    return template.format(n=f"{len(open_findings):,}", s=f"{len(scopes):,}",
                           min_retention_days=config.get("min_retention_days", 365))


def security_value(rule_id: str) -> list[str]:
    return _VALUE.get(rule_id.upper()[:7], [])


def destination_kind(dest: dict[str, Any]) -> str:
    return _DEST_KIND.get(str(dest.get("kind")), str(dest.get("kind", "")))


MECHANISMS = {"activity_log": ("activity log alert", "AL"), "log_search": ("log search alert", "LS"),
              "sentinel": ("Sentinel analytics rule", "SN")}


def mechanisms(kinds: list[str]) -> tuple[str, str]:
    """('activity log alert, Sentinel analytics rule', 'AL+SN') for the kinds an operation is alerted by."""
    names = [MECHANISMS.get(k, (k, k))[0] for k in kinds]
    return ", ".join(names), "+".join(MECHANISMS.get(k, (k, k))[1] for k in kinds)


def short_operation(op: str) -> str:
    """'Microsoft.Network/networkSecurityGroups/securityRules/write' -> 'NSG rule write'."""
    parts = op.split("/")
    verb = parts[-1].lower() if parts else op
    noun = {"policyassignments": "Policy assignment", "firewallrules": "SQL firewall rule",
            "networksecuritygroups": "NSG", "securityrules": "NSG rule",
            "securitysolutions": "Security solution", "publicipaddresses": "Public IP"}
    subject = noun.get(parts[-2].lower(), parts[-2]) if len(parts) >= 2 else op
    return f"{subject} {verb}"


def evidence_pairs(evidence: Any, names: Names, limit: int = 8) -> list[tuple[str, str]]:
    """Evidence as (key, readable value) lines; ARM ids gain their display name."""
    if not isinstance(evidence, dict):
        return [("value", str(evidence))] if evidence not in (None, "") else []
    out: list[tuple[str, str]] = []
    for key, value in list(evidence.items())[:limit]:
        out.append((str(key), _readable(value, names)))
    return out


def _readable(value: Any, names: Names) -> str:
    if isinstance(value, str):
        if "/roledefinitions/" in value.lower():
            return f"{names.role(value)} ({value})"
        if value.startswith("/") and "/" in value[1:] and names.known(value):
            return f"{names.name(value)} ({value})"
        return value
    if isinstance(value, list):
        if not value:
            return "(none)"
        shown = ", ".join(_readable(v, names) for v in value[:6])
        return shown + (f", ... ({len(value) - 6} more)" if len(value) > 6 else "")
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_readable(v, names)}" for k, v in list(value.items())[:6])
    if value is None:
        return "null"
    return str(value).lower() if isinstance(value, bool) else str(value)
