"""Outputs a hostile tenant or a careless operator cannot spoil (issue 12, parts 3, 4 and 8).

Atomic files and no stale reports, output paths checked before any work, tenant text that
cannot drive the terminal, and the small input cases: NaN, BOM, deep nesting, two tenants.
"""

from __future__ import annotations

import copy
import json
import re
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_cli import assert_one_line_error, run, small_snapshot, write

HOSTILE = "Prod \x1b]0;pwned\x1b\\ \x1b]52;c;ZXZpbA==\x07 rtl\u202egnp.exe \x9b31m"
SUB = "11111111-1111-1111-1111-111111111111"


def hostile_snapshot() -> dict[str, Any]:
    snap = small_snapshot()
    for doc in snap["resources"]:
        if doc["id"] == f"/subscriptions/{SUB}":
            doc["displayName"] = HOSTILE
        for child in doc.get("properties", {}).get("children", []) if isinstance(doc.get("properties"), dict) else []:
            child["displayName"] = HOSTILE
    snap["resources"] = [d for d in snap["resources"] if "diagnosticSettings" not in d["id"]]  # a finding to print
    return snap


def _limited(max_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))


# --- atomic, consistent outputs -------------------------------------------------------------

def test_a_failed_write_leaves_no_partial_output_and_says_one_line(tmp_path: Path) -> None:
    """A write error (here a file-size limit, as a full disk would) is exit 2, one line, and all or nothing:
    the previous run's outputs stay as they were, none of this run's is published, no temporary is left."""
    snap = write(tmp_path, "s.json", small_snapshot())
    out = tmp_path / "o"
    assert run("audit", "--snapshot", str(snap), "--out", str(out), "--format", "json", "-q").returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = subprocess.run([sys.executable, "-m", "auditor", "audit", "--snapshot", str(snap), "--out", str(out),
                           "--format", "html,json"], capture_output=True, text=True, timeout=120,
                          preexec_fn=lambda: _limited(20_000))
    assert_one_line_error(proc, "cannot write", str(out / "report.html"))
    assert ".auditor-staging" not in proc.stderr  # the message names the file asked for, not its staging copy
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no temporary, no staging folder left


def test_an_audit_removes_only_the_reports_it_wrote(tmp_path: Path) -> None:
    snap = write(tmp_path, "s.json", small_snapshot())
    out = tmp_path / "o"
    assert run("audit", "--snapshot", str(snap), "--out", str(out), "--format", "json,md,csv", "-q").returncode == 0
    (out / "notes.txt").write_text("the user's own file")
    proc = run("audit", "--snapshot", str(snap), "--out", str(out), "--format", "json,md", "-q")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == [".auditor-manifest.json", "findings.json", "notes.txt",
                                                     "summary.md"]
    assert proc.stderr.splitlines() == [f"auditor: note: removed {out / 'findings.csv'}: an earlier run wrote it "
                                        "and this one did not"]
    assert proc.stdout == ""


def test_remediate_in_another_format_removes_the_old_format(tmp_path: Path) -> None:
    snap = write(tmp_path, "s.json", hostile_snapshot())
    out = tmp_path / "r"
    assert run("remediate", "--snapshot", str(snap), "--out", str(out), "--format", "bicep").returncode == 0
    bicep = sorted((out / "bicep").rglob("*.bicep"))
    assert bicep
    (out / "terraform").mkdir(exist_ok=True)
    (out / "terraform" / "terraform.tfstate").write_text("{}")  # state a user's apply left: never touched
    (out / "bicep" / "mine.txt").write_text("user file")
    assert run("remediate", "--snapshot", str(snap), "--out", str(out), "--format", "terraform").returncode == 0
    assert not any(p.exists() for p in bicep)
    assert (out / "terraform" / "terraform.tfstate").read_text() == "{}"
    assert (out / "bicep" / "mine.txt").is_file()
    plan = json.loads((out / "plan.json").read_text())
    listed = {f for a in plan["actions"] for f in a.get("files", [])}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*")
               if p.is_file() and p.suffix in (".json", ".bicep", ".tf", ".sh")}
    on_disk -= {"plan.json", ".auditor-manifest.json"}
    assert on_disk - {"terraform/terraform.tfstate"} <= listed | {f for f in on_disk if f.startswith("terraform/")}


@pytest.mark.parametrize("args", [
    ["audit", "--snapshot", "SNAP", "--out", ""],
    ["remediate", "--snapshot", "SNAP", "--out", " "],
    ["diff", "SNAP", "SNAP", "--out", ""],
])
def test_an_empty_output_folder_is_refused(tmp_path: Path, args: list[str]) -> None:
    snap = write(tmp_path, "s.json", small_snapshot())
    proc = run(*[str(snap) if a == "SNAP" else a for a in args], cwd=tmp_path)
    assert_one_line_error(proc, "--out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]


def test_collect_refuses_an_unwritable_output_before_any_request(tmp_path: Path) -> None:
    log = tmp_path / "requests.log"
    # An emulator URL nobody listens on: had collect started, the error would be about the endpoint.
    proc = run("collect", "--emulator", "https://127.0.0.1:9", "--ca-cert", str(tmp_path / "none.pem"),
               "-o", str(tmp_path / "missing" / "x.json"))
    assert_one_line_error(proc, "-o", "does not exist")
    assert not log.exists()
    proc = run("collect", "--emulator", "https://127.0.0.1:9", "--ca-cert", str(tmp_path / "none.pem"),
               "-o", str(tmp_path))
    assert_one_line_error(proc, "-o", "directory")


# --- console hygiene -------------------------------------------------------------------------

def _no_terminal_controls(text: str) -> None:
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text), repr(text)


def test_tenant_text_cannot_drive_the_terminal(tmp_path: Path) -> None:
    snap = write(tmp_path, "s.json", hostile_snapshot())
    proc = run("audit", "--snapshot", str(snap), "--out", str(tmp_path / "o"), "--format", "json,md",
               "--fail-on", "low")
    assert proc.returncode == 1, proc.stderr
    assert "rtl\\u202egnp.exe" in proc.stdout  # shown, escaped
    _no_terminal_controls(proc.stdout)
    _no_terminal_controls(proc.stderr)
    other = copy.deepcopy(hostile_snapshot())
    other["collectedAt"] = "2026-11-29T10:00:00Z"
    newer = write(tmp_path, "n.json", other)
    old = write(tmp_path, "old.json", small_snapshot())
    for fmt in ("md", "json"):
        proc = run("diff", str(old), str(newer), "--format", fmt)
        assert proc.returncode == 0, proc.stderr
        _no_terminal_controls(proc.stdout)
    json.loads(proc.stdout)  # escaping kept the JSON valid


def test_quiet_means_no_stdout_and_warnings_go_to_stderr(tmp_path: Path) -> None:
    snap = write(tmp_path, "s.json", small_snapshot())
    cfg = tmp_path / "a.toml"
    cfg.write_text(f'[[waiver]]\nrule = "ALA-ALR-001"\nscope = "/subscriptions/{SUB}"\nreason = "r"\n'
                   'expires = 2026-01-01\n')
    loud = run("audit", "--snapshot", str(snap), "--out", str(tmp_path / "a"), "--format", "json",
               "--config", str(cfg))
    assert "expired" in loud.stderr and "expired" not in loud.stdout
    for extra, code in (([], 0), (["--fail-on", "low"], 1)):
        proc = run("audit", "--snapshot", str(snap), "--out", str(tmp_path / "b"), "--format", "json", "-q", *extra)
        assert proc.returncode == code and proc.stdout == "", proc.stdout
        assert len(proc.stderr.splitlines()) == code  # exit 1 says why on stderr, exit 0 says nothing
    incomplete = write(tmp_path, "i.json", small_snapshot(errors=[{
        "scope": f"/subscriptions/{SUB}", "operation": "diagnosticSettings", "status": 403,
        "code": "AuthorizationFailed", "message": "no"}]))
    proc = run("audit", "--snapshot", str(incomplete), "--out", str(tmp_path / "c"), "--format", "json", "-q",
               "--fail-on", "low")
    assert proc.returncode == 3 and proc.stdout == ""
    incomplete_line, fail_on_line = proc.stderr.splitlines()  # exit 3 says why, as exit 1 does
    assert "incomplete" in incomplete_line
    # the threshold was crossed too: the --fail-on line is printed although exit 3 wins (issue 19, item 8)
    assert re.fullmatch(r"auditor: \d+ unwaived finding\(s\) at or above low \(--fail-on\): "
                        r"exit 3 takes precedence over exit 1", fail_on_line), fail_on_line


# --- reports show hostile text, never obey it ----------------------------------------------

def test_bidi_override_is_shown_not_applied_in_reports(tmp_path: Path) -> None:
    snap = write(tmp_path, "s.json", hostile_snapshot())
    out = tmp_path / "o"
    proc = run("audit", "--snapshot", str(snap), "--out", str(out), "--format", "html,md,sarif")
    assert proc.returncode == 0, proc.stderr
    for name in ("report.html", "summary.md"):
        text = (out / name).read_text(encoding="utf-8")
        assert "\u202e" not in text and "\x1b" not in text, name
        assert "\\u202e" in text, name
    findings = json.loads((out / "findings.json").read_text())
    assert HOSTILE in {s["displayName"] for s in findings["subscriptions"]}  # full value kept in JSON


def test_sarif_results_have_a_physical_location(tmp_path: Path) -> None:
    snap = write(tmp_path, "tenant snapshot.json", hostile_snapshot())
    out = tmp_path / "o"
    assert run("audit", "--snapshot", str(snap), "--out", str(out), "--format", "sarif").returncode == 0
    sarif = json.loads((out / "findings.sarif").read_text())
    run_ = sarif["runs"][0]
    assert run_["results"]
    assert run_["artifacts"][0]["location"]["uri"] == "tenant%20snapshot.json"
    for r in run_["results"]:
        physical = r["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == "tenant%20snapshot.json"
        assert physical["region"]["startLine"] >= 1
        assert r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].startswith("/")


# --- input edge cases ------------------------------------------------------------------------

def test_nan_in_a_snapshot_is_refused(tmp_path: Path) -> None:
    text = json.dumps(small_snapshot()).replace('"retentionInDays": 30', '"retentionInDays": NaN')
    assert "NaN" in text
    snap = tmp_path / "s.json"
    snap.write_text(text)
    assert_one_line_error(run("audit", "--snapshot", str(snap), "--out", str(tmp_path / "o")), "NaN")


def test_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    snap = tmp_path / "s.json"
    snap.write_bytes(b"\xef\xbb\xbf" + json.dumps(small_snapshot()).encode())
    proc = run("audit", "--snapshot", str(snap), "--out", str(tmp_path / "o"), "--format", "json", "-q")
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("depth", [100_000, 5_000])
def test_very_deep_json_is_one_line(tmp_path: Path, depth: int) -> None:
    snap = small_snapshot()
    text = json.dumps(snap).replace('"policyStates": []', '"policyStates": [], "x": ' + "[" * depth + "]" * depth)
    p = tmp_path / "s.json"
    p.write_text(text)
    proc = run("audit", "--snapshot", str(p), "--out", str(tmp_path / "o"), "--format", "json")
    assert proc.returncode in (0, 2), proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    if proc.returncode == 2:
        assert_one_line_error(proc, "nested too deeply")


def test_baseline_and_diff_refuse_two_tenants(tmp_path: Path) -> None:
    a = write(tmp_path, "a.json", small_snapshot())
    other = small_snapshot()
    other["tenantId"] = "99999999-0000-0000-0000-000000000000"
    b = write(tmp_path, "b.json", other)
    assert_one_line_error(run("audit", "--snapshot", str(b), "--baseline", str(a), "--out", str(tmp_path / "o")),
                          "different tenants")
    assert_one_line_error(run("diff", str(a), str(b)), "different tenants")


def test_the_documented_classify_command_works() -> None:
    root = Path(__file__).resolve().parents[1]
    doc = (root / "docs" / "remediation.md").read_text(encoding="utf-8")
    command = re.search(r"`auditor (policy classify policies/[^`]+)`", doc)
    assert command, "docs/remediation.md names the classify command"
    import glob

    args = command.group(1).split()
    files = sorted(glob.glob(str(root / args[2])))
    proc = run(*args[:2], *files, *args[3:])
    assert proc.returncode == 0, proc.stderr
    assert all(r["deploys_subscription_activity_log_export"] or "alert" in r["file"] for r in json.loads(proc.stdout))
