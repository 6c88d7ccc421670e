"""The policy-enforcement table: every export-related policy assignment, as an auditor checks it.

For each assignment: scope, definition, effective effect, enforcement mode, identity and the
roles it holds, exclusions (notScopes), exemptions with expiry, latest compliance, and how
many subscriptions it actually enforces (from the findings). The analysis decides coverage;
this view only shows the facts behind it, resolved to names.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from auditor.azure import arm, rbac
from auditor.azure.policy import NotAPolicyDocument, PolicyDoc, effect_with, export_targets, member_definition_id
from auditor.azure.policy.assignment_facts import (
    Exemption,
    assigned_definition_id,
    assigned_parameters,
    assignment_scope,
    compliance_state,
    effect_override,
    enforcement_mode,
    identity_of,
    not_scopes,
)
from auditor.azure.snapshot import Snapshot
from auditor.azure.tenant import AzureTenant
from auditor.render.names import Names

_dict = arm.as_dict  # tenant documents are not always well-formed: show what can be shown
_list = arm.as_list


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _ids_in(value: Any, out: set[str]) -> None:
    if isinstance(value, str):
        if "/policyassignments/" in value.lower():
            out.add(arm.norm_id(value))
    elif isinstance(value, dict):
        for v in value.values():
            _ids_in(v, out)
    elif isinstance(value, list):
        for v in value:
            _ids_in(v, out)


def _mentions_diagnostic_settings(doc: dict[str, Any] | None, snapshot: Snapshot) -> bool:
    if not doc:
        return False
    try:
        pd = PolicyDoc(doc)
    except NotAPolicyDocument:
        return False
    if "microsoft.insights/diagnosticsettings" in json.dumps(pd.policy_rule).lower():
        return True
    return any(_mentions_diagnostic_settings(snapshot.get(member_definition_id(m)), snapshot) for m in pd.members)


def _effect(assignment: dict[str, Any], tenant: AzureTenant) -> str:
    """The effect in force, as the enforcement analysis reads it (override, then assignment, set and
    definition values): one reader of the effect, never a second judgement here."""
    assigned = export_targets(assignment, tenant.definitions)
    effects = sorted({effect_override(assignment, t.reference_id) or t.effect or "not stated"
                      for t in assigned.targets})
    if effects:
        return ", ".join(effects)
    pd = tenant.definitions.get(assigned.policy_definition_id)
    if pd is None:
        return "unknown"
    if assigned.is_set:
        return "per member (set)"
    effect = effect_with(pd, assigned_parameters(assignment))
    return effect if isinstance(effect, str) and effect else "not stated"


def assignment_rows(snapshot: Snapshot, findings: dict[str, Any], names: Names) -> list[dict[str, Any]]:
    referenced: set[str] = set()
    enforcing: Counter[str] = Counter()
    for s in findings.get("subscriptions", []):
        for a in s.get("enforcedBy", []):
            enforcing[arm.norm_id(a)] += 1
            referenced.add(arm.norm_id(a))
    for f in findings.get("findings", []):
        if str(f.get("ruleId", "")).upper().startswith("ALA-POL"):
            _ids_in(f.get("evidence"), referenced)
    roles_by_principal: dict[str, list[str]] = defaultdict(list)
    for ra in snapshot.of_kind(arm.ROLE_ASSIGNMENT):
        roles_by_principal[rbac.assignment_principal(ra)].append(
            f"{names.role(rbac.assignment_role(ra))} at {names.scope_label(rbac.assignment_scope(ra))}")
    exemptions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for doc in snapshot.of_kind(arm.POLICY_EXEMPTION):
        ex = Exemption.from_doc(doc, snapshot.collected_at)  # expiry judged as the analysis judges it
        exemptions[arm.norm_id(ex.assignment_id)].append({
            "name": ex.display_name or _text(doc.get("name")), "scope": names.scope_label(ex.scope),
            "category": ex.category, "expires": (ex.expires_on or "never")[:10], "expired": ex.expired,
            "members": list(ex.reference_ids)})
    compliance: dict[str, Counter[str]] = defaultdict(Counter)
    for st in snapshot.policy_states:
        state = compliance_state(st) or "Unknown"  # a record that states neither is not NonCompliant
        compliance[arm.norm_id(st.get("policyAssignmentId"))][state] += 1
    rows = []
    tenant = AzureTenant(snapshot)
    for doc in snapshot.of_kind(arm.POLICY_ASSIGNMENT):
        key = arm.norm_id(doc["id"])
        definition_id = assigned_definition_id(doc)
        definition = snapshot.get(definition_id)
        if key not in referenced and not _mentions_diagnostic_settings(definition, snapshot):
            continue
        identity = identity_of(doc)
        id_type = identity.type if identity.present and identity.type else "None"
        principal_ids = [pid.lower() for pid in identity.principal_ids]
        rows.append({
            "id": doc["id"], "name": _text(arm.display_name(doc)),
            "scope": names.scope_label(assignment_scope(doc)),
            "definition": names.name(definition_id),
            "definitionKind": "set" if "/policysetdefinitions/" in definition_id.lower() else "definition",
            "definitionKnown": definition is not None,
            "effect": _effect(doc, tenant), "mode": enforcement_mode(doc),
            "identity": id_type, "principal": ", ".join(principal_ids),
            "roles": [r for pid in principal_ids for r in roles_by_principal.get(pid, [])],
            "notScopes": [names.scope_label(n) for n in not_scopes(doc)],
            "exemptions": exemptions.get(key, []),
            "compliance": dict(sorted(compliance.get(key, Counter()).items())),
            "enforcing": enforcing.get(key, 0),
        })
    rows.sort(key=lambda r: (-r["enforcing"], r["name"].lower()))
    return rows
