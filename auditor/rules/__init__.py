"""The rule catalogue, assembled explicitly from auditor/rules/catalogue/ (no import-time registry).

Data only: renderers and remediation read it without importing the analysis, which binds each
rule to its check (auditor/analysis/checks/).
"""

from __future__ import annotations

from functools import cache

from auditor.rules.base import Finding, Rule


@cache
def all_rules() -> tuple[Rule, ...]:
    from auditor.rules.catalogue import alerts, delivery, exports, integrity, policy

    rules = (*exports.RULES, *policy.RULES, *alerts.RULES, *integrity.RULES, *delivery.RULES)
    ids = [r.id for r in rules]
    if len(ids) != len(set(ids)):
        raise RuntimeError("duplicate rule id in catalogue")
    return tuple(sorted(rules, key=lambda r: r.id))


def rule_ids() -> set[str]:
    return {r.id for r in all_rules()}


def rule_by_id(rule_id: str) -> Rule:
    for r in all_rules():
        if r.id.lower() == rule_id.lower():
            return r
    raise KeyError(rule_id)


__all__ = ["Finding", "Rule", "all_rules", "rule_by_id", "rule_ids"]
