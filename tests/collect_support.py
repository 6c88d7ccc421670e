"""Shared helpers of the collector tests (tests/test_collect_*.py): tenants, running collections."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from tenant_support import synthetic  # noqa: F401  (re-exported for the collector tests)
from tenant_support import tenant as synthetic_tenant

from auditor.collect import CollectOptions, CollectResult, run_collection
from auditor.emulator.runner import RunningEmulator

ROOT = Path(__file__).resolve().parent.parent
DEMO_TENANT = ROOT / "examples" / "demo-tenant.json"


def tenant(n: int = 24, *, errors: bool = True, seed: int = 1) -> dict[str, Any]:
    return synthetic_tenant(n, errors=errors, seed=seed)


def collect(emu: RunningEmulator, output: Path | None = None, **options: Any) -> CollectResult:
    opts = CollectOptions(output=output, emulator=emu.endpoint, ca_cert=emu.ca_cert, progress=False,
                          summary=False, **options)
    return run_collection(opts)


def key(doc: Any) -> str:
    return json.dumps(doc, sort_keys=True)


def multiset(docs: list[Any]) -> Counter[str]:
    return Counter(key(d) for d in docs)


def error_scopes(snapshot: dict[str, Any]) -> set[str]:
    return {str(e["scope"]).lower().rstrip("/") for e in snapshot.get("errors") or []}


def assert_round_trip(source: dict[str, Any], got: dict[str, Any]) -> None:
    """resources and policyStates equal (order aside), errors naming the same scopes."""
    want, have = multiset(source["resources"]), multiset(got["resources"])
    missing = [json.loads(k)["id"] for k in (want - have)]
    extra = [json.loads(k)["id"] for k in (have - want)]
    assert not missing and not extra, f"missing {missing[:5]} extra {extra[:5]}"
    assert multiset(source["policyStates"]) == multiset(got["policyStates"])
    assert error_scopes(source) == error_scopes(got)


def request_log(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
