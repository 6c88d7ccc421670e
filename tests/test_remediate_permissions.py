"""The permission model: role actions as Azure matches them, policy identities whose roles can
deploy, and deployer permission lines derived from what each step does."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from remediate_support import audited_plan

from auditor.azure.rbac import BUILTIN_ROLE_NAMES
from auditor.remediate import definitions as defs
from auditor.remediate import model, permissions, roles
from auditor.remediate.permissions import (
    DEPLOY,
    LOG_PROFILE_DELETE,
    ROLE_ASSIGN,
    NoRoleGrants,
    allows,
    least_roles,
)

POLICIES = Path(__file__).resolve().parent.parent / "policies"
DEST_PARAMETER_KIND = {"storageAccountId": "storage", "eventHubAuthorizationRuleId": "event_hub",
                       "logAnalytics": "log_analytics"}


def test_matching_follows_azure() -> None:
    assert allows(roles.OWNER, ROLE_ASSIGN)
    assert allows(roles.CONTRIBUTOR, DEPLOY)
    assert not allows(roles.CONTRIBUTOR, ROLE_ASSIGN)  # notActions Microsoft.Authorization/*/Write
    assert allows(roles.USER_ACCESS_ADMINISTRATOR, "microsoft.authorization/ROLEASSIGNMENTS/write")
    assert not allows(roles.USER_ACCESS_ADMINISTRATOR, DEPLOY)
    assert allows(roles.LOG_ANALYTICS_CONTRIBUTOR, "Microsoft.OperationalInsights/workspaces/read")  # */read
    assert not allows(roles.EVENT_HUBS_DATA_OWNER, DEPLOY)
    assert not allows(roles.MONITORING_CONTRIBUTOR, LOG_PROFILE_DELETE)
    # Monitoring Contributor gained deployments/* only recently: policy identities do not rely on it.
    assert allows(roles.MONITORING_CONTRIBUTOR, DEPLOY)
    assert not allows(roles.MONITORING_CONTRIBUTOR, DEPLOY, earliest=True)


def test_role_table_agrees_with_the_names_table() -> None:
    for role in roles.ALL_ROLES:
        assert BUILTIN_ROLE_NAMES[role.guid] == role.name
        assert set(role.earlier_lacked) <= set(role.actions)


def _dine_definitions() -> list[tuple[str, dict]]:
    out = []
    for path in sorted(POLICIES.glob("*.json")):
        doc = json.loads(path.read_text())
        if doc.get("type") == "Microsoft.Authorization/policyDefinitions":
            out.append((path.name, doc))
    out.append(("generated alert", defs.alert_definition()))
    return out


@pytest.mark.parametrize("name,doc", _dine_definitions(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_deploy_if_not_exists_definition_carries_roles_that_can_deploy(name: str, doc: dict) -> None:
    details = doc["properties"]["policyRule"]["then"]["details"]
    guids = [r.rsplit("/", 1)[-1] for r in details["roleDefinitionIds"]]
    if details["type"] == "Microsoft.Insights/diagnosticSettings":
        [kind] = [k for p, k in DEST_PARAMETER_KIND.items() if p in doc["properties"]["parameters"]]
        needs = permissions.export_identity_needs(kind)
        dest_role = permissions.destination_role(guids, kind)
        assert dest_role, f"{name}: no role passes the linked access check"
        assert permissions.identity_roles_suffice(guids, [dest_role], needs) == []
    else:
        assert details["type"] == "Microsoft.Insights/activityLogAlerts"
        assert permissions.identity_roles_suffice(guids, [], permissions.alert_identity_needs()) == []


def test_the_check_has_teeth_on_the_old_roles() -> None:
    mc, ehdo = roles.MONITORING_CONTRIBUTOR.guid, roles.EVENT_HUBS_DATA_OWNER.guid
    unmet = permissions.identity_roles_suffice([mc], [], permissions.alert_identity_needs())
    assert [n.action for n in unmet] == [DEPLOY, permissions.RESOURCE_GROUP_WRITE]
    unmet = permissions.identity_roles_suffice([mc, ehdo], [ehdo], permissions.export_identity_needs("event_hub"))
    assert [n.action for n in unmet] == [DEPLOY]


def test_builtin_log_analytics_roles_can_deploy() -> None:
    guids = defs.export_role_guids(defs.LOG_ANALYTICS)
    dest = permissions.destination_role(guids, "log_analytics")
    assert dest == roles.LOG_ANALYTICS_CONTRIBUTOR.guid
    assert permissions.identity_roles_suffice(guids, [dest], permissions.export_identity_needs("log_analytics")) == []


def test_a_step_needing_an_action_no_role_grants_fails() -> None:
    # No narrow role grants it and Contributor's notActions remove it (Owner is never derived).
    with pytest.raises(NoRoleGrants, match="Microsoft.Blueprint/blueprintAssignments/write"):
        least_roles([DEPLOY, "Microsoft.Blueprint/blueprintAssignments/write"])


def test_deployer_lines_name_roles_that_hold_every_action() -> None:
    from test_remediate_plan import plan_for

    seen = set()
    for destination in ("workspace", "storage", "event_hub"):
        plan, _ = plan_for(destination)
        for action in plan.actions:
            if action.kind in model.REVIEW_KINDS:
                continue
            needs = permissions.deployer_needs(action)
            assert needs, action.kind
            for where in {n.where for n in needs}:
                held = least_roles(n.action for n in needs if n.where == where)
                for n in needs:
                    if n.where == where:
                        assert any(allows(r, n.action) for r in held), (action.kind, n)
            seen.add(action.kind)
            assert permissions.deployer_permissions(action)
    assert {model.ASSIGN_EXPORT_POLICY, model.FIX_ASSIGNMENT, model.REMEDIATION_TASK,
            model.ASSIGN_ALERT_POLICY, model.CENTRAL_ALERT_RULE, model.REMOVE_LOG_PROFILE,
            model.MANAGEMENT_GROUP_EXPORT} <= seen


def test_deployer_lines_for_the_issues_cases() -> None:
    from test_remediate_plan import plan_for

    plan, _ = plan_for("workspace")
    line = {a.kind: permissions.deployer_permissions(a) for a in plan.actions if a.kind not in model.REVIEW_KINDS}
    # Log profiles: Monitoring Contributor has no Microsoft.Insights/LogProfiles/*.
    assert line[model.REMOVE_LOG_PROFILE] == "Contributor on each subscription the script names"
    # Nested deployment in the destination's group: User Access Administrator alone is not enough.
    assert "Resource Policy Contributor and User Access Administrator on the destination's resource group" \
        in line[model.ASSIGN_EXPORT_POLICY]
    assert line[model.ASSIGN_ALERT_POLICY] == "Resource Policy Contributor and User Access Administrator at the scope"
    assert line[model.CENTRAL_ALERT_RULE] == "Monitoring Contributor on the workspace's resource group"


def test_plan_identities_get_roles_that_deploy() -> None:
    from test_remediate_plan import plan_for

    for destination in ("workspace", "storage", "event_hub"):
        plan = plan_for(destination)[0]
        [assign] = [a for a in plan.actions if a.kind == model.ASSIGN_EXPORT_POLICY]
        kind = assign.detail["destination"].kind
        unmet = permissions.identity_roles_suffice(assign.detail["roles"], [assign.detail["destinationRole"]],
                                                   permissions.export_identity_needs(kind))
        assert unmet == [], destination


def test_docs_permission_table_matches_the_model() -> None:
    """docs/remediation.md's deployer table says what the model derives (first clause of each line)."""
    from test_remediate_plan import plan_for

    docs = (Path(__file__).resolve().parent.parent / "docs" / "remediation.md").read_text()
    rows = dict(re.findall(r"^\| ([a-z -]+) \| (.+) \|$", docs.split("## Permissions to deploy")[1], re.M))
    plan, _ = plan_for("workspace")
    first = {a.kind: permissions.deployer_permissions(a).split(";")[0] for a in plan.actions
             if a.kind not in model.REVIEW_KINDS}
    plan, _ = plan_for("storage")
    first.update({a.kind: permissions.deployer_permissions(a).split(";")[0] for a in plan.actions
                  if a.kind == model.POLICY_DEFINITION})
    for step, kind in (("policy definition", model.POLICY_DEFINITION), ("new assignment", model.ASSIGN_EXPORT_POLICY),
                       ("remediation task", model.REMEDIATION_TASK),
                       ("alert policy assignment", model.ASSIGN_ALERT_POLICY),
                       ("central alert rule", model.CENTRAL_ALERT_RULE),
                       ("log profiles", model.REMOVE_LOG_PROFILE)):
        assert rows[step].startswith(first[kind].replace(" on the subscription", "").replace(
            " at the root management group", "").replace(" at the scope", "")), (step, first[kind])


def test_a_repair_whose_destination_is_unknown_is_not_projected_effective() -> None:
    """Without the destination the linked-access grant cannot be made: the projection stays."""
    from test_remediate_plan import sid, tenant

    from auditor.analysis.context import AuditContext
    from auditor.azure import arm
    from auditor.azure.snapshot import build_snapshot

    raw, config = tenant()
    online = next(d for d in raw["resources"] if str(d.get("id", "")).endswith("/online-export"))
    online["properties"]["parameters"] = {}  # the workspace parameter is gone: nowhere to grant
    ctx = AuditContext(build_snapshot(raw), config)
    plan = audited_plan(ctx)
    [fix] = [a.detail["fix"] for a in plan.actions
             if a.kind == model.FIX_ASSIGNMENT and a.scope.endswith("/online-export")]
    assert not fix.grants_destination
    [p] = [p for p in plan.subscriptions if arm.same_id(p.id, sid("online-enf"))]
    assert p.enforcement == "impaired" and p.projected == "impaired"
    assert "linked access" in p.why
