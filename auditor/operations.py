"""The vocabulary of collection operations, shared by collector, emulator and analysis.

A snapshot's ``errors[].operation`` names what could not be read at ``errors[].scope``. The
analysis uses these names to decide which rules cannot be judged for which scope (a rule
whose data could not be read does not fire; ALA-AUD-001 reports the gap instead), and the
emulator uses them to answer 403 for exactly the reads a recorded error covers.
"""

from __future__ import annotations

ALL = "*"  # nothing at or below the scope could be read

MANAGEMENT_GROUPS = "managementGroups"
SUBSCRIPTIONS = "subscriptions"
DIAGNOSTIC_SETTINGS = "diagnosticSettings"
LOG_PROFILES = "logProfiles"
POLICY_ASSIGNMENTS = "policyAssignments"
POLICY_DEFINITIONS = "policyDefinitions"
POLICY_SET_DEFINITIONS = "policySetDefinitions"
POLICY_EXEMPTIONS = "policyExemptions"
POLICY_STATES = "policyStates"
ROLE_ASSIGNMENTS = "roleAssignments"
ACTIVITY_LOG_ALERTS = "activityLogAlerts"
SCHEDULED_QUERY_RULES = "scheduledQueryRules"
ACTION_GROUPS = "actionGroups"
DESTINATIONS = "destinations"  # workspaces, storage accounts, Event Hub namespaces
RETENTION = "retention"  # lifecycle policy, activity-log container, AzureActivity table of a destination
SENTINEL = "sentinel"  # Sentinel onboarding state and analytics rules of a workspace exports feed
# collect --verify-delivery only
DEFENDER_PLANS = "defenderPlans"  # Microsoft.Security/pricings of a subscription
CATEGORY_SOURCES = "categorySources"  # autoscale settings and metric alerts of a subscription
LOG_QUERY = "logQuery"  # the delivery query against a destination workspace (Log Analytics data plane)
BLOB_LISTING = "blobListing"  # listing insights-activity-logs of a destination storage account

KNOWN = frozenset(
    {
        ALL,
        MANAGEMENT_GROUPS,
        SUBSCRIPTIONS,
        DIAGNOSTIC_SETTINGS,
        LOG_PROFILES,
        POLICY_ASSIGNMENTS,
        POLICY_DEFINITIONS,
        POLICY_SET_DEFINITIONS,
        POLICY_EXEMPTIONS,
        POLICY_STATES,
        ROLE_ASSIGNMENTS,
        ACTIVITY_LOG_ALERTS,
        SCHEDULED_QUERY_RULES,
        ACTION_GROUPS,
        DESTINATIONS,
        RETENTION,
        DEFENDER_PLANS,
        CATEGORY_SOURCES,
        SENTINEL,
        LOG_QUERY,
        BLOB_LISTING,
    }
)

# Which reads each analysis axis depends on.
EXPORT_INPUTS = frozenset({DIAGNOSTIC_SETTINGS})
POLICY_INPUTS = frozenset(
    {POLICY_ASSIGNMENTS, POLICY_DEFINITIONS, POLICY_SET_DEFINITIONS, POLICY_EXEMPTIONS, ROLE_ASSIGNMENTS}
)
ALERT_INPUTS = frozenset({ACTIVITY_LOG_ALERTS})  # log search rules: see analysis/alerts.py
DELIVERY_INPUTS = frozenset({LOG_QUERY, BLOB_LISTING})
