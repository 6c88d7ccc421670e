"""SARIF that code scanning accepts: the 2.1.0 schema, GitHub's upload limits, results per group.

The schema is OASIS's (tests/fixtures/ci-schemas/, PROVENANCE.md); the limits are GitHub's
documented ones (auditor/render/sarif_limits.py). The 10,000-subscription figures are measured by
``bench/bench_sarif.py`` (docs/reports.md), not here: a test tenant of a few hundred subscriptions
already has far more findings than results, which is the property that scales.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from tenant_support import tenant
from test_report_fixtures import audited, demo_raw

from auditor.azure import arm
from auditor.render.sarif import sarif_document
from auditor.render.sarif_limits import MAX_RESULTS_PER_RUN, violations

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "tests" / "fixtures" / "ci-schemas" / "sarif-schema-2.1.0.json").read_text())


def _valid(doc: dict[str, Any]) -> None:
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    assert violations(doc) == []


@pytest.fixture(scope="module")
def demo() -> tuple[dict[str, Any], dict[str, Any]]:
    findings, snap = audited(demo_raw())
    return findings, sarif_document(findings, snap, "audits/demo-tenant.json")


@pytest.fixture(scope="module")
def synthetic() -> tuple[dict[str, Any], dict[str, Any]]:
    findings, snap = audited(tenant(400))
    return findings, sarif_document(findings, snap)


def _group_of(findings: dict[str, Any]) -> dict[str, str]:
    """Subscription GUID -> its parent management group, from findings.json (independently of the renderer)."""
    return {arm.subscription_id_of(s["id"]) or "": s["managementGroupPath"][-1]
            for s in findings["subscriptions"] if s.get("managementGroupPath")}


def test_demo_sarif_is_valid_and_within_githubs_limits(demo: tuple[dict[str, Any], dict[str, Any]]) -> None:
    _valid(demo[1])


def test_rules_tag_their_frameworks_and_list_every_control(demo: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """Tags are the frameworks (GitHub filters on them, 20 at most); no control is cut: the alert
    rules speak to over 20 controls, and every one is under properties.controls."""
    from auditor.frameworks import all_frameworks
    from auditor.rules import all_rules

    names = {f.short_name for f in all_frameworks()}
    rules = {r["id"]: r for r in demo[1]["runs"][0]["tool"]["driver"]["rules"]}
    assert max(len(r["properties"]["controls"]) for r in rules.values()) > 20
    for rule in all_rules():
        if rule.id not in rules:
            continue
        props = rules[rule.id]["properties"]
        assert props["controls"] == rule.catalogue_entry()["controls"]
        assert props["tags"][0] == "security" and set(props["tags"][1:]) <= names
        assert {c.split(" ")[0] for c in props["controls"]} <= {t.split(" ")[0] for t in props["tags"]}


def test_synthetic_tenant_sarif_is_valid_and_within_limits(synthetic: tuple[dict[str, Any], dict[str, Any]]) -> None:
    _valid(synthetic[1])


@pytest.mark.parametrize("which", ["demo", "synthetic"])
def test_every_finding_is_in_exactly_one_result_of_its_rule_and_group(which: str,
                                                                      request: pytest.FixtureRequest) -> None:
    findings, doc = request.getfixturevalue(which)
    parent = _group_of(findings)
    results = doc["runs"][0]["results"]
    members = Counter()
    keys = set()
    for r in results:
        props = r["properties"]
        group = props["scopeGroup"]
        assert r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == group
        assert props["findingCount"] == len(props["members"]) and props["scopeCount"] == len(props["scopes"])
        for m in props["members"]:
            n = arm.norm_id(m["scope"])
            sub = arm.subscription_id_of(n)
            expected = m["scope"] if sub is None else parent.get(sub, arm.subscription_scope(sub))
            assert arm.norm_id(expected) == arm.norm_id(group), (m, group)
            members[(r["ruleId"], n, json.dumps(m["evidence"], sort_keys=True), m["message"])] += 1
        key = (r["ruleId"], arm.norm_id(group), props["severity"], json.dumps(r.get("suppressions")))
        assert key not in keys, key  # one result per rule, group, severity and waiver
        keys.add(key)
    expected = Counter((f["ruleId"], arm.norm_id(f["scope"]), json.dumps(f["evidence"], sort_keys=True), f["message"])
                       for f in findings["findings"])
    assert members == expected


def test_results_grow_with_groups_not_subscriptions(synthetic: tuple[dict[str, Any], dict[str, Any]]) -> None:
    findings, doc = synthetic
    results = doc["runs"][0]["results"]
    groups = {r["properties"]["scopeGroup"] for r in results}
    rules = {r["ruleId"] for r in results}
    assert len(findings["findings"]) > 5 * len(results)  # many findings folded per result
    # per rule and group at most one result per severity and waiver: bounded by groups, not subscriptions
    assert len(results) <= 2 * len(rules) * (len(findings["managementGroups"]) + len(groups))
    alr = [r for r in results if r["ruleId"] == "ALA-ALR-001"]
    assert alr and max(r["properties"]["findingCount"] for r in alr) > 50


def test_fingerprints_are_unique_stable_and_not_about_lines_or_members(
        demo: tuple[dict[str, Any], dict[str, Any]]) -> None:
    findings, doc = demo
    prints = [r["partialFingerprints"]["auditorResultGroup/v1"] for r in doc["runs"][0]["results"]]
    assert len(set(prints)) == len(prints)
    for r in doc["runs"][0]["results"]:  # upload-sarif computes the line hash only when it is absent
        assert r["partialFingerprints"]["primaryLocationLineHash"] == r["partialFingerprints"]["auditorResultGroup/v1"]
    # a quarter later: one member gone, wording changed, generated at another time: the same alerts
    later = copy.deepcopy(findings)
    dropped = next(i for i, f in enumerate(later["findings"]) if f["ruleId"] == "ALA-ALR-001" and not f["waiver"])
    del later["findings"][dropped]
    for f in later["findings"]:
        f["message"] = f["message"].upper()
    later["generatedAt"] = "2027-03-01T00:00:00Z"
    again = sarif_document(later, None, "elsewhere/snapshot.json")
    assert {r["partialFingerprints"]["auditorResultGroup/v1"] for r in again["runs"][0]["results"]} == set(prints)


def test_results_point_at_the_snapshot_path_in_the_repository(demo: tuple[dict[str, Any], dict[str, Any]]) -> None:
    run = demo[1]["runs"][0]
    assert run["artifacts"][0]["location"]["uri"] == "audits/demo-tenant.json"
    for r in run["results"]:
        assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "audits/demo-tenant.json"


def test_waived_results_are_suppressed_and_only_they(demo: tuple[dict[str, Any], dict[str, Any]]) -> None:
    findings, doc = demo
    suppressed = [r for r in doc["runs"][0]["results"] if "suppressions" in r]
    assert suppressed and len(suppressed) < len(doc["runs"][0]["results"])
    waived = sum(1 for f in findings["findings"] if f["waiver"])
    assert sum(r["properties"]["findingCount"] for r in suppressed) == waived
    for r in suppressed:
        assert r["suppressions"][0]["kind"] == "external" and r["suppressions"][0]["status"] == "accepted"
        assert "expires" in r["suppressions"][0]["justification"]


def test_execution_is_unsuccessful_when_scopes_were_unreadable(demo: tuple[dict[str, Any], dict[str, Any]]) -> None:
    invocation = demo[1]["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 3
    assert invocation["toolExecutionNotifications"]
    raw = demo_raw()
    raw["errors"] = []
    findings, snap = audited(raw)
    clean = sarif_document(findings, snap)["runs"][0]["invocations"][0]
    assert clean["executionSuccessful"] is True and "exitCode" not in clean


def test_limits_checker_catches_an_oversized_run() -> None:
    doc = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x", "rules": [
        {"id": "R", "properties": {"tags": [str(i) for i in range(21)]}}]}},
        "results": [{"message": {"text": "m"}}] * (MAX_RESULTS_PER_RUN + 1)}]}
    problems = violations(doc)
    assert any("results" in p for p in problems) and any("tags" in p for p in problems)


def _audit(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditor", "audit", "--snapshot", "examples/demo-tenant.json",
                           "--config", "examples/auditor.toml", "--out", str(tmp_path / "o"), "--format", "sarif",
                           "-q", *extra], capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_cli_defaults_to_the_snapshot_path_as_given_and_takes_an_explicit_one(tmp_path: Path) -> None:
    proc = _audit(tmp_path)
    assert proc.returncode == 3, proc.stderr
    doc = json.loads((tmp_path / "o" / "findings.sarif").read_text())
    assert doc["runs"][0]["artifacts"][0]["location"]["uri"] == "examples/demo-tenant.json"
    proc = _audit(tmp_path, "--sarif-artifact-path", "evidence/2026-q4/snapshot.json.gz")
    assert proc.returncode == 3, proc.stderr
    doc = json.loads((tmp_path / "o" / "findings.sarif").read_text())
    assert doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "evidence/2026-q4/snapshot.json.gz"


@pytest.mark.parametrize("bad", ["/abs/snapshot.json", "../up/snapshot.json", "https://x/s.json", "a\\b.json"])
def test_cli_refuses_a_path_outside_the_repository(tmp_path: Path, bad: str) -> None:
    proc = _audit(tmp_path, "--sarif-artifact-path", bad)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "--sarif-artifact-path" in proc.stderr and not (tmp_path / "o").exists()
