"""The snapshot's Azure documents, read once and indexed for every layer after collection.

Analysis, remediation and renderers ask this object for typed facts instead of walking raw
documents: each index is built on first use and shared, so a fact is read one way, once per
snapshot, whichever layer asks (a 10,000-subscription tenant is read once, not once per rule).
"""

from __future__ import annotations

from collections import defaultdict
from functools import cached_property
from typing import Any

from auditor.azure import arm, security_insights
from auditor.azure.hierarchy import Hierarchy, build_hierarchy
from auditor.azure.policy import DefinitionIndex
from auditor.azure.policy.assignment_facts import Exemption, PolicyAssignment, RoleHoldings, role_holdings
from auditor.azure.snapshot import Snapshot


class AzureTenant:
    """Indexes over one snapshot (pure: reads the snapshot, never changes it)."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    @cached_property
    def hierarchy(self) -> Hierarchy:
        return build_hierarchy(self.snapshot)

    @cached_property
    def definitions(self) -> DefinitionIndex:
        snap = self.snapshot
        return DefinitionIndex([*snap.of_kind(arm.POLICY_DEFINITION), *snap.of_kind(arm.POLICY_SET_DEFINITION)])

    @cached_property
    def policy_assignments(self) -> dict[str, PolicyAssignment]:
        """Every policy assignment, read once, by normalised id (snapshot order)."""
        return {a.key: a for a in map(PolicyAssignment.from_doc, self.snapshot.of_kind(arm.POLICY_ASSIGNMENT))}

    def assignment(self, doc: dict[str, Any]) -> PolicyAssignment:
        """The typed assignment of an assignment document of this snapshot."""
        found = self.policy_assignments.get(arm.norm_id(doc.get("id")))
        return found if found is not None and found.doc is doc else PolicyAssignment.from_doc(doc)

    @cached_property
    def assignments_by_scope(self) -> dict[str, list[dict[str, Any]]]:
        """Policy assignment documents by the normalised scope they are made at."""
        out: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for a in self.policy_assignments.values():
            out[a.scope_key].append(a.doc)
        return out

    @cached_property
    def exemptions_by_scope(self) -> dict[str, list[Exemption]]:
        """Policy exemptions (expiry judged at ``collectedAt``) by the normalised scope they are made at."""
        out: dict[str, list[Exemption]] = defaultdict(list)
        for doc in self.snapshot.of_kind(arm.POLICY_EXEMPTION):
            ex = Exemption.from_doc(doc, self.snapshot.collected_at)
            out[arm.norm_id(ex.scope)].append(ex)
        return out

    @cached_property
    def settings_by_scope(self) -> dict[str, list[dict[str, Any]]]:
        """Diagnostic settings by the normalised scope they belong to (subscription or group), id order."""
        out: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for doc in self.snapshot.of_kind(arm.DIAGNOSTIC_SETTING):
            out[arm.norm_id(arm.scope_of_extension(doc["id"]))].append(doc)
        for docs in out.values():
            docs.sort(key=lambda d: arm.norm_id(d["id"]))
        return out

    def settings_at(self, scope: str) -> list[dict[str, Any]]:
        return self.settings_by_scope.get(arm.norm_id(scope), [])

    @cached_property
    def roles(self) -> RoleHoldings:
        """Role assignments by principal, the tenant root ``/`` included."""
        return role_holdings(self.snapshot.of_kind(arm.ROLE_ASSIGNMENT))

    @cached_property
    def states(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """Policy-state records by (normalised assignment id, normalised resource id)."""
        out: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for rec in self.snapshot.policy_states:
            key = (arm.norm_id(str(rec.get("policyAssignmentId") or "")), arm.norm_id(str(rec.get("resourceId") or "")))
            out[key].append(rec)
        return out

    @cached_property
    def sentinel_workspaces(self) -> frozenset[str]:
        """Normalised ids of the workspaces the snapshot shows Microsoft Sentinel on for."""
        return frozenset(security_insights.onboarded_workspaces(self.snapshot.resources))

    def covering_scopes(self, target: str) -> set[str]:
        """Normalised scopes whose role assignments apply to ``target``: every id prefix of it (resource,
        resource group, subscription), its management groups, and the tenant root ``/``."""
        n = arm.norm_id(target)
        parts = n.strip("/").split("/")
        out = {"/" + "/".join(parts[:i]) for i in range(2, len(parts) + 1, 2)}
        out.update(self.hierarchy.scope_chain(n))
        out.add("/")
        return out
