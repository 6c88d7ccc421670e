"""Retention of each export destination as Azure applies it (ALA-EXP-005), from the snapshot.

The documents are read by :mod:`auditor.azure.destinations`; this module finds them for a destination
and says *unknown* (None) when a read they depend on failed (operation ``retention`` at the
destination, or ``*`` above it), so an unread lifecycle policy never passes as "kept".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditor import operations
from auditor.analysis.exports import Destination
from auditor.azure import destinations

if TYPE_CHECKING:
    from auditor.analysis.context import AuditContext

_RETENTION = frozenset({operations.RETENTION})


def destination_retention(ctx: AuditContext, dest: Destination, subscription: str) -> destinations.Retention | None:
    """How long ``dest`` keeps ``subscription``'s activity log; None when it cannot be judged.

    Only storage accounts and workspaces keep logs; other kinds give None.
    """
    if ctx.unreadable(dest.id, _RETENTION):
        return None
    snap = ctx.snapshot
    if dest.kind == "storage":
        return destinations.storage_retention(snap.get(destinations.management_policy_id(dest.id)),
                                           snap.get(destinations.activity_container_id(dest.id)), subscription)
    if dest.kind == "log_analytics":
        return destinations.workspace_retention(dest.resource, snap.get(destinations.activity_table_id(dest.id)))
    return None
