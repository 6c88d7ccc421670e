"""CONTRIBUTING.md's "adding a rule" walkthrough works when followed literally.

Each code block of the walkthrough runs, as written, in the module the walkthrough puts it in
(the catalogue module, the checks module, the rule tests); the new rule is bound the way the
walkthrough says, and the audit then files its findings under the new id. Nothing is written
to the repository.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import auditor.analysis.checks as checks_package
from auditor.analysis import engine
from auditor.analysis.checks import exports as export_checks
from auditor.analysis.context import AuditContext
from auditor.analysis.engine import audit
from auditor.azure.snapshot import build_snapshot
from auditor.config import Config
from auditor.rules import rule_ids
from auditor.rules.catalogue import exports as export_catalogue

ROOT = Path(__file__).resolve().parent.parent


def _walkthrough() -> tuple[str, list[str]]:
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text[text.index("## Walkthrough: adding a rule"):]
    section = section[:section.index("\n## ", 3)]
    blocks = [re.sub(r"^   ", "", b, flags=re.M) for b in re.findall(r"```python\n(.*?)```", section, re.S)]
    return section, blocks


def test_the_walkthrough_invents_a_rule_that_does_not_exist_yet() -> None:
    section, blocks = _walkthrough()
    new_id = re.search(r"\*\*(ALA-[A-Z]{3}-\d{3}):", section).group(1)  # type: ignore[union-attr]
    assert new_id not in rule_ids()
    assert len(blocks) == 4  # the rule, the check, its binding, the tests
    for path in re.findall(r"`(auditor/[\w/]+\.py|tests/[\w/<>]+\.py)`", section):
        if "<" not in path:
            assert (ROOT / path).exists(), f"CONTRIBUTING names {path}, which does not exist"


def test_following_the_walkthrough_adds_a_working_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    _, (rule_block, check_block, binding_block, tests_block) = _walkthrough()
    # Step 1: the rule, in the catalogue module of its axis.
    catalogue_ns: dict[str, Any] = dict(vars(export_catalogue))
    exec(compile(rule_block, "CONTRIBUTING.md: the rule", "exec"), catalogue_ns)
    new = [v for k, v in catalogue_ns.items() if k not in vars(export_catalogue) and k.isupper()]
    assert len(new) == 1
    rule = new[0]
    # Step 2: the check, in the checks module of the same axis, and its binding in CHECKS.
    checks_ns: dict[str, Any] = dict(vars(export_checks))
    checks_ns["catalogue"] = type("Catalogue", (), {k: v for k, v in catalogue_ns.items() if k.isupper()})
    exec(compile(check_block, "CONTRIBUTING.md: the check", "exec"), checks_ns)
    binding = eval(compile(f"({binding_block.strip()})", "CONTRIBUTING.md: the binding", "eval"), checks_ns)
    (bound_rule, check), = binding
    assert bound_rule is rule
    # The catalogue and the analysis now know the rule (as if RULES and CHECKS held it).
    bound = (*checks_package.all_checks(), (rule, check))
    monkeypatch.setattr(checks_package, "all_checks", lambda: bound)
    monkeypatch.setattr(engine, "all_checks", lambda: bound)
    # Step 3: the tests, in tests/test_rules_exports.py, pass.
    monkeypatch.syspath_prepend(str(ROOT / "tests"))
    import test_rules_exports

    tests_ns: dict[str, Any] = dict(vars(test_rules_exports))
    exec(compile(tests_block, "CONTRIBUTING.md: the tests", "exec"), tests_ns)
    walked = [name for name in tests_ns if name.startswith("test_exp011")]
    assert len(walked) == 2
    for name in walked:
        tests_ns[name]()
    # And the audit files the check's findings under the new rule's id.
    doc = tests_ns["one_sub"](*tests_ns["event_hub"](), tests_ns["b"].subscription_diagnostic_setting(
        tests_ns["S"], "to-eh", event_hub_rule=tests_ns["EH_RULE"], category_group="allLogs"))
    findings = audit(AuditContext(build_snapshot(doc), Config()))["findings"]
    assert [f["severity"] for f in findings if f["ruleId"] == rule.id] == [rule.severity]
