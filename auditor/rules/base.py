"""What a rule is: an id, its metadata, and a pure check over the audit context.

Rules are plain immutable values collected explicitly by :func:`auditor.rules.all_rules`;
importing a rule module registers nothing and touches nothing. Users read the catalogue in
docs/rules.md (generated from this metadata by ``make docs``) and how the axes are judged in
docs/coverage.md; CONTRIBUTING.md walks through adding a rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from auditor.frameworks.refs import MCSB_LT1, MCSB_LT3, MCSB_LT5, MCSB_LT6, ControlRef

if TYPE_CHECKING:
    from auditor.analysis.context import AuditContext

SEVERITIES: tuple[str, ...] = ("low", "medium", "high")


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Finding:
    """One fired rule at one scope, with the evidence an auditor needs to act."""

    rule_id: str
    scope: str
    message: str
    evidence: dict[str, Any]
    controls: tuple[ControlRef, ...] | None = None  # overrides the rule's controls (e.g. per operation)


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str
    rationale: str  # why it matters for security
    remediation: str
    controls: tuple[ControlRef, ...]  # into the framework catalogue (auditor/frameworks)
    check: Callable[[AuditContext], Iterable[Finding]] = field(compare=False, repr=False)
    axis: str = ""  # export | enforcement | alerts | integrity

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"{self.id}: unknown severity {self.severity}")

    def catalogue_entry(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity,
            "axis": self.axis,
            "rationale": self.rationale,
            "remediation": self.remediation,
            "controls": control_labels(self.controls),
        }


def control_labels(refs: tuple[ControlRef, ...]) -> list[str]:
    """The controls as findings and reports name them ("CIS Azure 3.0.0 6.1.1"), catalogue order."""
    from auditor.frameworks import label

    return [label(r) for r in refs]


__all__ = ["MCSB_LT1", "MCSB_LT3", "MCSB_LT5", "MCSB_LT6", "ControlRef", "Finding", "Rule", "control_labels"]
