"""The audit's progress display (terminal only) and the console summary grouped by rule."""

from __future__ import annotations

import io
import logging

from rich.console import Console

from auditor.console import top_findings_table
from auditor.progress import Activity


def _finding(rule: str, scope: str, severity: str = "high") -> dict[str, object]:
    return {"ruleId": rule, "scope": scope, "severity": severity, "title": f"title of {rule}",
            "message": "m", "waiver": None}


def test_progress_is_silent_when_quiet_or_not_a_terminal() -> None:
    # pytest captures stdout: it is not a terminal, so even without --quiet nothing is shown
    for quiet in (True, False):
        activity = Activity.for_terminal(quiet)
        with activity, activity.step("analysis"):
            activity.detail("x")
            assert activity.current == ""


def test_progress_relays_weasyprint_pages() -> None:
    out = io.StringIO()
    activity = Activity(True, Console(file=out, force_terminal=True, width=100))
    with activity, activity.step("writing report.pdf"), activity.weasyprint_pages():
        logging.getLogger("weasyprint.progress").info("Step 5 - Creating layout - Page %d", 37)
        assert activity.current == "writing report.pdf: laying out page 37"
        logging.getLogger("weasyprint.progress").info("Step 6 - Creating PDF")
        assert activity.current == "writing report.pdf: writing PDF"
    assert logging.getLogger("weasyprint.progress").handlers == []


def test_top_findings_are_grouped_by_rule() -> None:
    subs = [f"/subscriptions/{i:08d}-0000-0000-0000-000000000000" for i in range(1938)]
    active = [_finding("ALA-EXP-001", s) for s in subs]
    active += [_finding("ALA-ALR-001", s, "medium") for s in subs[:5] for _ in range(2)]
    active += [_finding("ALA-EXP-009", "/providers/Microsoft.Management/managementGroups/g1", "low")]
    table = top_findings_table(active, {subs[0].lower(): "prod-0"})
    out = io.StringIO()
    Console(file=out, width=200).print(table)
    text = out.getvalue()
    assert table.row_count == 3
    assert "ALA-EXP-001" in text and "1,938 subscriptions" in text
    assert "5 subscriptions (10 findings)" in text and "1 management group" in text
    assert text.index("ALA-EXP-001") < text.index("ALA-ALR-001") < text.index("ALA-EXP-009")
    assert "prod-0" in text
