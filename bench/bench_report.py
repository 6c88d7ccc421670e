"""Report rendering at scale: time, pages and size of each format for a synthetic tenant.

Usage: .venv/bin/python bench/bench_report.py [--subscriptions 10000] [--formats pdf,html,csv,sarif,md]
       [--out bench/results/report]

The tenant (snapshot + findings) comes from :mod:`auditor.render.synthetic`, in the contract's
shapes, with the mix of verdicts and findings a large, partly governed tenant shows. Prints
one JSON line per format and a summary; numbers are for the machine it runs on.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.render import FILE_NAMES, render_reports  # noqa: E402
from auditor.render.synthetic import synthetic_tenant  # noqa: E402
from auditor.snapshot import build_snapshot  # noqa: E402


def _pages(path: Path) -> int | None:
    try:
        from pypdf import PdfReader
    except ImportError:
        return None
    return len(PdfReader(str(path)).pages)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subscriptions", type=int, default=10_000)
    ap.add_argument("--formats", default="md,csv,sarif,html,pdf")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "report"))
    args = ap.parse_args()
    out = Path(args.out)
    t0 = time.perf_counter()
    raw, findings = synthetic_tenant(args.subscriptions)
    snap = build_snapshot(raw, findings["snapshotSha256"], source="synthetic")
    built = time.perf_counter() - t0
    print(json.dumps({"subscriptions": args.subscriptions, "findings": len(findings["findings"]),
                      "resources": len(raw["resources"]), "generate_s": round(built, 2)}))
    (out).mkdir(parents=True, exist_ok=True)
    (out / "findings.json").write_text(json.dumps(findings, indent=2), encoding="utf-8")
    for fmt in args.formats.split(","):
        t = time.perf_counter()
        render_reports(findings, snap, out, [fmt])
        elapsed = time.perf_counter() - t
        path = out / FILE_NAMES[fmt]
        row = {"format": fmt, "seconds": round(elapsed, 2), "bytes": path.stat().st_size}
        if fmt == "pdf":
            row["pages"] = _pages(path)
        print(json.dumps(row), flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"max_rss_mb": round(rss)}))


if __name__ == "__main__":
    main()
