"""The "Delivery and detection" report section and the delivery remediation (README and Defender template)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from collect_support import DEMO_TENANT
from remediate_support import audited_plan

from auditor.analysis.context import AuditContext
from auditor.analysis.engine import audit
from auditor.azure.snapshot import build_snapshot, load_snapshot
from auditor.config import Config
from auditor.remediate.delivery import DEFENDER_TEMPLATE, SECURITY_ADMIN
from auditor.remediate.writer import render_files
from auditor.render.html import render_html
from auditor.render.model import build_model
from auditor.rules.catalogue.delivery import DEFENDER_ARM_POLICY


def _html(raw: dict) -> str:
    snap = build_snapshot(raw)
    return render_html(build_model(audit(AuditContext(snap, Config())), snap))


def test_report_section_with_delivery_facts() -> None:
    text = _html(json.loads(DEMO_TENANT.read_text()))
    section = text[text.index('id="delivery"'):]
    assert "Last event per subscription" in section
    assert "law-corp-data" in section and "OverQuota" in section  # the over-quota workspace
    assert "∅" in section  # exported but nothing will arrive (Security without Defender)
    assert "Contoso-Sandbox-Carol" in section


def test_report_section_says_when_delivery_was_not_verified() -> None:
    raw = json.loads(DEMO_TENANT.read_text())
    del raw["delivery"]
    text = _html(raw)
    assert "Delivery was not verified" in text[text.index('id="delivery"'):]


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    ctx = AuditContext(load_snapshot(Path(DEMO_TENANT)), Config())
    return render_files(audited_plan(ctx), ("arm",))


def test_readme_says_what_to_do(files: dict[str, str]) -> None:
    readme = files["README.md"]
    assert "--workspace-name law-corp-data --quota -1" in readme  # remove the daily cap
    assert "Defender for Resource Manager" in readme and DEFENDER_ARM_POLICY in readme


def test_defender_template_assigns_the_builtin_dine_policy_with_security_admin(files: dict[str, str]) -> None:
    template = json.loads(files[DEFENDER_TEMPLATE])
    assignment, role = template["resources"]
    assert assignment["properties"]["policyDefinitionId"] == DEFENDER_ARM_POLICY
    assert assignment["identity"] == {"type": "SystemAssigned"}
    assert role["properties"]["roleDefinitionId"].endswith(SECURITY_ADMIN)


def test_no_delivery_remediation_without_verification() -> None:
    raw = json.loads(DEMO_TENANT.read_text())
    del raw["delivery"]
    out = render_files(audited_plan(AuditContext(build_snapshot(raw), Config())), ("arm",))
    assert DEFENDER_TEMPLATE not in out and "Delivery and detection" not in out["README.md"]
