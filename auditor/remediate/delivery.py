"""Remediation for delivery and detection findings (ALA-DLV-002, ALA-DET-001, ALA-EXP-010).

Written beside the export plan, not part of it: the README says what to do about workspaces
that dropped data (raise or remove the daily cap), and where Defender for Resource Manager is
off, an ARM template assigns the built-in DeployIfNotExists policy that enables it
(``Configure Azure Defender for Resource Manager to be enabled``,
b7021b2b-08fd-4dc0-9de7-3c6ece09faf9; its deployment needs Security Admin, fb1c8493-...).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

from auditor.azure import arm
from auditor.remediate import api_versions
from auditor.remediate.findings import Findings, of_rule
from auditor.rules.catalogue.delivery import DEFENDER_ARM_POLICY

SECURITY_ADMIN = "fb1c8493-542b-48eb-b624-b4c8fea62acd"
DEFENDER_TEMPLATE = "arm/defender-for-resource-manager.json"
DEFENDER_REMEDIATION = "arm/defender-for-resource-manager-remediation.json"
ASSIGNMENT_NAME = "Enable-Defender-ARM"


@dataclass
class DeliveryAdvice:
    dropping: list[dict[str, Any]] = field(default_factory=list)  # ALA-DLV-002 evidence per workspace
    unwatched: list[str] = field(default_factory=list)  # ALA-DET-001 subscription ids
    empty_security: list[str] = field(default_factory=list)  # ALA-EXP-010 subscription ids

    def __bool__(self) -> bool:
        return bool(self.dropping or self.unwatched or self.empty_security)


def delivery_advice(findings: Findings) -> DeliveryAdvice:
    """From the audit's ALA-DLV-002, ALA-DET-001 and ALA-EXP-010 findings (all of them, waived or not:
    this is advice in the README, not a change the plan deploys)."""
    advice = DeliveryAdvice()
    seen: set[str] = set()
    for f in of_rule(findings, "ALA-DLV-002", waived=None):
        key = arm.norm_id(f["evidence"]["workspace"])
        if key not in seen:
            seen.add(key)
            advice.dropping.append(f["evidence"])
    advice.unwatched = sorted(f["scope"] for f in of_rule(findings, "ALA-DET-001", waived=None))
    advice.empty_security = sorted(f["scope"] for f in of_rule(findings, "ALA-EXP-010", waived=None))
    return advice


def _defender_assignment_id() -> str:
    """ARM expression: the id of the Defender assignment at the deployment's management group."""
    return (f"extensionResourceId(managementGroup().id, '{api_versions.POLICY_ASSIGNMENTS}', "
            f"'{ASSIGNMENT_NAME}')")


def defender_template(root_group: str, location: str) -> dict[str, Any]:
    """Management-group deployment: assign the built-in DINE policy at the root group, with a system
    identity holding Security Admin there so its remediation can set the ``Arm`` plan to Standard."""
    assignment = _defender_assignment_id()
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-08-01/managementGroupDeploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "metadata": {"description": "Enables Microsoft Defender for Resource Manager on every subscription below "
                                    f"{root_group} (ALA-DET-001) with the built-in policy {DEFENDER_ARM_POLICY}.",
                     "deployAt": root_group, "generator": "auditor remediate"},
        "parameters": {},
        "resources": [
            {"type": api_versions.POLICY_ASSIGNMENTS, "apiVersion": api_versions.of(api_versions.POLICY_ASSIGNMENTS),
             "name": ASSIGNMENT_NAME, "location": location, "identity": {"type": "SystemAssigned"},
             "properties": {"displayName": "Configure Azure Defender for Resource Manager to be enabled",
                            "policyDefinitionId": DEFENDER_ARM_POLICY, "enforcementMode": "Default",
                            "parameters": {"effect": {"value": "DeployIfNotExists"}}}},
            {"type": api_versions.ROLE_ASSIGNMENTS, "apiVersion": api_versions.of(api_versions.ROLE_ASSIGNMENTS),
             "name": f"[guid(managementGroup().id, '{ASSIGNMENT_NAME}', '{SECURITY_ADMIN}')]",
             "dependsOn": [f"[{assignment}]"],
             "properties": {"roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{SECURITY_ADMIN}",
                            "principalId": f"[reference({assignment}, "
                                           f"'{api_versions.of(api_versions.POLICY_ASSIGNMENTS)}', "
                                           "'full').identity.principalId]",
                            "principalType": "ServicePrincipal"}},
        ],
    }


def defender_remediation_template(root_group: str) -> dict[str, Any]:
    """The remediation task for the subscriptions that exist already (DeployIfNotExists only acts on new
    or changed ones). At a management group a task only remediates what the last evaluation found
    non-compliant, so it is deployed after the first evaluation of the assignment."""
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-08-01/managementGroupDeploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "metadata": {"description": f"Remediates the existing subscriptions below {root_group} for the assignment "
                                    f"{ASSIGNMENT_NAME} (deploy after its first compliance evaluation).",
                     "deployAt": root_group, "generator": "auditor remediate"},
        "parameters": {},
        "resources": [
            {"type": api_versions.REMEDIATIONS, "apiVersion": api_versions.of(api_versions.REMEDIATIONS),
             "name": f"[guid(managementGroup().id, '{ASSIGNMENT_NAME}', 'remediation')]",
             "properties": {"policyAssignmentId": f"[{_defender_assignment_id()}]",
                            "resourceDiscoveryMode": "ExistingNonCompliant"}},
        ],
    }


def readme_section(advice: DeliveryAdvice, root_group: str, location: str) -> list[str]:
    if not advice:
        return []
    lines = ["## Delivery and detection (outside the export plan)", ""]
    for w in advice.dropping:
        ws = str(w.get("workspace") or "")
        name, rg = arm.last_segment(ws), _resource_group(ws)
        sub = arm.subscription_id_of(ws) or ""
        cap = w.get("dailyQuotaGb")
        lines.append(f"- Workspace `{ws}` dropped or refused data (ALA-DLV-002; daily cap "
                     f"{cap if cap is not None else 'none'} GB, status {w.get('dataIngestionStatus') or 'n/a'}). "
                     "Raise or remove the daily cap (data sent after it is reached is lost), then check "
                     "`_LogOperation | where Category == \"Ingestion\"` for other ingestion errors:")
        lines.append(f"  - `az monitor log-analytics workspace update --subscription {shlex.quote(sub)} "
                     f"--resource-group {shlex.quote(rg)} --workspace-name {shlex.quote(name)} --quota -1`")
    if advice.unwatched:
        group = arm.last_segment(root_group)
        lines.append(f"- {len(advice.unwatched)} subscription(s) have nobody analysing their activity log "
                     "(ALA-DET-001): enable Microsoft Defender for Resource Manager, or onboard Microsoft Sentinel "
                     "on the workspace they export to. `" + DEFENDER_TEMPLATE + "` assigns the built-in "
                     f"DeployIfNotExists policy `{DEFENDER_ARM_POLICY}` at the root group with an identity holding "
                     "Security Admin; after its first compliance evaluation, `" + DEFENDER_REMEDIATION
                     + "` creates the remediation task for the subscriptions that exist already. Deploying "
                     "needs Resource Policy Contributor and User Access Administrator at the group; the plan has "
                     "a cost per subscription.")
        lines.append(f"  - `az deployment mg create --management-group-id {shlex.quote(group)} --location "
                     f"{shlex.quote(location)} --template-file {DEFENDER_TEMPLATE}`")
        lines.append(f"  - then: `az deployment mg create --management-group-id {shlex.quote(group)} --location "
                     f"{shlex.quote(location)} --template-file {DEFENDER_REMEDIATION}`")
    if advice.empty_security:
        lines.append(f"- {len(advice.empty_security)} subscription(s) export the Security category with no "
                     "Defender plan to fill it (ALA-EXP-010): enable the Defender plans their workloads need.")
    lines.append("")
    return lines


def _resource_group(resource_id: str) -> str:
    parts = arm.display_id(resource_id).split("/")
    low = [p.lower() for p in parts]
    return parts[low.index("resourcegroups") + 1] if "resourcegroups" in low else ""
