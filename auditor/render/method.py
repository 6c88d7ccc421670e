"""Method and limits: what the audit read, what it could not, and what the activity log never shows.

An audit report is only as strong as its stated limits. This section lists the data sources
with the API versions the collector's SDK clients send, counts what the snapshot holds, names
every scope or call that could not be read, and states the activity log's own blind spots.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import parse_qs, urlsplit

from auditor.azure import arm
from auditor.render.names import Names
from auditor.snapshot import Snapshot

_G = "00000000-0000-0000-0000-000000000000"
# (label, provider, request the collector sends (by name, built lazily), kinds counted)
SOURCES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("Management groups (hierarchy)", "Microsoft.Management", "management_group", (arm.MANAGEMENT_GROUP,)),
    ("Subscriptions", "Microsoft.Resources", "subscriptions_list", (arm.SUBSCRIPTION,)),
    ("Diagnostic settings (subscription and management group)", "Microsoft.Insights",
     "subscription_diagnostic_settings", (arm.DIAGNOSTIC_SETTING,)),
    ("Log profiles (legacy)", "Microsoft.Insights", "log_profiles", (arm.LOG_PROFILE,)),
    ("Policy assignments, definitions, set definitions", "Microsoft.Authorization",
     "subscription_policy_assignments", (arm.POLICY_ASSIGNMENT, arm.POLICY_DEFINITION, arm.POLICY_SET_DEFINITION)),
    ("Policy exemptions", "Microsoft.Authorization", "policy_exemptions", (arm.POLICY_EXEMPTION,)),
    ("Policy states (latest)", "Microsoft.PolicyInsights", "subscription_policy_states", ()),
    ("Role assignments of policy identities", "Microsoft.Authorization", "subscription_role_assignments",
     (arm.ROLE_ASSIGNMENT,)),
    ("Activity log alerts", "Microsoft.Insights", "activity_log_alerts", (arm.ACTIVITY_LOG_ALERT,)),
    ("Log search alerts (scheduled query rules)", "Microsoft.Insights", "scheduled_query_rules",
     (arm.SCHEDULED_QUERY_RULE,)),
    ("Action groups", "Microsoft.Insights", "action_groups", (arm.ACTION_GROUP,)),
    ("Export destinations (workspaces, storage, Event Hubs)", "Resource Graph, REST", "destinations",
     (arm.WORKSPACE, arm.STORAGE_ACCOUNT, arm.EVENTHUB_NAMESPACE, arm.EVENTHUB_AUTH_RULE,
      arm.EVENTHUB_HUB_AUTH_RULE)),
)


def api_version(request_name: str) -> str:
    """The api-version the collector sends for a read, from its own request builders."""
    try:
        from auditor.collect import requests as builders

        if request_name == "destinations":
            rest = ", ".join(f"{t.split('/')[-1]} {v}" for t, v in builders.DESTINATION_API_VERSIONS.values())
            return f"Resource Graph 2021-03-01; {rest}"
        build = getattr(builders, request_name)
        if request_name == "management_group":
            req = build("root")
        elif request_name == "subscriptions_list":
            req = build()
        elif request_name == "policy_exemptions":
            req = build(f"/subscriptions/{_G}", exact=True)
        else:
            req = build(_G)
        found = parse_qs(urlsplit(req.url).query).get("api-version")
        return found[0] if found else "not recorded"
    except Exception:  # noqa: BLE001 - the report must render even if the collector changes
        return "not recorded"


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
    for label, provider, request_name, kinds in SOURCES:
        n = len(snapshot.policy_states) if snapshot is not None and not kinds else sum(counts[k] for k in kinds)
        sources.append({"label": label, "provider": provider, "apiVersion": api_version(request_name), "count": n})
    errors: list[dict[str, Any]] = []
    if snapshot is not None:
        for e in snapshot.errors:
            errors.append({"scope": e.scope, "scopeLabel": names.scope_label(e.scope),
                           "operation": "everything at and below" if e.operation == "*" else e.operation,
                           "status": e.status, "code": e.code, "message": e.message})
        errors.sort(key=lambda e: (str(e["scopeLabel"]).lower(), str(e["operation"])))
    return {"sources": sources, "errors": errors, "limits": ACTIVITY_LOG_LIMITS,
            "source": snapshot.source if snapshot is not None else ""}
