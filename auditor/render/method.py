"""Method and limits: what the audit read, what it could not, and what the activity log never shows.

An audit report is only as strong as its stated limits. This section lists the data sources
with the API versions the collector's SDK clients send, counts what the snapshot holds, names
every scope or call that could not be read, and states the activity log's own blind spots.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from auditor import arm
from auditor.render.names import Names
from auditor.snapshot import Snapshot

SOURCES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("Management groups (hierarchy)", "Microsoft.Management", "2023-04-01", (arm.MANAGEMENT_GROUP,)),
    ("Subscriptions", "Microsoft.Resources", "2022-12-01", (arm.SUBSCRIPTION,)),
    ("Diagnostic settings (subscription and management group)", "Microsoft.Insights", "2021-05-01-preview",
     (arm.DIAGNOSTIC_SETTING,)),
    ("Log profiles (legacy)", "Microsoft.Insights", "2016-03-01", (arm.LOG_PROFILE,)),
    ("Policy assignments, definitions, set definitions", "Microsoft.Authorization", "2026-06-01",
     (arm.POLICY_ASSIGNMENT, arm.POLICY_DEFINITION, arm.POLICY_SET_DEFINITION)),
    ("Policy exemptions", "Microsoft.Authorization", "2022-07-01-preview", (arm.POLICY_EXEMPTION,)),
    ("Policy states (latest)", "Microsoft.PolicyInsights", "2019-10-01", ()),
    ("Role assignments of policy identities", "Microsoft.Authorization", "2022-04-01", (arm.ROLE_ASSIGNMENT,)),
    ("Activity log alerts", "Microsoft.Insights", "2020-10-01", (arm.ACTIVITY_LOG_ALERT,)),
    ("Log search alerts (scheduled query rules)", "Microsoft.Insights", "2023-12-01",
     (arm.SCHEDULED_QUERY_RULE,)),
    ("Action groups", "Microsoft.Insights", "2023-01-01", (arm.ACTION_GROUP,)),
    ("Export destinations (workspaces, storage, Event Hubs)", "Resource Graph", "2021-03-01",
     (arm.WORKSPACE, arm.STORAGE_ACCOUNT, arm.EVENTHUB_NAMESPACE, arm.EVENTHUB_AUTH_RULE,
      arm.EVENTHUB_HUB_AUTH_RULE)),
)

ACTIVITY_LOG_LIMITS: tuple[tuple[str, str], ...] = (
    ("Control plane only", "The activity log records Azure Resource Manager writes, deletes and actions. "
     "Data-plane operations (reading a blob or a secret, querying a database) appear only in each "
     "resource's own resource logs, which this audit does not cover."),
    ("No reads", "GET operations (who listed keys' metadata, who viewed a configuration) are not logged."),
    ("Latency", "Events reach the activity log and its exports after a delay, typically about 2 minutes and "
     "occasionally longer; alerts on sensitive operations inherit that delay."),
    ("Ids, not names", "Events carry object ids (caller principal ids, role and policy ids) rather than names. "
     "This report resolves ids to names wherever the snapshot holds the named object; ids it could not "
     "resolve are shown as they are."),
    ("90 days in Azure", "Without an export, Azure keeps activity-log events for 90 days only."),
    ("Point in time", "The audit judges the tenant as collected; changes after the collection time are not "
     "reflected. Policy compliance states are as last evaluated by Azure Policy."),
)


def method_and_limits(snapshot: Snapshot | None, names: Names) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    if snapshot is not None:
        for kind, docs in snapshot.by_kind.items():
            counts[kind] = len(docs)
    sources = []
    for label, provider, api, kinds in SOURCES:
        n = len(snapshot.policy_states) if snapshot is not None and not kinds else sum(counts[k] for k in kinds)
        sources.append({"label": label, "provider": provider, "apiVersion": api, "count": n})
    errors: list[dict[str, Any]] = []
    if snapshot is not None:
        for e in snapshot.errors:
            errors.append({"scope": e.scope, "scopeLabel": names.scope_label(e.scope),
                           "operation": "everything at and below" if e.operation == "*" else e.operation,
                           "status": e.status, "code": e.code, "message": e.message})
        errors.sort(key=lambda e: (str(e["scopeLabel"]).lower(), str(e["operation"])))
    return {"sources": sources, "errors": errors, "limits": ACTIVITY_LOG_LIMITS,
            "source": snapshot.source if snapshot is not None else ""}
