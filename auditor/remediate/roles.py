"""Built-in Azure role definitions the remediation uses, with the actions that matter to it.

Each role records, verbatim, the ``actions`` / ``notActions`` entries of its published
definition that concern what the plan deploys: deployments, role assignments, policy
definitions and assignments, remediations, diagnostic settings, log profiles, activity log
alerts, resource groups, and the destination resources' linked-access actions (entries for
other resource providers are left out; wildcards such as ``*`` and ``*/read`` are kept).

Provenance: Microsoft's generated built-in role reference, MicrosoftDocs/azure-docs
``articles/role-based-access-control/built-in-roles/{monitor,general,privileged,
management-and-governance,storage,analytics}.md`` (``ms.date`` 2026-02-23 for monitor.md,
commit 03e5750af10b23b5ba437d5b333ec5e9437844f9), cross-checked with ``az role definition
list`` outputs quoted in azure-docs. Two roles gained ``Microsoft.Resources/deployments/*``
recently: Monitoring Contributor (absent in the 2024-04-25 monitor.md) and Resource Policy
Contributor (absent in the 2022 definition). ``earlier_lacked`` records that, so that the
roles a policy definition carries (which live for years and run in clouds whose definitions
may lag) are judged without them: see :mod:`auditor.remediate.permissions`.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.azure.rbac import role_name as builtin_role_name


@dataclass(frozen=True)
class BuiltInRole:
    guid: str
    name: str
    why: str  # what the plan uses it for
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    earlier_lacked: tuple[str, ...] = ()  # entries of ``actions`` an earlier published version did not have

    @property
    def definition_id(self) -> str:
        """Tenant-independent id, as policy definitions list their ``roleDefinitionIds``."""
        return f"/providers/Microsoft.Authorization/roleDefinitions/{self.guid}"


OWNER = BuiltInRole(
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner",
    "everything, role assignments included",
    actions=("*",),
)
CONTRIBUTOR = BuiltInRole(
    "b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor",
    "everything except Microsoft.Authorization writes (no policy or role assignments)",
    actions=("*",),
    not_actions=("Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
                 "Microsoft.Authorization/elevateAccess/Action", "Microsoft.Blueprint/blueprintAssignments/write",
                 "Microsoft.Blueprint/blueprintAssignments/delete", "Microsoft.Compute/galleries/share/action"),
)
USER_ACCESS_ADMINISTRATOR = BuiltInRole(
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator",
    "role assignments (Microsoft.Authorization/*); no deployments",
    actions=("*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"),
)
RESOURCE_POLICY_CONTRIBUTOR = BuiltInRole(
    "36243c78-bf99-498c-9df9-86d9f8d28608", "Resource Policy Contributor",
    "policy definitions, assignments and remediations (Microsoft.PolicyInsights/*)",
    actions=("*/read", "Microsoft.Authorization/policyassignments/*", "Microsoft.Authorization/policydefinitions/*",
             "Microsoft.Authorization/policyexemptions/*", "Microsoft.Authorization/policysetdefinitions/*",
             "Microsoft.PolicyInsights/*", "Microsoft.Resources/deployments/*", "Microsoft.Support/*"),
    earlier_lacked=("Microsoft.Resources/deployments/*",),
)
MONITORING_CONTRIBUTOR = BuiltInRole(
    "749f88d5-cbae-40b8-bcfc-e573ddc772fa", "Monitoring Contributor",
    "writes Microsoft.Insights/diagnosticSettings and activityLogAlerts (not log profiles)",
    actions=("*/read", "Microsoft.Insights/activityLogAlerts/*", "Microsoft.Insights/DiagnosticSettings/*",
             "Microsoft.Insights/scheduledqueryrules/*", "Microsoft.OperationalInsights/workspaces/write",
             "Microsoft.OperationalInsights/workspaces/sharedKeys/action",
             "Microsoft.OperationalInsights/workspaces/sharedKeys/read", "Microsoft.Resources/deployments/*"),
    earlier_lacked=("Microsoft.Resources/deployments/*", "Microsoft.OperationalInsights/workspaces/sharedKeys/read"),
)
MONITORING_POLICY_CONTRIBUTOR = BuiltInRole(
    "47be4a87-7950-4631-9daf-b664a405f074", "Monitoring Policy Contributor",
    "runs alert DeployIfNotExists deployments: activityLogAlerts, resource groups, deployments, remediations",
    actions=("*/read", "Microsoft.Insights/activityLogAlerts/*", "Microsoft.Insights/DiagnosticSettings/*",
             "Microsoft.OperationalInsights/workspaces/write",
             "Microsoft.OperationalInsights/workspaces/sharedKeys/action",
             "Microsoft.OperationalInsights/workspaces/sharedKeys/read", "Microsoft.Resources/deployments/*",
             "Microsoft.PolicyInsights/remediations/*", "Microsoft.Resources/subscriptions/resourceGroups/*"),
)
LOG_ANALYTICS_CONTRIBUTOR = BuiltInRole(
    "92aaf0da-9dab-42b6-94a3-d43ce8d16293", "Log Analytics Contributor",
    "runs the export deployment (Microsoft.Resources/deployments/*, diagnosticSettings/*) and passes the "
    "workspace's linked access check (Microsoft.OperationalInsights/*)",
    actions=("*/read", "Microsoft.Insights/diagnosticSettings/*", "Microsoft.OperationalInsights/*",
             "Microsoft.Resources/deployments/*", "Microsoft.Resources/subscriptions/resourcegroups/deployments/*",
             "Microsoft.Storage/storageAccounts/listKeys/action"),
)
STORAGE_ACCOUNT_CONTRIBUTOR = BuiltInRole(
    "17d1049b-9a84-46fb-8f53-869881c3d3ab", "Storage Account Contributor",
    "linked access check on the destination storage account (Microsoft.Storage/storageAccounts/*, listKeys "
    "included); also holds Microsoft.Resources/deployments/* and diagnosticSettings/*",
    actions=("Microsoft.Authorization/*/read", "Microsoft.Insights/diagnosticSettings/*",
             "Microsoft.Resources/deployments/*", "Microsoft.Resources/subscriptions/resourceGroups/read",
             "Microsoft.Storage/storageAccounts/*"),
)
EVENT_HUBS_DATA_OWNER = BuiltInRole(
    "f526a384-b230-433a-b45c-95f59c4a2dec", "Azure Event Hubs Data Owner",
    "linked access check on the Event Hub authorization rule (Microsoft.EventHub/*, "
    "authorizationRules/listKeys included); no deployments",
    actions=("Microsoft.EventHub/*",),
)

ALL_ROLES = (
    RESOURCE_POLICY_CONTRIBUTOR, USER_ACCESS_ADMINISTRATOR, MONITORING_CONTRIBUTOR, MONITORING_POLICY_CONTRIBUTOR,
    LOG_ANALYTICS_CONTRIBUTOR, STORAGE_ACCOUNT_CONTRIBUTOR, EVENT_HUBS_DATA_OWNER, CONTRIBUTOR, OWNER,
)
BY_GUID: dict[str, BuiltInRole] = {r.guid: r for r in ALL_ROLES}


def role_name(guid: str) -> str:
    role = BY_GUID.get(guid.lower())
    return role.name if role else (builtin_role_name(guid) or f"role {guid}")
