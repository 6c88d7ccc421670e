"""Snapshot file: loading, validation and indexed access (docs/snapshot-format.md).

The snapshot is the seam between collection (the only code touching Azure) and analysis
(pure functions). It holds ARM documents exactly as the REST API returns them; this module
never rewrites them, it only indexes them by canonical kind and normalised id.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditor import operations
from auditor.azure import arm
from auditor.azure.delivery_facts import Delivery, read_delivery
from auditor.errors import InputError
from auditor.schemas import SNAPSHOT_SCHEMA_VERSION

SCHEMA_VERSION = SNAPSHOT_SCHEMA_VERSION
REQUIRED_TOP_LEVEL = ("schemaVersion", "collectedAt", "tenantId", "rootManagementGroupId", "resources")


@dataclass(frozen=True)
class CollectionError:
    scope: str
    operation: str
    status: int | None
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "operation": self.operation,
            "status": self.status,
            "code": self.code,
            "message": self.message,
        }


@dataclass
class Snapshot:
    """A validated snapshot with lookup indexes. Documents are the raw ARM dicts."""

    raw: dict[str, Any]
    sha256: str
    source: str = ""
    by_kind: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: list[CollectionError] = field(default_factory=list)
    delivery: Delivery | None = None  # collect --verify-delivery (auditor/azure/delivery_facts.py)

    @property
    def collected_at(self) -> datetime:
        return parse_timestamp(self.raw["collectedAt"])

    @property
    def tenant_id(self) -> str:
        return str(self.raw.get("tenantId", ""))

    @property
    def root_management_group_id(self) -> str:
        return arm.display_id(str(self.raw.get("rootManagementGroupId", "")))

    @property
    def cloud(self) -> str:
        return str(self.raw.get("cloud", "AzureCloud"))

    @property
    def resources(self) -> list[dict[str, Any]]:
        return self.raw["resources"]

    @property
    def policy_states(self) -> list[dict[str, Any]]:
        return self.raw.get("policyStates") or []

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return self.by_kind.get(kind, [])

    def get(self, arm_id: str | None) -> dict[str, Any] | None:
        return self.by_id.get(arm.norm_id(arm_id))


def parse_timestamp(value: Any) -> datetime:
    """ISO-8601 timestamp as an aware UTC datetime; raises ValueError when malformed."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"not a timestamp: {value!r}")
    s = value.strip()
    if s.endswith("Z") or s.endswith("z"):
        s = s[:-1] + "+00:00"
    # Python 3.11 accepts up to 6 fractional digits; ARM sometimes sends 7.
    if "." in s:
        head, _, rest = s.partition(".")
        digits = ""
        i = 0
        while i < len(rest) and rest[i].isdigit():
            digits += rest[i]
            i += 1
        s = head + "." + (digits[:6] or "0") + rest[i:]
    dt = datetime.fromisoformat(s)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def read_json_file(path: str | Path, what: str) -> tuple[Any, bytes]:
    """Read plain or gzip JSON; InputError with one clear line on any failure."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{what} not found: {p}") from None
    except OSError as e:
        raise InputError(f"cannot read {what} {p}: {e.strerror or e}") from None
    payload = data
    if data[:2] == b"\x1f\x8b":
        try:
            payload = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise InputError(f"{what} {p} is not valid gzip (truncated or corrupt): {e}") from None
    if not payload.strip():
        raise InputError(f"{what} {p} is empty")
    try:
        # utf-8-sig: a byte-order mark (as some Windows editors and PowerShell write) is read, not refused.
        return json.loads(payload.decode("utf-8-sig"), parse_constant=_reject_constant), data
    except UnicodeDecodeError:
        raise InputError(f"{what} {p} is not UTF-8 JSON") from None
    except _NotJSONNumber as e:
        raise InputError(f"{what} {p} is not valid JSON: {e} is not a JSON number (NaN and Infinity are not "
                         "allowed)") from None
    except RecursionError:
        raise InputError(f"{what} {p} is nested too deeply to read") from None
    except json.JSONDecodeError as e:
        at_end = e.pos >= len(e.doc.rstrip())  # the document stops mid-way: most likely cut off
        raise InputError(
            f"{what} {p} is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})"
            + ("; is the file truncated?" if at_end else "")
        ) from None


class _NotJSONNumber(ValueError):
    """``NaN``, ``Infinity``: Python's json accepts them, JSON (and every consumer of our outputs) does not."""


def _reject_constant(name: str) -> Any:
    raise _NotJSONNumber(name)


def load_snapshot(path: str | Path) -> Snapshot:
    raw, data = read_json_file(path, "snapshot")
    return build_snapshot(raw, hashlib.sha256(data).hexdigest(), source=str(path))


def build_snapshot(raw: Any, sha256: str = "", source: str = "<memory>") -> Snapshot:
    """Validate a parsed snapshot document and index it."""
    where = f"snapshot {source}"
    if not isinstance(raw, dict):
        raise InputError(f"{where}: top level must be a JSON object")
    if "findings" in raw and "resources" not in raw:
        raise InputError(f"{where} is a findings.json (what 'auditor audit' writes), not a snapshot: "
                         "give the snapshot that was audited")
    if "actions" in raw and "resources" not in raw:
        raise InputError(f"{where} is a remediation plan.json, not a snapshot")
    version = raw.get("schemaVersion")
    if version is None and "resources" not in raw:
        raise InputError(f"{where} is not an auditor snapshot (no schemaVersion, no resources)")
    if version != SCHEMA_VERSION or isinstance(version, bool):  # true == 1 in Python, not in JSON
        raise InputError(
            f"{where}: schemaVersion {version!r} is not supported (this auditor reads schemaVersion "
            f"{SCHEMA_VERSION}); collect the snapshot again with this version"
        )
    for key in REQUIRED_TOP_LEVEL:
        if key not in raw:
            raise InputError(f"{where}: missing required field '{key}'")
    try:
        parse_timestamp(raw["collectedAt"])
    except ValueError:
        raise InputError(f"{where}: collectedAt {raw['collectedAt']!r} is not an ISO-8601 timestamp") from None
    for key in ("tenantId", "rootManagementGroupId"):
        if not isinstance(raw[key], str):
            raise InputError(f"{where}: '{key}' must be a string, not {_json_type(raw[key])}")
    if not isinstance(raw["resources"], list):
        raise InputError(f"{where}: 'resources' must be a list")
    for name in ("policyStates", "errors"):
        if name in raw and not isinstance(raw[name], list):
            raise InputError(f"{where}: '{name}' must be a list")
    if not sha256:
        sha256 = hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()
    snap = Snapshot(raw=raw, sha256=sha256, source=source)
    first_at: dict[str, int] = {}
    for i, doc in enumerate(raw["resources"]):
        if not isinstance(doc, dict):
            raise InputError(f"{where}: resources[{i}] is {_json_type(doc)}, not an ARM document (object)")
        if not isinstance(doc.get("id"), str) or not arm.norm_id(doc["id"]):
            raise InputError(f"{where}: resources[{i}].id must be a non-empty string, not {_json_type(doc.get('id'))}")
        key = arm.norm_id(doc["id"])
        if key in first_at:
            _check_repeat(raw["resources"][first_at[key]], doc, first_at[key], i, where)
            continue  # an exact repeat (paging overlap) adds nothing
        first_at[key] = i
        snap.by_kind[arm.kind_of(doc)].append(doc)
        snap.by_id[key] = doc
    for i, rec in enumerate(raw.get("policyStates") or []):
        if not isinstance(rec, dict):
            raise InputError(f"{where}: policyStates[{i}] is {_json_type(rec)}, not an object")
    for i, err in enumerate(raw.get("errors") or []):
        snap.errors.append(_collection_error(err, f"{where}: errors[{i}]"))
    snap.delivery = read_delivery(raw.get("delivery"), where)
    if not snap.errors and not snap.of_kind(arm.MANAGEMENT_GROUP) and not snap.of_kind(arm.SUBSCRIPTION):
        # Audited as is, it would report a clean tenant of zero subscriptions.
        raise InputError(f"{where}: no management group or subscription documents and no errors recorded: "
                         "nothing to audit (is this a snapshot written by 'auditor collect'?)")
    return snap


def _json_type(value: Any) -> str:
    """How a user reads the JSON type of a value in an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _check_repeat(first: dict[str, Any], doc: dict[str, Any], i: int, j: int, where: str) -> None:
    """Two documents with one id: fine when equal (ids compared normalised), else contradictory."""
    def same(d: dict[str, Any]) -> dict[str, Any]:
        return {**d, "id": arm.norm_id(d["id"])}

    if same(first) != same(doc):
        raise InputError(
            f"{where}: resources[{i}] and resources[{j}] have the same id {arm.display_id(doc['id'])} "
            "but different content; the snapshot contradicts itself (collect again)"
        )


def _collection_error(err: Any, where: str) -> CollectionError:
    """One ``errors`` entry; operation names are matched to the known vocabulary ignoring case."""
    if not isinstance(err, dict):
        raise InputError(f"{where} is {_json_type(err)}, not an object")
    for key in ("scope", "operation"):
        if not isinstance(err.get(key), str) or not err[key].strip():
            raise InputError(f"{where}.{key} must be a non-empty string, not {_json_type(err.get(key))}")
    operation = err["operation"].strip()
    operation = next((op for op in operations.KNOWN if op.lower() == operation.lower()), operation)
    status = err.get("status")
    if isinstance(status, str) and status.strip().isdigit():
        status = int(status.strip())
    return CollectionError(
        scope=arm.display_id(err["scope"]),
        operation=operation,
        status=status if isinstance(status, int) and not isinstance(status, bool) else None,
        code=str(err.get("code") or ""),
        message=str(err.get("message") or ""),
    )
