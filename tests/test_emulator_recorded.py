"""Issue 20 items 5 and 7: the emulator replays the error answers Azure really gives, and the
collector reads Log Analytics answers by column NAME (another schema is unknown, never silence).

The bodies are the ones recorded in azure-sdk-for-python's azure-monitor-query test recordings
(copies in ``tests/fixtures/real_azure/responses/``); the emulator must serve them unchanged
(the top-level message aside, which is the snapshot error's), and the real LogsQueryClient and
ContainerClient read them.
"""

from __future__ import annotations

import json
import ssl
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from collect_support import DEMO_TENANT, collect

from auditor.azure import arm
from auditor.azure import delivery_facts as facts
from auditor.azure.snapshot import build_snapshot
from auditor.emulator import recorded
from auditor.emulator.runner import running_emulator
from auditor.emulator.store import SnapshotStore

RECORDINGS = Path(__file__).parent / "fixtures" / "real_azure" / "responses"


def recording(name: str) -> dict[str, Any]:
    entry: dict[str, Any] = json.loads((RECORDINGS / name).read_text(encoding="utf-8"))
    return entry


TABLE = {"name": "PrimaryResult", "columns": [{"name": n, "type": t} for n, t in facts.COLUMNS], "rows": []}


@pytest.mark.parametrize(("name", "code"), [
    ("la_query_sem0100.json", "BadArgumentError"),
    ("la_query_gateway_timeout.json", "GatewayTimeout"),
    ("la_query_other_schema_no_rows.json", recorded.UNEXPECTED_SCHEMA),
])
def test_replayed_bodies_are_the_recorded_ones(name: str, code: str) -> None:
    rec = recording(name)
    status, body = recorded.log_query_error(rec["StatusCode"], code, None, TABLE) or (0, {})
    assert (status, body) == (rec["StatusCode"], rec["ResponseBody"])


def test_partial_error_is_the_recorded_error_beside_the_workspace_table() -> None:
    rec = recording("la_query_partial_error.json")
    status, body = recorded.log_query_error(200, "PartialError", None, TABLE) or (0, {})
    assert status == rec["StatusCode"] == 200
    assert body["error"] == rec["ResponseBody"]["error"] and body["tables"] == [TABLE]


def _demo() -> dict[str, Any]:
    source: dict[str, Any] = json.loads(DEMO_TENANT.read_text())
    return source


@pytest.mark.parametrize(("status", "code", "message"), [
    (200, "PartialError", "There were some errors when processing your query."),
    (400, "BadArgumentError", "The request had some invalid properties"),
    (504, "GatewayTimeout", "Gateway timeout"),
    (200, recorded.UNEXPECTED_SCHEMA, None),
])
def test_collector_records_each_real_failure_as_unknown(status: int, code: str, message: str | None) -> None:
    source = _demo()
    central = next(w for w in source["delivery"]["workspaces"] if "central" in w["id"])
    source["delivery"]["workspaces"].remove(central)
    source["errors"].append({"scope": central["id"], "operation": "logQuery", "status": status, "code": code,
                             "message": message or "recorded"})
    with running_emulator(source) as emu:
        result = collect(emu, verify_delivery=True, retry_backoff=0.01)
    got = [e for e in result.snapshot["errors"] if e["operation"] == "logQuery" and arm.same_id(e["scope"],
                                                                                                central["id"])]
    assert len(got) == 1 and result.incomplete
    assert (got[0]["status"], got[0]["code"]) == (status, code)
    if message:
        assert got[0]["message"] == message  # what the snapshot held comes back: the round trip stays exact
    else:
        assert "avgRequestDuration" in got[0]["message"]  # says which columns came back
    assert not any(arm.same_id(w["id"], central["id"]) for w in result.snapshot["delivery"]["workspaces"])


def test_columns_are_read_by_name_not_position() -> None:
    names = [n for n, _ in facts.COLUMNS]
    row = dict(zip(names, ["AzureActivity", "ABC", "Administrative", "", "", 3, "2026-11-27T10:00:00Z", ""],
                   strict=True))
    backwards = list(reversed(names))
    activity, ingestion = facts.workspace_facts(backwards, [[row[n] for n in backwards]])
    assert activity == [{"subscriptionId": "abc", "category": "Administrative", "events": 3,
                         "lastEvent": "2026-11-27T10:00:00Z"}] and ingestion == []
    other = recording("la_query_other_schema_no_rows.json")["ResponseBody"]["tables"][0]
    with pytest.raises(facts.UnexpectedSchema):
        facts.workspace_facts([c["name"] for c in other["columns"]], other["rows"])  # no rows, yet not "silent"


def _get_raw(emu: Any, path: str) -> bytes:
    req = urllib.request.Request(emu.endpoint + path, headers={"Authorization": "Bearer x",
                                                               "x-ms-version": "2025-05-05"})
    with urllib.request.urlopen(req, context=ssl.create_default_context(cafile=emu.ca_cert), timeout=10) as r:
        data: bytes = r.read()
    return data


def test_listing_has_the_bom_and_blob_prefixes_with_a_delimiter() -> None:
    source = _demo()
    account = next(s for s in source["delivery"]["storageAccounts"] if s["subscriptions"])
    name = arm.last_segment(account["id"])
    with running_emulator(source) as emu:
        body = _get_raw(emu, f"/{name}/insights-activity-logs?restype=container&comp=list&delimiter=/"
                             "&prefix=resourceId%3D/SUBSCRIPTIONS/")
        plain = _get_raw(emu, f"/{name}/insights-activity-logs?restype=container&comp=list")
    assert body.startswith(recorded.BOM + b'<?xml version="1.0" encoding="utf-8"?><EnumerationResults ')
    assert b"<Delimiter>/</Delimiter>" in body and b"<BlobPrefix><Name>resourceId=/SUBSCRIPTIONS/" in body
    assert b"<Blob>" not in body  # every blob lies below a folder
    assert b"<Prefix>" not in plain and b"<Delimiter>" not in plain and b"<Blob><Name>" in plain


def test_delivery_times_are_served_relative_to_the_time_of_collection() -> None:
    snap = build_snapshot(_demo())
    later = snap.collected_at + timedelta(days=400, minutes=59)
    store = SnapshotStore(snap, now=later)
    assert store.delivery_shift == timedelta(days=400)
    section = _demo()["delivery"]
    moved = facts.shifted(section, store.delivery_shift)
    blob = moved["storageAccounts"][0]["subscriptions"][0]
    assert blob["lastModified"] == facts.timestamp(datetime(2026, 11, 28, 9, tzinfo=UTC) + timedelta(days=400))
    assert "/y=2028/m=01/d=02/h=09/m=00/" in blob["newestBlob"]
    assert facts.shifted(moved, -store.delivery_shift) == section
