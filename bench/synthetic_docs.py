"""Document builders of the synthetic tenant (bench/synthetic_tenant.py): ids, policy documents.

Export policy as an Azure tenant has it: a built-in DeployIfNotExists definition, a custom one,
a set, assignments with system- and user-assigned identities and their role assignments,
exemptions, and the policy states of subscription resources.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from auditor import config

NS = uuid.UUID("6f1c1d2e-7a0b-4c41-9e0f-3b9d8c2a5e10")
MG = "/providers/Microsoft.Management/managementGroups/"
MG_TYPE = "Microsoft.Management/managementGroups"
AUTH = "/providers/Microsoft.Authorization"
BUILTIN_LA = "2465583e-4e78-4c15-b6be-a36cbc7c8b0f"
ROLE_LA_CONTRIBUTOR = "92aaf0da-9dab-42b6-94a3-d43ce8d16293"
ROLE_MONITORING_CONTRIBUTOR = "749f88d5-cbae-40b8-bcfc-e573ddc772fa"
ROLE_STORAGE_CONTRIBUTOR = "17d1049b-9a84-46fb-8f53-869881c3d3ab"
CATEGORIES = list(config.CATEGORIES)
SENSITIVE = [
    "Microsoft.Authorization/policyAssignments/write",
    "Microsoft.Authorization/policyAssignments/delete",
    "Microsoft.Network/networkSecurityGroups/write",
    "Microsoft.Network/networkSecurityGroups/delete",
    "Microsoft.Network/networkSecurityGroups/securityRules/write",
    "Microsoft.Network/networkSecurityGroups/securityRules/delete",
    "Microsoft.Sql/servers/firewallRules/write",
    "Microsoft.Sql/servers/firewallRules/delete",
]
UPDATED = "2026-10-01T08:00:00.0000000Z"
COLLECTED = "2026-11-28T10:00:00Z"


def rid(sub: str, rg: str, rtype: str, name: str) -> str:
    """A resource id in a resource group."""
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{rtype}/{name}"


def guid(seed: int, *parts: object) -> str:
    return str(uuid.uuid5(NS, ":".join(str(p) for p in (seed, *parts))))


class PolicyDocs:
    """Mixin of the tenant generator: everything under Microsoft.Authorization and PolicyInsights."""

    seed: int
    tenant: str
    subs: list[str]
    ws: str
    st: str
    resources: list[dict[str, Any]]
    states: list[dict[str, Any]]
    unreadable_sub: str
    diag_forbidden: str

    def policy(self, placement: dict[str, str]) -> None:
        root = MG + self.tenant
        builtin = f"{AUTH}/policyDefinitions/{BUILTIN_LA}"
        custom = f"{root}{AUTH}/policyDefinitions/deploy-activitylog-storage"
        policy_set = f"{root}{AUTH}/policySetDefinitions/activity-log-baseline"
        self.resources += [
            self.dine_definition(
                builtin,
                BUILTIN_LA,
                "BuiltIn",
                "logAnalytics",
                "workspaceId",
                [ROLE_MONITORING_CONTRIBUTOR, ROLE_LA_CONTRIBUTOR],
            ),
            self.dine_definition(
                custom,
                "deploy-activitylog-storage",
                "Custom",
                "storageAccount",
                "storageAccountId",
                [ROLE_MONITORING_CONTRIBUTOR, ROLE_STORAGE_CONTRIBUTOR],
            ),
            {
                "id": policy_set,
                "type": "Microsoft.Authorization/policySetDefinitions",
                "name": "activity-log-baseline",
                "properties": {
                    "displayName": "Activity log baseline",
                    "policyType": "Custom",
                    "parameters": {"workspace": {"type": "String"}},
                    "policyDefinitions": [
                        {
                            "policyDefinitionReferenceId": "toWorkspace",
                            "policyDefinitionId": builtin,
                            "parameters": {"logAnalytics": {"value": "[parameters('workspace')]"}},
                        },
                        {
                            "policyDefinitionReferenceId": "toStorage",
                            "policyDefinitionId": custom,
                            "parameters": {"storageAccount": {"value": self.st}},
                        },
                    ],
                },
            },
        ]
        p_root = guid(self.seed, "principal", "root")
        root_assignment = self.assignment(
            root,
            "deploy-al-la",
            builtin,
            {"logAnalytics": {"value": self.ws}},
            identity={"type": "SystemAssigned", "principalId": p_root, "tenantId": self.tenant},
            not_scopes=[MG + "sandbox"],
        )
        p_set = guid(self.seed, "principal", "set")
        set_assignment = self.assignment(
            MG + "landingzones",
            "al-baseline",
            policy_set,
            {"workspace": {"value": self.ws}},
            enforcement="DoNotEnforce",
            identity={"type": "SystemAssigned", "principalId": p_set, "tenantId": self.tenant},
        )
        self.resources += [
            root_assignment,
            set_assignment,
            self.assignment(MG + "online", "legacy-export", f"{root}{AUTH}/policyDefinitions/deleted-def", {}),
            self.role(root, p_root, ROLE_MONITORING_CONTRIBUTOR, 1),
            self.role(root, p_root, ROLE_LA_CONTRIBUTOR, 2),
            self.role(MG + "landingzones", p_set, ROLE_MONITORING_CONTRIBUTOR, 3),
        ]
        for i, sub in enumerate(self.subs):
            if sub == self.unreadable_sub:
                continue
            scope = f"/subscriptions/{sub}"
            if i % 50 == 11:
                uami = rid(sub, "rg-identity", "Microsoft.ManagedIdentity/userAssignedIdentities", "id-policy")
                principal = guid(self.seed, "principal", i)
                self.resources.append(
                    self.assignment(
                        scope,
                        "deploy-al-sub",
                        builtin,
                        {"logAnalytics": {"value": self.ws}},
                        identity={
                            "type": "UserAssigned",
                            "userAssignedIdentities": {
                                uami: {"principalId": principal, "clientId": guid(self.seed, "client", i)}
                            },
                        },
                    )
                )
                self.resources.append(self.role(scope, principal, ROLE_MONITORING_CONTRIBUTOR, 10 * i))
                if i % 100 == 11:
                    self.resources.append(self.role(scope, principal, ROLE_LA_CONTRIBUTOR, 10 * i + 1))
            if i % 25 == 13:
                expired = i % 50 == 13
                self.resources.append(
                    {
                        "id": f"{scope}{AUTH}/policyExemptions/waive-activity-log",
                        "type": "Microsoft.Authorization/policyExemptions",
                        "name": "waive-activity-log",
                        "properties": {
                            "policyAssignmentId": root_assignment["id"],
                            "exemptionCategory": "Waiver",
                            "displayName": "Waive activity-log export",
                            "expiresOn": "2026-01-31T00:00:00Z" if expired else "2027-06-30T00:00:00Z",
                            "metadata": {"reason": "migration"},
                        },
                    }
                )
            self.states_for(i, sub, placement[sub], root_assignment, set_assignment)

    def dine_definition(
        self, def_id: str, name: str, policy_type: str, param: str, field: str, roles: list[str]
    ) -> dict[str, Any]:
        return {
            "id": def_id,
            "type": "Microsoft.Authorization/policyDefinitions",
            "name": name,
            "properties": {
                "displayName": f"Configure Azure Activity logs to stream to {param}",
                "policyType": policy_type,
                "mode": "All",
                "metadata": {"category": "Monitoring", "version": "1.0.0"},
                "parameters": {
                    param: {"type": "String"},
                    "effect": {
                        "type": "String",
                        "defaultValue": "DeployIfNotExists",
                        "allowedValues": ["DeployIfNotExists", "Disabled"],
                    },
                },
                "policyRule": {
                    "if": {"field": "type", "equals": "Microsoft.Resources/subscriptions"},
                    "then": {
                        "effect": "[parameters('effect')]",
                        "details": {
                            "type": "Microsoft.Insights/diagnosticSettings",
                            "deploymentScope": "Subscription",
                            "existenceScope": "Subscription",
                            "roleDefinitionIds": [f"{AUTH}/roleDefinitions/{r}" for r in roles],
                            "deployment": {
                                "location": "westeurope",
                                "properties": {
                                    "mode": "incremental",
                                    "template": {
                                        "$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
                                        "contentVersion": "1.0.0.0",
                                        "parameters": {param: {"type": "string"}},
                                        "resources": [
                                            {
                                                "name": "subscriptionToLa",
                                                "type": "Microsoft.Insights/diagnosticSettings",
                                                "apiVersion": "2017-05-01-preview",
                                                "location": "Global",
                                                "properties": {
                                                    field: f"[parameters('{param}')]",
                                                    "logs": [{"category": c, "enabled": True} for c in CATEGORIES],
                                                },
                                            }
                                        ],
                                    },
                                    "parameters": {param: {"value": f"[parameters('{param}')]"}},
                                },
                            },
                        },
                    },
                },
            },
        }

    def assignment(
        self,
        scope: str,
        name: str,
        definition: str,
        params: dict[str, Any],
        *,
        identity: dict[str, Any] | None = None,
        enforcement: str = "Default",
        not_scopes: list[str] | None = None,
    ) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "id": f"{scope}{AUTH}/policyAssignments/{name}",
            "type": "Microsoft.Authorization/policyAssignments",
            "name": name,
        }
        if identity:
            doc["identity"] = identity
            doc["location"] = "westeurope"
        doc["properties"] = {
            "displayName": name,
            "policyDefinitionId": definition,
            "scope": scope,
            "notScopes": not_scopes or [],
            "parameters": params,
            "enforcementMode": enforcement,
            "metadata": {"assignedBy": "platform-team"},
        }
        return doc

    def role(self, scope: str, principal: str, role: str, n: int) -> dict[str, Any]:
        name = guid(self.seed, "role-assignment", n)
        prefix = scope if scope.startswith("/subscriptions/") else ""
        return {
            "id": f"{scope}{AUTH}/roleAssignments/{name}",
            "type": "Microsoft.Authorization/roleAssignments",
            "name": name,
            "properties": {
                "roleDefinitionId": f"{prefix}{AUTH}/roleDefinitions/{role}",
                "principalId": principal,
                "principalType": "ServicePrincipal",
                "scope": scope,
                "createdOn": UPDATED,
                "updatedOn": UPDATED,
            },
        }

    def states_for(
        self, i: int, sub: str, group: str, root_assignment: dict[str, Any], set_assignment: dict[str, Any]
    ) -> None:
        compliant = i % 10 not in (5, 6, 7) and sub != self.diag_forbidden
        targets = []
        if group != "sandbox":
            targets.append((root_assignment, ""))
        if group not in ("management", "connectivity", "identity", "sandbox"):
            targets.append((set_assignment, "toWorkspace"))
        for assignment, ref in targets:
            p = assignment["properties"]
            self.states.append(
                {
                    "@odata.id": None,
                    "@odata.context": "https://management.azure.com/providers/Microsoft.PolicyInsights/policyStates/$metadata#latest/$entity",
                    "timestamp": "2026-11-28T06:00:00Z",
                    "resourceId": f"/subscriptions/{sub}",
                    "policyAssignmentId": assignment["id"],
                    "policyDefinitionId": f"{AUTH}/policyDefinitions/{BUILTIN_LA}",
                    "effectiveParameters": "",
                    "isCompliant": compliant,
                    "subscriptionId": sub,
                    "resourceType": "Microsoft.Resources/subscriptions",
                    "resourceLocation": "",
                    "resourceGroup": "",
                    "resourceTags": "tbd",
                    "policyAssignmentName": assignment["name"],
                    "policyAssignmentOwner": "tbd",
                    "policyAssignmentParameters": json.dumps(p["parameters"]),
                    "policyAssignmentScope": p["scope"],
                    "policyDefinitionName": BUILTIN_LA,
                    "policyDefinitionAction": "deployifnotexists",
                    "policyDefinitionCategory": "tbd",
                    "policySetDefinitionId": p["policyDefinitionId"] if ref else "",
                    "policySetDefinitionName": "activity-log-baseline" if ref else "",
                    "policyDefinitionReferenceId": ref,
                    "managementGroupIds": f"{self.tenant},{group}",
                    "complianceState": "Compliant" if compliant else "NonCompliant",
                }
            )
