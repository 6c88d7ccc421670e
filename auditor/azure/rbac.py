"""Names of built-in Azure role definitions.

Their GUIDs are the same in every tenant; the snapshot holds role assignments but not role
definitions, so findings, reports and remediation name roles from this table.
"""

from __future__ import annotations

from typing import Any

from auditor.azure import arm

BUILTIN_ROLE_NAMES: dict[str, str] = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
    "749f88d5-cbae-40b8-bcfc-e573ddc772fa": "Monitoring Contributor",
    "43d0d8ad-25c7-4714-9337-8ba259a9fe05": "Monitoring Reader",
    "92aaf0da-9dab-42b6-94a3-d43ce8d16293": "Log Analytics Contributor",
    "17d1049b-9a84-46fb-8f53-869881c3d3ab": "Storage Account Contributor",
    "f526a384-b230-433a-b45c-95f59c4a2dec": "Azure Event Hubs Data Owner",
    "36243c78-bf99-498c-9df9-86d9f8d28608": "Resource Policy Contributor",
    "47be4a87-7950-4631-9daf-b664a405f074": "Monitoring Policy Contributor",
}


def role_name(role: str | None) -> str | None:
    """Name of a built-in role from its GUID or any role definition id; None when not built in."""
    guid = arm.guid_in(role)
    return BUILTIN_ROLE_NAMES.get(guid) if guid else None


def assignment_scope(doc: dict[str, Any]) -> str:
    """A role assignment's scope as written (``properties.scope``, else its id's prefix); ``/`` is the tenant root."""
    scope = arm.props(doc).get("scope")
    return scope if isinstance(scope, str) and scope else arm.scope_of_extension(doc.get("id"))


def assignment_principal(doc: dict[str, Any]) -> str:
    """The principal id a role assignment grants to, lower-cased ("" when absent)."""
    return str(arm.props(doc).get("principalId") or "").lower()


def assignment_role(doc: dict[str, Any]) -> str | None:
    """The role definition id a role assignment grants, as written."""
    role = arm.props(doc).get("roleDefinitionId")
    return role if isinstance(role, str) and role else None
