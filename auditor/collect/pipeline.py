"""The HTTP pipeline every SDK client of a collection shares in spirit: guards, retries, counters.

Each Azure SDK client gets an explicit policy list (instead of the generated default) so that:

- nothing but a read leaves the process: :class:`ReadOnlyGuardPolicy` refuses any method but GET
  and POSTs to the known query endpoints, before authentication adds a token; the default
  ``ARMAutoResourceProviderRegistrationPolicy`` (which would *register* a provider on a 409) is
  left out;
- a bearer token only goes to the configured endpoint and its regional hosts (``westus.`` in
  front of it, where PolicyInsights pages policy states): the guard refuses any other
  scheme/host/port (:mod:`auditor.collect.hosts`), so a ``nextLink`` pointing elsewhere can never
  receive the token;
- transient failures (429, 500, 502, 503, 504, dropped connections) are retried with exponential
  backoff and full jitter, ``Retry-After`` is honoured, the read-only POSTs are retried too, and
  every retry is counted; a certificate that does not verify and a refused connection are not
  transient (:func:`permanent_failure`) and fail at once instead of after a minute of retries;
- ARM's rate-limit headers pause the reads of a nearly spent bucket before ARM refuses them.
"""

from __future__ import annotations

import asyncio
import random
import re
import ssl
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
from azure.core.credentials import AccessToken
from azure.core.exceptions import AzureError
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import (
    AsyncHTTPPolicy,
    AsyncRetryPolicy,
    HeadersPolicy,
    RequestIdPolicy,
    SansIOHTTPPolicy,
    UserAgentPolicy,
)
from azure.core.pipeline.transport import AioHttpTransport
from azure.mgmt.core.policies import AsyncARMChallengeAuthenticationPolicy

from auditor import __version__
from auditor.collect.hosts import HostPolicy, LoopbackResolver

# POST endpoints that only read (path suffixes, lower case).
READ_ONLY_POSTS = (
    "/providers/microsoft.resourcegraph/resources",
    "/providers/microsoft.policyinsights/policystates/latest/queryresults",
    "/providers/microsoft.management/getentities",
)
RATE_LIMIT_HEADERS = (
    "x-ms-ratelimit-remaining-subscription-reads",
    "x-ms-ratelimit-remaining-tenant-reads",
)
LOW_WATERMARK = 10  # remaining reads below which the run pauses briefly
ARG_PATH = "/providers/microsoft.resourcegraph/resources"
PLACEHOLDER_TOKEN = "auditor-emulator-placeholder-token"


class WriteRefused(AzureError):
    """A request that is not a read, or that targets another host, was stopped before sending."""


@dataclass
class Stats:
    """Counters of one run. ``calls`` are logical requests (pages included), ``attempts`` every send."""

    calls: int = 0
    attempts: int = 0
    retries: int = 0
    retry_reasons: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    throttle_pauses: int = 0
    calls_by_operation: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "attempts": self.attempts,
            "retries": self.retries,
            "retryReasons": dict(sorted(self.retry_reasons.items())),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "throttlePauses": self.throttle_pauses,
            "callsByOperation": dict(sorted(self.calls_by_operation.items())),
        }


class Gate:
    """Pauses per ARM read bucket: when ARM says a bucket is nearly spent, new sends drawing from it
    wait. ARM keeps one read bucket per subscription and one for tenant-level reads (groups, the
    subscription list, policy states at a group...); Resource Graph has its own user quota."""

    def __init__(self) -> None:
        self.not_before: dict[str, float] = {}

    async def wait(self, bucket: str) -> None:
        delay = self.not_before.get(bucket, 0.0) - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    def pause(self, bucket: str, seconds: float) -> None:
        self.not_before[bucket] = max(self.not_before.get(bucket, 0.0), time.monotonic() + seconds)


def bucket_of(url: str) -> str:
    """The read bucket a request draws from: Resource Graph, a subscription, or the tenant."""
    path = urlsplit(url).path.lower().rstrip("/")
    if path.endswith(ARG_PATH):
        return "resourceGraph"
    parts = path.split("/")
    if len(parts) > 2 and parts[1] == "subscriptions" and parts[2]:
        return "subscription:" + parts[2]
    return "tenant"


class StaticTokenCredential:
    """The emulator's placeholder credential: a fixed fake token, no identity, no network."""

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(PLACEHOLDER_TOKEN, int(time.time()) + 24 * 3600)

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> StaticTokenCredential:
        return self

    async def __aexit__(self, *args: Any) -> None:
        return None


class ReadOnlyGuardPolicy(SansIOHTTPPolicy[Any, Any]):
    """Refuses writes and foreign hosts before a token is attached."""

    def __init__(self, endpoint: str) -> None:
        self._hosts = HostPolicy(endpoint)

    def on_request(self, request: PipelineRequest[Any]) -> None:
        http = request.http_request
        parts = urlsplit(http.url)
        if not self._hosts.allows(http.url):
            raise WriteRefused(f"refusing to send a request to {parts.scheme}://{parts.netloc}: "
                               f"only {self._hosts.describe()} are allowed")
        method = http.method.upper()
        if method == "GET":
            return
        if method == "POST" and parts.path.lower().rstrip("/").endswith(READ_ONLY_POSTS):
            return
        raise WriteRefused(f"refusing {method} {parts.path}: collection is read-only")


# The data-plane reads of ``collect --verify-delivery`` (see auditor/collect/delivery.py).
LOG_QUERY_PATH = re.compile(r"^/v1/workspaces/[0-9A-Fa-f-]{36}/query$")
BLOB_CONTAINER = "insights-activity-logs"


class LogQueryGuardPolicy(SansIOHTTPPolicy[Any, Any]):
    """Only ``POST /v1/workspaces/{id}/query`` (a read-only Log Analytics query), only to the
    cloud's Log Analytics host, refused before a token is attached."""

    def __init__(self, endpoint: str) -> None:
        parts = urlsplit(endpoint)
        self._scheme, self._netloc = parts.scheme, parts.netloc.lower()

    def on_request(self, request: PipelineRequest[Any]) -> None:
        http = request.http_request
        parts = urlsplit(http.url)
        if parts.scheme != self._scheme or parts.netloc.lower() != self._netloc:
            raise WriteRefused(f"refusing to send a request to {parts.scheme}://{parts.netloc}: "
                               f"only {self._scheme}://{self._netloc} is allowed for log queries")
        if http.method.upper() == "POST" and LOG_QUERY_PATH.match(parts.path):
            return
        raise WriteRefused(f"refusing {http.method.upper()} {parts.path}: only log queries are allowed")


def check_blob_listing(url: str, method: str, account_url: str, host_suffix: str | None) -> None:
    """Raise WriteRefused unless the request lists the activity-log container of that one account.

    ``host_suffix`` (Azure mode, e.g. ``.blob.core.windows.net``): the account's host must end
    with it, so a blob endpoint read from an ARM document can never send a token elsewhere.
    """
    parts, account = urlsplit(url), urlsplit(account_url)
    host = parts.netloc.lower()
    if parts.scheme != "https" or host != account.netloc.lower() or (host_suffix and not host.endswith(host_suffix)):
        raise WriteRefused(f"refusing to send a request to {parts.scheme}://{parts.netloc}: not the storage "
                           f"account's blob endpoint {account.netloc}")
    query = {k.lower(): v for k, v in parse_qs(parts.query).items()}
    expected_path = account.path.rstrip("/") + "/" + BLOB_CONTAINER
    if method.upper() != "GET" or parts.path.rstrip("/") != expected_path or query.get("restype") != ["container"] \
            or query.get("comp") != ["list"]:
        raise WriteRefused(f"refusing {method.upper()} {parts.path}: only listing {BLOB_CONTAINER} is allowed")


def permanent_failure(error: BaseException | None) -> bool:
    """A failure no retry can mend: the server's certificate does not verify, or nobody listens.

    The SDK wraps aiohttp's error (``ServiceRequestError.inner_exception``), which wraps the OS's.
    """
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, (ssl.SSLCertVerificationError, aiohttp.ClientConnectorCertificateError,
                              ConnectionRefusedError)):
            return True
        if isinstance(error, aiohttp.ClientConnectorError) and isinstance(error.os_error, ConnectionRefusedError):
            return True
        error = getattr(error, "inner_exception", None) or error.__cause__ or error.__context__
    return False


# Every POST this pipeline may send is a read-only query (ReadOnlyGuardPolicy), so it is as safe
# to repeat as a GET.
READ_METHODS = frozenset({"GET", "POST"})


class CountingRetryPolicy(AsyncRetryPolicy):
    """azure-core's retry policy with full jitter, retried read-only POSTs and counted retries.

    Configured only through azure-core's documented settings: the constructor's ``retry_*``
    keywords, and ``retry_on_methods``, the per-operation setting of azure-core's RetryPolicy
    documentation, defaulted here for every call (a caller's own value still wins).
    """

    def __init__(self, stats: Stats, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._stats = stats

    def configure_retries(self, options: dict[str, Any]) -> dict[str, Any]:
        options.setdefault("retry_on_methods", READ_METHODS)
        return super().configure_retries(options)

    def get_backoff_time(self, settings: dict[str, Any]) -> float:
        base = super().get_backoff_time(settings)
        return random.uniform(base / 2, base) if base > 0 else random.uniform(0, min(0.2, settings["backoff"]))

    def increment(self, settings: dict[str, Any], response: Any = None, error: Exception | None = None) -> bool:
        if permanent_failure(error):
            return False
        again = super().increment(settings, response=response, error=error)
        if again:
            self._stats.retries += 1
            if error is not None:
                self._stats.retry_reasons[type(error).__name__] += 1
            elif isinstance(response, PipelineResponse):
                self._stats.retry_reasons[str(response.http_response.status_code)] += 1
        return again


class AttemptPolicy(AsyncHTTPPolicy[Any, Any]):
    """Counts every attempt and its status, waits at the shared gate, reads rate-limit headers."""

    def __init__(self, stats: Stats, gate: Gate) -> None:
        super().__init__()
        self._stats = stats
        self._gate = gate

    async def send(self, request: PipelineRequest[Any]) -> PipelineResponse[Any, Any]:
        bucket = bucket_of(request.http_request.url)
        # Resource Graph has its own quota, and its POSTs also count as tenant-level ARM requests.
        arm_bucket = "tenant" if bucket == "resourceGraph" else bucket
        await self._gate.wait(arm_bucket)
        if bucket != arm_bucket:
            await self._gate.wait(bucket)
        self._stats.attempts += 1
        response = await self.next.send(request)
        headers = response.http_response.headers
        self._stats.statuses[response.http_response.status_code] += 1
        for name in RATE_LIMIT_HEADERS:
            value = headers.get(name)
            if value is not None and value.isdigit() and int(value) < LOW_WATERMARK:
                # ARM refills about 25 read tokens a second: a short pause of that bucket avoids 429s.
                self._gate.pause(arm_bucket, 0.2 + 0.1 * (LOW_WATERMARK - int(value)))
                self._stats.throttle_pauses += 1
                break
        if bucket == "resourceGraph":
            remaining = headers.get("x-ms-user-quota-remaining")
            resets = headers.get("x-ms-user-quota-resets-after")
            if remaining is not None and remaining.strip() == "0" and resets:
                self._gate.pause(bucket, _hms_seconds(resets))
                self._stats.throttle_pauses += 1
        return response


def _hms_seconds(value: str) -> float:
    """``hh:mm:ss`` (Resource Graph's quota reset) in seconds; 1 when unparsable."""
    try:
        h, m, s = value.strip().split(":")
        return min(60.0, int(h) * 3600 + int(m) * 60 + float(s))
    except ValueError:
        return 1.0


def build_log_query_policies(endpoint: str, credential: Any, stats: Stats, gate: Gate, backoff: float) -> list[Any]:
    """The LogsQueryClient's pipeline: :class:`LogQueryGuardPolicy` first, then as for ARM."""
    from azure.core.pipeline.policies import AsyncBearerTokenCredentialPolicy

    return [
        LogQueryGuardPolicy(endpoint),
        RequestIdPolicy(),
        HeadersPolicy(),
        UserAgentPolicy(base_user_agent=f"auditor/{__version__}"),
        CountingRetryPolicy(stats, retry_total=10, retry_connect=6, retry_read=6, retry_status=8,
                            retry_backoff_factor=backoff, retry_backoff_max=30),
        AsyncBearerTokenCredentialPolicy(credential, endpoint.rstrip("/") + "/.default"),
        AttemptPolicy(stats, gate),
    ]


def build_policies(endpoint: str, scope: str, credential: Any, stats: Stats, gate: Gate,
                   backoff: float) -> list[Any]:
    """A fresh policy list for one client (policy objects are chained per pipeline, never shared).

    No ContentDecodePolicy: answers are parsed once, by the reader, as raw JSON.
    """
    return [
        ReadOnlyGuardPolicy(endpoint),
        RequestIdPolicy(),
        HeadersPolicy(),
        UserAgentPolicy(base_user_agent=f"auditor/{__version__}"),
        CountingRetryPolicy(stats, retry_total=10, retry_connect=6, retry_read=6, retry_status=8,
                            retry_backoff_factor=backoff, retry_backoff_max=30),
        AsyncARMChallengeAuthenticationPolicy(credential, scope),
        AttemptPolicy(stats, gate),
    ]


def make_transport(concurrency: int, ca_cert: str | None) -> tuple[AioHttpTransport, aiohttp.ClientSession]:
    """One aiohttp session for every client.

    Emulator mode (``ca_cert`` given) trusts only the emulator's CA, ignores proxy settings and
    resolves only ``localhost`` names, to loopback (regional aliases ``westus.localhost``);
    Azure mode uses the system trust store and resolver and honours the usual proxy environment.
    """
    ctx = ssl.create_default_context(cafile=ca_cert) if ca_cert else ssl.create_default_context()
    resolver = LoopbackResolver() if ca_cert else None
    connector = aiohttp.TCPConnector(ssl=ctx, limit=concurrency + 8, ttl_dns_cache=300, resolver=resolver)
    session = aiohttp.ClientSession(connector=connector, trust_env=ca_cert is None, auto_decompress=False)
    # aiohttp silently resends a GET once when a kept-alive connection drops; turn that off so
    # every retry goes through CountingRetryPolicy (backoff, jitter, and counted).
    session._retry_connection = False
    return AioHttpTransport(session=session, session_owner=False), session
