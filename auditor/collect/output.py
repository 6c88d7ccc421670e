"""The snapshot document (docs/snapshot-format.md) from a run's state, and writing it safely."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.azure import arm, security_insights
from auditor.azure.snapshot import SCHEMA_VERSION
from auditor.collect.state import Collection
from auditor.outputs import write_atomic
from auditor.redact.secrets import redact_snapshot

# Snapshot order: the tree first, then what hangs off it (stable output makes diffs readable).
_KIND_ORDER = [arm.MANAGEMENT_GROUP, arm.SUBSCRIPTION, arm.DIAGNOSTIC_SETTING, arm.LOG_PROFILE,
               arm.POLICY_ASSIGNMENT, arm.POLICY_SET_DEFINITION, arm.POLICY_DEFINITION, arm.POLICY_EXEMPTION,
               arm.ROLE_ASSIGNMENT, arm.ACTIVITY_LOG_ALERT, arm.SCHEDULED_QUERY_RULE, arm.ACTION_GROUP,
               arm.DEFENDER_PRICING, arm.AUTOSCALE_SETTING, arm.METRIC_ALERT, security_insights.ONBOARDING_STATE]


def _sort_key(doc: dict[str, Any]) -> tuple[int, str, str]:
    kind = arm.kind_of(doc)
    rank = _KIND_ORDER.index(kind) if kind in _KIND_ORDER else len(_KIND_ORDER)
    return rank, kind, arm.norm_id(doc.get("id"))


def build_snapshot_document(state: Collection, cloud: str) -> dict[str, Any]:
    """The snapshot, with credentials removed (docs/redaction.md); ``state.redacted`` says how many.

    The one place collection output passes through: whatever was read, no secret is written.
    """
    tree = state.tree
    root_doc = state.docs.get(arm.norm_id(tree.root_id))
    errors = sorted(state.errors.values(), key=lambda e: (arm.norm_id(e["scope"]), e["operation"]))
    document = {
        "schemaVersion": SCHEMA_VERSION,
        "tool": {"name": "auditor", "version": __version__},
        "collectedAt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cloud": cloud,
        "tenantId": tree.tenant_id,
        "rootManagementGroupId": arm.display_id(root_doc["id"]) if root_doc else tree.root_id,
        "resources": sorted(state.docs.values(), key=_sort_key),
        "policyStates": state.policy_states,
        "errors": errors,
    }
    if state.delivery is not None:
        document["delivery"] = state.delivery
    state.redacted = redact_snapshot(document)
    return document


def write_snapshot(snapshot: dict[str, Any], path: str) -> None:
    """Write atomically (temp file + rename); gzip when the name ends with ``.gz``."""
    target = Path(path)
    data = json.dumps(snapshot, indent=None, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if target.suffix == ".gz":
        data = gzip.compress(data, compresslevel=6, mtime=0)
    write_atomic(target, data)
