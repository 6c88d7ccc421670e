"""Remediation: from an audit to deployable policy, identities, role assignments and alerts.

API::

    ctx = AuditContext(snapshot, config)
    plan = build_plan(ctx, audit(ctx))                   # pure: the audit's findings document
    plan.as_dict()                                       # plan.json
    plan.projected()                                     # {subscription id (lower): projected state}
    write_plan(plan, out_dir, ("arm", "bicep", "terraform"))
"""

from auditor.remediate.model import FORMATS, Action, Plan, Projection
from auditor.remediate.plan import build_plan
from auditor.remediate.writer import parse_formats, render_files, write_plan

__all__ = ["FORMATS", "Action", "Plan", "Projection", "build_plan", "parse_formats", "render_files", "write_plan"]
