"""Remediation: from an audit to deployable policy, identities, role assignments and alerts.

Remediation reads the findings document and the model of the snapshot, never the analysis::

    findings = audit(AuditContext(snapshot, config))      # or json.load(findings.json)
    plan = plan_from_findings(findings, snapshot, config)  # pure: writes nothing
    plan.as_dict()                                       # plan.json
    plan.projected()                                     # {subscription id (lower): projected state}
    write_plan(plan, out_dir, ("arm", "bicep", "terraform"))
"""

from __future__ import annotations

from typing import Any

from auditor.azure.snapshot import Snapshot
from auditor.azure.tenant import AzureTenant
from auditor.config import Config
from auditor.remediate.inputs import FindingsMismatch, RemediationInputs
from auditor.remediate.model import FORMATS, Action, Plan, Projection
from auditor.remediate.plan import build_plan
from auditor.remediate.writer import parse_formats, render_files, write_plan


def plan_from_findings(findings: dict[str, Any], snapshot: Snapshot, config: Config,
                       azure: AzureTenant | None = None) -> Plan:
    """The remediation plan for the findings an audit of ``snapshot`` wrote (``azure``: the snapshot's
    model when the caller already built it)."""
    return build_plan(RemediationInputs(findings, snapshot, config, azure), findings)


__all__ = ["FORMATS", "Action", "FindingsMismatch", "Plan", "Projection", "RemediationInputs", "build_plan",
           "parse_formats", "plan_from_findings", "render_files", "write_plan"]
