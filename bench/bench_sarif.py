"""Is the SARIF of a large tenant accepted by GitHub code scanning? Figures, not assertions.

Generates the synthetic tenant (bench/synthetic_tenant.py), runs ``auditor audit --format sarif``
on it, and reports wall time and peak memory, findings, results, the largest result, the file's
size raw and gzip-compressed, whether it validates against the SARIF 2.1.0 schema
(tests/fixtures/ci-schemas/) and which of GitHub's upload limits it breaks
(auditor/render/sarif_limits.py). Usage: ``python bench/bench_sarif.py --sizes 10000``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import jsonschema

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import run  # noqa: E402
from synthetic_tenant import write_snapshot  # noqa: E402

from auditor.render.sarif_limits import gzip_size, violations  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "tests" / "fixtures" / "ci-schemas" / "sarif-schema-2.1.0.json"


def measure(n: int, work: Path) -> dict[str, object]:
    snapshot = write_snapshot(n, work / f"tenant-{n}.json.gz")
    out = work / f"out-{n}"
    r = run([sys.executable, "-m", "auditor", "audit", "--snapshot", str(snapshot), "--out", str(out),
             "--format", "sarif", "-q", "--sarif-artifact-path", "audits/snapshot.json.gz"])
    if r.returncode not in (0, 3):
        raise SystemExit(f"audit failed ({r.returncode}): {r.stderr}")
    data = (out / "findings.sarif").read_bytes()
    doc = json.loads(data)
    findings = json.loads((out / "findings.json").read_bytes())
    results = doc["runs"][0]["results"]
    errors = sorted(jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).iter_errors(doc), key=str)
    gz = gzip_size(data)
    return {"subscriptions": n, "seconds": round(r.seconds, 1), "peak_mb": round(r.peak_mb),
            "findings": len(findings["findings"]), "results": len(results),
            "largest_result_members": max((x["properties"]["findingCount"] for x in results), default=0),
            "bytes": len(data), "gzip_bytes": gz, "schema_errors": len(errors),
            "limit_violations": violations(doc, gz)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000", help="comma-separated subscription counts")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sarif-") as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            print(json.dumps(measure(n, Path(tmp))), flush=True)


if __name__ == "__main__":
    main()
