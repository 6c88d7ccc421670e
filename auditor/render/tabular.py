"""CSV export: one row per finding, safe to open in a spreadsheet.

Tenant text (display names, messages) is attacker-chosen. A cell starting with ``=``, ``+``,
``-``, ``@``, tab or carriage return would be evaluated as a formula by spreadsheet programs
(CSV injection), so such cells get a leading apostrophe.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from auditor.azure import arm
from auditor.azure.snapshot import Snapshot
from auditor.render.names import Names

COLUMNS = ("ruleId", "severity", "title", "scope", "scopeName", "subscriptionId", "message", "evidence",
           "controls", "waived", "waiverReason", "waiverOwner", "waiverExpires")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def finding_rows(findings: dict[str, Any], snapshot: Snapshot | None) -> Iterator[list[str]]:
    """One row per finding, produced as written (never all held at once)."""
    names = Names(findings, snapshot)
    for f in findings.get("findings", []):
        w = f.get("waiver") or {}
        yield [safe_cell(v) for v in (
            f.get("ruleId"), f.get("severity"), f.get("title"), f.get("scope"), names.name(f.get("scope")),
            arm.subscription_id_of(f.get("scope")) or "", f.get("message"),
            json.dumps(f.get("evidence", {}), sort_keys=True, ensure_ascii=False),
            "; ".join(f.get("controls", [])), "yes" if f.get("waiver") else "no",
            w.get("reason", ""), w.get("owner", ""), w.get("expires", ""),
        )]


def write_csv(findings: dict[str, Any], path: Path, snapshot: Snapshot | None = None) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        writer.writerows(finding_rows(findings, snapshot))
    return path


COMPLIANCE_COLUMNS = ("tenantId", "collectedAt", "framework", "frameworkName", "frameworkVersion", "controlId", "title",
                      "status", "reason", "subscriptionsPass", "subscriptionsFail", "subscriptionsWaived",
                      "subscriptionsUnknown", "subscriptionsNotApplicable", "groupsPass", "groupsFail",
                      "groupsWaived", "groupsUnknown", "groupsNotApplicable", "findings", "rules", "facts")
_COUNTS = ("pass", "fail", "waived", "unknown", "notApplicable")


def compliance_rows(findings: dict[str, Any]) -> Iterator[list[str]]:
    """One row per control of each selected framework: what a GRC tool imports (docs/frameworks.md)."""
    section = findings.get("compliance") or {}
    names = {f["id"]: f for f in section.get("frameworks", [])}
    for c in section.get("controls", []):
        fw = names.get(c["framework"], {})
        counts = c.get("counts", {})
        subs, groups = counts.get("subscriptions"), counts.get("managementGroups")
        yield [safe_cell(v) for v in (
            findings.get("tenantId"), findings.get("collectedAt"), c["framework"], fw.get("name", ""),
            fw.get("version", ""), c["controlId"], c["title"], c["status"], c.get("reason") or "",
            *((subs or {}).get(k, "") for k in _COUNTS), *((groups or {}).get(k, "") for k in _COUNTS),
            c.get("findings", 0), "; ".join(c.get("rules", [])), "; ".join(c.get("facts", [])),
        )]


def write_compliance_csv(findings: dict[str, Any], path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow(COMPLIANCE_COLUMNS)
        writer.writerows(compliance_rows(findings))
    return path
