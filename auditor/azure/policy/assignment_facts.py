"""Facts about policy assignments: enforcement mode, identity, exemptions, roles, states.

The one reader of these facts for analysis, remediation, renderers and collection: each helper
reads raw ARM documents exactly as the REST API returns them and keeps what an auditor needs
as evidence (ids, expiry, principal ids, timestamps), so findings can be acted on without
opening the portal, and so no two layers read the same fact two ways (issue 17).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from auditor.azure import arm
from auditor.azure.policy import (
    DefinitionIndex,
    ExportTarget,
    canonical_effect,
    effect_parameter,
    member_reference_id,
    parameter_reference,
    parameter_values,
)
from auditor.azure.snapshot import parse_timestamp

_SUB_MICROSECOND = re.compile(r"\.\d{6}(\d+)")
DEFAULT_MODE = "Default"


def enforcement_mode(assignment: Mapping[str, Any]) -> str:
    """``properties.enforcementMode`` as the assignment states it.

    Absent, null or empty is ARM's default, ``Default``. Any other value that is not a string
    (``false``, ``0``) is not ``Default`` either: ARM's schema only knows the strings ``Default``
    and ``DoNotEnforce``, so the tool never guesses that a malformed value enforces.
    """
    raw = arm.props(dict(assignment)).get("enforcementMode")
    if raw is None or raw == "":
        return DEFAULT_MODE
    return raw if isinstance(raw, str) else json.dumps(raw)


def enforces(assignment: Mapping[str, Any]) -> bool:
    """Whether the assignment's enforcement mode is ``Default`` (case-insensitive, as ARM compares)."""
    return enforcement_mode(assignment).lower() == DEFAULT_MODE.lower()


def assignment_scope(assignment: Mapping[str, Any]) -> str:
    """The scope an assignment is made at: ``properties.scope``, else the id's prefix."""
    scope = arm.props(dict(assignment)).get("scope")
    return arm.display_id(scope) if isinstance(scope, str) and scope else arm.scope_of_extension(assignment.get("id"))


def not_scopes(assignment: Mapping[str, Any]) -> list[str]:
    """The assignment's ``notScopes`` (display form); entries that are not strings are ignored."""
    values = arm.props(dict(assignment)).get("notScopes")
    return [arm.display_id(n) for n in values if isinstance(n, str)] if isinstance(values, list) else []


def assigned_definition_id(assignment: Mapping[str, Any]) -> str:
    """What the assignment assigns: a policy definition or set definition id (display form)."""
    return arm.display_id(str(arm.props(dict(assignment)).get("policyDefinitionId") or ""))


def assignment_properties(assignment: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the assignment's properties, for writing a repaired version that keeps every other field."""
    return dict(arm.props(dict(assignment)))


def assignment_overrides(assignment: Mapping[str, Any]) -> list[Any] | None:
    """``properties.overrides`` (api-version 2022-06-01 on) as written; None when absent or not a list."""
    overrides = arm.props(dict(assignment)).get("overrides")
    return overrides if isinstance(overrides, list) else None


def assigned_parameters(assignment: Mapping[str, Any]) -> dict[str, Any]:
    """The assignment's parameter values by name as written (``{"value": v}`` unwrapped)."""
    return parameter_values(arm.props(dict(assignment)).get("parameters"))


def _expiry_instant(value: str) -> datetime:
    """``expiresOn`` rounded up to the microsecond.

    ARM writes 7 fractional digits; Python keeps 6. Truncating would make an exemption
    expiring 100 ns after ``collectedAt`` look expired at ``collectedAt``; rounding up keeps
    it in force, and an expiry exactly at ``collectedAt`` still counts as expired.
    """
    instant = parse_timestamp(value)
    extra = _SUB_MICROSECOND.search(value)
    if extra and extra.group(1).strip("0"):
        instant += timedelta(microseconds=1)
    return instant


@dataclass(frozen=True)
class Exemption:
    id: str
    scope: str
    assignment_id: str
    category: str
    expires_on: str | None
    expired: bool
    reference_ids: tuple[str, ...]
    display_name: str = ""

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any], collected_at: datetime) -> Exemption:
        p = arm.props(dict(doc))
        expires = p.get("expiresOn")
        expired = False
        if isinstance(expires, str) and expires.strip():
            try:
                expired = _expiry_instant(expires) <= collected_at
            except ValueError:
                expired = False  # an unreadable expiry is not treated as lapsed
        refs = p.get("policyDefinitionReferenceIds") or []
        return cls(
            id=arm.display_id(str(doc.get("id") or "")),
            scope=arm.scope_of_extension(doc.get("id")),
            assignment_id=arm.display_id(str(p.get("policyAssignmentId") or "")),
            category=str(p.get("exemptionCategory") or ""),
            expires_on=expires if isinstance(expires, str) and expires.strip() else None,
            expired=expired,
            reference_ids=tuple(str(r) for r in refs if isinstance(r, str)) if isinstance(refs, list) else (),
            display_name=str(p["displayName"]) if isinstance(p.get("displayName"), str) else "",
        )

    def exempts(self, assignment_id: str, reference_id: str | None) -> bool:
        """Unexpired, for this assignment, and (when it names members) for this member."""
        if self.expired or not arm.same_id(self.assignment_id, assignment_id):
            return False
        if self.reference_ids and reference_id is not None:
            return reference_id.lower() in {r.lower() for r in self.reference_ids}
        return True

    def evidence(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "scope": self.scope,
            "category": self.category,
            "expiresOn": self.expires_on,
            "policyDefinitionReferenceIds": list(self.reference_ids),
        }


@dataclass(frozen=True)
class Identity:
    type: str | None
    principal_ids: tuple[str, ...]  # system-assigned first, then user-assigned in id order
    user_assigned: tuple[str, ...]  # user-assigned identity resource ids

    @property
    def present(self) -> bool:
        """The assignment has a managed identity (``type`` other than absent or ``None``)."""
        return str(self.type or "").strip().lower() not in ("", "none")

    @property
    def principal_id(self) -> str | None:
        """The principal that acts for the assignment: the system identity, else the first user-assigned."""
        return self.principal_ids[0] if self.principal_ids else None

    def evidence(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "principalIds": list(self.principal_ids),
            "userAssignedIdentities": list(self.user_assigned),
        }


def identity_of(assignment: Mapping[str, Any]) -> Identity:
    """System- and/or user-assigned identity of an assignment (``identity.type`` may list both)."""
    ident = assignment.get("identity")
    if not isinstance(ident, Mapping):
        return Identity(None, (), ())
    itype = ident.get("type")
    kinds = str(itype or "").lower().replace(" ", "")
    principals: list[str] = []
    users: list[str] = []
    if "systemassigned" in kinds and isinstance(ident.get("principalId"), str) and ident["principalId"]:
        principals.append(ident["principalId"])
    uai = ident.get("userAssignedIdentities")
    if "userassigned" in kinds and isinstance(uai, Mapping):
        for rid, v in sorted(uai.items(), key=lambda kv: str(kv[0]).lower()):
            users.append(arm.display_id(str(rid)))
            pid = v.get("principalId") if isinstance(v, Mapping) else None
            if isinstance(pid, str) and pid:
                principals.append(pid)
    if kinds in ("", "none"):
        return Identity(str(itype) if itype else None, (), ())
    return Identity(str(itype), tuple(principals), tuple(users))


@dataclass(frozen=True)
class PolicyAssignment:
    """One policy assignment as every layer reads it (built once per snapshot by ``AzureTenant``)."""

    doc: dict[str, Any] = field(repr=False, compare=False)  # the ARM document, for the policy readers
    id: str  # display form
    key: str  # normalised id
    scope: str  # display form
    scope_key: str  # normalised scope
    definition_id: str  # the definition or set assigned (display form)
    enforcement_mode: str  # as stated; absent is "Default"
    identity: Identity
    not_scopes: tuple[str, ...]  # display form
    not_scope_keys: frozenset[str]  # normalised

    @property
    def enforces(self) -> bool:
        return self.enforcement_mode.lower() == DEFAULT_MODE.lower()

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> PolicyAssignment:
        scope = assignment_scope(doc)
        excluded = tuple(not_scopes(doc))
        return cls(doc=doc, id=arm.display_id(doc.get("id")), key=arm.norm_id(doc.get("id")), scope=scope,
                   scope_key=arm.norm_id(scope), definition_id=assigned_definition_id(doc),
                   enforcement_mode=enforcement_mode(doc), identity=identity_of(doc), not_scopes=excluded,
                   not_scope_keys=frozenset(arm.norm_id(n) for n in excluded))


TENANT_ROOT_SCOPE = "/"


class RoleHoldings:
    """Role assignments by principal: which roles a principal holds at which scopes."""

    def __init__(self) -> None:
        self._by_principal: dict[str, list[tuple[str, str, str]]] = defaultdict(list)

    def add(self, doc: Mapping[str, Any]) -> None:
        p = arm.props(dict(doc))
        principal = str(p.get("principalId") or "").lower()
        role = arm.guid_in(str(p.get("roleDefinitionId") or ""))
        scope = p.get("scope") if isinstance(p.get("scope"), str) else arm.scope_of_extension(doc.get("id"))
        # "/" is the tenant root scope, above every management group (norm_id would make it "").
        key = TENANT_ROOT_SCOPE if isinstance(scope, str) and scope.strip() == "/" else arm.norm_id(scope)
        if principal and role and key:
            self._by_principal[principal].append((key, role, arm.display_id(doc.get("id"))))

    def scopes(self) -> set[str]:
        """Every scope some role assignment is held at."""
        return {scope for held in self._by_principal.values() for scope, _, _ in held}

    def granted(self, principals: Iterable[str], scopes: Iterable[str]) -> set[str]:
        """Role GUIDs any of ``principals`` holds at one of ``scopes`` (normalised) or at the tenant root."""
        wanted = set(scopes)
        return {role for principal in principals for scope, role, _ in self._by_principal.get(principal.lower(), ())
                if scope in wanted or scope == TENANT_ROOT_SCOPE}

    def held(self, principal: str, role_guid: str, chain: Iterable[str]) -> str | None:
        """The role assignment id giving ``principal`` the role at a scope in ``chain``, if any."""
        scopes = set(chain)
        for scope, role, ra_id in self._by_principal.get(principal.lower(), ()):
            if role == role_guid and (scope in scopes or scope == TENANT_ROOT_SCOPE):
                return ra_id
        return None

    def missing(self, principals: Iterable[str], role_ids: Iterable[str], chain: list[str]) -> list[dict[str, str]]:
        """Roles the identity lacks at S or above; [] when one of its principals holds them all."""
        roles = [(rid, arm.guid_in(rid) or rid.lower()) for rid in role_ids]
        best: list[dict[str, str]] | None = None
        for principal in principals:
            gaps = [
                {"roleDefinitionId": rid, "principalId": principal}
                for rid, guid in roles
                if self.held(principal, guid, chain) is None
            ]
            if best is None or len(gaps) < len(best):
                best = gaps
        return best or []


def role_holdings(docs: Iterable[Mapping[str, Any]]) -> RoleHoldings:
    holdings = RoleHoldings()
    for d in docs:
        holdings.add(d)
    return holdings


def compliance_state(rec: Mapping[str, Any]) -> str | None:
    """A policy-state record's ``complianceState`` (older records: ``isCompliant``); None when neither says."""
    state = rec.get("complianceState")
    if isinstance(state, str) and state:
        return state
    compliant = rec.get("isCompliant")
    if isinstance(compliant, bool):
        return "Compliant" if compliant else "NonCompliant"
    return None


def latest_state(records: Iterable[Mapping[str, Any]], reference_id: str | None) -> dict[str, Any] | None:
    """The newest policy-state record of an assignment for S (for a set: of that member)."""
    best: tuple[datetime, Mapping[str, Any]] | None = None
    for rec in records:
        ref = str(rec.get("policyDefinitionReferenceId") or "")
        if reference_id and ref and ref.lower() != reference_id.lower():
            continue
        try:
            ts = parse_timestamp(rec.get("timestamp"))
        except ValueError:
            continue
        if best is None or ts > best[0]:
            best = (ts, rec)
    if best is None:
        return None
    rec = best[1]
    return {
        "complianceState": compliance_state(rec),
        "timestamp": rec.get("timestamp"),
        "policyDefinitionReferenceId": rec.get("policyDefinitionReferenceId") or None,
    }


def effect_override(assignment: Mapping[str, Any], reference_id: str | None) -> str | None:
    """The effect an assignment's ``policyEffect`` override sets for this definition or member.

    ``properties.overrides`` (api-version 2022-06-01 on) replaces the effect whatever the
    parameters say; its selectors (``policyDefinitionReferenceId`` ``in`` / ``notIn``) pick set
    members, and an override without selectors reaches every definition of the assignment.
    """
    for override in assignment_overrides(assignment) or []:
        if not isinstance(override, Mapping) or str(arm.ci_get(override, "kind") or "").lower() != "policyeffect":
            continue
        value = canonical_effect(arm.ci_get(override, "value"))
        if value and override_selects(arm.ci_get(override, "selectors"), reference_id):
            return value
    return None


def override_selects(selectors: Any, reference_id: str | None) -> bool:
    """Whether an override's ``policyDefinitionReferenceId`` selectors reach this member."""
    ref = (reference_id or "").lower()
    for sel in selectors if isinstance(selectors, list) else []:
        if not isinstance(sel, Mapping) or str(arm.ci_get(sel, "kind") or "").lower() != "policydefinitionreferenceid":
            continue  # a selector kind overrides do not define restricts nothing we can judge
        within = arm.ci_get(sel, "in")
        outside = arm.ci_get(sel, "notIn")
        if isinstance(within, list) and ref not in {str(v).lower() for v in within}:
            return False
        if isinstance(outside, list) and ref in {str(v).lower() for v in outside}:
            return False
    return True


def effect_source(assignment: Mapping[str, Any], index: DefinitionIndex, target: ExportTarget) -> str:
    """Where the effective effect comes from, in words an auditor can follow to fix it."""
    if effect_override(assignment, target.reference_id):
        return "assignment override of kind 'policyEffect' (it wins over every parameter)"
    pd = target.definition
    param = effect_parameter(pd)
    if param is None:
        return "fixed in the policy rule"
    declared = pd.parameter_name(param)
    given = parameter_values(arm.props(dict(assignment)).get("parameters"))
    if target.reference_id is None:
        if param in given:
            return f"assignment parameter '{declared}'"
        return f"definition default of parameter '{declared}'"
    set_pd = index.get(str(arm.props(dict(assignment)).get("policyDefinitionId") or ""))
    member = next((m for m in (set_pd.members if set_pd else [])
                   if member_reference_id(m).lower() == target.reference_id.lower()), None)
    passed = parameter_values(member.get("parameters")) if member else {}
    if param not in passed:
        return f"definition default of parameter '{declared}' (the set does not pass it)"
    set_param = parameter_reference(passed[param])
    if set_param is None:
        return f"fixed by the set definition for member '{target.reference_id}'"
    set_name = set_pd.parameter_name(set_param) if set_pd else set_param
    if set_param in given:
        return f"assignment parameter '{set_name}' (passed by the set to '{declared}')"
    return f"set default of parameter '{set_name}' (passed by the set to '{declared}')"
