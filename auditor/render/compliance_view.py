"""The Compliance chapter's view: one table per selected framework, from findings.json ``compliance``.

Reads the section the analysis wrote and never re-judges; the rows link to the rule sections
of the findings that decide them. Sizes grow with the frameworks' controls, not subscriptions.
"""

from __future__ import annotations

from typing import Any

STATUS_CLASS = {"pass": "ok", "fail": "bad", "manual": "muted", "not applicable": "muted"}
UNIT_LABEL = {"subscriptions": "subscriptions", "managementGroups": "management groups"}


def _counts_text(counts: dict[str, dict[str, int]]) -> str:
    """ "2 of 3 subscriptions pass, 1 fails; 1 waived" (what an auditor quotes)."""
    parts = []
    for unit, c in counts.items():
        judged = c["pass"] + c["fail"] + c["waived"]
        text = f"{c['pass']:,} of {judged:,} {UNIT_LABEL.get(unit, unit)} pass"
        extra = [f"{c['fail']:,} fail" if c["fail"] else "", f"{c['waived']:,} waived" if c["waived"] else "",
                 f"{c['unknown']:,} unknown" if c["unknown"] else "",
                 f"{c['notApplicable']:,} not applicable" if c["notApplicable"] else ""]
        extra = [e for e in extra if e]
        parts.append(text + (f" ({', '.join(extra)})" if extra else ""))
    return "; ".join(parts)


def compliance_view(findings: dict[str, Any], fired_rules: set[str],
                    scope_name: Any = None) -> list[dict[str, Any]]:
    """Per framework: its name, scope, status totals and control rows (status, counts, deciding rules)."""
    section = findings.get("compliance") or {}
    by_framework: dict[str, list[dict[str, Any]]] = {}
    for c in section.get("controls", []):
        by_framework.setdefault(c["framework"], []).append({
            "id": c["controlId"], "title": c["title"], "status": c["status"],
            "statusClass": STATUS_CLASS.get(c["status"], ""), "counts": _counts_text(c.get("counts") or {}),
            "reason": c.get("reason") or "", "findings": c.get("findings", 0),
            "rules": [{"id": r, "linked": r in fired_rules} for r in c.get("rules", [])],
            "facts": c.get("facts", []),
        })
    out = []
    for fw in section.get("frameworks", []):
        scope = fw.get("scope") or []
        out.append({
            "id": fw["id"], "name": fw["name"], "version": fw["version"], "shortName": fw["shortName"],
            "scope": [scope_name(s) if scope_name else s for s in scope],
            "statuses": fw.get("statuses", {}), "controls": by_framework.get(fw["id"], []),
        })
    return out
