"""Effective enforcement of export policies per subscription (docs/coverage.md, Enforcement).

For each subscription S, every assignment of an export policy (or of a set containing one)
at S or a management group above S is checked, member by member, in the documented order (docs/coverage.md):

``excluded`` (S or a group between the assignment scope and S is in ``notScopes``) ->
``exempted`` (an unexpired exemption at or above S for that assignment and member) ->
``do_not_enforce`` -> ``effect_not_dine`` (effective effect: an assignment ``policyEffect``
override, else assignment / set / default values) -> ``no_identity`` -> ``missing_role`` (the
identity lacks, at S or above, a role assignment for some ``roleDefinitionIds`` entry) ->
``effective``.

The first failing step is the check's reason. S is ``unknown`` when policy data for S or its
groups could not be read (an unread exemption or role assignment could undo any verdict);
else ``effective`` if any check is, ``impaired`` if some assignment would apply but none is
effective, ``none`` if none would apply -- except that a subscription not placed in the
management-group tree, with nothing effective at S itself, is ``unknown``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from auditor import operations
from auditor.azure import arm
from auditor.azure.policy import DEPLOY_IF_NOT_EXISTS, AssignedPolicy, ExportTarget, export_targets
from auditor.azure.policy.assignment_facts import (
    Exemption,
    Identity,
    PolicyAssignment,
    effect_override,
    effect_source,
    latest_state,
)
from auditor.azure.snapshot import CollectionError

if TYPE_CHECKING:
    from auditor.analysis.context import AuditContext
    from auditor.azure.hierarchy import Subscription

REASONS: tuple[str, ...] = (
    "excluded", "exempted", "do_not_enforce", "effect_not_dine", "no_identity", "missing_role", "effective",
)
EFFECTIVE = "effective"
IMPAIRED = "impaired"
NONE = "none"
UNKNOWN = "unknown"


@dataclass
class AssignmentCheck:
    """One export-policy assignment (one export member, for a set) judged for one subscription."""

    assignment_id: str
    assignment_scope: str
    assigned_definition_id: str  # what the assignment assigns (definition or set)
    target: ExportTarget  # the export-policy definition judged (set member or the definition)
    reason: str  # one of REASONS
    enforcement_mode: str
    effect_source: str
    identity: Identity
    excluded_by: str | None = None
    exemption: Exemption | None = None
    missing_roles: list[dict[str, str]] = field(default_factory=list)
    policy_state: dict[str, Any] | None = None
    definition_from_snapshot: bool = True  # False: judged on the built-in copy the tool ships
    effect_override: str | None = None  # effect set by the assignment's ``overrides``

    @property
    def effective(self) -> bool:
        return self.reason == EFFECTIVE

    @property
    def reference_id(self) -> str | None:
        return self.target.reference_id

    @property
    def effect(self) -> str | None:
        return self.effect_override or self.target.effect

    @property
    def categories(self) -> list[str] | str | None:
        return self.target.shape.categories

    @property
    def destination(self) -> dict[str, Any]:
        """Destination kind and the id the assignment sends to (None when not fixed)."""
        shape = self.target.shape
        kind = shape.destination
        value = shape.destination_values.get(kind) if kind else None
        return {"kind": kind, "id": value}

    def evidence(self) -> dict[str, Any]:
        """Everything an auditor needs to find and fix this assignment without the portal."""
        out: dict[str, Any] = {
            "assignment": self.assignment_id,
            "assignmentScope": self.assignment_scope,
            "policyDefinitionId": self.target.definition_id,
            "reason": self.reason,
        }
        if self.assigned_definition_id != self.target.definition_id:
            out["policySetDefinitionId"] = self.assigned_definition_id
            out["policyDefinitionReferenceId"] = self.reference_id
        if self.excluded_by:
            out["excludedBy"] = {"notScope": self.excluded_by}
        if self.exemption:
            out["exemption"] = self.exemption.evidence()
        out["enforcementMode"] = self.enforcement_mode
        out["effect"] = self.effect
        out["effectSource"] = self.effect_source
        out["identity"] = self.identity.evidence()
        out["requiredRoles"] = list(self.target.role_definition_ids)
        if self.missing_roles:
            out["missingRoles"] = self.missing_roles
        if self.policy_state:
            out["policyState"] = self.policy_state
        if not self.definition_from_snapshot:
            out["definitionSource"] = "built-in copy shipped with auditor (absent from the snapshot)"
        return out


@dataclass
class EnforcementResult:
    state: str  # effective | impaired | none | unknown
    enforced_by: list[str] = field(default_factory=list)  # effective assignment ids
    checks: list[AssignmentCheck] = field(default_factory=list)  # every export assignment considered
    unreadable: list[CollectionError] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)  # assignments whose definition / members are unknown
    note: str = ""

    def checks_with(self, *reasons: str) -> list[AssignmentCheck]:
        return [c for c in self.checks if c.reason in reasons]

    @property
    def effective_checks(self) -> list[AssignmentCheck]:
        return self.checks_with(EFFECTIVE)


class _Tenant:
    """Snapshot policy documents indexed once for all subscriptions."""

    def __init__(self, ctx: AuditContext) -> None:
        self.ctx = ctx
        tenant = ctx.azure
        self.index = tenant.definitions
        self.assignments_by_scope = tenant.assignments_by_scope
        self.exemptions_by_scope = tenant.exemptions_by_scope
        self.roles = tenant.roles
        self.states = tenant.states
        self._assigned: dict[str, AssignedPolicy] = {}
        self._effect_sources: dict[tuple[int, int], str] = {}
        self.above_root = self._groups_above_root()

    def effect_source(self, doc: dict[str, Any], target: ExportTarget) -> str:
        """Where an assignment's effect comes from: the same for every subscription it reaches."""
        key = (id(doc), id(target))
        if key not in self._effect_sources:
            self._effect_sources[key] = effect_source(doc, self.index, target)
        return self._effect_sources[key]

    def _groups_above_root(self) -> list[str]:
        """Groups above the audited root whose policy S inherits (a ``--management-group`` snapshot).

        The collector reads the start group's assignments, exemptions and role assignments with
        ``atScope()``, which also returns those of every group above it; the hierarchy knows only
        the root's parent. So, when the root has a parent, that parent and every management
        group holding such a document but absent from the tree are taken as above the root.
        """
        hierarchy = self.ctx.hierarchy
        root = hierarchy.groups.get(hierarchy.root) if hierarchy.root else None
        if root is None or not root.parent_id:
            return []
        parent = arm.norm_id(root.parent_id)
        scopes = {*self.assignments_by_scope, *self.exemptions_by_scope, *self.roles.scopes()}
        others = sorted(s for s in scopes if s.startswith(arm.MG_PREFIX) and s not in hierarchy.groups
                        and s != parent)
        return [parent, *others]

    def assigned(self, doc: dict[str, Any]) -> AssignedPolicy:
        key = arm.norm_id(doc.get("id"))
        if key not in self._assigned:
            self._assigned[key] = export_targets(doc, self.index)
        return self._assigned[key]


def _excluded_by(assignment: PolicyAssignment, chain_below: list[str]) -> str | None:
    """The notScope that takes S out: S itself or a group between the assignment scope and S."""
    if not assignment.not_scope_keys.intersection(chain_below):
        return None
    wanted = set(chain_below)
    return next((n for n in assignment.not_scopes if arm.norm_id(n) in wanted), None)


def _check(tenant: _Tenant, sub: Subscription, doc: dict[str, Any], chain: list[str], position: int,
           target: ExportTarget, inherited_from: int) -> AssignmentCheck:
    """Judge one export target of one assignment (at ``chain[position]``) for S (``chain[0]``).

    ``chain[inherited_from:]`` are the groups above the audited root.
    """
    assignment = tenant.ctx.azure.assignment(doc)
    assignment_id = assignment.id
    identity = assignment.identity
    check = AssignmentCheck(
        assignment_id=assignment_id,
        assignment_scope=assignment.scope,
        assigned_definition_id=assignment.definition_id,
        target=target,
        reason=EFFECTIVE,
        enforcement_mode=assignment.enforcement_mode,
        effect_source=tenant.effect_source(doc, target),
        identity=identity,
        definition_from_snapshot=not tenant.index.is_builtin_fallback(target.definition_id),
        effect_override=effect_override(doc, target.reference_id),
    )
    sub_scope = arm.norm_id(sub.id)
    check.policy_state = latest_state(tenant.states.get((arm.norm_id(assignment_id), sub_scope), []),
                                      target.reference_id)
    # Groups above the audited root come in no known order: any of them may lie between.
    check.excluded_by = _excluded_by(assignment, chain if position >= inherited_from else chain[: position + 1])
    if check.excluded_by:
        check.reason = "excluded"
        return check
    for scope in chain:
        for ex in tenant.exemptions_by_scope.get(scope, ()):
            if ex.exempts(assignment_id, target.reference_id):
                check.exemption = ex
                break
        if check.exemption:
            break
    if check.exemption:
        check.reason = "exempted"
    elif not assignment.enforces:
        check.reason = "do_not_enforce"
    elif check.effect != DEPLOY_IF_NOT_EXISTS:
        check.reason = "effect_not_dine"
    elif not identity.principal_ids:
        check.reason = "no_identity"
    else:
        check.missing_roles = tenant.roles.missing(identity.principal_ids, target.role_definition_ids, chain)
        if check.missing_roles:
            check.reason = "missing_role"
    return check


def _evaluate_one(tenant: _Tenant, sub: Subscription) -> EnforcementResult:
    ctx = tenant.ctx
    chain = ctx.hierarchy.scope_chain(sub.id)  # S, parent group, ..., root
    unreadable = ctx.unreadable_in_chain(sub.id, operations.POLICY_INPUTS)
    inherited_from = len(chain)
    if sub.placed:
        chain = [*chain, *tenant.above_root]
        for scope in tenant.above_root:
            unreadable.extend(ctx.unreadable_in_chain(scope, operations.POLICY_INPUTS))
    result = EnforcementResult(NONE, unreadable=unreadable)
    for position, scope in enumerate(chain):
        for doc in sorted(tenant.assignments_by_scope.get(scope, ()), key=lambda d: arm.norm_id(d.get("id"))):
            assigned = tenant.assigned(doc)
            if not assigned.known or assigned.unknown_members:
                result.unresolved.append(assigned.assignment_id)
            for target in assigned.targets:
                result.checks.append(_check(tenant, sub, doc, chain, position, target, inherited_from))
    effective = sorted({c.assignment_id for c in result.effective_checks}, key=str.lower)
    if unreadable:
        # An unreadable exemption, notScope or role assignment could undo any verdict.
        result.state = UNKNOWN
        result.note = "policy data for the subscription or its management groups could not be read"
    elif effective:
        result.state = EFFECTIVE
        result.enforced_by = effective
    elif not sub.placed:
        result.state = UNKNOWN
        result.note = "the subscription is not placed in the management-group tree: inherited policy unknown"
    else:
        result.state = IMPAIRED if result.checks else NONE
    return result


def evaluate_enforcement(ctx: AuditContext) -> dict[str, EnforcementResult]:
    """Keyed by normalised subscription id."""
    tenant = _Tenant(ctx)
    return {key: _evaluate_one(tenant, sub) for key, sub in sorted(ctx.hierarchy.subscriptions.items())}
