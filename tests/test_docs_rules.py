"""docs/rules.md is generated from the rule catalogue; it must match what `make docs` writes."""

from __future__ import annotations

import json
from pathlib import Path

from auditor.rules import all_rules
from auditor.rules.catalogue_doc import evidence_keys, render

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "demo-findings.json"


def test_rules_doc_is_up_to_date() -> None:
    expected = render(json.loads(GOLDEN.read_text(encoding="utf-8")))
    actual = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/rules.md is stale: run `make docs` (after `make golden` if findings changed)"


def test_every_rule_has_a_section_with_its_metadata() -> None:
    text = render(None)
    for r in all_rules():
        assert f"\n## {r.id}\n" in text
        assert r.rationale in text and r.remediation in text


def test_evidence_keys_come_from_the_findings() -> None:
    doc = {"findings": [{"ruleId": "ALA-EXP-001", "evidence": {"b": 1, "a": 2}},
                        {"ruleId": "ALA-EXP-001", "evidence": {"c": 3}}]}
    assert evidence_keys(doc) == {"ALA-EXP-001": ["a", "b", "c"]}
    assert "*Evidence keys.* `a`, `b`, `c`" in render(doc)
