"""ALA-POL-001..006 on ARM-shaped tenants: when each fires, once per subscription, and with what evidence."""

from __future__ import annotations

from typing import Any

import builders as b
import pytest
from enforcement_world import (
    C1,
    C2,
    CORP,
    EXPORT_ID,
    ROOT,
    SANDBOX,
    SET_ID,
    WS,
    P,
    X,
    assign,
    evaluate,
    grant,
    principal_of,
)

from auditor.analysis.checks import check_of
from auditor.analysis.checks import policy as checks
from auditor.analysis.context import AuditContext
from auditor.analysis.engine import audit
from auditor.config import Config
from auditor.rules.base import Finding, control_labels
from auditor.rules.catalogue import policy as pol


def fired(ctx: AuditContext, rule_id: str) -> list[Finding]:
    return list(check_of(rule_id)(ctx))


def scopes(findings: list[Finding]) -> list[str]:
    return sorted(f.scope.lower() for f in findings)


def sub(s: str) -> str:
    return b.sub_id(s).lower()


def all_fired(ctx: AuditContext) -> dict[str, list[str]]:
    return {r.id: scopes(list(check(ctx))) for r, check in checks.CHECKS}


def effective_root(**kw: Any) -> tuple[dict, list[dict]]:
    a = assign(ROOT, **kw)
    return a, [a, *grant(ROOT, a)]


def test_catalogue_entries_match_the_documentation() -> None:
    expected = {"ALA-POL-001": "medium", "ALA-POL-002": "medium", "ALA-POL-003": "medium",
                "ALA-POL-004": "high", "ALA-POL-005": "medium", "ALA-POL-006": "low"}
    assert {r.id: r.severity for r in pol.RULES} == expected
    for r in pol.RULES:
        assert r.axis == "enforcement"
        assert "MCSB LT-3" in control_labels(r.controls)
        assert r.title and len(r.rationale) > 60 and len(r.remediation) > 40


def test_pol001_only_where_nothing_would_apply() -> None:
    a, docs = effective_root(not_scopes=[b.mg_id(CORP)])
    x = assign(SANDBOX, "sandbox-export")
    ctx = evaluate([a, *docs[1:], x])  # x has no roles: impaired, not POL-001
    f = fired(ctx, "ALA-POL-001")
    assert f == []
    ctx = evaluate([assign(SANDBOX, "sandbox-export")])
    f = fired(ctx, "ALA-POL-001")
    assert scopes(f) == sorted([sub(P), sub(C1), sub(C2)])
    assert all(x.scope.startswith("/subscriptions/") for x in f)
    ev = next(x for x in f if x.scope.lower() == sub(C1)).evidence
    assert ev["managementGroupPath"] == [b.mg_id(ROOT), b.mg_id(CORP)]


def test_pol001_evidence_lists_unresolved_assignments() -> None:
    a = assign(ROOT, "mystery", b.mg_id(ROOT) + "/providers/Microsoft.Authorization/policyDefinitions/not-collected")
    (f, *_) = fired(evaluate([a]), "ALA-POL-001")
    assert f.evidence["unresolvedAssignments"] == [a["id"]]


def test_pol002_once_per_subscription_with_not_scope_and_exemption() -> None:
    a = assign(ROOT, "root-export", not_scopes=[b.sub_id(C1)])
    c = assign(CORP, "corp-export")
    ex = b.policy_exemption(b.sub_id(C1), "c1-waiver", c["id"], expires_on="2027-03-31T00:00:00Z",
                            category="Waiver")
    ctx = evaluate([a, *grant(ROOT, a), c, *grant(CORP, c), ex])
    f = fired(ctx, "ALA-POL-002")
    assert scopes(f) == [sub(C1)]
    ev = f[0].evidence
    # nearest assignment scope first: corp's exempted assignment, then root's excluding one
    assert [x["reason"] for x in ev["assignments"]] == ["exempted", "excluded"]
    assert ev["assignments"][1]["excludedBy"] == {"notScope": b.sub_id(C1)}
    assert ev["assignments"][0]["exemption"]["expiresOn"] == "2027-03-31T00:00:00Z"
    assert "until 2027-03-31T00:00:00Z" in f[0].message and "notScopes" in f[0].message
    for rid in ("ALA-POL-001", "ALA-POL-003", "ALA-POL-004"):
        assert fired(ctx, rid) == []


def test_pol002_to_004_silent_when_another_assignment_is_effective() -> None:
    a, docs = effective_root()
    broken = [assign(CORP, "dne", enforcement_mode="DoNotEnforce"), assign(CORP, "noid", principal=None),
              assign(ROOT, "excl", not_scopes=[b.mg_id(CORP)])]
    ctx = evaluate([*docs, *broken])
    assert all_fired(ctx) == {r.id: [] for r in pol.RULES}


def test_pol003_do_not_enforce_and_disabled_effect_in_one_finding() -> None:
    dne = assign(ROOT, "dne", enforcement_mode="DoNotEnforce")
    disabled = assign(CORP, "disabled", parameters={"effect": "Disabled"})
    ctx = evaluate([dne, *grant(ROOT, dne), disabled, *grant(CORP, disabled)])
    f = fired(ctx, "ALA-POL-003")
    assert scopes(f) == sorted([sub(P), sub(C1), sub(C2), sub(X)])
    c1 = next(x for x in f if x.scope.lower() == sub(C1))
    assert [(x["reason"], x["enforcementMode"], x["effect"]) for x in c1.evidence["assignments"]] == [
        ("effect_not_dine", "Default", "Disabled"), ("do_not_enforce", "DoNotEnforce", "DeployIfNotExists")]
    assert "assignment parameter 'effect'" in c1.message


def test_pol003_effect_disabled_through_set_parameter() -> None:
    a = assign(ROOT, "baseline", SET_ID, parameters={"activityEffect": "Disabled"})
    f = fired(evaluate([a, *grant(ROOT, a)]), "ALA-POL-003")
    assert len(f) == 4
    ev = f[0].evidence["assignments"][0]
    assert ev["policySetDefinitionId"] == SET_ID and ev["policyDefinitionReferenceId"] == "activityToLaw"


def test_pol004_missing_identity_and_missing_role() -> None:
    noid = assign(ROOT, "noid", principal=None)
    weak = assign(CORP, "weak")
    ctx = evaluate([noid, weak, *grant(CORP, weak, [b.ROLE_MONITORING_CONTRIBUTOR])])
    f = fired(ctx, "ALA-POL-004")
    assert scopes(f) == sorted([sub(P), sub(C1), sub(C2), sub(X)])
    c2 = next(x for x in f if x.scope.lower() == sub(C2))
    assert [x["reason"] for x in c2.evidence["assignments"]] == ["missing_role", "no_identity"]
    assert c2.evidence["assignments"][0]["missingRoles"] == [{
        "roleDefinitionId": "/providers/microsoft.authorization/roleDefinitions/" + b.ROLE_LOG_ANALYTICS_CONTRIBUTOR,
        "principalId": principal_of(weak)}]
    assert principal_of(weak) in c2.message
    assert next(r for r in pol.RULES if r.id == "ALA-POL-004").severity == "high"


def test_pol005_noncompliant_effective_assignment() -> None:
    a, docs = effective_root()
    states = [b.policy_state(a, P, "NonCompliant", timestamp="2026-11-28T06:12:44Z"),
              b.policy_state(a, C1, "NonCompliant", timestamp="2026-11-27T06:00:00Z"),
              b.policy_state(a, C1, "Compliant", timestamp="2026-11-28T06:00:00Z")]
    f = fired(evaluate(docs, states), "ALA-POL-005")
    assert scopes(f) == [sub(P)]
    assert f[0].evidence["assignments"][0]["policyState"] == {
        "complianceState": "NonCompliant", "timestamp": "2026-11-28T06:12:44Z", "policyDefinitionReferenceId": None}
    assert "2026-11-28T06:12:44Z" in f[0].message


def test_pol005_not_for_ineffective_or_unreadable_states() -> None:
    a = assign(ROOT, principal=None)
    assert fired(evaluate([a], [b.policy_state(a, P, "NonCompliant")]), "ALA-POL-005") == []
    a, docs = effective_root()
    ctx = evaluate(docs, [b.policy_state(a, P, "NonCompliant")], [b.error(b.sub_id(P), "policyStates")])
    assert fired(ctx, "ALA-POL-005") == []


def storage_only_admin() -> tuple[dict, dict, str]:
    d = b.export_policy_definition(ROOT, "admin-to-storage", destination="storage", categories=("Administrative",),
                                   role_ids=(b.ROLE_MONITORING_CONTRIBUTOR, b.ROLE_STORAGE_ACCOUNT_CONTRIBUTOR))
    sa = b.storage_id(X, "rg", "stx")
    a = b.policy_assignment(b.sub_id(X), "x-storage", d["id"], identity=b.system_identity(b.guid("xp")),
                            parameters={"storageAccountId": sa})
    return d, a, sa


def test_pol006_fewer_categories_than_required() -> None:
    d, a, sa = storage_only_admin()
    docs = [d, a, *grant(b.sub_id(X), a, (b.ROLE_MONITORING_CONTRIBUTOR, b.ROLE_STORAGE_ACCOUNT_CONTRIBUTOR))]
    f = fired(evaluate(docs), "ALA-POL-006")
    assert scopes(f) == [sub(X)]
    assert f[0].evidence["missingCategories"] == [c for c in b.CATEGORIES if c != "Administrative"]
    assert f[0].evidence["assignments"][0]["destination"] == {"kind": "storage", "id": sa}
    cis = Config(required_categories=("Administrative",))
    assert fired(evaluate(docs, config=cis), "ALA-POL-006") == []


def test_pol006_logs_switched_off_by_assignment() -> None:
    a, docs = effective_root(parameters={"logsEnabled": "False"})
    f = fired(evaluate(docs), "ALA-POL-006")
    assert len(f) == 4 and f[0].evidence["missingCategories"] == list(b.CATEGORIES)


def test_pol006_central_destinations() -> None:
    a, docs = effective_root()
    assert fired(evaluate(docs, config=Config(central_destinations=(WS,))), "ALA-POL-006") == []
    assert fired(evaluate(docs, config=Config(central_destinations=(WS.upper(),))), "ALA-POL-006") == []
    other = b.workspace_id(P, "rg", "law-elsewhere")
    f = fired(evaluate(docs, config=Config(central_destinations=(other,))), "ALA-POL-006")
    assert len(f) == 4
    assert f[0].evidence["centralDestinations"] == [other] and f[0].evidence["missingCategories"] == []
    assert "central" in f[0].message


def test_no_pol_rule_fires_for_unknown_enforcement() -> None:
    noid = assign(ROOT, "noid", principal=None)
    ctx = evaluate([noid], [b.policy_state(noid, C1, "NonCompliant")],
                   [b.error(b.mg_id(ROOT), "policyExemptions")])
    assert all_fired(ctx) == {r.id: [] for r in pol.RULES}
    ctx = evaluate([], errors=[b.error(b.mg_id(CORP), "*")])
    assert all_fired(ctx)["ALA-POL-001"] == sorted([sub(P), sub(X)])


@pytest.mark.parametrize("axis", ["effective", "impaired", "none", "unknown"])
def test_findings_document_carries_enforcement_and_enforced_by(axis: str) -> None:
    a, docs = effective_root()
    resources = {"effective": docs, "impaired": [assign(ROOT, principal=None)], "none": [], "unknown": docs}[axis]
    errors = [b.error(b.mg_id(ROOT), "policyAssignments")] if axis == "unknown" else []
    doc = audit(evaluate(resources, errors=errors))
    row = next(s for s in doc["subscriptions"] if s["id"].lower() == sub(P))
    assert row["enforcement"] == axis
    assert row["enforcedBy"] == ([a["id"]] if axis == "effective" else [])
    pol_ids = {f["ruleId"] for f in doc["findings"]
               if f["ruleId"].startswith("ALA-POL") and f["scope"].lower() == sub(P)}
    assert pol_ids == {"effective": set(), "impaired": {"ALA-POL-004"}, "none": {"ALA-POL-001"},
                       "unknown": set()}[axis]


def test_export_definition_id_constant_is_the_builtin() -> None:
    assert EXPORT_ID.endswith("2465583e-4e78-4c15-b6be-a36cbc7c8b0f")
