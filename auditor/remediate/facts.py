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
from auditor.azure.policy.classify import is_export_policy
from auditor.azure.policy.definitions import NotAPolicyDocument, PolicyDoc


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


def _principals(assignment: dict[str, Any]) -> set[str]:
    identity = arm.as_dict(assignment.get("identity"))
    principal = identity.get("principalId")
    principals = {principal.lower() if isinstance(principal, str) else ""}
    for ua in arm.as_dict(identity.get("userAssignedIdentities")).values():
        if isinstance(ua, dict) and ua.get("principalId"):
            principals.add(str(ua["principalId"]).lower())
    principals.discard("")
    return principals


def covering_scopes(ctx: AuditContext, target: str) -> set[str]:
    """Normalised scopes whose role assignments apply to ``target``: every id prefix of it (resource,
    resource group, subscription), its management groups, and the tenant root ``/``."""
    n = arm.norm_id(target)
    parts = n.strip("/").split("/")
    out = {"/" + "/".join(parts[:i]) for i in range(2, len(parts) + 1, 2)}
    out.update(ctx.hierarchy.scope_chain(n))
    out.add("/")
    return out


def roles_held_at(ctx: AuditContext, assignment: dict[str, Any], target: str) -> set[str]:
    """Role GUIDs the assignment's identity holds on ``target`` (at it or at a scope containing it)."""
    principals = _principals(assignment)
    if not principals:
        return set()
    chain = covering_scopes(ctx, target)
    held: set[str] = set()
    for ra in ctx.snapshot.of_kind(arm.ROLE_ASSIGNMENT):
        p = arm.props(ra)
        if str(p.get("principalId") or "").lower() not in principals:
            continue
        if arm.norm_id(p.get("scope") or arm.scope_of_extension(ra.get("id"))) in chain:
            g = arm.guid_in(str(p.get("roleDefinitionId") or ""))
            if g:
                held.add(g)
    return held


def held_roles(ctx: AuditContext, assignment: dict[str, Any]) -> set[str]:
    """Role GUIDs the assignment's identity holds at its scope or above (so: for every subscription)."""
    scope = arm.props(assignment).get("scope") or arm.scope_of_extension(assignment.get("id"))
    return roles_held_at(ctx, assignment, str(scope))
