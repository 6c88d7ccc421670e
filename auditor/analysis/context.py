"""The audit context: one snapshot, one config, and the analyses derived from them.

Each derived analysis (exports, alerts, enforcement) is computed once, lazily, and shared
by every rule that needs it, so rules stay small and the same fact is never judged twice.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cached_property

from auditor import operations
from auditor.analysis.alerts import AlertCoverage, evaluate_alerts
from auditor.analysis.delivery import DeliveryAnalysis, evaluate_delivery
from auditor.analysis.enforcement import EnforcementResult, evaluate_enforcement
from auditor.analysis.exports import ExportResult, GroupExport, evaluate_exports, evaluate_group_exports
from auditor.analysis.sentinel import SentinelFacts, read_sentinel
from auditor.azure import arm
from auditor.azure.hierarchy import Hierarchy
from auditor.azure.snapshot import CollectionError, Snapshot
from auditor.azure.tenant import AzureTenant
from auditor.config import Config


class AuditContext:
    def __init__(self, snapshot: Snapshot, config: Config) -> None:
        self.snapshot = snapshot
        self.config = config

    @cached_property
    def azure(self) -> AzureTenant:
        """The snapshot's Azure documents read once and indexed (the model layer)."""
        return AzureTenant(self.snapshot)

    @property
    def hierarchy(self) -> Hierarchy:
        return self.azure.hierarchy

    @cached_property
    def _errors_by_scope(self) -> dict[str, list[CollectionError]]:
        out: dict[str, list[CollectionError]] = defaultdict(list)
        for e in self.snapshot.errors:
            out[arm.norm_id(e.scope)].append(e)
        return out

    def unreadable(self, scope: str, operations_needed: frozenset[str]) -> list[CollectionError]:
        """Errors that make ``operations_needed`` unreadable for ``scope``.

        An error at the scope itself counts when it names one of the operations or ``*``; an
        error at a containing scope (subscription, groups above) counts only for ``*``, which
        means nothing at or below it could be read.
        """
        found: list[CollectionError] = []
        for i, s in enumerate(self.hierarchy.scope_chain(scope)):
            for e in self._errors_by_scope.get(s, ()):
                if e.operation == operations.ALL or (i == 0 and e.operation in operations_needed):
                    found.append(e)
        return found

    def unreadable_in_chain(self, scope: str, operations_needed: frozenset[str]) -> list[CollectionError]:
        """Like :meth:`unreadable`, but errors for the operations anywhere up the chain count.

        Policy is inherited: an unreadable assignment list at a parent group makes the
        subscription's enforcement unknown just as one at the subscription does.
        """
        found: list[CollectionError] = []
        for s in self.hierarchy.scope_chain(scope):
            for e in self._errors_by_scope.get(s, ()):
                if e.operation == operations.ALL or e.operation in operations_needed:
                    found.append(e)
        return found

    def subscription_readable(self, sub_guid: str) -> bool:
        """Whether resources in the subscription were read (for destination health)."""
        scope = arm.subscription_scope(sub_guid)
        return not self.unreadable(scope, frozenset({operations.DESTINATIONS}))

    @cached_property
    def exports(self) -> dict[str, ExportResult]:
        return evaluate_exports(self)

    @cached_property
    def group_exports(self) -> dict[str, GroupExport]:
        return evaluate_group_exports(self)

    @cached_property
    def alerts(self) -> dict[str, AlertCoverage]:
        return evaluate_alerts(self)

    @cached_property
    def sentinel(self) -> SentinelFacts:
        """Sentinel onboarding and analytics rules per workspace (see ``analysis/sentinel.py``)."""
        return read_sentinel(self)

    @cached_property
    def enforcement(self) -> dict[str, EnforcementResult]:
        return evaluate_enforcement(self)

    @cached_property
    def delivery(self) -> DeliveryAnalysis | None:
        """Delivery, detection and category yield; None without a ``delivery`` section."""
        return evaluate_delivery(self)
