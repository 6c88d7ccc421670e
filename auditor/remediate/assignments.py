"""What is wrong with an existing export-policy assignment, and what would fix it in place.

Reads the assignment and the definition (or set) it points to, as ARM documents from the
snapshot. A fix is a new version of the same assignment (same id, same notScopes, same
parameters except the effect) plus role assignments for its identity: existing exclusions
and exemptions are never touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from auditor.azure import arm
from auditor.azure.policy import NotAPolicyDocument, PolicyDoc, member_definition_id, member_reference_id
from auditor.azure.policy.assignment_facts import (
    assigned_definition_id,
    assigned_parameters,
    assignment_overrides,
    assignment_scope,
    enforces,
    identity_of,
    override_selects,
)
from auditor.azure.snapshot import Snapshot
from auditor.remediate import roles

_PARAM_REF = re.compile(r"^\[\[?\s*parameters\(\s*'([^']+)'\s*\)\s*\]$", re.I)
DINE = "deployifnotexists"


def parameter_reference(value: Any) -> str | None:
    """``"[parameters('effect')]"`` -> ``effect``; None for literals and other expressions."""
    if not isinstance(value, str):
        return None
    m = _PARAM_REF.match(value.strip())
    return m.group(1) if m else None


def _policy(doc: dict[str, Any]) -> PolicyDoc | None:
    """The definition or set as the model reads it (None when it is neither)."""
    try:
        return PolicyDoc(doc)
    except NotAPolicyDocument:
        return None


def _rule_then(definition: dict[str, Any]) -> dict[str, Any]:
    pd = _policy(definition)
    return dict(pd.then) if pd else {}


def definition_roles(definition: dict[str, Any]) -> list[str]:
    pd = _policy(definition)
    return sorted({g for g in (arm.guid_in(i) for i in (pd.role_definition_ids() if pd else [])) if g})


def _param_default(doc: dict[str, Any], name: str) -> Any:
    """The default a definition or set declares for a parameter (any casing); None when none."""
    pd = _policy(doc)
    return pd.defaults().get(name.lower()) if pd else None


def _assigned_value(assignment: dict[str, Any], name: str) -> Any:
    return assigned_parameters(assignment).get(name.lower())


@dataclass
class AssignmentFix:
    """The in-place repair of one assignment."""

    assignment: dict[str, Any]
    set_enforcement_mode: bool = False
    effect_parameter: str | None = None  # assignment parameter to set to DeployIfNotExists
    overrides: list[Any] | None = None  # the assignment's overrides with export members freed, when changed
    add_identity: bool = False
    principal_id: str | None = None  # existing system identity, when there is one
    missing_roles: list[str] = field(default_factory=list)  # role GUIDs to grant at the scope
    required_roles: list[str] = field(default_factory=list)
    unfixable: list[str] = field(default_factory=list)  # what cannot be repaired by the assignment
    destination_kind: str | None = None  # where the assignment exports, when the audit knows it
    destination_id: str | None = None
    destination_role: str | None = None  # role the identity needs on the destination itself
    destination_held: bool = False  # the identity already holds what the linked access check needs there

    @property
    def changes_assignment(self) -> bool:
        """Whether the assignment itself is redeployed (else only role assignments are added)."""
        return (self.set_enforcement_mode or bool(self.effect_parameter) or self.add_identity
                or self.overrides is not None)

    @property
    def grants_destination(self) -> bool:
        """A role assignment on the destination is added: the identity is new, or it lacks the linked
        access rights there (typically a central workspace outside the assignment's scope)."""
        return bool(self.destination_id and self.destination_role
                    and (self.add_identity or not self.destination_held))

    @property
    def id(self) -> str:
        return arm.display_id(self.assignment.get("id"))

    @property
    def scope(self) -> str:
        return assignment_scope(self.assignment)

    @property
    def changes(self) -> list[str]:
        out = []
        if self.set_enforcement_mode:
            out.append("enforcementMode Default")
        if self.effect_parameter:
            out.append(f"parameter {self.effect_parameter} = DeployIfNotExists")
        if self.overrides is not None:
            out.append("policyEffect override no longer reaches the export policy")
        if self.add_identity:
            out.append("system-assigned managed identity")
        if self.missing_roles:
            out.append("role assignments for " + ", ".join(roles.role_name(r) for r in self.missing_roles))
        if self.grants_destination and self.destination_role:
            out.append(f"{roles.role_name(self.destination_role)} on the destination")
        return out

    @property
    def needed(self) -> bool:
        return bool(self.changes)


def _member_effects(
    snapshot: Snapshot, assignment: dict[str, Any], set_doc: dict[str, Any], is_export: Any
) -> tuple[list[tuple[Any, str | None]], list[str]]:
    """For each export member of a set: (effective effect, assignment parameter carrying it)."""
    out: list[tuple[Any, str | None]] = []
    roles: set[str] = set()
    set_pd = _policy(set_doc)
    for member in set_pd.members if set_pd else []:
        definition = snapshot.get(member_definition_id(member))
        if not definition or not is_export(definition):
            continue
        roles.update(definition_roles(definition))
        then = _rule_then(definition)
        member_param = parameter_reference(arm.ci_get(then, "effect"))
        if member_param is None:
            out.append((arm.ci_get(then, "effect"), None))
            continue
        passed = None
        for k, v in (member.get("parameters") or {}).items():
            if k.lower() == member_param.lower() and isinstance(v, dict):
                passed = v.get("value")
        if passed is None:
            out.append((_param_default(definition, member_param), None))
            continue
        set_param = parameter_reference(passed)
        if set_param is None:
            out.append((passed, None))
            continue
        value = _assigned_value(assignment, set_param)
        out.append((value if value is not None else _param_default(set_doc, set_param), set_param))
    return out, sorted(roles)


def plan_fix(
    snapshot: Snapshot, assignment: dict[str, Any], is_export: Any, granted: set[str]
) -> AssignmentFix:
    """What the assignment needs to be effective. ``granted``: role GUIDs its identity holds."""
    fix = AssignmentFix(assignment)
    if not enforces(assignment):
        fix.set_enforcement_mode = True
    target = snapshot.get(assigned_definition_id(assignment))
    if target is None:
        fix.unfixable.append("definition not in the snapshot")
        return fix
    if arm.kind_of(target) == arm.POLICY_SET_DEFINITION:
        effects, roles_needed = _member_effects(snapshot, assignment, target, is_export)
        if effects and not any(str(e).lower() == DINE for e, _ in effects):
            carriers = [param for _, param in effects if param]
            if carriers:
                fix.effect_parameter = carriers[0]
            else:
                fix.unfixable.append("the set fixes its export members' effect; edit the set")
    else:
        roles_needed = definition_roles(target)
        then = _rule_then(target)
        param = parameter_reference(arm.ci_get(then, "effect"))
        if param is None:
            if str(arm.ci_get(then, "effect")).lower() != DINE:
                fix.unfixable.append("the definition hard-codes its effect")
        else:
            value = _assigned_value(assignment, param)
            if value is None:
                value = _param_default(target, param)
            if str(value).lower() != DINE:
                fix.effect_parameter = param
    fix.overrides = _freed_overrides(assignment, _export_reference_ids(snapshot, target, is_export))
    fix.required_roles = roles_needed
    identity = identity_of(assignment)
    if not identity.present:
        fix.add_identity = True
        fix.missing_roles = list(roles_needed)
    else:
        fix.principal_id = identity.principal_id
        fix.missing_roles = [r for r in roles_needed if r not in granted]
        if fix.missing_roles and not fix.principal_id:
            fix.unfixable.append("the identity's principal id is not in the snapshot")
    return fix


def _export_reference_ids(snapshot: Snapshot, target: dict[str, Any], is_export: Any) -> list[str | None]:
    """Reference ids of the export members of a set; ``[None]`` for a single definition."""
    if arm.kind_of(target) != arm.POLICY_SET_DEFINITION:
        return [None]
    refs: list[str | None] = []
    set_pd = _policy(target)
    for member in set_pd.members if set_pd else []:
        definition = snapshot.get(member_definition_id(member))
        if definition and is_export(definition):
            refs.append(member_reference_id(member))
    return refs


def _freed_overrides(assignment: dict[str, Any], export_refs: list[str | None]) -> list[Any] | None:
    """The assignment's overrides changed so no non-DeployIfNotExists ``policyEffect`` reaches an
    export member (None when nothing needs to change).

    An override wins over every parameter, so fixing the effect parameter alone would not do.
    For a single definition such an override is dropped; for a set, the export members are taken
    out of its ``in`` selector or added to a ``notIn`` one, leaving the other members as they were.
    """
    overrides = assignment_overrides(assignment)
    if overrides is None:
        return None
    changed = False
    out: list[Any] = []
    for override in overrides:
        if (not isinstance(override, dict) or str(arm.ci_get(override, "kind") or "").lower() != "policyeffect"
                or str(arm.ci_get(override, "value") or "").lower() == DINE):
            out.append(override)
            continue
        hit = [r for r in export_refs if override_selects(arm.ci_get(override, "selectors"), r)]
        if not hit:
            out.append(override)
            continue
        changed = True
        if hit == [None]:
            continue  # a single definition: the override only ever reached it
        refs = {str(r).lower() for r in hit}
        selectors = [dict(sel) for sel in arm.as_list(arm.ci_get(override, "selectors")) if isinstance(sel, dict)]
        by_reference = [sel for sel in selectors
                        if str(arm.ci_get(sel, "kind") or "").lower() == "policydefinitionreferenceid"]
        narrowed = False
        for sel in by_reference:
            if isinstance(sel.get("in"), list):
                sel["in"] = [v for v in sel["in"] if str(v).lower() not in refs]
                narrowed = True
        if narrowed and any(isinstance(sel.get("in"), list) and not sel["in"] for sel in by_reference):
            continue  # nothing left for it to select
        if not narrowed:
            excluding = next((sel for sel in by_reference if isinstance(sel.get("notIn"), list)), None)
            if excluding is None:
                selectors.append({"kind": "policyDefinitionReferenceId", "notIn": sorted(str(r) for r in hit)})
            else:
                excluding["notIn"] = [*excluding["notIn"], *sorted(str(r) for r in hit)]
        out.append({**override, "selectors": selectors})
    return out if changed else None
