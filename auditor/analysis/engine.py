"""From snapshot and config to the findings document (docs/findings-format.md).

Deterministic by construction: no clock (``generatedAt`` is the snapshot's ``collectedAt``),
stable orders everywhere, findings sorted by (ruleId, scope, evidence), so the same snapshot
and config always give a byte-identical ``findings.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.analysis.checks import all_checks
from auditor.analysis.compliance import ControlTally, evaluate_compliance
from auditor.analysis.context import AuditContext
from auditor.analysis.delivery import delivery_summary
from auditor.analysis.judgements import judgements
from auditor.azure import arm
from auditor.azure.snapshot import Snapshot
from auditor.config import Config, Waiver
from auditor.rules import all_rules
from auditor.rules.base import SEVERITIES, Finding, Rule, control_labels
from auditor.rules.verdicts import VERDICTS, verdict
from auditor.schemas import FINDINGS_SCHEMA_VERSION


def _finding_sort_key(f: dict[str, Any]) -> tuple[str, str, str]:
    return (f["ruleId"], arm.norm_id(f["scope"]), json.dumps(f["evidence"], sort_keys=True))


class _WaiverBook:
    """Matches findings to waivers; remembers which waivers were used and which had expired."""

    def __init__(self, ctx: AuditContext) -> None:
        self.ctx = ctx
        self.day = ctx.snapshot.collected_at.date()
        self.usage: dict[int, int] = {i: 0 for i in range(len(ctx.config.waivers))}

    def waiver_for(self, rule_id: str, scope: str) -> Waiver | None:
        chain = self.ctx.hierarchy.scope_chain(scope)
        for i, w in enumerate(self.ctx.config.waivers):
            if w.matches(rule_id, chain):
                self.usage[i] += 1
                if w.active_on(self.day):
                    return w
        return None

    def summary(self) -> list[dict[str, Any]]:
        return [
            {
                "rule": w.rule,
                "scope": w.scope,
                **w.as_dict(),
                "status": "active" if w.active_on(self.day) else "expired",
                "matchedFindings": self.usage[i],
            }
            for i, w in enumerate(self.ctx.config.waivers)
        ]


def _finding_doc(rule: Rule, f: Finding, waivers: _WaiverBook) -> dict[str, Any]:
    w = waivers.waiver_for(rule.id, f.scope)
    return {
        "ruleId": rule.id,
        "severity": rule.severity,
        "scope": arm.display_id(f.scope),
        "title": rule.title,
        "message": f.message,
        "evidence": f.evidence,
        "controls": control_labels(f.controls if f.controls is not None else rule.controls),
        "waiver": w.as_dict() if w else None,
    }


def _subscriptions(ctx: AuditContext) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for sub in ctx.hierarchy.ordered_subscriptions():
        key = arm.norm_id(sub.id)
        exp = ctx.exports[key]
        enf = ctx.enforcement[key]
        enforced_by: list[str] = sorted(enf.enforced_by, key=str.lower)
        out.append(
            {
                "id": sub.id,
                "displayName": sub.display_name,
                "managementGroupPath": list(sub.path),
                "export": exp.state,
                "enforcement": enf.state,
                "verdict": verdict(exp.state, enf.state),
                "categories": list(exp.categories) if exp.state != "unknown" else [],
                "destinations": [d.as_dict() for d in exp.destinations()] if exp.state != "unknown" else [],
                "enforcedBy": enforced_by,
                "alertedBy": _alerted_by(ctx, key),
            }
        )
    return out


_MECHANISM_ORDER = ("activity_log", "log_search", "sentinel")


def _alerted_by(ctx: AuditContext, key: str) -> dict[str, list[str]]:
    """Per covered operation, the mechanisms that alert on it: those that notify, else all covering.

    ``activity_log`` (activity log alert), ``log_search`` (scheduled query rule over the
    workspace the export feeds), ``sentinel`` (Sentinel analytics rule there). Operations no
    alert covers are left out (ALA-ALR-001 names them).
    """
    cov = ctx.alerts[key]
    if cov.unreadable:
        return {}
    out: dict[str, list[str]] = {}
    for op, covering in cov.by_operation.items():
        if not covering:
            continue
        heard = [a for a in covering if a.notifies] or covering
        kinds = {a.kind for a in heard}
        out[op] = [k for k in _MECHANISM_ORDER if k in kinds] + sorted(kinds - set(_MECHANISM_ORDER))
    return out


def _management_groups(ctx: AuditContext) -> list[dict[str, Any]]:
    return [
        {
            "id": g.id,
            "displayName": g.display_name,
            "parentId": g.parent_id,
            "exported": ctx.group_exports[arm.norm_id(g.id)].exported,
        }
        for g in ctx.hierarchy.ordered_groups()
    ]


def audit(ctx: AuditContext) -> dict[str, Any]:
    """The findings document for one audit context."""
    waivers = _WaiverBook(ctx)
    tally = ControlTally(ctx.config.frameworks) if ctx.config.frameworks else None
    findings: list[dict[str, Any]] = []
    # Each finding is filed under the rule its check is bound to: a check cannot name another rule.
    for rule, check in all_checks():
        for fired in check(ctx):
            entry = _finding_doc(rule, fired, waivers)
            if tally is not None:  # control outcomes tallied as findings are made (none kept for it)
                tally.add(rule, fired, entry["waiver"] is not None)
            findings.append(entry)
    findings.sort(key=_finding_sort_key)
    subscriptions = _subscriptions(ctx)
    verdict_counts = {v: 0 for v in VERDICTS}
    for s in subscriptions:
        verdict_counts[s["verdict"]] += 1
    severity_counts: dict[str, int] = {s: 0 for s in reversed(SEVERITIES)}
    waived = 0
    for f in findings:
        if f["waiver"] is None:
            severity_counts[f["severity"]] += 1
        else:
            waived += 1
    snap = ctx.snapshot
    doc: dict[str, Any] = {
        "schemaVersion": FINDINGS_SCHEMA_VERSION,
        "generatedAt": snap.raw["collectedAt"],
        "snapshotSha256": snap.sha256,
        "tenantId": snap.tenant_id,
        "tool": {"name": "auditor", "version": __version__},
        "collectedAt": snap.raw["collectedAt"],
        "rootManagementGroupId": snap.root_management_group_id,
        "config": ctx.config.as_dict(),
        "summary": {
            "subscriptions": len(subscriptions),
            "verdicts": verdict_counts,
            "findings": {**severity_counts, "waived": waived},
            "incomplete": bool(snap.errors),
        },
        "managementGroups": _management_groups(ctx),
        "subscriptions": subscriptions,
        "findings": findings,
        "waivers": waivers.summary(),
        "judgements": judgements(ctx),  # what remediation plans from (docs/findings-format.md)
    }
    delivery = delivery_summary(ctx)
    if delivery is not None:  # only for snapshots collected with --verify-delivery
        doc["delivery"] = delivery
    if tally is not None:  # only when frameworks are selected (--framework, config audit.frameworks)
        doc["compliance"] = evaluate_compliance(ctx, tally, all_rules())
    return doc


def audit_snapshot(snapshot: Snapshot, config: Config | None = None) -> dict[str, Any]:
    return audit(AuditContext(snapshot, config or Config()))


def dumps_findings(doc: dict[str, Any]) -> str:
    """Canonical serialisation: stable, human-diffable, byte-identical for equal input."""
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_findings(doc: dict[str, Any], path: Path) -> None:
    """``dumps_findings`` streamed to a file, byte for byte the same: at 50,000 subscriptions
    findings.json is 300 MB, and building it as one string first cost a gigabyte of memory."""
    encoder = json.JSONEncoder(indent=2, ensure_ascii=False, allow_nan=False)
    chunks: list[str] = []
    with path.open("w", encoding="utf-8") as f:
        for chunk in encoder.iterencode(doc):  # millions of small pieces: written in batches
            chunks.append(chunk)
            if len(chunks) >= 65536:
                f.write("".join(chunks))
                chunks.clear()
        chunks.append("\n")
        f.write("".join(chunks))


def highest_unwaived(doc: dict[str, Any]) -> str | None:
    found = [f["severity"] for f in doc["findings"] if f["waiver"] is None]
    return max(found, key=SEVERITIES.index) if found else None
