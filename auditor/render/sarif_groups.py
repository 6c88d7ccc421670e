"""Findings folded into SARIF result groups: one per rule and scope group, never one per finding.

Code scanning rejects a run over 25,000 results (docs/reports.md cites GitHub's limits). A tenant
of 10,000 subscriptions has tens of thousands of findings, most of them the same rule for many
subscriptions of one management group, so a result stands for every finding of one rule under one
management group (its parent group, for a subscription or a resource in one; the group itself for a
management-group finding), with one severity and one waiver. The member scopes and evidence ride in
the result's properties. The count of results then grows with management groups and rules, not
with subscriptions and operations.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from auditor.azure import arm


@dataclass
class ResultGroup:
    """Findings of one rule under one scope group, with one severity and one waiver (or none)."""

    rule_id: str
    group: str  # the scope group's id as shown (a management group; "/" for the tenant)
    severity: str
    waiver: dict[str, Any] | None
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def scopes(self) -> list[str]:
        """Distinct member scopes, in first-seen order (the analysis' own order)."""
        return list(dict.fromkeys(arm.display_id(f.get("scope")) or "/" for f in self.findings))

    def fingerprint(self) -> str:
        """Stable across audits: what the group is, never its members, line numbers or wording.

        A quarter later the same rule under the same group (with the same waiver) is the same
        alert, even when subscriptions joined or left it."""
        key = [self.rule_id.upper(), arm.norm_id(self.group) or "/", self.severity,
               None if self.waiver is None else _waiver_key(self.waiver)]
        return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def _waiver_key(waiver: dict[str, Any]) -> list[str]:
    return [str(waiver.get("reason", "")), str(waiver.get("owner", "")), str(waiver.get("expires", ""))]


class ScopeGroups:
    """Which scope group a finding's scope belongs to, from findings.json's subscription paths."""

    def __init__(self, findings: dict[str, Any]) -> None:
        self._parent: dict[str, str] = {}
        for s in findings.get("subscriptions", []):
            path = s.get("managementGroupPath") or []
            sub = arm.subscription_id_of(s.get("id"))
            if sub and path:
                self._parent[sub] = arm.display_id(path[-1])

    def group_of(self, scope: str | None) -> str:
        n = arm.norm_id(scope)
        if not n or n == "/":
            return "/"
        if arm.management_group_name_of(n) and n.count("/") == 4:
            return arm.display_id(scope)
        sub = arm.subscription_id_of(n)
        if sub is None:
            return arm.display_id(scope)
        # a subscription outside the collected tree is its own group: still bounded, never merged wrongly
        return self._parent.get(sub) or arm.subscription_scope(sub)


def group_findings(findings: dict[str, Any]) -> list[ResultGroup]:
    """Result groups in the order their first finding appears (the analysis order is deterministic)."""
    groups = ScopeGroups(findings)
    by_key: dict[tuple[Any, ...], ResultGroup] = {}
    for f in findings.get("findings", []):
        rule = str(f.get("ruleId", ""))
        severity = str(f.get("severity", "low"))
        waiver = f.get("waiver") or None
        group = groups.group_of(f.get("scope"))
        key = (rule.upper(), arm.norm_id(group), severity, None if waiver is None else tuple(_waiver_key(waiver)))
        entry = by_key.get(key)
        if entry is None:
            entry = by_key[key] = ResultGroup(rule, group, severity, waiver)
        entry.findings.append(f)
    return list(by_key.values())


def members(findings: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """What each member finding says, compactly: scope, message, evidence."""
    return [{"scope": arm.display_id(f.get("scope")) or "/", "message": f.get("message", ""),
             "evidence": f.get("evidence", {})} for f in findings]
