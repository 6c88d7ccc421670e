"""What the planner reads from the audit: assignments considered per subscription, roles held.

The per-subscription judgement (which export-policy assignment applies, and why it is or is
not effective) belongs to the enforcement analysis; this module only adapts its result to the
few facts the planner needs, so that the two never judge the same thing differently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor.analysis.context import AuditContext
from auditor.azure import arm
from auditor.azure.policy.assignment_facts import assignment_scope, identity_of
from auditor.azure.policy.definitions import NotAPolicyDocument, PolicyDoc
from auditor.azure.policy.export_policy import is_export_policy


@dataclass(frozen=True)
class Considered:
    assignment_id: str
    reason: str  # excluded | exempted | do_not_enforce | effect_not_dine | no_identity | missing_role | effective
    exemption_id: str | None = None
    reference_id: str | None = None  # the export member, for a set


def considered_assignments(ctx: AuditContext, sub_key: str) -> list[Considered]:
    """Every export-policy assignment the enforcement analysis checked for the subscription."""
    out = {
        (arm.norm_id(c.assignment_id), c.reason): Considered(
            arm.display_id(c.assignment_id), c.reason, c.exemption.id if c.exemption else None,
            c.target.reference_id,
        )
        for c in ctx.enforcement[sub_key].checks
    }
    return [out[k] for k in sorted(out)]


def is_export_definition(ctx: AuditContext, doc: dict[str, Any]) -> bool:
    try:
        return is_export_policy(PolicyDoc(doc))
    except NotAPolicyDocument:
        return False


def covering_scopes(ctx: AuditContext, target: str) -> set[str]:
    """Normalised scopes whose role assignments apply to ``target`` (the tenant root ``/`` included)."""
    return ctx.azure.covering_scopes(target)


def roles_held_at(ctx: AuditContext, assignment: dict[str, Any], target: str) -> set[str]:
    """Role GUIDs the assignment's identity holds on ``target`` (at it, a scope containing it, or ``/``).

    Read from the same role index the enforcement analysis judges with, so the two agree.
    """
    principals = identity_of(assignment).principal_ids
    if not principals:
        return set()
    return ctx.azure.roles.granted(principals, covering_scopes(ctx, target))


def held_roles(ctx: AuditContext, assignment: dict[str, Any]) -> set[str]:
    """Role GUIDs the assignment's identity holds at its scope or above (so: for every subscription)."""
    return roles_held_at(ctx, assignment, assignment_scope(assignment))
