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

from auditor.azure import arm
from auditor.render.names import Names
from auditor.snapshot import Snapshot, parse_timestamp

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
    p = arm.props(doc)
    if "microsoft.insights/diagnosticsettings" in json.dumps(p.get("policyRule", {})).lower():
        return True
    for member in _list(p.get("policyDefinitions")):
        if isinstance(member, dict) and _mentions_diagnostic_settings(
                snapshot.get(member.get("policyDefinitionId")), snapshot):
            return True
    return False


def _effect(assignment: dict[str, Any], definition: dict[str, Any] | None) -> str:
    params = _dict(arm.props(assignment).get("parameters"))
    value = arm.ci_get(params, "effect")
    if isinstance(value, dict) and "value" in value:
        return str(value["value"])
    dp = arm.props(definition)
    default = arm.ci_get(_dict(dp.get("parameters")), "effect")
    if isinstance(default, dict) and default.get("defaultValue"):
        return str(default["defaultValue"])
    then = _dict(_dict(dp.get("policyRule")).get("then"))
    eff = then.get("effect")
    if isinstance(eff, str) and not eff.startswith("["):
        return eff
    if dp.get("policyDefinitions"):
        return "per member (set)"
    return "unknown" if definition is None else "not stated"


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
        p = arm.props(ra)
        role = p.get("roleDefinitionId")
        roles_by_principal[str(p.get("principalId", "")).lower()].append(
            f"{names.role(role)} at "
            f"{names.scope_label(p.get('scope') or arm.scope_of_extension(ra['id']))}")
    exemptions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    collected = snapshot.collected_at
    for ex in snapshot.of_kind(arm.POLICY_EXEMPTION):
        p = arm.props(ex)
        expires = _text(p.get("expiresOn"))
        expired = False
        if expires:
            try:
                expired = parse_timestamp(expires) <= collected
            except ValueError:
                expired = False
        exemptions[arm.norm_id(p.get("policyAssignmentId"))].append({
            "name": _text(p.get("displayName")) or _text(ex.get("name")), "scope": names.scope_label(
                arm.scope_of_extension(ex["id"])), "category": _text(p.get("exemptionCategory")),
            "expires": (expires or "never")[:10], "expired": expired,
            "members": [m for m in _list(p.get("policyDefinitionReferenceIds")) if isinstance(m, str)]})
    compliance: dict[str, Counter[str]] = defaultdict(Counter)
    for st in snapshot.policy_states:
        state = st.get("complianceState") or ("Compliant" if st.get("isCompliant") else "NonCompliant")
        compliance[arm.norm_id(st.get("policyAssignmentId"))][str(state)] += 1
    rows = []
    for doc in snapshot.of_kind(arm.POLICY_ASSIGNMENT):
        key = arm.norm_id(doc["id"])
        p = arm.props(doc)
        definition = snapshot.get(p.get("policyDefinitionId"))
        if key not in referenced and not _mentions_diagnostic_settings(definition, snapshot):
            continue
        identity = _dict(doc.get("identity"))
        principal = _text(identity.get("principalId")).lower()
        id_type = _text(identity.get("type")) or "None"
        if id_type.lower() == "userassigned":
            principal_ids = [_text(v.get("principalId")).lower()
                             for v in _dict(identity.get("userAssignedIdentities")).values() if isinstance(v, dict)]
        else:
            principal_ids = [principal] if principal else []
        rows.append({
            "id": doc["id"], "name": _text(p.get("displayName")) or _text(doc.get("name")),
            "scope": names.scope_label(p.get("scope") or arm.scope_of_extension(doc["id"])),
            "definition": names.name(p.get("policyDefinitionId")),
            "definitionKind": "set" if "/policysetdefinitions/" in str(p.get("policyDefinitionId")).lower()
            else "definition",
            "definitionKnown": definition is not None,
            "effect": _effect(doc, definition), "mode": _text(p.get("enforcementMode")) or "Default",
            "identity": id_type, "principal": ", ".join(principal_ids),
            "roles": [r for pid in principal_ids for r in roles_by_principal.get(pid, [])],
            "notScopes": [names.scope_label(n) for n in _list(p.get("notScopes")) if isinstance(n, str)],
            "exemptions": exemptions.get(key, []),
            "compliance": dict(sorted(compliance.get(key, Counter()).items())),
            "enforcing": enforcing.get(key, 0),
        })
    rows.sort(key=lambda r: (-r["enforcing"], r["name"].lower()))
    return rows
