"""Gaps the plan closes that come from the audit's findings rather than from enforcement.

The same rule checks the audit runs decide what is missing (ALA-ALR-001 alerts, ALA-EXP-006 log
profiles, ALA-EXP-009 management-group exports), so the plan never disagrees with the report.
Waived findings are left alone: a waiver is a decision not to fix.
"""

from __future__ import annotations

from collections import defaultdict

from auditor.analysis.context import AuditContext
from auditor.azure import arm
from auditor.azure.hierarchy import Group
from auditor.rules import rule_by_id
from auditor.rules.base import Finding


def _split(ctx: AuditContext, rule_id: str) -> tuple[list[Finding], list[Finding]]:
    """(unwaived, waived) findings of a rule."""
    day = ctx.snapshot.collected_at.date()
    unwaived, waived = [], []
    for f in rule_by_id(rule_id).check(ctx):
        chain = ctx.hierarchy.scope_chain(f.scope)
        if any(w.matches(rule_id, chain) and w.active_on(day) for w in ctx.config.waivers):
            waived.append(f)
        else:
            unwaived.append(f)
    return unwaived, waived


def _unwaived(ctx: AuditContext, rule_id: str) -> list[Finding]:
    return _split(ctx, rule_id)[0]


def alert_findings(ctx: AuditContext) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Operations no alert covers, from ALA-ALR-001: (unwaived, waived), by subscription key."""
    unwaived, waived = _split(ctx, "ALA-ALR-001")
    out: tuple[dict[str, list[str]], dict[str, list[str]]] = (defaultdict(list), defaultdict(list))
    for found, into in ((unwaived, out[0]), (waived, out[1])):
        for f in found:
            op = str(f.evidence.get("operation") or "")
            if op:
                into[arm.norm_id(f.scope)].append(op)
    return dict(out[0]), dict(out[1])


def noncompliant(ctx: AuditContext) -> list[tuple[str, list[dict[str, object]]]]:
    """(subscription id, assignments reporting it NonCompliant), from ALA-POL-005."""
    return sorted(((f.scope, list(f.evidence.get("assignments") or [])) for f in _unwaived(ctx, "ALA-POL-005")),
                  key=lambda kv: arm.norm_id(kv[0]))


def log_profiles(ctx: AuditContext) -> list[tuple[str, list[str]]]:
    """(subscription id, log profile ids), from ALA-EXP-006."""
    out = []
    for f in _unwaived(ctx, "ALA-EXP-006"):
        profiles = sorted((str(p) for p in f.evidence.get("logProfiles") or []), key=str.lower)
        out.append((f.scope, profiles))
    return sorted(out, key=lambda kv: arm.norm_id(kv[0]))


def group_export_gaps(ctx: AuditContext) -> list[Group]:
    """Management groups without a working diagnostic setting, from ALA-EXP-009."""
    groups = []
    for f in _unwaived(ctx, "ALA-EXP-009"):
        g = ctx.hierarchy.group(f.scope)
        if g is not None:
            groups.append(g)
    return sorted(groups, key=lambda g: arm.norm_id(g.id))
