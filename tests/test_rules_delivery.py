"""ALA-DLV-001/002, ALA-DET-001, ALA-EXP-010 and category yield on ARM-shaped snapshots with delivery facts."""

from __future__ import annotations

from typing import Any

import builders as b
import builders_sentinel as bs
import delivery_builders as db
import pytest

from auditor.analysis.checks import check_of
from auditor.analysis.context import AuditContext
from auditor.azure.snapshot import build_snapshot
from auditor.config import Config
from auditor.errors import InputError
from auditor.rules.base import Finding

S = b.guid("delivery-sub")
S2 = b.guid("delivery-sub-2")
RG = "rg-logging"
WS_DOC = b.workspace(S, RG, "law-central", retention_days=365)
WS = WS_DOC["id"]
ST = b.storage_id(S, RG, "stactivity")
RECENT, STALE = "2026-11-27T10:00:00Z", "2026-11-01T10:00:00Z"  # collected 2026-11-28T10:00:00Z


def tenant(*resources: dict[str, Any], delivery: dict[str, Any] | None, errors: tuple[dict[str, Any], ...] = (),
           ws: dict[str, Any] = WS_DOC) -> dict[str, Any]:
    docs = [ws, b.subscription_diagnostic_setting(S, "to-central", workspace=WS, category_group="allLogs"),
            b.subscription_diagnostic_setting(S2, "to-central", workspace=WS, category_group="allLogs"),
            *resources]
    snap = b.tenant(docs, {S: "Prod", S2: "Other"}, errors=errors)
    if delivery is not None:
        snap["delivery"] = delivery
    return snap


def fire(doc: dict[str, Any], rule_id: str) -> list[Finding]:
    return list(check_of(rule_id)(AuditContext(build_snapshot(doc), Config())))


def ws_delivery(rows: list[dict[str, Any]], ingestion: list[dict[str, Any]] = ()) -> dict[str, Any]:
    return db.delivery([db.workspace_delivery(WS_DOC, rows, list(ingestion))])


def scopes(findings: list[Finding]) -> set[str]:
    return {f.scope.rsplit("/", 1)[-1] for f in findings}


# ---------------------------------------------------------------- ALA-DLV-001
def test_dlv001_fires_for_the_silent_subscription_and_says_others_delivered() -> None:
    doc = tenant(delivery=ws_delivery(db.activity(S2, {"Administrative": 5}, RECENT)))
    found = fire(doc, "ALA-DLV-001")
    assert scopes(found) == {S}
    assert "other subscriptions did deliver" in found[0].message
    assert found[0].evidence["destinations"][0]["otherSubscriptionsDelivering"] == 1


def test_dlv001_old_events_only_count_as_silence_and_nobody_else_delivering_is_said() -> None:
    rows = db.activity(S, {"Administrative": 5}, STALE) + db.activity(S2, {"Administrative": 5}, STALE)
    found = fire(tenant(delivery=ws_delivery(rows)), "ALA-DLV-001")
    assert scopes(found) == {S, S2} and "no other subscription" in found[0].message


def test_dlv001_passes_when_events_arrive_and_without_verification() -> None:
    rows = db.activity(S, {"Administrative": 5}, RECENT) + db.activity(S2, {"Policy": 1}, RECENT)
    assert fire(tenant(delivery=ws_delivery(rows)), "ALA-DLV-001") == []
    assert fire(tenant(delivery=None), "ALA-DLV-001") == []


def test_dlv001_unreadable_workspace_is_unknown_not_silent() -> None:
    err = b.error(WS, "logQuery", code="InsufficientAccessError")
    assert fire(tenant(delivery=db.delivery(), errors=(err,)), "ALA-DLV-001") == []
    aud = fire(tenant(delivery=db.delivery(), errors=(err,)), "ALA-AUD-001")
    assert [f.evidence["operation"] for f in aud] == ["logQuery"]


def test_dlv001_storage_newest_blob() -> None:
    st = b.storage_account(S, RG, "stactivity")
    setting = b.subscription_diagnostic_setting(S, "to-storage", storage=ST, category_group="allLogs")
    docs = [st, setting]
    snap = b.tenant(docs, {S: "Prod"})
    snap["delivery"] = db.delivery(storage=[db.storage_delivery(ST, [db.newest_blob(S, None)])])
    assert scopes(fire(snap, "ALA-DLV-001")) == {S}
    snap["delivery"] = db.delivery(storage=[db.storage_delivery(ST, [db.newest_blob(S, RECENT)])])
    assert fire(snap, "ALA-DLV-001") == []
    snap["delivery"] = db.delivery()
    snap["errors"] = [b.error(ST, "blobListing", code="AuthorizationPermissionMismatch")]
    assert fire(snap, "ALA-DLV-001") == []  # unknown, reported by ALA-AUD-001


# ---------------------------------------------------------------- ALA-DLV-002
def test_dlv002_over_quota_workspace() -> None:
    capped = b.workspace(S, RG, "law-central", retention_days=365, daily_quota_gb=2.0, ingestion_status="OverQuota")
    found = fire(tenant(delivery=ws_delivery([]), ws=capped), "ALA-DLV-002")
    assert scopes(found) == {S, S2} and found[0].evidence["dailyQuotaGb"] == 2.0


def test_dlv002_ingestion_errors_in_the_window_only() -> None:
    warn = db.ingestion("Data collection stopped", "Warning", 2, RECENT, "daily limit reached")
    assert len(fire(tenant(delivery=ws_delivery([], [warn])), "ALA-DLV-002")) == 2
    old = db.ingestion("Data collection stopped", "Warning", 2, STALE, "daily limit reached")
    info = db.ingestion("Data collection resumed", "Info", 1, RECENT, "resumed")
    assert fire(tenant(delivery=ws_delivery([], [old, info])), "ALA-DLV-002") == []


# ---------------------------------------------------------------- ALA-DET-001 and ALA-EXP-010
def test_det001_fires_without_defender_for_resource_manager_or_sentinel() -> None:
    doc = tenant(*db.pricings(S), *db.pricings(S2, ("Arm",)), delivery=ws_delivery([]))
    found = fire(doc, "ALA-DET-001")
    assert scopes(found) == {S}
    assert found[0].evidence["policyDefinitionId"].endswith("b7021b2b-08fd-4dc0-9de7-3c6ece09faf9")


def test_det001_passes_with_a_sentinel_rule_over_azure_activity() -> None:
    on = (bs.onboarding_state(WS), *db.pricings(S), *db.pricings(S2))
    assert scopes(fire(tenant(*on, delivery=ws_delivery([])), "ALA-DET-001")) == {S, S2}  # on, but no rule
    rule = bs.analytics_rule(WS, "cis", bs.cis_query("Microsoft.Network/networkSecurityGroups/write"))
    assert fire(tenant(*on, rule, delivery=ws_delivery([])), "ALA-DET-001") == []


def test_det001_unreadable_plans_are_unknown() -> None:
    doc = tenant(*db.pricings(S2, ("Arm",)), delivery=ws_delivery([]),
                 errors=(b.error(b.sub_id(S), "defenderPlans"),))
    assert fire(doc, "ALA-DET-001") == []


def test_exp010_security_exported_without_any_plan() -> None:
    doc = tenant(*db.pricings(S, ("CloudPosture",)), *db.pricings(S2, ("VirtualMachines",)), delivery=ws_delivery([]))
    assert scopes(fire(doc, "ALA-EXP-010")) == {S}


def test_category_yield() -> None:
    doc = tenant(*db.pricings(S), *db.pricings(S2, ("Arm",)),
                 db.autoscale_setting(S2, "rg-app", "as-app", "/subscriptions/x"),
                 db.metric_alert(S2, "rg-app", "cpu", "/subscriptions/x"), delivery=ws_delivery([]))
    ctx = AuditContext(build_snapshot(doc), Config())
    assert ctx.delivery is not None
    y1 = ctx.delivery.yields[b.sub_id(S).lower()]
    y2 = ctx.delivery.yields[b.sub_id(S2).lower()]
    assert (y1["Security"], y1["Autoscale"], y1["Alert"], y1["Policy"]) == ("no", "no", "no", "no")
    assert (y2["Security"], y2["Autoscale"], y2["Alert"]) == ("yes", "yes", "yes")
    assert y1["Administrative"] == y1["Recommendation"] == "yes"


def test_malformed_delivery_section_is_exit_2() -> None:
    doc = tenant(delivery={"version": 9})
    with pytest.raises(InputError, match="delivery version"):
        build_snapshot(doc)
    with pytest.raises(InputError, match="delivery.workspaces"):
        build_snapshot(tenant(delivery={"version": 1, "workspaces": "x"}))
