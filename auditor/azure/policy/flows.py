"""Parameter values flowing from an assignment through a set into its members.

An assignment passes values to the definition or set it assigns; a set passes values to
each member through ``policyDefinitions[].parameters`` (literals, or expressions over the
set's own parameters). What is not passed falls back to the declared ``defaultValue``.
:func:`export_targets` applies that flow to every export-policy member of an assignment and
judges each under the values really in force.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.azure import arm
from auditor.azure.policy.definitions import (
    SET,
    DefinitionIndex,
    PolicyDoc,
    ci,
    member_definition_id,
    member_reference_id,
    parameter_values,
)
from auditor.azure.policy.export_policy import ExportShape, export_shape, is_export_policy
from auditor.azure.policy.expressions import PARAM, Scope, evaluate


def member_values(
    set_doc: PolicyDoc,
    member: Mapping[str, Any],
    set_values: Mapping[str, Any] | None = None,
    set_free: frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], frozenset[str]]:
    """What a set passes to one member: (values, names left free).

    ``set_values`` are the set's parameter values from an assignment (defaults fill gaps).
    A member parameter is *free* when it is computed from a set parameter named in
    ``set_free`` (a classification without an assignment); its value is still given, from
    the set's default, so the member's default effect can be reported.
    """
    passed = parameter_values(ci(member, "parameters"))
    in_force = Scope(parameters=set_doc.values(set_values))
    symbolic = Scope(parameters=set_doc.values(set_values), free=set_free)
    values: dict[str, Any] = {}
    free: set[str] = set()
    for name, expr in passed.items():
        values[name] = evaluate(expr, in_force)
        if set_free and evaluate(expr, symbolic) is PARAM:
            free.add(name)
    return values, frozenset(free)


@dataclass(frozen=True)
class ExportTarget:
    """One export-policy definition an assignment applies, judged under its parameter values."""

    definition_id: str
    reference_id: str | None  # policyDefinitionReferenceId when reached through a set
    definition: PolicyDoc
    values: dict[str, Any]
    shape: ExportShape

    @property
    def effect(self) -> str | None:
        return self.shape.effect

    @property
    def role_definition_ids(self) -> tuple[str, ...]:
        return self.shape.role_definition_ids


@dataclass
class AssignedPolicy:
    """What an assignment assigns, as far as export policies are concerned."""

    assignment_id: str
    policy_definition_id: str
    is_set: bool
    known: bool  # the assigned definition / set was found
    targets: list[ExportTarget] = field(default_factory=list)
    unknown_members: list[str] = field(default_factory=list)

    @property
    def is_export(self) -> bool:
        return bool(self.targets)


def export_targets(assignment: Mapping[str, Any], index: DefinitionIndex) -> AssignedPolicy:
    """Export-policy definitions an assignment applies, with the parameter values in force."""
    props = arm.props(dict(assignment))
    assigned_id = str(ci(props, "policyDefinitionId") or "")
    given = parameter_values(ci(props, "parameters"))
    result = AssignedPolicy(
        assignment_id=arm.display_id(str(assignment.get("id") or "")),
        policy_definition_id=arm.display_id(assigned_id),
        is_set="/policysetdefinitions/" in assigned_id.lower(),
        known=False,
    )
    pd = index.get(assigned_id)
    if pd is None:
        return result
    result.known = True
    result.is_set = pd.kind == SET
    if pd.kind != SET:
        if is_export_policy(pd):
            shape = export_shape(pd, given)
            result.targets.append(ExportTarget(arm.display_id(assigned_id), None, pd, pd.values(given), shape))
        return result
    for member in pd.members:
        member_id = member_definition_id(member)
        member_pd = index.get(member_id)
        if member_pd is None or member_pd.kind == SET:
            result.unknown_members.append(arm.display_id(member_id))
            continue
        if not is_export_policy(member_pd):
            continue
        values, _ = member_values(pd, member, given)
        result.targets.append(ExportTarget(
            arm.display_id(member_id), member_reference_id(member) or None, member_pd,
            member_pd.values(values), export_shape(member_pd, values),
        ))
    return result
