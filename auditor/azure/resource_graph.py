"""Resource Graph's answers: which table holds a kind, and how a row maps to and from a REST document.

A fact of Azure both sides of the round trip need: the collector turns rows back into documents
(``auditor/collect/argshape.py`` sends the KQL), the emulator's Resource Graph handler turns
snapshot documents into rows. Keeping the two directions in one place keeps the round trip exact.

Row <-> document rules (Resource Graph differs from the REST API in three ways):

1. Columns: a row carries only Resource Graph's columns. The collector projects the ones a REST
   document can have (:data:`DOC_COLUMNS`); a column whose value is null is dropped, so a
   document without ``tags`` does not gain ``"tags": null``. Top-level REST members Resource
   Graph has no column for (``etag``, ``systemData``) cannot come back from it.
2. ``type`` casing: Resource Graph lower-cases ``type``. The collector restores the casing the
   REST API uses (:data:`REST_TYPE`), the same for every document of a kind; kinds it does not
   know keep the lower-case value.
3. Everything else (``id``, ``name``, ``location``, ``properties`` ...) is served unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from auditor.azure import arm, security_insights

# Columns of Resource Graph's resource tables that a REST document may have, in REST order.
DOC_COLUMNS = ("id", "name", "type", "kind", "location", "managedBy", "sku", "plan", "identity",
               "zones", "extendedLocation", "tags", "properties")

# The REST API's casing of each kind's ``type`` (what a GET returns), keyed by canonical kind.
REST_TYPE: dict[str, str] = {
    arm.POLICY_ASSIGNMENT: "Microsoft.Authorization/policyAssignments",
    arm.POLICY_EXEMPTION: "Microsoft.Authorization/policyExemptions",
    arm.ROLE_ASSIGNMENT: "Microsoft.Authorization/roleAssignments",
    arm.ACTIVITY_LOG_ALERT: "Microsoft.Insights/ActivityLogAlerts",
    arm.SCHEDULED_QUERY_RULE: "microsoft.insights/scheduledqueryrules",
    arm.ACTION_GROUP: "Microsoft.Insights/ActionGroups",
    arm.WORKSPACE: "Microsoft.OperationalInsights/workspaces",
    arm.STORAGE_ACCOUNT: "Microsoft.Storage/storageAccounts",
    arm.EVENTHUB_NAMESPACE: "Microsoft.EventHub/Namespaces",
    arm.DEFENDER_PRICING: "Microsoft.Security/pricings",
    arm.AUTOSCALE_SETTING: "Microsoft.Insights/autoscaleSettings",
    arm.METRIC_ALERT: "Microsoft.Insights/metricAlerts",
}

# Which Resource Graph table holds a kind.
TABLE_OF: dict[str, str] = {
    arm.POLICY_ASSIGNMENT: "policyresources",
    arm.POLICY_EXEMPTION: "policyresources",
    arm.ROLE_ASSIGNMENT: "authorizationresources",
    arm.SUBSCRIPTION: "resourcecontainers",
    arm.DEFENDER_PRICING: "securityresources",
}
NOT_IN_RESOURCE_GRAPH = frozenset({
    arm.DIAGNOSTIC_SETTING, arm.LOG_PROFILE, arm.EVENTHUB_AUTH_RULE, arm.EVENTHUB_HUB_AUTH_RULE,
    arm.MANAGEMENT_GROUP, arm.POLICY_DEFINITION, arm.POLICY_SET_DEFINITION, security_insights.ONBOARDING_STATE,
})


def table_of(kind: str) -> str:
    return TABLE_OF.get(kind, "resources")


def document_from_row(row: dict[str, Any]) -> dict[str, Any]:
    """The REST document for a Resource Graph row (rules in the module docstring)."""
    doc = {k: v for k, v in row.items() if v is not None}
    t = doc.get("type")
    if isinstance(t, str) and t == t.lower():
        doc["type"] = REST_TYPE.get(t, t)
    return doc


def row_from_document(doc: dict[str, Any], columns: Iterable[str]) -> dict[str, Any]:
    """What Resource Graph returns for a document, for the emulator (inverse of :func:`document_from_row`).

    ``type`` is lower-cased as Resource Graph does when the collector can restore it exactly
    (the document uses the REST casing of :data:`REST_TYPE`, or is lower case already); a
    document whose ``type`` has another casing keeps it, so that a snapshot's round trip stays
    exact (real Resource Graph would lose that casing).
    """
    row: dict[str, Any] = {}
    for col in columns:
        if col == "subscriptionId":
            row[col] = doc.get("subscriptionId") or arm.subscription_id_of(doc.get("id"))
            continue
        value = doc.get(col)
        if col == "type" and isinstance(value, str):
            lowered = value.lower()
            if REST_TYPE.get(lowered, lowered) == value or value == lowered:
                value = lowered
        row[col] = value
    return row
