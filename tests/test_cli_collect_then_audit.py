"""`auditor audit` without --snapshot: collect from the (emulated) tenant, keep the snapshot, audit it."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from auditor.azure.delivery_facts import shifted
from auditor.emulator.runner import running_emulator

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo-tenant.json"
CONFIG = ROOT / "examples" / "auditor.toml"


def auditor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, timeout=300)


def test_audit_collects_first_and_matches_the_offline_audit(tmp_path: Path) -> None:
    with running_emulator(DEMO, page_size=5) as emu:
        live = auditor("audit", "--emulator", emu.endpoint, "--ca-cert", str(emu.ca_cert), "--verify-delivery",
                       "--config", str(CONFIG),
                       "--out", str(tmp_path / "live"), "--format", "json", "--quiet")
        shift = emu.emulator.store.delivery_shift if emu.emulator else None
    assert live.returncode == 3, live.stderr  # the demo tenant has unreadable scopes
    assert shift is not None
    kept = tmp_path / "live" / "snapshot.json.gz"
    assert kept.is_file()
    # Expiry is judged at collection time: audit the demo as if collected at the same moment, its
    # delivery facts as the emulator served them (moved to the time of collection): whatever the
    # date, the live audit has no ALA-DLV-001 the offline one lacks.
    demo = json.loads(DEMO.read_text())
    demo["collectedAt"] = json.loads(gzip.decompress(kept.read_bytes()))["collectedAt"]
    demo["delivery"] = shifted(demo["delivery"], shift)
    same_time = tmp_path / "demo-same-time.json"
    same_time.write_text(json.dumps(demo))
    offline = auditor("audit", "--snapshot", str(same_time), "--config", str(CONFIG), "--out", str(tmp_path / "off"),
                      "--format", "json", "--quiet")
    assert offline.returncode == 3, offline.stderr
    a = json.loads((tmp_path / "live" / "findings.json").read_text())
    b = json.loads((tmp_path / "off" / "findings.json").read_text())
    for doc in (a, b):
        doc.pop("snapshotSha256")
        doc.pop("generatedAt")
        doc.pop("collectedAt")
    assert a == b


def test_collect_options_are_refused_with_a_snapshot(tmp_path: Path) -> None:
    proc = auditor("audit", "--snapshot", str(DEMO), "--emulator", "https://127.0.0.1:1", "--out", str(tmp_path))
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "--snapshot" in proc.stderr
