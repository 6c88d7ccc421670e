"""``collect --verify-delivery``: read-only evidence that exported logs arrive and are watched.

After the ordinary collection (the destinations are known then):

- Defender plans of every readable subscription (Resource Graph ``securityresources``; REST
  ``Microsoft.Security/pricings`` for subscriptions Resource Graph does not cover);
- autoscale settings and metric alerts (what makes the Autoscale and Alert categories carry events);
- (Microsoft Sentinel's onboarding state of destination workspaces is read by every collection:
  ``collect/destination_details.py``; ALA-DET-001 reuses it);
- one Log Analytics query per destination workspace (``LogsQueryClient``), through a pipeline
  whose guard allows only the query POST to the cloud's Log Analytics host;
- the newest blob under each exporting subscription's prefix in each destination storage
  account (``azure-storage-blob``), through a guard that allows only listing that container;
- Event Hub destinations: "unverifiable" (reading them would consume the stream).

A read that fails is recorded in ``errors`` (operation at the destination or subscription), so
the analysis says unknown, never "no data".
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from azure.core.exceptions import AzureError, HttpResponseError, ResourceNotFoundError

from auditor import operations
from auditor.azure import arm, delivery_facts, destinations, diagnostic_settings
from auditor.collect import argshape
from auditor.collect import requests as rq
from auditor.collect.bulk import graph_query
from auditor.collect.context import Ctx
from auditor.collect.options import CLOUDS, CollectOptions
from auditor.collect.pipeline import (
    Gate,
    WriteRefused,
    build_log_query_policies,
    check_blob_listing,
    permanent_failure,
)
from auditor.collect.reader import ReadFailure
from auditor.collect.references import destination_refs

STORAGE_AUDIENCE = "https://storage.azure.com"


async def verify_delivery(ctx: Ctx, options: CollectOptions, graph_ok: bool) -> dict[str, Any]:
    """Read everything above into the state; returns the snapshot's ``delivery`` section."""
    state = ctx.state
    unreadable = {arm.subscription_id_of(e["scope"]) for e in state.errors.values() if e["operation"] == operations.ALL}
    subs = sorted(state.readable_subscriptions - unreadable)
    graph_subs = [] if not graph_ok else [g for g in subs if g not in state.fallback_subscriptions]
    rest_subs = [g for g in subs if g not in graph_subs]
    by_kind, _rules = destination_refs(list(state.docs.values()))
    workspaces = [state.docs[arm.norm_id(i)] for i in sorted(by_kind[arm.WORKSPACE])
                  if arm.norm_id(i) in state.docs]
    accounts = [state.docs[arm.norm_id(i)] for i in sorted(by_kind[arm.STORAGE_ACCOUNT])
                if arm.norm_id(i) in state.docs]
    ctx.progress.add_total("delivery", 2 + len(rest_subs) + len(workspaces) + len(accounts))
    results = await asyncio.gather(
        _graph_kinds(ctx, (arm.DEFENDER_PRICING,), graph_subs, operations.DEFENDER_PLANS),
        _graph_kinds(ctx, argshape.CATEGORY_SOURCE_KINDS, graph_subs, operations.CATEGORY_SOURCES),
        *(_rest_subscription(ctx, g) for g in rest_subs),
        _log_queries(ctx, options, workspaces),
        _blob_listings(ctx, options, accounts),
    )
    ws_entries: list[dict[str, Any]] = results[-2] or []
    st_entries: list[dict[str, Any]] = results[-1] or []
    hubs = sorted(by_kind[arm.EVENTHUB_NAMESPACE], key=str.lower)
    return {"version": delivery_facts.VERSION, "windowDays": options.delivery_window_days,
            "workspaces": sorted(ws_entries, key=lambda w: arm.norm_id(w["id"])),
            "storageAccounts": sorted(st_entries, key=lambda s: arm.norm_id(s["id"])),
            "eventHubs": [{"id": h, "status": delivery_facts.UNVERIFIABLE} for h in hubs]}


async def _graph_kinds(ctx: Ctx, kinds: tuple[str, ...], subs: list[str], operation: str) -> None:
    """One Resource Graph query for the kinds; on failure each subscription is read over REST."""
    try:
        if subs:
            rows = await graph_query(ctx, argshape.documents_in_subscriptions_query(kinds))
            wanted = set(subs)
            ctx.state.add_all([argshape.document_from_row(r) for r in rows
                               if arm.subscription_id_of(r.get("id")) in wanted])
    except ReadFailure:
        await asyncio.gather(*(_rest_kinds(ctx, g, operation) for g in subs))
    finally:
        ctx.progress.advance("delivery")


async def _rest_kinds(ctx: Ctx, guid: str, operation: str) -> None:
    scope = arm.subscription_scope(guid)
    c = ctx.clients.monitor
    if operation == operations.DEFENDER_PLANS:
        docs = await ctx.read_list(c, rq.defender_pricings(guid), scope, operation)
        ctx.state.add_all(docs or [])
        return
    for kind in argshape.CATEGORY_SOURCE_KINDS:
        got = await ctx.read_list(c, rq.category_sources(guid, kind), scope, operation)
        ctx.state.add_all([d for d in got or [] if arm.subscription_id_of(d.get("id")) == guid])


async def _rest_subscription(ctx: Ctx, guid: str) -> None:
    await asyncio.gather(_rest_kinds(ctx, guid, operations.DEFENDER_PLANS),
                         _rest_kinds(ctx, guid, operations.CATEGORY_SOURCES))
    ctx.progress.advance("delivery")


def _failure(e: AzureError) -> ReadFailure:
    status = getattr(e, "status_code", None)
    code = getattr(e, "error_code", None) or (getattr(getattr(e, "error", None), "code", None)) or type(e).__name__
    # The service's own message: the SDKs decorate str(e) with "(Code) ... Code: ... Message: ..."
    # (Log Analytics) or append RequestId/Time/ErrorCode lines (Storage).
    service = getattr(getattr(e, "error", None), "message", None)
    text = str(service or getattr(e, "message", None) or e).strip()
    message = text.splitlines()[0].strip()[:500] if text else ""
    return ReadFailure(status, str(code), message)


@contextlib.contextmanager
def _recorded(ctx: Ctx, scope: str, operation: str) -> Iterator[None]:
    """One destination's delivery read: a failure is recorded for that destination and operation
    (exit 3, ALA-AUD-001), never an abort and never "no data"; a guard refusal still propagates."""
    try:
        yield
    except WriteRefused:
        raise
    except ReadFailure as failure:
        ctx.state.fail(scope, operation, failure)
    except AzureError as e:
        ctx.state.fail(scope, operation, _failure(e))
    finally:
        ctx.progress.advance("delivery")


async def _log_queries(ctx: Ctx, options: CollectOptions, workspaces: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from azure.monitor.query.aio import LogsQueryClient

    if not workspaces:
        return []
    endpoint = options.log_analytics_endpoint
    client = LogsQueryClient(ctx.clients.credential, endpoint=endpoint, transport=ctx.clients.transport,
                             policies=build_log_query_policies(endpoint, ctx.clients.credential, ctx.reader.stats,
                                                               Gate(), options.retry_backoff))
    query = delivery_facts.delivery_query(options.delivery_window_days)
    out: list[dict[str, Any]] = []

    async def one(doc: dict[str, Any]) -> None:
        customer = destinations.workspace_customer_id(doc)
        with _recorded(ctx, doc["id"], operations.LOG_QUERY):
            if not customer:
                raise ReadFailure(None, "NoCustomerId", "the workspace document has no properties.customerId")
            async with ctx.reader.slot(operations.LOG_QUERY):
                result = await client.query_workspace(customer, query,
                                                      timespan=timedelta(days=options.delivery_window_days))
            partial = getattr(result, "partial_error", None)
            if partial is not None:  # a partial answer is not evidence of silence
                raise ReadFailure(200, "PartialError", str(getattr(partial, "message", partial))[:500])
            tables = list(getattr(result, "tables", None) or [])
            if len(tables) != 1:  # the query answers exactly one table (PrimaryResult)
                raise ReadFailure(200, "UnexpectedSchema", f"the answer has {len(tables)} tables, not 1")
            try:
                activity, ingestion = delivery_facts.workspace_facts(list(tables[0].columns),
                                                                     [list(r) for r in tables[0].rows])
            except (delivery_facts.UnexpectedSchema, TypeError, ValueError) as e:
                raise ReadFailure(200, "UnexpectedSchema", str(e)[:500]) from None
            out.append({"id": doc["id"], "customerId": customer, "activity": activity, "ingestion": ingestion})

    try:
        await asyncio.gather(*(one(w) for w in workspaces))
    finally:
        await client.close()
    return out


def _exporting_subscriptions(ctx: Ctx, account_id: str) -> list[str]:
    """Readable subscriptions whose own diagnostic setting sends to the account."""
    out = set()
    for doc in ctx.state.docs.values():
        if arm.kind_of(doc) != arm.DIAGNOSTIC_SETTING or not arm.same_id(
                diagnostic_settings.destination(doc, diagnostic_settings.STORAGE), account_id):
            continue
        sub = arm.subscription_id_of(doc.get("id"))
        if sub and arm.same_id(arm.scope_of_extension(doc.get("id")), arm.subscription_scope(sub)):
            out.add(sub)
    return sorted(out & ctx.state.readable_subscriptions)


async def _blob_listings(ctx: Ctx, options: CollectOptions, accounts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    async def one(doc: dict[str, Any]) -> None:
        with _recorded(ctx, doc["id"], operations.BLOB_LISTING):
            subs = _exporting_subscriptions(ctx, doc["id"])
            entries = await _newest_blobs(ctx, options, doc, subs)
            out.append({"id": doc["id"], "subscriptions": entries})

    await asyncio.gather(*(one(a) for a in accounts))
    return out


async def _newest_blobs(ctx: Ctx, options: CollectOptions, doc: dict[str, Any],
                        subs: list[str]) -> list[dict[str, Any]]:
    from azure.storage.blob.aio import ContainerClient

    name = str(doc.get("name") or arm.last_segment(doc.get("id")))
    account_url = options.blob_account_url(name, destinations.blob_endpoint(doc))
    suffix = None if options.emulator else ".blob." + CLOUDS[options.cloud_name].storage_suffix
    client = ContainerClient(account_url, delivery_facts.CONTAINER, credential=ctx.clients.credential,
                             transport=ctx.clients.transport, audience=STORAGE_AUDIENCE,
                             retry_policy=_guarded_retry(account_url, suffix, options.retry_backoff))
    try:
        entries = []
        for guid in subs:
            blob, modified = await _newest(ctx, client, delivery_facts.blob_prefix(guid))
            entries.append({"subscriptionId": guid, "newestBlob": blob,
                            "lastModified": delivery_facts.timestamp(modified) if modified else None})
        return entries
    finally:
        await client.close()


async def _newest(ctx: Ctx, client: Any, prefix: str) -> tuple[str | None, Any]:
    """Walk ``y=/m=/d=/h=/m=`` down the newest folder to the newest blob (a few listings, not thousands)."""
    from azure.storage.blob.aio import BlobPrefix

    while True:
        prefixes: list[str] = []
        blobs: list[Any] = []
        try:
            async with ctx.reader.slot(operations.BLOB_LISTING):
                async for item in client.walk_blobs(name_starts_with=prefix, delimiter="/"):
                    (prefixes.append(item.name) if isinstance(item, BlobPrefix) else blobs.append(item))
        except ResourceNotFoundError:
            return None, None  # no container: nothing was ever written
        except HttpResponseError:
            raise
        if blobs:
            newest = max(blobs, key=lambda b: (b.last_modified, b.name))
            return newest.name, newest.last_modified
        if not prefixes:
            return None, None
        prefix = max(prefixes, key=_folder_key)


def _folder_key(name: str) -> tuple[int, str]:
    last = name.rstrip("/").rsplit("/", 1)[-1]
    value = last.split("=", 1)[-1]
    return (int(value) if value.isdigit() else -1, name)


def _guarded_retry(account_url: str, suffix: str | None, backoff: float) -> Any:
    """azure-storage-blob's retry policy (it runs before the token policy) with the listing guard in front."""
    from azure.storage.blob.aio import ExponentialRetry

    class GuardedRetry(ExponentialRetry):  # type: ignore[misc]
        def increment(self, settings: Any, request: Any, response: Any = None, error: Any = None) -> bool:
            # a certificate error or a refused connection is not transient: fail now, not after 6 tries
            return False if permanent_failure(error) else bool(super().increment(settings, request, response, error))

        async def send(self, request: Any) -> Any:  # type: ignore[override]
            http = request.http_request
            check_blob_listing(http.url, http.method, account_url, suffix)
            # Storage throttles with 503 (retried by the SDK); a 429 from a proxy or gateway is retried here.
            for attempt in range(6):
                response = await super().send(request)
                if response.http_response.status_code != 429:
                    break
                wait = response.http_response.headers.get("Retry-After", "")
                await asyncio.sleep(min(30.0, float(wait) if wait.isdigit() else backoff * 2 ** attempt))
            return response

    return GuardedRetry(initial_backoff=max(1, int(backoff * 2)), increment_base=2, retry_total=6)
