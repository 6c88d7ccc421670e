"""collect --verify-delivery against the emulator: real LogsQueryClient and ContainerClient, nothing mocked."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from collect_support import DEMO_TENANT, assert_round_trip, collect, request_log

from auditor import operations
from auditor.analysis.engine import audit_snapshot
from auditor.azure.delivery_facts import shifted
from auditor.azure.snapshot import build_snapshot
from auditor.collect.pipeline import LogQueryGuardPolicy, WriteRefused, check_blob_listing
from auditor.emulator.runner import running_emulator

WS_GUID = "0f6b7f1e-3b3c-4a8e-9d7e-2f1c2b3a4d5e"


def _demo() -> dict:
    return json.loads(DEMO_TENANT.read_text())


def test_demo_round_trip_with_delivery_is_exact(tmp_path: Path) -> None:
    source = _demo()
    log = tmp_path / "requests.jsonl"
    with running_emulator(source, page_size=5, request_log=str(log)) as emu:
        result = collect(emu, verify_delivery=True)
        shift = emu.emulator.store.delivery_shift if emu.emulator else timedelta(0)
    assert_round_trip(source, result.snapshot)
    assert shifted(result.snapshot["delivery"], -shift) == source["delivery"]
    ops = {e["operation"] for e in result.snapshot["errors"]}
    assert {operations.LOG_QUERY, operations.BLOB_LISTING, operations.DEFENDER_PLANS} <= ops
    entries = request_log(log)
    queries = [e for e in entries if e["path"].lower().startswith("/v1/workspaces/")]
    # one query per destination workspace the tenant holds (central, data, fabrikam)
    assert len(queries) == 3 and all(e["method"] == "POST" for e in queries)
    # data-plane listings (path-style /{account}/insights-activity-logs, not ARM container documents)
    listings = [e for e in entries if not e["path"].startswith("/subscriptions/")
                and "/insights-activity-logs" in e["path"]]
    assert listings and all(e["method"] == "GET" and "comp=list" in e["path"] for e in listings)


def test_live_collection_judges_delivery_as_the_offline_audit_whatever_the_date() -> None:
    """The demo's facts are dated 2026-11-28: collected live any later, they are served moved to the
    time of collection, so the live snapshot (judged at its own collectedAt) has the offline audit's
    delivery and detection findings, no more (issue 20 item 7)."""
    source = _demo()
    with running_emulator(source) as emu:
        result = collect(emu, verify_delivery=True)

    def delivery_findings(snapshot: dict) -> list[tuple[str, str]]:
        doc = audit_snapshot(build_snapshot(snapshot))
        return sorted((f["ruleId"], f["scope"].lower()) for f in doc["findings"]
                      if f["ruleId"].startswith(("ALA-DLV", "ALA-DET")))

    offline = delivery_findings(source)
    assert ("ALA-DLV-001", next(f[1] for f in offline if f[0] == "ALA-DLV-001")) in offline
    assert delivery_findings(result.snapshot) == offline


def test_without_the_flag_nothing_of_it_is_read(tmp_path: Path) -> None:
    source = _demo()
    log = tmp_path / "requests.jsonl"
    with running_emulator(source, request_log=str(log)) as emu:
        result = collect(emu)
    assert "delivery" not in result.snapshot
    paths = [e["path"].lower() for e in request_log(log)]
    assert not [p for p in paths if p.startswith("/v1/") or "comp=list" in p or "pricings" in p]


def test_delivery_survives_faults() -> None:
    source = _demo()
    with running_emulator(source, faults="429=0.1,500=0.05,503=0.05,reset=0.02", seed=3) as emu:
        result = collect(emu, verify_delivery=True, retry_backoff=0.01)
        shift = emu.emulator.store.delivery_shift if emu.emulator else timedelta(0)
    assert shifted(result.snapshot["delivery"], -shift) == source["delivery"]


def test_missing_data_plane_roles_are_errors_not_silence() -> None:
    source = _demo()
    for s in source["delivery"]["storageAccounts"]:
        source["errors"].append({"scope": s["id"], "operation": "blobListing", "status": 403,
                                 "code": "AuthorizationPermissionMismatch", "message": "no data reader"})
    source["delivery"]["storageAccounts"] = []
    with running_emulator(source) as emu:
        result = collect(emu, verify_delivery=True)
    assert result.snapshot["delivery"]["storageAccounts"] == []
    failed = {e["scope"].lower() for e in result.snapshot["errors"] if e["operation"] == "blobListing"}
    assert len(failed) == 3 and result.incomplete


class _Req:
    def __init__(self, method: str, url: str) -> None:
        self.method, self.url = method, url


class _Pipe:
    def __init__(self, method: str, url: str) -> None:
        self.http_request = _Req(method, url)


def test_log_query_guard_allows_only_query_posts_to_the_log_analytics_host() -> None:
    guard = LogQueryGuardPolicy("https://api.loganalytics.io")
    guard.on_request(_Pipe("POST", f"https://api.loganalytics.io/v1/workspaces/{WS_GUID}/query"))  # type: ignore[arg-type]
    for method, url in [("GET", f"https://api.loganalytics.io/v1/workspaces/{WS_GUID}/query"),
                        ("POST", f"https://evil.example/v1/workspaces/{WS_GUID}/query"),
                        ("POST", "https://api.loganalytics.io/v1/$batch"),
                        ("DELETE", f"https://api.loganalytics.io/v1/workspaces/{WS_GUID}")]:
        with pytest.raises(WriteRefused):
            guard.on_request(_Pipe(method, url))  # type: ignore[arg-type]


def test_blob_guard_allows_only_listing_the_activity_log_container() -> None:
    account = "https://stlogs.blob.core.windows.net"
    ok = f"{account}/insights-activity-logs?restype=container&comp=list&prefix=resourceId%3D%2F"
    check_blob_listing(ok, "GET", account, ".blob.core.windows.net")
    for method, url, acct in [
        ("PUT", ok, account),
        ("GET", f"{account}/insights-activity-logs/x.json", account),
        ("GET", f"{account}/other?restype=container&comp=list", account),
        ("GET", "https://stlogs.evil.example/insights-activity-logs?restype=container&comp=list",
         "https://stlogs.evil.example"),
        ("DELETE", f"{account}/insights-activity-logs?restype=container", account),
    ]:
        with pytest.raises(WriteRefused):
            check_blob_listing(url, method, acct, ".blob.core.windows.net")
