"""A repaired identity gets roles that can deploy even when its definition's own list cannot."""

from __future__ import annotations

from pathlib import Path

import builders as b
from remediate_support import audited_plan
from test_remediate_apply import apply_plan

from auditor.analysis.context import AuditContext
from auditor.azure import arm
from auditor.azure.snapshot import build_snapshot
from auditor.config import Config
from auditor.remediate import model, roles, write_plan

S, P = b.guid("idroles-app"), b.guid("idroles-platform")
STORAGE = b.storage_id(P, "rg-logs", "starchive")
ACTION_GROUP = b.action_group_id(P, "rg-ops", "ag-soc")
PRINCIPAL = b.guid("principal:idroles")


def test_a_definition_listing_only_monitoring_contributor_is_completed(tmp_path: Path) -> None:
    """A custom storage export listing Monitoring Contributor only: its identity gets Log Analytics
    Contributor at the scope (Microsoft.Resources/deployments/* in every published version) and Storage
    Account Contributor on the account (listKeys); its remediation then succeeds in the simulator."""
    definition = b.export_policy_definition("root", "custom-storage-export", destination="storage",
                                            role_ids=(b.ROLE_MONITORING_CONTRIBUTOR,))
    assignment = b.policy_assignment("root", "storage-export", definition["id"],
                                     parameters={"storageAccountId": STORAGE},
                                     identity=b.system_identity(PRINCIPAL), enforcement_mode="DoNotEnforce")
    raw = b.snapshot([
        b.management_group("root", "Root", parent=None,
                           children=[b.child_subscription(S, "app"), b.child_subscription(P, "platform")]),
        b.subscription(S, "app"), b.subscription(P, "platform"),
        b.storage_account(P, "rg-logs", "starchive"),
        definition, assignment, b.role_assignment(b.mg_id("root"), PRINCIPAL, b.ROLE_MONITORING_CONTRIBUTOR),
        b.action_group(P, "rg-ops", "ag-soc", emails=["soc@example.com"]),
    ], root="root")
    config = Config(central_destinations=(STORAGE,))
    ctx = AuditContext(build_snapshot(raw), config)
    plan = audited_plan(ctx)
    [fix] = [a.detail["fix"] for a in plan.actions if a.kind == model.FIX_ASSIGNMENT]
    assert fix.missing_roles == [roles.LOG_ANALYTICS_CONTRIBUTOR.guid]
    assert fix.grants_destination and fix.destination_role == roles.STORAGE_ACCOUNT_CONTRIBUTOR.guid
    projected = {arm.norm_id(p.id): p.projected for p in plan.subscriptions}
    assert projected[arm.norm_id(b.sub_id(S))] == "effective"
    write_plan(plan, tmp_path, ("arm",))
    applied, refused = apply_plan(raw, tmp_path, plan, ACTION_GROUP, ctx)
    assert refused == {}
    after = AuditContext(build_snapshot(applied), config)
    assert after.exports[arm.norm_id(b.sub_id(S))].state == "complete"
