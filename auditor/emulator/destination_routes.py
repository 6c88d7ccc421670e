"""Emulator routes for what destinations do with the activity log: retention settings and Sentinel.

Answers as ARM does: the lifecycle policy, the ``insights-activity-logs`` container and the
``AzureActivity`` table by GET (404 when the snapshot has none); Sentinel's onboarding states
as a list (empty without Sentinel) and its analytics rules as a paged list, refused with 400
"not onboarded" on a workspace without Sentinel. The scope of each route is the destination,
so a recorded ``retention`` / ``sentinel`` error at it is answered with 403.
"""

from __future__ import annotations

import re

from auditor import operations
from auditor.azure import arm, security_insights
from auditor.emulator.http import Answer, Call, Ctx, arm_error

_WS = r"/subscriptions/[^/]+/resourcegroups/[^/]+/providers/microsoft\.operationalinsights/workspaces/[^/]+"
_SA = r"/subscriptions/[^/]+/resourcegroups/[^/]+/providers/microsoft\.storage/storageaccounts/[^/]+"


def _document(ctx: Ctx, call: Call, args: dict[str, str]) -> Answer:
    """One child document of the destination, or ARM's 404 (also when the destination is gone)."""
    doc = ctx.store.get(args["path"])
    if doc is None:
        return arm_error(404, args.get("missing", "ResourceNotFound"), f"The resource '{args['path']}' was not found.")
    return Answer(200, doc)


def _workspace_missing(ctx: Ctx, scope: str) -> Answer | None:
    if ctx.store.get(scope) is None:
        return arm_error(404, "ResourceNotFound", f"The Resource '{scope}' was not found.")
    return None


def onboarding_states(ctx: Ctx, call: Call, args: dict[str, str]) -> Answer:
    missing = _workspace_missing(ctx, args["scope"])
    if missing is not None:
        return missing
    return ctx.whole(list(ctx.store.kind_at(args["scope"], security_insights.ONBOARDING_STATE)))


def _onboarded(ctx: Ctx, scope: str) -> bool:
    """Sentinel is on: an onboarding state, or the legacy solution naming the workspace."""
    if ctx.store.kind_at(scope, security_insights.ONBOARDING_STATE):
        return True
    solution = ctx.store.get(security_insights.legacy_solution_path(scope))
    return solution is not None and arm.same_id(security_insights.onboarded_workspace(solution), scope)


def legacy_solution(ctx: Ctx, call: Call, args: dict[str, str]) -> Answer:
    return _document(ctx, call, {"path": call.path})


def alert_rules(ctx: Ctx, call: Call, args: dict[str, str]) -> Answer:
    missing = _workspace_missing(ctx, args["scope"])
    if missing is not None:
        return missing
    if not _onboarded(ctx, args["scope"]):
        name = args["scope"].rsplit("/", 1)[-1]
        return arm_error(400, "BadRequest", f"Workspace '{name}' is not onboarded to Microsoft Sentinel.")
    return ctx.page(call, list(ctx.store.kind_at(args["scope"], security_insights.ALERT_RULE)))


def _child(ctx: Ctx, call: Call, args: dict[str, str]) -> Answer:
    return _document(ctx, call, {"path": call_path(args)})


def call_path(args: dict[str, str]) -> str:
    return args["scope"] + args["rest"]


_RG = r"/subscriptions/[^/]+/resourcegroups/[^/]+"

PATTERNS = [
    # The legacy solution is read for its workspace (its errors are the workspace's ``sentinel`` ones).
    (re.compile(rf"^(?P<rg>{_RG})/providers/microsoft\.operationsmanagement/solutions/"
                r"securityinsights\((?P<ws>[^/)]+)\)$"), operations.SENTINEL, legacy_solution),
    (re.compile(rf"^(?P<scope>{_WS})/providers/microsoft\.securityinsights/onboardingstates$"),
     operations.SENTINEL, onboarding_states),
    (re.compile(rf"^(?P<scope>{_WS})/providers/microsoft\.securityinsights/alertrules$"),
     operations.SENTINEL, alert_rules),
    (re.compile(rf"^(?P<scope>{_WS})(?P<rest>/tables/[^/]+)$"), operations.RETENTION, _child),
    (re.compile(rf"^(?P<scope>{_SA})(?P<rest>/managementpolicies/[^/]+)$"), operations.RETENTION, _child),
    (re.compile(rf"^(?P<scope>{_SA})(?P<rest>/blobservices/default/containers/[^/]+)$"), operations.RETENTION,
     _child),
]
