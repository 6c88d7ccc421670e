"""Built-in Azure role definitions the remediation grants, and why each one is needed.

Writing a subscription diagnostic setting needs ``Microsoft.Insights/diagnosticSettings/write``
on the subscription (Monitoring Contributor). Azure also runs a *linked access check* on the
destination: the caller must be allowed to use it, which the destination-specific role below
gives. The same pairs are what Microsoft's own DeployIfNotExists diagnostic policies carry.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.roles import role_name as builtin_role_name


@dataclass(frozen=True)
class BuiltInRole:
    guid: str
    name: str
    why: str

    @property
    def definition_id(self) -> str:
        """Tenant-independent id, as policy definitions list their ``roleDefinitionIds``."""
        return f"/providers/Microsoft.Authorization/roleDefinitions/{self.guid}"


MONITORING_CONTRIBUTOR = BuiltInRole(
    "749f88d5-cbae-40b8-bcfc-e573ddc772fa",
    "Monitoring Contributor",
    "writes Microsoft.Insights/diagnosticSettings and activityLogAlerts, runs the deployments",
)
LOG_ANALYTICS_CONTRIBUTOR = BuiltInRole(
    "92aaf0da-9dab-42b6-94a3-d43ce8d16293",
    "Log Analytics Contributor",
    "linked access check on the destination workspace (Microsoft.OperationalInsights/workspaces/*)",
)
STORAGE_ACCOUNT_CONTRIBUTOR = BuiltInRole(
    "17d1049b-9a84-46fb-8f53-869881c3d3ab",
    "Storage Account Contributor",
    "linked access check on the destination storage account (Microsoft.Storage/storageAccounts/*, "
    "listKeys included)",
)
EVENT_HUBS_DATA_OWNER = BuiltInRole(
    "f526a384-b230-433a-b45c-95f59c4a2dec",
    "Azure Event Hubs Data Owner",
    "linked access check on the Event Hub authorization rule (Microsoft.EventHub/*, "
    "authorizationRules/listKeys included)",
)

ALL_ROLES = (MONITORING_CONTRIBUTOR, LOG_ANALYTICS_CONTRIBUTOR, STORAGE_ACCOUNT_CONTRIBUTOR, EVENT_HUBS_DATA_OWNER)
BY_GUID: dict[str, BuiltInRole] = {r.guid: r for r in ALL_ROLES}


def role_name(guid: str) -> str:
    role = BY_GUID.get(guid.lower())
    return role.name if role else (builtin_role_name(guid) or f"role {guid}")
