"""Every rule's check: the pure function that judges one catalogue rule over the audit context.

Each module binds catalogue rules (auditor/rules/catalogue/) to their checks in a ``CHECKS``
tuple; :func:`all_checks` assembles them explicitly and insists on exactly one check per rule.
A check yields :class:`~auditor.rules.base.Finding` values without a rule id: the engine files
each under the rule its check is bound to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import TYPE_CHECKING

from auditor.rules import all_rules
from auditor.rules.base import Finding, Rule

if TYPE_CHECKING:
    from auditor.analysis.context import AuditContext

Check = Callable[["AuditContext"], Iterable[Finding]]


@cache
def all_checks() -> tuple[tuple[Rule, Check], ...]:
    """(rule, check) for every catalogue rule, in catalogue order."""
    from auditor.analysis.checks import alerts, delivery, exports, integrity, policy, refusals

    bound: dict[str, tuple[Rule, Check]] = {}
    for rule, check in (*exports.CHECKS, *policy.CHECKS, *alerts.CHECKS, *integrity.CHECKS, *delivery.CHECKS,
                        *refusals.CHECKS):
        if rule.id in bound:
            raise RuntimeError(f"{rule.id} has two checks")
        bound[rule.id] = (rule, check)
    catalogue = all_rules()
    unchecked = [r.id for r in catalogue if r.id not in bound]
    unknown = sorted(set(bound) - {r.id for r in catalogue})
    if unchecked or unknown:
        raise RuntimeError(f"rules without a check: {unchecked}; checks of rules not in the catalogue: {unknown}")
    return tuple(bound[r.id] for r in catalogue)


def check_of(rule_id: str) -> Check:
    for rule, check in all_checks():
        if rule.id.lower() == rule_id.lower():
            return check
    raise KeyError(rule_id)
