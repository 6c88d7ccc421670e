"""The handles every collection step needs, and the guarded read helpers built on them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from azure.core.rest import HttpRequest

from auditor.collect.clients import Clients
from auditor.collect.progress import Progress
from auditor.collect.reader import Reader, ReadFailure
from auditor.collect.state import Collection


@dataclass
class Ctx:
    clients: Clients
    reader: Reader
    state: Collection
    progress: Progress

    async def read_list(self, client: Any, request: HttpRequest, scope: str, operation: str,
                        label: str | None = None) -> list[dict[str, Any]] | None:
        """A whole list, or None after recording the failure at ``scope`` for ``operation``."""
        try:
            return await self.reader.get_list(client, request, label or operation)
        except ReadFailure as failure:
            self.state.fail(scope, operation, failure)
            return None

    async def read_one(self, client: Any, request: HttpRequest, scope: str, operation: str,
                       label: str | None = None, *, absent_ok: bool = False) -> dict[str, Any] | None:
        """One document, or None: after recording the failure, or silently for a 404 when ``absent_ok``
        (a resource that does not exist is a fact the analysis judges, not an unreadable scope)."""
        try:
            doc = await self.reader.send(client, request, label or operation)
        except ReadFailure as failure:
            if not (absent_ok and failure.status == 404):
                self.state.fail(scope, operation, failure)
            return None
        return doc if isinstance(doc, dict) else None
