"""Enforcement analysis and POL rules at scale, on the synthetic tenant of ``bench/synthetic_tenant.py``.

    .venv/bin/python bench/bench_enforcement.py --subscriptions 5000

Prints one JSON object: subscriptions, seconds for the enforcement axis and for the six POL
rules, peak RSS, and the count of subscriptions per enforcement state.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic_tenant import generate  # noqa: E402

from auditor.analysis.checks import policy  # noqa: E402
from auditor.analysis.context import AuditContext  # noqa: E402
from auditor.azure.snapshot import build_snapshot  # noqa: E402
from auditor.config import Config  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscriptions", type=int, default=5000)
    args = parser.parse_args()
    snap = build_snapshot(generate(args.subscriptions))
    ctx = AuditContext(snap, Config())
    ctx.hierarchy  # noqa: B018 - built outside the timed part
    t0 = time.perf_counter()
    result = ctx.enforcement
    t1 = time.perf_counter()
    findings = sum(len(list(check(ctx))) for _, check in policy.CHECKS)
    t2 = time.perf_counter()
    print(json.dumps({
        "subscriptions": len(result),
        "resources": len(snap.resources),
        "enforcementSeconds": round(t1 - t0, 3),
        "polRulesSeconds": round(t2 - t1, 3),
        "polFindings": findings,
        "states": dict(sorted(Counter(r.state for r in result.values()).items())),
        "peakRssMiB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


if __name__ == "__main__":
    main()
