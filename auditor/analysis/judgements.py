"""The ``judgements`` section of the findings document (docs/findings-format.md, judgements).

Remediation reads findings and the model, never the analysis: what it needs of the analysis'
judgements beyond the findings is written here. The document must grow with assignments and
destinations, not with subscriptions: facts that are the same for every subscription an
assignment applies to (its scope, target definition, destination, categories, identity,
enforcement mode, effect) are written once per assignment, distinct healthy exports once, and
distinct "cases" (the reason each assignment is or is not effective for a subscription, with
its exemption, exclusion or missing roles, the subscription's exports, unreadable alerts) once;
a subscription is one line naming its case. 10,000 subscriptions under a few groups share a
few hundred cases.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from auditor.azure import arm

if TYPE_CHECKING:
    from auditor.analysis.context import AuditContext
    from auditor.analysis.enforcement import AssignmentCheck
    from auditor.analysis.exports import Export


def _assignment(check: AssignmentCheck) -> dict[str, Any]:
    """What does not vary by subscription for one export-policy assignment (one member, for a set)."""
    out: dict[str, Any] = {
        "id": check.assignment_id,
        "scope": check.assignment_scope,
        "policyDefinitionId": check.target.definition_id,
    }
    if check.assigned_definition_id != check.target.definition_id:
        out["policySetDefinitionId"] = check.assigned_definition_id
        out["policyDefinitionReferenceId"] = check.reference_id
    out["destination"] = check.destination
    out["categories"] = check.categories
    out["enforcementMode"] = check.enforcement_mode
    out["effect"] = check.effect
    out["identity"] = check.identity.evidence()
    out["requiredRoles"] = list(check.target.role_definition_ids)
    return out


def _export(export: Export) -> dict[str, Any]:
    """A healthy export: the categories it enables and the destinations that can receive them."""
    return {
        "categories": list(export.categories),
        "destinations": [{"kind": d.kind, "id": d.id} for d in export.usable_destinations],
    }


class _Table:
    """Distinct entries in first-seen order; returns each entry's index."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self._index: dict[Any, int] = {}

    def index(self, key: Any, make: Callable[[], dict[str, Any]]) -> int:
        found = self._index.get(key)
        if found is None:
            found = self._index[key] = len(self.rows)
            self.rows.append(make())
        return found


def judgements(ctx: AuditContext) -> dict[str, Any]:
    """The judgements remediation plans from, in the findings document's compact form."""
    assignments, exports, cases = _Table(), _Table(), _Table()
    subscriptions: dict[str, int] = {}
    for sub in ctx.hierarchy.ordered_subscriptions():
        key = arm.norm_id(sub.id)
        entry: dict[str, Any] = {}
        checks = []
        for c in ctx.enforcement[key].checks:
            i = assignments.index((arm.norm_id(c.assignment_id), c.reference_id), partial(_assignment, c))
            row: dict[str, Any] = {"assignment": i, "reason": c.reason}
            if c.excluded_by:
                row["excludedBy"] = c.excluded_by
            if c.exemption:
                row["exemption"] = c.exemption.id
            if c.missing_roles:
                row["missingRoles"] = c.missing_roles
            checks.append(row)
        if checks:
            entry["checks"] = checks
        used = [exports.index((e.categories, tuple((d.kind, arm.norm_id(d.id)) for d in e.usable_destinations)),
                              partial(_export, e)) for e in ctx.exports[key].healthy_exports]
        if used:
            entry["exports"] = used
        alerts = ctx.alerts[key]
        if alerts.unreadable:
            entry["alertsUnreadable"] = True
        if alerts.undecided:
            entry["alertsUndecided"] = sorted(alerts.undecided)
        if entry:
            subscriptions[sub.id] = cases.index(json.dumps(entry, sort_keys=True), partial(dict, entry))
    return {"assignments": assignments.rows, "exports": exports.rows, "cases": cases.rows,
            "subscriptions": subscriptions}
