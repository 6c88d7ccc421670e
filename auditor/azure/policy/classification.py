"""Classification of one definition or set file (docs/policy.md), as ``policy classify`` prints it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.azure import arm
from auditor.azure.policy.definitions import (
    SET,
    DefinitionIndex,
    NotAPolicyDocument,
    PolicyDoc,
    member_definition_id,
    member_reference_id,
)
from auditor.azure.policy.export_policy import (
    PARAMETERISED,
    category_parameters,
    classify_bare,
    default_categories,
    export_shape,
    is_export_policy,
)
from auditor.azure.policy.flows import member_values
from auditor.azure.policy.template import order_categories
from auditor.azure.snapshot import read_json_file
from auditor.errors import InputError


@dataclass(frozen=True)
class MemberExport:
    """An export-policy member of a set, judged with the values the set passes to it."""

    reference_id: str
    definition_id: str
    effect: str | None
    destination: str | None
    categories: list[str] | str | None
    role_definition_ids: list[str]
    default_categories: list[str] | None = None
    category_parameters: list[str] = field(default_factory=list)  # the SET's parameters

    def as_dict(self) -> dict[str, Any]:
        return {
            "policyDefinitionReferenceId": self.reference_id,
            "policyDefinitionId": self.definition_id,
            "effect": self.effect,
            "destination": self.destination,
            "categories": self.categories,
            "defaultCategories": self.default_categories,
            "categoryParameters": list(self.category_parameters),
            "roleDefinitionIds": list(self.role_definition_ids),
        }


@dataclass(frozen=True)
class Classification:
    kind: str  # definition | set
    effect: str | None  # default effect (of the export member, for a set)
    deploys_subscription_activity_log_export: bool
    destination: str | None  # log_analytics | storage | event_hub | partner | parameterised | None
    categories: list[str] | str | None  # list | "parameterised" | None
    role_definition_ids: list[str]
    reason: str
    id: str | None = None
    name: str | None = None
    display_name: str = ""
    file: str | None = None
    unknown_members: list[str] = field(default_factory=list)
    export_members: list[MemberExport] = field(default_factory=list)
    # Categories deployed when every parameter keeps its default, and the parameters an
    # assignment can change them with (for "parameterised" categories).
    default_categories: list[str] | None = None
    category_parameters: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The JSON object of docs/policy.md, plus explanatory keys (reason, id, set members)."""
        out: dict[str, Any] = {
            "file": self.file,
            "kind": self.kind,
            "effect": self.effect,
            "deploys_subscription_activity_log_export": self.deploys_subscription_activity_log_export,
            "destination": self.destination,
            "categories": self.categories,
            "defaultCategories": self.default_categories,
            "categoryParameters": list(self.category_parameters),
            "roleDefinitionIds": list(self.role_definition_ids),
            "id": self.id,
            "name": self.name,
            "displayName": self.display_name,
            "reason": self.reason,
        }
        if self.kind == SET:
            out["exportMembers"] = [m.as_dict() for m in self.export_members]
            out["unknownMembers"] = list(self.unknown_members)
        return out


def _as_index(known: DefinitionIndex | Iterable[Mapping[str, Any]] | None) -> DefinitionIndex:
    if isinstance(known, DefinitionIndex):
        return known
    return DefinitionIndex(known or ())


def classify_definition(
    doc: Mapping[str, Any] | PolicyDoc,
    known_definitions: DefinitionIndex | Iterable[Mapping[str, Any]] | None = None,
    file: str | None = None,
) -> Classification:
    """Classify one definition or set document.

    ``known_definitions`` resolves set members (an index, or documents to index; the shipped
    built-ins are always included). Raises :class:`NotAPolicyDocument` for other JSON.
    """
    pd = doc if isinstance(doc, PolicyDoc) else PolicyDoc(doc)
    common: dict[str, Any] = {"id": pd.id, "name": pd.name, "display_name": pd.display_name, "file": file}
    if pd.kind != SET:
        shape = classify_bare(pd)
        return Classification(
            kind="definition",
            effect=shape.effect,
            deploys_subscription_activity_log_export=shape.deploys,
            destination=shape.destination if shape.deploys else None,
            categories=shape.categories if shape.deploys else None,
            role_definition_ids=list(shape.role_definition_ids),
            reason=shape.reason,
            default_categories=default_categories(pd) if shape.deploys else None,
            category_parameters=category_parameters(pd) if shape.deploys else [],
            **common,
        )
    index = _as_index(known_definitions)
    unknown: list[str] = []
    exports: list[MemberExport] = []
    for member in pd.members:
        member_id = member_definition_id(member)
        member_pd = index.get(member_id)
        if member_pd is None or member_pd.kind == SET:
            unknown.append(arm.display_id(member_id) if member_id else "<member without policyDefinitionId>")
            continue
        if not is_export_policy(member_pd):
            continue
        values, free = member_values(pd, member, None, frozenset(pd.parameters))
        shape = export_shape(member_pd, values, free)
        exports.append(MemberExport(
            reference_id=member_reference_id(member),
            definition_id=arm.display_id(member_id),
            effect=shape.effect,
            destination=shape.destination,
            categories=shape.categories,
            role_definition_ids=list(shape.role_definition_ids),
            default_categories=default_categories(member_pd, values),
            category_parameters=_set_category_parameters(pd, member, member_pd),
        ))
    return _set_classification(pd, exports, unknown, common)


def _set_category_parameters(set_pd: PolicyDoc, member: Mapping[str, Any], member_pd: PolicyDoc) -> list[str]:
    """The set's parameters that decide a member's categories (through what the set passes)."""
    out: list[str] = []
    for name in set_pd.parameters:
        values, free = member_values(set_pd, member, None, frozenset({name}))
        if free and category_parameters(member_pd, values, free):
            out.append(set_pd.parameter_name(name))
    return out


def _set_classification(pd: PolicyDoc, exports: list[MemberExport], unknown: list[str],
                        common: dict[str, Any]) -> Classification:
    if not exports:
        reason = "no known member deploys a subscription activity-log diagnostic setting"
        if unknown:
            reason += f"; {len(unknown)} member definition(s) unknown, not judged"
        return Classification("set", None, False, None, None, [], reason,
                              unknown_members=unknown, **common)
    first = exports[0]  # several export members are rare; exportMembers lists each
    categories: list[str] | str | None
    if any(m.categories == PARAMETERISED for m in exports):
        categories = PARAMETERISED
    elif any(m.categories is None for m in exports):
        categories = None
    else:
        categories = order_categories({c for m in exports for c in (m.categories or [])})
    defaults: list[str] | None = None
    if all(m.default_categories is not None for m in exports):
        defaults = order_categories({c for m in exports for c in (m.default_categories or [])})
    controls: list[str] = []
    for m in exports:
        controls.extend(p for p in m.category_parameters if p not in controls)
    rdids: list[str] = []
    seen: set[str] = set()
    for m in exports:
        for rid in m.role_definition_ids:
            key = arm.guid_in(rid) or rid.lower()
            if key not in seen:
                seen.add(key)
                rdids.append(rid)
    refs = ", ".join(m.reference_id or m.definition_id for m in exports)
    return Classification(
        kind="set",
        effect=first.effect,
        deploys_subscription_activity_log_export=True,
        destination=first.destination,
        categories=categories,
        role_definition_ids=rdids,
        reason=f"member(s) {refs} deploy a subscription activity-log diagnostic setting",
        unknown_members=unknown,
        export_members=exports,
        default_categories=defaults,
        category_parameters=controls,
        **common,
    )


def load_policy_file(path: str | Path) -> PolicyDoc:
    """Read one definition / set file; InputError (exit 2) with one line when it is not one."""
    data, _ = read_json_file(path, "policy file")
    try:
        return PolicyDoc(data)
    except NotAPolicyDocument as e:
        template = isinstance(data, dict) and "deploymenttemplate" in str(data.get("$schema", "")).lower()
        why = "it is an ARM deployment template" if template else str(e)
        raise InputError(f"policy file {path} is not a policy definition or set definition: {why}") from None


def classify_files(paths: Iterable[str | Path], errors: list[str] | None = None) -> list[Classification]:
    """Classify files; sets are judged with the other files and the shipped built-ins.

    A file that cannot be read as a definition raises InputError, or, with ``errors`` given, adds
    its one-line reason there and is skipped: a batch (``policies/*.json``) is judged file by file.
    """
    docs = []
    for p in paths:
        try:
            docs.append((str(p), load_policy_file(p)))
        except InputError as e:
            if errors is None:
                raise
            errors.append(str(e))
    index = DefinitionIndex()
    for _, pd in docs:
        index.add(pd)
    return [classify_definition(pd, index, file=name) for name, pd in docs]
