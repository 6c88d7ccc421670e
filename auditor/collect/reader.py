"""Raw reads through the Azure SDK clients' pipelines, with paging and uniform failures.

Requests are ``azure.core.rest.HttpRequest`` objects (``requests.py``: the URLs and api-versions
the SDK operations send) sent with the client's public ``send_request``. Answers are kept as the
raw JSON the service returned: SDK models would rename keys to snake_case and drop unknown
properties, and the snapshot must hold documents exactly as REST returns them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import AzureError, ClientAuthenticationError
from azure.core.rest import HttpRequest

from auditor.collect.pipeline import Stats, WriteRefused
from auditor.errors import AuditorError


class SignInFailed(AuditorError):
    """No token, or ARM rejected it (401): nothing can be read, so the run stops (exit 2)."""

    exit_code = 2


@dataclass
class ReadFailure(Exception):
    """A read that failed for good (after retries): what the snapshot's ``errors`` records."""

    status: int | None
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


class Reader:
    """Bounded-concurrency raw reads. ``label`` names the operation in the call counters."""

    def __init__(self, endpoint: str, concurrency: int, stats: Stats,
                 on_call: Callable[[], None] | None = None) -> None:
        self._endpoint = endpoint.rstrip("/")
        self.concurrency = concurrency
        self._slots = asyncio.Semaphore(concurrency)
        self.stats = stats
        self._on_call = on_call

    @asynccontextmanager
    async def slot(self, label: str) -> AsyncIterator[None]:
        """A counted call slot for reads made by an SDK operation rather than :meth:`send`."""
        async with self._slots:
            self.stats.calls += 1
            self.stats.calls_by_operation[label] += 1
            try:
                yield
            finally:
                if self._on_call is not None:
                    self._on_call()

    async def send(self, client: Any, request: HttpRequest, label: str) -> Any:
        """One request; the parsed JSON body of a 2xx answer, else :class:`ReadFailure`."""
        async with self._slots:
            self.stats.calls += 1
            self.stats.calls_by_operation[label] += 1
            try:
                if request.url.startswith("/"):
                    request.url = self._endpoint + request.url
                response = await client.send_request(request, stream=False)
                body = response.content
            except WriteRefused:
                raise
            except ClientAuthenticationError as e:
                raise SignInFailed(f"cannot sign in to Azure: {_first_line(str(e))} (run 'az login', or set "
                                   "AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service "
                                   "principal; without Azure, try 'auditor emulate')") from None
            except AzureError as e:
                raise ReadFailure(None, type(e).__name__, _first_line(str(e))) from None
            finally:
                if self._on_call is not None:
                    self._on_call()
        status = response.status_code
        if 200 <= status < 300:
            try:
                return json.loads(body) if body else {}
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise ReadFailure(status, "InvalidResponse", "the answer is not JSON") from None
        code, message = _arm_error(body)
        if status == 401:
            raise SignInFailed(f"Azure rejected the token (401 {code or 'Unauthorized'}): {message}")
        raise ReadFailure(status, code or _reason(status), message or f"HTTP {status}")

    async def get_list(self, client: Any, request: HttpRequest, label: str,
                       link_keys: tuple[str, ...] = ("nextLink", "@odata.nextLink")) -> list[dict[str, Any]]:
        """Every item of a paged ARM list, following the next link to the end.

        A next link the guard refuses (a host that is neither the endpoint nor one of its regions)
        fails this read like any other failed page: :class:`ReadFailure`, recorded by the caller
        for its scope and operation, never an abort of the run.
        """
        items: list[dict[str, Any]] = []
        method = request.method
        body = _request_json(request)
        first = True
        while True:
            try:
                page = await self.send(client, request, label)
            except WriteRefused as refused:
                if first:
                    raise
                raise ReadFailure(None, "NextLinkRefused", _first_line(str(refused))) from None
            first = False
            values, link = list_page(page, link_keys)
            items.extend(values)
            if not link:
                return items
            request = HttpRequest(method, link, json=body) if body is not None else HttpRequest(method, link)


def list_page(page: Any, link_keys: tuple[str, ...] = ("nextLink",)) -> tuple[list[dict[str, Any]], str | None]:
    """One page of an ARM list: its objects, and the link to the next page (None at the end; ARM
    sends ``"@nextLink": null`` or no member). No ``value`` list: :class:`ReadFailure`."""
    value = page.get("value") if isinstance(page, dict) else None
    if not isinstance(value, list):
        raise ReadFailure(200, "InvalidResponse", "the answer has no 'value' list")
    link = next((page[k] for k in link_keys if isinstance(page.get(k), str) and page[k]), None)
    return [v for v in value if isinstance(v, dict)], link


def _request_json(request: HttpRequest) -> Any:
    content = request.content
    if content is None:
        return None
    try:
        return json.loads(content)
    except (TypeError, ValueError):
        return None


def _arm_error(body: bytes | None) -> tuple[str, str]:
    try:
        parsed = json.loads(body) if body else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        return "", ""
    err = parsed.get("error") if isinstance(parsed, dict) else None
    if isinstance(err, dict):
        return str(err.get("code") or ""), _first_line(str(err.get("message") or ""))
    return "", ""


def _reason(status: int) -> str:
    return {400: "BadRequest", 401: "AuthenticationFailed", 403: "AuthorizationFailed", 404: "NotFound",
            409: "Conflict", 429: "TooManyRequests", 500: "InternalServerError", 502: "BadGateway",
            503: "ServiceUnavailable", 504: "GatewayTimeout"}.get(status, f"HTTP{status}")


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:500]
