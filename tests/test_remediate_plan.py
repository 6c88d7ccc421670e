"""The remediation plan on an ARM-shaped test tenant: what is planned, where, and why.

The tenant has one subscription per enforcement situation: effective, none (a whole group of
them, nested), DoNotEnforce, Disabled effect (direct and through a set parameter), no
identity, identity without a role, excluded by notScopes, exempted, and unknown.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import builders as b
from remediate_support import audited_plan

from auditor.analysis.context import AuditContext
from auditor.azure import arm
from auditor.azure.snapshot import build_snapshot
from auditor.config import Config
from auditor.remediate import model, render_files
from auditor.remediate.plan import PLACEHOLDER_PREFIX

LA = b.BUILTIN_EXPORT_DEFINITION_ID
MON, LAC = b.ROLE_MONITORING_CONTRIBUTOR, b.ROLE_LOG_ANALYTICS_CONTRIBUTOR

SUBS = {name: b.guid(name) for name in (
    "platform", "land1", "land2", "land3", "online-enf", "online-excl", "sbx-disabled", "sbx-exempt",
    "ident-none", "ident-role", "data-set", "unknown",
)}
P = SUBS["platform"]
WORKSPACE = b.workspace_id(P, "rg-logs", "law-central")
STORAGE = b.storage_id(P, "rg-logs", "stcentral")
EVENT_HUB_RULE = b.eventhub_rule_id(P, "rg-logs", "evhns-central", "send")
ACTION_GROUP = b.action_group_id(P, "rg-ops", "ag-soc")
SET_ID = b.mg_id("root") + "/providers/Microsoft.Authorization/policySetDefinitions/logging-baseline"


def sid(name: str) -> str:
    return b.sub_id(SUBS[name])


def _principal(name: str) -> str:
    return b.guid("principal:" + name)


def _assignment(scope: str, name: str, definition: str = LA, *, identity: bool = True, **kw: Any) -> dict[str, Any]:
    params = kw.pop("parameters", {"logAnalytics": WORKSPACE})
    return b.policy_assignment(scope, name, definition, parameters=params,
                               identity=b.system_identity(_principal(name)) if identity else None, **kw)


def _roles(scope: str, name: str, roles: tuple[str, ...] = (MON, LAC)) -> list[dict[str, Any]]:
    return [b.role_assignment(scope, _principal(name), r) for r in roles]


def tenant(destination: str = "workspace") -> tuple[dict[str, Any], Config]:
    """(snapshot document, config) of the test tenant."""
    def c(name: str) -> dict[str, Any]:
        return b.child_subscription(SUBS[name], name)

    set_def = b.policy_set_definition("root", "logging-baseline", [
        b.set_member("activityLogs", LA, {"logAnalytics": "[parameters('workspace')]",
                                          "effect": "[parameters('logEffect')]"}),
    ], parameters={
        "workspace": {"type": "String"},
        "logEffect": {"type": "String", "defaultValue": "Disabled",
                      "allowedValues": ["DeployIfNotExists", "Disabled"]},
    })
    sbx = _assignment("sandbox", "sbx-export", parameters={"logAnalytics": WORKSPACE, "effect": "Disabled"})
    resources = [
        b.management_group("root", "Root", parent=None, children=[
            b.child_group("platform"), b.child_group("landing"), b.child_group("online"),
            b.child_group("sandbox"), b.child_group("ident"), b.child_group("data"), c("unknown")]),
        b.management_group("platform", parent="root", children=[c("platform")]),
        b.management_group("landing", parent="root", children=[c("land1"), c("land2"), b.child_group("landing-corp")]),
        b.management_group("landing-corp", parent="landing", children=[c("land3")]),
        b.management_group("online", parent="root", children=[c("online-enf"), c("online-excl")]),
        b.management_group("sandbox", parent="root", children=[c("sbx-disabled"), c("sbx-exempt")]),
        b.management_group("ident", parent="root", children=[c("ident-none"), c("ident-role")]),
        b.management_group("data", parent="root", children=[c("data-set")]),
        *[b.subscription(g, n) for n, g in SUBS.items()],
        b.workspace(P, "rg-logs", "law-central", retention_days=365),
        b.storage_account(P, "rg-logs", "stcentral"),
        b.eventhub_namespace(P, "rg-logs", "evhns-central"),
        b.eventhub_authorization_rule(P, "rg-logs", "evhns-central", "send", ("Send",)),
        b.export_policy_definition(),
        set_def,
        # effective
        _assignment("platform", "platform-export"), *_roles(b.mg_id("platform"), "platform-export"),
        # DoNotEnforce, with online-excl excluded
        _assignment("online", "online-export", enforcement_mode="DoNotEnforce", not_scopes=[sid("online-excl")]),
        *_roles(b.mg_id("online"), "online-export"),
        # Disabled effect, with sbx-exempt exempted
        sbx, *_roles(b.mg_id("sandbox"), "sbx-export"),
        b.policy_exemption(sid("sbx-exempt"), "sbx-waiver", sbx["id"], expires_on="2027-06-30T00:00:00Z"),
        # no identity / identity lacking a role
        _assignment(sid("ident-none"), "ident-none-export", identity=False),
        _assignment(sid("ident-role"), "ident-role-export"),
        *_roles(b.sub_id(SUBS["ident-role"]), "ident-role-export", (MON,)),
        # set whose export member's effect comes from a set parameter defaulting to Disabled
        _assignment("data", "data-baseline", SET_ID, parameters={"workspace": WORKSPACE}),
        *_roles(b.mg_id("data"), "data-baseline"),
        # a legacy log profile
        b.log_profile(SUBS["land1"]),
        b.action_group(P, "rg-ops", "ag-soc", emails=["soc@example.com"]),
    ]
    errors = [b.error(sid("unknown"), "policyAssignments")]
    raw = b.snapshot(resources, errors=errors, root="root")
    central: tuple[str, ...] = {"workspace": (WORKSPACE,), "storage": (STORAGE,), "event_hub": (EVENT_HUB_RULE,),
                                "none": ()}[destination]
    return raw, Config(central_destinations=central)


def plan_for(destination: str = "workspace") -> tuple[model.Plan, AuditContext]:
    raw, config = tenant(destination)
    ctx = AuditContext(build_snapshot(raw), config)
    return audited_plan(ctx), ctx


def _by_kind(plan: model.Plan, kind: str) -> list[model.Action]:
    return [a for a in plan.actions if a.kind == kind]


def test_projection_per_subscription() -> None:
    plan, _ = plan_for()
    got = {p.id: (p.enforcement, p.projected) for p in plan.subscriptions}
    assert got == {
        sid("platform"): ("effective", "effective"),
        sid("land1"): ("none", "effective"),
        sid("land2"): ("none", "effective"),
        sid("land3"): ("none", "effective"),
        sid("online-enf"): ("impaired", "effective"),
        sid("online-excl"): ("impaired", "impaired"),
        sid("sbx-disabled"): ("impaired", "effective"),
        sid("sbx-exempt"): ("impaired", "impaired"),
        sid("ident-none"): ("impaired", "effective"),
        sid("ident-role"): ("impaired", "effective"),
        sid("data-set"): ("impaired", "effective"),
        sid("unknown"): ("unknown", "unknown"),
    }


def test_new_assignment_at_the_highest_group_covering_only_unenforced_subscriptions() -> None:
    plan, _ = plan_for()
    [assign] = _by_kind(plan, model.ASSIGN_EXPORT_POLICY)
    assert assign.scope == b.mg_id("landing")
    assert assign.subscriptions == sorted([sid("land1"), sid("land2"), sid("land3")], key=str.lower)
    d = assign.detail
    assert d["definitionId"] == LA
    assert d["parameters"] == {"logAnalytics": WORKSPACE, "effect": "DeployIfNotExists"}
    assert d["roles"] == [MON, LAC]
    assert d["notScopes"] == []
    remediations = [a for a in _by_kind(plan, model.REMEDIATION_TASK) if a.scope == assign.scope]
    assert [r.detail["assignmentId"] for r in remediations] == [d["assignmentId"]]
    # the built-in is assigned: the only definition the plan ships is the alert policy's
    assert [a.slug for a in _by_kind(plan, model.POLICY_DEFINITION)] == ["definition-auditor-activity-log-alerts"]


def test_repairs_in_place_keep_exclusions_and_fix_every_problem() -> None:
    plan, _ = plan_for()
    fixes = {arm.last_segment(a.scope): a.detail["fix"] for a in _by_kind(plan, model.FIX_ASSIGNMENT)}
    assert sorted(fixes) == ["data-baseline", "ident-none-export", "ident-role-export", "online-export", "sbx-export"]
    assert fixes["online-export"].set_enforcement_mode and not fixes["online-export"].missing_roles
    assert fixes["sbx-export"].effect_parameter == "effect"
    assert fixes["data-baseline"].effect_parameter.lower() == "logeffect"
    assert fixes["ident-none-export"].add_identity and fixes["ident-none-export"].missing_roles == [MON, LAC]
    assert fixes["ident-role-export"].missing_roles == [LAC]
    assert fixes["ident-role-export"].principal_id == _principal("ident-role-export")
    template = json.loads(render_files(plan, ("arm",))[next(
        f for a in _by_kind(plan, model.FIX_ASSIGNMENT) if a.scope.endswith("online-export")
        for f in a.files(("arm",)))])
    props = template["resources"][0]["properties"]
    assert props["enforcementMode"] == "Default"
    assert props["notScopes"] == [b.sub_id(SUBS["online-excl"])]  # untouched
    data_remediation = [a for a in _by_kind(plan, model.REMEDIATION_TASK)
                        if a.detail["assignmentId"].endswith("data-baseline")]
    assert data_remediation[0].detail["referenceId"] == "activityLogs"


def test_exclusions_and_exemptions_are_listed_for_review() -> None:
    plan, _ = plan_for()
    reviews = {(a.kind, arm.last_segment(a.scope)): a.subscriptions
               for a in plan.actions if a.kind in model.REVIEW_KINDS}
    assert reviews == {
        (model.REVIEW_EXCLUSION, "online-export"): [sid("online-excl")],
        (model.REVIEW_EXEMPTION, "sbx-export"): [sid("sbx-exempt")],
    }
    [exemption] = _by_kind(plan, model.REVIEW_EXEMPTION)
    assert [arm.last_segment(e) for e in exemption.detail["exemptions"]] == ["sbx-waiver"]
    assert all(not a.files() for a in plan.actions if a.kind in model.REVIEW_KINDS)


def test_findings_driven_actions() -> None:
    plan, ctx = plan_for()
    # Subscriptions the plan makes export to the central workspace: one log search rule there.
    [central] = _by_kind(plan, model.CENTRAL_ALERT_RULE)
    assert central.detail["workspaceId"] == WORKSPACE
    assert central.scope == "/".join(WORKSPACE.split("/")[:5])
    exporting = ["land1", "land2", "land3", "online-enf", "sbx-disabled", "ident-none", "ident-role", "data-set"]
    assert central.subscriptions == sorted((sid(n) for n in exporting), key=str.lower)
    assert central.detail["operations"] == list(ctx.config.sensitive_operations)
    # The others (effective but not exporting, excluded, exempted, unknown): the alert policy at the
    # highest group, keeping the centrally covered ones out.
    [assign] = _by_kind(plan, model.ASSIGN_ALERT_POLICY)
    assert assign.scope == b.mg_id("root")
    others = ["platform", "online-excl", "sbx-exempt", "unknown"]
    assert assign.subscriptions == sorted((sid(n) for n in others), key=str.lower)
    assert assign.detail["notScopes"] == central.subscriptions
    assert [a.scope for a in _by_kind(plan, model.REMEDIATION_TASK)
            if a.detail["assignmentId"] == assign.detail["assignmentId"]] == [assign.scope]
    [profiles] = _by_kind(plan, model.REMOVE_LOG_PROFILE)
    assert profiles.subscriptions == [sid("land1")]
    [groups] = _by_kind(plan, model.MANAGEMENT_GROUP_EXPORT)
    assert groups.scope == b.mg_id("root")
    assert {"root", "landing-corp"} <= set(groups.detail["groups"])
    projected = {p.id: (p.alerts, p.projected_alerts) for p in plan.subscriptions}
    assert set(projected.values()) == {("gaps", "covered")}


def test_alert_policy_goes_down_to_groups_whose_others_fit_in_not_scopes(monkeypatch: Any) -> None:
    from auditor.remediate import alert_plan

    monkeypatch.setattr(alert_plan, "MAX_NOT_SCOPES", 0)
    plan, _ = plan_for()
    scopes = {a.scope: a.subscriptions for a in _by_kind(plan, model.ASSIGN_ALERT_POLICY)}
    # platform's group holds only platform; online and sandbox mix exporting and not exporting
    # subscriptions, so the excluded and exempted ones get their own; unknown is not placed below root.
    assert scopes == {b.mg_id("platform"): [sid("platform")], sid("online-excl"): [sid("online-excl")],
                      sid("sbx-exempt"): [sid("sbx-exempt")], sid("unknown"): [sid("unknown")]}
    assert all(not a.detail["notScopes"] for a in _by_kind(plan, model.ASSIGN_ALERT_POLICY))


def test_storage_destination_ships_the_custom_definition() -> None:
    plan, _ = plan_for("storage")
    [definition, _alerts] = _by_kind(plan, model.POLICY_DEFINITION)
    assert definition.scope == b.mg_id("root")
    [assign] = _by_kind(plan, model.ASSIGN_EXPORT_POLICY)
    assert assign.detail["definitionId"].endswith("/policyDefinitions/auditor-activity-log-to-storage")
    assert assign.detail["roles"] == [MON, b.ROLE_STORAGE_ACCOUNT_CONTRIBUTOR]
    assert assign.detail["parameters"]["storageAccountId"] == STORAGE
    assert plan.actions.index(definition) < plan.actions.index(assign)


def test_event_hub_destination_grants_on_the_namespace() -> None:
    plan, _ = plan_for("event_hub")
    [assign] = _by_kind(plan, model.ASSIGN_EXPORT_POLICY)
    assert assign.detail["definitionId"].endswith("/policyDefinitions/auditor-activity-log-to-event-hub")
    assert assign.detail["roles"] == [LAC, b.ROLE_AZURE_EVENT_HUBS_DATA_OWNER]
    assert assign.detail["parameters"]["eventHubAuthorizationRuleId"] == EVENT_HUB_RULE


def test_without_central_destination_the_workspace_is_a_flagged_placeholder() -> None:
    plan, _ = plan_for("none")
    [assign] = _by_kind(plan, model.ASSIGN_EXPORT_POLICY)
    assert assign.detail["parameters"]["logAnalytics"].startswith(PLACEHOLDER_PREFIX)
    assert any("central_destinations" in p for p in plan.placeholders)
    files = render_files(plan, model.FORMATS)
    assert "central_destinations" in files["README.md"]


def test_plan_json_shape_and_steps() -> None:
    plan, _ = plan_for()
    doc = plan.as_dict()
    assert set(doc) == {"actions", "subscriptions"}
    for a in doc["actions"]:
        assert set(a) == {"kind", "scope", "subscriptions", "files"}
    for s in doc["subscriptions"]:
        assert set(s) == {"id", "enforcement", "projected", "verdict", "projectedVerdict", "alerts",
                          "projectedAlerts"}
    steps = [a.step for a in plan.actions if a.kind not in model.REVIEW_KINDS]
    assert steps == list(range(1, len(steps) + 1))
    kinds = [a.kind for a in plan.actions]
    assert kinds == sorted(kinds, key=model.KIND_ORDER.index)


def test_unknown_subscription_is_not_touched_by_enforcement_actions() -> None:
    plan, _ = plan_for()
    for a in plan.actions:
        alerting = a.kind == model.REMEDIATION_TASK and "/auditor-alerts-" in a.detail["assignmentId"]
        if a.kind in (model.ASSIGN_EXPORT_POLICY, model.FIX_ASSIGNMENT, model.REMEDIATION_TASK) and not alerting:
            assert sid("unknown") not in a.subscriptions
            assert not arm.is_under(sid("unknown"), a.scope)


def test_output_is_deterministic(tmp_path: Path) -> None:
    first = render_files(plan_for()[0], model.FORMATS)
    second = render_files(plan_for()[0], model.FORMATS)
    assert first == second
    listed = {f for a in plan_for()[0].actions for f in a.files()}
    assert listed | {"plan.json", "README.md"} == set(first)


def test_tenant_without_any_policy_gets_one_assignment_at_the_root() -> None:
    s1, s2 = b.guid("bare-1"), b.guid("bare-2")
    raw = b.snapshot([
        b.management_group("root", parent=None, children=[b.child_group("a"), b.child_group("b")]),
        b.management_group("a", parent="root", children=[b.child_subscription(s1, "one")]),
        b.management_group("b", parent="root", children=[b.child_subscription(s2, "two")]),
        b.subscription(s1, "one"), b.subscription(s2, "two"),
    ], root="root")
    plan = audited_plan(AuditContext(build_snapshot(raw), Config(central_destinations=(WORKSPACE,))))
    [assign] = _by_kind(plan, model.ASSIGN_EXPORT_POLICY)
    assert assign.scope == b.mg_id("root")
    assert {p.projected for p in plan.subscriptions} == {"effective"}


def test_effect_fixed_by_a_set_is_reviewed_and_covered_by_a_new_assignment() -> None:
    s1 = b.guid("hard-coded")
    fixed_set = b.policy_set_definition("root", "disabled-logs", [
        b.set_member("activityLogs", LA, {"logAnalytics": WORKSPACE, "effect": "Disabled"}),
    ])
    assignment = _assignment(b.sub_id(s1), "disabled-set", fixed_set["id"], parameters={})
    raw = b.snapshot([
        b.management_group("root", parent=None, children=[b.child_group("a"), b.child_subscription(P, "p")]),
        b.management_group("a", parent="root", children=[b.child_subscription(s1, "one")]),
        b.subscription(s1, "one"), b.subscription(P, "p"), b.export_policy_definition(), fixed_set, assignment,
        *_roles(b.sub_id(s1), "disabled-set"),
        _assignment(b.sub_id(P), "p-export"), *_roles(b.sub_id(P), "p-export"),
    ], root="root")
    ctx = AuditContext(build_snapshot(raw), Config(central_destinations=(WORKSPACE,)))
    assert [c.reason for c in ctx.enforcement[b.sub_id(s1).lower()].checks] == ["effect_not_dine"]
    plan = audited_plan(ctx)
    [review] = _by_kind(plan, model.REVIEW_ASSIGNMENT)
    assert review.scope == assignment["id"] and "edit the set" in review.title
    assert not _by_kind(plan, model.FIX_ASSIGNMENT)
    [assign] = _by_kind(plan, model.ASSIGN_EXPORT_POLICY)
    assert assign.scope == b.mg_id("a")
    assert plan.projected()[b.sub_id(s1).lower()] == "effective"
