"""A rule is one object: its id written once, and every rule's wording checked.

The catalogue (auditor/rules/catalogue/) holds what each rule is; the analysis binds each rule to
one check (auditor/analysis/checks/); the report's risk sentence is the rule's own, with no
generic fallback for a rule that forgot one.
"""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from auditor.analysis.checks import all_checks
from auditor.render.wording import risk_sentence
from auditor.rules import all_rules, rule_by_id
from auditor.rules.base import AXES, MCSB_LT3, SEVERITIES, Finding, Rule

ROOT = Path(__file__).resolve().parent.parent
RULES = all_rules()


def _sentences(text: str) -> bool:
    return bool(text) and text[0].isupper() and text.rstrip().endswith((".", ")")) and "  " not in text


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_every_rule_is_worded(rule: Rule) -> None:
    assert re.fullmatch(r"ALA-(EXP|POL|ALR|AUD|DLV|DET)-\d{3}", rule.id)
    assert rule.severity in SEVERITIES and rule.axis in AXES
    assert rule.title[0].isupper() and not rule.title.endswith(".") and len(rule.title) <= 70
    assert _sentences(rule.rationale) and len(rule.rationale) >= 60, "why it matters, in full sentences"
    assert _sentences(rule.remediation) and len(rule.remediation) >= 40, "how to fix, in full sentences"
    # Every rule decides at least one framework control, except the integrity rule: what it reports
    # makes the controls it touches unknown (manual), it never passes or fails one (docs/frameworks.md).
    assert bool(rule.controls) == (rule.axis != "integrity"), "at least one control"
    # The risk sentence counts the open findings, reads as one plain sentence, and formats.
    assert rule.risk.startswith("{n} ") and rule.risk.endswith(".")
    one = rule.risk_sentence(1, 1, 365)
    many = rule.risk_sentence(12345, 7, 365)
    assert one.startswith("1 ") and many.startswith("12,345 ") and "{" not in many
    if "{s}" in rule.risk:
        assert " 7 " in many
    if "{min_retention_days}" in rule.risk:
        assert "365" in many and "730" in rule.risk_sentence(2, 1, 730)


def test_risk_sentences_say_different_things() -> None:
    risks = [r.risk for r in RULES]
    assert len(set(risks)) == len(risks)


def test_the_report_uses_the_rules_sentence_and_has_no_fallback() -> None:
    found = [{"scope": "/subscriptions/a"}, {"scope": "/subscriptions/A"}, {"scope": "/subscriptions/b"}]
    assert risk_sentence("ALA-EXP-005", found, {"min_retention_days": 400}) == \
        rule_by_id("ALA-EXP-005").risk_sentence(3, 2, 400)
    assert "400 days" in risk_sentence("ala-exp-005", found, {"min_retention_days": 400})
    with pytest.raises(KeyError):
        risk_sentence("ALA-EXP-999", found, {})
    wording = (ROOT / "auditor" / "render" / "wording.py").read_text(encoding="utf-8")
    assert not re.search(r"ALA-[A-Z]{3}-\d{3}", wording), "a rule's wording belongs on the rule (rules/catalogue/)"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("id", "EXP-1", "ALA-XXX-NNN"),
    ("severity", "critical", "unknown severity"),
    ("axis", "exports", "unknown axis"),
    ("risk", "Some subscriptions are bad.", "must count {n}"),
    ("risk", "{n} subscriptions over {days} days.", "must count {n}"),
])
def test_a_rule_with_bad_metadata_is_refused(field: str, value: str, message: str) -> None:
    good = dict(id="ALA-EXP-900", title="T", severity="low", rationale="R.", remediation="F.", controls=(MCSB_LT3,),
                axis="export", risk="{n} things.")
    with pytest.raises(ValueError, match=re.escape(message)):
        Rule(**{**good, field: value})


def test_each_rule_has_exactly_one_check_and_findings_carry_no_rule_id() -> None:
    """The id is written once, on the rule: a check yields findings the engine files under that rule."""
    assert [rule.id for rule, _ in all_checks()] == [r.id for r in RULES]
    assert all(rule is catalogue_rule for (rule, _), catalogue_rule in zip(all_checks(), RULES, strict=True))
    assert "rule_id" not in {f.name for f in fields(Finding)}


def test_rule_ids_are_written_once_in_the_source() -> None:
    """Outside the catalogue, a rule id appears in the analysis only in prose (docstrings, comments)."""
    written: dict[str, list[str]] = {}
    for path in sorted((ROOT / "auditor").rglob("*.py")):
        if "catalogue" in path.parts:
            continue
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            for rid in re.findall(r"[\"']ALA-[A-Z]{3}-\d{3}[\"']", code):
                written.setdefault(rid.strip("\"'"), []).append(f"{path.relative_to(ROOT)}:{lineno}")
    checks = {k: v for k, v in written.items() if any("analysis/checks" in w for w in v)}
    assert checks == {}, "a check names a rule id: bind it to its rule in CHECKS instead"
