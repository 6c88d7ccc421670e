"""The PDF report: every section, every subscription needing action, every fired rule, escaping,
bookmarks, page furniture and the embedded findings.json, checked on the extracted text."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from test_report_fixtures import HOSTILE, audited, drifted_raw, hostile_raw, plan_for

from auditor.analysis.engine import dumps_findings
from auditor.drift import compare
from auditor.render import render_reports

SECTIONS = ("Contents", "Executive summary", "Top risks", "Since the previous audit", "Management-group hierarchy",
            "Findings by rule", "Subscriptions needing action", "Policy enforcement", "Remediation",
            "What to do, in order of impact", "Waivers", "Method and limits", "Data sources",
            "What could not be read", "What the activity log cannot show")


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("pdf")
    old_raw = hostile_raw()
    baseline, _ = audited(old_raw)
    findings, snap = audited(drifted_raw(old_raw))
    (out / "findings.json").write_text(dumps_findings(findings), encoding="utf-8")
    paths = render_reports(findings, snap, out, ["pdf"], drift=compare(baseline, findings), plan=plan_for(findings))
    reader = PdfReader(str(paths[0]))
    pages = [p.extract_text() or "" for p in reader.pages]
    return {"findings": findings, "snap": snap, "path": paths[0], "reader": reader, "pages": pages,
            "text": _squash("\n".join(pages)), "out": out, "baseline": baseline}


def test_every_section_is_present(rendered: dict[str, Any]) -> None:
    for heading in SECTIONS:
        assert heading in rendered["text"], heading


def test_cover_states_what_was_audited(rendered: dict[str, Any]) -> None:
    cover = _squash(rendered["pages"][0])
    f = rendered["findings"]
    assert f["tenantId"] in cover
    assert f["snapshotSha256"] in cover.replace(" ", "")
    assert rendered["snap"].raw["collectedAt"] in cover
    assert "auditor" in cover and "Required categories" in cover


def test_every_subscription_needing_action_is_named(rendered: dict[str, Any]) -> None:
    text = rendered["text"]
    f = rendered["findings"]
    open_scopes = {x["scope"].lower() for x in f["findings"] if not x["waiver"]}
    needing = [s for s in f["subscriptions"] if s["verdict"] != "covered" or s["id"].lower() in open_scopes]
    assert needing
    for s in needing:
        assert _squash(s["displayName"]) in text, s["displayName"]


def test_every_fired_rule_is_explained(rendered: dict[str, Any]) -> None:
    text = rendered["text"]
    for rule_id in {x["ruleId"] for x in rendered["findings"]["findings"]}:
        assert f"{rule_id} —" in text, rule_id


def test_hostile_display_name_is_shown_as_text(rendered: dict[str, Any]) -> None:
    # Injected markup would have been parsed away; escaped, it is printed verbatim.
    assert _squash(HOSTILE) in rendered["text"]


def test_drift_since_the_baseline_is_reported(rendered: dict[str, Any]) -> None:
    text = rendered["text"]
    assert "Newly not covered" in text and "New findings" in text
    assert rendered["baseline"]["snapshotSha256"][:16] in text


def test_projected_coverage_from_the_plan(rendered: dict[str, Any]) -> None:
    assert "After the plan" in rendered["text"]
    assert "Planned actions" in rendered["text"]


def test_findings_json_is_attached_byte_for_byte(rendered: dict[str, Any]) -> None:
    attachments = rendered["reader"].attachments
    assert list(attachments) == ["findings.json"]
    data = attachments["findings.json"][0]
    assert data == (rendered["out"] / "findings.json").read_bytes()
    assert json.loads(data)["snapshotSha256"] == rendered["findings"]["snapshotSha256"]


def test_bookmarks_toc_and_page_numbers(rendered: dict[str, Any]) -> None:
    reader = rendered["reader"]
    top = [o.title for o in reader.outline if not isinstance(o, list)]
    chapters = ("Executive summary", "Findings by rule", "Subscriptions", "Policy enforcement",
                "Delivery and detection", "Remediation", "Waivers", "Method and limits", "Compliance")
    for chapter in chapters:
        assert chapter in top
    n = len(reader.pages)
    assert f"Page 2 of {n}" in _squash(rendered["pages"][1])
    # The table of contents links every chapter and rule and carries the page each starts on.
    toc = reader.pages[1]
    assert len(toc.get("/Annots", [])) >= 8 + len({x["ruleId"] for x in rendered["findings"]["findings"]})
    found = re.search(r"Executive summary\s*\.{5,}\s*(\d+)", toc.extract_text(extraction_mode="layout"))
    assert found
    assert "Executive summary" in rendered["pages"][int(found.group(1)) - 1]
    toc_text = _squash(rendered["pages"][1])
    assert all(_squash(chapter) in toc_text for chapter in chapters)  # every chapter listed in the contents
    header = _squash(rendered["pages"][2])
    assert rendered["findings"]["tenantId"] in header


def test_data_sources_name_the_api_versions_sent(rendered: dict[str, Any]) -> None:
    text = rendered["text"]
    for version in ("2021-05-01-preview", "2023-04-01", "2020-10-01"):
        assert version in text
    assert "not recorded" not in text


def test_unreadable_scopes_are_listed(rendered: dict[str, Any]) -> None:
    text = rendered["text"]
    for e in rendered["snap"].errors:
        assert e.code in text


def test_archival_pdf_a3(rendered: dict[str, Any]) -> None:
    root = rendered["reader"].trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8", "replace")
    assert "pdfaid:part" in xmp and "3" in xmp.split("pdfaid:part")[1][:5]
    assert root.get("/OutputIntents")
    assert rendered["reader"].metadata.title.startswith("Activity-log coverage audit")


def test_pdf_is_compact(rendered: dict[str, Any]) -> None:
    path: Path = rendered["path"]
    assert path.stat().st_size < 2_000_000


def test_register_appendix_names_every_subscription_beyond_the_detail_cards(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Beyond DETAIL_LIMIT subscriptions needing action there are no cards: the register
    appendix names every subscription, needing action or covered, with its id."""
    from tenant_support import tenant

    from auditor.analysis.engine import audit_snapshot
    from auditor.azure.snapshot import build_snapshot
    from auditor.render import model as view_model

    monkeypatch.setattr(view_model, "DETAIL_LIMIT", 3)
    long_name = "A very long subscription display name that cannot fit its register column"
    snap = build_snapshot(tenant(24, names={3: long_name}))
    findings = audit_snapshot(snap)
    path = render_reports(findings, snap, tmp_path, ["pdf"])[0]
    text = _squash("\n".join(p.extract_text() or "" for p in PdfReader(str(path)).pages))
    assert "Appendix: subscription register" in text
    assert "Subscriptions needing action" in text and "sub-card" not in text
    # and says so: the register is the subscriptions without a card, here all of them
    assert re.search(_squash(r"without a card of its own in the chapter Subscriptions: the \d+ needing action "
                             r"\(more than 3, so none has a card\), most urgent first, then the covered"), text), text
    assert _squash(long_name) in text
    for s in findings["subscriptions"]:
        assert s["id"].rsplit("/", 1)[-1] in text  # every subscription, needing action or covered
        assert _squash(s["displayName"]) in text


def test_huge_names_are_cut_for_layout_and_kept_whole_in_findings(tmp_path: Path) -> None:
    """A 40,000-character display name (one unbreakable word) is cut in the PDF and the HTML;
    findings.json (embedded in the PDF) keeps it whole. bench/bench_long_name.py times it."""
    from tenant_support import tenant

    from auditor.analysis.engine import audit_snapshot
    from auditor.azure.snapshot import build_snapshot
    from auditor.render.names import NAME_LIMIT

    huge = "N" * 40_000
    snap = build_snapshot(tenant(12, names={3: huge, 4: "x" * 5000 + " tail"}))
    findings = audit_snapshot(snap)
    (tmp_path / "findings.json").write_text(dumps_findings(findings), encoding="utf-8")
    pdf, html = render_reports(findings, snap, tmp_path, ["pdf", "html"])
    reader = PdfReader(str(pdf))
    text = "".join(p.extract_text() or "" for p in reader.pages).replace("\n", "")
    assert "N" * NAME_LIMIT in text and "N" * (NAME_LIMIT + 200) not in text
    assert "cut, 40,000 characters" in _squash(text)
    assert huge not in html.read_text(encoding="utf-8")
    attached = json.loads(reader.attachments["findings.json"][0])
    assert huge in {s["displayName"] for s in attached["subscriptions"]}


def test_remediation_lists_actions_grouped_by_kind(tmp_path: Path) -> None:
    """A plan of hundreds of per-subscription actions is a few rows per kind, not one per action."""
    from auditor.render.model import ACTION_ROWS, group_actions

    actions = [{"kind": "deploy_alert", "scope": f"s{i}", "subscriptions": 1, "files": ["a"], "step": str(i)}
               for i in range(1, 501)]
    actions += [{"kind": "review_exclusion", "scope": "g", "subscriptions": 3, "files": [], "step": "review"}]
    groups = group_actions(actions)
    assert [g["kind"] for g in groups] == ["deploy_alert", "review_exclusion"]
    assert len(groups[0]["shown"]) == ACTION_ROWS and groups[0]["more"] == 500 - ACTION_ROWS
    assert groups[0]["steps"] == "1–500" and groups[0]["subscriptions"] == 500
    assert groups[1]["more"] == 0 and groups[1]["steps"] == "review"


def test_compliance_chapter_one_table_per_framework(rendered: dict[str, Any]) -> None:
    """The demo config selects CIS 3.0.0 and PCI DSS 4.0: each has a table with every control and its status."""
    section = rendered["findings"]["compliance"]
    text = rendered["text"]
    start = text.index(_squash("Status per control of the selected frameworks"))
    chapter = text[start:]
    for fw in section["frameworks"]:
        assert _squash(f"{fw['name']} {fw['version']}") in chapter
    statuses = {c["status"] for c in section["controls"]}
    assert statuses == {"pass", "fail", "manual", "not applicable"}
    for c in section["controls"]:
        assert _squash(c["controlId"]) in chapter and _squash(c["title"])[:30] in chapter, c["controlId"]
