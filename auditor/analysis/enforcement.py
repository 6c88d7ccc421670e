"""Effective enforcement of export policies per subscription (contract section 5)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditor.analysis.context import AuditContext


@dataclass
class EnforcementResult:
    state: str  # effective | impaired | none | unknown
    enforced_by: list[str] = field(default_factory=list)


def evaluate_enforcement(ctx: AuditContext) -> dict[str, EnforcementResult]:
    """Keyed by normalised subscription id. Placeholder until the policy analysis lands."""
    return {key: EnforcementResult("unknown") for key in ctx.hierarchy.subscriptions}
