"""Azure RBAC as the emulator enforces it when given a role (``auditor emulate --role ROLE.json``).

Each request is mapped to the action Azure checks for it, and the role's ``Actions`` minus
``NotActions`` (``DataActions`` minus ``NotDataActions`` on the data planes) decide, with Azure's
wildcard matching (``*`` anywhere, case-insensitive). ARM's action for a read is the resource
type of the path (the namespace after the last ``/providers/`` and every type segment, names
dropped) plus ``/read``; the two POST queries have their own. Resource Graph answers only rows
whose type the caller may read, silently, as the service does.

The role file is a role definition as ``az role definition create`` takes it (``Actions``,
``NotActions``, ``DataActions``, ``NotDataActions``; any casing), or an ARM role definition
document (``properties.permissions[]``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.errors import InputError

RESOURCE_GRAPH_ACTION = "Microsoft.ResourceGraph/resources/read"
POLICY_STATES_ACTION = "Microsoft.PolicyInsights/policyStates/queryResults/read"
LOG_QUERY_ACTION = "Microsoft.OperationalInsights/workspaces/query/read"
BLOB_LIST_DATA_ACTION = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"
GET_ENTITIES_ACTION = "Microsoft.Management/getEntities/action"
LOG_TABLE_ACTION = "Microsoft.OperationalInsights/workspaces/query/{table}/read"
FUNCTION_TABLES = {"_LogOperation": "Operation"}  # Log Analytics functions and the table each reads
_TABLE_REF = re.compile(r"(?:^|\(|\bunion\b)\s*([A-Za-z_][A-Za-z0-9_]*)\s*\|")  # a table that starts a pipe


def _pattern(action: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(part) for part in action.split("*")) + "$", re.I)


@dataclass
class Role:
    """What a role grants: allowed minus denied, for actions and data actions."""

    actions: list[str]
    not_actions: list[str]
    data_actions: list[str]
    not_data_actions: list[str]

    def __post_init__(self) -> None:
        self._allow = [_pattern(a) for a in self.actions]
        self._deny = [_pattern(a) for a in self.not_actions]
        self._data_allow = [_pattern(a) for a in self.data_actions]
        self._data_deny = [_pattern(a) for a in self.not_data_actions]
        self._cache: dict[tuple[str, bool], bool] = {}

    def allows(self, action: str, *, data: bool = False) -> bool:
        key = (action.lower(), data)
        if key not in self._cache:
            allow, deny = (self._data_allow, self._data_deny) if data else (self._allow, self._deny)
            self._cache[key] = any(p.match(action) for p in allow) and not any(p.match(action) for p in deny)
        return self._cache[key]

    @classmethod
    def from_document(cls, doc: Any) -> Role:
        """From ``az role definition`` JSON or an ARM role definition; InputError when neither."""
        if isinstance(doc, dict) and isinstance(doc.get("properties"), dict) and "permissions" in doc["properties"]:
            perms = doc["properties"]["permissions"]
            if not isinstance(perms, list):
                raise InputError("role: properties.permissions must be a list")
            merged: dict[str, list[str]] = {k: [] for k in ("actions", "notactions", "dataactions", "notdataactions")}
            for p in perms:
                part = _lists(p)
                for k in merged:
                    merged[k] += part[k]
            return cls(merged["actions"], merged["notactions"], merged["dataactions"], merged["notdataactions"])
        lists = _lists(doc)
        if not lists["actions"] and not lists["dataactions"]:
            raise InputError("role: no Actions or DataActions (expected a role definition as "
                              "'az role definition create' takes it, or an ARM role definition)")
        return cls(lists["actions"], lists["notactions"], lists["dataactions"], lists["notdataactions"])

    @classmethod
    def from_source(cls, source: str | Path | dict[str, Any]) -> Role:
        if isinstance(source, dict):
            return cls.from_document(source)
        try:
            doc = json.loads(Path(source).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise InputError(f"role {source}: cannot read it as JSON ({e})") from None
        return cls.from_document(doc)


def _lists(doc: Any) -> dict[str, list[str]]:
    if not isinstance(doc, dict):
        raise InputError("role: expected a JSON object")
    out: dict[str, list[str]] = {}
    lowered = {str(k).lower(): v for k, v in doc.items()}
    for key in ("actions", "notactions", "dataactions", "notdataactions"):
        value = lowered.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError(f"role: {key} must be a list of strings")
        out[key] = value
    return out


def arm_action(method: str, path: str) -> str:
    """The action Azure authorizes for an ARM read (GET) or one of the collector's POST queries,
    lower-cased (actions compare case-insensitively)."""
    return _arm_action(method, "/" + path.strip("/").lower()).lower()


def _arm_action(method: str, n: str) -> str:
    if method == "POST":
        if n == "/providers/microsoft.resourcegraph/resources":
            return RESOURCE_GRAPH_ACTION
        if n.endswith("/providers/microsoft.management/getentities"):
            return GET_ENTITIES_ACTION
        if "/providers/microsoft.policyinsights/policystates/" in n:
            return POLICY_STATES_ACTION
    head, sep, tail = n.rpartition("/providers/")
    if not sep:  # /subscriptions[/{id}[/resourceGroups[/{rg}]]], /tenants
        segments = [s for s in n.split("/") if s]
        types = segments[0::2]
        return "Microsoft.Resources/" + "/".join(types) + "/" + ("read" if method == "GET" else "action")
    namespace, *rest = tail.split("/")
    types = rest[0::2]  # type, name, child type, child name ...
    return "/".join([namespace, *types, "read" if method == "GET" else "action"])


def data_actions_for(method: str, body: bytes) -> list[tuple[str, bool]]:
    """The permissions a data-plane request needs: [(action, is a data action)].

    A Log Analytics query needs ``workspaces/query/read`` and, per table it reads, the table's
    ``workspaces/query/{table}/read`` (Log Analytics' table-level access; a function such as
    ``_LogOperation`` reads its table). A blob listing needs the blob-read data action."""
    if method != "POST":
        return [(BLOB_LIST_DATA_ACTION, True)]
    try:
        query = str(json.loads(body or b"{}").get("query") or "")
    except (ValueError, AttributeError):
        query = ""
    tables = sorted({FUNCTION_TABLES.get(t, t) for t in _TABLE_REF.findall(query)})
    return [(LOG_QUERY_ACTION, False), *((LOG_TABLE_ACTION.format(table=t), False) for t in tables)]


def row_action(row: dict[str, Any]) -> str:
    """Resource Graph returns a row only to a caller who may read its type."""
    return f"{row.get('type') or ''}/read"


def forbidden_message(action: str, scope: str) -> str:
    """ARM's AuthorizationFailed wording."""
    return (f"The client 'auditor-emulator-principal' with object id '00000000-0000-0000-0000-000000000000' does "
            f"not have authorization to perform action '{action}' over scope '{scope or '/'}' or the scope is "
            "invalid. If access was recently granted, please refresh your credentials.")
