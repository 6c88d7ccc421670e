"""ALA-AUD rules: say plainly what the audit could not see."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from auditor.azure import arm
from auditor.rules.base import MCSB_LT3, Finding, Rule

if TYPE_CHECKING:
    from auditor.analysis.context import AuditContext


def check_unreadable(ctx: AuditContext) -> Iterator[Finding]:
    seen: set[tuple[str, str]] = set()
    for e in ctx.snapshot.errors:
        key = (arm.norm_id(e.scope), e.operation.lower())
        if key in seen:
            continue
        seen.add(key)
        what = "anything at or below this scope" if e.operation == "*" else f"'{e.operation}'"
        yield Finding(
            "ALA-AUD-001",
            e.scope,
            f"Could not read {what} ({e.status or 'error'} {e.code}); rules depending on it were not judged here.",
            {"operation": e.operation, "status": e.status, "code": e.code, "message": e.message},
        )


RULES: tuple[Rule, ...] = (
    Rule(
        "ALA-AUD-001", "Part of the tenant could not be read", "high",
        "What the audit could not read it cannot vouch for: an unreadable scope is unknown, not "
        "compliant, and is often exactly where nobody looks.",
        "Grant the collecting identity Reader and Management Group Reader at the tenant root group and "
        "collect again.",
        (MCSB_LT3,), check_unreadable, "integrity",
    ),
)
