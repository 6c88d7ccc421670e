"""Plans as ``auditor remediate`` builds them: from the findings an audit wrote and the snapshot's model."""

from __future__ import annotations

from auditor.analysis.context import AuditContext
from auditor.analysis.engine import audit
from auditor.remediate import Plan, plan_from_findings


def audited_plan(ctx: AuditContext) -> Plan:
    return plan_from_findings(audit(ctx), ctx.snapshot, ctx.config, ctx.azure)
