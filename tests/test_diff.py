"""Drift between two audits: the comparison itself and `auditor diff`."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from test_report_fixtures import CONFIG, audited, demo_raw, drifted_raw

from auditor.cli import main
from auditor.drift import compare, finding_key, has_changes


def _sub(guid: str, verdict: str) -> dict[str, Any]:
    return {"id": f"/subscriptions/{guid}", "displayName": guid.upper(), "verdict": verdict,
            "export": "complete", "enforcement": "effective", "managementGroupPath": []}


def _finding(rule: str, scope: str, **evidence: Any) -> dict[str, Any]:
    return {"ruleId": rule, "severity": "high", "scope": scope, "message": "m", "evidence": evidence,
            "waiver": None}


def _doc(subs: list[dict[str, Any]], findings: list[dict[str, Any]]) -> dict[str, Any]:
    return {"snapshotSha256": "ab" * 32, "generatedAt": "2026-11-28T10:00:00Z", "subscriptions": subs,
            "findings": findings}


def test_compare_classifies_every_change() -> None:
    old = _doc([_sub("a", "covered"), _sub("b", "uncovered"), _sub("c", "partial"), _sub("gone", "covered")],
               [_finding("ALA-EXP-001", "/subscriptions/b"),
                _finding("ALA-ALR-001", "/subscriptions/a", operation="x")])
    new = _doc([_sub("A", "uncovered"), _sub("b", "covered"), _sub("c", "unknown"), _sub("fresh", "uncovered")],
               [_finding("ALA-EXP-001", "/SUBSCRIPTIONS/A"),
                _finding("ALA-ALR-001", "/subscriptions/A", operation="x")])
    d = compare(old, new)
    assert [c["id"] for c in d["newlyUncovered"]] == ["/subscriptions/A"]
    assert [c["id"] for c in d["fixed"]] == ["/subscriptions/b"]
    assert {(c["old"], c["new"]) for c in d["verdictChanges"]} == {
        ("covered", "uncovered"), ("uncovered", "covered"), ("partial", "unknown")}
    assert [s["id"] for s in d["newSubscriptions"]] == ["/subscriptions/fresh"]
    assert [s["id"] for s in d["newSubscriptionsNotCovered"]] == ["/subscriptions/fresh"]
    assert [s["id"] for s in d["removedSubscriptions"]] == ["/subscriptions/gone"]
    # Ids compare case-insensitively: the ALR finding at /subscriptions/a is the same finding.
    assert [f["scope"] for f in d["newFindings"]] == ["/SUBSCRIPTIONS/A"]
    assert [f["scope"] for f in d["resolvedFindings"]] == ["/subscriptions/b"]
    assert has_changes(d)


def test_identical_audits_have_no_drift() -> None:
    findings, _ = audited(demo_raw())
    d = compare(findings, copy.deepcopy(findings))
    assert not has_changes(d)
    assert d["old"]["covered"] == d["new"]["covered"]


def test_finding_identity_includes_evidence() -> None:
    a = _finding("ALA-ALR-001", "/subscriptions/a", operation="write")
    b = _finding("ALA-ALR-001", "/subscriptions/a", operation="delete")
    assert finding_key(a) != finding_key(b)


def _write(tmp_path: Path, name: str, raw: dict[str, Any]) -> str:
    p = tmp_path / name
    p.write_text(json.dumps(raw), encoding="utf-8")
    return str(p)


def test_cli_diff_markdown_and_json(tmp_path: Path) -> None:
    raw = demo_raw()
    raw["errors"] = []
    old = _write(tmp_path, "old.json", raw)
    new = _write(tmp_path, "new.json", drifted_raw(raw))
    runner = CliRunner()
    expected = compare(audited(raw)[0], audited(drifted_raw(raw))[0])
    assert expected["newFindings"], "deleting an export must change the audit"
    md = runner.invoke(main, ["diff", old, new, "--config", str(CONFIG)])
    assert md.exit_code == 0, md.output
    assert "# Drift between two audits" in md.output
    assert f"Newly not covered ({len(expected['newlyUncovered'])})" in md.output
    assert f"New findings ({len(expected['newFindings'])})" in md.output
    js = runner.invoke(main, ["diff", old, new, "--format", "json", "--config", str(CONFIG)])
    doc = json.loads(js.output)
    assert doc["newlyUncovered"] == expected["newlyUncovered"]
    assert doc["newFindings"] == expected["newFindings"]
    assert doc["incomplete"] == {"old": False, "new": False}
    out = tmp_path / "drift"
    both = runner.invoke(main, ["diff", old, new, "--format", "md,json", "--out", str(out)])
    assert both.exit_code == 0 and (out / "drift.md").is_file() and (out / "drift.json").is_file()


def test_cli_diff_incomplete_and_bad_input(tmp_path: Path) -> None:
    raw = demo_raw()
    assert raw["errors"], "the demo tenant records unreadable scopes"
    old = _write(tmp_path, "old.json", raw)
    runner = CliRunner()
    res = runner.invoke(main, ["diff", old, old])
    assert res.exit_code == 3
    assert "None." in res.output
    bad = runner.invoke(main, ["diff", old, str(tmp_path / "missing.json")])
    assert bad.exit_code == 2 and "not found" in bad.output
    fmt = runner.invoke(main, ["diff", old, old, "--format", "pdf"])
    assert fmt.exit_code == 2
