"""audit --history: coverage, verdicts and control status over time, like with like."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import builders as b
import pytest
from click.testing import CliRunner
from test_compliance import GOOD, WS, tenant

from auditor.analysis.context import AuditContext
from auditor.analysis.engine import audit
from auditor.azure.snapshot import build_snapshot
from auditor.cli import main
from auditor.config import Config, with_frameworks
from auditor.errors import InputError
from auditor.trend import build_trend, load_history

CONFIG = with_frameworks(Config(central_destinations=(WS,)), ("pci-dss-4.0",))


def audited(doc: dict[str, Any], config: Config = CONFIG) -> dict[str, Any]:
    return audit(AuditContext(build_snapshot(doc), config))


def quarter(date: str, *, bad: bool) -> dict[str, Any]:
    doc = tenant(bad=bad)
    doc["collectedAt"] = date
    return doc


def history(folder: Path) -> list[dict[str, Any]]:
    return load_history(folder, lambda snap: audit(AuditContext(snap, CONFIG)))


def test_snapshots_and_findings_files_make_points_oldest_first(tmp_path: Path) -> None:
    (tmp_path / "q2.json").write_text(json.dumps(quarter("2026-05-28T10:00:00Z", bad=True)))  # a snapshot
    (tmp_path / "q3-findings.json").write_text(json.dumps(audited(quarter("2026-08-28T10:00:00Z", bad=True))))
    now = audited(quarter("2026-11-28T10:00:00Z", bad=False))
    trend = build_trend(history(tmp_path), now)
    assert [p["source"] for p in trend["points"]] == ["q2.json", "q3-findings.json", "this audit"]
    assert [p["subscriptions"] for p in trend["points"]] == [2, 2, 1]
    assert trend["points"][-1]["coveredPct"] >= trend["points"][0]["coveredPct"]
    pci = trend["frameworks"][0]
    assert pci["id"] == "pci-dss-4.0" and len(pci["dates"]) == 3
    retention = next(c for c in pci["controls"] if c["id"] == "10.5.1")
    assert retention["statuses"] == ["fail", "fail", "pass"]
    assert trend["excluded"] == []


def test_only_like_with_like(tmp_path: Path) -> None:
    other = audited(quarter("2026-08-28T10:00:00Z", bad=True))
    other["tenantId"] = "00000000-0000-0000-0000-000000000001"
    (tmp_path / "other-tenant.json").write_text(json.dumps(other))
    later = audited(quarter("2027-01-01T10:00:00Z", bad=True))
    (tmp_path / "later.json").write_text(json.dumps(later))
    # the same settings as PCI DSS's (interactive retention too), another framework
    cis_only = with_frameworks(Config(central_destinations=(WS,), min_interactive_retention_days=90),
                               ("cis-azure-3.0.0",))
    unscoped = audited(quarter("2026-05-28T10:00:00Z", bad=True), cis_only)
    (tmp_path / "no-pci.json").write_text(json.dumps(unscoped))
    other_settings = audited(quarter("2026-02-28T10:00:00Z", bad=True), with_frameworks(
        Config(central_destinations=(WS,), required_categories=("Administrative",)), ("pci-dss-4.0",)))
    (tmp_path / "settings.json").write_text(json.dumps(other_settings))
    trend = build_trend(history(tmp_path), audited(quarter("2026-11-28T10:00:00Z", bad=False)))
    reasons = {e["source"]: e["reason"] for e in trend["excluded"]}
    assert reasons["other-tenant.json"].startswith("another tenant")
    assert reasons["later.json"] == "collected at or after this audit"
    assert [p["source"] for p in trend["points"]] == ["settings.json", "no-pci.json", "this audit"]
    assert [p["sameSettings"] for p in trend["points"]] == [False, True, True]
    # the framework is compared only where both audits evaluated it with the same scope
    assert trend["frameworks"][0]["dates"] == ["2026-02-28", "2026-11-28"]
    scoped = with_frameworks(Config(framework_scopes=(("pci-dss-4.0", (b.sub_id(GOOD),)),)), ("pci-dss-4.0",))
    trend = build_trend(history(tmp_path), audited(quarter("2026-11-28T10:00:00Z", bad=False), scoped))
    assert trend["frameworks"][0]["dates"] == ["2026-11-28"]


@pytest.mark.parametrize(("files", "message"), [
    ({}, "holds no findings.json or snapshot files"),
    ({"x.json": "[1, 2]"}, "neither a findings.json nor a snapshot"),
    ({"x.json": "{"}, "not valid JSON"),
])
def test_bad_history_is_a_usage_error(tmp_path: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(InputError, match=message):
        history(tmp_path)


def test_audit_history_adds_the_trend_chapter(tmp_path: Path) -> None:
    hist = tmp_path / "hist"
    hist.mkdir()
    (hist / "q3.json").write_text(json.dumps(quarter("2026-08-28T10:00:00Z", bad=True)))
    snap = tmp_path / "now.json"
    snap.write_text(json.dumps(quarter("2026-11-28T10:00:00Z", bad=False)))
    r = CliRunner().invoke(main, ["audit", "--snapshot", str(snap), "--out", str(tmp_path / "out"), "--format",
                                  "html", "--framework", "pci-dss-4.0", "--history", str(hist), "-q"])
    assert r.exit_code == 0, r.output
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert 'id="trend"' in html and "q3.json" in html and "PCI DSS 4.0: control status over time" in html
    r = CliRunner().invoke(main, ["audit", "--snapshot", str(snap), "--out", str(tmp_path / "o2"), "--history",
                                  str(tmp_path / "missing"), "-q"])
    assert r.exit_code == 2 and "--history" in r.output


def test_an_earlier_output_folder_is_one_point(tmp_path: Path) -> None:
    """A previous audit's --out folder (snapshot, its findings.json, the manifest) gives one point."""
    earlier = quarter("2026-08-28T10:00:00Z", bad=True)
    (tmp_path / "snapshot.json").write_text(json.dumps(earlier))
    (tmp_path / "findings.json").write_text(json.dumps(audited(earlier)))
    (tmp_path / ".auditor-manifest.json").write_text(json.dumps({"version": 1, "sections": {}}))
    trend = build_trend(history(tmp_path), audited(quarter("2026-11-28T10:00:00Z", bad=False)))
    assert [p["source"] for p in trend["points"]] == ["findings.json", "this audit"]
    assert trend["excluded"] == [{"source": "snapshot.json", "reason": "the same collection as findings.json"}]
