"""ALA-POL rules: whether Azure Policy really keeps each subscription exporting (issue 3).

All rules read :mod:`auditor.analysis.enforcement`; none fires for a subscription whose
enforcement is ``unknown`` (ALA-AUD-001 reports what could not be read instead).
POL-002/003/004 fire only when no assignment is effective for S, each at most once per S,
with every assignment that shows the problem in the evidence.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from auditor import operations
from auditor.analysis.checks import Check
from auditor.analysis.enforcement import EFFECTIVE, IMPAIRED, NONE, AssignmentCheck, EnforcementResult
from auditor.azure import arm
from auditor.azure.diagnostic_settings import eventhub_namespace
from auditor.azure.rbac import role_name
from auditor.rules.base import Finding, Rule
from auditor.rules.catalogue import policy as catalogue

if TYPE_CHECKING:
    from auditor.analysis.context import AuditContext
    from auditor.azure.hierarchy import Subscription


def _role(role_definition_id: str) -> str:
    name = role_name(role_definition_id)
    return f"{name} ({role_definition_id})" if name else role_definition_id


def _judged(ctx: AuditContext, *states: str) -> Iterator[tuple[Subscription, EnforcementResult]]:
    for key, sub in sorted(ctx.hierarchy.subscriptions.items()):
        result = ctx.enforcement[key]
        if result.state in states:
            yield sub, result


def _scope(sub: Subscription) -> str:
    return arm.display_id(sub.id)


def _base(sub: Subscription, result: EnforcementResult) -> dict[str, Any]:
    return {"subscription": _scope(sub), "managementGroupPath": list(sub.path), "enforcement": result.state}


def check_no_assignment(ctx: AuditContext) -> Iterator[Finding]:
    for sub, result in _judged(ctx, NONE):
        evidence = _base(sub, result)
        if result.unresolved:
            evidence["unresolvedAssignments"] = sorted(set(result.unresolved), key=str.lower)
        yield Finding(
            _scope(sub),
            "No policy assignment that deploys an activity-log diagnostic setting applies to this "
            "subscription: nothing re-creates the export if it is deleted or never made.",
            evidence,
        )


def _impaired(ctx: AuditContext, reasons: tuple[str, ...],
              message: str) -> Iterator[Finding]:
    for sub, result in _judged(ctx, IMPAIRED):
        checks = result.checks_with(*reasons)
        if not checks:
            continue
        yield Finding(
            _scope(sub),
            message + " " + "; ".join(_describe(c) for c in checks) + ".",
            {**_base(sub, result), "assignments": [c.evidence() for c in checks]},
        )


def _describe(c: AssignmentCheck) -> str:
    who = f"'{arm.last_segment(c.assignment_id)}' at {c.assignment_scope}"
    if c.reference_id:
        who += f" (member '{c.reference_id}')"
    if c.reason == "excluded":
        return f"{who} excludes {c.excluded_by} in notScopes"
    if c.reason == "exempted" and c.exemption:
        until = f"until {c.exemption.expires_on}" if c.exemption.expires_on else "without expiry"
        return f"{who} is exempted by {c.exemption.id} ({c.exemption.category or 'no category'}, {until})"
    if c.reason == "do_not_enforce":
        return f"{who} has enforcementMode {c.enforcement_mode}"
    if c.reason == "effect_not_dine":
        return f"{who} has effect {c.effect or 'unresolved'} ({c.effect_source})"
    if c.reason == "no_identity":
        return f"{who} has no managed identity"
    missing = ", ".join(f"{_role(m['roleDefinitionId'])} for principal {m['principalId']}" for m in c.missing_roles)
    return f"{who} lacks {missing}"


def check_excluded(ctx: AuditContext) -> Iterator[Finding]:
    yield from _impaired(ctx, ("excluded", "exempted"),
                         "An export-policy assignment would apply, but the subscription is taken out of it:")


def check_not_enforced(ctx: AuditContext) -> Iterator[Finding]:
    yield from _impaired(ctx, ("do_not_enforce", "effect_not_dine"),
                         "An export-policy assignment applies but does not deploy:")


def check_identity(ctx: AuditContext) -> Iterator[Finding]:
    yield from _impaired(ctx, ("no_identity", "missing_role"),
                         "An export-policy assignment is enforced but its deployment cannot succeed:")


def check_noncompliant(ctx: AuditContext) -> Iterator[Finding]:
    for sub, result in _judged(ctx, EFFECTIVE):
        if ctx.unreadable(sub.id, frozenset({operations.POLICY_STATES})):
            continue
        checks = [c for c in result.effective_checks
                  if c.policy_state and str(c.policy_state.get("complianceState") or "").lower() == "noncompliant"]
        if not checks:
            continue
        yield Finding(
            _scope(sub),
            "The export policy is effective but reports this subscription NonCompliant: DeployIfNotExists "
            "only deploys on create/update, so an existing subscription needs a remediation task. "
            + "; ".join(f"'{arm.last_segment(c.assignment_id)}' NonCompliant at {c.policy_state['timestamp']}"
                        for c in checks if c.policy_state) + ".",
            {**_base(sub, result), "assignments": [
                {"assignment": c.assignment_id, "assignmentScope": c.assignment_scope,
                 "policyDefinitionId": c.target.definition_id,
                 "policyDefinitionReferenceId": c.reference_id, "policyState": c.policy_state}
                for c in checks
            ]},
        )


def _central(ctx: AuditContext) -> set[str]:
    out: set[str] = set()
    for d in ctx.config.central_destinations:
        out.add(arm.norm_id(d))
        out.add(arm.norm_id(eventhub_namespace(d) or d))
    return out


def _is_central(destination_id: str, central: set[str]) -> bool:
    namespace = eventhub_namespace(destination_id) or destination_id
    return bool({arm.norm_id(destination_id), arm.norm_id(namespace)} & central)


def check_deploys_less(ctx: AuditContext) -> Iterator[Finding]:
    required = list(ctx.config.required_categories)
    central = _central(ctx) if ctx.config.central_destinations else set()
    for sub, result in _judged(ctx, EFFECTIVE):
        checks = result.effective_checks
        fixed = [c for c in checks if isinstance(c.categories, list)]
        deployed = {cat for c in fixed for cat in (c.categories or [])}
        missing = [c for c in required if c not in deployed] if fixed and len(fixed) == len(checks) else []
        known_dest = [c.destination["id"] for c in checks if c.destination.get("id")]
        elsewhere = bool(central) and len(known_dest) == len(checks) and not any(
            _is_central(d, central) for d in known_dest)
        if not missing and not elsewhere:
            continue
        problems = []
        if missing:
            problems.append(f"deploys without {', '.join(missing)}")
        if elsewhere:
            problems.append("sends to no central destination")
        evidence = {
            **_base(sub, result),
            "assignments": [
                {"assignment": c.assignment_id, "assignmentScope": c.assignment_scope,
                 "policyDefinitionId": c.target.definition_id, "policyDefinitionReferenceId": c.reference_id,
                 "categories": c.categories, "destination": c.destination}
                for c in checks
            ],
            "missingCategories": missing,
        }
        if central:
            evidence["centralDestinations"] = list(ctx.config.central_destinations)
        yield Finding(_scope(sub),
                      "The effective export policy " + " and ".join(problems) + ".", evidence)


CHECKS: tuple[tuple[Rule, Check], ...] = (
    (catalogue.NO_ASSIGNMENT, check_no_assignment),
    (catalogue.EXCLUDED, check_excluded),
    (catalogue.NOT_ENFORCED, check_not_enforced),
    (catalogue.IDENTITY, check_identity),
    (catalogue.NONCOMPLIANT, check_noncompliant),
    (catalogue.DEPLOYS_LESS, check_deploys_less),
)
