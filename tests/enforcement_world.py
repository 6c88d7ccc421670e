"""A small tenant for enforcement tests, built from ARM-shaped documents (tests/builders.py).

::

    contoso (root)
    ├── platform      -> subscription P
    ├── corp          -> subscriptions C1, C2
    └── sandbox       -> subscription X

Tests add assignments, exemptions, role assignments, policy states and errors on top and
evaluate with :func:`evaluate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import builders as b

from auditor.analysis.context import AuditContext
from auditor.azure.snapshot import build_snapshot
from auditor.config import Config

P, C1, C2, X = b.guid("P"), b.guid("C1"), b.guid("C2"), b.guid("X")
SUBS = {"P": P, "C1": C1, "C2": C2, "X": X}
ROOT, PLATFORM, CORP, SANDBOX = "contoso", "platform", "corp", "sandbox"
WS = b.workspace_id(P, "rg-log", "law-central")
EXPORT_ID = b.BUILTIN_EXPORT_DEFINITION_ID
ROLES = (b.ROLE_MONITORING_CONTRIBUTOR, b.ROLE_LOG_ANALYTICS_CONTRIBUTOR)
SET_ID = b.mg_id(ROOT) + "/providers/Microsoft.Authorization/policySetDefinitions/activity-baseline"
AUDIT_MEMBER_ID = "/providers/Microsoft.Authorization/policyDefinitions/b954148f-4c11-4c38-8221-be76711e194a"


def hierarchy() -> list[dict[str, Any]]:
    return [
        b.management_group(ROOT, "Contoso", parent=b.TENANT_ID, children=[
            b.child_group(PLATFORM), b.child_group(CORP), b.child_group(SANDBOX)]),
        b.management_group(PLATFORM, parent=ROOT, children=[b.child_subscription(P, "Platform")]),
        b.management_group(CORP, parent=ROOT, children=[b.child_subscription(C1, "Corp-1"),
                                                         b.child_subscription(C2, "Corp-2")]),
        b.management_group(SANDBOX, parent=ROOT, children=[b.child_subscription(X, "Sandbox")]),
        b.subscription(P, "Platform"), b.subscription(C1, "Corp-1"), b.subscription(C2, "Corp-2"),
        b.subscription(X, "Sandbox"),
    ]


def export_set(effect_default: str = "DeployIfNotExists", pass_effect: Any = "[parameters('activityEffect')]") -> dict:
    """A custom initiative with the export built-in (effect from a set parameter) and an audit member."""
    export_params: dict[str, Any] = {"logAnalytics": "[parameters('workspace')]"}
    if pass_effect is not None:
        export_params["effect"] = pass_effect
    return b.policy_set_definition(ROOT, "activity-baseline", [
        b.set_member("activityToLaw", EXPORT_ID, export_params),
        b.set_member("adminAlertAudit", AUDIT_MEMBER_ID,
                     {"operationName": "Microsoft.Authorization/policyAssignments/write"}),
    ], parameters={
        "activityEffect": {"type": "String", "defaultValue": effect_default,
                           "allowedValues": ["DeployIfNotExists", "Disabled"]},
        "workspace": {"type": "String"},
    })


def audit_member_definition() -> dict:
    return b.policy_definition(None, "b954148f-4c11-4c38-8221-be76711e194a", {
        "if": {"allOf": [{"field": "type", "equals": "Microsoft.Resources/subscriptions"}]},
        "then": {"effect": "[parameters('effect')]",
                 "details": {"type": "Microsoft.Insights/ActivityLogAlerts", "existenceCondition": {
                     "field": "Microsoft.Insights/ActivityLogAlerts/enabled", "equals": "true"}}},
    }, parameters={
        "operationName": {"type": "String"},
        "effect": {"type": "String", "defaultValue": "AuditIfNotExists",
                   "allowedValues": ["AuditIfNotExists", "Disabled"]},
    })


def assign(scope: str, name: str = "export", definition: str = EXPORT_ID, *, principal: str | None = "auto",
           parameters: dict[str, Any] | None = None, **kw: Any) -> dict:
    """An assignment with a system identity (``principal=None``: no identity)."""
    identity = None
    if principal == "auto":
        principal = b.guid("principal:" + name)
    if principal is not None:
        identity = b.system_identity(principal)
    params = {"logAnalytics": WS} if definition == EXPORT_ID else {"workspace": WS}
    params.update(parameters or {})
    return b.policy_assignment(scope, name, definition, identity=identity, parameters=params, **kw)


def principal_of(assignment: dict) -> str:
    ident = assignment["identity"]
    if "principalId" in ident:
        return ident["principalId"]
    return next(iter(ident["userAssignedIdentities"].values()))["principalId"]


def grant(scope: str, assignment: dict, roles: Sequence[str] = ROLES) -> list[dict]:
    return [b.role_assignment(scope, principal_of(assignment), r) for r in roles]


def evaluate(resources: Sequence[dict], policy_states: Sequence[dict] = (), errors: Sequence[dict] = (),
             config: Config | None = None, with_set: bool = True) -> AuditContext:
    docs = [*hierarchy(), b.export_policy_definition(), audit_member_definition(), *resources]
    if with_set and not any(d.get("id") == SET_ID for d in resources):
        docs.append(export_set())
    snap = build_snapshot(b.snapshot(docs, policy_states, errors, root=ROOT))
    return AuditContext(snap, config or Config())


def state_of(ctx: AuditContext, sub: str) -> str:
    return ctx.enforcement[b.sub_id(sub).lower()].state


def result_of(ctx: AuditContext, sub: str) -> Any:
    return ctx.enforcement[b.sub_id(sub).lower()]
