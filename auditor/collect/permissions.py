"""The Azure RBAC actions ``auditor collect`` needs: one list, for the role, the docs and the tests.

``auditor role`` prints a custom read-only role holding exactly these actions; SECURITY.md and
docs/collection.md show the same table (``tests/test_role.py`` compares them), and the emulator,
given that role, answers 403 for every request whose action it lacks, which is how the tests show
the list is enough (an exact round trip) and no broader (removing any one action breaks it).

Resource Graph returns only the resources the caller can read, silently: every resource type the
collector queries there is in the list, because without its ``read`` the resources are simply
missing from the snapshot rather than recorded as unreadable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ALWAYS = "collect"
VERIFY_DELIVERY = "--verify-delivery"


@dataclass(frozen=True)
class Permission:
    action: str
    reads: str  # what collect reads with it
    when: str = ALWAYS  # ALWAYS, or VERIFY_DELIVERY (only with that option)
    data_action: bool = False  # a data action (DataActions), not a control-plane action


PERMISSIONS: tuple[Permission, ...] = (
    Permission("Microsoft.Management/managementGroups/read", "the management-group tree"),
    Permission("Microsoft.Resources/subscriptions/read", "subscriptions and their names"),
    Permission("Microsoft.ResourceGraph/resources/read", "Resource Graph queries (bulk reads of the kinds below)"),
    Permission("Microsoft.Insights/diagnosticSettings/read", "subscription and management-group diagnostic settings"),
    Permission("Microsoft.Insights/logProfiles/read", "legacy log profiles"),
    Permission("Microsoft.Insights/activityLogAlerts/read", "activity log alerts"),
    Permission("Microsoft.Insights/scheduledQueryRules/read", "log search alerts"),
    Permission("Microsoft.Insights/actionGroups/read", "action groups of alerts"),
    Permission("Microsoft.OperationalInsights/workspaces/read", "Log Analytics workspace destinations"),
    Permission("Microsoft.OperationalInsights/workspaces/tables/read", "`AzureActivity` table retention"),
    Permission("Microsoft.Storage/storageAccounts/read", "storage account destinations"),
    Permission("Microsoft.Storage/storageAccounts/managementPolicies/read",
               "lifecycle rules deleting `insights-activity-logs/`"),
    Permission("Microsoft.Storage/storageAccounts/blobServices/containers/read",
               "immutability policy of `insights-activity-logs`"),
    Permission("Microsoft.EventHub/namespaces/read", "Event Hub namespace destinations"),
    Permission("Microsoft.EventHub/namespaces/authorizationRules/read",
               "Event Hub authorization rules (metadata only, never keys)"),
    Permission("Microsoft.Authorization/policyAssignments/read", "policy assignments"),
    Permission("Microsoft.Authorization/policyDefinitions/read", "policy definitions"),
    Permission("Microsoft.Authorization/policySetDefinitions/read", "policy set definitions (initiatives)"),
    Permission("Microsoft.Authorization/policyExemptions/read", "policy exemptions"),
    Permission("Microsoft.Authorization/roleAssignments/read", "role assignments of policy identities"),
    Permission("Microsoft.PolicyInsights/policyStates/queryResults/read", "latest policy states of subscriptions"),
    Permission("Microsoft.SecurityInsights/onboardingStates/read", "whether Microsoft Sentinel is on a workspace"),
    Permission("Microsoft.SecurityInsights/alertRules/read", "Sentinel analytics rules"),
    Permission("Microsoft.OperationsManagement/solutions/read",
               "the legacy `SecurityInsights(<workspace>)` solution where no onboarding state exists"),
    Permission("Microsoft.Security/pricings/read", "Defender plans", VERIFY_DELIVERY),
    Permission("Microsoft.Insights/autoscaleSettings/read", "autoscale settings (Autoscale category sources)",
               VERIFY_DELIVERY),
    Permission("Microsoft.Insights/metricAlerts/read", "metric alerts (Alert category sources)", VERIFY_DELIVERY),
    Permission("Microsoft.OperationalInsights/workspaces/query/read",
               "the delivery query on each destination workspace", VERIFY_DELIVERY),
    # Log Analytics' table-level access: running a query is not reading a table (auditor/azure/delivery_facts.py)
    Permission("Microsoft.OperationalInsights/workspaces/query/AzureActivity/read",
               "the `AzureActivity` table that query reads", VERIFY_DELIVERY),
    Permission("Microsoft.OperationalInsights/workspaces/query/Operation/read",
               "the `Operation` table behind `_LogOperation` (ingestion problems)", VERIFY_DELIVERY),
    Permission("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
               "listing `insights-activity-logs` blob names (never contents)", VERIFY_DELIVERY, data_action=True),
)

ROLE_NAME = "auditor collector (read-only)"


def permissions(verify_delivery: bool) -> list[Permission]:
    return [p for p in PERMISSIONS if p.when == ALWAYS or verify_delivery]


def role_definition(management_group: str, *, verify_delivery: bool = False) -> dict[str, Any]:
    """A custom role in the shape ``az role definition create --role-definition`` and
    ``New-AzRoleDefinition -InputFile`` take, holding exactly the actions collect reads with,
    assignable at ``management_group`` (the audited root group).

    The one data action (blob listing, ``--verify-delivery``) is not in it: Azure does not let a
    custom role with ``DataActions`` be assigned at a management group, so that read needs the
    built-in Storage Blob Data Reader on the activity-log storage accounts (:data:`DATA_ACTION_NOTE`)."""
    chosen = permissions(verify_delivery)
    return {
        "Name": ROLE_NAME + (" with delivery evidence" if verify_delivery else ""),
        "IsCustom": True,
        "Description": "Reads what `auditor collect`" + (" --verify-delivery" if verify_delivery else "")
                       + " needs to audit activity-log export coverage; nothing that writes.",
        "Actions": [p.action for p in chosen if not p.data_action],
        "NotActions": [],
        "DataActions": [],
        "NotDataActions": [],
        "AssignableScopes": [f"/providers/Microsoft.Management/managementGroups/{management_group}"],
    }


def data_actions(verify_delivery: bool) -> list[str]:
    return [p.action for p in permissions(verify_delivery) if p.data_action]


DATA_ACTION_NOTE = ("--verify-delivery also lists blob names, a data action "
                    "(Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read) that a custom role "
                    "assignable at a management group cannot hold: assign the built-in Storage Blob Data Reader "
                    "on the activity-log storage accounts (or their containers) as well.")


def markdown_table() -> str:
    """The table SECURITY.md and docs/collection.md show (tests compare it with theirs)."""
    rows = ["| action | reads | needed by |", "|---|---|---|"]
    for p in PERMISSIONS:
        kind = " (data action)" if p.data_action else ""
        rows.append(f"| `{p.action}`{kind} | {p.reads} | {'`collect`' if p.when == ALWAYS else f'`{p.when}`'} |")
    return "\n".join(rows)
