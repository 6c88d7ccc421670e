"""The command line as a user meets it: exit codes, one-line errors, determinism."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT_MG = "/providers/Microsoft.Management/managementGroups/root"
SUB = "11111111-1111-1111-1111-111111111111"
WS = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws"


def small_snapshot(errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "schemaVersion": 1,
        "tool": {"name": "auditor", "version": "test"},
        "collectedAt": "2026-11-28T10:00:00Z",
        "cloud": "AzureCloud",
        "tenantId": "00000000-0000-0000-0000-000000000000",
        "rootManagementGroupId": ROOT_MG,
        "resources": [
            {
                "id": ROOT_MG,
                "type": "Microsoft.Management/managementGroups",
                "name": "root",
                "properties": {
                    "displayName": "Root",
                    "details": {"parent": None},
                    "children": [{"id": f"/subscriptions/{SUB}", "type": "/subscriptions", "name": SUB,
                                  "displayName": "Sub One"}],
                },
            },
            {"id": f"/subscriptions/{SUB}", "subscriptionId": SUB, "displayName": "Sub One", "state": "Enabled"},
            {
                "id": f"subscriptions/{SUB}/providers/microsoft.insights/diagnosticSettings/ds",
                "type": None,
                "name": "ds",
                "properties": {"workspaceId": WS, "logs": [{"categoryGroup": "allLogs", "enabled": True}]},
            },
            {"id": WS, "type": "Microsoft.OperationalInsights/workspaces", "name": "ws",
             "properties": {"retentionInDays": 30}},
        ],
        "policyStates": [],
        "errors": errors or [],
    }


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def write(tmp_path: Path, name: str, doc: Any) -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(doc))
    return p


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for n in needles:
        assert n in lines[0], lines[0]


def test_audit_writes_findings_and_exits_zero(tmp_path: Path) -> None:
    snap = write(tmp_path, "s.json", small_snapshot())
    proc = run("audit", "--snapshot", str(snap), "--out", str(tmp_path / "out"), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "out" / "findings.json").read_text())
    assert doc["summary"]["subscriptions"] == 1
    assert doc["subscriptions"][0]["export"] == "complete"
    assert "Coverage verdicts" in proc.stdout


def test_findings_are_byte_identical_and_gzip_equals_plain(tmp_path: Path) -> None:
    plain = write(tmp_path, "s.json", small_snapshot())
    gz = tmp_path / "s.json.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    outs = []
    for i, src in enumerate((plain, plain, gz)):
        out = tmp_path / f"o{i}"
        assert run("audit", "--snapshot", str(src), "--out", str(out), "--format", "json", "--quiet").returncode == 0
        outs.append((out / "findings.json").read_bytes())
    assert outs[0] == outs[1]
    # The gzip file has another SHA-256 but the same analysis.
    a, c = json.loads(outs[0]), json.loads(outs[2])
    assert a["snapshotSha256"] != c["snapshotSha256"]
    a.pop("snapshotSha256"), c.pop("snapshotSha256")
    assert a == c


def test_truncated_snapshot_is_one_line_exit_2(tmp_path: Path) -> None:
    p = tmp_path / "t.json"
    p.write_text(json.dumps(small_snapshot())[:200])
    assert_one_line_error(run("audit", "--snapshot", str(p), "--out", str(tmp_path / "o"), "--format", "json"),
                          "not valid JSON", "truncated")


def test_truncated_gzip_snapshot(tmp_path: Path) -> None:
    p = tmp_path / "t.json.gz"
    p.write_bytes(gzip.compress(json.dumps(small_snapshot()).encode())[:100])
    assert_one_line_error(run("audit", "--snapshot", str(p), "--out", str(tmp_path / "o"), "--format", "json"),
                          "gzip")


def test_other_schema_version(tmp_path: Path) -> None:
    doc = small_snapshot()
    doc["schemaVersion"] = 2
    p = write(tmp_path, "v2.json", doc)
    assert_one_line_error(run("audit", "--snapshot", str(p), "--out", str(tmp_path / "o"), "--format", "json"),
                          "schemaVersion 2")


def test_missing_field(tmp_path: Path) -> None:
    doc = small_snapshot()
    del doc["tenantId"]
    p = write(tmp_path, "m.json", doc)
    assert_one_line_error(run("audit", "--snapshot", str(p), "--out", str(tmp_path / "o"), "--format", "json"),
                          "tenantId")


def test_missing_file(tmp_path: Path) -> None:
    assert_one_line_error(run("audit", "--snapshot", str(tmp_path / "nope.json"), "--out", str(tmp_path / "o")),
                          "not found")


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ("[audit]\nmin_retention = 10\n", "audit.min_retention"),
        ("[audits]\n", "audits"),
        ('[[waiver]]\nrule = "ALA-NOPE-001"\nscope = "/subscriptions/x"\nreason = "r"\n', "ALA-NOPE-001"),
        ('[[waiver]]\nrule = "ALA-EXP-001"\nscope = "/subscriptions/x"\nreason = "r"\nexpires = "2027-13-01"\n',
         "expires"),
        ('[[waiver]]\nrule = "ALA-EXP-001"\nscope = "/subscriptions/x"\nreason = "r"\ncolour = "red"\n',
         "waiver[0].colour"),
        ('[audit]\nrequired_categories = ["Administrative", "Bogus"]\n', "Bogus"),
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, toml: str, needle: str) -> None:
    snap = write(tmp_path, "s.json", small_snapshot())
    cfg = tmp_path / "auditor.toml"
    cfg.write_text(toml)
    proc = run("audit", "--snapshot", str(snap), "--config", str(cfg), "--out", str(tmp_path / "o"), "--format", "json")
    assert_one_line_error(proc, needle)


def test_unknown_format_and_unknown_option(tmp_path: Path) -> None:
    snap = write(tmp_path, "s.json", small_snapshot())
    assert_one_line_error(run("audit", "--snapshot", str(snap), "--out", str(tmp_path / "o"), "--format", "docx"),
                          "docx")
    assert_one_line_error(run("audit", "--snapshot", str(snap), "--out", str(tmp_path / "o"), "--frobnicate"),
                          "frobnicate")


def test_incomplete_snapshot_exits_3_and_beats_fail_on(tmp_path: Path) -> None:
    errors = [{"scope": f"/subscriptions/{SUB}", "operation": "activityLogAlerts", "status": 403,
               "code": "AuthorizationFailed", "message": "denied"}]
    snap = write(tmp_path, "s.json", small_snapshot(errors))
    proc = run("audit", "--snapshot", str(snap), "--out", str(tmp_path / "o"), "--format", "json", "--fail-on", "low")
    assert proc.returncode == 3
    doc = json.loads((tmp_path / "o" / "findings.json").read_text())
    rules = {f["ruleId"] for f in doc["findings"]}
    assert "ALA-AUD-001" in rules
    assert "ALA-ALR-001" not in rules  # alerts unreadable: not judged


def test_fail_on_threshold(tmp_path: Path) -> None:
    snap = write(tmp_path, "s.json", small_snapshot())
    # The small tenant has medium (retention, alerts) and low (group export) findings, no high.
    assert run("audit", "--snapshot", str(snap), "--out", str(tmp_path / "a"), "--format", "json", "--quiet",
               "--fail-on", "high").returncode == 0
    assert run("audit", "--snapshot", str(snap), "--out", str(tmp_path / "b"), "--format", "json", "--quiet",
               "--fail-on", "medium").returncode == 1


def test_waiver_on_group_applies_below_and_expired_does_not_waive(tmp_path: Path) -> None:
    snap = write(tmp_path, "s.json", small_snapshot())
    cfg = tmp_path / "auditor.toml"
    cfg.write_text(
        f'[[waiver]]\nrule = "ALA-EXP-005"\nscope = "{ROOT_MG}"\nreason = "archive elsewhere"\nowner = "soc"\n'
        'expires = 2027-03-31\n\n'
        f'[[waiver]]\nrule = "ALA-ALR-001"\nscope = "/subscriptions/{SUB}"\nreason = "old"\nowner = "x"\n'
        'expires = 2026-01-31\n'
    )
    proc = run("audit", "--snapshot", str(snap), "--config", str(cfg), "--out", str(tmp_path / "o"), "--format",
               "json", "--fail-on", "medium")
    assert proc.returncode == 1  # ALR-001 stays unwaived: its waiver expired
    doc = json.loads((tmp_path / "o" / "findings.json").read_text())
    exp5 = [f for f in doc["findings"] if f["ruleId"] == "ALA-EXP-005"]
    assert exp5 and all(f["waiver"] == {"reason": "archive elsewhere", "owner": "soc", "expires": "2027-03-31"}
                        for f in exp5)
    assert all(f["waiver"] is None for f in doc["findings"] if f["ruleId"] == "ALA-ALR-001")
    statuses = {w["rule"]: w["status"] for w in doc["waivers"]}
    assert statuses == {"ALA-EXP-005": "active", "ALA-ALR-001": "expired"}
    assert "expired" in proc.stderr and "expired" not in proc.stdout  # warnings go to stderr


def test_rules_catalogue_json() -> None:
    proc = run("rules", "--json")
    assert proc.returncode == 0
    rules = json.loads(proc.stdout)
    ids = [r["id"] for r in rules]
    expected = {f"ALA-EXP-00{i}" for i in range(1, 10)} | {"ALA-ALR-001", "ALA-ALR-002", "ALA-AUD-001"}
    assert expected <= set(ids)
    for r in rules:
        assert r["severity"] in ("low", "medium", "high")
        assert r["rationale"] and r["remediation"]
        # ALA-AUD-001 decides no control: what it reports makes the controls it hides unknown (manual)
        assert bool(r["controls"]) == (r["id"] != "ALA-AUD-001")
    exp1 = next(r for r in rules if r["id"] == "ALA-EXP-001")
    assert "CIS Azure 2.0.0 5.1.1" in exp1["controls"] and "CIS Azure 3.0.0 6.1.1" in exp1["controls"]


def test_an_unwritable_output_is_one_line(tmp_path: Path) -> None:
    snap = write(tmp_path, "s.json", small_snapshot())
    out = tmp_path / "o"
    out.mkdir()
    (out / "findings.json").mkdir()  # findings.json cannot be written
    assert_one_line_error(run("audit", "--snapshot", str(snap), "--out", str(out), "--format", "json"),
                          "cannot write")


def test_an_internal_error_is_one_line_not_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from auditor import cli
    from auditor.commands import audit as audit_command

    def boom(ctx: object) -> dict[str, Any]:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(audit_command, "run_audit", boom)
    snap = write(tmp_path, "s.json", small_snapshot())
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["audit", "--snapshot", str(snap), "--out", str(tmp_path / "o"), "--format", "json"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error: RuntimeError: simulated bug" in err
    assert "Traceback" not in err
