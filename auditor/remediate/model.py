"""The remediation plan as data: actions, projected enforcement, and the ``plan.json`` shape.

A plan is computed once from the audit (:func:`auditor.remediate.plan_from_findings`) and then
rendered into any of the formats; the file names of every action are fixed by the plan itself
so that ``plan.json`` lists exactly the files written, in a deterministic order.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

_NAMESPACE = uuid.UUID("6f1c1a8e-63f5-4b8e-9f0b-0c5e0d9d4a11")


def stable_guid(*parts: str) -> str:
    """Deterministic GUID (role assignment and remediation names): same inputs, same name."""
    return str(uuid.uuid5(_NAMESPACE, "|".join(p.lower() for p in parts)))

FORMATS: tuple[str, ...] = ("arm", "bicep", "terraform")
_EXTENSIONS = {"arm": "json", "bicep": "bicep", "terraform": "tf"}

# Action kinds, in deployment order.
POLICY_DEFINITION = "policy_definition"
ASSIGN_EXPORT_POLICY = "assign_export_policy"
FIX_ASSIGNMENT = "fix_assignment"
UPDATE_SINK = "update_sink"
REMEDIATION_TASK = "remediation_task"
ASSIGN_ALERT_POLICY = "assign_alert_policy"
MANAGEMENT_GROUP_EXPORT = "management_group_export"
CENTRAL_ALERT_RULE = "central_alert_rule"
SENTINEL_ALERT_RULE = "sentinel_alert_rule"  # instead of CENTRAL_ALERT_RULE where the workspace has Sentinel
REMOVE_LOG_PROFILE = "remove_log_profile"
REVIEW_EXCLUSION = "review_exclusion"
REVIEW_EXEMPTION = "review_exemption"
REVIEW_ASSIGNMENT = "review_assignment"
REVIEW_PARTIAL_EXPORT = "review_partial_export"  # effective enforcement that still leaves categories out

KIND_ORDER = (
    POLICY_DEFINITION, ASSIGN_EXPORT_POLICY, FIX_ASSIGNMENT, UPDATE_SINK, ASSIGN_ALERT_POLICY, REMEDIATION_TASK,
    MANAGEMENT_GROUP_EXPORT, CENTRAL_ALERT_RULE, SENTINEL_ALERT_RULE, REMOVE_LOG_PROFILE, REVIEW_EXCLUSION,
    REVIEW_EXEMPTION, REVIEW_ASSIGNMENT, REVIEW_PARTIAL_EXPORT,
)
REVIEW_KINDS = frozenset({REVIEW_EXCLUSION, REVIEW_EXEMPTION, REVIEW_ASSIGNMENT, REVIEW_PARTIAL_EXPORT})
SCRIPT_KINDS = frozenset({REMOVE_LOG_PROFILE})
TERRAFORM_PROVIDERS = "terraform/providers.tf"
TERRAFORM_VARIABLES = "terraform/variables.tf"
TERRAFORM_STAGE2 = "terraform/remediation"  # remediation tasks: a second configuration, applied after a scan
TERRAFORM_STAGE2_PROVIDERS = f"{TERRAFORM_STAGE2}/providers.tf"
BICEP_MG_EXPORT_MODULE = "bicep/modules/management-group-export.bicep"
BICEP_UPDATE_SINK_MODULE = "bicep/modules/update-sink.bicep"


@dataclass
class Action:
    kind: str
    scope: str  # ARM id the action deploys at (or the assignment / exemption under review)
    subscriptions: list[str]  # subscription ids whose state the action changes or concerns
    title: str  # one line for the README
    detail: dict[str, Any] = field(default_factory=dict)  # kind-specific input of the renderers
    step: int = 0  # position in deployment order, 1-based, set by the planner
    slug: str = ""

    @property
    def stem(self) -> str:
        return f"{self.step:02d}-{self.slug}"

    def files(self, formats: tuple[str, ...] = FORMATS) -> list[str]:
        """Paths, relative to the output folder, that this action writes for ``formats``."""
        if self.kind in REVIEW_KINDS:
            return []
        if self.kind in SCRIPT_KINDS:
            return [f"scripts/{self.stem}.sh"]
        out = []
        for fmt in FORMATS:
            if fmt in formats:
                folder = TERRAFORM_STAGE2 if fmt == "terraform" and self.kind == REMEDIATION_TASK else fmt
                out.append(f"{folder}/{self.stem}.{_EXTENSIONS[fmt]}")
                out.extend(self.shared_files(fmt))
        if self.kind == UPDATE_SINK:  # the settings, as data every format reads (remediate/sink_batch.py)
            out += [f"parameters/{self.stem}-{i + 1}.json" for i in range(self.detail["batches"])]
        return out

    def shared_files(self, fmt: str) -> list[str]:
        """Files several actions use (Bicep modules, Terraform providers), listed with each user."""
        if fmt == "terraform" and self.kind == REMEDIATION_TASK:
            return [TERRAFORM_STAGE2_PROVIDERS]
        if fmt == "terraform" and self.kind in (CENTRAL_ALERT_RULE, ASSIGN_ALERT_POLICY):
            return [TERRAFORM_PROVIDERS, TERRAFORM_VARIABLES]
        if fmt == "terraform":
            return [TERRAFORM_PROVIDERS]
        if fmt == "bicep" and self.kind == ASSIGN_EXPORT_POLICY:
            return [f"bicep/modules/grant-destination-{self.detail['destination'].kind}.bicep"]
        if fmt == "bicep" and self.kind == FIX_ASSIGNMENT and self.detail["fix"].grants_destination:
            return [f"bicep/modules/grant-destination-{self.detail['fix'].destination_kind}.bicep"]
        if fmt == "bicep" and self.kind == MANAGEMENT_GROUP_EXPORT:
            return [BICEP_MG_EXPORT_MODULE]
        if fmt == "bicep" and self.kind == UPDATE_SINK:
            return [BICEP_UPDATE_SINK_MODULE]
        return []

    def as_dict(self, formats: tuple[str, ...] = FORMATS) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "scope": self.scope,
            "subscriptions": list(self.subscriptions),
            "files": self.files(formats),
        }


@dataclass(frozen=True)
class Projection:
    id: str
    enforcement: str  # now
    projected: str  # after the plan
    why: str = ""  # which action makes the difference, or why nothing changes
    verdict: str = ""  # the audit's verdict now (export and enforcement together)
    projected_verdict: str = ""
    alerts: str = ""  # covered | gaps | waived | unknown: sensitive operations alerted on, now
    projected_alerts: str = ""
    alerts_by: str = ""  # the action that closes the alert gaps (central rule or alert policy), if any

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "enforcement": self.enforcement, "projected": self.projected,
                "verdict": self.verdict, "projectedVerdict": self.projected_verdict,
                "alerts": self.alerts, "projectedAlerts": self.projected_alerts}


@dataclass(frozen=True)
class Destination:
    """Where the planned export policy sends the activity log."""

    kind: str  # log_analytics | storage | event_hub
    id: str  # ARM id, or a placeholder the user must replace
    placeholder: bool
    location: str  # region for policy identities and deployments
    event_hub_name: str = ""


@dataclass
class Plan:
    actions: list[Action]
    subscriptions: list[Projection]
    destination: Destination
    root_group: str
    placeholders: list[str] = field(default_factory=list)  # values the user must fill in
    notes: list[str] = field(default_factory=list)
    delivery: Any = None  # remediate/delivery.py DeliveryAdvice (README and template only, not plan.json actions)

    def as_dict(self, formats: tuple[str, ...] = FORMATS) -> dict[str, Any]:
        """The ``plan.json`` document (docs/cli.md)."""
        return {
            "actions": [a.as_dict(formats) for a in self.actions],
            "subscriptions": [p.as_dict() for p in self.subscriptions],
        }

    def projected(self) -> dict[str, str]:
        """Projected enforcement by subscription id (lower case), for reports."""
        return {p.id.lower(): p.projected for p in self.subscriptions}

    def summary(self) -> dict[str, dict[str, int]]:
        """Counts of enforcement states now and after the plan."""
        states = ("effective", "impaired", "none", "unknown")
        now = {s: 0 for s in states}
        after = {s: 0 for s in states}
        for p in self.subscriptions:
            now[p.enforcement] = now.get(p.enforcement, 0) + 1
            after[p.projected] = after.get(p.projected, 0) + 1
        return {"now": now, "projected": after}

    def verdict_summary(self) -> dict[str, dict[str, int]]:
        """Counts of verdicts now and after the plan."""
        now: dict[str, int] = {}
        after: dict[str, int] = {}
        for p in self.subscriptions:
            now[p.verdict] = now.get(p.verdict, 0) + 1
            after[p.projected_verdict] = after.get(p.projected_verdict, 0) + 1
        return {"now": now, "projected": after}

    def alert_summary(self) -> dict[str, dict[str, int]]:
        """Counts of alert coverage states now and after the plan."""
        states = ("covered", "gaps", "waived", "unknown")
        now = {s: 0 for s in states}
        after = {s: 0 for s in states}
        for p in self.subscriptions:
            now[p.alerts] = now.get(p.alerts, 0) + 1
            after[p.projected_alerts] = after.get(p.projected_alerts, 0) + 1
        return {"now": now, "projected": after}
