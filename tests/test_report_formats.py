"""CSV (formula injection), SARIF 2.1.0 structure, Markdown escaping, format selection."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
from test_report_fixtures import HOSTILE, audited, hostile_raw

from auditor.errors import InputError
from auditor.render import COMPLIANCE_CSV, render_reports
from auditor.render.markdown import md
from auditor.render.tabular import COLUMNS, COMPLIANCE_COLUMNS, safe_cell
from auditor.rules import all_rules


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    findings, snap = audited(hostile_raw())
    out = tmp_path_factory.mktemp("formats")
    paths = render_reports(findings, snap, out, ["csv", "sarif", "md", "json"])
    return {"findings": findings, "snap": snap, "paths": {p.suffix: p for p in paths if p.name != COMPLIANCE_CSV},
            "compliance": out / COMPLIANCE_CSV}


def test_compliance_csv_one_row_per_control(outputs: dict[str, Any]) -> None:
    """The demo config selects frameworks: csv also writes the per-control CSV for GRC tools."""
    with outputs["compliance"].open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == COMPLIANCE_COLUMNS
    controls = outputs["findings"]["compliance"]["controls"]
    assert [(r[2], r[5], r[7]) for r in rows[1:]] == [(c["framework"], c["controlId"], c["status"]) for c in controls]
    assert {r[7] for r in rows[1:]} == {"pass", "fail", "manual", "not applicable"}


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("x")'])
def test_formula_cells_are_neutralised(value: str) -> None:
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["/subscriptions/x", "plain", "", "1-2", " =1"])
def test_ordinary_cells_are_untouched(value: str) -> None:
    assert safe_cell(value) == value


def test_csv_one_row_per_finding_and_no_formula(outputs: dict[str, Any]) -> None:
    with outputs["paths"][".csv"].open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == COLUMNS
    findings = outputs["findings"]["findings"]
    assert len(rows) - 1 == len(findings)
    for row, f in zip(rows[1:], findings, strict=True):
        assert row[0] == f["ruleId"] and row[3] == f["scope"]
        assert json.loads(row[7]) == f["evidence"]
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    hostile = [r for r in rows if "HYPERLINK" in r[4]]
    assert hostile and all(r[4] == "'" + HOSTILE for r in hostile)


def test_sarif_structure(outputs: dict[str, Any]) -> None:
    doc = json.loads(outputs["paths"][".sarif"].read_text(encoding="utf-8"))
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    assert len(doc["runs"]) == 1
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "auditor"
    rule_ids = [r["id"] for r in driver["rules"]]
    assert {r.id for r in all_rules()} <= set(rule_ids)
    for r in driver["rules"]:
        assert r["shortDescription"]["text"] and r["defaultConfiguration"]["level"] in ("error", "warning", "note")
    findings = outputs["findings"]["findings"]
    # one result per rule and scope group (tests/test_sarif_scale.py checks the grouping itself)
    assert 0 < len(run["results"]) < len(findings)
    assert sum(r["properties"]["findingCount"] for r in run["results"]) == len(findings)
    severity = {f["ruleId"]: f["severity"] for f in findings}
    for res in run["results"]:
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]
        assert res["level"] == {"high": "error", "medium": "warning", "low": "note"}[res["properties"]["severity"]]
        assert res["properties"]["severity"] == severity[res["ruleId"]]
        assert res["message"]["text"]
        loc = res["locations"][0]["logicalLocations"][0]
        assert loc["fullyQualifiedName"] == res["properties"]["scopeGroup"]
        assert loc["kind"] in ("subscription", "managementGroup", "resource")
        waived = {bool(f["waiver"]) for f in findings if f["ruleId"] == res["ruleId"]
                  and f["scope"] in res["properties"]["scopes"]}
        assert ("suppressions" in res) in waived
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert len(notes) == len(outputs["snap"].errors)
    fingerprints = [r["partialFingerprints"]["auditorResultGroup/v1"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)


def test_markdown_summary_escapes_tenant_text(outputs: dict[str, Any]) -> None:
    text = outputs["paths"][".md"].read_text(encoding="utf-8")
    assert not re.search(r"(?<!\\)[<>]", text)  # every angle bracket is backslash-escaped
    assert md(HOSTILE) in text
    assert "## Subscriptions needing action" in text and "## Waivers" in text
    for rule_id in {f["ruleId"] for f in outputs["findings"]["findings"]}:
        assert f"`{rule_id}`" in text


def test_markdown_escape() -> None:
    assert md("a|b") == "a\\|b"
    assert md("[x](http://e)") == "\\[x\\](http://e)"
    assert md("line\nbreak") == "line break"


def test_json_is_left_to_the_audit_command(outputs: dict[str, Any]) -> None:
    assert ".json" not in outputs["paths"]


def test_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    findings, snap = audited(hostile_raw())
    with pytest.raises(InputError, match="docx"):
        render_reports(findings, snap, tmp_path, ["docx"])
