"""Gaps the plan closes that come from the audit's findings rather than from enforcement.

Read from the findings document the audit wrote (docs/findings-format.md), never re-judged: the
rules decided what is missing (ALA-ALR-001 alerts, ALA-EXP-006 log profiles, ALA-EXP-009
management-group exports, ALA-POL-005 non-compliance) and the engine decided which findings a
waiver covers, so the plan never disagrees with the report. Waived findings are left alone: a
waiver is a decision not to fix.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from auditor.azure import arm
from auditor.azure.hierarchy import Group, Hierarchy

Findings = dict[str, Any]  # the findings document (auditor/data/schemas: findings)


def of_rule(findings: Findings, rule_id: str, *, waived: bool | None = False) -> Iterator[dict[str, Any]]:
    """Findings of one rule: unwaived (default), waived (``waived=True``) or all (``waived=None``)."""
    for f in findings.get("findings") or []:
        if f.get("ruleId") != rule_id:
            continue
        if waived is None or (f.get("waiver") is not None) == waived:
            yield f


def alert_findings(findings: Findings) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Operations no alert covers, from ALA-ALR-001: (unwaived, waived), by subscription key."""
    out: tuple[dict[str, list[str]], dict[str, list[str]]] = (defaultdict(list), defaultdict(list))
    for f in of_rule(findings, "ALA-ALR-001", waived=None):
        op = str(f["evidence"].get("operation") or "")
        if op:
            out[1 if f.get("waiver") is not None else 0][arm.norm_id(f["scope"])].append(op)
    return dict(out[0]), dict(out[1])


def noncompliant(findings: Findings) -> list[tuple[str, list[dict[str, object]]]]:
    """(subscription id, assignments reporting it NonCompliant), from ALA-POL-005."""
    return sorted(((f["scope"], list(f["evidence"].get("assignments") or []))
                   for f in of_rule(findings, "ALA-POL-005")), key=lambda kv: arm.norm_id(kv[0]))


def log_profiles(findings: Findings) -> list[tuple[str, list[str]]]:
    """(subscription id, log profile ids), from ALA-EXP-006."""
    out = []
    for f in of_rule(findings, "ALA-EXP-006"):
        profiles = sorted((str(p) for p in f["evidence"].get("logProfiles") or []), key=str.lower)
        out.append((f["scope"], profiles))
    return sorted(out, key=lambda kv: arm.norm_id(kv[0]))


def group_export_gaps(findings: Findings, hierarchy: Hierarchy) -> list[Group]:
    """Management groups without a working diagnostic setting, from ALA-EXP-009."""
    groups = []
    for f in of_rule(findings, "ALA-EXP-009"):
        g = hierarchy.group(f["scope"])
        if g is not None:
            groups.append(g)
    return sorted(groups, key=lambda g: arm.norm_id(g.id))
