"""Shared fixtures for the report tests: the demo tenant audited by the real engine.

The demo snapshot gets one subscription renamed to hostile markup (display names are chosen by
whoever controls the tenant), a second, drifted snapshot serves as the baseline's successor,
and a plan in the documented plan.json shape exercises projected coverage.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

from auditor.analysis.engine import audit_snapshot
from auditor.azure.snapshot import Snapshot, build_snapshot
from auditor.config import load_config
from auditor.rules import rule_ids

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo-tenant.json"
CONFIG = ROOT / "examples" / "auditor.toml"
HOSTILE = '=HYPERLINK("http://evil")<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'


def _snapshot(raw: dict[str, Any]) -> Snapshot:
    data = json.dumps(raw).encode()
    return build_snapshot(copy.deepcopy(raw), hashlib.sha256(data).hexdigest(), source="test")


def demo_raw() -> dict[str, Any]:
    return json.loads(DEMO.read_text(encoding="utf-8"))


def hostile_raw() -> dict[str, Any]:
    """The demo tenant with the first subscription that has an export renamed to hostile markup."""
    raw = demo_raw()
    target = None
    for doc in raw["resources"]:
        if doc.get("id", "").lower().startswith("/subscriptions/") and doc["id"].count("/") == 2:
            target = doc["id"].lower()
            doc["displayName"] = HOSTILE
            break
    assert target
    for doc in raw["resources"]:
        for child in (doc.get("properties") or {}).get("children") or []:
            if str(child.get("id", "")).lower() == target:
                child["displayName"] = HOSTILE
    return raw


def drifted_raw(raw: dict[str, Any]) -> dict[str, Any]:
    """A later snapshot: one subscription's activity-log export was deleted."""
    new = copy.deepcopy(raw)
    settings = [d for d in new["resources"] if "/diagnosticsettings/" in d["id"].lower()
                and d["id"].lower().lstrip("/").startswith("subscriptions/")]
    new["resources"].remove(settings[0])
    new["collectedAt"] = "2026-12-28T10:00:00Z"
    return new


def audited(raw: dict[str, Any]) -> tuple[dict[str, Any], Snapshot]:
    snap = _snapshot(raw)
    return audit_snapshot(snap, load_config(CONFIG, rule_ids())), snap


def plan_for(findings: dict[str, Any]) -> dict[str, Any]:
    """A plan.json-shaped dict making every non-effective subscription effective."""
    subs = findings["subscriptions"]
    todo = [s["id"] for s in subs if s["enforcement"] != "effective"]
    root = findings["managementGroups"][0]["id"]
    return {"actions": [{"kind": "policyAssignment", "scope": root, "subscriptions": todo,
                         "files": ["arm/assign-activity-log.json"]}],
            "subscriptions": [{"id": s["id"], "enforcement": s["enforcement"],
                               "projected": "effective" if s["enforcement"] != "unknown" else "unknown"}
                              for s in subs]}


def test_fixtures_are_representative() -> None:
    """The demo must exercise what the reports show: several verdicts, rules, waivers, errors."""
    findings, snap = audited(hostile_raw())
    assert len({s["verdict"] for s in findings["subscriptions"]}) >= 3
    assert len({f["ruleId"] for f in findings["findings"]}) >= 5
    assert any(s["displayName"] == HOSTILE for s in findings["subscriptions"])
    assert findings["waivers"] and snap.errors
