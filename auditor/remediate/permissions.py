"""The permission model: which actions each step needs, where, and which built-in roles grant them.

Azure refuses a deployment whose caller lacks an action at the scope it acts on, and a
diagnostic setting whose caller fails the *linked access check* on the destination. This
module states those needs once and is used to

* choose the roles every policy identity in the plan receives (the roles must hold every
  action its DeployIfNotExists deployment needs at the assignment scope and the destination),
* derive the deployer's permission lines in the generated README and ``docs/remediation.md``,
* judge a plan step by step (the test deploy simulator does the same with the documents it
  deploys).

Role actions come from :mod:`auditor.remediate.roles` (verbatim built-in definitions).
Matching follows Azure: ``*`` matches any characters, comparison ignores case, and an action
granted by ``actions`` is removed by a matching ``notActions`` entry of the same role.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from itertools import combinations

from auditor.remediate import model, roles
from auditor.remediate.model import Action
from auditor.remediate.roles import BuiltInRole

# Actions the plan's steps perform.
DEPLOY = "Microsoft.Resources/deployments/write"
ROLE_ASSIGN = "Microsoft.Authorization/roleAssignments/write"
POLICY_DEFINE = "Microsoft.Authorization/policyDefinitions/write"
POLICY_ASSIGN = "Microsoft.Authorization/policyAssignments/write"
REMEDIATE = "Microsoft.PolicyInsights/remediations/write"
DIAGNOSTIC_WRITE = "Microsoft.Insights/diagnosticSettings/write"
ALERT_WRITE = "Microsoft.Insights/activityLogAlerts/write"
RESOURCE_GROUP_WRITE = "Microsoft.Resources/subscriptions/resourceGroups/write"
LOG_PROFILE_DELETE = "Microsoft.Insights/LogProfiles/delete"
QUERY_RULE_WRITE = "Microsoft.Insights/scheduledQueryRules/write"
SENTINEL_RULE_WRITE = "Microsoft.SecurityInsights/alertRules/write"

# Where an action is needed.
SCOPE = "scope"  # the scope the step deploys at (assignment scope, group, subscription)
DESTINATION = "destination"  # the export destination resource (linked access check, role grants)
DESTINATION_GROUP = "destination_group"  # the destination's resource group (nested grant deployment)

# The linked access check: what the caller of a diagnostic-setting write must hold on the destination
# (Learn: "Manage access to Log Analytics workspaces" -- workspaces/read and sharedKeys/action make a
# workspace usable as a diagnostic-setting destination; storage and Event Hub destinations need their keys).
LINKED_ACCESS: dict[str, tuple[str, ...]] = {
    "log_analytics": ("Microsoft.OperationalInsights/workspaces/read",
                      "Microsoft.OperationalInsights/workspaces/sharedKeys/action"),
    "storage": ("Microsoft.Storage/storageAccounts/read", "Microsoft.Storage/storageAccounts/listKeys/action"),
    "event_hub": ("Microsoft.EventHub/namespaces/authorizationRules/read",
                  "Microsoft.EventHub/namespaces/authorizationRules/listKeys/action"),
}


@dataclass(frozen=True)
class Need:
    action: str
    where: str  # SCOPE | DESTINATION | DESTINATION_GROUP
    why: str


@cache
def _pattern(entry: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(p) for p in entry.split("*")) + "$", re.IGNORECASE)


def allows(role: BuiltInRole, action: str, *, earliest: bool = False) -> bool:
    """Whether ``role`` grants ``action``; ``earliest`` ignores entries older definitions lacked."""
    entries = [a for a in role.actions if not (earliest and a in role.earlier_lacked)]
    if not any(_pattern(a).match(action) for a in entries):
        return False
    return not any(_pattern(n).match(action) for n in role.not_actions)


def granted(role_guids: Iterable[str], action: str, *, earliest: bool = False) -> bool:
    return any(allows(r, action, earliest=earliest) for r in (roles.BY_GUID.get(g.lower()) for g in role_guids)
               if r is not None)


def missing(role_guids: Iterable[str], needs: Iterable[Need], where: str, *, earliest: bool = False) -> list[Need]:
    """The needs at ``where`` that none of the roles grants."""
    held = list(role_guids)
    return [n for n in needs if n.where == where and not granted(held, n.action, earliest=earliest)]


# ---------------------------------------------------------------- policy identities
def export_identity_needs(destination_kind: str) -> list[Need]:
    """What a subscription-export DeployIfNotExists deployment needs (its identity is the caller)."""
    return [
        Need(DEPLOY, SCOPE, "the policy's deployment at each subscription"),
        Need(DIAGNOSTIC_WRITE, SCOPE, "the subscription diagnostic setting"),
        *(Need(a, DESTINATION, "linked access check on the destination") for a in LINKED_ACCESS[destination_kind]),
    ]


def alert_identity_needs() -> list[Need]:
    """What the activity-log-alert DeployIfNotExists deployments need (nested deployment into a group,
    which the sensitive-operations definition creates first)."""
    return [
        Need(DEPLOY, SCOPE, "the policy's deployment and its nested resource-group deployment"),
        Need(RESOURCE_GROUP_WRITE, SCOPE, "the alert's resource group"),
        Need(ALERT_WRITE, SCOPE, "the activity log alert"),
    ]


def identity_roles_suffice(scope_roles: Iterable[str], destination_roles: Iterable[str],
                           needs: list[Need], *, earliest: bool = True) -> list[Need]:
    """Needs left unmet by roles at the assignment scope and on the destination (empty: it deploys).

    Roles at the scope apply on the destination too when the destination lies inside the scope;
    callers pass them in ``destination_roles`` in that case.
    """
    scope_roles, destination_roles = list(scope_roles), list(destination_roles)
    return (missing(scope_roles, needs, SCOPE, earliest=earliest)
            + missing(destination_roles, needs, DESTINATION, earliest=earliest))


def destination_role(role_guids: Iterable[str], destination_kind: str) -> str | None:
    """The role of a policy's list to grant on the destination: the last one (the destination-specific
    role comes last) that passes the linked access check on its own, in every published version."""
    for guid in reversed(list(role_guids)):
        if all(granted([guid], a, earliest=True) for a in LINKED_ACCESS[destination_kind]):
            return guid
    return None


# ---------------------------------------------------------------- the deployer
# Roles a deployer may be told to hold, least privileged first. Contributor (which cannot assign
# policies or roles) is the last resort; Owner, which grants everything, is never derived: it would
# hide a step whose needs the model does not cover.
DEPLOYER_CANDIDATES: tuple[BuiltInRole, ...] = (
    roles.RESOURCE_POLICY_CONTRIBUTOR, roles.USER_ACCESS_ADMINISTRATOR, roles.MONITORING_CONTRIBUTOR,
    roles.STORAGE_ACCOUNT_CONTRIBUTOR, roles.EVENT_HUBS_DATA_OWNER, roles.LOG_ANALYTICS_CONTRIBUTOR,
    roles.MONITORING_POLICY_CONTRIBUTOR, roles.CONTRIBUTOR,
)


class NoRoleGrants(ValueError):
    """A step needs an action that no role of the model grants: the model is incomplete."""


_BROAD = (roles.CONTRIBUTOR,)


# Roles a policy identity may get beyond its definition's list, in the order Microsoft's own
# diagnostic DeployIfNotExists built-ins use them (never Contributor or Owner).
IDENTITY_CANDIDATES: tuple[BuiltInRole, ...] = (
    roles.LOG_ANALYTICS_CONTRIBUTOR, roles.MONITORING_CONTRIBUTOR, roles.STORAGE_ACCOUNT_CONTRIBUTOR,
    roles.EVENT_HUBS_DATA_OWNER, roles.MONITORING_POLICY_CONTRIBUTOR,
)

# On a destination, its own service's role first.
DESTINATION_CANDIDATES: tuple[BuiltInRole, ...] = (
    roles.STORAGE_ACCOUNT_CONTRIBUTOR, roles.EVENT_HUBS_DATA_OWNER, roles.LOG_ANALYTICS_CONTRIBUTOR,
)


def least_roles(actions: Iterable[str], candidates: tuple[BuiltInRole, ...] = DEPLOYER_CANDIDATES, *,
                earliest: bool = False) -> list[BuiltInRole]:
    """The smallest set of candidate roles granting every action: narrow roles first (earlier
    candidates preferred), Contributor only when no combination of narrow ones will do."""
    wanted = sorted(set(actions), key=str.lower)
    if not wanted:
        return []
    narrow = tuple(r for r in candidates if r not in _BROAD)
    for pool in (narrow, candidates):
        for size in range(1, 4):
            for combo in combinations(pool, size):
                if all(any(allows(r, a, earliest=earliest) for r in combo) for a in wanted):
                    return list(combo)
    unmet = [a for a in wanted if not any(allows(r, a, earliest=earliest) for r in candidates)]
    raise NoRoleGrants(f"no built-in role of the model grants {', '.join(unmet) or ', '.join(wanted)}")


def describe(needs: list[Need], labels: dict[str, str]) -> str:
    """``Resource Policy Contributor and User Access Administrator at the scope; ...`` for README lines."""
    parts = []
    for where in (SCOPE, DESTINATION_GROUP, DESTINATION):
        actions = [n.action for n in needs if n.where == where]
        if not actions:
            continue
        names = [r.name for r in least_roles(actions)]
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        parts.append(f"{joined} {labels[where]}")
    return "; ".join(parts)


def deployer_needs(action: Action) -> list[Need]:
    """What the person or pipeline deploying ``action`` (``az deployment ... create``) needs."""
    kind = action.kind
    if kind == model.POLICY_DEFINITION:
        return [Need(DEPLOY, SCOPE, "template deployment"), Need(POLICY_DEFINE, SCOPE, "policy definition")]
    if kind in (model.ASSIGN_EXPORT_POLICY, model.FIX_ASSIGNMENT):
        out = [Need(DEPLOY, SCOPE, "template deployment")]
        fix = action.detail.get("fix")
        if fix is None or fix.changes_assignment:
            out.append(Need(POLICY_ASSIGN, SCOPE, "policy assignment"))
        if fix is None or fix.missing_roles:
            out.append(Need(ROLE_ASSIGN, SCOPE, "role assignments for the policy identity"))
        if fix is None or fix.grants_destination:
            out += [Need(DEPLOY, DESTINATION_GROUP, "nested deployment granting the destination role"),
                    Need(ROLE_ASSIGN, DESTINATION_GROUP, "role assignment on the destination")]
        return out
    if kind == model.REMEDIATION_TASK:
        return [Need(DEPLOY, SCOPE, "template deployment"), Need(REMEDIATE, SCOPE, "remediation task")]
    if kind in (model.MANAGEMENT_GROUP_EXPORT, model.UPDATE_SINK):
        dest_kind = action.detail["destination"].kind
        return [Need(DEPLOY, SCOPE, "template deployment"), Need(DIAGNOSTIC_WRITE, SCOPE, "diagnostic setting"),
                *(Need(a, DESTINATION, "linked access check") for a in LINKED_ACCESS[dest_kind])]
    if kind == model.ASSIGN_ALERT_POLICY:
        return [Need(DEPLOY, SCOPE, "template deployment"), Need(POLICY_ASSIGN, SCOPE, "policy assignment"),
                Need(ROLE_ASSIGN, SCOPE, "role assignments for the policy identity")]
    if kind == model.CENTRAL_ALERT_RULE:
        return [Need(DEPLOY, SCOPE, "template deployment"), Need(QUERY_RULE_WRITE, SCOPE, "log search alert rule")]
    if kind == model.SENTINEL_ALERT_RULE:
        return [Need(DEPLOY, SCOPE, "template deployment"), Need(SENTINEL_RULE_WRITE, SCOPE, "Sentinel analytics rule")]
    if kind == model.REMOVE_LOG_PROFILE:
        return [Need(LOG_PROFILE_DELETE, SCOPE, "az monitor log-profiles delete")]
    return []


_LABELS = {
    model.POLICY_DEFINITION: "at the root management group",
    model.ASSIGN_EXPORT_POLICY: "at the scope",
    model.FIX_ASSIGNMENT: "at the assignment's scope",
    model.REMEDIATION_TASK: "at the scope",
    model.MANAGEMENT_GROUP_EXPORT: "at the management group",
    model.UPDATE_SINK: "at the management group (above every listed subscription)",
    model.ASSIGN_ALERT_POLICY: "at the scope",
    model.CENTRAL_ALERT_RULE: "on the workspace's resource group",
    model.SENTINEL_ALERT_RULE: "on the workspace's resource group",
    model.REMOVE_LOG_PROFILE: "on each subscription the script names",
}


def deployer_permissions(action: Action) -> str:
    """The README's permission line for a step, derived from :func:`deployer_needs`."""
    return describe(deployer_needs(action), {
        SCOPE: _LABELS.get(action.kind, "at the scope"),
        DESTINATION_GROUP: "on the destination's resource group",
        DESTINATION: "on the destination (linked access check)",
    })
