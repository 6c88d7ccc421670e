"""Microsoft Sentinel documents shaped as ARM returns them (SecurityInsights 2024-03-01).

Shapes follow the REST examples ``onboardingStates/GetAllSentinelOnboardingStates.json`` and
``alertRules/GetAllAlertRules.json`` (copies in ``tests/fixtures/real_azure/``); queries follow
Azure-Sentinel's ``Detections/AzureActivity/Azure_CIS_52*.yaml``. Workspace ids come from
``builders.workspace_id``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import builders as b

Doc = dict[str, Any]


def onboarding_state(workspace: str) -> Doc:
    """Sentinel is on for ``workspace`` (``onboardingStates/default``)."""
    return {
        "id": f"{workspace}/providers/Microsoft.SecurityInsights/onboardingStates/default",
        "name": "default",
        "type": "Microsoft.SecurityInsights/onboardingStates",
        "properties": {"customerManagedKey": False},
    }


def cis_query(operation: str) -> str:
    """The query of Azure-Sentinel's CIS 5.2.x detections, for one operation."""
    return ("AzureActivity\n| where CategoryValue =~ \"Administrative\"\n"
            f"| where OperationNameValue =~ \"{operation}\"\n"
            "| project TimeGenerated, Caller, CallerIpAddress, _ResourceId, ResourceGroup, SubscriptionId")


def analytics_rule(workspace: str, name: str, query: str, *, kind: str = "Scheduled", enabled: bool = True,
                   create_incident: bool = True, template: str | None = None,
                   display_name: str | None = None) -> Doc:
    """A Scheduled (or NRT) analytics rule on the workspace."""
    props: Doc = {
        "alertRuleTemplateName": template,
        "displayName": display_name or name,
        "description": "Sensitive control-plane operation",
        "severity": "Medium",
        "enabled": enabled,
        "tactics": ["Impact"],
        "query": query,
        "suppressionDuration": "PT1H",
        "suppressionEnabled": False,
        "lastModifiedUtc": "2026-10-01T09:00:00Z",
        "eventGroupingSettings": {"aggregationKind": "SingleAlert"},
        "incidentConfiguration": {
            "createIncident": create_incident,
            "groupingConfiguration": {"enabled": True, "reopenClosedIncident": False, "lookbackDuration": "PT1H",
                                      "matchingMethod": "Selected", "groupByEntities": ["Account"],
                                      "groupByAlertDetails": ["DisplayName"], "groupByCustomDetails": []},
        },
    }
    if kind == "Scheduled":
        props.update({"queryFrequency": "PT5M", "queryPeriod": "PT5M", "triggerOperator": "GreaterThan",
                      "triggerThreshold": 0})
    return {
        "id": f"{workspace}/providers/Microsoft.SecurityInsights/alertRules/{b.guid('rule:' + name)}",
        "name": b.guid("rule:" + name),
        "type": "Microsoft.SecurityInsights/alertRules",
        "kind": kind,
        "etag": "\"0300bf09-0000-0000-0000-5c37296e0000\"",
        "properties": props,
    }


def fusion_rule(workspace: str) -> Doc:
    """The built-in Fusion rule every onboarded workspace has: runs no query of the customer's."""
    return {
        "id": f"{workspace}/providers/Microsoft.SecurityInsights/alertRules/BuiltInFusion",
        "name": "BuiltInFusion",
        "type": "Microsoft.SecurityInsights/alertRules",
        "kind": "Fusion",
        "etag": "\"25005c11-0000-0d00-0000-5d6cc0e20000\"",
        "properties": {"displayName": "Advanced Multistage Attack Detection", "enabled": True,
                       "alertRuleTemplateName": "f71aba3d-28fb-450b-b192-4e76a83015c8", "severity": "High",
                       "tactics": [], "lastModifiedUtc": "2026-10-01T09:00:00Z"},
    }


def rules_for(workspace: str, operations: Sequence[str], prefix: str = "cis") -> list[Doc]:
    return [analytics_rule(workspace, f"{prefix}-{op}", cis_query(op)) for op in operations]
