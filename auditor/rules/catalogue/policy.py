"""ALA-POL rules: does Azure Policy keep each subscription exporting?

The catalogue: what each rule is (id, title, severity, axis, rationale, fix, controls, and the
sentence the report prints for its open findings). How each is judged: auditor/analysis/checks/policy.py.
"""

from __future__ import annotations

from auditor.rules.base import MCSB_LT3, Rule

_ENFORCE_REMEDIATION = (
    "Run `auditor remediate` for the assignment, role assignments and remediation task it proposes."
)

NO_ASSIGNMENT = Rule(
    "ALA-POL-001", "No export policy applies to the subscription", "medium",
    "Without a DeployIfNotExists export policy nothing re-creates a deleted or missing activity-log "
    "diagnostic setting; an intruder who removes it blinds the SOC and new subscriptions start "
    "unmonitored.",
    "Assign an export policy (e.g. built-in 2465583e-4e78-4c15-b6be-a36cbc7c8b0f or the project's "
    "definitions) at the tenant root group with a managed identity. " + _ENFORCE_REMEDIATION,
    (MCSB_LT3,),
    axis="enforcement",
    risk=("{n} subscription(s) have no export policy: a new or altered subscription drifts silently."),
)

EXCLUDED = Rule(
    "ALA-POL-002", "Subscription excluded or exempted from the export policy", "medium",
    "Exclusions and exemptions silently take a subscription out of enforcement; they are where "
    "logging gaps hide, and an exemption without a near expiry becomes permanent.",
    "Review the notScopes entry or exemption named in the evidence with its owner; remove it or "
    "give the exemption a short expiry and a documented reason.",
    (MCSB_LT3,),
    axis="enforcement",
    risk=("{n} subscription(s) are excluded or exempted from the export policy."),
)

NOT_ENFORCED = Rule(
    "ALA-POL-003", "Export policy applies but does not deploy", "medium",
    "An assignment in DoNotEnforce mode or with an effect other than DeployIfNotExists (e.g. "
    "Disabled, AuditIfNotExists) reports but never creates the export, giving a false sense of "
    "enforcement.",
    "Set enforcementMode to Default and the effect parameter (on the assignment, or on the set "
    "that passes it) to DeployIfNotExists. " + _ENFORCE_REMEDIATION,
    (MCSB_LT3,),
    axis="enforcement",
    risk=("{n} subscription(s) fall under an export policy that does not enforce (audit only or "
          "DoNotEnforce)."),
)

IDENTITY = Rule(
    "ALA-POL-004", "Export policy cannot deploy: identity or role missing", "high",
    "A DeployIfNotExists assignment needs a managed identity holding every role the definition's "
    "roleDefinitionIds lists at or above the subscription; otherwise every deployment fails and "
    "the export is never restored, while the assignment looks enforced.",
    "Give the assignment a managed identity and grant it each missing role (evidence names role "
    "and principal) at the assignment scope. " + _ENFORCE_REMEDIATION,
    (MCSB_LT3,),
    axis="enforcement",
    risk=("{n} subscription(s) fall under an export policy that cannot deploy: its identity is missing or "
          "lacks a required role."),
)

NONCOMPLIANT = Rule(
    "ALA-POL-005", "Export policy effective but subscription NonCompliant", "medium",
    "DeployIfNotExists acts only when a resource is created or updated: an existing subscription "
    "reported NonCompliant keeps running without the export until a remediation task deploys it.",
    "Create a remediation task for the assignment (and member) in the evidence, scoped to the "
    "subscription, and confirm the policy state turns Compliant.",
    (MCSB_LT3,),
    axis="enforcement",
    risk=("{n} subscription(s) are non-compliant with an enforcing export policy and need a remediation "
          "task."),
)

DEPLOYS_LESS = Rule(
    "ALA-POL-006", "Export policy deploys too little or to the wrong place", "low",
    "What the policy enforces is what survives drift: if it deploys fewer categories than "
    "required, or to a destination outside the central, retained ones, re-created exports stay "
    "incomplete.",
    "Change the assignment parameters (or assign a definition) so the deployed setting enables "
    "every required category and sends to a configured central destination.",
    (MCSB_LT3,),
    axis="enforcement",
    risk=("{n} subscription(s) are enforced with fewer categories than required or to a non-central "
          "destination."),
)

RULES: tuple[Rule, ...] = (
    NO_ASSIGNMENT,
    EXCLUDED,
    NOT_ENFORCED,
    IDENTITY,
    NONCOMPLIANT,
    DEPLOYS_LESS,
)
