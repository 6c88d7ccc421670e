"""Plans as ``auditor remediate`` builds them: from the audit context and the findings it wrote."""

from __future__ import annotations

from auditor.analysis.context import AuditContext
from auditor.analysis.engine import audit
from auditor.remediate import Plan, build_plan


def audited_plan(ctx: AuditContext) -> Plan:
    return build_plan(ctx, audit(ctx))
