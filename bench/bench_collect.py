"""Benchmark: collect a large synthetic tenant from the emulator with ARM-like latency.

    .venv/bin/python bench/bench_collect.py                 # 10,000 subscriptions, 50 ms
    .venv/bin/python bench/bench_collect.py --subscriptions 2000 --latency-ms 50 --concurrency 64

Generates the tenant (bench/synthetic_tenant.py) in a child process, serves it with
``auditor emulate`` in another child process (so client and server do not share a GIL; the
machine's cores are still shared), collects it in this process, and reports wall time,
requests per subscription, retries, and peak memory of collector and emulator. It also checks
the round trip (resources, policy states and error scopes equal) and that the request log
holds no write.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.collect import CollectOptions, run_collection  # noqa: E402
from auditor.emulator.runner import running_emulator  # noqa: E402


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _key(doc: object) -> str:
    return json.dumps(doc, sort_keys=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--page-size", type=int, default=100, help="emulator page size for REST lists")
    parser.add_argument("--faults", default="", help="emulator --faults spec, e.g. 429=0.02")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-collect-") as tmp:
        tenant = Path(tmp) / "tenant.json.gz"
        started = time.monotonic()
        subprocess.run([sys.executable, str(ROOT / "bench" / "synthetic_tenant.py"), str(args.subscriptions),
                        "-o", str(tenant)], check=True)
        generated = time.monotonic() - started
        log = Path(tmp) / "requests.jsonl"
        with running_emulator(str(tenant), in_subprocess=True, latency_ms=args.latency_ms,
                              page_size=args.page_size, faults=args.faults or None, seed=7,
                              request_log=str(log)) as emu:
            assert emu.process is not None
            t0 = time.monotonic()
            result = run_collection(CollectOptions(output=None, emulator=emu.endpoint, ca_cert=emu.ca_cert,
                                                   concurrency=args.concurrency, progress=False, summary=False))
            wall = time.monotonic() - t0
            emulator_peak = _peak_rss_mb(emu.process.pid)
        collector_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        source = json.loads(gzip.decompress(tenant.read_bytes()))
        methods = Counter(json.loads(line)["method"] for line in log.read_text().splitlines())

    got = result.snapshot
    same_resources = Counter(map(_key, source["resources"])) == Counter(map(_key, got["resources"]))
    same_states = Counter(map(_key, source["policyStates"])) == Counter(map(_key, got["policyStates"]))
    same_errors = ({e["scope"].lower() for e in source["errors"]} == {e["scope"].lower() for e in got["errors"]})
    subs = result.subscriptions
    figures = {
        "subscriptions": subs, "latencyMs": args.latency_ms, "concurrency": args.concurrency,
        "wallSeconds": round(wall, 1), "calls": result.calls, "callsPerSubscription": round(result.calls / subs, 2),
        "retries": result.retries, "throttlePauses": result.stats.throttle_pauses,
        "emulatorRequests": sum(methods.values()), "requestMethods": dict(methods),
        "collectorPeakMB": round(collector_peak), "emulatorPeakMB": round(emulator_peak),
        "resources": len(got["resources"]), "policyStates": len(got["policyStates"]), "errors": len(got["errors"]),
        "roundTrip": same_resources and same_states and same_errors, "generateSeconds": round(generated, 1),
        "callsByOperation": result.stats.as_dict()["callsByOperation"],
    }
    if args.json:
        print(json.dumps(figures))
        return
    for k, v in figures.items():
        print(f"{k:>22}: {v}")


if __name__ == "__main__":
    main()
