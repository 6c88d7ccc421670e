"""Snapshot loading (docs/snapshot-format.md): plain and gzip JSON, strict validation, clear one-line errors."""

from __future__ import annotations

import copy
import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import builders as b
import pytest

from auditor.azure import arm
from auditor.azure.snapshot import build_snapshot, load_snapshot
from auditor.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
S = b.guid("snapshot-sub")
WS = b.workspace_id(S, "rg", "law")


def doc() -> dict[str, Any]:
    return b.tenant([
        b.subscription_diagnostic_setting(S, "to-law", workspace=WS, category_group="allLogs"),
        b.workspace(S, "rg", "law", retention_days=365),
        b.log_profile(S),
    ], {S: "Prod"}, errors=[b.error(b.sub_id(S), "activityLogAlerts")])


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def input_error(fn: Any, *args: Any) -> str:
    with pytest.raises(InputError) as exc:
        fn(*args)
    message = str(exc.value)
    assert "\n" not in message and message
    return message


# ----------------------------------------------------------------- loading


def test_load_plain_json(tmp_path: Path) -> None:
    snap = load_snapshot(write(tmp_path / "s.json", doc()))
    assert snap.tenant_id == b.TENANT_ID
    assert snap.collected_at.isoformat() == "2026-11-28T10:00:00+00:00"
    assert snap.root_management_group_id == b.mg_id("root")
    assert len(snap.resources) == 5
    assert len(snap.sha256) == 64


def test_load_gzip_gives_the_same_documents(tmp_path: Path) -> None:
    plain = load_snapshot(write(tmp_path / "s.json", doc()))
    gz = tmp_path / "s.json.gz"
    gz.write_bytes(gzip.compress(json.dumps(doc()).encode()))
    zipped = load_snapshot(gz)
    assert zipped.raw == plain.raw


def test_sha256_is_of_the_file_bytes(tmp_path: Path) -> None:
    import hashlib

    path = write(tmp_path / "s.json", doc())
    assert load_snapshot(path).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_documents_are_kept_as_returned(tmp_path: Path) -> None:
    original = doc()
    snap = load_snapshot(write(tmp_path / "s.json", original))
    assert snap.resources == original["resources"]


def test_indexes_by_kind_including_null_and_empty_types() -> None:
    snap = build_snapshot(doc())
    settings = snap.of_kind(arm.DIAGNOSTIC_SETTING)
    assert len(settings) == 1 and settings[0]["type"] is None
    assert len(snap.of_kind(arm.LOG_PROFILE)) == 1
    assert len(snap.of_kind(arm.WORKSPACE)) == 1
    assert len(snap.of_kind(arm.SUBSCRIPTION)) == 1
    assert len(snap.of_kind(arm.MANAGEMENT_GROUP)) == 1


def test_get_is_case_and_slash_insensitive() -> None:
    snap = build_snapshot(doc())
    assert snap.get(WS.upper().replace("/SUBSCRIPTIONS", "/subscriptions")) is not None
    setting_id = f"/subscriptions/{S}/providers/AzureResourceManager/diagnosticSettings/to-law"
    assert snap.get(setting_id) is not None
    assert snap.get(setting_id.lstrip("/")) is not None


def test_errors_are_parsed() -> None:
    snap = build_snapshot(doc())
    assert [(e.scope, e.operation, e.status) for e in snap.errors] == [
        (f"/subscriptions/{S}", "activityLogAlerts", 403)]


def test_optional_lists_may_be_absent() -> None:
    d = doc()
    del d["policyStates"], d["errors"]
    snap = build_snapshot(d)
    assert snap.policy_states == [] and snap.errors == []


def test_fractional_seconds_beyond_microseconds() -> None:
    d = doc()
    d["collectedAt"] = "2026-11-28T10:00:00.1234567Z"
    assert build_snapshot(d).collected_at.microsecond == 123456


# ----------------------------------------------------------------- bad input


def test_wrong_schema_version() -> None:
    d = doc()
    d["schemaVersion"] = 2
    assert "schemaVersion 2" in input_error(build_snapshot, d)


def test_missing_schema_version() -> None:
    d = doc()
    del d["schemaVersion"]
    assert "schemaVersion" in input_error(build_snapshot, d)


@pytest.mark.parametrize("field", ["collectedAt", "tenantId", "rootManagementGroupId", "resources"])
def test_missing_required_field_is_named(field: str) -> None:
    d = doc()
    del d[field]
    assert field in input_error(build_snapshot, d)


def test_top_level_must_be_an_object() -> None:
    input_error(build_snapshot, [doc()])


def test_malformed_collected_at() -> None:
    d = doc()
    d["collectedAt"] = "yesterday"
    assert "collectedAt" in input_error(build_snapshot, d)


@pytest.mark.parametrize("field", ["resources", "policyStates", "errors"])
def test_lists_must_be_lists(field: str) -> None:
    d = doc()
    d[field] = {"not": "a list"}
    assert field in input_error(build_snapshot, d)


def test_resource_without_id() -> None:
    d = doc()
    d["resources"].append({"type": "Microsoft.Storage/storageAccounts", "name": "x"})
    assert "resources[5]" in input_error(build_snapshot, d)


def test_error_entry_without_scope() -> None:
    d = doc()
    d["errors"].append({"operation": "*", "status": 403})
    assert "errors[1]" in input_error(build_snapshot, d)


def test_policy_state_not_an_object() -> None:
    d = doc()
    d["policyStates"] = ["NonCompliant"]
    assert "policyStates[0]" in input_error(build_snapshot, d)


def test_file_not_found(tmp_path: Path) -> None:
    assert "not found" in input_error(load_snapshot, tmp_path / "missing.json")


def test_truncated_json(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_text(json.dumps(doc())[:500])
    assert "truncated" in input_error(load_snapshot, path)


def test_truncated_gzip(tmp_path: Path) -> None:
    data = gzip.compress(json.dumps(doc()).encode())
    path = tmp_path / "cut.json.gz"
    path.write_bytes(data[: len(data) // 2])
    assert "gzip" in input_error(load_snapshot, path)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('{"name": "Zürich"}'.encode("latin-1"))
    input_error(load_snapshot, path)


def test_input_is_not_modified() -> None:
    d = doc()
    before = copy.deepcopy(d)
    build_snapshot(d)
    assert d == before


# ----------------------------------------------------------------- the shipped examples


@pytest.mark.parametrize("name", ["truncated-snapshot.json", "truncated-snapshot.json.gz", "schema-v2-snapshot.json"])
def test_bad_examples_are_input_errors(name: str) -> None:
    input_error(load_snapshot, EXAMPLES / "bad" / name)


def test_demo_tenant_loads_and_is_up_to_date() -> None:
    snap = load_snapshot(EXAMPLES / "demo-tenant.json")
    assert snap.raw["collectedAt"] == "2026-11-28T10:00:00Z"
    result = subprocess.run([sys.executable, str(EXAMPLES / "build_demo.py"), "--check"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_builtin_export_definition_matches_the_shipped_builtin() -> None:
    """builders.export_policy_definition() is the built-in 2465583e as ARM returns it (corpus copy shipped)."""
    shipped = ROOT / "auditor" / "data" / "builtin_policies" / f"{b.BUILTIN_EXPORT_DEFINITION_NAME}.json"
    expected = json.loads(shipped.read_text(encoding="utf-8"))
    built = b.export_policy_definition()
    assert built["properties"] == expected["properties"]
    assert built["id"] == expected["id"] and built["name"] == expected["name"]


# ----------------------------------------------------------------- round trip (docs/emulator.md)


@pytest.fixture(scope="module")
def demo_round_trip() -> tuple[dict[str, Any], dict[str, Any]]:
    """The demo served by the emulator and read back by the collector."""
    from auditor.collect import CollectOptions, run_collection
    from auditor.emulator import running_emulator

    original = json.loads((EXAMPLES / "demo-tenant.json").read_text(encoding="utf-8"))
    with running_emulator(original, throttle_bucket=0) as emu:
        result = run_collection(CollectOptions(emulator=emu.endpoint, ca_cert=emu.ca_cert, progress=False,
                                               summary=False, verify_delivery=True))
    return original, result.snapshot


def _canonical(docs: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(d, sort_keys=True) for d in docs)


RoundTrip = tuple[dict[str, Any], dict[str, Any]]


def test_demo_round_trip_policy_states_and_error_scopes(demo_round_trip: RoundTrip) -> None:
    original, collected = demo_round_trip
    assert _canonical(collected["policyStates"]) == _canonical(original["policyStates"])
    scopes = [{arm.norm_id(e["scope"]) for e in snap["errors"]} for snap in (collected, original)]
    assert scopes[0] == scopes[1]


def test_demo_round_trip_resources(demo_round_trip: RoundTrip) -> None:
    original, collected = demo_round_trip
    assert _canonical(collected["resources"]) == _canonical(original["resources"])
