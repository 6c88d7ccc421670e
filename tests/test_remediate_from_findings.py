"""Remediation plans from the findings document and the model: a findings.json read back from disk
gives the same plan as the audit in memory (docs/findings-format.md, judgements)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.analysis.context import AuditContext
from auditor.analysis.engine import audit, write_findings
from auditor.azure.snapshot import load_snapshot
from auditor.config import load_config
from auditor.remediate import FORMATS, FindingsMismatch, Plan, RemediationInputs, plan_from_findings, render_files
from auditor.rules import rule_ids

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "examples" / "demo-tenant.json"
CONFIG = ROOT / "examples" / "auditor.toml"
GOLDEN = ROOT / "tests" / "golden" / "demo-findings.json"


def _written(plan: Plan) -> tuple[dict, dict[str, str]]:
    """plan.json and every file the plan writes, as compared."""
    return plan.as_dict(), render_files(plan, FORMATS)


@pytest.fixture(scope="module")
def demo() -> tuple[AuditContext, dict]:
    ctx = AuditContext(load_snapshot(str(SNAPSHOT)), load_config(str(CONFIG), rule_ids()))
    return ctx, audit(ctx)


def test_findings_read_from_disk_plan_as_the_audit_in_memory(demo: tuple[AuditContext, dict],
                                                            tmp_path: Path) -> None:
    ctx, findings = demo
    in_memory = _written(plan_from_findings(findings, ctx.snapshot, ctx.config, ctx.azure))
    path = tmp_path / "findings.json"
    write_findings(findings, path)
    # a fresh snapshot and model: nothing is shared with the audit but the file
    from_disk = plan_from_findings(json.loads(path.read_text(encoding="utf-8")), load_snapshot(str(SNAPSHOT)),
                                   ctx.config)
    assert _written(from_disk) == in_memory
    kinds = {a["kind"] for a in in_memory[0]["actions"]}
    # the demo exercises every judgement the section carries: repairs, new assignments, reviews, alerts
    assert {"fix_assignment", "assign_export_policy", "review_exclusion", "review_exemption"} <= kinds, kinds
    projected = {p["projected"] for p in in_memory[0]["subscriptions"]}
    assert "effective" in projected and "unknown" in projected


def test_the_golden_findings_plan_as_the_audit(demo: tuple[AuditContext, dict]) -> None:
    ctx, findings = demo
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert golden["judgements"] == json.loads(json.dumps(findings["judgements"]))
    assert _written(plan_from_findings(golden, ctx.snapshot, ctx.config)) == \
        _written(plan_from_findings(findings, ctx.snapshot, ctx.config))


def test_judgements_are_written_once_per_assignment(demo: tuple[AuditContext, dict]) -> None:
    """The section grows with assignments and destinations: a subscription only points at them."""
    _, findings = demo
    section = findings["judgements"]
    ids = [(a["id"].lower(), a.get("policyDefinitionReferenceId")) for a in section["assignments"]]
    assert len(ids) == len(set(ids))
    cases = section["cases"]
    uses = [c["assignment"] for i in section["subscriptions"].values() for c in cases[i].get("checks", [])]
    assert len(uses) > len(section["assignments"])  # shared, not repeated per subscription
    assert set(uses) == set(range(len(section["assignments"])))
    named = list(section["subscriptions"].values())
    assert sorted(set(named)) == list(range(len(cases))) and len(cases) < len(named)  # subscriptions share cases
    assert len({json.dumps(c, sort_keys=True) for c in cases}) == len(cases)


def test_findings_without_judgements_or_of_another_snapshot_are_refused(demo: tuple[AuditContext, dict]) -> None:
    ctx, findings = demo
    old = {k: v for k, v in findings.items() if k != "judgements"}
    with pytest.raises(FindingsMismatch, match="no 'judgements' section"):
        plan_from_findings(old, ctx.snapshot, ctx.config)
    other = copy.deepcopy(findings)
    other["subscriptions"] = other["subscriptions"][1:]
    with pytest.raises(FindingsMismatch, match="do not cover 1 subscription"):
        plan_from_findings(other, ctx.snapshot, ctx.config)
    other = copy.deepcopy(findings)
    other["judgements"]["subscriptions"][findings["subscriptions"][0]["id"]] = 10_000
    with pytest.raises(FindingsMismatch, match="malformed"):
        plan_from_findings(other, ctx.snapshot, ctx.config)
    other = dict(findings, tenantId="00000000-0000-0000-0000-000000000000")
    with pytest.raises(FindingsMismatch, match="tenant"):
        plan_from_findings(other, ctx.snapshot, ctx.config)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, timeout=300)


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_remediate_from_the_findings_file_writes_what_remediate_from_the_snapshot_does(tmp_path: Path) -> None:
    audited = tmp_path / "audit"
    r = _cli("audit", "--snapshot", str(SNAPSHOT), "--config", str(CONFIG), "--out", str(audited),
             "--format", "json", "--quiet")
    assert r.returncode == 3, r.stderr  # the demo records unreadable scopes on purpose
    findings = audited / "findings.json"
    common = ("--snapshot", str(SNAPSHOT), "--config", str(CONFIG), "--format", "arm,terraform")
    r = _cli("remediate", *common, "--out", str(tmp_path / "again"))
    assert r.returncode == 0, r.stderr
    r = _cli("remediate", *common, "--findings", str(findings), "--out", str(tmp_path / "from-file"))
    assert r.returncode == 0, r.stderr
    assert _tree(tmp_path / "from-file") == _tree(tmp_path / "again")

    r = _cli("remediate", "--snapshot", str(SNAPSHOT), "--findings", str(findings), "--out", str(tmp_path / "x"))
    assert r.returncode == 2 and "another configuration" in r.stderr and len(r.stderr.splitlines()) == 1, r.stderr
    other = tmp_path / "other.json"
    other.write_text(SNAPSHOT.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # same tenant, other bytes
    r = _cli("remediate", "--snapshot", str(other), "--config", str(CONFIG), "--findings", str(findings),
             "--out", str(tmp_path / "y"))
    assert r.returncode == 2 and "another snapshot" in r.stderr and len(r.stderr.splitlines()) == 1, r.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    r = _cli("remediate", *common, "--findings", str(bad), "--out", str(tmp_path / "z"))
    assert r.returncode == 2 and "not a findings.json" in r.stderr and len(r.stderr.splitlines()) == 1, r.stderr


def test_the_view_of_the_judgements_is_the_analysis(demo: tuple[AuditContext, dict]) -> None:
    """Per subscription, what remediation reads back is what the analysis judged: the same checks
    (assignment, member, reason, exemption, destination, categories), healthy exports and alert gaps."""
    ctx, findings = demo
    view = RemediationInputs(json.loads(json.dumps(findings)), ctx.snapshot, ctx.config)
    assert set(view.enforcement) == set(ctx.hierarchy.subscriptions)
    for key in ctx.hierarchy.subscriptions:
        enf, got = ctx.enforcement[key], view.enforcement[key]
        assert got.state == enf.state
        assert [(c.assignment_id, c.target.reference_id, c.reason, c.exemption.id if c.exemption else None,
                 c.destination, c.categories, c.effective) for c in got.checks] == \
               [(c.assignment_id, c.reference_id, c.reason, c.exemption.id if c.exemption else None,
                 c.destination, c.categories, c.effective) for c in enf.checks]
        exp = ctx.exports[key]
        assert view.exports[key].state == exp.state
        assert [(e.categories, [(d.kind, d.id) for d in e.usable_destinations])
                for e in view.exports[key].healthy_exports] == \
               [(e.categories, [(d.kind, d.id) for d in e.usable_destinations]) for e in exp.healthy_exports]
        assert view.alerts[key].unreadable == bool(ctx.alerts[key].unreadable)
        assert view.alerts[key].undecided == ctx.alerts[key].undecided
    reasons = {c.reason for e in view.enforcement.values() for c in e.checks}
    assert {"effective", "excluded", "exempted", "do_not_enforce", "effect_not_dine"} <= reasons, reasons
