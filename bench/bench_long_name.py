"""PDF render time against the length of one display name (issue 12: it grew with its square).

    .venv/bin/python bench/bench_long_name.py --lengths 2000,20000,40000,100000

A 24-subscription synthetic tenant whose subscription 3 carries a name of N characters (one
unbreakable word); prints one JSON line per length with the seconds ``audit --format pdf``
takes, analysis included. Linear (here: flat) when names are cut for layout.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from measure import run  # noqa: E402
from synthetic_tenant import generate  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lengths", default="2000,20000,40000,100000")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-name-") as tmp:
        for n in (int(x) for x in args.lengths.split(",")):
            snap = Path(tmp) / f"t{n}.json"
            snap.write_text(json.dumps(generate(24, names={3: "N" * n})), encoding="utf-8")
            r = run([sys.executable, "-m", "auditor", "audit", "--snapshot", str(snap), "--out",
                     str(Path(tmp) / f"o{n}"), "--format", "pdf", "--quiet"])
            print(json.dumps({"nameLength": n, "seconds": round(r.seconds, 1), "peakMB": round(r.peak_mb),
                              "exit": r.returncode}), flush=True)


if __name__ == "__main__":
    main()
