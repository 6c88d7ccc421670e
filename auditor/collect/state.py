"""What one collection run has gathered so far: documents, policy states, errors, the tree.

Documents are kept by normalised id (first answer wins: the same resource can come from
Resource Graph and from a REST list). Errors are kept per (scope, operation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from auditor import operations
from auditor.azure import arm
from auditor.collect.reader import ReadFailure


@dataclass
class Tree:
    """The management-group tree as read: groups (normalised id -> name as written) and placement."""

    root_name: str = ""
    tenant_id: str = ""
    whole_tenant: bool = True  # started at the tenant root (no --management-group)
    groups: dict[str, str] = field(default_factory=dict)
    unreadable_groups: set[str] = field(default_factory=set)
    subscriptions: dict[str, str] = field(default_factory=dict)  # guid (lower) -> parent group id (norm)

    @property
    def root_id(self) -> str:
        return arm.management_group_id(self.root_name) if self.root_name else ""


@dataclass
class Collection:
    tree: Tree = field(default_factory=Tree)
    docs: dict[str, dict[str, Any]] = field(default_factory=dict)
    policy_states: list[dict[str, Any]] = field(default_factory=list)
    errors: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    readable_subscriptions: set[str] = field(default_factory=set)  # guids whose reads go ahead
    fallback_subscriptions: set[str] = field(default_factory=set)  # read over REST, not Resource Graph
    # Kept only if referenced once everything is read: role assignments of policy identities,
    # action groups that alerts use.
    role_candidates: list[dict[str, Any]] = field(default_factory=list)
    exemptions_to_read: list[str] = field(default_factory=list)  # ids found by Resource Graph
    action_group_candidates: list[dict[str, Any]] = field(default_factory=list)
    delivery: dict[str, Any] | None = None  # the snapshot's delivery section (collect --verify-delivery)
    redacted: int = 0  # credential values removed when the snapshot document was built

    def add(self, doc: dict[str, Any]) -> None:
        key = arm.norm_id(doc.get("id"))
        if key and key not in self.docs:
            self.docs[key] = doc

    def add_all(self, docs: list[dict[str, Any]]) -> None:
        for d in docs:
            self.add(d)

    def fail(self, scope: str, operation: str, failure: ReadFailure) -> None:
        assert operation in operations.KNOWN, operation
        key = (arm.norm_id(scope), operation)
        if key not in self.errors:
            self.errors[key] = {"scope": arm.display_id(scope), "operation": operation,
                                "status": failure.status, "code": failure.code, "message": failure.message}

    def in_scope_subscription(self, arm_id: str | None) -> bool:
        """Whether an id lies in a subscription of the audited tree."""
        sub = arm.subscription_id_of(arm_id)
        return bool(sub) and sub in self.tree.subscriptions
