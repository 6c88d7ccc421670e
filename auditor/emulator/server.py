"""The aiohttp application: ARM's request pipeline in front of the routes.

Order per request, as ARM and the network would apply it: added latency, injected fault
(status or dropped connection), bearer token (401), writes refused (405), api-version
required (400), read throttling (429 + Retry-After), the role's actions when one is given
(403 AuthorizationFailed; see authorization.py), errors recorded in the snapshot
(403/404/500... for that scope and operation), then the route's answer. Every answer carries
the remaining-reads header of the bucket it drew from; every request is logged.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from aiohttp import web

from auditor.azure import arm
from auditor.emulator import dataplane, resourcegraph
from auditor.emulator.authorization import Role, arm_action, data_actions_for, forbidden_message, row_action
from auditor.emulator.http import Answer, Call, Ctx, arm_error
from auditor.emulator.routes import RESOURCE_GRAPH, Route, resolve
from auditor.emulator.store import SnapshotStore
from auditor.emulator.traffic import RESET, FaultInjector, Throttle, parse_fault_spec

_API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview|-beta|-alpha)?$", re.I)
SUB_HEADER = "x-ms-ratelimit-remaining-subscription-reads"
TENANT_HEADER = "x-ms-ratelimit-remaining-tenant-reads"
_FAULT_CODES = {429: "TooManyRequests", 500: "InternalServerError", 502: "BadGateway",
                503: "ServiceUnavailable", 504: "GatewayTimeout"}


@dataclass
class EmulatorOptions:
    """Behaviour knobs; the CLI options of ``auditor emulate`` map one to one."""

    port: int = 0
    page_size: int = 100
    latency_ms: int = 0
    faults: str | dict[str, float] | None = None
    seed: int = 0
    request_log: str | Path | None = None
    throttle_bucket: int = 250
    throttle_refill: float = 25.0
    ca_dir: str | Path | None = None
    regional_next_links: bool = False  # serve as localhost; paging links on <region>.localhost
    role: str | Path | dict[str, Any] | None = None  # enforce this role: 403 for actions it lacks


class ArmEmulator:
    """Request pipeline over a :class:`SnapshotStore`; ``app`` is the aiohttp application."""

    def __init__(self, store: SnapshotStore, options: EmulatorOptions) -> None:
        if options.page_size < 1:
            raise ValueError("page size must be at least 1")
        self.store = store
        self.options = options
        self.ctx = Ctx(store, page_size=options.page_size, regional_links=options.regional_next_links)
        self.faults = FaultInjector(parse_fault_spec(options.faults), options.seed)
        self.throttle = Throttle(options.throttle_bucket, options.throttle_refill)
        self.role = Role.from_source(options.role) if options.role is not None else None
        self._log: IO[str] | None = None
        if options.request_log:
            self._log = open(options.request_log, "w", encoding="utf-8")  # noqa: SIM115 (closed in close())
        self.requests = 0
        self.app = web.Application(client_max_size=8 * 1024 * 1024)
        self.app.router.add_route("*", "/{tail:.*}", self.handle)

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        started = time.perf_counter()
        if self.options.latency_ms > 0:
            await asyncio.sleep(self.options.latency_ms / 1000.0)
        fault = self.faults.draw()
        bucket = _bucket_of(request.path)
        if fault == RESET:
            self._write_log(request, None, fault, started)
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # aiohttp drops the request without writing an answer
        throttled = False
        if fault is not None:
            status = int(fault)
            answer = arm_error(status, _FAULT_CODES.get(status, "InjectedFault"),
                               f"Injected fault {status} (emulator --faults).")
            if status == 429:
                answer.headers["Retry-After"] = "1"
        else:
            answer, throttled = await self._answer(request, bucket)
        header = SUB_HEADER if bucket != "tenant" else TENANT_HEADER
        answer.headers.setdefault(header, str(self.throttle.remaining(bucket)))
        self._write_log(request, answer.status, fault, started, throttled)
        if answer.raw is not None:
            body = answer.raw
        else:
            body = b"" if answer.body is None else json.dumps(answer.body, separators=(",", ":")).encode()
        return web.Response(status=answer.status, body=body, headers=answer.headers,
                            content_type=answer.content_type)

    async def _answer(self, request: web.Request, bucket: str) -> tuple[Answer, bool]:
        auth = request.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            message = "Authentication failed. The 'Authorization' header is missing or not a Bearer token."
            return arm_error(401, "AuthenticationFailed", message), False
        call = Call(method=request.method.upper(), path=request.path, raw_path=request.rel_url.raw_path,
                    query_pairs=list(request.query.items()), base_url=f"https://{request.host}")
        if dataplane.is_data_plane(call.method, call.path):
            # Log Analytics and Azure Storage data planes: no api-version, no ARM throttling.
            body = await request.read() if request.can_read_body else b""
            if self.role is not None:
                needed = data_actions_for(call.method, body)
                if not all(self.role.allows(action, data=is_data) for action, is_data in needed):
                    return dataplane.forbidden(call.method), False
            return dataplane.answer(self.store, call), False
        resolved = resolve(self.ctx, call.method, call.path)
        if isinstance(resolved, Answer):
            return resolved, False
        version = call.param("api-version")
        if not version:
            return arm_error(400, "MissingApiVersionParameter",
                             "The api-version query parameter (?api-version=) is required for all requests."), False
        if not _API_VERSION.match(version):
            return arm_error(400, "InvalidApiVersionParameter", f"The api-version '{version}' is invalid."), False
        allowed, remaining, wait = self.throttle.take(bucket)
        if not allowed:
            headers = {"Retry-After": str(wait)}
            return arm_error(429, "TooManyRequests",
                             f"Number of read requests for {bucket} exceeded the limit. Please try again after "
                             f"{wait} seconds.", headers), True
        if self.role is not None:
            action = arm_action(call.method, call.path)
            if not self.role.allows(action):
                return arm_error(403, "AuthorizationFailed", forbidden_message(action, resolved.scope)), False
        recorded = self._recorded_error(resolved)
        if recorded is not None:
            return recorded, False
        if resolved.operation == RESOURCE_GRAPH:
            return await self._resource_graph(request), False
        if request.can_read_body:
            await request.read()
        return resolved.handler(self.ctx, call, resolved.args), False

    def _recorded_error(self, route: Route) -> Answer | None:
        err = self.store.error_for(route.scope, route.operation, route.resource_id)
        if err is None:
            return None
        status = err.status or (403 if err.code == "AuthorizationFailed" else 500)
        code = err.code or ("AuthorizationFailed" if status == 403 else "RecordedError")
        message = err.message or f"Recorded in the snapshot: {err.operation} at {err.scope or '/'} failed."
        return arm_error(status, code, message)

    async def _resource_graph(self, request: web.Request) -> Answer:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return arm_error(400, "InvalidRequestContent", "The request body is not JSON.")
        if not isinstance(body, dict):
            return arm_error(400, "InvalidRequestContent", "The request body must be a JSON object.")
        try:
            role = self.role
            visible = None if role is None else (lambda row: role.allows(row_action(row)))
            return Answer(200, resourcegraph.handle_query(self.store, body, visible))
        except ValueError as e:
            return arm_error(400, "BadRequest", str(e))

    def _write_log(self, request: web.Request, status: int | None, fault: str | None, started: float,
                   throttled: bool = False) -> None:
        if self._log is None:
            return
        entry: dict[str, Any] = {"method": request.method, "host": request.host, "path": request.path_qs,
                                 "status": status,
                                 "fault": fault, "ms": round((time.perf_counter() - started) * 1000, 2)}
        if throttled:
            entry["throttled"] = True
        self._log.write(json.dumps(entry, separators=(",", ":")) + "\n")
        self._log.flush()


def _bucket_of(path: str) -> str:
    """Throttling bucket: the subscription the path lies in, else the tenant."""
    sub = arm.subscription_id_of(path)
    return f"subscription:{sub}" if sub else "tenant"

