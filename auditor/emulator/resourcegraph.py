"""Resource Graph queries (``POST /providers/Microsoft.ResourceGraph/resources``) for the emulator.

Owned by the collector work: this first version answers no query. The server calls
:func:`handle_query` with the store and the parsed request body; a returned dict is the 200
answer (``{"totalRecords", "count", "data", "resultTruncated", "$skipToken"?}``), a
:class:`UnsupportedQuery` (a ValueError) becomes a 400 ARM error with its message.
"""

from __future__ import annotations

from typing import Any

from auditor.emulator.store import SnapshotStore


class UnsupportedQuery(ValueError):
    """The query is not one the emulator can answer from a snapshot."""


def handle_query(store: SnapshotStore, body: dict[str, Any]) -> dict[str, Any]:
    raise UnsupportedQuery(f"unsupported query: {str(body.get('query', ''))[:200]!r}")
