"""Cost of secret redaction (every collect pays it) and of `auditor redact`, on the synthetic tenant.

    .venv/bin/python bench/bench_redact.py --subscriptions 10000

Prints one JSON object: subscriptions, documents, seconds for the secret rules over the whole
snapshot (what collect adds before writing), seconds to pseudonymise it, pseudonyms made, and
whether the pseudonymised snapshot gives the same verdict counts.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic_tenant import generate  # noqa: E402

from auditor.analysis.engine import audit_snapshot  # noqa: E402
from auditor.azure.snapshot import build_snapshot  # noqa: E402
from auditor.redact.pseudonyms import Pseudonymiser  # noqa: E402
from auditor.redact.secrets import redact_snapshot  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscriptions", type=int, default=10000)
    args = parser.parse_args()
    raw = generate(args.subscriptions, 1, errors=True)
    work = copy.deepcopy(raw)
    started = time.perf_counter()
    removed = redact_snapshot(work)
    secrets_s = time.perf_counter() - started
    p = Pseudonymiser(b"bench-key-bench-key-bench-key-32")
    started = time.perf_counter()
    shared = p.snapshot(work)
    pseudo_s = time.perf_counter() - started
    same = (audit_snapshot(build_snapshot(raw))["summary"] == audit_snapshot(build_snapshot(shared))["summary"])
    documents = len(raw["resources"]) + len(raw["policyStates"])
    print(json.dumps({"subscriptions": args.subscriptions, "documents": documents,
                      "secretRulesSeconds": round(secrets_s, 2), "secretValuesRemoved": removed,
                      "pseudonymiseSeconds": round(pseudo_s, 2), "pseudonyms": len(p.back),
                      "sameVerdictCounts": same}))


if __name__ == "__main__":
    main()
