"""Golden findings for the demo tenant: any change to the analysis shows up here, byte for byte.

After an intended change, regenerate with ``make golden`` and review the diff like code.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "demo-findings.json"
SNAPSHOT = ROOT / "examples" / "demo-tenant.json"
CONFIG = ROOT / "examples" / "auditor.toml"


def audit_demo(out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditor", "audit", "--snapshot", str(SNAPSHOT), "--config", str(CONFIG),
         "--out", str(out), "--format", "json", "--quiet"],
        capture_output=True, text=True, timeout=300,
    )


def test_demo_findings_match_golden_byte_for_byte(tmp_path: Path) -> None:
    proc = audit_demo(tmp_path)
    assert proc.returncode == 3, proc.stderr  # the demo records unreadable scopes on purpose
    produced = (tmp_path / "findings.json").read_bytes()
    assert produced == GOLDEN.read_bytes(), "findings changed: review, then `make golden`"


def test_golden_shows_every_verdict_and_fires_every_rule() -> None:
    doc = json.loads(GOLDEN.read_text())
    verdicts = {s["verdict"] for s in doc["subscriptions"]}
    assert verdicts == {"covered", "unenforced", "unremediated", "partial", "uncovered", "unknown"}
    enforcement = {s["enforcement"] for s in doc["subscriptions"]}
    assert enforcement == {"effective", "impaired", "none", "unknown"}
    export = {s["export"] for s in doc["subscriptions"]}
    assert export == {"complete", "partial", "none", "unknown"}
    fired = {f["ruleId"] for f in doc["findings"]}
    catalogue = json.loads(subprocess.run([sys.executable, "-m", "auditor", "rules", "--json"], capture_output=True,
                                          text=True, check=True).stdout)
    assert fired == {r["id"] for r in catalogue}
    # ...and every rule also passes somewhere: some subscription or group does not get it.
    scopes = {s["id"].lower() for s in doc["subscriptions"]} | {g["id"].lower() for g in doc["managementGroups"]}
    for rule in fired - {"ALA-AUD-001"}:
        hit = {f["scope"].lower() for f in doc["findings"] if f["ruleId"] == rule}
        assert scopes - hit, rule
    assert any(f["waiver"] for f in doc["findings"])
    assert {w["status"] for w in doc["waivers"]} == {"active", "expired"}
