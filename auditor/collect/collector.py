"""One collection run: the order of the steps, and the public entry point :func:`run_collection`.

Steps (everything that does not depend on an earlier answer runs at the same time):

1. root group; then, concurrently: the tree walk (with per-group reads), ``GET /subscriptions``,
   Resource Graph's subscription list, the bulk Resource Graph queries (policy, alerts) and the
   policy-state query at the root group;
2. per subscription of the tree: diagnostic settings and log profiles (the only per-subscription
   calls), plus the REST fallback for subscriptions Resource Graph does not cover;
3. references: definitions, role assignments of policy identities, destinations (then their
   retention settings and Sentinel), action groups;
4. with ``--verify-delivery`` only: Defender plans, category sources and the data planes of the
   destinations (``collect/delivery.py``).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from auditor.collect import argshape, bulk, delivery, destination_details, references, walk
from auditor.collect.clients import open_clients
from auditor.collect.context import Ctx
from auditor.collect.options import CollectOptions, management_group_name, validate
from auditor.collect.output import build_snapshot_document, write_snapshot
from auditor.collect.pipeline import Gate, Stats
from auditor.collect.progress import Progress, summary_line, terminal_attached
from auditor.collect.reader import Reader
from auditor.collect.state import Collection
from auditor.errors import InputError
from auditor.termtext import clean_line


@dataclass
class CollectResult:
    """What a run produced. ``incomplete`` means ``errors`` is not empty (the CLI exits 3)."""

    snapshot: dict[str, Any]
    output: str | None
    stats: Stats
    seconds: float
    subscriptions: int
    errors: list[dict[str, Any]] = field(default_factory=list)
    redacted: int = 0  # credential values removed before the snapshot was written

    @property
    def incomplete(self) -> bool:
        return bool(self.errors)

    @property
    def calls(self) -> int:
        return self.stats.calls

    @property
    def retries(self) -> int:
        return self.stats.retries

    def summary(self) -> str:
        line = summary_line(self.stats, self.subscriptions, len(self.errors), self.seconds, self.output)
        if self.redacted:
            line += f", {self.redacted} secret value(s) redacted"
        if not self.errors:
            return line
        # the first error on the same line: a wrong --management-group or endpoint is visible at once
        e = self.errors[0]
        what = "anything" if e.get("operation") == "*" else f"'{e.get('operation')}'"
        message = " ".join(str(e.get("message") or "").split())
        message = message if len(message) <= 160 else message[:157] + "..."
        status = f"{e.get('status')} " if e.get("status") else ""
        return (f"{line}; first: could not read {what} at {e.get('scope')} ({status}{e.get('code')})"
                + (f": {message}" if message else ""))


def run_collection(options: CollectOptions) -> CollectResult:
    """Collect (read-only) into a snapshot; writes ``options.output`` when set.

    Raises :class:`auditor.errors.InputError` (exit 2) for bad options before any request. An
    unreadable scope never raises: it is recorded in ``errors`` and the run goes on.
    """
    validate(options)
    group = management_group_name(options.management_group) if options.management_group else None
    stats = Stats()
    started = time.monotonic()
    # azure-identity logs every credential it tried at WARNING; a failed sign-in is reported as
    # one line (SignInFailed) instead.
    logging.getLogger("azure.identity").setLevel(logging.ERROR)
    show = terminal_attached() if options.progress is None else options.progress
    with Progress(show, stats) as progress, sdk_logs_silenced():
        state = asyncio.run(_collect(options, group, stats, progress))
    snapshot = build_snapshot_document(state, options.cloud_name)
    out = None
    if options.output is not None:
        out = str(options.output)
        write_snapshot(snapshot, out)
    result = CollectResult(snapshot=snapshot, output=out, stats=stats, seconds=time.monotonic() - started,
                           subscriptions=len(state.readable_subscriptions), errors=list(snapshot["errors"]),
                           redacted=state.redacted)
    if options.summary:
        print(clean_line(result.summary()), file=sys.stderr)  # names the first error: Azure's text
    return result


@contextmanager
def sdk_logs_silenced() -> Iterator[None]:
    """The Azure SDKs log what they then raise (a storage error body that is not XML prints
    "Wasn't XML not JSON, failing", twice); the run records each failure itself, once, in the
    snapshot's errors. azure.identity keeps its own level (set above)."""
    sdk = logging.getLogger("azure")
    level = sdk.level
    sdk.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        sdk.setLevel(level)


async def _collect(options: CollectOptions, group: str | None, stats: Stats, progress: Progress) -> Collection:
    state = Collection()
    async with AsyncExitStack() as stack:
        clients = await open_clients(options, stats, Gate(), stack)
        reader = Reader(options.endpoint, options.concurrency, stats, on_call=progress.call_done)
        ctx = Ctx(clients, reader, state, progress)
        root = await walk.discover_root(ctx, group)
        if root is None:
            _refuse_unusable_start(state, options, group)
            return state
        try:
            graph_ok = await _steps(ctx, root)
            if options.verify_delivery:
                state.delivery = await delivery.verify_delivery(ctx, options, graph_ok)
        except BaseException:
            # A fatal error (sign-in lost, a refused write): stop every read still in flight before
            # the clients close, so nothing runs on against closed sessions.
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in others:
                t.cancel()
            await asyncio.gather(*others, return_exceptions=True)
            raise
    return state


async def _steps(ctx: Ctx, root: dict[str, Any]) -> bool:
    """The ordinary collection; True when the bulk Resource Graph queries answered."""
    state = ctx.state
    ctx.progress.add_total("bulk queries", 4)
    states_task = asyncio.create_task(bulk.group_policy_states(ctx))
    bulk_tasks = asyncio.gather(bulk.graph_subscriptions(ctx), bulk.graph_documents(ctx, argshape.POLICY_KINDS),
                                bulk.graph_documents(ctx, argshape.ALERT_KINDS))
    listed_task = asyncio.create_task(walk.list_subscriptions(ctx))
    # A bounded pool of workers reads subscriptions as the walk finds them: one pending task per
    # subscription would hold 10,000 coroutines (and their memory) at once.
    queue: asyncio.Queue[str] = asyncio.Queue()
    fatal: list[BaseException] = []

    async def worker() -> None:
        while True:
            guid = await queue.get()
            try:
                if not fatal:  # after a fatal error the queue is only drained
                    await walk.subscription_reads(ctx, guid)
            except Exception as e:  # raised again below, once the queue is drained
                fatal.append(e)
            finally:
                queue.task_done()

    workers = [asyncio.create_task(worker()) for _ in range(ctx.reader.concurrency)]

    def start_reads(guid: str) -> None:
        ctx.progress.add_total("subscriptions", 1)
        queue.put_nowait(guid)

    await walk.walk_tree(ctx, root, start_reads)
    await walk.settle_subscriptions(ctx, await listed_task, start_reads)
    covered, policy_docs, alert_docs = await bulk_tasks
    graph_ok = covered is not None and policy_docs is not None and alert_docs is not None
    if graph_ok:
        assert covered is not None
        state.fallback_subscriptions = {g for g in state.readable_subscriptions if g not in covered}
        bulk.keep_graph_documents(ctx, (policy_docs or []) + (alert_docs or []))
    else:
        state.fallback_subscriptions = set(state.readable_subscriptions)
    await asyncio.gather(queue.join(), *(bulk.fallback_reads(ctx, g) for g in sorted(state.fallback_subscriptions)))
    for w in workers:
        w.cancel()
    if fatal:
        raise fatal[0]
    walk.collapse_unreadable_subscriptions(ctx, bulk.FALLBACK_OPERATIONS)
    await asyncio.gather(references.definitions(ctx), _destinations(ctx, graph_ok),
                         references.action_groups(ctx, graph_ok), references.role_assignments(ctx, graph_ok),
                         bulk.exemption_reads(ctx))
    states = await states_task
    if states is not None:
        bulk.keep_policy_states(ctx, states)
    return graph_ok


async def _destinations(ctx: Ctx, graph_ok: bool) -> None:
    """The destinations exports name, then what they do with the log (retention, Sentinel)."""
    await references.destinations(ctx, graph_ok)
    await destination_details.destination_details(ctx)


def _refuse_unusable_start(state: Collection, options: CollectOptions, group: str | None) -> None:
    """Nothing was read at all: say why in one line (exit 2) when the cause is the user's input.

    An endpoint that never answered (no HTTP status) or a ``--management-group`` that does not
    exist is a usage problem, not an incomplete audit; a 403 on the start stays exit 3.
    """
    for err in state.errors.values():
        if err["status"] is None and err["code"] not in ("NoRootGroup",):
            raise InputError(f"cannot reach {options.endpoint}: {err['code']}: {err['message']}")
        if group and err["status"] == 404:
            raise InputError(f"management group '{group}' was not found (404 {err['code']}); "
                             "check --management-group (name or id)")
