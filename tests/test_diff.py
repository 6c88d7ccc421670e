"""Drift between two audits: the comparison itself and `auditor diff`."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from test_report_fixtures import CONFIG, audited, demo_raw, drifted_raw
from test_secrets import _text_of

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


# --------------------------------------------------------------------------- issue 19 item 4

def test_a_finding_is_its_rule_scope_and_evidence_key_not_its_wording() -> None:
    old = _finding("ALA-EXP-002", "/subscriptions/a", settings=["/subscriptions/a/providers/x/s"],
                   missing=["Security", "Policy"])
    new = {**_finding("ALA-EXP-002", "/subscriptions/A", settings=["/subscriptions/a/providers/x/s"],
                      missing=["Policy"]), "message": "Reworded: one category is missing."}
    d = compare(_doc([], [old]), _doc([], [new]))
    assert not d["newFindings"] and not d["resolvedFindings"]  # the same finding, described differently
    audit_error = _finding("ALA-AUD-001", "/subscriptions/a", operation="*", code="AuthorizationFailed",
                           message="The client 'x' has no access")
    reworded = {**audit_error, "evidence": {**audit_error["evidence"], "message": "Access denied for 'x'"}}
    assert not has_changes(compare(_doc([], [audit_error]), _doc([], [reworded])))
    other_subject = _finding("ALA-EXP-003", "/subscriptions/a", setting="/subscriptions/a/providers/x/s1")
    moved = _finding("ALA-EXP-003", "/subscriptions/a", setting="/subscriptions/a/providers/x/s2")
    d = compare(_doc([], [other_subject]), _doc([], [moved]))
    assert len(d["newFindings"]) == len(d["resolvedFindings"]) == 1  # about another setting: another finding


def test_rules_that_need_delivery_facts_are_not_compared_against_an_audit_without_them(tmp_path: Path) -> None:
    from auditor.rules import all_rules

    with_facts = demo_raw()
    without = copy.deepcopy(with_facts)
    without.pop("delivery")
    full, bare = audited(with_facts)[0], audited(without)[0]
    needing = {r.id for r in all_rules() if "delivery" in r.needs}
    # every rule that fires only with delivery facts says it needs them
    only_with = {f["ruleId"] for f in full["findings"]} - {f["ruleId"] for f in bare["findings"]}
    assert only_with and only_with <= needing
    for old, new, side in ((full, bare, "old"), (bare, full, "new")):
        d = compare(old, new)
        assert not d["newFindings"] and not d["resolvedFindings"], side
        [item] = d["notCompared"]
        assert item["evaluatedIn"] == side and item["rules"] == sorted(needing)
        assert item["findings"] == sum(1 for f in full["findings"] if f["ruleId"] in needing) > 10
    assert compare(full, full)["notCompared"] == []
    old, new = _write(tmp_path, "old.json", with_facts), _write(tmp_path, "new.json", without)
    runner = CliRunner()
    md = runner.invoke(main, ["diff", old, new, "--config", str(CONFIG)])
    assert "Resolved findings (0)" in md.output and "Not compared: ALA-DET-001" in md.output, md.output
    assert "without delivery facts (--verify-delivery)" in md.output
    out = tmp_path / "report"
    res = runner.invoke(main, ["audit", "--snapshot", new, "--baseline", old, "--config", str(CONFIG),
                               "--out", str(out), "--format", "pdf,html,md", "-q"])
    assert res.exit_code == 3, res.output
    for name in ("report.html", "summary.md", "report.pdf"):
        text = " ".join(_text_of(out / name).split())  # the PDF's text through pdftotext
        assert "Not compared: ALA-DET-001" in text and "neither new nor resolved" in text, name
