"""The whole offline analysis at scale: snapshot -> findings.json, on the synthetic tenant.

    .venv/bin/python bench/bench_audit.py --subscriptions 10000

Prints one JSON object: subscriptions, resources, seconds to load and index the snapshot, to
analyse (every axis and rule), to serialise findings.json, its size, peak RSS, verdict counts.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic_tenant import generate  # noqa: E402

from auditor.analysis.engine import audit_snapshot, dumps_findings  # noqa: E402
from auditor.azure.snapshot import build_snapshot  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscriptions", type=int, default=10000)
    args = parser.parse_args()
    raw = generate(args.subscriptions)
    t0 = time.perf_counter()
    snap = build_snapshot(raw)
    t1 = time.perf_counter()
    doc = audit_snapshot(snap)
    t2 = time.perf_counter()
    text = dumps_findings(doc)
    t3 = time.perf_counter()
    print(json.dumps({
        "subscriptions": args.subscriptions,
        "resources": len(raw["resources"]),
        "findings": len(doc["findings"]),
        "load_seconds": round(t1 - t0, 2),
        "analyse_seconds": round(t2 - t1, 2),
        "serialise_seconds": round(t3 - t2, 2),
        "findings_json_mb": round(len(text.encode()) / 1e6, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "verdicts": doc["summary"]["verdicts"],
    }, indent=2))


if __name__ == "__main__":
    main()
