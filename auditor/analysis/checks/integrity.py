"""ALA-AUD rules: say plainly what the audit could not see."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from auditor.analysis.checks import Check
from auditor.azure import arm
from auditor.rules.base import Finding, Rule
from auditor.rules.catalogue import integrity as catalogue

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
            e.scope,
            f"Could not read {what} ({e.status or 'error'} {e.code}); rules depending on it were not judged here.",
            {"operation": e.operation, "status": e.status, "code": e.code, "message": e.message},
        )


CHECKS: tuple[tuple[Rule, Check], ...] = (
    (catalogue.UNREADABLE, check_unreadable),
)
