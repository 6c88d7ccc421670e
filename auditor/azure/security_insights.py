"""Readers of the Microsoft Sentinel documents the tool meets, shared by collection, analysis,
emulator and remediation.

Sentinel lives *on* a Log Analytics workspace, as extension resources of it:

* ``<workspace>/providers/Microsoft.SecurityInsights/onboardingStates/default`` exists when
  Sentinel is on for the workspace (``GET .../onboardingStates`` lists it, or nothing). Older
  workspaces were onboarded by the ``SecurityInsights(<workspace>)`` solution
  (``Microsoft.OperationsManagement/solutions``, ``properties.workspaceResourceId``); either
  document means Sentinel is on. On a workspace without Sentinel, ARM answers
  ``alertRules`` with 400 "Workspace '<name>' is not onboarded to Microsoft Sentinel".
* ``<workspace>/providers/Microsoft.SecurityInsights/alertRules/<id>``: analytics rules. Kinds
  ``Scheduled`` and ``NRT`` run a KQL ``properties.query`` over the workspace; the others
  (``Fusion``, ``MicrosoftSecurityIncidentCreation``, ``MLBehaviorAnalytics``,
  ``ThreatIntelligence``) run no query of the customer's. A rule *template*
  (``alertRuleTemplates``) is never a rule; a rule created from one names it in
  ``alertRuleTemplateName`` and is judged like any other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from auditor.azure import arm

API_VERSION = "2024-03-01"  # first stable version with NRT rules and onboardingStates
ONBOARDING_STATE = "microsoft.securityinsights/onboardingstates"
ALERT_RULE = "microsoft.securityinsights/alertrules"
SOLUTION = "microsoft.operationsmanagement/solutions"
QUERY_KINDS = ("scheduled", "nrt")  # analytics rules that run the customer's KQL
_PROVIDER = "/providers/microsoft.securityinsights/"


@dataclass(frozen=True)
class AnalyticsRule:
    """A Scheduled or NRT analytics rule, read from its document."""

    id: str  # display form
    workspace: str  # display form of the workspace the rule runs on
    kind: str  # Scheduled | NRT (as the document spells it)
    display_name: str
    enabled: bool  # only an explicit true (or "true") counts
    query: str
    creates_incident: bool  # incidentConfiguration.createIncident: the SOC's queue is notified
    template: str | None  # alertRuleTemplateName the rule was created from, if any


def workspace_of(arm_id: str | None) -> str:
    """The workspace (display form) a SecurityInsights extension resource hangs under, or ""."""
    s = arm.display_id(arm_id)
    idx = s.lower().find(_PROVIDER)
    if idx <= 0:
        return ""
    ws = s[:idx]
    return ws if arm.kind_from_id(ws) == arm.WORKSPACE else ""


def analytics_rule(doc: dict[str, Any]) -> AnalyticsRule | None:
    """The rule, when ``doc`` is a Scheduled or NRT analytics rule on a workspace; else None."""
    if arm.kind_of(doc) != ALERT_RULE:
        return None
    kind = doc.get("kind")
    if not isinstance(kind, str) or kind.strip().lower() not in QUERY_KINDS:
        return None
    ws = workspace_of(doc.get("id"))
    if not ws:
        return None
    p = arm.props(doc)
    query = arm.ci_get(p, "query")
    incident = arm.ci_get(p, "incidentConfiguration")
    template = arm.ci_get(p, "alertRuleTemplateName")
    return AnalyticsRule(
        id=arm.display_id(doc.get("id")),
        workspace=ws,
        kind=kind.strip(),
        display_name=str(arm.ci_get(p, "displayName") or arm.last_segment(doc.get("id"))),
        enabled=arm.as_bool(arm.ci_get(p, "enabled"), False) is True,
        query=query if isinstance(query, str) else "",
        creates_incident=isinstance(incident, dict)
        and arm.as_bool(arm.ci_get(incident, "createIncident"), False) is True,
        template=template if isinstance(template, str) and template.strip() else None,
    )


def onboarded_workspace(doc: dict[str, Any]) -> str:
    """The workspace (normalised id) ``doc`` says Sentinel is on for, or "".

    An ``onboardingStates`` document under a workspace, or a ``SecurityInsights(...)``
    solution naming its workspace in ``properties.workspaceResourceId``.
    """
    kind = arm.kind_of(doc)
    if kind == ONBOARDING_STATE:
        return arm.norm_id(workspace_of(doc.get("id")))
    if kind == SOLUTION:
        name = str(doc.get("name") or arm.last_segment(doc.get("id")))
        ws = arm.ci_get(arm.props(doc), "workspaceResourceId")
        if name.lower().startswith("securityinsights(") and isinstance(ws, str):
            return arm.norm_id(ws) if arm.kind_from_id(ws) == arm.WORKSPACE else ""
    return ""


def onboarded_workspaces(docs: Iterable[dict[str, Any]]) -> set[str]:
    """Normalised ids of every workspace the documents show Sentinel on for."""
    return {w for w in (onboarded_workspace(d) for d in docs) if w}


def onboarding_states_path(workspace_id: str) -> str:
    return f"{arm.display_id(workspace_id)}/providers/Microsoft.SecurityInsights/onboardingStates"


def alert_rules_path(workspace_id: str) -> str:
    return f"{arm.display_id(workspace_id)}/providers/Microsoft.SecurityInsights/alertRules"
