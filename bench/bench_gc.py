"""Time the cyclic garbage collector spends in a real ``auditor audit``, with the command's
collector policy (auditor/commands/gc_policy.py) and with the interpreter's defaults.

    .venv/bin/python bench/bench_gc.py --subscriptions 10000
    .venv/bin/python bench/bench_gc.py --snapshot tenant.json --framework cis-azure-3.0.0,pci-dss-4.0

Each run is a child process (``--child``) that counts collections and their time through
``gc.callbacks`` around the CLI's own entry point; with ``--defaults`` the policy is switched
off there (``gc.set_threshold`` and ``gc.freeze`` made to do nothing). Prints one line
per mode and, with ``--json``, the figures.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))


def _child(defaults: bool, argv: list[str]) -> None:
    import gc

    spent = {"seconds": 0.0, "collections": [0, 0, 0]}
    began = [0.0]

    def count(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            spent["seconds"] += time.perf_counter() - began[0]
            spent["collections"][info["generation"]] += 1

    if defaults:  # the policy's calls do nothing: the interpreter's thresholds, nothing frozen
        gc.set_threshold = lambda *args: None  # type: ignore[assignment]
        gc.freeze = lambda: None  # type: ignore[assignment]
    import auditor.cli as cli

    gc.callbacks.append(count)
    start = time.perf_counter()
    code = 0
    try:
        cli.main(argv, standalone_mode=True)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    print(json.dumps({"seconds": round(time.perf_counter() - start, 2), "gcSeconds": round(spent["seconds"], 2),
                      "collections": spent["collections"], "exit": code}))


def run(snapshot: Path, framework: str, formats: str) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for mode in ("policy", "defaults"):
        with tempfile.TemporaryDirectory() as out:
            argv = ["audit", "--snapshot", str(snapshot), "--out", out, "--quiet", "--format", formats,
                    *(["--framework", framework] if framework else [])]
            cmd = [sys.executable, __file__, "--child", *(["--defaults"] if mode == "defaults" else []), "--", *argv]
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode != 0 or not done.stdout.strip():
                raise SystemExit(f"bench_gc: the {mode} run failed: {done.stderr.strip()[-400:]}")
            figures[mode] = json.loads(done.stdout.strip().splitlines()[-1])
            if figures[mode]["exit"] not in (0, 1, 3):  # 3: the synthetic tenant has unreadable scopes
                raise SystemExit(f"bench_gc: the {mode} audit exited {figures[mode]['exit']}: "
                                 f"{done.stderr.strip()[-400:]}")
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--defaults", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--subscriptions", type=int, default=10000)
    ap.add_argument("--snapshot", type=Path, default=None, help="an existing snapshot instead of a synthetic one")
    ap.add_argument("--framework", default="")
    ap.add_argument("--format", dest="formats", default="pdf,html,json")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("argv", nargs="*")
    args = ap.parse_args()
    if args.child:
        _child(args.defaults, args.argv)
        return
    with tempfile.TemporaryDirectory() as tmp:
        snapshot = args.snapshot
        if snapshot is None:
            from synthetic_tenant import write_snapshot

            snapshot = Path(tmp) / "tenant.json"
            write_snapshot(args.subscriptions, snapshot)
        figures = run(snapshot, args.framework, args.formats)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for mode, f in figures.items():
        print(f"{mode:9} audit {f['seconds']:6.2f} s, of which collector {f['gcSeconds']:5.2f} s "
              f"({'/'.join(map(str, f['collections']))} collections of generations 0/1/2)")


if __name__ == "__main__":
    main()
