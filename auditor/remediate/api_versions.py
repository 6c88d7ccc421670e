"""The one table of (resource type, api-version) that every generated file uses.

Renderers never spell an api-version: they ask this module, which reads
``auditor/data/api_versions.json``. Every version there is one Azure publishes (the Bicep type
index, excerpts with their source in ``tests/fixtures/azure-types/``); the validator
(:mod:`auditor.remediate.validate`) and the tests' deploy simulator refuse any other.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources


@cache
def table() -> dict[str, str]:
    """Resource type (as Azure spells it) -> api-version."""
    text = (resources.files("auditor") / "data" / "api_versions.json").read_text(encoding="utf-8")
    return dict(json.loads(text)["types"])


@cache
def _lower() -> dict[str, str]:
    return {k.lower(): v for k, v in table().items()}


def of(resource_type: str) -> str:
    """The api-version for ``resource_type``; KeyError for a type the table does not list."""
    return _lower()[resource_type.lower()]


def type_at(resource_type: str) -> str:
    """``Type@version``, as Bicep and azapi write a resource type."""
    return f"{resource_type}@{of(resource_type)}"


def known(resource_type: str, api_version: str) -> bool:
    return _lower().get(resource_type.lower()) == api_version


POLICY_ASSIGNMENTS = "Microsoft.Authorization/policyAssignments"
POLICY_DEFINITIONS = "Microsoft.Authorization/policyDefinitions"
ROLE_ASSIGNMENTS = "Microsoft.Authorization/roleAssignments"
REMEDIATIONS = "Microsoft.PolicyInsights/remediations"
DEPLOYMENTS = "Microsoft.Resources/deployments"
RESOURCE_GROUPS = "Microsoft.Resources/resourceGroups"
DIAGNOSTIC_SETTINGS = "Microsoft.Insights/diagnosticSettings"
ACTIVITY_LOG_ALERTS = "Microsoft.Insights/activityLogAlerts"
SCHEDULED_QUERY_RULES = "Microsoft.Insights/scheduledQueryRules"
SENTINEL_ALERT_RULES = "Microsoft.SecurityInsights/alertRules"
WORKSPACES = "Microsoft.OperationalInsights/workspaces"
STORAGE_ACCOUNTS = "Microsoft.Storage/storageAccounts"
EVENTHUB_NAMESPACES = "Microsoft.EventHub/namespaces"
