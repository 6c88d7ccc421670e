"""Plain-language wording for the reports: verdict labels, risk sentences, evidence lines.

Rule metadata (title, rationale, remediation, controls, the risk sentence) comes from the rule
catalogue (auditor/rules/catalogue/); this module only adds the report's labels and how evidence
reads.
"""

from __future__ import annotations

from typing import Any

from auditor.render.names import Names
from auditor.rules import rule_by_id

# The mark of a category state (ok, missing, na, unknown) or an operation's alert state (alerting,
# silent, none) in every report: PDF cards and register, HTML matrix.
CELL_MARK = {"ok": "✔", "missing": "✘", "na": "–", "unknown": "?", "alerting": "✔", "silent": "○", "none": "✘"}

VERDICT_LABEL = {
    "covered": "Covered",
    "unenforced": "Exported, not enforced",
    "unremediated": "Enforced, not yet remediated",
    "partial": "Partially exported",
    "uncovered": "Not exported",
    "unknown": "Unknown (unreadable)",
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
    """The rule's own risk sentence (auditor/rules/catalogue/), counted; an unknown rule id is a bug."""
    scopes = {str(f.get("scope", "")).lower() for f in open_findings}
    return rule_by_id(rule_id).risk_sentence(len(open_findings), len(scopes),
                                             int(config.get("min_retention_days", 365)))


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


def not_compared_line(item: dict[str, Any]) -> str:
    """One sentence for a report: which rules a drift comparison did not compare (its ``notCompared``
    items, auditor/drift.py), and why."""
    other = "old" if item["evaluatedIn"] == "new" else "new"
    facts = "delivery facts (--verify-delivery)" if item["facts"] == "delivery" else f"{item['facts']} facts"
    return (f"Not compared: {', '.join(item['rules'])} ({item['findings']} finding(s) in the {item['evaluatedIn']} "
            f"audit): the {other} audit was made without {facts}, so these findings are neither new nor resolved.")
