"""`auditor remediate` as a user runs it: outputs, formats, determinism, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from remediate_support import audited_plan
from test_remediate_plan import tenant

from auditor.analysis.context import AuditContext
from auditor.azure.snapshot import build_snapshot


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditor", "remediate", *args], capture_output=True, text=True,
                          timeout=120)


def _snapshot(tmp_path: Path, destination: str = "workspace") -> tuple[Path, Path]:
    raw, config = tenant(destination)
    snap = tmp_path / "snap.json"
    snap.write_text(json.dumps(raw))
    cfg = tmp_path / "auditor.toml"
    central = ", ".join(f'"{d}"' for d in config.central_destinations)
    cfg.write_text(f"[audit]\ncentral_destinations = [{central}]\n")
    return snap, cfg


def _tree(root: Path) -> dict[str, bytes]:
    """The plan's files (not .auditor-manifest.json, the record of what auditor wrote there)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != ".auditor-manifest.json"}


def test_writes_plan_readme_and_all_formats(tmp_path: Path) -> None:
    snap, cfg = _snapshot(tmp_path)
    out = tmp_path / "out"
    r = run("--snapshot", str(snap), "--out", str(out), "--config", str(cfg))
    assert r.returncode == 0, r.stderr
    plan = json.loads((out / "plan.json").read_text())
    listed = {f for a in plan["actions"] for f in a["files"]}
    written = set(_tree(out)) - {"plan.json", "README.md"}
    assert listed == written
    assert {p.split("/")[0] for p in written} == {"arm", "bicep", "terraform", "scripts"}
    raw, config = tenant()
    expected = audited_plan(AuditContext(build_snapshot(raw), config)).as_dict()
    assert plan == expected
    readme = (out / "README.md").read_text()
    assert "## Deploy, in this order" in readme and "permissions:" in readme
    assert "effective" in r.stdout


def test_format_subset_and_determinism(tmp_path: Path) -> None:
    snap, cfg = _snapshot(tmp_path)
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        r = run("--snapshot", str(snap), "--out", str(out), "--config", str(cfg), "--format", "terraform, arm")
        assert r.returncode == 0, r.stderr
    assert _tree(a) == _tree(b)
    assert {p.split("/")[0] for p in _tree(a)} == {"arm", "terraform", "scripts", "plan.json", "README.md"}


def test_usage_errors_are_one_line_exit_2(tmp_path: Path) -> None:
    snap, _ = _snapshot(tmp_path)
    bad_cfg = tmp_path / "bad.toml"
    bad_cfg.write_text("[audit]\ncentral_destination = []\n")
    cases = [
        ("--snapshot", str(snap), "--out", str(tmp_path / "o"), "--format", "arm,pulumi"),
        ("--snapshot", str(tmp_path / "missing.json"), "--out", str(tmp_path / "o")),
        ("--snapshot", str(snap), "--out", str(tmp_path / "o"), "--config", str(bad_cfg)),
    ]
    for args in cases:
        r = run(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr, r.stderr
    assert "pulumi" in run(*cases[0]).stderr
