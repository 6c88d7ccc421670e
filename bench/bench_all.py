"""``make bench``: one table of the whole tool at several tenant sizes, on this machine.

    .venv/bin/python bench/bench_all.py                       # 1,000, 3,000 and 10,000 subscriptions
    .venv/bin/python bench/bench_all.py --sizes 50000 --no-collect --steps analysis,every,remediate

For each size: ``collect`` against the emulator with 50 ms latency (bench/bench_collect.py), then
the CLI steps of bench/bench_report.py (analysis, each report format, all formats together,
remediate), each in a child process with its wall time and the peak memory of its process
tree. Prints a Markdown table (the README's) and writes the figures as JSON to
bench/results/bench-<sizes>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from bench_remediate import central_figures, goal_line  # noqa: E402
from bench_report import STEPS, report_rows  # noqa: E402

LABELS = {
    "collect": "collect (emulator, 50 ms latency)",
    "analysis": "analysis: `audit --format json`",
    "pdf": "`audit --format pdf`",
    "html": "`audit --format html`",
    "csv": "`audit --format csv`",
    "sarif": "`audit --format sarif`",
    "md": "`audit --format md`",
    "all": "`audit` (pdf,html,json, the default)",
    "every": "`audit` all six formats",
    "remediate": "`remediate`",
}


def collect_row(n: int) -> dict[str, Any]:
    out = subprocess.run([sys.executable, str(BENCH / "bench_collect.py"), "--subscriptions", str(n), "--json"],
                         check=True, capture_output=True, text=True).stdout
    f = json.loads(out.strip().splitlines()[-1])
    return {"step": "collect", "seconds": f["wallSeconds"], "peakMB": f["collectorPeakMB"],
            "emulatorPeakMB": f["emulatorPeakMB"], "calls": f["calls"], "roundTrip": f["roundTrip"]}


def _cell(row: dict[str, Any] | None) -> str:
    if not row:
        return ""
    parts = [f"{row['seconds']:,} s", f"{row['peakMB']:,} MB"]
    if "pdfPages" in row:
        parts.append(f"{row['pdfPages']} p., {row['pdfMB']} MB")
    if "htmlMB" in row:
        opened = row.get("htmlOpenSeconds")
        parts.append(f"HTML {row['htmlMB']} MB" + (f", usable in {opened} s" if opened is not None else ""))
    if "actions" in row:
        parts.append(f"{row['actions']:,} actions, {row['files']:,} files, {row['MB']} MB")
    if "calls" in row:
        parts.append(f"{row['calls']:,} calls")
    return "; ".join(parts)


def table(results: dict[int, list[dict[str, Any]]], steps: list[str]) -> str:
    sizes = sorted(results)
    lines = ["| step | " + " | ".join(f"{n:,} subscriptions" for n in sizes) + " |",
             "|---|" + "---|" * len(sizes)]
    for step in steps:
        cells = [_cell(next((r for r in results[n] if r["step"] == step), None)) for n in sizes]
        lines.append(f"| {LABELS.get(step, step)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> str:
    mem = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), "0")
    return (f"{os.cpu_count()} cores, {int(mem) / 1024 / 1024:.0f} GiB RAM, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,3000,10000")
    ap.add_argument("--steps", default="analysis,pdf,html,csv,sarif,md,all,remediate")
    ap.add_argument("--no-collect", action="store_true")
    ap.add_argument("--no-html-open", action="store_true")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    steps = [s for s in args.steps.split(",") if s]
    unknown = [s for s in steps if s not in STEPS]
    if unknown:
        raise SystemExit(f"unknown step(s) {unknown}; choose from {STEPS}")
    results: dict[int, list[dict[str, Any]]] = {}
    plan_lines: list[str] = []
    for n in sizes:
        rows = [] if args.no_collect else [collect_row(n)]
        if rows:
            print(json.dumps({"subscriptions": n, **rows[0]}), file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory(prefix="bench-all-") as tmp:
            rows += report_rows(n, steps, Path(tmp), not args.no_html_open)
            if "remediate" in steps:  # the plan's size with the central workspace configured (issue 18)
                for partial in (False, True):
                    central = central_figures(n, Path(tmp) / f"tenant-{n}.json.gz", Path(tmp), partial)
                    rows.append({"step": f"remediate-central{'-conflicts' if partial else ''}", **central})
                    plan_lines.append(goal_line(n, central))
        results[n] = rows
    shown = (["collect"] if not args.no_collect else []) + steps
    print(f"\nMachine: {machine()}\n")
    print(table(results, shown))
    if plan_lines:
        print("\nRemediation plan size:\n")
        print("\n".join(f"- {line}" for line in plan_lines))
    out = BENCH / "results" / f"bench-{'-'.join(map(str, sizes))}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": machine(), "results": results}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
