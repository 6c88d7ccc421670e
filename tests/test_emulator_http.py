"""The emulator's ARM behaviour over raw HTTPS: auth, writes, api-version, recorded errors,
throttling, faults, latency, paging links and the request log."""

from __future__ import annotations

import asyncio
import json
import ssl
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from test_emulator_data import MG, SUB_ALERTS, SUB_DIAG, SUB_POLICY, SUB_ROLES, tenant_snapshot

from auditor.emulator import RunningEmulator, running_emulator
from auditor.errors import InputError

DIAG = "/providers/Microsoft.Insights/diagnosticSettings?api-version=2021-05-01-preview"


def call(emu: RunningEmulator, path: str, method: str = "GET", token: str | None = "x",
         body: Any = None) -> tuple[int, dict[str, str], Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = json.dumps(body).encode() if body is not None else None
    if data is not None:
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(emu.endpoint + path if path.startswith("/") else path,
                                 data=data, method=method, headers=headers)
    ctx = ssl.create_default_context(cafile=emu.ca_cert)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            raw = r.read()
            return r.status, dict(r.headers), json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, dict(e.headers), json.loads(raw) if raw else None


def read_log(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_bearer_token_required_and_writes_refused_and_logged(tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    with running_emulator(tenant_snapshot(), request_log=log) as emu:
        status, _, body = call(emu, "/subscriptions?api-version=2022-12-01", token=None)
        assert status == 401 and body["error"]["code"] == "AuthenticationFailed"
        sub_diag = f"/subscriptions/{SUB_DIAG}/providers/Microsoft.Insights/diagnosticSettings/ds4"
        for method in ("PUT", "PATCH", "DELETE"):
            status, _, body = call(emu, sub_diag + "?api-version=2021-05-01-preview", method=method, body={})
            assert status == 405, method
        status, _, _ = call(emu, f"/subscriptions/{SUB_DIAG}/providers/Microsoft.Storage/storageAccounts/a/listKeys"
                                 "?api-version=2023-01-01", method="POST", body={})
        assert status == 405
        status, _, _ = call(emu, f"/subscriptions/{SUB_DIAG}/providers/Microsoft.Insights/diagnosticSettings/ds4")
        assert status == 400  # no api-version, like ARM
    entries = read_log(log)
    assert [(e["method"], e["status"]) for e in entries] == [
        ("GET", 401), ("PUT", 405), ("PATCH", 405), ("DELETE", 405), ("POST", 405), ("GET", 400)]
    assert entries[1]["path"].endswith("/diagnosticSettings/ds4?api-version=2021-05-01-preview")
    assert all(e["fault"] is None for e in entries)


def test_recorded_403_for_an_operation_and_for_a_whole_subtree() -> None:
    errors = [
        {"scope": f"/subscriptions/{SUB_DIAG}", "operation": "diagnosticSettings", "status": 403,
         "code": "AuthorizationFailed", "message": "no read on diagnostic settings"},
        {"scope": MG + "DevOrg", "operation": "*", "status": 403, "code": "AuthorizationFailed", "message": "denied"},
        {"scope": f"/subscriptions/{SUB_ALERTS}", "operation": "activityLogAlerts", "status": 500,
         "code": "InternalServerError", "message": "boom"},
    ]
    with running_emulator(tenant_snapshot(errors=errors), throttle_bucket=0) as emu:
        status, _, body = call(emu, f"/subscriptions/{SUB_DIAG}{DIAG}")
        assert status == 403 and body["error"] == {"code": "AuthorizationFailed",
                                                   "message": "no read on diagnostic settings"}
        status, _, _ = call(emu, f"/subscriptions/{SUB_DIAG}/providers/microsoft.insights/diagnosticSettings/ds4"
                                 "?api-version=2021-05-01-preview")
        assert status == 403  # the single setting is the same operation at the same scope
        assert call(emu, f"/subscriptions/{SUB_DIAG}?api-version=2022-12-01")[0] == 200  # other operations read
        # '*' at DevOrg: the group, the subscriptions below it and everything in them
        assert call(emu, f"{MG}DevOrg?api-version=2023-04-01")[0] == 403
        assert call(emu, f"{MG}DevOrg/providers/Microsoft.Authorization/policyAssignments"
                         "?api-version=2026-06-01&$filter=atScope()")[0] == 403
        assert call(emu, f"/subscriptions/{SUB_POLICY}{DIAG}")[0] == 403
        assert call(emu, f"/subscriptions/{SUB_ROLES}/providers/Microsoft.Authorization/roleAssignments"
                         "?api-version=2022-04-01")[0] == 403
        assert call(emu, f"/subscriptions/{SUB_POLICY}/resourceGroups/rg/providers/Microsoft.Storage/"
                         "storageAccounts/sa?api-version=2023-01-01")[0] == 403
        # ... but not above or beside it
        assert call(emu, f"{MG}TestManagementGroup?api-version=2023-04-01")[0] == 200
        assert call(emu, f"/subscriptions/{SUB_ALERTS}{DIAG}")[0] == 200
        # other statuses are answered as recorded, every time
        for _ in range(2):
            status, _, body = call(emu, f"/subscriptions/{SUB_ALERTS}/providers/Microsoft.Insights/activityLogAlerts"
                                        "?api-version=2020-10-01")
            assert status == 500 and body["error"]["code"] == "InternalServerError"


def test_throttling_per_subscription_bucket_with_headers() -> None:
    with running_emulator(tenant_snapshot(), throttle_bucket=3, throttle_refill=0.5) as emu:
        statuses = []
        for _ in range(4):
            status, headers, _ = call(emu, f"/subscriptions/{SUB_DIAG}{DIAG}")
            statuses.append((status, headers.get("x-ms-ratelimit-remaining-subscription-reads")))
        assert [s for s, _ in statuses] == [200, 200, 200, 429]
        assert [r for _, r in statuses[:3]] == ["2", "1", "0"]
        status, headers, body = call(emu, f"/subscriptions/{SUB_DIAG}{DIAG}")
        assert status == 429 and int(headers["Retry-After"]) >= 1 and body["error"]["code"] == "TooManyRequests"
        # another subscription has its own bucket; tenant-level calls the tenant bucket
        assert call(emu, f"/subscriptions/{SUB_POLICY}{DIAG}")[0] == 200
        status, headers, _ = call(emu, "/subscriptions?api-version=2022-12-01")
        assert status == 200 and headers["x-ms-ratelimit-remaining-tenant-reads"] == "2"


def test_faults_follow_the_seeded_shares_and_are_logged(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"

    def run() -> list[Any]:
        outcomes: list[Any] = []
        with running_emulator(tenant_snapshot(), faults="503=0.3,429=0.2,reset=0.1", seed=7,
                              throttle_bucket=0, request_log=log) as emu:
            for _ in range(200):
                try:
                    status, headers, _ = call(emu, "/subscriptions?api-version=2022-12-01")
                    outcomes.append(status if status != 429 else (429, headers.get("Retry-After")))
                except (urllib.error.URLError, ConnectionError) as e:
                    outcomes.append(type(e).__name__)
        return outcomes

    first = run()
    assert first == run()  # same seed, same sequence
    assert 40 <= first.count(503) <= 80
    assert 20 <= first.count((429, "1")) <= 60
    resets = [o for o in first if isinstance(o, str)]
    assert 8 <= len(resets) <= 35
    assert 40 <= first.count(200) <= 120
    entries = read_log(log)
    assert len(entries) == 200
    assert sum(1 for e in entries if e["fault"] == "reset" and e["status"] is None) == len(resets)
    assert sum(1 for e in entries if e["fault"] == "503" and e["status"] == 503) == first.count(503)


def test_bad_fault_spec_is_an_input_error() -> None:
    for spec in ("429", "600=0.1", "500=abc", "500=0.7,503=0.5", "reset=-1"):
        with pytest.raises(InputError), running_emulator(tenant_snapshot(), faults=spec):
            pass


def test_latency_is_added_without_blocking_other_requests() -> None:
    async def many(emu: RunningEmulator, n: int) -> list[int]:
        ctx = ssl.create_default_context(cafile=emu.ca_cert)
        async with aiohttp.ClientSession(headers={"Authorization": "Bearer t"}) as session:
            async def one() -> int:
                async with session.get(f"{emu.endpoint}/subscriptions?api-version=2022-12-01", ssl=ctx) as r:
                    await r.read()
                    return r.status
            return await asyncio.gather(*(one() for _ in range(n)))

    with running_emulator(tenant_snapshot(), latency_ms=300, throttle_bucket=0) as emu:
        started = time.monotonic()
        statuses = asyncio.run(many(emu, 40))
        elapsed = time.monotonic() - started
    assert statuses == [200] * 40
    assert elapsed >= 0.3  # every answer waited
    assert elapsed < 10  # sequential waits would take 12 s


def test_paging_links_point_back_to_the_emulator_and_cover_every_item() -> None:
    extra = [{"id": f"/subscriptions/{SUB_DIAG}/resourceGroups/rg{i % 3}/providers/Microsoft.Storage/"
                    f"storageAccounts/sa{i:02d}", "type": "Microsoft.Storage/storageAccounts", "name": f"sa{i:02d}",
              "properties": {"allowBlobPublicAccess": False}} for i in range(23)]
    with running_emulator(tenant_snapshot(extra=extra), page_size=5, throttle_bucket=0) as emu:
        names: list[str] = []
        url = f"/subscriptions/{SUB_DIAG}/providers/Microsoft.Storage/storageAccounts?api-version=2023-01-01"
        pages = 0
        while url:
            status, _, body = call(emu, url)
            assert status == 200 and len(body["value"]) <= 5
            names += [d["name"] for d in body["value"]]
            url = body.get("nextLink")
            assert url is None or url.startswith(emu.endpoint + "/subscriptions/")
            pages += 1
        assert pages == 5 and names == [f"sa{i:02d}" for i in range(23)]
        status, _, body = call(emu, f"/subscriptions/{SUB_DIAG}/resourceGroups/RG1/providers/microsoft.storage/"
                                    "storageaccounts?api-version=2023-01-01")
        assert [d["name"] for d in body["value"]] == ["sa01", "sa04", "sa07", "sa10", "sa13"]
        assert body["nextLink"].startswith(emu.endpoint)
        status, _, body = call(emu, f"/subscriptions/{SUB_DIAG}/providers/Microsoft.Storage/storageAccounts"
                                    "?api-version=2023-01-01&$skiptoken=bogus")
        assert status == 400
        status, _, doc = call(emu, f"/subscriptions/{SUB_DIAG}/resourcegroups/rg2/providers/Microsoft.Storage/"
                                   "storageAccounts/SA05?api-version=2023-01-01")
        assert status == 200 and doc["name"] == "sa05"
        status, _, body = call(emu, f"/subscriptions/{SUB_DIAG}/resourcegroups/rg2/providers/Microsoft.Storage/"
                                    "storageAccounts/nope?api-version=2023-01-01")
        assert status == 404 and body["error"]["code"] == "ResourceNotFound"


def test_policy_exemptions_raw_request_at_scope() -> None:
    with running_emulator(tenant_snapshot(), throttle_bucket=0) as emu:
        path = (f"/subscriptions/{SUB_POLICY}/providers/Microsoft.Authorization/policyExemptions"
                "?api-version=2022-07-01-preview&$filter=atScope()")
        status, _, body = call(emu, path)
        names = sorted(d["name"] for d in body["value"])
        assert status == 200 and names == ["ResearchBudgetExemption", "TestVMSub", "TestVNetSub", "VNetIsMonitored"]
        status, _, body = call(emu, f"{MG}DevOrg/providers/Microsoft.Authorization/policyExemptions"
                                    "?api-version=2024-12-01-preview&$filter=atScope()")
        assert sorted(d["name"] for d in body["value"]) == ["ResearchBudgetExemption", "VNetIsMonitored"]
        status, _, body = call(emu, f"{MG}DevOrg/providers/Microsoft.Authorization/policyExemptions"
                                    "?api-version=2024-12-01-preview&$filter=atScope()%20or%20true")
        assert status == 400


def test_many_concurrent_connections_are_all_answered() -> None:
    paths = [f"/subscriptions/{SUB_DIAG}{DIAG}", f"{MG}TestRoot?api-version=2023-04-01&$expand=children",
             f"/subscriptions/{SUB_POLICY}/providers/Microsoft.Authorization/policyAssignments"
             "?api-version=2026-06-01&$filter=atScope()"]

    async def burst(emu: RunningEmulator, n: int) -> list[int]:
        ctx = ssl.create_default_context(cafile=emu.ca_cert)
        connector = aiohttp.TCPConnector(limit=n, ssl=ctx)
        async with aiohttp.ClientSession(connector=connector, headers={"Authorization": "Bearer t"}) as session:
            async def one(i: int) -> int:
                async with session.get(emu.endpoint + paths[i % len(paths)]) as r:
                    body = await r.json()
                    assert body.get("value") is not None or body.get("id")
                    return r.status
            return await asyncio.gather(*(one(i) for i in range(n)))

    with running_emulator(tenant_snapshot(), throttle_bucket=0) as emu:
        assert asyncio.run(burst(emu, 400)) == [200] * 400


def test_entities_narrowed_to_a_group_and_deep_recursion() -> None:
    with running_emulator(tenant_snapshot(), throttle_bucket=0) as emu:
        status, _, body = call(emu, "/providers/Microsoft.Management/getEntities?api-version=2023-04-01"
                                    "&groupName=TestManagementGroup", method="POST", body={})
        assert status == 200
        names = [e["name"] for e in body["value"]]
        assert names[0] == "TestManagementGroup" and set(names[1:]) == {"DevOrg", SUB_DIAG, SUB_POLICY, SUB_ROLES}
        dev = next(e for e in body["value"] if e["name"] == "DevOrg")
        assert dev["properties"]["parentNameChain"] == ["TestRoot", "TestManagementGroup"]
        assert dev["properties"]["numberOfChildren"] == 2 and dev["properties"]["numberOfChildGroups"] == 0
        status, _, root = call(emu, f"{MG}TestRoot?api-version=2023-04-01&$expand=children&$recurse=true")
        tmg = next(c for c in root["properties"]["children"] if c["name"] == "TestManagementGroup")
        dev_child = next(c for c in tmg["children"] if c["name"] == "DevOrg")
        assert {c["name"] for c in dev_child["children"]} == {SUB_POLICY, SUB_ROLES}
        status, _, stored = call(emu, f"{MG}TestRoot?api-version=2023-04-01&$expand=children")
        assert all("children" not in c for c in stored["properties"]["children"])  # served as stored
