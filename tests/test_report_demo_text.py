"""The demo's reports as a new user reads them (`make demo`: audit, then remediate), checked on
the text pdftotext extracts from report.pdf and on report.html: every number the reports show
is the one findings.json or plan.json holds, and every sentence about the report is true."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from auditor.cli import main

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo-tenant.json"
CONFIG = ROOT / "examples" / "auditor.toml"

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) not installed")


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("demo")
    r = CliRunner().invoke(main, ["audit", "--snapshot", str(DEMO), "--config", str(CONFIG), "--out", str(out),
                                  "--format", "pdf,html,json", "--quiet"])
    assert r.exit_code == 3, r.output  # the demo deliberately has unreadable scopes
    r = CliRunner().invoke(main, ["remediate", "--snapshot", str(DEMO), "--config", str(CONFIG),
                                  "--out", str(out / "remediation"), "--quiet"])
    assert r.exit_code == 0, r.output
    pdf = subprocess.run(["pdftotext", "-layout", str(out / "report.pdf"), "-"], capture_output=True, text=True,
                         check=True).stdout
    flow = subprocess.run(["pdftotext", str(out / "report.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout  # reading order, one table cell at a time
    page_html = (out / "report.html").read_text(encoding="utf-8")
    return {"pdf": _flat(pdf), "flow": _flat(flow), "pages": pdf.split("\f"),
            "html": _flat(html.unescape(re.sub(r"<[^>]+>", " ", page_html))),
            "findings": json.loads((out / "findings.json").read_text(encoding="utf-8")),
            "plan": json.loads((out / "remediation" / "plan.json").read_text(encoding="utf-8")),
            "readme": (out / "remediation" / "README.md").read_text(encoding="utf-8")}


@pytest.mark.parametrize("fmt", ["pdf", "html"])
def test_projected_coverage_is_the_plans(demo: dict[str, Any], fmt: str) -> None:
    subs = demo["plan"]["subscriptions"]
    total = len(subs)
    covered = sum(1 for s in subs if s["projectedVerdict"] == "covered")
    effective = sum(1 for s in subs if s["projected"] == "effective")
    assert covered != effective  # the demo tells them apart
    assert re.search(rf"\| covered \| \d+ \| {covered} \|", demo["readme"])  # the README projects the same
    text = demo[fmt]
    pct = round(100.0 * covered / total, 1)
    assert f"projects {covered} of {total} subscriptions covered: projected coverage {pct}%" in text, text
    assert f"makes enforcement effective for {effective} of {total} subscriptions" in text
    assert f"projected coverage {round(100.0 * effective / total, 1)}%" not in text


@pytest.mark.parametrize("fmt", ["pdf", "html"])
def test_planned_actions_sentence_names_the_rows_per_kind(demo: dict[str, Any], fmt: str) -> None:
    text = demo[fmt]
    m = re.search(r"Each kind lists at most its first (\d+) actions", text)
    assert m, text
    assert "first 1 actions" not in text
    shown = int(m.group(1))
    # a kind with more actions than that lists that many and counts the rest
    kinds: dict[str, int] = {}
    for a in demo["plan"]["actions"]:
        kinds[a["kind"]] = kinds.get(a["kind"], 0) + 1
    longest, count = max(kinds.items(), key=lambda kv: kv[1])
    assert count > shown
    label = longest.replace("_", " ")
    assert f"and {count - shown} more {label} action" in text
    assert f"first {shown} actions" in (ROOT / "docs" / "reports.md").read_text(encoding="utf-8")


def test_the_cover_counts_real_management_groups(demo: dict[str, Any]) -> None:
    findings = demo["findings"]
    groups, subs = len(findings["managementGroups"]), len(findings["subscriptions"])
    placed = {s["id"] for s in findings["subscriptions"] if s.get("managementGroupPath")}
    cover = _flat(demo["pages"][0])
    assert f"{subs} subscriptions in {groups} management groups ({subs - len(placed)} not placed in the hierarchy)" \
        in cover, cover


@pytest.mark.parametrize("where", ["cover", "pdf", "html"])
def test_the_configuration_in_effect_is_shown(demo: dict[str, Any], where: str) -> None:
    """docs/configuration.md: the effective settings (findings.json's config) are on the cover,
    and under Method and limits' "Configuration in effect" in both reports."""
    config = demo["findings"]["config"]
    if where == "cover":
        text = _flat(demo["pages"][0])  # one page
    else:
        text = demo["flow" if where == "pdf" else "html"]
        text = text[text.rindex("Configuration in effect"):]
    assert config["min_interactive_retention_days"] == 90  # PCI DSS 10.5.1 in the demo's frameworks
    interactive = f"{config['min_interactive_retention_days']} days"
    assert f"Minimum retention {config['min_retention_days']} days" in text, text
    assert f"immediately available: {interactive}" in text or f"Immediately available {interactive}" in text, text
    assert f"Frameworks {', '.join(config['frameworks'])}" in text, text
    assert f"Delivery window {config['delivery_window_days']} days" in text, text
    for fw in config["framework_scope"]:
        assert re.search(rf"{re.escape(fw)}: [^:]*\(management group\)", text), (fw, text)


def test_the_register_says_what_it_lists(demo: dict[str, Any]) -> None:
    """The demo has cards for every subscription needing action: the register lists the others."""
    text = demo["flow"]
    register = text[text.rindex("Appendix: subscription register"):]
    need = re.search(r"(\d+) of \d+ subscriptions need action", text)
    assert need, text
    assert "One line per subscription." not in register
    assert ("Every subscription without a card of its own in the chapter Subscriptions: the covered "
            f"subscriptions without open findings (the {need.group(1)} needing action each have a card)") in register, \
        register
    docs = _flat((ROOT / "docs" / "reports.md").read_text(encoding="utf-8"))
    assert "every subscription without a card of its own: the covered subscriptions without open findings" in docs


def test_the_docs_cover_example_is_the_demos(demo: dict[str, Any]) -> None:
    """docs/reports.md quotes the demo's cover: the numbers are the ones the demo report shows."""
    docs = _flat((ROOT / "docs" / "reports.md").read_text(encoding="utf-8"))
    m = re.search(r'"(\d+) of (\d+) subscriptions covered" and "(\d+) of (\d+) need action: (\d+) not covered, '
                  r'(\d+) covered with open findings"', docs)
    assert m, "docs/reports.md no longer quotes the demo's cover"
    covered, total, need, total2, not_covered, covered_open = m.groups()
    cover = _flat(demo["pages"][0])
    assert f"{covered} of {total} {need} of {total2} " in cover, cover
    flow = demo["flow"]  # reading order: the tile's words together
    assert f"need action: {not_covered} not covered, {covered_open} covered with open findings" in flow[:1000], flow
    subs = demo["findings"]["subscriptions"]
    assert int(total) == len(subs) and int(covered) == sum(1 for s in subs if s["verdict"] == "covered")


def _section(text: str) -> str:
    """The Delivery and detection chapter, hyphens dropped (pdftotext joins "ALA-" and "AUD-001"
    across a line break as "ALAAUD-001")."""
    start = text.index("Evidence beside the verdict")
    return text[start:text.index("Category yield", start)].replace("-", "")


@pytest.mark.parametrize("fmt", ["flow", "html"])
def test_delivery_names_the_subscriptions_it_has_no_record_of(demo: dict[str, Any], fmt: str) -> None:
    findings = demo["findings"]
    recorded = {s["subscription"] for s in findings["delivery"]["subscriptions"]}
    absent = [s for s in findings["subscriptions"] if s["id"] not in recorded]
    assert absent and all(s["export"] == "unknown" for s in absent)  # the demo's two decommissioned ones
    section = _section(demo[fmt])
    total = len(findings["subscriptions"])
    expected = (f"{len(absent)} of {total} subscriptions are not in these tables: their export settings could not be "
                "read (export unknown, ALA-AUD-001), so the delivery of their events was not checked: "
                + ", ".join(s["displayName"] for s in sorted(absent, key=lambda s: s["displayName"].lower())))
    assert expected.replace("-", "") in section, section


@pytest.mark.parametrize("fmt", ["flow", "html"])
def test_delivery_unknown_says_why(demo: dict[str, Any], fmt: str) -> None:
    """A workspace in another tenant is "unknown" in findings.json with the reason it was not queried:
    the report defines unknown to include that and shows the reason beside the state."""
    rows = {s["name"]: s for s in demo["findings"]["delivery"]["subscriptions"]}
    legacy = rows["Contoso-Corp-Legacy-App"]
    [dest] = legacy["destinations"]
    assert legacy["state"] == "unknown" and "outside the tenant" in dest["reason"]
    section = _section(demo[fmt])
    assert '"unknown" means a destination could not be read (ALAAUD001), never' not in section
    assert "or was not queried at all, such as a workspace in another tenant" in section
    reason = dest["reason"].replace("-", "")
    if fmt == "html":
        assert f"ContosoCorpLegacyApp unknown {reason}" in section, section
    else:  # pdftotext puts a cell's second paragraph after the table rows: present, once per destination
        assert section.count(reason) == 1, section
