"""Snapshot file: loading, validation and indexed access (contract section 3).

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

from auditor import arm
from auditor.errors import InputError

SCHEMA_VERSION = 1
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
    try:
        return json.loads(payload.decode("utf-8")), data
    except UnicodeDecodeError:
        raise InputError(f"{what} {p} is not UTF-8 JSON") from None
    except json.JSONDecodeError as e:
        raise InputError(
            f"{what} {p} is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg}); "
            "is the file truncated?"
        ) from None


def load_snapshot(path: str | Path) -> Snapshot:
    raw, data = read_json_file(path, "snapshot")
    return build_snapshot(raw, hashlib.sha256(data).hexdigest(), source=str(path))


def build_snapshot(raw: Any, sha256: str = "", source: str = "<memory>") -> Snapshot:
    """Validate a parsed snapshot document and index it."""
    where = f"snapshot {source}"
    if not isinstance(raw, dict):
        raise InputError(f"{where}: top level must be a JSON object")
    version = raw.get("schemaVersion")
    if version != SCHEMA_VERSION:
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
    if not isinstance(raw["resources"], list):
        raise InputError(f"{where}: 'resources' must be a list")
    for name in ("policyStates", "errors"):
        if name in raw and not isinstance(raw[name], list):
            raise InputError(f"{where}: '{name}' must be a list")
    if not sha256:
        sha256 = hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()
    snap = Snapshot(raw=raw, sha256=sha256, source=source)
    for i, doc in enumerate(raw["resources"]):
        if not isinstance(doc, dict) or not isinstance(doc.get("id"), str) or not doc.get("id"):
            raise InputError(f"{where}: resources[{i}] is not an ARM document with an 'id'")
        snap.by_kind[arm.kind_of(doc)].append(doc)
        snap.by_id.setdefault(arm.norm_id(doc["id"]), doc)
    for i, rec in enumerate(raw.get("policyStates") or []):
        if not isinstance(rec, dict):
            raise InputError(f"{where}: policyStates[{i}] is not an object")
    for i, err in enumerate(raw.get("errors") or []):
        if not isinstance(err, dict) or not isinstance(err.get("scope"), str) or "operation" not in err:
            raise InputError(f"{where}: errors[{i}] needs 'scope' and 'operation'")
        status = err.get("status")
        snap.errors.append(
            CollectionError(
                scope=arm.display_id(err["scope"]),
                operation=str(err["operation"]),
                status=status if isinstance(status, int) else None,
                code=str(err.get("code") or ""),
                message=str(err.get("message") or ""),
            )
        )
    return snap
