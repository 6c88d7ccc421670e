"""The real pipeline at scale: ``auditor audit`` and ``auditor remediate`` on a synthetic tenant.

    .venv/bin/python bench/bench_report.py --subscriptions 10000
    .venv/bin/python bench/bench_report.py --subscriptions 50000 --steps analysis,all --json
    .venv/bin/python bench/bench_report.py --steps all --framework cis-azure-3.0.0,pci-dss-4.0

The tenant is the project's one generator (bench/synthetic_tenant.py), written as a snapshot
file. Each step runs the CLI in a child process, exactly as a user would, so every figure
includes loading the snapshot, the analysis and (for reports) the remediation plan the report
shows; peak memory is that of the whole process tree (bench/measure.py). Steps:

- analysis: ``audit --format json`` (load, analysis, findings.json)
- pdf, html, csv, sarif, md: ``audit --format FORMAT`` (findings.json is always written too)
- all: ``audit --format pdf,html,json`` (the default)
- every: ``audit --format pdf,html,json,csv,sarif,md``
- remediate: ``remediate`` (plan.json and every template)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from measure import run  # noqa: E402
from synthetic_tenant import write_snapshot  # noqa: E402

STEPS = ("analysis", "pdf", "html", "csv", "sarif", "md", "all", "every", "remediate")
AUDIT_FORMATS = {"analysis": "json", "all": "pdf,html,json", "every": "pdf,html,json,csv,sarif,md"}
OK_EXITS = (0, 1, 3)  # 3: the synthetic tenant deliberately has unreadable scopes (ALA-AUD-001)


def _pdf_pages(path: Path) -> int | None:
    try:
        from pypdf import PdfReader
    except ImportError:
        return None
    return len(PdfReader(str(path)).pages)


def _tree_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def run_step(step: str, snapshot: Path, out: Path, html_open: bool = True, framework: str = "") -> dict[str, Any]:
    """One step in a child process; returns its figures (seconds, peakMB, outputs)."""
    cli = [sys.executable, "-m", "auditor"]
    if step == "remediate":
        cmd = [*cli, "remediate", "--snapshot", str(snapshot), "--out", str(out)]
    else:
        cmd = [*cli, "audit", "--snapshot", str(snapshot), "--out", str(out), "--quiet",
               "--format", AUDIT_FORMATS.get(step, step), *(["--framework", framework] if framework else [])]
    r = run(cmd)
    if r.returncode not in OK_EXITS:
        raise SystemExit(f"{step}: exit {r.returncode}: {r.stderr.strip()[-2000:]}")
    row: dict[str, Any] = {"step": step, "seconds": round(r.seconds, 1), "peakMB": round(r.peak_mb)}
    if step == "remediate":
        files, size = _tree_size(out)
        plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
        row.update(files=files, MB=round(size / 1e6, 1), actions=len(plan.get("actions", [])))
        return row
    if (out / "report.pdf").is_file():
        row["pdfMB"] = round((out / "report.pdf").stat().st_size / 1e6, 1)
        row["pdfPages"] = _pdf_pages(out / "report.pdf")
    if (out / "report.html").is_file():
        row["htmlMB"] = round((out / "report.html").stat().st_size / 1e6, 1)
        if html_open:
            from bench_html_open import open_seconds

            row["htmlOpenSeconds"] = open_seconds(out / "report.html")
    if step == "analysis":
        row["findingsMB"] = round((out / "findings.json").stat().st_size / 1e6, 1)
    return row


def report_rows(n: int, steps: list[str], work: Path, html_open: bool = True,
                framework: str = "") -> list[dict[str, Any]]:
    snapshot = work / f"tenant-{n}.json.gz"
    t0 = time.perf_counter()
    write_snapshot(n, snapshot)  # in this process: the generator's memory is not the audit's
    rows: list[dict[str, Any]] = [{"step": "generate", "seconds": round(time.perf_counter() - t0, 1),
                                   "snapshotMB": round(snapshot.stat().st_size / 1e6, 1)}]
    for step in steps:
        rows.append(run_step(step, snapshot, work / f"out-{n}-{step}", html_open, framework))
        print(json.dumps({"subscriptions": n, **rows[-1]}), file=sys.stderr, flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subscriptions", type=int, default=10_000)
    ap.add_argument("--steps", default="analysis,pdf,html,all,remediate",
                    help=f"comma-separated, from {', '.join(STEPS)}")
    ap.add_argument("--no-html-open", action="store_true", help="skip timing the HTML report in Chromium")
    ap.add_argument("--keep", default=None, help="folder to keep the snapshot and outputs in")
    ap.add_argument("--framework", default="", help="audit --framework IDS for the audit steps (Compliance chapter)")
    args = ap.parse_args()
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    bad = [s for s in steps if s not in STEPS]
    if bad:
        raise SystemExit(f"unknown step(s) {bad}; choose from {STEPS}")
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        rows = report_rows(args.subscriptions, steps, work, not args.no_html_open, args.framework)
    print(json.dumps({"subscriptions": args.subscriptions, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
