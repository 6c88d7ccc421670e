"""Conflicting sinks: a subscription already sends some categories to the destination under another
setting name. The policy's own setting would be refused there; the plan updates the existing one."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import builders as b
import pytest
from remediate_support import audited_plan
from test_remediate_apply import apply_plan

from auditor.analysis.context import AuditContext
from auditor.azure import arm
from auditor.azure.activity_log import CATEGORIES
from auditor.azure.snapshot import build_snapshot
from auditor.config import Config
from auditor.remediate import model, write_plan

A, P = b.guid("sink-app"), b.guid("sink-platform")
WORKSPACE = b.workspace_id(P, "rg-logs", "law-central")
STORAGE = b.storage_id(P, "rg-logs", "stcentral")
ACTION_GROUP = b.action_group_id(P, "rg-ops", "ag-soc")


def tenant(destination: str, setting_name: str = "legacy") -> tuple[dict[str, Any], Config]:
    sink = {"workspace": WORKSPACE} if destination == "workspace" else {"storage": STORAGE}
    raw = b.snapshot([
        b.management_group("root", "Root", parent=None,
                           children=[b.child_subscription(A, "app"), b.child_subscription(P, "platform")]),
        b.subscription(A, "app"), b.subscription(P, "platform"),
        b.workspace(P, "rg-logs", "law-central", retention_days=365),
        b.storage_account(P, "rg-logs", "stcentral"),
        b.export_policy_definition(),
        b.subscription_diagnostic_setting(A, setting_name, logs=["Administrative", "Security"], **sink),
        b.action_group(P, "rg-ops", "ag-soc", emails=["soc@example.com"]),
    ], root="root")
    return raw, Config(central_destinations=(WORKSPACE if destination == "workspace" else STORAGE,))


def _plan(raw: dict[str, Any], config: Config) -> tuple[model.Plan, AuditContext]:
    ctx = AuditContext(build_snapshot(raw), config)
    return audited_plan(ctx), ctx


@pytest.mark.parametrize("destination", ["workspace", "storage"])
def test_the_existing_setting_is_updated_and_the_remediation_succeeds(tmp_path: Path, destination: str) -> None:
    raw, config = tenant(destination)
    plan, ctx = _plan(raw, config)
    [update] = [a for a in plan.actions if a.kind == model.UPDATE_SINK]
    [conflict] = update.detail["conflicts"]
    assert update.subscriptions == [b.sub_id(A)] and conflict.name == "legacy"
    assert conflict.missing == tuple(c for c in CATEGORIES if c not in ("Administrative", "Security"))
    steps = {a.kind: a.step for a in plan.actions if a.step}
    assert steps[model.UPDATE_SINK] < steps[model.REMEDIATION_TASK]
    write_plan(plan, tmp_path)
    # One template over a list: the setting is data in the parameter file, not a step of its own.
    [data] = [f for f in update.files() if f.startswith("parameters/")]
    [setting] = json.loads((tmp_path / data).read_text())["parameters"]["settings"]["value"]
    assert setting["name"] == "legacy" and len(setting["properties"]["logs"]) == len(CATEGORIES)
    assert setting["subscriptionId"] == arm.subscription_id_of(b.sub_id(A))
    tf = (tmp_path / f"terraform/{update.stem}.tf").read_text()
    assert 'resource "azapi_update_resource"' in tf and "/diagnosticSettings/${each.value.name}" in tf
    assert f"../{data}" in tf
    assert "modules/update-sink.bicep" in (tmp_path / f"bicep/{update.stem}.bicep").read_text()
    applied, refused = apply_plan(raw, tmp_path, plan, ACTION_GROUP, ctx)
    assert refused == {}
    after = AuditContext(build_snapshot(applied), config)
    assert after.exports[arm.norm_id(b.sub_id(A))].state == "complete"
    names = [d["name"] for d in applied["resources"] if "/diagnosticsettings/" in d["id"].lower()
             and arm.same_id(arm.scope_of_extension(d["id"]), b.sub_id(A))]
    assert names == ["legacy"]  # updated in place; the policy found it compliant and added nothing


def test_without_the_update_azure_refuses_the_policys_setting(tmp_path: Path) -> None:
    raw, config = tenant("workspace")
    plan, ctx = _plan(raw, config)
    stripped = copy.copy(plan)
    stripped.actions = [a for a in plan.actions if a.kind != model.UPDATE_SINK]
    write_plan(stripped, tmp_path, ("arm",))
    _, refused = apply_plan(raw, tmp_path, stripped, ACTION_GROUP, ctx)
    assert "already used in diagnostic setting 'legacy'" in refused[b.sub_id(A)]


def test_a_setting_with_the_policys_own_name_is_no_conflict() -> None:
    raw, config = tenant("workspace", setting_name="subscriptionToLa")  # the built-in overwrites it
    plan, _ = _plan(raw, config)
    assert not [a for a in plan.actions if a.kind == model.UPDATE_SINK]
