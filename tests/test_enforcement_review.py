"""Adversarial review of the enforcement analysis against docs/coverage.md (Enforcement, ALA-POL).

Independent of tests/enforcement_world.py: a deeper tree, so that "between the assignment
scope and S", "above the assignment scope" and "sibling" are different groups::

    contoso (root)
    ├── lz (landing zones)
    │   ├── corp    -> S, S2
    │   └── online  -> ON
    └── sandbox     -> X
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import builders as b
import pytest

from auditor.analysis.checks import policy as pol
from auditor.analysis.context import AuditContext
from auditor.azure.snapshot import build_snapshot
from auditor.config import Config
from auditor.rules.base import Finding

S, S2, ON, X = b.guid("rev-S"), b.guid("rev-S2"), b.guid("rev-ON"), b.guid("rev-X")
ROOT, LZ, CORP, ONLINE, SANDBOX = "contoso", "lz", "corp", "online", "sandbox"
EXPORT_ID = b.BUILTIN_EXPORT_DEFINITION_ID
ROLES = (b.ROLE_MONITORING_CONTRIBUTOR, b.ROLE_LOG_ANALYTICS_CONTRIBUTOR)
WS = b.workspace_id(S2, "rg-log", "law-central")
SET_ID = b.mg_id(ROOT) + "/providers/Microsoft.Authorization/policySetDefinitions/rev-baseline"
OTHER_WS = b.workspace_id(S2, "rg-log", "law-team")


def tree() -> list[dict[str, Any]]:
    return [
        b.management_group(ROOT, "Contoso", parent=b.TENANT_ID,
                           children=[b.child_group(LZ), b.child_group(SANDBOX)]),
        b.management_group(LZ, parent=ROOT, children=[b.child_group(CORP), b.child_group(ONLINE)]),
        b.management_group(CORP, parent=LZ, children=[b.child_subscription(S, "S"), b.child_subscription(S2, "S2")]),
        b.management_group(ONLINE, parent=LZ, children=[b.child_subscription(ON, "ON")]),
        b.management_group(SANDBOX, parent=ROOT, children=[b.child_subscription(X, "X")]),
        b.subscription(S, "S"), b.subscription(S2, "S2"), b.subscription(ON, "ON"), b.subscription(X, "X"),
    ]


def ctx_of(resources: Sequence[dict], states: Sequence[dict] = (), errors: Sequence[dict] = (),
           config: Config | None = None) -> AuditContext:
    docs = [*tree(), b.export_policy_definition(), *resources]
    return AuditContext(build_snapshot(b.snapshot(docs, states, errors, root=ROOT)), config or Config())


def assign(scope: str, name: str = "export", definition: str = EXPORT_ID, *, principal: str | None = "auto",
           parameters: dict[str, Any] | None = None, identity: dict | None = None, **kw: Any) -> dict:
    if identity is None and principal is not None:
        identity = b.system_identity(b.guid("p:" + name) if principal == "auto" else principal)
    params: dict[str, Any] = {} if definition == SET_ID else {"logAnalytics": WS}
    params.update(parameters or {})
    return b.policy_assignment(scope, name, definition, identity=identity, parameters=params, **kw)


def pid(a: dict) -> str:
    ident = a["identity"]
    return ident.get("principalId") or next(iter(ident["userAssignedIdentities"].values()))["principalId"]


def grant(scope: str, a: dict, roles: Sequence[str] = ROLES) -> list[dict]:
    return [b.role_assignment(scope, pid(a), r) for r in roles]


def working(scope: str = ROOT, name: str = "export", **kw: Any) -> tuple[dict, list[dict]]:
    a = assign(scope, name, **kw)
    return a, [a, *grant(scope, a)]


def res(ctx: AuditContext, sub: str) -> Any:
    return ctx.enforcement[b.sub_id(sub).lower()]


def state(ctx: AuditContext, sub: str) -> str:
    return str(res(ctx, sub).state)


def reasons(ctx: AuditContext, sub: str) -> list[str]:
    return [c.reason for c in res(ctx, sub).checks]


def fired(ctx: AuditContext, rule_id: str) -> list[Finding]:
    check = next(c for r, c in pol.CHECKS if r.id == rule_id)
    return list(check(ctx))


def fired_at(ctx: AuditContext, rule_id: str, sub: str) -> list[Finding]:
    return [f for f in fired(ctx, rule_id) if f.scope.lower() == b.sub_id(sub).lower()]


def pol_rules_at(ctx: AuditContext, sub: str) -> list[str]:
    return sorted(r.id for r, c in pol.CHECKS for f in c(ctx) if f.scope.lower() == b.sub_id(sub).lower())


# ------------------------------------------------------------------------------------ notScopes

def test_not_scope_naming_s_itself() -> None:
    a, docs = working(ROOT, not_scopes=[b.sub_id(S)])
    ctx = ctx_of(docs)
    assert reasons(ctx, S) == ["excluded"] and state(ctx, S) == "impaired"
    assert state(ctx, S2) == "effective"
    (f,) = fired(ctx, "ALA-POL-002")
    assert f.scope.lower() == b.sub_id(S).lower()
    assert f.evidence["assignments"][0]["excludedBy"] == {"notScope": b.sub_id(S)}


def test_not_scope_group_between_assignment_and_s() -> None:
    _, docs = working(ROOT, not_scopes=[CORP])
    ctx = ctx_of(docs)
    assert state(ctx, S) == state(ctx, S2) == "impaired"
    assert state(ctx, ON) == state(ctx, X) == "effective"


def test_not_scope_group_above_the_assignment_scope_does_not_exclude() -> None:
    _, docs = working(LZ, not_scopes=[ROOT])
    ctx = ctx_of(docs)
    assert state(ctx, S) == "effective"
    assert fired(ctx, "ALA-POL-002") == []


def test_not_scope_sibling_group_does_not_exclude() -> None:
    _, docs = working(LZ, not_scopes=[ONLINE])
    ctx = ctx_of(docs)
    assert state(ctx, S) == "effective"
    assert state(ctx, ON) == "impaired"
    assert state(ctx, X) == "none"  # sandbox is outside lz: nothing would apply


@pytest.mark.parametrize("not_scope", [
    "providers/microsoft.management/MANAGEMENTGROUPS/CORP/",
    "/Providers/Microsoft.Management/managementGroups/Corp",
])
def test_not_scope_group_with_odd_casing_and_slashes(not_scope: str) -> None:
    a, docs = working(ROOT)
    a["properties"]["notScopes"] = [not_scope]
    ctx = ctx_of(docs)
    assert reasons(ctx, S) == ["excluded"]
    assert state(ctx, ON) == "effective"


def test_not_scope_subscription_upper_case_without_leading_slash() -> None:
    a, docs = working(ROOT)
    a["properties"]["notScopes"] = [f"SUBSCRIPTIONS/{S.upper()}/"]
    ctx = ctx_of(docs)
    assert reasons(ctx, S) == ["excluded"]
    assert state(ctx, S2) == "effective"


def test_not_scope_of_a_resource_group_in_s_does_not_exclude() -> None:
    _, docs = working(ROOT, not_scopes=[b.sub_id(S) + "/resourceGroups/rg-app"])
    assert state(ctx_of(docs), S) == "effective"


# ------------------------------------------------------------------------------------ exemptions

def exempt(scope: str, a: dict, name: str = "ex", **kw: Any) -> dict:
    return b.policy_exemption(scope, name, a["id"], **kw)


@pytest.mark.parametrize("where", ["S", CORP, ROOT])
def test_exemption_at_or_above_s_exempts(where: str) -> None:
    # Assignment at lz: the root exemption lies above the assignment scope, still "at or above S".
    a, docs = working(LZ)
    scope = b.sub_id(S) if where == "S" else where
    ctx = ctx_of([*docs, exempt(scope, a, expires_on="2027-01-01T00:00:00Z")])
    assert reasons(ctx, S) == ["exempted"]
    (f,) = fired_at(ctx, "ALA-POL-002", S)
    ex = f.evidence["assignments"][0]["exemption"]
    assert ex["expiresOn"] == "2027-01-01T00:00:00Z"
    assert ex["id"].lower().endswith("/policyexemptions/ex")


def test_exemption_at_a_sibling_subscription_or_group_does_not_exempt() -> None:
    a, docs = working(ROOT)
    ctx = ctx_of([*docs, exempt(b.sub_id(S2), a, "ex-s2"), exempt(ONLINE, a, "ex-online")])
    assert state(ctx, S) == "effective"
    assert reasons(ctx, S2) == ["exempted"]
    assert reasons(ctx, ON) == ["exempted"]


def test_exemption_at_a_resource_group_of_s_does_not_exempt_s() -> None:
    a, docs = working(ROOT)
    ctx = ctx_of([*docs, exempt(b.sub_id(S) + "/resourceGroups/rg-app", a)])
    assert state(ctx, S) == "effective"


@pytest.mark.parametrize(("expires", "exempted"), [
    ("2026-11-28T10:00:00Z", False),            # exactly collectedAt: expired
    ("2026-11-28T10:00:00.0000000Z", False),    # the same instant with ARM's 7 digits
    ("2026-11-28T10:00:00.0000001Z", True),     # 100 ns later: ARM's 7th digit is below 1 µs
    ("2026-11-28T09:59:59.9999999Z", False),
    ("2026-11-28T11:30:00+02:00", False),       # 09:30 UTC
    ("2026-11-28T11:30:00.1234567-02:00", True),  # 13:30 UTC
    ("2027-03-31T00:00:00.0000000Z", True),
])
def test_exemption_expiry_against_collected_at(expires: str, exempted: bool) -> None:
    a, docs = working(ROOT)
    ctx = ctx_of([*docs, exempt(b.sub_id(S), a, expires_on=expires)])
    assert reasons(ctx, S) == (["exempted"] if exempted else ["effective"])


def test_exemption_for_another_assignment_does_not_exempt() -> None:
    a, docs = working(ROOT)
    other = assign(ROOT, "other-export", not_scopes=[b.sub_id(S)])
    ctx = ctx_of([*docs, other, exempt(b.sub_id(S), other)])
    assert state(ctx, S) == "effective"
    assert res(ctx, S).enforced_by == [a["id"]]


def test_exemption_naming_the_assignment_in_other_casing_exempts() -> None:
    a, docs = working(ROOT)
    ex = b.policy_exemption(b.sub_id(S), "ex", a["id"].upper().lstrip("/"))
    assert reasons(ctx_of([*docs, ex]), S) == ["exempted"]


def export_set(effect_default: str = "DeployIfNotExists", pass_effect: Any = "[parameters('setEffect')]",
               second_export: bool = False) -> dict:
    member_params: dict[str, Any] = {"logAnalytics": "[parameters('workspace')]"}
    if pass_effect is not None:
        member_params["effect"] = pass_effect
    members = [b.set_member("ActivityToLaw", EXPORT_ID, member_params)]
    if second_export:
        members.append(b.set_member("activityToTeamLaw", EXPORT_ID, {"logAnalytics": OTHER_WS}))
    return b.policy_set_definition(ROOT, "rev-baseline", members, parameters={
        "setEffect": {"type": "String", "defaultValue": effect_default,
                      "allowedValues": ["DeployIfNotExists", "AuditIfNotExists", "Disabled"]},
        "workspace": {"type": "String", "defaultValue": WS},
    })


def set_assignment(scope: str = ROOT, name: str = "baseline", parameters: dict[str, Any] | None = None,
                   **kw: Any) -> tuple[dict, list[dict]]:
    a = assign(scope, name, SET_ID, parameters=parameters, **kw)
    return a, [a, *grant(scope, a)]


@pytest.mark.parametrize(("refs", "exempted"), [
    (["activitytolaw"], True),          # the export member, other casing
    (["ACTIVITYTOLAW", "other"], True),
    (["someAuditMember"], False),       # another member of the set
    ([], True),                         # no member named: the whole assignment
])
def test_member_scoped_exemption(refs: list[str], exempted: bool) -> None:
    a, docs = set_assignment()
    ctx = ctx_of([export_set(), *docs, exempt(b.sub_id(S), a, reference_ids=refs)])
    assert reasons(ctx, S) == (["exempted"] if exempted else ["effective"])


def test_member_exemption_leaves_the_other_export_member_effective() -> None:
    a, docs = set_assignment()
    ctx = ctx_of([export_set(second_export=True), *docs, exempt(b.sub_id(S), a, reference_ids=["activityToLaw"])])
    assert sorted(reasons(ctx, S)) == ["effective", "exempted"]
    assert state(ctx, S) == "effective"
    assert fired(ctx, "ALA-POL-002") == []


# ------------------------------------------------------------------------------------ effective effect

@pytest.mark.parametrize(("effect", "reason"), [
    ("Disabled", "effect_not_dine"),
    ("AuditIfNotExists", "effect_not_dine"),
    ("deployIfNotExists", "effective"),
    ("DEPLOYIFNOTEXISTS", "effective"),
])
def test_assignment_effect_parameter(effect: str, reason: str) -> None:
    definition = b.export_policy_definition(
        ROOT, "custom-export", allowed_effects=("DeployIfNotExists", "AuditIfNotExists", "Disabled"))
    a = assign(ROOT, definition=definition["id"], parameters={"logAnalytics": WS, "effect": effect})
    ctx = ctx_of([definition, a, *grant(ROOT, a)])
    assert reasons(ctx, S) == [reason]
    if reason != "effective":
        (f,) = fired_at(ctx, "ALA-POL-003", S)
        ev = f.evidence["assignments"][0]
        assert ev["effect"].lower() == effect.lower()
        assert "assignment parameter" in ev["effectSource"]
        assert fired(ctx, "ALA-POL-004") == []


@pytest.mark.parametrize(("default", "reason"), [("Disabled", "effect_not_dine"), ("DeployIfNotExists", "effective")])
def test_definition_default_effect_when_assignment_omits_it(default: str, reason: str) -> None:
    definition = b.export_policy_definition(ROOT, "custom-export", default_effect=default)
    a = assign(ROOT, definition=definition["id"])
    ctx = ctx_of([definition, a, *grant(ROOT, a)])
    assert reasons(ctx, S) == [reason]
    assert "definition default" in res(ctx, S).checks[0].effect_source


def with_effect_param(definition: dict, new_name: str | None, literal: str | None = None) -> dict:
    """Rename the effect parameter (``effect-xyz``) or hard-code the effect in the rule."""
    d = copy.deepcopy(definition)
    props = d["properties"]
    decl = props["parameters"].pop("effect")
    if literal is not None:
        props["policyRule"]["then"]["effect"] = literal
    else:
        props["parameters"][new_name] = decl
        props["policyRule"]["then"]["effect"] = f"[parameters('{new_name}')]"
    return d


@pytest.mark.parametrize(("given", "reason"), [
    (None, "effective"), ("Disabled", "effect_not_dine"), ("DeployIfNotExists", "effective")])
def test_effect_parameter_with_another_name(given: str | None, reason: str) -> None:
    definition = with_effect_param(b.export_policy_definition(ROOT, "custom-export"), "effect-xyz")
    params = {"logAnalytics": WS} if given is None else {"logAnalytics": WS, "Effect-XYZ": given}
    a = assign(ROOT, definition=definition["id"], parameters=params)
    ctx = ctx_of([definition, a, *grant(ROOT, a)])
    assert reasons(ctx, S) == [reason]


@pytest.mark.parametrize(("literal", "expected"), [
    ("deployIfNotExists", "effective"),
    ("AuditIfNotExists", "none"),  # never deploys: not an export policy at all
])
def test_hard_coded_effect(literal: str, expected: str) -> None:
    definition = with_effect_param(b.export_policy_definition(ROOT, "custom-export"), None, literal)
    a = assign(ROOT, definition=definition["id"])
    ctx = ctx_of([definition, a, *grant(ROOT, a)])
    assert state(ctx, S) == expected
    if expected == "effective":
        assert res(ctx, S).checks[0].effect_source == "fixed in the policy rule"
    else:
        assert [f.scope.lower() for f in fired(ctx, "ALA-POL-001")] == sorted(
            b.sub_id(s).lower() for s in (S, S2, ON, X))


@pytest.mark.parametrize(("set_default", "assigned", "reason"), [
    ("DeployIfNotExists", None, "effective"),
    ("Disabled", None, "effect_not_dine"),
    ("DeployIfNotExists", "Disabled", "effect_not_dine"),
    ("DeployIfNotExists", "auditIfNotExists", "effect_not_dine"),
    ("Disabled", "DeployIfNotExists", "effective"),
])
def test_set_passes_its_parameter_to_the_member(set_default: str, assigned: str | None, reason: str) -> None:
    a, docs = set_assignment(parameters=None if assigned is None else {"SETEFFECT": assigned})
    ctx = ctx_of([export_set(set_default), *docs])
    assert reasons(ctx, S) == [reason]
    source = res(ctx, S).checks[0].effect_source
    assert ("assignment parameter 'setEffect'" in source) == (assigned is not None)
    if reason != "effective":
        assert len(fired_at(ctx, "ALA-POL-003", S)) == 1


def test_set_assignment_naming_the_member_parameter_does_not_reach_the_member() -> None:
    # The assignment of a set only sets the set's parameters; a member's `effect` is what the set passes.
    a, docs = set_assignment(parameters={"effect": "Disabled"})
    ctx = ctx_of([export_set(), *docs])
    assert reasons(ctx, S) == ["effective"]


# ------------------------------------------------------------------------------------ identities

def test_system_assigned_identity_with_roles_at_root() -> None:
    a, docs = working(ROOT)
    ctx = ctx_of(docs)
    assert all(state(ctx, s) == "effective" for s in (S, S2, ON, X))
    assert res(ctx, S).checks[0].identity.principal_ids == (pid(a),)


def test_user_assigned_identity_role_at_group_above_s() -> None:
    uai = b.resource_id(S2, "rg-id", "Microsoft.ManagedIdentity/userAssignedIdentities", "policy-uai")
    a = assign(ROOT, identity=b.user_identity(uai, b.guid("uai-principal")))
    ctx = ctx_of([a, *grant(LZ, a)])
    assert state(ctx, S) == state(ctx, ON) == "effective"
    assert reasons(ctx, X) == ["missing_role"]  # sandbox is not below lz


def test_user_assigned_identity_roles_held_by_another_principal_do_not_count() -> None:
    uai = b.resource_id(S2, "rg-id", "Microsoft.ManagedIdentity/userAssignedIdentities", "policy-uai")
    a = assign(ROOT, identity=b.user_identity(uai, b.guid("uai-principal")))
    others = [b.role_assignment(ROOT, b.guid("someone-else"), r) for r in ROLES]
    ctx = ctx_of([a, *others])
    assert reasons(ctx, S) == ["missing_role"]


def test_role_at_a_resource_group_of_s_does_not_count() -> None:
    a = assign(ROOT)
    ctx = ctx_of([a, *grant(b.sub_id(S) + "/resourceGroups/rg-app", a)])
    assert reasons(ctx, S) == ["missing_role"]
    (f,) = fired_at(ctx, "ALA-POL-004", S)
    missing = {m["roleDefinitionId"].rsplit("/", 1)[-1] for m in f.evidence["assignments"][0]["missingRoles"]}
    assert missing == set(ROLES)


def test_role_at_a_sibling_subscription_does_not_count() -> None:
    a = assign(ROOT)
    ctx = ctx_of([a, *grant(b.sub_id(S2), a)])
    assert reasons(ctx, S) == ["missing_role"]
    assert state(ctx, S2) == "effective"


def test_role_definition_ids_compare_by_guid_whatever_the_prefix() -> None:
    a = assign(ROOT)
    ras = []
    for r in ROLES:
        ra = b.role_assignment(ROOT, pid(a), r)
        ra["properties"]["roleDefinitionId"] = (
            f"/subscriptions/{S2}/providers/Microsoft.Authorization/roleDefinitions/{r.upper()}")
        ras.append(ra)
    assert state(ctx_of([a, *ras]), S) == "effective"


def test_definition_role_ids_with_a_subscription_prefix_match_tenant_level_assignments() -> None:
    definition = b.export_policy_definition(ROOT, "custom-export")
    rule = definition["properties"]["policyRule"]["then"]["details"]
    rule["roleDefinitionIds"] = [f"/subscriptions/{S}/providers/Microsoft.Authorization/roleDefinitions/{r}"
                                 for r in ROLES]
    a = assign(ROOT, definition=definition["id"])
    assert state(ctx_of([definition, a, *grant(ROOT, a)]), S) == "effective"


def test_one_role_of_two_missing() -> None:
    a = assign(ROOT)
    ctx = ctx_of([a, *grant(ROOT, a, roles=[b.ROLE_MONITORING_CONTRIBUTOR])])
    assert reasons(ctx, S) == ["missing_role"]
    (f,) = fired_at(ctx, "ALA-POL-004", S)
    (gap,) = f.evidence["assignments"][0]["missingRoles"]
    assert gap["roleDefinitionId"].lower().endswith(b.ROLE_LOG_ANALYTICS_CONTRIBUTOR)
    assert gap["principalId"] == pid(a)


def test_roles_split_between_s_and_a_group_above_count() -> None:
    a = assign(ROOT)
    ctx = ctx_of([a, *grant(b.sub_id(S), a, [ROLES[0]]), *grant(CORP, a, [ROLES[1]])])
    assert state(ctx, S) == "effective"
    assert reasons(ctx, ON) == ["missing_role"]


def test_role_at_the_tenant_root_scope_slash_counts() -> None:
    a = assign(ROOT)
    ras = []
    for r in ROLES:
        ra = b.role_assignment(ROOT, pid(a), r)
        ra["properties"]["scope"] = "/"
        ra["id"] = "/providers/Microsoft.Authorization/roleAssignments/" + ra["name"]
        ras.append(ra)
    assert state(ctx_of([a, *ras]), S) == "effective"


def test_system_identity_without_principal_is_no_identity() -> None:
    a = assign(ROOT, identity={"type": "SystemAssigned"})
    ctx = ctx_of([a])
    assert reasons(ctx, S) == ["no_identity"]
    assert len(fired_at(ctx, "ALA-POL-004", S)) == 1


# ------------------------------------------------------------------------------------ enforcementMode

@pytest.mark.parametrize(("mode", "reason"), [
    ("DoNotEnforce", "do_not_enforce"), ("doNotEnforce", "do_not_enforce"),
    (None, "effective"), ("default", "effective")])
def test_enforcement_mode(mode: str | None, reason: str) -> None:
    a, docs = working(ROOT)
    if mode is None:
        a["properties"].pop("enforcementMode", None)
    else:
        a["properties"]["enforcementMode"] = mode
    ctx = ctx_of(docs)
    assert reasons(ctx, S) == [reason]
    assert (len(fired_at(ctx, "ALA-POL-003", S)) == 1) == (reason == "do_not_enforce")


# ------------------------------------------------------------------------------------ several assignments

def test_one_effective_one_excluded_is_effective_and_silences_pol_002_to_004() -> None:
    good, docs = working(CORP, "corp-export")
    excl = assign(ROOT, "root-export", not_scopes=[CORP, ONLINE])
    dne = assign(ROOT, "root-dne", enforcement_mode="DoNotEnforce")
    noid = assign(LZ, "lz-noid", principal=None)
    ctx = ctx_of([*docs, excl, dne, noid])
    r = res(ctx, S)
    assert r.state == "effective" and r.enforced_by == [good["id"]]
    assert pol_rules_at(ctx, S) == []
    assert set(pol_rules_at(ctx, ON)) == {"ALA-POL-002", "ALA-POL-003", "ALA-POL-004"}


def test_each_of_pol_002_to_004_fires_once_per_s_with_every_impaired_assignment() -> None:
    a1 = assign(ROOT, "ex-1", not_scopes=[b.sub_id(S)])
    a2 = assign(LZ, "ex-2", not_scopes=[CORP])
    a3 = assign(ROOT, "exempted")
    d1 = assign(ROOT, "dne", enforcement_mode="DoNotEnforce")
    d2 = assign(CORP, "disabled", parameters={"effect": "Disabled"})
    n1 = assign(ROOT, "noid", principal=None)
    n2 = assign(LZ, "norole")
    ctx = ctx_of([a1, a2, a3, exempt(CORP, a3), d1, d2, n1, n2])
    assert state(ctx, S) == "impaired"
    expected = {"ALA-POL-002": 3, "ALA-POL-003": 2, "ALA-POL-004": 2}
    for rule_id, n in expected.items():
        (f,) = fired_at(ctx, rule_id, S)
        assert len(f.evidence["assignments"]) == n, rule_id
    assert fired_at(ctx, "ALA-POL-001", S) == []


# ------------------------------------------------------------------------------------ POL-005

def st(a: dict, sub: str, compliance: str, ts: str, **kw: Any) -> dict:
    return b.policy_state(a, sub, compliance, timestamp=ts, **kw)


def test_pol005_latest_record_decides() -> None:
    a, docs = working(ROOT)
    states = [st(a, S, "NonCompliant", "2026-11-27T06:00:00Z"), st(a, S, "Compliant", "2026-11-28T06:00:00Z"),
              st(a, S2, "Compliant", "2026-11-27T06:00:00Z"), st(a, S2, "NonCompliant", "2026-11-28T06:00:00Z")]
    ctx = ctx_of(docs, states)
    assert [f.scope.lower() for f in fired(ctx, "ALA-POL-005")] == [b.sub_id(S2).lower()]
    (f,) = fired(ctx, "ALA-POL-005")
    assert f.evidence["assignments"][0]["policyState"]["timestamp"] == "2026-11-28T06:00:00Z"


def test_pol005_latest_compares_instants_not_strings() -> None:
    a, docs = working(ROOT)
    # 05:00-02:00 is 07:00 UTC: later than 06:30Z although it sorts first as text.
    states = [st(a, S, "NonCompliant", "2026-11-28T06:30:00.1234567Z"),
              st(a, S, "Compliant", "2026-11-28T05:00:00-02:00")]
    assert fired(ctx_of(docs, states), "ALA-POL-005") == []


def test_pol005_ignores_records_of_other_resources_and_assignments() -> None:
    a, docs = working(ROOT)
    other = assign(ROOT, "other")
    rg = st(a, S, "NonCompliant", "2026-11-28T08:00:00Z")
    rg["resourceId"] = b.sub_id(S) + "/resourceGroups/rg-app"
    rg["resourceType"] = "Microsoft.Resources/resourceGroups"
    states = [st(a, S, "Compliant", "2026-11-28T06:00:00Z"), rg,
              st(other, S, "NonCompliant", "2026-11-28T09:00:00Z")]
    assert fired(ctx_of([*docs, other], states), "ALA-POL-005") == []


def test_pol005_not_for_an_assignment_that_is_not_effective() -> None:
    good, docs = working(CORP, "good")
    dne = assign(ROOT, "dne", enforcement_mode="DoNotEnforce")
    states = [st(dne, S, "NonCompliant", "2026-11-28T06:00:00Z"), st(good, S, "Compliant", "2026-11-28T06:00:00Z")]
    ctx = ctx_of([*docs, dne], states)
    assert state(ctx, S) == "effective"
    assert fired(ctx, "ALA-POL-005") == []


def test_pol005_case_of_ids_in_state_records() -> None:
    a, docs = working(ROOT)
    rec = st(a, S, "NonCompliant", "2026-11-28T06:00:00Z")
    rec["policyAssignmentId"] = rec["policyAssignmentId"].lower()
    rec["resourceId"] = rec["resourceId"].upper()
    assert len(fired(ctx_of(docs, [rec]), "ALA-POL-005")) == 1


def test_pol005_set_member_latest_state() -> None:
    a, docs = set_assignment()
    states = [st(a, S, "NonCompliant", "2026-11-28T06:00:00Z", set_definition_id=SET_ID,
                 definition_id=EXPORT_ID, reference_id="activitytolaw")]
    ctx = ctx_of([export_set(), *docs], states)
    (f,) = fired(ctx, "ALA-POL-005")
    assert f.evidence["assignments"][0]["policyDefinitionReferenceId"] == "ActivityToLaw"


# ------------------------------------------------------------------------------------ POL-006

def narrow_definition() -> dict:
    return b.export_policy_definition(ROOT, "admin-security-only", categories=("Administrative", "Security"))


def test_pol006_fewer_categories_than_required() -> None:
    d = narrow_definition()
    a = assign(ROOT, definition=d["id"])
    ctx = ctx_of([d, a, *grant(ROOT, a)])
    (f, *_) = fired_at(ctx, "ALA-POL-006", S)
    assert "Policy" in f.evidence["missingCategories"]
    assert "Administrative" not in f.evidence["missingCategories"]
    assert len(fired(ctx, "ALA-POL-006")) == 4


def test_pol006_silent_when_required_categories_are_narrowed() -> None:
    d = narrow_definition()
    a = assign(ROOT, definition=d["id"])
    config = Config(required_categories=("Administrative", "Security"))
    assert fired(ctx_of([d, a, *grant(ROOT, a)], config=config), "ALA-POL-006") == []


def test_pol006_central_destination_mismatch_and_match() -> None:
    _, docs = working(ROOT)
    assert len(fired(ctx_of(docs, config=Config(central_destinations=(OTHER_WS,))), "ALA-POL-006")) == 4
    assert fired(ctx_of(docs, config=Config(central_destinations=(WS.upper(),))), "ALA-POL-006") == []


def test_pol006_not_for_an_impaired_subscription() -> None:
    d = narrow_definition()
    a = assign(ROOT, definition=d["id"], enforcement_mode="DoNotEnforce")
    assert fired(ctx_of([d, a, *grant(ROOT, a)]), "ALA-POL-006") == []


# ------------------------------------------------------------------------------------ unknown

def test_unreadable_assignments_at_a_parent_group_make_everything_below_unknown() -> None:
    _, docs = working(ROOT)
    ctx = ctx_of(docs, errors=[b.error(LZ, "policyAssignments")])
    assert state(ctx, S) == state(ctx, S2) == state(ctx, ON) == "unknown"
    assert state(ctx, X) == "effective"
    for s in (S, S2, ON):
        assert pol_rules_at(ctx, s) == []


def test_unreadable_role_assignments_at_s() -> None:
    a = assign(ROOT)  # no roles: would be missing_role
    ctx = ctx_of([a], errors=[b.error(b.sub_id(S), "roleAssignments")])
    assert state(ctx, S) == "unknown"
    assert state(ctx, S2) == "impaired"
    assert fired_at(ctx, "ALA-POL-004", S) == []


@pytest.mark.parametrize("operation", ["policyExemptions", "policyDefinitions", "policySetDefinitions", "*"])
def test_other_policy_inputs_unreadable_at_root(operation: str) -> None:
    _, docs = working(ROOT)
    ctx = ctx_of(docs, errors=[b.error(ROOT, operation)])
    assert {state(ctx, s) for s in (S, S2, ON, X)} == {"unknown"}


def test_unrelated_error_does_not_make_enforcement_unknown() -> None:
    _, docs = working(ROOT)
    ctx = ctx_of(docs, errors=[b.error(b.sub_id(S), "activityLogAlerts"), b.error(LZ, "diagnosticSettings")])
    assert state(ctx, S) == "effective"


def test_unreadable_states_silence_pol005_only() -> None:
    a, docs = working(ROOT)
    ctx = ctx_of(docs, [st(a, S, "NonCompliant", "2026-11-28T06:00:00Z")],
                 errors=[b.error(b.sub_id(S), "policyStates")])
    assert state(ctx, S) == "effective"
    assert fired(ctx, "ALA-POL-005") == []


def test_error_at_a_sibling_group_does_not_touch_s() -> None:
    _, docs = working(ROOT)
    ctx = ctx_of(docs, errors=[b.error(ONLINE, "policyAssignments"), b.error(b.sub_id(S2), "roleAssignments")])
    assert state(ctx, S) == "effective"
    assert state(ctx, ON) == state(ctx, S2) == "unknown"


# ------------------------------------------------------------------------------------ more edges

def test_role_scope_and_principal_in_odd_casing() -> None:
    a = assign(ROOT)
    ras = grant(LZ, a)
    for ra in ras:
        ra["properties"]["scope"] = "providers/microsoft.management/MANAGEMENTGROUPS/LZ/"
        ra["properties"]["principalId"] = pid(a).upper()
    assert state(ctx_of([a, *ras]), S) == "effective"


def test_error_scope_in_odd_casing_still_makes_s_unknown() -> None:
    _, docs = working(ROOT)
    err = b.error(CORP, "policyExemptions")
    err["scope"] = err["scope"].upper().lstrip("/") + "/"
    ctx = ctx_of(docs, errors=[err])
    assert state(ctx, S) == "unknown"
    assert state(ctx, ON) == "effective"


def test_exclusion_is_reported_before_an_exemption_and_other_problems() -> None:
    a = assign(ROOT, not_scopes=[b.sub_id(S)], enforcement_mode="DoNotEnforce", principal=None)
    ctx = ctx_of([a, exempt(b.sub_id(S), a)])
    assert reasons(ctx, S) == ["excluded"]
    assert pol_rules_at(ctx, S) == ["ALA-POL-002"]


def test_exempted_assignment_no_longer_applies_for_pol_003() -> None:
    # Contract table: POL-002 "would apply but ... exempted"; POL-003/004 "applies": an exempted
    # assignment reports only its exemption (decision documented in docs/policy.md).
    a = assign(ROOT, enforcement_mode="DoNotEnforce")
    ctx = ctx_of([a, exempt(b.sub_id(S), a, expires_on="2027-01-01T00:00:00Z")])
    assert reasons(ctx, S) == ["exempted"]
    assert pol_rules_at(ctx, S) == ["ALA-POL-002"]
    assert pol_rules_at(ctx, S2) == ["ALA-POL-003"]


def test_assignment_at_s_itself_with_exemption_at_s() -> None:
    a, docs = working(b.sub_id(S), "sub-export")
    ctx = ctx_of([*docs, exempt(b.sub_id(S), a)])
    assert reasons(ctx, S) == ["exempted"]
    assert state(ctx, S2) == "none"


def test_pol001_only_where_nothing_would_apply() -> None:
    _, docs = working(CORP)
    ctx = ctx_of(docs)
    assert sorted(f.scope.lower() for f in fired(ctx, "ALA-POL-001")) == sorted(
        b.sub_id(s).lower() for s in (ON, X))
    assert pol_rules_at(ctx, S) == []


def test_pol006_through_a_set_uses_the_workspace_the_set_passes() -> None:
    _, docs = set_assignment()
    central = ctx_of([export_set(), *docs], config=Config(central_destinations=(WS,)))
    assert res(central, S).checks[0].destination == {"kind": "log_analytics", "id": WS}
    assert fired(central, "ALA-POL-006") == []
    elsewhere = ctx_of([export_set(), *docs], config=Config(central_destinations=(OTHER_WS,)))
    assert len(fired_at(elsewhere, "ALA-POL-006", S)) == 1


def test_pol006_union_of_effective_assignments_counts() -> None:
    d = narrow_definition()
    narrow = assign(ROOT, "narrow", definition=d["id"])
    full, docs = working(CORP, "full")
    ctx = ctx_of([d, narrow, *grant(ROOT, narrow), *docs])
    assert sorted(res(ctx, S).enforced_by) == sorted([narrow["id"], full["id"]], key=str.lower)
    assert fired_at(ctx, "ALA-POL-006", S) == []
    assert len(fired_at(ctx, "ALA-POL-006", ON)) == 1


# ------------------------------------------------------------------------------------ above the audited root

TENANT_ROOT = b.TENANT_ID  # the tenant root group, parent of contoso


def lz_snapshot(resources: Sequence[dict], errors: Sequence[dict] = ()) -> AuditContext:
    """``collect --management-group lz``: the tree from lz down; lz names contoso as its parent.

    The collector reads lz's assignments, exemptions and role assignments with ``atScope()``,
    so those of contoso and of the tenant root group above it are in the snapshot too.
    """
    docs = [d for d in tree() if d.get("name") not in (ROOT, SANDBOX) and d.get("id") != b.sub_id(X)]
    snap = b.snapshot([*docs, b.export_policy_definition(), *resources], errors=errors, root=LZ)
    return AuditContext(build_snapshot(snap), Config())


@pytest.mark.parametrize("where", [ROOT, TENANT_ROOT])
def test_assignment_above_the_audited_root_applies(where: str) -> None:
    a, docs = working(where)
    ctx = lz_snapshot(docs)
    assert state(ctx, S) == state(ctx, ON) == "effective"
    assert res(ctx, S).enforced_by == [a["id"]]


def test_roles_and_exemptions_above_the_audited_root_count() -> None:
    a = assign(LZ)
    ctx = lz_snapshot([a, *grant(TENANT_ROOT, a), exempt(ROOT, a, expires_on="2027-01-01T00:00:00Z")])
    assert reasons(ctx, S) == ["exempted"]
    ctx = lz_snapshot([a, *grant(TENANT_ROOT, a)])
    assert reasons(ctx, S) == ["effective"]


def test_not_scope_of_a_group_above_the_audited_root_excludes() -> None:
    # Order above the root is unknown; a notScope there must lie below the assignment scope (ARM
    # rejects others), so it is between the assignment and S.
    _, docs = working(TENANT_ROOT, not_scopes=[ROOT])
    assert reasons(lz_snapshot(docs), S) == ["excluded"]


def test_unreadable_policy_above_the_audited_root_is_unknown() -> None:
    _, docs = working(LZ)
    ctx = lz_snapshot(docs, errors=[b.error(ROOT, "policyAssignments")])
    assert state(ctx, S) == "unknown"


def test_whole_tenant_snapshot_ignores_assignments_at_groups_outside_the_tree() -> None:
    # The audited root is the tenant root group (no parent): a stray group's assignment applies nowhere.
    docs = [d for d in tree() if d.get("name") != ROOT]
    docs.insert(0, b.management_group(ROOT, "Contoso", parent=None,
                                      children=[b.child_group(LZ), b.child_group(SANDBOX)]))
    a, granted = working("elsewhere")
    snap = b.snapshot([*docs, b.export_policy_definition(), *granted], root=ROOT)
    ctx = AuditContext(build_snapshot(snap), Config())
    assert state(ctx, S) == "none"


@pytest.mark.parametrize("expires", [None, "", "next tuesday"])
def test_exemption_without_a_readable_expiry_exempts(expires: str | None) -> None:
    a, docs = working(ROOT)
    ex = exempt(b.sub_id(S), a)
    ex["properties"]["expiresOn"] = expires
    ctx = ctx_of([*docs, ex])
    assert reasons(ctx, S) == ["exempted"]
    (f,) = fired_at(ctx, "ALA-POL-002", S)
    assert f.evidence["assignments"][0]["exemption"]["expiresOn"] == (expires or None)


def test_unresolved_set_member_gives_pol001_with_the_assignment_named() -> None:
    unknown = b.mg_id(ROOT) + "/providers/Microsoft.Authorization/policyDefinitions/not-collected"
    s = b.policy_set_definition(ROOT, "rev-baseline", [b.set_member("mystery", unknown)])
    a, docs = set_assignment()
    ctx = ctx_of([s, *docs])
    assert state(ctx, S) == "none"
    (f,) = fired_at(ctx, "ALA-POL-001", S)
    assert f.evidence["unresolvedAssignments"] == [a["id"]]


# ------------------------------------------------------------------------------------ assignment overrides

def effect_override(value: str, selectors: list[dict] | None = None) -> dict:
    o: dict[str, Any] = {"kind": "policyEffect", "value": value}
    if selectors is not None:
        o["selectors"] = selectors
    return o


def test_override_disabled_wins_over_the_effect_parameter() -> None:
    a, docs = working(ROOT, parameters={"effect": "DeployIfNotExists"})
    a["properties"]["overrides"] = [effect_override("Disabled")]
    ctx = ctx_of(docs)
    assert reasons(ctx, S) == ["effect_not_dine"]
    (f,) = fired_at(ctx, "ALA-POL-003", S)
    ev = f.evidence["assignments"][0]
    assert ev["effect"] == "Disabled" and "override" in ev["effectSource"]


def test_override_deploy_if_not_exists_over_a_disabled_parameter() -> None:
    a, docs = working(ROOT, parameters={"effect": "Disabled"})
    a["properties"]["overrides"] = [effect_override("deployifnotexists")]
    assert reasons(ctx_of(docs), S) == ["effective"]


@pytest.mark.parametrize(("selector", "reason"), [
    ({"kind": "policyDefinitionReferenceId", "in": ["ACTIVITYTOLAW"]}, "effect_not_dine"),
    ({"kind": "policyDefinitionReferenceId", "in": ["someAuditMember"]}, "effective"),
    ({"kind": "policyDefinitionReferenceId", "notIn": ["activityToLaw"]}, "effective"),
    ({"kind": "policyDefinitionReferenceId", "notIn": ["someAuditMember"]}, "effect_not_dine"),
])
def test_override_selectors_pick_set_members(selector: dict, reason: str) -> None:
    a, docs = set_assignment()
    a["properties"]["overrides"] = [effect_override("Disabled", [selector])]
    assert reasons(ctx_of([export_set(), *docs]), S) == [reason]


def test_override_of_another_kind_is_not_an_effect() -> None:
    a, docs = working(ROOT)
    a["properties"]["overrides"] = [{"kind": "definitionVersion", "value": "1.*.*"}]
    assert reasons(ctx_of(docs), S) == ["effective"]
