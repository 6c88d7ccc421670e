"""Effective enforcement per subscription (docs/coverage.md, Enforcement), from ARM-shaped documents."""

from __future__ import annotations

import builders as b
from enforcement_world import (
    C1,
    C2,
    CORP,
    EXPORT_ID,
    PLATFORM,
    ROOT,
    SANDBOX,
    SET_ID,
    WS,
    P,
    X,
    assign,
    evaluate,
    export_set,
    grant,
    principal_of,
    result_of,
    state_of,
)

ALL_SUBS = (P, C1, C2, X)


def effective_root() -> tuple[dict, list[dict]]:
    a = assign(ROOT)
    return a, [a, *grant(ROOT, a)]


# --------------------------------------------------------------------------- basic axis values

def test_root_assignment_with_roles_is_effective_everywhere() -> None:
    a, docs = effective_root()
    ctx = evaluate(docs)
    for s in ALL_SUBS:
        r = result_of(ctx, s)
        assert r.state == "effective"
        assert r.enforced_by == [a["id"]]
        (check,) = r.checks
        assert check.reason == "effective"
        assert check.destination == {"kind": "log_analytics", "id": WS}
        assert check.categories == list(b.CATEGORIES)


def test_no_assignment_is_none() -> None:
    ctx = evaluate([])
    assert {state_of(ctx, s) for s in ALL_SUBS} == {"none"}
    assert result_of(ctx, P).checks == []


def test_non_export_assignment_is_none() -> None:
    kv = "/providers/Microsoft.Authorization/policyDefinitions/bef3f64c-5290-43b7-85b0-9b254eef4c47"
    a = assign(ROOT, "kv-diag", kv)
    # definition resolved from the shipped built-ins (the snapshot lacks it): judged, not export
    ctx = evaluate([a, *grant(ROOT, a)])
    assert state_of(ctx, P) == "none"
    assert result_of(ctx, P).unresolved == []


def test_assignment_at_a_sibling_group_or_resource_group_does_not_apply() -> None:
    sib = assign(SANDBOX, "sandbox-export")
    rg = assign(b.sub_id(P) + "/resourceGroups/rg-app", "rg-export")
    ctx = evaluate([sib, *grant(SANDBOX, sib), rg, *grant(b.sub_id(P), rg)])
    assert state_of(ctx, X) == "effective"
    assert state_of(ctx, P) == "none"
    assert state_of(ctx, C1) == "none"


def test_unknown_definition_is_listed_not_guessed() -> None:
    a = assign(ROOT, "mystery", b.mg_id(ROOT) + "/providers/Microsoft.Authorization/policyDefinitions/not-collected")
    r = result_of(evaluate([a]), P)
    assert r.state == "none"
    assert r.unresolved == [a["id"]]


# --------------------------------------------------------------------------- notScopes

def test_subscription_not_scope_excludes_only_that_subscription() -> None:
    a = assign(ROOT, not_scopes=[b.sub_id(C1)])
    ctx = evaluate([a, *grant(ROOT, a)])
    r = result_of(ctx, C1)
    assert r.state == "impaired"
    assert r.checks[0].reason == "excluded"
    assert r.checks[0].excluded_by.lower() == b.sub_id(C1).lower()
    assert state_of(ctx, C2) == "effective"


def test_group_not_scope_between_assignment_and_subscription_excludes() -> None:
    a = assign(ROOT, not_scopes=[b.mg_id(CORP)])
    ctx = evaluate([a, *grant(ROOT, a)])
    assert state_of(ctx, C1) == state_of(ctx, C2) == "impaired"
    assert result_of(ctx, C2).checks[0].excluded_by == b.mg_id(CORP)
    assert state_of(ctx, P) == "effective"


def test_not_scope_of_a_resource_group_does_not_exclude_the_subscription() -> None:
    a = assign(ROOT, not_scopes=[b.sub_id(P) + "/resourceGroups/rg-app"])
    ctx = evaluate([a, *grant(ROOT, a)])
    assert state_of(ctx, P) == "effective"


def test_lower_assignment_makes_excluded_subscription_effective_again() -> None:
    a = assign(ROOT, not_scopes=[b.mg_id(CORP)])
    c = assign(CORP, "corp-export")
    ctx = evaluate([a, *grant(ROOT, a), c, *grant(CORP, c)])
    r = result_of(ctx, C1)
    assert r.state == "effective"
    assert r.enforced_by == [c["id"]]
    assert sorted(ch.reason for ch in r.checks) == ["effective", "excluded"]


# --------------------------------------------------------------------------- exemptions

def test_active_exemption_at_group_exempts() -> None:
    a, docs = effective_root()
    ex = b.policy_exemption(CORP, "corp-waiver", a["id"], expires_on="2027-03-31T00:00:00Z", category="Waiver")
    ctx = evaluate([*docs, ex])
    r = result_of(ctx, C1)
    assert r.state == "impaired"
    check = r.checks[0]
    assert check.reason == "exempted"
    assert check.evidence()["exemption"] == {
        "id": ex["id"], "scope": b.mg_id(CORP), "category": "Waiver", "expiresOn": "2027-03-31T00:00:00Z",
        "policyDefinitionReferenceIds": [],
    }
    assert state_of(ctx, P) == "effective"


def test_expired_exemption_does_not_exempt() -> None:
    a, docs = effective_root()
    ex = b.policy_exemption(b.sub_id(C1), "old", a["id"], expires_on="2026-09-30T00:00:00Z")
    assert state_of(evaluate([*docs, ex]), C1) == "effective"


def test_exemption_expiring_exactly_at_collection_is_expired() -> None:
    a, docs = effective_root()
    ex = b.policy_exemption(b.sub_id(C1), "edge", a["id"], expires_on=b.COLLECTED_AT)
    assert state_of(evaluate([*docs, ex]), C1) == "effective"


def test_exemption_without_expiry_exempts() -> None:
    a, docs = effective_root()
    ex = b.policy_exemption(b.sub_id(C1), "forever", a["id"], category="Mitigated")
    r = result_of(evaluate([*docs, ex]), C1)
    assert r.state == "impaired" and r.checks[0].exemption.expires_on is None


def test_exemption_below_the_subscription_or_for_another_assignment_does_not_exempt() -> None:
    a, docs = effective_root()
    rg = b.policy_exemption(b.sub_id(C1) + "/resourceGroups/rg", "rg-only", a["id"])
    other = b.policy_exemption(b.sub_id(C1), "other", b.mg_id(ROOT) + "/providers/Microsoft.Authorization/"
                               "policyAssignments/something-else")
    assert state_of(evaluate([*docs, rg, other]), C1) == "effective"


def test_member_scoped_exemption_only_exempts_named_members() -> None:
    a = assign(ROOT, "baseline", SET_ID)
    base = [a, *grant(ROOT, a)]
    audit_only = b.policy_exemption(b.sub_id(C1), "audit-only", a["id"], reference_ids=["adminAlertAudit"])
    export_too = b.policy_exemption(b.sub_id(C2), "export", a["id"], reference_ids=["ActivityToLaw"])
    ctx = evaluate([*base, audit_only, export_too])
    assert state_of(ctx, C1) == "effective"
    r = result_of(ctx, C2)
    assert r.state == "impaired"
    assert r.checks[0].reason == "exempted" and r.checks[0].reference_id == "activityToLaw"


# --------------------------------------------------------------------------- mode and effect

def test_do_not_enforce() -> None:
    a = assign(ROOT, enforcement_mode="DoNotEnforce")
    r = result_of(evaluate([a, *grant(ROOT, a)]), P)
    assert r.state == "impaired" and r.checks[0].reason == "do_not_enforce"


def test_missing_enforcement_mode_means_default() -> None:
    a = assign(ROOT, enforcement_mode=None)
    assert state_of(evaluate([a, *grant(ROOT, a)]), P) == "effective"


def test_effect_disabled_by_assignment_parameter() -> None:
    a = assign(ROOT, parameters={"effect": "Disabled"})
    r = result_of(evaluate([a, *grant(ROOT, a)]), P)
    assert r.state == "impaired"
    assert r.checks[0].reason == "effect_not_dine"
    assert r.checks[0].effect == "Disabled"
    assert r.checks[0].effect_source == "assignment parameter 'effect'"


def test_effect_disabled_by_set_default() -> None:
    s = export_set(effect_default="Disabled")
    a = assign(ROOT, "baseline", SET_ID)
    r = result_of(evaluate([s, a, *grant(ROOT, a)]), P)
    assert r.state == "impaired"
    check = r.checks[0]
    assert (check.reason, check.effect) == ("effect_not_dine", "Disabled")
    assert check.effect_source == "set default of parameter 'activityEffect' (passed by the set to 'effect')"
    assert check.evidence()["policySetDefinitionId"] == SET_ID


def test_effect_disabled_by_assignment_of_the_set_parameter_and_back() -> None:
    disabled = assign(ROOT, "baseline", SET_ID, parameters={"activityEffect": "Disabled"})
    r = result_of(evaluate([disabled, *grant(ROOT, disabled)]), P)
    assert r.checks[0].reason == "effect_not_dine"
    assert r.checks[0].effect_source.startswith("assignment parameter 'activityEffect'")
    s = export_set(effect_default="Disabled")
    enabled = assign(ROOT, "baseline", SET_ID, parameters={"activityEffect": "DeployIfNotExists"})
    assert state_of(evaluate([s, enabled, *grant(ROOT, enabled)]), P) == "effective"


def test_set_passing_a_literal_effect() -> None:
    s = export_set(pass_effect="Disabled")
    a = assign(ROOT, "baseline", SET_ID, parameters={"activityEffect": "DeployIfNotExists"})
    r = result_of(evaluate([s, a, *grant(ROOT, a)]), P)
    assert r.checks[0].reason == "effect_not_dine"
    assert r.checks[0].effect_source == "fixed by the set definition for member 'activityToLaw'"


def test_set_not_passing_effect_uses_definition_default() -> None:
    s = export_set(pass_effect=None)
    a = assign(ROOT, "baseline", SET_ID)
    r = result_of(evaluate([s, a, *grant(ROOT, a)]), P)
    assert r.state == "effective"
    assert "definition default" in r.checks[0].effect_source


# --------------------------------------------------------------------------- identity and roles

def test_no_identity() -> None:
    a = assign(ROOT, principal=None)
    r = result_of(evaluate([a]), P)
    assert r.state == "impaired" and r.checks[0].reason == "no_identity"
    assert r.checks[0].identity.principal_ids == ()


def test_missing_role_names_role_and_principal() -> None:
    a = assign(ROOT)
    ctx = evaluate([a, *grant(ROOT, a, [b.ROLE_MONITORING_CONTRIBUTOR])])
    check = result_of(ctx, P).checks[0]
    assert check.reason == "missing_role"
    assert check.missing_roles == [{
        "roleDefinitionId": "/providers/microsoft.authorization/roleDefinitions/" + b.ROLE_LOG_ANALYTICS_CONTRIBUTOR,
        "principalId": principal_of(a),
    }]


def test_role_held_at_subscription_with_qualified_role_definition_id() -> None:
    a = assign(ROOT)
    docs = [a, b.role_assignment(ROOT, principal_of(a), b.ROLE_MONITORING_CONTRIBUTOR),
            b.role_assignment(b.sub_id(C1), principal_of(a), b.ROLE_LOG_ANALYTICS_CONTRIBUTOR)]
    ctx = evaluate(docs)
    assert state_of(ctx, C1) == "effective"  # /subscriptions/<s>/providers/...roleDefinitions/<guid>
    assert state_of(ctx, C2) == "impaired"  # the role is not held at or above C2


def test_role_held_at_a_sibling_group_does_not_count() -> None:
    a = assign(ROOT)
    ctx = evaluate([a, *grant(SANDBOX, a)])
    assert state_of(ctx, X) == "effective"
    assert result_of(ctx, P).checks[0].reason == "missing_role"


def test_user_assigned_identity_with_roles_held_higher_up() -> None:
    uai = b.resource_id(P, "rg-identity", "Microsoft.ManagedIdentity/userAssignedIdentities", "policy-uai")
    principal = b.guid("uai-principal")
    a = b.policy_assignment(b.sub_id(C1), "c1-export", EXPORT_ID, identity=b.user_identity(uai, principal),
                            parameters={"logAnalytics": WS})
    ctx = evaluate([a, *[b.role_assignment(ROOT, principal, r) for r in
                         (b.ROLE_MONITORING_CONTRIBUTOR, b.ROLE_LOG_ANALYTICS_CONTRIBUTOR)]])
    r = result_of(ctx, C1)
    assert r.state == "effective"
    assert r.checks[0].identity.evidence() == {"type": "UserAssigned", "principalIds": [principal],
                                               "userAssignedIdentities": [uai]}


def test_identity_type_none_is_no_identity() -> None:
    a = assign(ROOT)
    a["identity"] = {"type": "None"}
    assert result_of(evaluate([a]), P).checks[0].reason == "no_identity"


# --------------------------------------------------------------------------- unknown

def test_unreadable_assignments_at_a_group_make_enforcement_unknown() -> None:
    a, docs = effective_root()
    ctx = evaluate(docs, errors=[b.error(b.mg_id(CORP), "policyAssignments")])
    assert state_of(ctx, C1) == state_of(ctx, C2) == "unknown"
    assert result_of(ctx, C1).enforced_by == []
    assert state_of(ctx, P) == "effective"


def test_unreadable_role_assignments_at_subscription_make_it_unknown() -> None:
    a, docs = effective_root()
    ctx = evaluate(docs, errors=[b.error(b.sub_id(X), "roleAssignments")])
    assert state_of(ctx, X) == "unknown"
    assert state_of(ctx, C1) == "effective"


def test_everything_unreadable_below_a_group() -> None:
    ctx = evaluate([], errors=[b.error(b.mg_id(SANDBOX), "*")])
    assert state_of(ctx, X) == "unknown"
    assert state_of(ctx, P) == "none"


def test_unreadable_alerts_do_not_touch_enforcement() -> None:
    a, docs = effective_root()
    assert state_of(evaluate(docs, errors=[b.error(b.sub_id(P), "activityLogAlerts")]), P) == "effective"


def test_unplaced_subscription_is_unknown_unless_effective_at_itself() -> None:
    lone, other = b.guid("lone"), b.guid("other")
    a = assign(b.sub_id(other), "own")
    ctx = evaluate([b.subscription(lone, "Lone"), b.subscription(other, "Other"), a, *grant(b.sub_id(other), a)])
    assert state_of(ctx, lone) == "unknown"
    assert state_of(ctx, other) == "effective"


# --------------------------------------------------------------------------- policy state

def test_latest_policy_state_is_kept_per_member() -> None:
    a = assign(ROOT, "baseline", SET_ID)
    states = [
        b.policy_state(a, P, "Compliant", definition_id=EXPORT_ID, set_definition_id=SET_ID,
                       reference_id="activityToLaw", timestamp="2026-11-27T06:00:00Z"),
        b.policy_state(a, P, "NonCompliant", definition_id=EXPORT_ID, set_definition_id=SET_ID,
                       reference_id="activityToLaw", timestamp="2026-11-28T06:00:00Z"),
        b.policy_state(a, P, "Compliant", set_definition_id=SET_ID, reference_id="adminAlertAudit",
                       timestamp="2026-11-28T09:00:00Z"),
        b.policy_state(a, C1, "Compliant", definition_id=EXPORT_ID, set_definition_id=SET_ID,
                       reference_id="activityToLaw"),
    ]
    ctx = evaluate([a, *grant(ROOT, a)], states)
    assert result_of(ctx, P).checks[0].policy_state == {
        "complianceState": "NonCompliant", "timestamp": "2026-11-28T06:00:00Z",
        "policyDefinitionReferenceId": "activityToLaw"}
    assert result_of(ctx, C1).checks[0].policy_state["complianceState"] == "Compliant"
    assert result_of(ctx, C2).checks[0].policy_state is None


def test_evidence_lets_an_auditor_act() -> None:
    a = assign(PLATFORM, "platform-export", principal=None, enforcement_mode="Default")
    ev = result_of(evaluate([a]), P).checks[0].evidence()
    assert ev["assignment"] == a["id"]
    assert ev["assignmentScope"] == b.mg_id(PLATFORM)
    assert ev["policyDefinitionId"] == EXPORT_ID
    assert ev["reason"] == "no_identity"
    assert ev["requiredRoles"] == [
        "/providers/microsoft.authorization/roleDefinitions/" + r for r in
        (b.ROLE_MONITORING_CONTRIBUTOR, b.ROLE_LOG_ANALYTICS_CONTRIBUTOR)]


def test_definition_missing_from_snapshot_is_judged_on_the_shipped_builtin() -> None:
    import enforcement_world as w

    from auditor.analysis.context import AuditContext
    from auditor.azure.snapshot import build_snapshot
    from auditor.config import Config

    a = assign(ROOT)
    docs = [*w.hierarchy(), a, *grant(ROOT, a)]  # no definition document in the snapshot
    ctx = AuditContext(build_snapshot(b.snapshot(docs, root=ROOT)), Config())
    r = result_of(ctx, P)
    assert r.state == "effective"
    assert r.checks[0].evidence()["definitionSource"].startswith("built-in copy")
    a2, docs2 = effective_root()
    assert "definitionSource" not in result_of(evaluate(docs2), P).checks[0].evidence()
