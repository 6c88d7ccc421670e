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
    controls: tuple[str, ...] | None = None  # overrides the rule's controls (e.g. per operation)


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str
    rationale: str  # why it matters for security
    remediation: str
    controls: tuple[str, ...]
    check: Callable[[AuditContext], Iterable[Finding]] = field(compare=False, repr=False)
    axis: str = ""  # export | enforcement | alerts | integrity
    # Facts beyond the snapshot's documents the rule needs ("delivery": collected with
    # --verify-delivery). Without them it cannot fire, which is not the same as passing (drift).
    needs: tuple[str, ...] = ()

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
            "controls": list(self.controls),
        }


MCSB_LT3 = "MCSB LT-3"
MCSB_LT6 = "MCSB LT-6"
