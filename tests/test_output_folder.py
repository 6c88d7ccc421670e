"""An output folder shared with the user (issue 19, items 1 and 5).

auditor replaces or removes only the files it wrote (recorded with their digests in
``.auditor-manifest.json``); a user's file, or one of ours the user changed, is kept and
reported; an output that would overwrite an input is refused; outputs are all or nothing
(staged, then renamed), also on a full disk or SIGTERM.
"""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from collect_support import tenant
from remediate_support import audited_plan
from test_cli import assert_one_line_error, run, small_snapshot, write
from test_remediate_cli import _snapshot

from auditor.analysis.context import AuditContext
from auditor.azure.snapshot import load_snapshot
from auditor.config import load_config
from auditor.emulator.runner import running_emulator
from auditor.errors import InputError
from auditor.outfolder import MANIFEST, OutputFolder
from auditor.outputs import write_atomic
from auditor.remediate import writer
from auditor.rules import rule_ids

USER_FILES = {  # what a consultant keeps beside the generated files, in the places auditor writes to
    "terraform/backend.tf": 'terraform {\n  backend "azurerm" {}\n}\n',
    "terraform/prod.tfvars.json": '{"location": "westeurope"}\n',
    "arm/prod.tfvars.json": "{}\n",
    "scripts/deploy.sh": "#!/bin/sh\naz deployment mg create ...\n",
    "bicep/nested/mine.bicep": "param x string\n",
    "notes.md": "# our notes\n",
}


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _plant(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def _manifest(root: Path, section: str) -> dict[str, list[str]]:
    return dict(json.loads((root / MANIFEST).read_text())["sections"].get(section, {}))


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# --- item 1: only what auditor wrote is replaced or removed --------------------------------------

def test_remediate_keeps_the_users_files_over_two_runs_and_a_format_change(tmp_path: Path) -> None:
    snap, cfg = _snapshot(tmp_path)
    out = tmp_path / "out"
    _plant(out, {**USER_FILES, "README.md": "the user's README, where auditor writes its own\n"})
    first = run("remediate", "--snapshot", str(snap), "--out", str(out), "--config", str(cfg), "-q")
    assert first.returncode == 0, first.stderr
    assert first.stdout == ""  # -q
    assert first.stderr.splitlines() == [f"auditor: note: kept {out / 'README.md'}: auditor did not write it; "
                                         "this run's README.md was not written"]
    generated = _manifest(out, "remediate")
    assert "plan.json" in generated and "README.md" not in generated
    assert not set(generated) & set(USER_FILES)
    tf = next(rel for rel in generated if rel.startswith("terraform/") and rel.endswith(".tf"))
    (out / tf).write_text((out / tf).read_text() + "# edited by the user\n")
    edited = (out / tf).read_bytes()

    second = run("remediate", "--snapshot", str(snap), "--out", str(out), "--config", str(cfg), "--format", "arm")
    assert second.returncode == 0, second.stderr
    kept = [ln for ln in second.stderr.splitlines() if "kept" in ln]
    assert sorted(kept) == sorted([
        f"auditor: note: kept {out / 'README.md'}: auditor did not write it; this run's README.md was not written",
        f"auditor: note: kept {out / tf}: it was changed after an earlier run wrote it"])
    assert (out / tf).read_bytes() == edited
    for rel, text in USER_FILES.items():
        assert (out / rel).read_text() == text, rel
    now = _manifest(out, "remediate")
    assert not [rel for rel in now if rel.startswith(("bicep/", "terraform/"))]  # run 1's, removed
    removed = [ln for ln in second.stderr.splitlines() if "removed" in ln]
    assert len(removed) == 1 and re.fullmatch(r"auditor: note: removed \d+ files an earlier run wrote and this one "
                                              r"did not \(e\.g\. .*\)", removed[0]), removed
    assert not [rel for rel in generated if rel.startswith("bicep/") and (out / rel).exists()]
    assert "bicep/nested/mine.bicep" in _files(out)

    third = run("remediate", "--snapshot", str(snap), "--out", str(out), "--config", str(cfg), "-q")
    assert third.returncode == 0, third.stderr
    assert sorted(ln for ln in third.stderr.splitlines() if "kept" in ln) == sorted(
        f"auditor: note: kept {out / rel}: auditor did not write it; this run's {rel} was not written"
        for rel in ("README.md", tf))  # the edit was disowned when run 2 dropped terraform: now the user's
    assert (out / tf).read_bytes() == edited


def test_an_edited_file_is_kept_and_reported_once_per_run(tmp_path: Path) -> None:
    out = tmp_path / "d"
    out.mkdir()

    def one_run() -> list[str]:
        folder = OutputFolder(out, "remediate")
        with folder.stage() as staging:
            (staging / "main.tf").write_text("generated\n")
        folder.finish()
        return folder.notes()

    assert one_run() == []
    (out / "main.tf").write_text("generated\n# the user's edit\n")
    for _ in range(2):
        assert one_run() == [f"kept {out / 'main.tf'}: it was changed after auditor wrote it; this run's main.tf "
                             "was not written"]
    assert (out / "main.tf").read_text() == "generated\n# the user's edit\n"
    (out / "main.tf").write_text("generated\n")  # the edit undone: the file is ours again
    assert one_run() == [] and _manifest(out, "remediate") == {"main.tf": [_manifest(out, "remediate")["main.tf"][0]]}


def test_audit_keeps_the_users_reports_over_two_runs(tmp_path: Path) -> None:
    snap = write(tmp_path, "s.json", small_snapshot())
    out = tmp_path / "o"
    mine = {"summary.md": "my summary\n", "report.pdf": "%PDF-1.7 last quarter, signed\n",
            "findings.csv": "mine\n", "backend.tf": "x\n"}
    _plant(out, mine)
    for _ in range(2):
        proc = run("audit", "--snapshot", str(snap), "--out", str(out), "--format", "pdf,md,csv,sarif", "-q")
        assert proc.returncode == 0, proc.stderr
        assert sorted(proc.stderr.splitlines()) == [
            f"auditor: note: kept {out / name}: auditor did not write it; this run's {name} was not written"
            for name in ("findings.csv", "report.pdf", "summary.md")]
        for name, text in mine.items():
            assert (out / name).read_text() == text
        assert sorted(_manifest(out, "audit")) == ["findings.json", "findings.sarif"]


def test_an_output_that_would_overwrite_an_input_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "d"
    out.mkdir()
    snap = write(out, "findings.json", small_snapshot())  # a snapshot that happens to bear an output's name
    before = snap.read_bytes()
    assert_one_line_error(run("audit", "--snapshot", str(snap), "--out", str(out)), "--snapshot", "another --out")
    assert snap.read_bytes() == before and sorted(p.name for p in out.iterdir()) == ["findings.json"]
    plan_named = write(out, "plan.json", small_snapshot())
    assert_one_line_error(run("remediate", "--snapshot", str(plan_named), "--out", str(out)), "--snapshot",
                          "plan.json")
    cfg = out / "summary.md"
    cfg.write_text("")
    assert_one_line_error(run("audit", "--snapshot", str(plan_named), "--config", str(cfg), "--out", str(out),
                              "--format", "md"), "--config", "summary.md")
    assert sorted(p.name for p in out.iterdir()) == ["findings.json", "plan.json", "summary.md"]


def test_diff_and_collect_never_overwrite_the_users_files_or_inputs(tmp_path: Path) -> None:
    old = write(tmp_path, "old.json", small_snapshot())
    out = tmp_path / "d"
    _plant(out, {"drift.md": "my notes on the drift\n"})
    proc = run("diff", str(old), str(old), "--out", str(out), "--format", "md,json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [f"auditor: note: kept {out / 'drift.md'}: auditor did not write it; "
                                        "this run's drift.md was not written"]
    assert (out / "drift.md").read_text() == "my notes on the drift\n" and (out / "drift.json").is_file()
    assert_one_line_error(run("diff", str(old), str(out / "drift.json"), "--out", str(out), "--format", "json"),
                          "NEW", "another --out")
    ca = tmp_path / "ca.pem"
    ca.write_text("a CA")
    assert_one_line_error(run("collect", "--emulator", "https://127.0.0.1:9", "--ca-cert", str(ca), "-o", str(ca)),
                          "--ca-cert")
    assert ca.read_text() == "a CA"


def test_a_file_a_later_run_would_remove_is_kept_when_it_is_an_input(tmp_path: Path) -> None:
    """audit --snapshot DIR/snapshot.json.gz --out DIR: the snapshot an earlier run collected there stays ours."""
    out = tmp_path / "d"
    out.mkdir()
    first = OutputFolder(out, "audit")
    with first.stage() as staging:
        (staging / "snapshot.json.gz").write_bytes(b"collected")
        (staging / "findings.json").write_text("{}")
    first.finish()
    second = OutputFolder(out, "audit", {"--snapshot": str(out / "snapshot.json.gz")})
    with second.stage() as staging:
        (staging / "findings.json").write_text('{"again": 1}')
    second.finish()
    assert (out / "snapshot.json.gz").read_bytes() == b"collected"
    assert sorted(_manifest(out, "audit")) == ["findings.json", "snapshot.json.gz"] and second.notes() == []


def test_audit_that_collects_publishes_its_snapshot_and_never_replaces_the_users(tmp_path: Path) -> None:
    out, theirs = tmp_path / "d", tmp_path / "theirs"
    _plant(theirs, {"snapshot.json.gz": "the user's own snapshot"})
    with running_emulator(tenant(3, errors=False)) as emu:
        collect = ["--emulator", emu.endpoint, "--ca-cert", emu.ca_cert, "--format", "json", "-q"]
        for _ in range(2):  # the second run replaces the first run's snapshot: it is ours
            proc = run("audit", "--out", str(out), *collect)
            assert proc.returncode == 0 and proc.stderr == "", proc.stderr
        refused = run("audit", "--out", str(theirs), *collect)
    assert sorted(_manifest(out, "audit")) == ["findings.json", "snapshot.json.gz"]
    assert_one_line_error(refused, str(theirs / "snapshot.json.gz"), "--snapshot")
    assert _files(theirs) == {"snapshot.json.gz": b"the user's own snapshot"}
    again = run("audit", "--snapshot", str(out / "snapshot.json.gz"), "--out", str(out), "--format", "json", "-q")
    assert again.returncode == 0 and again.stderr == "", again.stderr
    assert sorted(_manifest(out, "audit")) == ["findings.json", "snapshot.json.gz"]  # the input stays ours


def test_a_manifest_auditor_did_not_write_is_refused(tmp_path: Path) -> None:
    snap = write(tmp_path, "s.json", small_snapshot())
    out = tmp_path / "o"
    out.mkdir()
    (out / MANIFEST).write_text('{"sections": {"audit": {"../../etc/passwd": ["x"]}}}')
    assert_one_line_error(run("audit", "--snapshot", str(snap), "--out", str(out), "--format", "json"),
                          "not an auditor manifest")
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST]


# --- item 5: all or nothing ----------------------------------------------------------------------

def _full_disk_after(n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"n": 0}

    def write_or_enospc(path: Path, data: str | bytes, mode: int | None = None) -> Path:
        calls["n"] += 1
        if calls["n"] > n:
            raise InputError(f"cannot write {path}: {os.strerror(errno.ENOSPC)}")
        return write_atomic(path, data, mode)

    monkeypatch.setattr(writer, "write_atomic", write_or_enospc)


def test_a_full_disk_during_remediate_leaves_no_partial_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snap, _ = _snapshot(tmp_path)
    plan = audited_plan(AuditContext(load_snapshot(str(snap)), load_config(None, rule_ids())))
    out = tmp_path / "out"
    _plant(out, {"terraform/backend.tf": "mine\n"})
    with monkeypatch.context() as m:
        _full_disk_after(3, m)
        with pytest.raises(InputError, match="No space left on device") as failed:
            writer.write_plan(plan, out, ("arm", "terraform"))
    assert ".auditor-staging" not in str(failed.value) and str(out) in str(failed.value)
    assert _files(out) == {"terraform/backend.tf": b"mine\n"}  # no README, no template, no manifest
    assert [p.name for p in out.iterdir()] == ["terraform"]

    writer.write_plan(plan, out, ("arm", "terraform"))
    complete = _files(out)
    assert "plan.json" in complete and "README.md" in complete
    with monkeypatch.context() as m:
        _full_disk_after(5, m)
        with pytest.raises(InputError, match="No space left on device"):
            writer.write_plan(plan, out, ("bicep",))
    assert _files(out) == complete  # the previous plan whole, nothing of the failed one
    assert not [p for p in out.iterdir() if p.name.startswith(".auditor-staging")]


def test_sigterm_cleans_up_like_ctrl_c(tmp_path: Path) -> None:
    """A SIGTERM while the PDF is written: exit 143, no 0-byte temporary, no staging folder, nothing published."""
    snap = write(tmp_path, "s.json", small_snapshot())
    out = tmp_path / "o"
    out.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "auditor", "audit", "--snapshot", str(snap), "--out", str(out),
                             "--format", "pdf", "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(out.glob(".auditor-staging-*/.report.pdf.*.tmp")):  # the PDF is being laid out
        assert proc.poll() is None and time.monotonic() < deadline, "the PDF finished before it could be stopped"
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr
    assert stderr.strip() == "auditor: terminated"
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("command", [["collect", "-o", "{out}/c.json.gz"],
                                     ["audit", "--out", "{out}", "--format", "json"]])
def test_sigterm_during_a_collection_leaves_no_snapshot(tmp_path: Path, command: list[str]) -> None:
    """Killed mid-collection (an answer every 1.5 s): exit 143, one line, no snapshot, no temporary."""
    out, requests = tmp_path / "o", tmp_path / "requests.jsonl"
    out.mkdir()
    with running_emulator(tenant(30, errors=False), latency_ms=1500, request_log=str(requests)) as emu:
        proc = subprocess.Popen([sys.executable, "-m", "auditor", *[a.format(out=out) for a in command],
                                 "--emulator", emu.endpoint, "--ca-cert", emu.ca_cert],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while not (requests.is_file() and requests.read_text()):  # the collection has started
            assert proc.poll() is None and time.monotonic() < deadline, "the collection did not start"
            time.sleep(0.01)
        assert proc.poll() is None, "the collection finished before it could be stopped"
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr
    assert stderr.strip() == "auditor: terminated"
    assert list(out.iterdir()) == []


def test_a_later_run_removes_only_its_own_dead_staging_and_temporaries(tmp_path: Path) -> None:
    snap = write(tmp_path, "s.json", small_snapshot())
    out = tmp_path / "o"
    dead, alive = _dead_pid(), os.getpid()
    killed = out / f".auditor-staging-{dead}-abcd1234"
    _plant(out, {f"{killed.name}/.report.pdf.auditor-{dead}-abcd1234.tmp": "",
                 f".auditor-staging-{alive}-abcd1234/findings.json": "a run still going",
                 ".auditor-staging-mine/keep.txt": "the user's",
                 f".findings.json.auditor-{dead}-abcd1234.tmp": "",
                 ".findings.json.tmp": "the user's"})
    proc = run("audit", "--snapshot", str(snap), "--out", str(out), "--format", "json", "-q")
    assert proc.returncode == 0, proc.stderr
    assert not killed.exists()
    assert sorted(p.name for p in out.iterdir()) == sorted([
        MANIFEST, "findings.json", f".auditor-staging-{alive}-abcd1234", ".auditor-staging-mine",
        ".findings.json.tmp", f".findings.json.auditor-{dead}-abcd1234.tmp"])  # inside staging: no stray temps
    target = tmp_path / "snap.json"
    _plant(tmp_path, {f".snap.json.auditor-{dead}-abcd1234.tmp": "", ".snap.json.x.tmp": "user"})
    write_atomic(target, "{}")
    assert not (tmp_path / f".snap.json.auditor-{dead}-abcd1234.tmp").exists()
    assert (tmp_path / ".snap.json.x.tmp").read_text() == "user"
