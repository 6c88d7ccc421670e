"""Resource Graph: the KQL the collector sends. How a row maps to and from a REST document is a
fact of Azure the emulator shares, in :mod:`auditor.azure.resource_graph` (re-exported here).
"""

from __future__ import annotations

from collections.abc import Iterable

from auditor.azure import arm
from auditor.azure.resource_graph import (  # noqa: F401 - the collector's names for them
    DOC_COLUMNS,
    NOT_IN_RESOURCE_GRAPH,
    REST_TYPE,
    TABLE_OF,
    document_from_row,
    row_from_document,
    table_of,
)

ALERT_KINDS = (arm.ACTIVITY_LOG_ALERT, arm.SCHEDULED_QUERY_RULE, arm.ACTION_GROUP)
POLICY_KINDS = (arm.POLICY_ASSIGNMENT, arm.POLICY_EXEMPTION)
DESTINATION_KINDS = (arm.WORKSPACE, arm.STORAGE_ACCOUNT, arm.EVENTHUB_NAMESPACE)
CATEGORY_SOURCE_KINDS = (arm.AUTOSCALE_SETTING, arm.METRIC_ALERT)  # --verify-delivery

PAGE_SIZE = 1000  # Resource Graph's maximum $top
ID_CHUNK = 200  # ids per `in~` list: keeps a query well under Resource Graph's query-length limit


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _in_list(values: Iterable[str]) -> str:
    return "(" + ", ".join(_quote(v) for v in values) + ")"


def _type_clause(kinds: Iterable[str]) -> str:
    kinds = list(kinds)
    if len(kinds) == 1:
        return f"where type =~ {_quote(kinds[0])}"
    return f"where type in~ {_in_list(kinds)}"


def _projection() -> str:
    return "project " + ", ".join(DOC_COLUMNS) + " | order by id asc"


def subscriptions_query() -> str:
    """The subscriptions Resource Graph covers (a subscription it omits is read over REST instead)."""
    return ("resourcecontainers | where type =~ 'microsoft.resources/subscriptions' "
            "| project subscriptionId | order by subscriptionId asc")


def documents_in_subscriptions_query(kinds: Iterable[str]) -> str:
    """Every document of ``kinds`` (one table) inside a subscription of the query's scope."""
    kinds = list(kinds)
    return f"{table_of(kinds[0])} | {_type_clause(kinds)} | where isnotempty(subscriptionId) | {_projection()}"


def role_assignments_query(principal_ids: Iterable[str]) -> str:
    """Role assignments inside subscriptions held by the given principals."""
    return (f"authorizationresources | {_type_clause([arm.ROLE_ASSIGNMENT])} | where isnotempty(subscriptionId) "
            f"| where tostring(properties.principalId) in~ {_in_list(principal_ids)} | {_projection()}")


def documents_by_id_query(kinds: Iterable[str], ids: Iterable[str]) -> str:
    kinds = list(kinds)
    return f"{table_of(kinds[0])} | {_type_clause(kinds)} | where id in~ {_in_list(ids)} | {_projection()}"


def chunks(values: list[str], size: int = ID_CHUNK) -> list[list[str]]:
    return [values[i:i + size] for i in range(0, len(values), size)]


