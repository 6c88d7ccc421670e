"""Gaps the plan closes that come from the audit's findings rather than from enforcement.

The same rule checks the audit runs decide what is missing (ALA-ALR-001 alerts, ALA-EXP-006 log
profiles, ALA-EXP-009 management-group exports), so the plan never disagrees with the report.
Waived findings are left alone: a waiver is a decision not to fix.
"""

from __future__ import annotations

from collections import defaultdict

from auditor import arm
from auditor.analysis.context import AuditContext
from auditor.hierarchy import Group
from auditor.rules import rule_by_id
from auditor.rules.base import Finding


def _unwaived(ctx: AuditContext, rule_id: str) -> list[Finding]:
    day = ctx.snapshot.collected_at.date()
    out = []
    for f in rule_by_id(rule_id).check(ctx):
        chain = ctx.hierarchy.scope_chain(f.scope)
        if any(w.matches(rule_id, chain) and w.active_on(day) for w in ctx.config.waivers):
            continue
        out.append(f)
    return out


def alert_gaps(ctx: AuditContext) -> list[tuple[str, list[str]]]:
    """(subscription id, operations no alert covers), from ALA-ALR-001."""
    by_sub: dict[str, list[str]] = defaultdict(list)
    for f in _unwaived(ctx, "ALA-ALR-001"):
        op = str(f.evidence.get("operation") or "")
        if op and op not in by_sub[f.scope]:
            by_sub[f.scope].append(op)
    order = {op.lower(): i for i, op in enumerate(ctx.config.sensitive_operations)}
    return [(sub, sorted(ops, key=lambda o: (order.get(o.lower(), len(order)), o.lower())))
            for sub, ops in sorted(by_sub.items(), key=lambda kv: arm.norm_id(kv[0]))]


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
