"""What the destinations in use do with the activity log: retention and Sentinel.

Runs after :func:`auditor.collect.references.destinations`, for the destinations exports name
and the snapshot holds (a destination that does not exist has nothing to read):

- storage accounts: ``managementPolicies/default`` (lifecycle rules) and the
  ``insights-activity-logs`` container (time-based immutability);
- workspaces: ``tables/AzureActivity`` (table retention), Sentinel's ``onboardingStates`` (or,
  without one, the legacy ``SecurityInsights(<workspace>)`` solution) and, where Sentinel is on,
  its ``alertRules`` (analytics rules).

Resource Graph indexes none of these child and extension resources, so each is a REST GET:
2 per storage account, 2–3 per workspace. A 404 is an absent document (no lifecycle policy, no
container yet); any other failure is recorded at the destination (operation ``retention`` or
``sentinel``) and the analysis reports that destination as unknown, never as fine.
"""

from __future__ import annotations

import asyncio
from typing import Any

from azure.core.rest import HttpRequest

from auditor import operations
from auditor.azure import arm, destinations, security_insights
from auditor.collect.context import Ctx
from auditor.collect.references import destination_refs


def _get(path: str, api_version: str) -> HttpRequest:
    return HttpRequest("GET", path, params={"api-version": api_version}, headers={"Accept": "application/json"})


def in_use_ids(docs: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """(storage account ids, workspace ids) named by diagnostic settings and present among ``docs``."""
    present = {arm.norm_id(d.get("id")) for d in docs}
    by_kind, _ = destination_refs(docs)
    storage, workspaces = (sorted((i for i in by_kind[kind] if arm.norm_id(i) in present), key=arm.norm_id)
                           for kind in (arm.STORAGE_ACCOUNT, arm.WORKSPACE))
    return storage, workspaces


def in_use(ctx: Ctx) -> tuple[list[str], list[str]]:
    return in_use_ids(list(ctx.state.docs.values()))


async def destination_details(ctx: Ctx) -> None:
    storage, workspaces = in_use(ctx)
    jobs = [_storage(ctx, s) for s in storage] + [_workspace(ctx, w) for w in workspaces]
    ctx.progress.add_total("references", len(jobs))
    await asyncio.gather(*jobs)


async def _read_one(ctx: Ctx, path: str, api_version: str, scope: str, operation: str) -> None:
    doc = await ctx.read_one(ctx.clients.monitor, _get(path, api_version), scope, operation, absent_ok=True)
    if doc is not None:
        ctx.state.add(doc)


async def _storage(ctx: Ctx, storage_id: str) -> None:
    await asyncio.gather(
        _read_one(ctx, destinations.management_policy_id(storage_id), destinations.STORAGE_API_VERSION, storage_id,
                  operations.RETENTION),
        _read_one(ctx, destinations.activity_container_id(storage_id), destinations.STORAGE_API_VERSION, storage_id,
                  operations.RETENTION),
    )
    ctx.progress.advance("references")


async def _workspace(ctx: Ctx, workspace_id: str) -> None:
    await asyncio.gather(
        _read_one(ctx, destinations.activity_table_id(workspace_id), destinations.TABLES_API_VERSION, workspace_id,
                  operations.RETENTION),
        _sentinel(ctx, workspace_id),
    )
    ctx.progress.advance("references")


async def _sentinel(ctx: Ctx, workspace_id: str) -> None:
    """Onboarding state first: ARM answers alertRules with 400 on a workspace without Sentinel.

    A workspace without an onboarding state may have been onboarded by the legacy
    ``SecurityInsights(<workspace>)`` solution: that document is read too (404: there is none), and
    :func:`security_insights.onboarded_workspace` judges both, offline and here alike.
    """
    states = await ctx.read_list(ctx.clients.monitor, _get(security_insights.onboarding_states_path(workspace_id),
                                                           security_insights.API_VERSION),
                                 workspace_id, operations.SENTINEL)
    if states is None:
        return
    if not states:
        solution = await ctx.read_one(ctx.clients.monitor,
                                      _get(security_insights.legacy_solution_path(workspace_id),
                                           security_insights.SOLUTION_API_VERSION),
                                      workspace_id, operations.SENTINEL, absent_ok=True)
        if solution is None or not arm.same_id(security_insights.onboarded_workspace(solution), workspace_id):
            return
        states = [solution]
    ctx.state.add_all(states)
    rules = await ctx.read_list(ctx.clients.monitor, _get(security_insights.alert_rules_path(workspace_id),
                                                          security_insights.API_VERSION),
                                workspace_id, operations.SENTINEL)
    ctx.state.add_all(rules or [])

