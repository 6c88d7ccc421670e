"""Policy (set) definitions as they come: REST documents, repository files, ALZ copies.

A definition may carry its ``properties`` wrapper or not, any key casing, ``[[``-escaped
expressions, and an ``id`` or only a ``name``. :class:`PolicyDoc` hides that variety behind
one small interface; :class:`DefinitionIndex` finds the definition a set member or an
assignment refers to (snapshot documents, files given on the command line, and the built-in
definitions the project ships in ``auditor/data/builtin_policies``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

from auditor.azure import arm

DEFINITION = "definition"
SET = "set"

_CANONICAL_EFFECTS = {
    e.lower(): e
    for e in (
        "DeployIfNotExists", "AuditIfNotExists", "Audit", "Deny", "DenyAction", "Disabled",
        "Modify", "Append", "Manual", "AddToNetworkGroup", "Mutate",
    )
}
DEPLOY_IF_NOT_EXISTS = "DeployIfNotExists"


def canonical_effect(value: Any) -> str | None:
    """Effect names compare case-insensitively; report them in their documented casing."""
    if not isinstance(value, str) or not value.strip():
        return None
    return _CANONICAL_EFFECTS.get(value.strip().lower(), value.strip())


ci = arm.ci_get  # case-insensitive lookup: policy files re-case keys (``ExistenceScope``)


class NotAPolicyDocument(ValueError):
    """The JSON is neither a policy definition nor a policy set definition."""


class PolicyDoc:
    """One policy definition or policy set definition, whatever its storage shape."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        if not isinstance(doc, Mapping):
            raise NotAPolicyDocument("top level is not a JSON object")
        self.raw = doc
        wrapped = ci(doc, "properties")
        body: Mapping[str, Any] = doc
        if isinstance(wrapped, Mapping) and (
            ci(wrapped, "policyRule") is not None or ci(wrapped, "policyDefinitions") is not None
        ):
            body = wrapped
        self.props = body
        if isinstance(ci(body, "policyRule"), Mapping):
            self.kind = DEFINITION
        elif isinstance(ci(body, "policyDefinitions"), list):
            self.kind = SET
        else:
            raise NotAPolicyDocument("neither 'policyRule' (definition) nor 'policyDefinitions' (set) found")

    @property
    def id(self) -> str | None:
        v = ci(self.raw, "id")
        return arm.display_id(v) if isinstance(v, str) and v.strip() else None

    @property
    def name(self) -> str | None:
        v = ci(self.raw, "name")
        if isinstance(v, str) and v.strip():
            return v.strip()
        return arm.last_segment(self.id) if self.id else None

    @property
    def display_name(self) -> str:
        return str(ci(self.props, "displayName") or self.name or "")

    @property
    def reference(self) -> str:
        """How evidence names this definition: its id, else its name."""
        return self.id or self.name or "<unnamed definition>"

    @property
    def parameters(self) -> dict[str, dict[str, Any]]:
        """Declared parameters keyed by lower-case name (ARM parameter names ignore case)."""
        declared = ci(self.props, "parameters")
        if not isinstance(declared, Mapping):
            return {}
        return {str(k).lower(): dict(v) for k, v in declared.items() if isinstance(v, Mapping)}

    def parameter_name(self, name: str) -> str:
        """A parameter's name as declared (for evidence), given any casing."""
        declared = ci(self.props, "parameters")
        if isinstance(declared, Mapping):
            for k in declared:
                if str(k).lower() == name.lower():
                    return str(k)
        return name

    def defaults(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, decl in self.parameters.items():
            if "defaultValue" in decl or "defaultvalue" in {k.lower() for k in decl}:
                out[name] = ci(decl, "defaultValue")
        return out

    def values(self, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Parameter values in force: ``given`` (lower-case keys) over declared defaults."""
        out = self.defaults()
        for k, v in (given or {}).items():
            out[k.lower()] = v
        return out

    def allowed_values(self, name: str) -> list[Any] | None:
        decl = self.parameters.get(name.lower())
        allowed = ci(decl, "allowedValues") if decl else None
        return allowed if isinstance(allowed, list) else None

    @property
    def policy_rule(self) -> Mapping[str, Any]:
        rule = ci(self.props, "policyRule")
        return rule if isinstance(rule, Mapping) else {}

    @property
    def then(self) -> Mapping[str, Any]:
        then = ci(self.policy_rule, "then")
        return then if isinstance(then, Mapping) else {}

    @property
    def details(self) -> Mapping[str, Any]:
        details = ci(self.then, "details")
        return details if isinstance(details, Mapping) else {}

    def role_definition_ids(self) -> list[str]:
        """``roleDefinitionIds`` of a DeployIfNotExists/Modify rule, de-duplicated by GUID."""
        ids = ci(self.details, "roleDefinitionIds")
        out: list[str] = []
        seen: set[str] = set()
        for rid in ids if isinstance(ids, list) else []:
            if not isinstance(rid, str) or not rid.strip():
                continue
            key = arm.guid_in(rid) or rid.strip().lower()
            if key not in seen:
                seen.add(key)
                out.append(rid.strip())
        return out

    @property
    def members(self) -> list[Mapping[str, Any]]:
        members = ci(self.props, "policyDefinitions")
        return [m for m in members if isinstance(m, Mapping)] if isinstance(members, list) else []


def member_definition_id(member: Mapping[str, Any]) -> str:
    return str(ci(member, "policyDefinitionId") or "")


def member_reference_id(member: Mapping[str, Any]) -> str:
    return str(ci(member, "policyDefinitionReferenceId") or "")


def parameter_values(assigned: Any) -> dict[str, Any]:
    """``{"name": {"value": v}}`` (assignments, set members) -> ``{"name": v}`` with lower-case keys."""
    out: dict[str, Any] = {}
    if not isinstance(assigned, Mapping):
        return out
    for k, v in assigned.items():
        if isinstance(v, Mapping) and any(str(x).lower() == "value" for x in v):
            out[str(k).lower()] = ci(v, "value")
    return out


class DefinitionIndex:
    """Finds definitions by the id a set member or assignment uses.

    Documents with an id are found by that id. Repository files often carry only a ``name``
    (ALZ, Community-Policy); they are found by that name when the id a set uses ends with it,
    which is how those repositories reference their own definitions.
    """

    def __init__(self, docs: Iterable[Mapping[str, Any]] = (), include_builtins: bool = True) -> None:
        self._by_id: dict[str, PolicyDoc] = {}
        self._by_name: dict[str, PolicyDoc] = {}
        self.builtin_ids: set[str] = set()
        for doc in docs:
            self.add(doc)
        if include_builtins:
            for doc in builtin_documents():
                pd = PolicyDoc(doc)
                key = arm.norm_id(pd.id)
                if key and key not in self._by_id:
                    self._by_id[key] = pd
                    self.builtin_ids.add(key)

    def add(self, doc: Mapping[str, Any] | PolicyDoc) -> PolicyDoc | None:
        try:
            pd = doc if isinstance(doc, PolicyDoc) else PolicyDoc(doc)
        except NotAPolicyDocument:
            return None
        if pd.id:
            self._by_id[arm.norm_id(pd.id)] = pd
        elif pd.name:
            self._by_name.setdefault(pd.name.lower(), pd)
        return pd

    def get(self, definition_id: str | None) -> PolicyDoc | None:
        if not definition_id:
            return None
        found = self._by_id.get(arm.norm_id(definition_id))
        if found is not None:
            return found
        return self._by_name.get(arm.last_segment(definition_id).lower())

    def is_builtin_fallback(self, definition_id: str | None) -> bool:
        """True when ``definition_id`` is only known from the shipped built-ins."""
        return arm.norm_id(definition_id) in self.builtin_ids


@cache
def _builtin_texts() -> tuple[str, ...]:
    folder = resources.files("auditor") / "data" / "builtin_policies"
    if not folder.is_dir():
        return ()
    return tuple(
        f.read_text(encoding="utf-8")
        for f in sorted(folder.iterdir(), key=lambda p: p.name)
        if f.name.endswith(".json")
    )


def builtin_documents() -> list[dict[str, Any]]:
    """The built-in policy (set) definitions shipped with the tool, as fresh dicts."""
    return [json.loads(t) for t in _builtin_texts()]
