"""Which hosts a collection may send its token to, and how emulator mode resolves them.

ARM answers on its global host and on regional hosts of the same cloud: PolicyInsights pages
policy states with ``@odata.nextLink`` on ``https://westus.management.azure.com/...``. A
regional host is one DNS label (the region, letters and digits: ``westus``, ``westus2``,
``usgovvirginia``, ``chinanorth3``) in front of the configured endpoint's host, same scheme,
same port. Anything else -- another domain, a deeper name, another port or scheme, an IP
address endpoint -- is refused before a token is attached.

In emulator mode the endpoint is ``https://localhost:PORT`` and regional aliases are
``<region>.localhost:PORT``. RFC 6761 reserves ``localhost`` and every name below it for the
loopback interface, but the system resolver need not know that, so emulator mode resolves
``localhost`` and ``*.localhost`` to 127.0.0.1 itself and resolves nothing else.
"""

from __future__ import annotations

import re
import socket
from typing import Any
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult

_REGION = re.compile(r"[a-z][a-z0-9]{0,62}")
LOOPBACK_NAME = "localhost"


class HostPolicy:
    """The scheme and hosts (with port) a run may talk to: its endpoint and that endpoint's regions."""

    def __init__(self, endpoint: str) -> None:
        parts = urlsplit(endpoint)
        self.scheme = parts.scheme.lower()
        self.netloc = parts.netloc.lower()
        host = (parts.hostname or "").lower()
        # Regions are names in front of a DNS name: none for an IP-address endpoint.
        self._regional = bool(host) and not _is_ip(host)

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme.lower() != self.scheme or parts.username or parts.password:
            return False
        netloc = parts.netloc.lower()
        if netloc == self.netloc:
            return True
        if not self._regional or not netloc.endswith("." + self.netloc):
            return False
        return _REGION.fullmatch(netloc[: -len(self.netloc) - 1]) is not None

    def describe(self) -> str:
        regional = f" and {self.scheme}://<region>.{self.netloc}" if self._regional else ""
        return f"{self.scheme}://{self.netloc}{regional}"


def _is_ip(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host.strip("[]"))
    except OSError:
        return False
    return True


def is_loopback_name(host: str) -> bool:
    h = host.lower().rstrip(".")
    return h == LOOPBACK_NAME or h.endswith("." + LOOPBACK_NAME)


class LoopbackResolver(AbstractResolver):
    """Emulator mode's resolver: ``localhost`` and ``*.localhost`` are 127.0.0.1 (RFC 6761), nothing else resolves."""

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        if not is_loopback_name(host):
            raise OSError(f"emulator mode resolves only localhost names, not {host!r}")
        result: dict[str, Any] = {"hostname": host, "host": "127.0.0.1", "port": port,
                                  "family": socket.AF_INET, "proto": 0, "flags": socket.AI_NUMERICHOST}
        return [result]  # type: ignore[list-item]

    async def close(self) -> None:
        return None
