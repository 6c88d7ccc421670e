"""Method and limits: what the audit read, what it could not, and what the activity log never shows.

An audit report is only as strong as its stated limits. This section lists the data sources
with the API versions the collector reads at, counts what the snapshot holds, names
every scope or call that could not be read, and states the activity log's own blind spots.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from auditor.azure import api_versions as v
from auditor.azure import arm
from auditor.azure.snapshot import Snapshot
from auditor.render.names import Names

# (label, provider, api-version the collector reads it at, kinds counted)
SOURCES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("Management groups (hierarchy)", "Microsoft.Management", v.MANAGEMENT_GROUPS, (arm.MANAGEMENT_GROUP,)),
    ("Subscriptions", "Microsoft.Resources", v.SUBSCRIPTIONS, (arm.SUBSCRIPTION,)),
    ("Diagnostic settings (subscription and management group)", "Microsoft.Insights", v.DIAGNOSTIC_SETTINGS,
     (arm.DIAGNOSTIC_SETTING,)),
    ("Log profiles (legacy)", "Microsoft.Insights", v.LOG_PROFILES, (arm.LOG_PROFILE,)),
    ("Policy assignments, definitions, set definitions", "Microsoft.Authorization", v.POLICY,
     (arm.POLICY_ASSIGNMENT, arm.POLICY_DEFINITION, arm.POLICY_SET_DEFINITION)),
    ("Policy exemptions", "Microsoft.Authorization", v.POLICY_EXEMPTIONS, (arm.POLICY_EXEMPTION,)),
    ("Policy states (latest)", "Microsoft.PolicyInsights", v.POLICY_STATES, ()),
    ("Role assignments of policy identities", "Microsoft.Authorization", v.ROLE_ASSIGNMENTS,
     (arm.ROLE_ASSIGNMENT,)),
    ("Activity log alerts", "Microsoft.Insights", v.ACTIVITY_LOG_ALERTS, (arm.ACTIVITY_LOG_ALERT,)),
    ("Log search alerts (scheduled query rules)", "Microsoft.Insights", v.SCHEDULED_QUERY_RULES,
     (arm.SCHEDULED_QUERY_RULE,)),
    ("Action groups", "Microsoft.Insights", v.ACTION_GROUPS, (arm.ACTION_GROUP,)),
    ("Export destinations (workspaces, storage, Event Hubs)", "Resource Graph, REST",
     f"Resource Graph {v.RESOURCE_GRAPH}; workspaces {v.WORKSPACES}, storageAccounts {v.STORAGE_ACCOUNTS}, "
     f"namespaces {v.EVENT_HUBS}",
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
    for label, provider, version, kinds in SOURCES:
        n = len(snapshot.policy_states) if snapshot is not None and not kinds else sum(counts[k] for k in kinds)
        sources.append({"label": label, "provider": provider, "apiVersion": version, "count": n})
    errors: list[dict[str, Any]] = []
    if snapshot is not None:
        for e in snapshot.errors:
            errors.append({"scope": e.scope, "scopeLabel": names.scope_label(e.scope),
                           "operation": "everything at and below" if e.operation == "*" else e.operation,
                           "status": e.status, "code": e.code, "message": e.message})
        errors.sort(key=lambda e: (str(e["scopeLabel"]).lower(), str(e["operation"])))
    return {"sources": sources, "errors": errors, "limits": ACTIVITY_LOG_LIMITS,
            "source": snapshot.source if snapshot is not None else ""}
