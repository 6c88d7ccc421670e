"""What the planner reads from the audit: assignments considered per subscription, roles held.

The per-subscription judgement (which export-policy assignment applies, and why it is or is
not effective) belongs to the enforcement analysis; this module only adapts its result to the
few facts the planner needs, so that the two never judge the same thing differently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor import arm
from auditor.analysis.context import AuditContext
from auditor.policy.classify import is_export_policy
from auditor.policy.definitions import NotAPolicyDocument, PolicyDoc


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


def held_roles(ctx: AuditContext, assignment: dict[str, Any]) -> set[str]:
    """Role GUIDs the assignment's identity holds at its scope or above (so: for every subscription)."""
    identity = arm.as_dict(assignment.get("identity"))
    principal = identity.get("principalId")
    principals = {principal.lower() if isinstance(principal, str) else ""}
    for ua in arm.as_dict(identity.get("userAssignedIdentities")).values():
        if isinstance(ua, dict) and ua.get("principalId"):
            principals.add(str(ua["principalId"]).lower())
    principals.discard("")
    if not principals:
        return set()
    scope = arm.props(assignment).get("scope") or arm.scope_of_extension(assignment.get("id"))
    chain = set(ctx.hierarchy.scope_chain(str(scope)))
    held: set[str] = set()
    for ra in ctx.snapshot.of_kind(arm.ROLE_ASSIGNMENT):
        p = arm.props(ra)
        if str(p.get("principalId") or "").lower() not in principals:
            continue
        ra_scope = arm.norm_id(p.get("scope") or arm.scope_of_extension(ra.get("id")))
        if ra_scope in chain or ra_scope == "/":
            g = arm.guid_in(str(p.get("roleDefinitionId") or ""))
            if g:
                held.add(g)
    return held
