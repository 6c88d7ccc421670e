"""``auditor remediate`` at scale, against the targets of issue 10: how big is the plan?

    .venv/bin/python bench/bench_remediate.py --subscriptions 10000

Writes the synthetic tenant (bench/synthetic_tenant.py) as a snapshot and runs the CLI in a
child process twice: without a configuration (the export destination is a placeholder
workspace) and with the tenant's central workspace in ``[audit] central_destinations``. For
each it prints wall time and peak memory (bench/measure.py), the number of actions, how many
are scoped to a single subscription, files and megabytes written, and the projected counts
from ``plan.json`` (enforcement, verdicts, alert coverage) now and after the plan.
``remediate_figures`` is the function ``bench/bench_report.py`` or ``make bench`` can call.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from measure import run  # noqa: E402
from synthetic_tenant import _Tenant, with_partial_exports_to, write_snapshot  # noqa: E402


def _single_subscription(scope: str) -> bool:
    parts = scope.strip("/").split("/")
    return len(parts) == 2 and parts[0].lower() == "subscriptions"


def remediate_figures(snapshot: Path, out: Path, config: Path | None = None) -> dict[str, Any]:
    """Run ``auditor remediate`` once; the figures the issue's targets are stated in."""
    shutil.rmtree(out, ignore_errors=True)  # count only what this run writes
    cmd = [sys.executable, "-m", "auditor", "remediate", "--snapshot", str(snapshot), "--out", str(out)]
    if config is not None:
        cmd += ["--config", str(config)]
    r = run(cmd)
    if r.returncode != 0:
        raise SystemExit(f"remediate: exit {r.returncode}: {r.stderr.strip()[-2000:]}")
    files = [p for p in out.rglob("*") if p.is_file()]
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    actions = plan["actions"]
    subs = plan["subscriptions"]

    def counts(field: str) -> dict[str, int]:
        return dict(sorted(Counter(str(s.get(field)) for s in subs).items()))

    return {
        "config": "central workspace" if config else "none (placeholder destination)",
        "seconds": round(r.seconds, 1),
        "peakMB": round(r.peak_mb),
        "actions": len(actions),
        "singleSubscriptionActions": sum(1 for a in actions if _single_subscription(a["scope"])),
        "byKind": dict(sorted(Counter(a["kind"] for a in actions).items())),
        "files": len(files),
        "MB": round(sum(p.stat().st_size for p in files) / 1e6, 1),
        "enforcement": {"now": counts("enforcement"), "projected": counts("projected")},
        "verdicts": {"now": counts("verdict"), "projected": counts("projectedVerdict")},
        "alerts": {"now": counts("alerts"), "projected": counts("projectedAlerts")},
    }


# Issue 18's goal at 10,000 subscriptions: the plan grows with groups, not subscriptions.
GOAL = {"actions": 150, "singleSubscriptionActions": 20, "files": 600, "MB": 10.0}


def central_figures(n: int, snapshot: Path, work: Path, partial_to_central: bool = False) -> dict[str, Any]:
    """``remediate`` with the tenant's central workspace configured. ``partial_to_central``: first give
    every subscription without a setting one that sends Administrative and Security to that workspace
    (``with_partial_exports_to``), so that each conflicts with the policy's own setting and must be
    repaired: the run that measures the batched repair (issue 18, item 5)."""
    tenant = _Tenant(n, 1, True, None)
    config = work / "central.toml"
    config.write_text(f'[audit]\ncentral_destinations = ["{tenant.ws}"]\n', encoding="utf-8")
    if partial_to_central:
        raw = json.loads(gzip.decompress(snapshot.read_bytes()) if snapshot.name.endswith(".gz")
                         else snapshot.read_bytes())
        with_partial_exports_to(raw, tenant.ws)
        snapshot = work / f"tenant-{n}-partial-to-central.json"
        snapshot.write_text(json.dumps(raw), encoding="utf-8")
    row = remediate_figures(snapshot, work / f"out-central-{int(partial_to_central)}", config)
    row["config"] = "central workspace" + (", partial exports sent there" if partial_to_central else "")
    return row


def goal_line(n: int, row: dict[str, Any]) -> str:
    """One line: the plan's size against the goal (the goal is stated for 10,000 subscriptions)."""
    eff = row["enforcement"]
    parts = [f"{row['actions']} actions (goal <= {GOAL['actions']})",
             f"{row['singleSubscriptionActions']} touching one subscription (<= {GOAL['singleSubscriptionActions']})",
             f"{row['files']} files (<= {GOAL['files']})", f"{row['MB']} MB (<= {GOAL['MB']})",
             f"effective {eff['now'].get('effective', 0)} now, {eff['projected'].get('effective', 0)} projected"]
    met = all(row[k] <= v for k, v in GOAL.items())
    return f"remediate at {n:,} subscriptions, {row['config']}: " + ", ".join(parts) + (
        "; goal met" if met else "; GOAL NOT MET" if n >= 10_000 else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subscriptions", type=int, default=10_000)
    ap.add_argument("--keep", default=None, help="folder to keep the snapshot and outputs in")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-remediate-") as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        snapshot = write_snapshot(args.subscriptions, work / f"tenant-{args.subscriptions}.json.gz")
        rows = [remediate_figures(snapshot, work / "out-default"),
                central_figures(args.subscriptions, snapshot, work),
                central_figures(args.subscriptions, snapshot, work, partial_to_central=True)]
    print(json.dumps({"subscriptions": args.subscriptions, "runs": rows}, indent=1))
    for row in rows[1:]:
        print(goal_line(args.subscriptions, row))


if __name__ == "__main__":
    main()
