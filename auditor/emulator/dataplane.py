"""The two data-plane reads of ``collect --verify-delivery``, answered from the snapshot's ``delivery``.

- Log Analytics query API: ``POST /v1/workspaces/{customerId}/query`` (the workspace is found
  by its ``customerId``); the answer is the one table ``auditor/azure/delivery_facts.py`` defines.
- Blob listing: ``GET /{account}/insights-activity-logs?restype=container&comp=list`` (path-style,
  as Azure Storage serves IP hosts); ``prefix`` and ``delimiter`` are honoured. Each subscription's
  newest blob is the only blob under its prefix, so walking the tree finds exactly it.

Both take their failures from the snapshot's ``errors`` (``logQuery`` at the workspace id,
``blobListing`` at the storage account id) and answer them as the services do: the recorded
Log Analytics bodies (``recorded.py``: partial error, 400 SEM0100, 504, an answer of another
schema), Storage's XML with its byte order mark. Listings are in the service's form (BOM,
``BlobPrefix`` for each folder when a delimiter is given, ``Prefix`` only when one is).

Event times and blob folders are served moved by :attr:`SnapshotStore.delivery_shift` (time of
collection minus the snapshot's ``collectedAt``, in whole hours), so a live collection sees the
facts as old as the offline audit does, whatever the date.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import format_datetime
from typing import Any
from xml.sax.saxutils import escape

from auditor import operations
from auditor.azure import arm
from auditor.azure.delivery_facts import COLUMNS, CONTAINER, shifted, workspace_rows
from auditor.emulator import recorded
from auditor.emulator.http import Answer, Call
from auditor.emulator.store import SnapshotStore

_QUERY = re.compile(r"^/v1/workspaces/(?P<customer>[^/]+)/query$", re.I)
_LIST = re.compile(rf"^/(?P<account>[a-z0-9]{{3,24}})/{CONTAINER}$", re.I)


def is_data_plane(method: str, path: str) -> bool:
    return bool((method == "POST" and _QUERY.match(path)) or (method == "GET" and _LIST.match(path)))


def answer(store: SnapshotStore, call: Call) -> Answer:
    if m := _QUERY.match(call.path):
        return _query(store, m["customer"])
    m = _LIST.match(call.path)
    assert m is not None
    if call.param("restype") != "container" or call.param("comp") != "list":
        return _storage_error(405, "UnsupportedHttpVerb", "Only container listing is served (read-only emulator).")
    return _listing(store, call, m["account"])


# ---------------------------------------------------------------- Log Analytics
def _workspace(store: SnapshotStore, customer_id: str) -> dict[str, Any] | None:
    for doc in store.by_kind.get(arm.WORKSPACE, []):
        if str(arm.props(doc).get("customerId") or "").lower() == customer_id.lower():
            return doc
    return None


def _delivery(store: SnapshotStore) -> dict[str, Any]:
    cached: dict[str, Any] | None = getattr(store, "_served_delivery", None)
    if cached is None:
        raw = store.snapshot.raw.get("delivery")
        cached = shifted(raw, store.delivery_shift) if isinstance(raw, dict) else {}
        store._served_delivery = cached  # type: ignore[attr-defined]
    return cached


def _query(store: SnapshotStore, customer_id: str) -> Answer:
    doc = _workspace(store, customer_id)
    if doc is None:
        return Answer(404, {"error": {"code": "WorkspaceNotFoundError",
                                      "message": f"The workspace {customer_id} could not be found."}})
    entry = next((w for w in _delivery(store).get("workspaces") or []
                  if isinstance(w, dict) and arm.same_id(w.get("id"), doc["id"])), {})
    table = {"name": "PrimaryResult", "columns": [{"name": n, "type": t} for n, t in COLUMNS],
             "rows": workspace_rows(entry)}
    err = store.error_for(doc["id"], operations.LOG_QUERY, doc["id"])
    if err is not None:
        replay = recorded.log_query_error(err.status, err.code, err.message, table)
        if replay is not None:
            return Answer(*replay)
        return Answer(err.status or 403, {"error": {"code": err.code or "InsufficientAccessError",
                                                    "message": err.message or "The provided credentials have "
                                                    "insufficient access to perform the requested operation"}})
    return Answer(200, {"tables": [table]})


# ---------------------------------------------------------------- Blob listing
def _account(store: SnapshotStore, name: str) -> dict[str, Any] | None:
    for doc in store.by_kind.get(arm.STORAGE_ACCOUNT, []):
        if str(doc.get("name") or arm.last_segment(doc.get("id"))).lower() == name.lower():
            return doc
    return None


def forbidden(method: str) -> Answer:
    """The services' answer to a caller whose role lacks the permission (emulate --role)."""
    if method == "POST":
        return Answer(403, {"error": {"code": "InsufficientAccessError",
                                      "message": "The provided credentials have insufficient access to perform the "
                                                 "requested operation"}})
    return _storage_error(403, "AuthorizationPermissionMismatch",
                          "This request is not authorized to perform this operation using this permission.")


def _storage_error(status: int, code: str, message: str) -> Answer:
    return Answer(status, None, {"x-ms-error-code": code}, raw=recorded.storage_error_xml(code, message),
                  content_type="application/xml")


def _listing(store: SnapshotStore, call: Call, account: str) -> Answer:
    doc = _account(store, account)
    if doc is None:
        return _storage_error(404, "ResourceNotFound", "The specified resource does not exist.")
    err = store.error_for(doc["id"], operations.BLOB_LISTING, doc["id"])
    if err is not None:
        return _storage_error(err.status or 403, err.code or "AuthorizationPermissionMismatch",
                              err.message or "This request is not authorized to perform this operation using "
                              "this permission.")
    entry = next((s for s in _delivery(store).get("storageAccounts") or []
                  if isinstance(s, dict) and arm.same_id(s.get("id"), doc["id"])), {})
    blobs = {str(s["newestBlob"]): str(s["lastModified"]) for s in entry.get("subscriptions") or []
             if isinstance(s, dict) and s.get("newestBlob") and s.get("lastModified")}
    prefix = call.param("prefix") or ""
    delimiter = call.param("delimiter") or ""
    prefixes: set[str] = set()
    found: list[tuple[str, str]] = []
    for name, modified in sorted(blobs.items()):
        if not name.startswith(prefix):
            continue
        rest = name[len(prefix):]
        if delimiter and delimiter in rest:
            prefixes.add(prefix + rest.split(delimiter, 1)[0] + delimiter)
        else:
            found.append((name, modified))
    # Names in listing order (Azure lists blobs and prefixes together, by name).
    items = sorted([(p, f"<BlobPrefix><Name>{escape(p)}</Name></BlobPrefix>") for p in prefixes]
                   + [(n, _blob_xml(n, m)) for n, m in found])
    head = (f"<Prefix>{escape(prefix)}</Prefix>" if prefix else "") + \
        (f"<Delimiter>{escape(delimiter)}</Delimiter>" if delimiter else "")
    body = recorded.BOM + ('<?xml version="1.0" encoding="utf-8"?>'
                           f'<EnumerationResults ServiceEndpoint="{escape(call.base_url)}/{escape(account)}/" '
                           f'ContainerName="{CONTAINER}">{head}'
                           f"<Blobs>{''.join(x for _, x in items)}</Blobs><NextMarker /></EnumerationResults>").encode()
    return Answer(200, None, {"x-ms-version": "2025-05-05"}, raw=body, content_type="application/xml")


def _blob_xml(name: str, modified: str) -> str:
    stamp = format_datetime(datetime.fromisoformat(modified.replace("Z", "+00:00")), usegmt=True)
    return (f"<Blob><Name>{escape(name)}</Name><Properties><Creation-Time>{stamp}</Creation-Time>"
            f"<Last-Modified>{stamp}</Last-Modified><Etag>0x8DD00000000000{len(name):02d}</Etag>"
            "<Content-Length>2048</Content-Length><Content-Type>application/json</Content-Type>"
            "<BlobType>BlockBlob</BlobType><AccessTier>Cool</AccessTier><LeaseStatus>unlocked</LeaseStatus>"
            "<LeaseState>available</LeaseState><ServerEncrypted>true</ServerEncrypted></Properties></Blob>")
