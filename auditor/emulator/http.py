"""Transport-neutral request/answer types shared by the emulator's routes.

Routes are plain functions from a :class:`Call` to an :class:`Answer`, so they are cheap to
test and never touch aiohttp; ``server.py`` adapts them to HTTP.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from auditor.emulator.store import SnapshotStore

SKIP_TOKEN = "$skiptoken"


@dataclass
class Call:
    """One request: method, decoded path, query pairs in order, and the URL base clients used."""

    method: str
    path: str
    raw_path: str  # percent-encoded path as received, reused in nextLink
    query_pairs: list[tuple[str, str]]
    base_url: str  # e.g. https://127.0.0.1:8443
    body: Any = None
    _lower: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for k, v in self.query_pairs:
            self._lower.setdefault(k.lower(), v)

    def param(self, name: str) -> str | None:
        """Query parameter by case-insensitive name (ARM treats ``$skipToken``/``$skiptoken`` alike)."""
        return self._lower.get(name.lower())

    def link_with(self, base_url: str | None = None, **params: str) -> str:
        """Absolute URL of this request (on ``base_url``, default the one the client used) with
        ``params`` replacing same-named query parameters."""
        drop = {k.lower() for k in params}
        pairs = [(k, v) for k, v in self.query_pairs if k.lower() not in drop] + list(params.items())
        return f"{base_url or self.base_url}{self.raw_path}?{urlencode(pairs, quote_via=quote, safe='$()')}"


# Regions the emulator's regional paging links name, in turn (real ARM: westus.management.azure.com).
REGIONS = ("westus", "eastus2", "northeurope")


def regional_base(base_url: str, page: int) -> str:
    """``https://<region>.localhost:PORT`` for the ``page``-th link, from the base a client used."""
    port = urlsplit(base_url).port
    return f"https://{REGIONS[page % len(REGIONS)]}.localhost" + (f":{port}" if port else "")


@dataclass
class Answer:
    status: int
    body: Any = None  # JSON-serialisable (ARM and Log Analytics)
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # sent as is instead of ``body`` (Azure Storage answers XML)
    content_type: str = "application/json"


def arm_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Answer:
    """An ARM error body: ``{"error": {"code": ..., "message": ...}}``."""
    return Answer(status, {"error": {"code": code, "message": message}}, headers or {})


class ListCache:
    """Bounded memo of computed list results, so paging through N pages costs one computation."""

    def __init__(self, capacity: int = 1024) -> None:
        self._data: OrderedDict[tuple[str, ...], list[Any]] = OrderedDict()
        self._capacity = capacity

    def get_or_build(self, key: tuple[str, ...], build: Callable[[], list[Any]]) -> list[Any]:
        hit = self._data.get(key)
        if hit is not None:
            return hit
        value = build()
        self._data[key] = value
        if len(self._data) > self._capacity:
            self._data.popitem(last=False)
        return value


@dataclass
class Ctx:
    """What every route needs: the store, paging size and the list memo."""

    store: SnapshotStore
    page_size: int = 100
    cache: ListCache = field(default_factory=ListCache)
    regional_links: bool = False  # paging links on regional aliases (<region>.localhost), as ARM's

    def page(self, call: Call, items: list[Any], *, link_keys: tuple[str, ...] = ("nextLink",),
             value_key: str = "value", extra: dict[str, Any] | None = None, limit: int | None = None) -> Answer:
        """One page of ``items`` from the request's ``$skiptoken`` (an offset), with a nextLink
        back to the emulator when more remain. ``limit`` caps the total (``$top``)."""
        token = call.param(SKIP_TOKEN)
        start = 0
        if token:
            try:
                start = int(token)
            except ValueError:
                return arm_error(400, "InvalidSkipToken", f"The skip token {token!r} is not valid.")
            if start < 0:
                return arm_error(400, "InvalidSkipToken", f"The skip token {token!r} is not valid.")
        total = len(items) if limit is None else min(limit, len(items))
        end = min(start + self.page_size, total)
        body: dict[str, Any] = dict(extra or {})
        body[value_key] = items[start:end]
        if end < total:
            base = regional_base(call.base_url, end // self.page_size) if self.regional_links else None
            link = call.link_with(base, **{SKIP_TOKEN: str(end)})
            for key in link_keys:
                body[key] = link
        return Answer(200, body)

    def whole(self, items: list[Any]) -> Answer:
        """An unpaged list (ARM does not page diagnostic settings, log profiles, action groups...)."""
        return Answer(200, {"value": items})


def parse_bool(value: str | None) -> bool:
    return (value or "").strip().lower() in {"true", "1", "yes"}


def quote_path(path: str) -> str:
    return quote(path, safe="/:@!$&'()*+,;=")
