"""Resource Graph queries (``POST /providers/Microsoft.ResourceGraph/resources``) for the emulator.

Answers exactly the KQL shapes the collector sends (``auditor/collect/argshape.py``), from the
snapshot, as Resource Graph would: rows of the projected columns (``resultFormat: objectArray``),
``type`` lower-cased where the collector can restore it, ``$top``/``$skipToken`` paging, results
limited to the request's scope (``managementGroups``, ``subscriptions``, or the whole tenant).
Any other query is refused with :class:`UnsupportedQuery` (the server answers 400), so an
unexpected query never looks like an empty result.

Grammar: ``<table> ( | <stage> )*`` with stages

- ``where type =~ '<kind>'`` / ``where type in~ ('<kind>', ...)``
- ``where isnotempty(subscriptionId)``
- ``where id in~ ('<id>', ...)`` / ``where tostring(properties.<name>) in~ ('<value>', ...)``
- ``project <column>, ...`` (Resource Graph columns only)
- ``order by <column> asc|desc``

Access: Resource Graph shows only what the caller may read. A row is hidden when the snapshot
records a failure covering its read (``*`` at or above it, or its operation at its scope), and
a subscription with a recorded failure for any operation the collector reads in bulk is left
out of Resource Graph altogether, as a subscription Resource Graph cannot vouch for: the
collector then reads it over REST, which answers with the exact errors.
"""

from __future__ import annotations

import base64
import json
import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from auditor import operations
from auditor.azure import arm
from auditor.azure.resource_graph import NOT_IN_RESOURCE_GRAPH, TABLE_OF, row_from_document
from auditor.emulator.store import SnapshotStore, operation_for_kind


class UnsupportedQuery(ValueError):
    """The query is not one the emulator can answer from a snapshot."""


COLUMNS = frozenset({"id", "name", "type", "tenantId", "kind", "location", "resourceGroup", "subscriptionId",
                     "managedBy", "sku", "plan", "properties", "tags", "identity", "zones", "extendedLocation"})
TABLES = frozenset({"resources", "resourcecontainers", "policyresources", "authorizationresources",
                    "securityresources"})
MAX_TOP = 1000
DEFAULT_TOP = 100
# Reads the collector does per subscription over REST whatever Resource Graph says.
_PER_SUBSCRIPTION_REST = frozenset({operations.DIAGNOSTIC_SETTINGS, operations.LOG_PROFILES})

_STRING = r"'(?:[^'\\]|\\.)*'"
_LIST = rf"\(\s*{_STRING}(?:\s*,\s*{_STRING})*\s*\)"
_TYPE_EQ = re.compile(rf"^where\s+type\s+=~\s+({_STRING})$", re.I)
_TYPE_IN = re.compile(rf"^where\s+type\s+in~\s+({_LIST})$", re.I)
_NOT_EMPTY = re.compile(r"^where\s+isnotempty\(\s*subscriptionId\s*\)$", re.I)
_FIELD_IN = re.compile(rf"^where\s+(id|tostring\(\s*properties\.([A-Za-z0-9_]+)\s*\))\s+in~\s+({_LIST})$", re.I)
_PROJECT = re.compile(r"^project\s+([A-Za-z_][\w]*(?:\s*,\s*[A-Za-z_][\w]*)*)$", re.I)
_ORDER = re.compile(r"^order\s+by\s+([A-Za-z_]\w*)(?:\s+(asc|desc))?$", re.I)
_STRING_ITEM = re.compile(_STRING)


@dataclass
class Query:
    table: str
    kinds: set[str] | None = None
    needs_subscription: bool = False
    filters: list[tuple[str | None, set[str]]] = field(default_factory=list)  # (property or None for id, values)
    columns: list[str] = field(default_factory=list)
    order: tuple[str, bool] | None = None  # (column, descending)


def _unquote(s: str) -> str:
    return re.sub(r"\\(.)", r"\1", s[1:-1])


def _list_values(text: str) -> set[str]:
    return {_unquote(m.group(0)).lower() for m in _STRING_ITEM.finditer(text)}


def _split_pipes(query: str) -> list[str]:
    parts, buf, quoted, escaped = [], [], False, False
    for ch in query:
        if escaped:
            buf.append(ch)
            escaped = False
            continue
        if ch == "\\" and quoted:
            escaped = True
            buf.append(ch)
            continue
        if ch == "'":
            quoted = not quoted
        if ch == "|" and not quoted:
            parts.append("".join(buf).strip())
            buf = []
            continue
        buf.append(ch)
    parts.append("".join(buf).strip())
    return parts


def parse_query(text: str) -> Query:
    stages = _split_pipes(" ".join(text.split()))
    table = stages[0].lower()
    if table not in TABLES:
        raise UnsupportedQuery(f"unsupported Resource Graph table {stages[0]!r}")
    q = Query(table)
    for stage in stages[1:]:
        if m := _TYPE_EQ.match(stage):
            q.kinds = {_unquote(m.group(1)).lower()}
        elif m := _TYPE_IN.match(stage):
            q.kinds = _list_values(m.group(1))
        elif _NOT_EMPTY.match(stage):
            q.needs_subscription = True
        elif m := _FIELD_IN.match(stage):
            q.filters.append((m.group(2), _list_values(m.group(3))))
        elif m := _PROJECT.match(stage):
            q.columns = [c.strip() for c in m.group(1).split(",")]
            unknown = [c for c in q.columns if c not in COLUMNS]
            if unknown:
                raise UnsupportedQuery(f"unknown column(s) in project: {', '.join(unknown)}")
        elif m := _ORDER.match(stage):
            q.order = (m.group(1), (m.group(2) or "asc").lower() == "desc")
        else:
            raise UnsupportedQuery(f"unsupported Resource Graph stage {stage[:120]!r}")
    if not q.columns:
        raise UnsupportedQuery("the emulator answers projected queries only (add '| project ...')")
    if q.order and q.order[0] not in q.columns:
        raise UnsupportedQuery(f"order by {q.order[0]!r}: not a projected column")
    return q


class _Access:
    """Per-store facts: subscriptions Resource Graph leaves out (see module docstring)."""

    def __init__(self, store: SnapshotStore) -> None:
        self.hidden_subscriptions: set[str] = set()
        for err in store.errors:
            sub = arm.subscription_id_of(err.scope)
            if sub and arm.norm_id(err.scope) == arm.subscription_scope(sub) and \
                    err.operation not in _PER_SUBSCRIPTION_REST:
                self.hidden_subscriptions.add(sub)
        self.cache: dict[str, list[dict[str, Any]]] = {}


_ACCESS: weakref.WeakKeyDictionary[SnapshotStore, _Access] = weakref.WeakKeyDictionary()


def _access(store: SnapshotStore) -> _Access:
    acc = _ACCESS.get(store)
    if acc is None:
        acc = _ACCESS[store] = _Access(store)
    return acc


def _table_of(kind: str) -> str | None:
    if kind in NOT_IN_RESOURCE_GRAPH:
        return None
    return TABLE_OF.get(kind, "resources")


def _candidates(store: SnapshotStore, q: Query) -> list[dict[str, Any]]:
    if q.table == "resourcecontainers":
        if q.kinds != {arm.SUBSCRIPTION}:
            raise UnsupportedQuery("resourcecontainers: only type =~ 'microsoft.resources/subscriptions' is supported")
        return list(store.subscriptions.values())
    if q.kinds is None:
        raise UnsupportedQuery("the emulator answers queries filtered by type only")
    docs: list[dict[str, Any]] = []
    for kind in sorted(q.kinds):
        if _table_of(kind) != q.table:
            continue  # that type does not live in this table
        docs.extend(store.by_kind.get(kind, []))
    return docs


def _in_scope_subscriptions(store: SnapshotStore, body: dict[str, Any]) -> set[str] | None:
    """Subscriptions (lower-case guids) the request's scope covers; None for the whole tenant."""
    subs = body.get("subscriptions")
    groups = body.get("managementGroups")
    if subs:
        return {str(s).lower() for s in subs}
    if groups:
        out: set[str] = set()
        for g in groups:
            gid = arm.norm_id(arm.management_group_id(str(g)))
            out.update(arm.subscription_id_of(s) or "" for s in store.below(gid)[1])
        return out
    return None


def _visible(store: SnapshotStore, acc: _Access, doc: dict[str, Any], kind: str) -> bool:
    sub = arm.subscription_id_of(doc["id"])
    if sub and sub in acc.hidden_subscriptions:
        return False
    if kind == arm.SUBSCRIPTION:
        return store.error_for(doc["id"], operations.SUBSCRIPTIONS) is None
    return store.error_for(arm.scope_of_extension(doc["id"]) or doc["id"], operation_for_kind(kind),
                           doc["id"]) is None


def _matches(doc: dict[str, Any], q: Query) -> bool:
    for prop, values in q.filters:
        value = doc.get("id") if prop is None else arm.ci_get(arm.props(doc), prop)
        if not isinstance(value, str) or value.lower() not in values:
            return False
    return True


def _results(store: SnapshotStore, body: dict[str, Any], q: Query) -> list[dict[str, Any]]:
    acc = _access(store)
    key = json.dumps([body.get("query"), body.get("subscriptions"), body.get("managementGroups")], sort_keys=True)
    hit = acc.cache.get(key)
    if hit is not None:
        return hit
    scope = _in_scope_subscriptions(store, body)
    rows = []
    for doc in _candidates(store, q):
        kind = arm.kind_of(doc)
        sub = arm.subscription_id_of(doc["id"])
        if q.needs_subscription and not sub:
            continue
        if scope is not None and sub not in scope:
            continue
        if not _visible(store, acc, doc, kind) or not _matches(doc, q):
            continue
        rows.append(row_from_document(doc, q.columns))
    if q.order:
        col, desc = q.order
        rows.sort(key=lambda r: str(r.get(col) or ""), reverse=desc)
    if len(acc.cache) > 256:
        acc.cache.clear()
    acc.cache[key] = rows
    return rows


def _decode_token(token: str) -> int:
    try:
        value = json.loads(base64.b64decode(token.encode(), validate=True))
        offset = int(value["offset"])
    except (ValueError, KeyError, TypeError):
        raise UnsupportedQuery(f"invalid $skipToken {token[:40]!r}") from None
    if offset < 0:
        raise UnsupportedQuery("invalid $skipToken")
    return offset


def handle_query(store: SnapshotStore, body: dict[str, Any],
                 visible: Callable[[dict[str, Any]], bool] | None = None) -> dict[str, Any]:
    """One page of a query's rows; ``visible`` drops rows the caller may not read (a role)."""
    query = body.get("query")
    if not isinstance(query, str) or not query.strip():
        raise UnsupportedQuery("the request body needs a 'query' string")
    options = body.get("options") or {}
    if not isinstance(options, dict):
        raise UnsupportedQuery("'options' must be an object")
    fmt = str(options.get("resultFormat") or "objectArray")
    if fmt.lower() != "objectarray":
        raise UnsupportedQuery(f"resultFormat {fmt!r} is not supported by the emulator (use objectArray)")
    try:
        top = int(options.get("$top") or DEFAULT_TOP)
        skip = int(options.get("$skip") or 0)
    except (TypeError, ValueError):
        raise UnsupportedQuery("$top and $skip must be integers") from None
    if not 1 <= top <= MAX_TOP or skip < 0:
        raise UnsupportedQuery(f"$top must be 1..{MAX_TOP} and $skip >= 0")
    rows = _results(store, body, parse_query(query))
    if visible is not None:
        rows = [r for r in rows if visible(r)]
    token = options.get("$skipToken")
    start = _decode_token(str(token)) if token else skip
    page = rows[start:start + top]
    answer: dict[str, Any] = {"totalRecords": len(rows), "count": len(page), "data": page, "facets": [],
                              "resultTruncated": "false"}
    if start + top < len(rows):
        answer["$skipToken"] = base64.b64encode(json.dumps({"offset": start + top}).encode()).decode()
    return answer
