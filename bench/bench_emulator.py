"""Emulator throughput under thousands of concurrent HTTPS requests.

Builds a synthetic tenant (groups, subscriptions, diagnostic settings, policy assignments,
role assignments, storage accounts, policy states), starts ``auditor emulate`` in a
subprocess (so client and server do not share a GIL), and fires the reads a collector makes
with a given concurrency over a bounded connection pool. Prints one JSON object.

    .venv/bin/python bench/bench_emulator.py --subscriptions 2000 --requests 20000 --concurrency 2000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import ssl
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditor.emulator import running_emulator  # noqa: E402
from auditor.emulator.store import SnapshotStore  # noqa: E402

MG = "/providers/Microsoft.Management/managementGroups/"


def synthetic_snapshot(n_subs: int, n_groups: int, states_per_sub: int) -> dict[str, Any]:
    subs = [f"{i:08x}-0000-4000-8000-{i:012x}" for i in range(n_subs)]
    groups = [f"g{i}" for i in range(n_groups)]
    resources: list[dict[str, Any]] = []
    children: dict[str, list[dict[str, Any]]] = {g: [] for g in ["root", *groups]}
    parent_of: dict[str, str | None] = {"root": None}
    for i, g in enumerate(groups):
        parent_of[g] = "root" if i < 5 else groups[i % 5]
        children["root" if i < 5 else groups[i % 5]].append(
            {"id": MG + g, "type": "Microsoft.Management/managementGroups", "name": g})
    for i, s in enumerate(subs):
        children[groups[i % n_groups]].append({"id": f"/subscriptions/{s}", "type": "/subscriptions", "name": s})
    for g in ["root", *groups]:
        parent = parent_of[g]
        resources.append({"id": MG + g, "type": "Microsoft.Management/managementGroups", "name": g,
                          "properties": {"displayName": g, "details": {"parent": {"id": MG + parent} if parent
                                                                        else None}, "children": children[g]}})
        resources.append({"id": f"{MG}{g}/providers/Microsoft.Authorization/policyAssignments/a-{g}",
                          "type": "Microsoft.Authorization/policyAssignments", "name": f"a-{g}",
                          "properties": {"scope": MG + g, "policyDefinitionId": "/providers/x"}})
    states = []
    for s in subs:
        sid = f"/subscriptions/{s}"
        resources.append({"id": sid, "subscriptionId": s, "displayName": s, "state": "Enabled"})
        resources.append({"id": f"{sid}/providers/microsoft.insights/diagnosticSettings/export", "type": None,
                          "name": "export", "properties": {"workspaceId": f"{sid}/resourceGroups/rg/providers/"
                                                           "Microsoft.OperationalInsights/workspaces/law",
                                                           "logs": [{"categoryGroup": "allLogs", "enabled": True}]}})
        resources.append({"id": f"{sid}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law",
                          "type": "Microsoft.OperationalInsights/workspaces", "name": "law",
                          "properties": {"retentionInDays": 365}})
        resources.append({"id": f"{sid}/providers/Microsoft.Authorization/roleAssignments/{s}",
                          "type": "Microsoft.Authorization/roleAssignments", "name": s,
                          "properties": {"principalId": s, "scope": sid, "roleDefinitionId": "x"}})
        for k in range(states_per_sub):
            states.append({"resourceId": f"{sid}/resourceGroups/rg/providers/x/y/r{k}", "subscriptionId": s,
                           "complianceState": "NonCompliant" if k % 2 else "Compliant",
                           "policyDefinitionAction": "deployifnotexists"})
    return {"schemaVersion": 1, "collectedAt": "2026-11-28T10:00:00Z", "tenantId": "t",
            "rootManagementGroupId": MG + "root", "resources": resources, "policyStates": states, "errors": []}


def request_mix(subs: list[str], n: int) -> list[tuple[str, str]]:
    out = []
    for i in range(n):
        s = subs[i % len(subs)]
        sid = f"/subscriptions/{s}"
        choice = i % 5
        if choice == 0:
            out.append(("GET", f"{sid}/providers/Microsoft.Insights/diagnosticSettings?api-version=2021-05-01-preview"))
        elif choice == 1:
            out.append(("GET", f"{sid}/providers/Microsoft.Authorization/policyAssignments"
                               "?api-version=2026-06-01&$filter=atScope()"))
        elif choice == 2:
            out.append(("GET", f"{sid}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law"
                               "?api-version=2022-10-01"))
        elif choice == 3:
            out.append(("GET", f"{sid}/providers/Microsoft.Authorization/roleAssignments"
                               "?api-version=2022-04-01&$filter=atScope()"))
        else:
            out.append(("POST", f"{sid}/providers/Microsoft.PolicyInsights/policyStates/latest/queryResults"
                                "?api-version=2019-10-01&$filter=complianceState%20eq%20'NonCompliant'"))
    return out


async def fire(endpoint: str, ca: str, calls: list[tuple[str, str]], concurrency: int) -> dict[str, Any]:
    ctx = ssl.create_default_context(cafile=ca)
    conn = aiohttp.TCPConnector(limit=concurrency, ssl=ctx)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    async with aiohttp.ClientSession(connector=conn, headers={"Authorization": "Bearer bench"}) as session:
        async def one(method: str, path: str) -> None:
            t0 = time.perf_counter()
            async with session.request(method, endpoint + path) as r:
                await r.read()
                statuses[r.status] = statuses.get(r.status, 0) + 1
            latencies.append(time.perf_counter() - t0)

        started = time.perf_counter()
        await asyncio.gather(*(one(m, p) for m, p in calls))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {"requests": len(calls), "seconds": round(elapsed, 2), "rps": round(len(calls) / elapsed),
            "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
            "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1), "statuses": statuses}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subscriptions", type=int, default=2000)
    ap.add_argument("--groups", type=int, default=60)
    ap.add_argument("--states-per-sub", type=int, default=10)
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--concurrency", type=int, default=2000)
    args = ap.parse_args()
    snap = synthetic_snapshot(args.subscriptions, args.groups, args.states_per_sub)
    t0 = time.perf_counter()
    store = SnapshotStore.from_source(snap)
    build_s = time.perf_counter() - t0
    subs = [sid.rsplit("/", 1)[1] for sid in store.subscriptions]
    calls = request_mix(subs, args.requests)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "snap.json"
        path.write_text(json.dumps(snap))
        with running_emulator(path, in_subprocess=True, throttle_bucket=0) as emu:
            result = asyncio.run(fire(emu.endpoint, emu.ca_cert, calls, args.concurrency))
            assert emu.process is not None
            status_file = Path(f"/proc/{emu.process.pid}/status")
            rss = next((line.split()[1] for line in status_file.read_text().splitlines()
                        if line.startswith("VmHWM")), "?") if status_file.exists() else "?"
    result.update({"resources": len(snap["resources"]), "policyStates": len(snap["policyStates"]),
                   "store_build_s": round(build_s, 2), "server_peak_rss_kb": rss,
                   "client_peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                   "concurrency": args.concurrency})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
