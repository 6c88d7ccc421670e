"""The ARM api-version the collector reads each family of documents at.

The snapshot holds documents in these versions' shapes (the readers of this package also accept
the older and newer shapes Azure returns), and the report's "Method and limits" section names
them. They are the versions the azure-mgmt-* operations sent when the collector still used the
SDKs' private request builders (azure-mgmt-managementgroups 2.0.0, -resource-subscriptions
1.0.0, -resource-policy 1.0.0, -monitor 6.0.2, -policyinsights 1.0.1, -authorization 4.0.0,
-resourcegraph 8.0.1): the collector now sends its own ``azure.core.rest.HttpRequest`` through
the clients' public ``send_request``, so a newer SDK cannot change what is read.
Reads no SDK has (exemptions, Event Hubs, Defender pricings ...) were always spelled out.
"""

from __future__ import annotations

MANAGEMENT_GROUPS = "2023-04-01"  # Microsoft.Management/managementGroups
SUBSCRIPTIONS = "2022-12-01"  # /subscriptions, /tenants
DIAGNOSTIC_SETTINGS = "2021-05-01-preview"  # subscription and management-group diagnostic settings
LOG_PROFILES = "2016-03-01"
POLICY = "2026-06-01"  # policy assignments, definitions and set definitions
POLICY_EXEMPTIONS = "2022-07-01-preview"
POLICY_STATES = "2019-10-01"
ROLE_ASSIGNMENTS = "2022-04-01"
ACTIVITY_LOG_ALERTS = "2020-10-01"
SCHEDULED_QUERY_RULES = "2022-08-01-preview"
ACTION_GROUPS = "2023-01-01"
RESOURCE_GRAPH = "2021-03-01"
WORKSPACES = "2022-10-01"
STORAGE_ACCOUNTS = "2023-01-01"
EVENT_HUBS = "2021-11-01"  # namespaces and their authorization rules
DEFENDER_PRICINGS = "2024-01-01"
AUTOSCALE_SETTINGS = "2022-10-01"
METRIC_ALERTS = "2018-03-01"
