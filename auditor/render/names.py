"""Resolving ARM ids to the names people know them by.

The activity log and most findings carry bare ids; an auditor reads names. Names come from
the findings (subscriptions, management groups) and from every snapshot document that has a
display name. An id the snapshot cannot name is shown by its last segment, never dropped.
"""

from __future__ import annotations

from typing import Any

from auditor.azure import arm
from auditor.azure.rbac import BUILTIN_ROLE_NAMES
from auditor.azure.snapshot import Snapshot

BUILTIN_ROLES = BUILTIN_ROLE_NAMES
NAME_LIMIT = 160  # characters of a name shown in a report; findings.json keeps it in full
TEXT_LIMIT = 1000  # characters of any other tenant text shown in a report (messages, evidence)


def cut(text: str, limit: int = NAME_LIMIT) -> str:
    """``text`` bounded for layout: a tenant can name things with 100,000 characters, and laying
    out one unbreakable word costs a PDF renderer time that grows with the square of its length."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… (cut, {len(text):,} characters)"


class Names:
    def __init__(self, findings: dict[str, Any], snapshot: Snapshot | None) -> None:
        self._names: dict[str, str] = {}
        if snapshot is not None:
            for doc in snapshot.resources:
                name = arm.display_name(doc)
                if isinstance(name, str) and name:
                    self._names[arm.norm_id(doc["id"])] = name
        for g in findings.get("managementGroups", []):
            if g.get("displayName"):
                self._names[arm.norm_id(g["id"])] = str(g["displayName"])
        for s in findings.get("subscriptions", []):
            if s.get("displayName"):
                self._names[arm.norm_id(s["id"])] = str(s["displayName"])

    def name(self, arm_id: str | None) -> str:
        """Display name of an id, else its last segment."""
        if not arm_id:
            return ""
        return cut(self._names.get(arm.norm_id(arm_id)) or arm.last_segment(arm_id))

    def role(self, role_definition_id: str | None) -> str:
        """A role definition's name: from the snapshot, else the built-in table, else its GUID."""
        if self.known(role_definition_id):
            return self.name(role_definition_id)
        guid = arm.guid_in(role_definition_id)
        return BUILTIN_ROLES.get(guid or "", guid or str(role_definition_id or ""))

    def known(self, arm_id: str | None) -> bool:
        return arm.norm_id(arm_id) in self._names

    def scope_label(self, arm_id: str | None) -> str:
        """'Name (kind)' for a scope: subscription, management group, or resource."""
        if not arm_id:
            return ""
        n = arm.norm_id(arm_id)
        if arm.management_group_name_of(n) and n.count("/") == 4:
            return f"{self.name(arm_id)} (management group)"
        if n.count("/") == 2 and arm.subscription_id_of(n):
            return f"{self.name(arm_id)} (subscription)"
        return self.name(arm_id)
