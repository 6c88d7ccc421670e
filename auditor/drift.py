"""Drift between two audits: what changed from an old findings dict to a new one.

Used by ``auditor diff`` and by the report's "since the previous audit" section. Pure: it
compares two findings dicts (docs/findings-format.md), never snapshots, so the same comparison
serves a baseline audit and a stored findings.json alike. Ids compare case-insensitively.

A finding is the same finding when its rule, scope and evidence key (:func:`finding_key`) are:
its wording, and evidence that describes rather than names (destinations, states, counts,
times, error text), may change. A rule that needs facts one side did not collect (delivery
and detection without ``--verify-delivery``) is "not compared": its findings are neither new
nor resolved.
"""

from __future__ import annotations

import json
from typing import Any

from auditor.azure import arm
from auditor.errors import InputError
from auditor.rules import all_rules

NOT_COVERED = frozenset({"unenforced", "unremediated", "partial", "uncovered", "unknown"})


# Evidence members that name what a finding is about (besides members holding one ARM id).
SUBJECT_MEMBERS = frozenset({"operation", "category", "kind"})
# Facts a findings document shows it was audited with: the key that is present when they were.
FACTS = {"delivery": "delivery"}


def evidence_key(evidence: Any) -> tuple[tuple[str, str], ...]:
    """The members of a finding's evidence that say *what* it is about: one ARM id (``subscription``,
    ``workspace``, ``setting``) or a subject name (``operation``, ``category``, ``kind``)."""
    if not isinstance(evidence, dict):
        return ()
    return tuple(sorted((str(k), v.lower()) for k, v in evidence.items()
                        if isinstance(v, str) and (k in SUBJECT_MEMBERS or v.startswith("/"))))


def finding_key(f: dict[str, Any]) -> tuple[str, str, str]:
    """Identity of a finding across audits: rule, scope and evidence key, not its wording."""
    return (str(f.get("ruleId", "")).upper(), arm.norm_id(f.get("scope")),
            json.dumps(evidence_key(f.get("evidence", {}))))


def not_compared(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Facts one side was audited with and the other not, with the rules that need them."""
    out = []
    for fact, member in FACTS.items():
        had = {"old": member in old, "new": member in new}
        if had["old"] != had["new"]:
            rules = sorted(r.id for r in all_rules() if fact in r.needs)
            out.append({"facts": fact, "evaluatedIn": "old" if had["old"] else "new", "rules": rules})
    return out


def _subs(findings: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {arm.norm_id(s["id"]): s for s in findings.get("subscriptions", [])}


def _brief(s: dict[str, Any]) -> dict[str, Any]:
    return {"id": s["id"], "displayName": s.get("displayName", ""), "verdict": s.get("verdict", "unknown")}


def _coverage(findings: dict[str, Any]) -> dict[str, Any]:
    subs = findings.get("subscriptions", [])
    return {"subscriptions": len(subs), "covered": sum(1 for s in subs if s.get("verdict") == "covered"),
            "sha256": findings.get("snapshotSha256", ""), "generatedAt": findings.get("generatedAt", "")}


def compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The drift report as a JSON-ready dict; every list is sorted for stable output."""
    old_subs, new_subs = _subs(old), _subs(new)
    newly_uncovered: list[dict[str, Any]] = []
    fixed: list[dict[str, Any]] = []
    verdict_changes: list[dict[str, Any]] = []
    for key in sorted(set(old_subs) & set(new_subs)):
        o, n = old_subs[key], new_subs[key]
        if o.get("verdict") == n.get("verdict"):
            continue
        change = {"id": n["id"], "displayName": n.get("displayName", ""), "old": o.get("verdict"),
                  "new": n.get("verdict"), "oldExport": o.get("export"), "newExport": n.get("export"),
                  "oldEnforcement": o.get("enforcement"), "newEnforcement": n.get("enforcement")}
        verdict_changes.append(change)
        if o.get("verdict") == "covered":
            newly_uncovered.append(change)
        elif n.get("verdict") == "covered":
            fixed.append(change)
    added = [_brief(new_subs[k]) for k in sorted(set(new_subs) - set(old_subs))]
    removed = [_brief(old_subs[k]) for k in sorted(set(old_subs) - set(new_subs))]
    skipped = not_compared(old, new)
    unjudged = {rule for item in skipped for rule in item["rules"]}
    for item in skipped:
        side = old if item["evaluatedIn"] == "old" else new
        item["findings"] = sum(1 for f in side.get("findings", []) if f.get("ruleId") in item["rules"])
    old_f = {finding_key(f): f for f in old.get("findings", []) if f.get("ruleId") not in unjudged}
    new_f = {finding_key(f): f for f in new.get("findings", []) if f.get("ruleId") not in unjudged}
    return {
        "old": _coverage(old),
        "new": _coverage(new),
        "newlyUncovered": newly_uncovered,
        "fixed": fixed,
        "verdictChanges": verdict_changes,
        "newSubscriptions": added,
        "newSubscriptionsNotCovered": [s for s in added if s["verdict"] in NOT_COVERED],
        "removedSubscriptions": removed,
        "newFindings": [new_f[k] for k in sorted(set(new_f) - set(old_f))],
        "resolvedFindings": [old_f[k] for k in sorted(set(old_f) - set(new_f))],
        "notCompared": skipped,
    }


def has_changes(drift: dict[str, Any]) -> bool:
    return any(drift[k] for k in ("verdictChanges", "newSubscriptions", "removedSubscriptions",
                                  "newFindings", "resolvedFindings"))


def require_same_tenant(old_tenant: str, new_tenant: str, what: str) -> None:
    """Drift between two different tenants is not drift: refuse it (exit 2) rather than report noise."""
    if old_tenant and new_tenant and old_tenant.lower() != new_tenant.lower():
        raise InputError(f"{what} are snapshots of different tenants ({old_tenant} and {new_tenant}): "
                         "compare an earlier snapshot of the same tenant")
