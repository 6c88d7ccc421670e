"""ALA-EXP-001..009 against ARM-shaped snapshots: each rule fires where docs/coverage.md says, and only there."""

from __future__ import annotations

from typing import Any

import builders as b
import pytest

from auditor.analysis.checks import check_of
from auditor.analysis.context import AuditContext
from auditor.azure.snapshot import build_snapshot
from auditor.config import Config
from auditor.rules import rule_by_id
from auditor.rules.base import Finding, control_labels

S = b.guid("exports-sub")
S2 = b.guid("exports-sub-2")
OUTSIDE = b.guid("exports-outside-tenant")
RG = "rg-logging"
WS = b.workspace_id(S, RG, "law-central")
ST = b.storage_id(S, RG, "stactivity")
EH_RULE = b.eventhub_rule_id(S, RG, "evhns-siem")
EH_NS = b.eventhub_namespace_id(S, RG, "evhns-siem")


def ctx_for(doc: dict[str, Any], **config: Any) -> AuditContext:
    return AuditContext(build_snapshot(doc), Config(**config))


def fire(doc: dict[str, Any], rule_id: str, **config: Any) -> list[Finding]:
    return list(check_of(rule_id)(ctx_for(doc, **config)))


def one_sub(*resources: dict[str, Any], errors: tuple[dict[str, Any], ...] = ()) -> dict[str, Any]:
    return b.tenant(list(resources), {S: "Prod"}, errors=errors)


def durable_ws(retention: int = 365) -> dict[str, Any]:
    return b.workspace(S, RG, "law-central", retention_days=retention)


def event_hub() -> list[dict[str, Any]]:
    return [b.eventhub_namespace(S, RG, "evhns-siem"), b.eventhub_authorization_rule(S, RG, "evhns-siem")]


def all_logs_to_ws(**kw: Any) -> dict[str, Any]:
    return b.subscription_diagnostic_setting(S, "to-law", workspace=WS, category_group="allLogs", **kw)


# ----------------------------------------------------------------- ALA-EXP-001


def test_exp001_fires_without_any_setting() -> None:
    found = fire(one_sub(), "ALA-EXP-001")
    assert [f.scope.lower() for f in found] == [f"/subscriptions/{S}"]
    assert found[0].evidence["diagnosticSettings"] == []


def test_exp001_passes_with_healthy_export_reference_shape() -> None:
    # The reference example shape: id without leading slash, AzureResourceManager namespace, type null.
    setting = all_logs_to_ws()
    assert setting["type"] is None and not setting["id"].startswith("/")
    assert fire(one_sub(setting, durable_ws()), "ALA-EXP-001") == []


def test_exp001_passes_with_portal_shape() -> None:
    assert fire(one_sub(all_logs_to_ws(style="portal"), durable_ws()), "ALA-EXP-001") == []


def test_exp001_log_profile_does_not_count() -> None:
    found = fire(one_sub(b.log_profile(S, storage=ST), b.storage_account(S, RG, "stactivity")), "ALA-EXP-001")
    assert len(found) == 1
    assert found[0].evidence["logProfiles"]


def test_exp001_setting_with_every_category_disabled_is_no_export() -> None:
    setting = b.subscription_diagnostic_setting(S, "off", workspace=WS, logs=[(c, False) for c in b.CATEGORIES])
    assert len(fire(one_sub(setting, durable_ws()), "ALA-EXP-001")) == 1


def test_exp001_setting_without_destination_is_no_export() -> None:
    setting = b.subscription_diagnostic_setting(S, "nowhere", category_group="allLogs")
    assert len(fire(one_sub(setting), "ALA-EXP-001")) == 1


def test_exp001_fires_when_only_destination_is_broken() -> None:
    setting = b.subscription_diagnostic_setting(S, "to-deleted", storage=ST, category_group="allLogs")
    found = fire(one_sub(setting), "ALA-EXP-001")
    assert len(found) == 1
    assert [s.lower() for s in found[0].evidence["brokenExports"]] == [f"/{setting['id']}".lower()]


@pytest.mark.parametrize("kind", ["workspace", "partner"])
def test_exp001_unverified_destination_counts_as_healthy(kind: str) -> None:
    dest = {"workspace": b.workspace_id(OUTSIDE, "rg", "law-vendor"),
            "partner": b.partner_id(OUTSIDE, "rg", "dd-monitor")}[kind]
    setting = b.subscription_diagnostic_setting(S, "elsewhere", category_group="allLogs", **{kind: dest})
    doc = one_sub(setting)
    assert fire(doc, "ALA-EXP-001") == []
    result = ctx_for(doc).exports[f"/subscriptions/{S}"]
    assert result.state == "complete"
    assert [d.healthy for d in result.destinations()] == [None]


def test_exp001_not_judged_when_settings_unreadable() -> None:
    doc = one_sub(errors=(b.error(b.sub_id(S), "diagnosticSettings"),))
    assert fire(doc, "ALA-EXP-001") == []
    assert ctx_for(doc).exports[f"/subscriptions/{S}"].state == "unknown"
    assert len(fire(doc, "ALA-AUD-001")) == 1


def test_exp001_not_judged_below_a_group_that_could_not_be_read() -> None:
    doc = b.snapshot([
        b.management_group("root", "Root", children=[b.child_group("dark", "Dark", children=[
            b.child_subscription(S, "Prod")])]),
        b.subscription(S, "Prod"),
    ], errors=[b.error("dark", "*")], root="root")
    assert fire(doc, "ALA-EXP-001") == []
    assert ctx_for(doc).exports[f"/subscriptions/{S}"].state == "unknown"


def test_exp001_only_for_the_subscription_without_export() -> None:
    doc = b.tenant([all_logs_to_ws(), durable_ws()], {S: "Prod", S2: "Dev"})
    assert [f.scope.lower() for f in fire(doc, "ALA-EXP-001")] == [f"/subscriptions/{S2}"]


# ----------------------------------------------------------------- ALA-EXP-002


def test_exp002_names_missing_categories_in_canonical_order() -> None:
    setting = b.subscription_diagnostic_setting(S, "partial", workspace=WS, logs=["Security", "Administrative"])
    found = fire(one_sub(setting, durable_ws()), "ALA-EXP-002")
    assert len(found) == 1
    assert found[0].evidence["missing"] == ["ServiceHealth", "Alert", "Recommendation", "Policy", "Autoscale",
                                            "ResourceHealth"]


def test_exp002_all_logs_category_group_means_all_eight() -> None:
    assert fire(one_sub(all_logs_to_ws(), durable_ws()), "ALA-EXP-002") == []


def test_exp002_union_of_categories_across_settings() -> None:
    first = b.subscription_diagnostic_setting(S, "core", workspace=WS, logs=b.CATEGORIES[:4])
    second = b.subscription_diagnostic_setting(S, "rest", storage=ST, logs=b.CATEGORIES[4:], style="portal")
    doc = one_sub(first, second, durable_ws(), b.storage_account(S, RG, "stactivity"))
    assert fire(doc, "ALA-EXP-002") == []
    assert ctx_for(doc).exports[f"/subscriptions/{S}"].state == "complete"


def test_exp002_categories_of_a_broken_export_do_not_count() -> None:
    broken = b.subscription_diagnostic_setting(S, "all-to-deleted", storage=ST, category_group="allLogs")
    admin = b.subscription_diagnostic_setting(S, "admin", workspace=WS, logs=["Administrative"])
    doc = one_sub(broken, admin, durable_ws())
    found = fire(doc, "ALA-EXP-002")
    assert len(found) == 1 and "Security" in found[0].evidence["missing"]
    assert ctx_for(doc).exports[f"/subscriptions/{S}"].state == "partial"


def test_exp002_category_names_compare_case_insensitively() -> None:
    setting = b.subscription_diagnostic_setting(S, "lower", workspace=WS, logs=[c.lower() for c in b.CATEGORIES])
    assert fire(one_sub(setting, durable_ws()), "ALA-EXP-002") == []


def test_exp002_disabled_entries_do_not_count() -> None:
    logs: list[Any] = [*b.CATEGORIES[:7], (b.CATEGORIES[7], False)]
    setting = b.subscription_diagnostic_setting(S, "almost", workspace=WS, logs=logs)
    found = fire(one_sub(setting, durable_ws()), "ALA-EXP-002")
    assert [f.evidence["missing"] for f in found] == [["ResourceHealth"]]


def test_exp002_follows_configured_required_categories() -> None:
    setting = b.subscription_diagnostic_setting(S, "cis", workspace=WS,
                                                logs=["Administrative", "Alert", "Policy", "Security"])
    doc = one_sub(setting, durable_ws())
    assert len(fire(doc, "ALA-EXP-002")) == 1
    cis = ("Administrative", "Security", "Alert", "Policy")
    assert fire(doc, "ALA-EXP-002", required_categories=cis) == []


def test_exp002_silent_without_healthy_export() -> None:
    assert fire(one_sub(), "ALA-EXP-002") == []


# ----------------------------------------------------------------- ALA-EXP-003


def test_exp003_storage_absent_from_readable_subscription_is_broken() -> None:
    setting = b.subscription_diagnostic_setting(S, "to-deleted", storage=ST, category_group="allLogs")
    found = fire(one_sub(setting), "ALA-EXP-003")
    assert len(found) == 1
    assert found[0].evidence["destination"].lower() == ST.lower()
    assert found[0].evidence["setting"].lower().endswith("/diagnosticsettings/to-deleted")


def test_exp003_one_broken_of_two_destinations() -> None:
    setting = b.subscription_diagnostic_setting(S, "two", workspace=WS, storage=ST, category_group="allLogs")
    doc = one_sub(setting, durable_ws())
    assert len(fire(doc, "ALA-EXP-003")) == 1
    assert fire(doc, "ALA-EXP-001") == []


def test_exp003_once_per_setting_and_destination() -> None:
    a = b.subscription_diagnostic_setting(S, "a", storage=ST, category_group="allLogs")
    c = b.subscription_diagnostic_setting(S, "c", storage=ST, logs=["Administrative"])
    assert len(fire(one_sub(a, c), "ALA-EXP-003")) == 2


def test_exp003_destination_outside_tenant_is_unverified_not_broken() -> None:
    setting = b.subscription_diagnostic_setting(S, "vendor", workspace=b.workspace_id(OUTSIDE, "rg", "law"),
                                                category_group="allLogs")
    assert fire(one_sub(setting), "ALA-EXP-003") == []


def test_exp003_destination_in_unreadable_subscription_is_unverified() -> None:
    ws2 = b.workspace_id(S2, "rg", "law-dark")
    doc = b.tenant([b.subscription_diagnostic_setting(S, "to-dark", workspace=ws2, category_group="allLogs")],
                   {S: "Prod", S2: "Dark"}, errors=[b.error(b.sub_id(S2), "*")])
    assert fire(doc, "ALA-EXP-003") == []
    result = ctx_for(doc).exports[f"/subscriptions/{S}"]
    assert [d.healthy for d in result.destinations()] == [None]


def test_exp003_destination_id_casing_does_not_matter() -> None:
    # The workspace document comes back lower-cased; the setting names it in mixed case.
    shouting = WS.upper().replace("/SUBSCRIPTIONS", "/subscriptions")
    setting = b.subscription_diagnostic_setting(S, "mixed", workspace=shouting, category_group="allLogs")
    doc = one_sub(setting, durable_ws())
    assert durable_ws()["id"] != WS
    assert fire(doc, "ALA-EXP-003") == []
    assert [d.healthy for d in ctx_for(doc).exports[f"/subscriptions/{S}"].destinations()] == [True]


def test_exp003_event_hub_rule_present_is_healthy() -> None:
    setting = b.subscription_diagnostic_setting(S, "siem", event_hub_rule=EH_RULE, event_hub_name="activity",
                                                category_group="allLogs")
    doc = one_sub(setting, *event_hub())
    assert fire(doc, "ALA-EXP-003") == []


def test_exp003_event_hub_namespace_gone_is_broken() -> None:
    setting = b.subscription_diagnostic_setting(S, "siem", event_hub_rule=EH_RULE, category_group="allLogs")
    found = fire(one_sub(setting), "ALA-EXP-003")
    assert len(found) == 1 and found[0].evidence["kind"] == "event_hub"


def test_exp003_event_hub_rule_deleted_namespace_remaining_is_broken() -> None:
    setting = b.subscription_diagnostic_setting(S, "siem", event_hub_rule=EH_RULE, category_group="allLogs")
    found = fire(one_sub(setting, b.eventhub_namespace(S, RG, "evhns-siem")), "ALA-EXP-003")
    assert len(found) == 1 and found[0].evidence["destination"].lower() == EH_RULE.lower()


def test_event_hub_outside_the_audit_is_unverified() -> None:
    outside = EH_RULE.replace(S, "99999999-9999-9999-9999-999999999999")
    setting = b.subscription_diagnostic_setting(S, "siem", event_hub_rule=outside, category_group="allLogs")
    doc = one_sub(setting)
    assert fire(doc, "ALA-EXP-003") == []
    assert [d.healthy for d in ctx_for(doc).exports[f"/subscriptions/{S}"].destinations()] == [None]


# ----------------------------------------------------------------- ALA-EXP-004


def test_exp004_silent_without_central_destinations() -> None:
    other = b.subscription_diagnostic_setting(S, "local", storage=ST, category_group="allLogs")
    assert fire(one_sub(other, b.storage_account(S, RG, "stactivity")), "ALA-EXP-004") == []


def test_exp004_fires_when_no_export_reaches_central() -> None:
    other = b.subscription_diagnostic_setting(S, "local", storage=ST, category_group="allLogs")
    found = fire(one_sub(other, b.storage_account(S, RG, "stactivity")), "ALA-EXP-004", central_destinations=(WS,))
    assert len(found) == 1
    assert [d.lower() for d in found[0].evidence["destinations"]] == [ST.lower()]


def test_exp004_central_match_is_case_insensitive() -> None:
    doc = one_sub(all_logs_to_ws(), durable_ws())
    assert fire(doc, "ALA-EXP-004", central_destinations=(WS.lower(),)) == []
    assert fire(doc, "ALA-EXP-004", central_destinations=(WS.lstrip("/"),)) == []


def test_exp004_one_central_setting_among_several_suffices() -> None:
    local = b.subscription_diagnostic_setting(S, "local", storage=ST, category_group="allLogs")
    doc = one_sub(local, all_logs_to_ws(), durable_ws(), b.storage_account(S, RG, "stactivity"))
    assert fire(doc, "ALA-EXP-004", central_destinations=(WS,)) == []


def test_exp004_event_hub_central_by_namespace() -> None:
    setting = b.subscription_diagnostic_setting(S, "siem", event_hub_rule=EH_RULE, category_group="allLogs")
    doc = one_sub(setting, *event_hub())
    assert fire(doc, "ALA-EXP-004", central_destinations=(EH_NS,)) == []


def test_exp004_silent_without_healthy_export() -> None:
    assert fire(one_sub(), "ALA-EXP-004", central_destinations=(WS,)) == []


# ----------------------------------------------------------------- ALA-EXP-005


@pytest.mark.parametrize(("retention", "fires"), [(30, True), (364, True), (365, False), (730, False)])
def test_exp005_workspace_retention(retention: int, fires: bool) -> None:
    found = fire(one_sub(all_logs_to_ws(), durable_ws(retention)), "ALA-EXP-005")
    assert len(found) == (1 if fires else 0)
    if fires:  # without an AzureActivity table document the table keeps at least 90 days
        assert found[0].evidence["retention"][0]["days"] == max(retention, 90)
        assert f"workspace retentionInDays {retention}" in found[0].evidence["retention"][0]["setting"]


def test_exp005_follows_configured_minimum() -> None:
    assert fire(one_sub(all_logs_to_ws(), durable_ws(30)), "ALA-EXP-005", min_retention_days=30) == []


def test_exp005_storage_is_durable() -> None:
    setting = b.subscription_diagnostic_setting(S, "archive", storage=ST, workspace=WS, category_group="allLogs")
    doc = one_sub(setting, durable_ws(30), b.storage_account(S, RG, "stactivity"))
    assert fire(doc, "ALA-EXP-005") == []


def test_exp005_event_hub_alone_is_not_durable() -> None:
    setting = b.subscription_diagnostic_setting(S, "siem", event_hub_rule=EH_RULE, category_group="allLogs")
    doc = one_sub(setting, *event_hub())
    assert len(fire(doc, "ALA-EXP-005")) == 1


def test_exp005_broken_storage_does_not_make_it_durable() -> None:
    setting = b.subscription_diagnostic_setting(S, "mixed", storage=ST, workspace=WS, category_group="allLogs")
    assert len(fire(one_sub(setting, durable_ws(30)), "ALA-EXP-005")) == 1


@pytest.mark.parametrize("kind", ["workspace", "partner"])
def test_exp005_unverified_destination_suppresses(kind: str) -> None:
    dest = {"workspace": b.workspace_id(OUTSIDE, "rg", "law-vendor"),
            "partner": b.partner_id(OUTSIDE, "rg", "dd")}[kind]
    setting = b.subscription_diagnostic_setting(S, "elsewhere", category_group="allLogs", **{kind: dest})
    assert fire(one_sub(setting), "ALA-EXP-005") == []


def test_exp005_silent_without_healthy_export() -> None:
    assert fire(one_sub(), "ALA-EXP-005") == []


# ----------------------------------------------------------------- ALA-EXP-006


def test_exp006_legacy_log_profile() -> None:
    profile = b.log_profile(S, storage=ST)
    assert profile["type"] == ""
    found = fire(one_sub(all_logs_to_ws(), durable_ws(), profile), "ALA-EXP-006")
    assert len(found) == 1
    assert [p.lower() for p in found[0].evidence["logProfiles"]] == [profile["id"].lower()]


def test_exp006_silent_without_log_profile() -> None:
    assert fire(one_sub(all_logs_to_ws(), durable_ws()), "ALA-EXP-006") == []


# ----------------------------------------------------------------- ALA-EXP-007 / 008


def storage_export(public: bool, cmk: bool) -> dict[str, Any]:
    setting = b.subscription_diagnostic_setting(S, "archive", storage=ST, category_group="allLogs")
    return one_sub(setting, b.storage_account(S, RG, "stactivity", public_blob=public, cmk=cmk))


def test_exp007_public_blob_access() -> None:
    found = fire(storage_export(public=True, cmk=True), "ALA-EXP-007")
    assert len(found) == 1
    assert found[0].evidence["destinations"][0]["destination"].lower() == ST.lower()
    assert fire(storage_export(public=False, cmk=True), "ALA-EXP-007") == []


def test_exp008_microsoft_managed_keys() -> None:
    found = fire(storage_export(public=False, cmk=False), "ALA-EXP-008")
    assert len(found) == 1
    assert found[0].evidence["destinations"][0]["keySource"] == "Microsoft.Storage"
    assert fire(storage_export(public=False, cmk=True), "ALA-EXP-008") == []


def test_exp008_key_source_casing() -> None:
    doc = storage_export(public=False, cmk=True)
    for r in doc["resources"]:
        if r["id"].lower() == ST.lower():
            r["properties"]["encryption"]["keySource"] = "microsoft.keyvault"
    assert fire(doc, "ALA-EXP-008") == []


@pytest.mark.parametrize("rule", ["ALA-EXP-007", "ALA-EXP-008"])
def test_exp007_008_not_judged_for_unverified_storage(rule: str) -> None:
    setting = b.subscription_diagnostic_setting(S, "vendor", storage=b.storage_id(OUTSIDE, "rg", "stvendor"),
                                                category_group="allLogs")
    assert fire(one_sub(setting), rule) == []


def test_exp007_008_only_for_storage_holding_the_activity_log() -> None:
    doc = one_sub(all_logs_to_ws(), durable_ws(), b.storage_account(S, RG, "stunrelated", public_blob=True))
    assert fire(doc, "ALA-EXP-007") == []
    assert fire(doc, "ALA-EXP-008") == []


# ----------------------------------------------------------------- ALA-EXP-009


def groups_tenant(*resources: dict[str, Any], errors: tuple[dict[str, Any], ...] = ()) -> dict[str, Any]:
    return b.snapshot([
        b.management_group("root", "Root", children=[b.child_group("corp", "Corp")]),
        b.management_group("corp", "Corp", parent="root", children=[b.child_subscription(S, "Prod")]),
        b.subscription(S, "Prod"),
        durable_ws(),
        *resources,
    ], errors=list(errors), root="root")


def test_exp009_group_without_diagnostic_setting() -> None:
    found = fire(groups_tenant(b.mg_diagnostic_setting("root", "root-activity", workspace=WS)), "ALA-EXP-009")
    assert [f.scope.lower() for f in found] == [b.mg_id("corp").lower()]


def test_exp009_silent_when_every_group_exports() -> None:
    doc = groups_tenant(b.mg_diagnostic_setting("root", "r", workspace=WS),
                        b.mg_diagnostic_setting("corp", "c", workspace=WS))
    assert fire(doc, "ALA-EXP-009") == []


def test_exp009_group_setting_to_deleted_destination_does_not_count() -> None:
    doc = groups_tenant(b.mg_diagnostic_setting("root", "r", workspace=WS),
                        b.mg_diagnostic_setting("corp", "c", storage=ST))
    assert [f.scope.lower() for f in fire(doc, "ALA-EXP-009")] == [b.mg_id("corp").lower()]


def test_exp009_not_judged_for_unreadable_group() -> None:
    doc = groups_tenant(b.mg_diagnostic_setting("root", "r", workspace=WS),
                        errors=(b.error("corp", "diagnosticSettings"),))
    assert fire(doc, "ALA-EXP-009") == []
    assert [f.scope.lower() for f in fire(doc, "ALA-AUD-001")] == [b.mg_id("corp").lower()]


# ----------------------------------------------------------------- id and casing variations


def test_setting_id_with_upper_case_guid_belongs_to_the_subscription() -> None:
    setting = all_logs_to_ws()
    setting["id"] = setting["id"].replace(S, S.upper())
    doc = one_sub(setting, durable_ws())
    assert ctx_for(doc).exports[f"/subscriptions/{S}"].state == "complete"
    assert fire(doc, "ALA-EXP-001") == []


def test_all_logs_group_disabled_is_no_export() -> None:
    setting = b.subscription_diagnostic_setting(S, "off", workspace=WS, logs=[{"categoryGroup": "allLogs",
                                                                               "enabled": False}])
    assert len(fire(one_sub(setting, durable_ws()), "ALA-EXP-001")) == 1


def test_settings_of_one_subscription_do_not_count_for_another() -> None:
    other = b.subscription_diagnostic_setting(S2, "to-law", workspace=WS, category_group="allLogs")
    doc = b.tenant([other, durable_ws()], {S: "Prod", S2: "Dev"})
    assert [f.scope.lower() for f in fire(doc, "ALA-EXP-001")] == [f"/subscriptions/{S}"]


def test_resource_level_diagnostic_setting_is_not_a_subscription_export() -> None:
    vault = b.resource_id(S, RG, "Microsoft.KeyVault/vaults", "kv1")
    kv_setting = {"id": f"{vault}/providers/microsoft.insights/diagnosticSettings/kv-logs",
                  "type": "Microsoft.Insights/diagnosticSettings", "name": "kv-logs",
                  "properties": {"workspaceId": WS, "logs": [{"categoryGroup": "allLogs", "enabled": True}]}}
    assert len(fire(one_sub(kv_setting, durable_ws()), "ALA-EXP-001")) == 1


# ----------------------------------------------------------------- catalogue


@pytest.mark.parametrize(("rule_id", "severity", "controls"), [
    ("ALA-EXP-001", "high", {"CIS Azure 2.0.0 5.1.1", "CIS Azure 3.0.0 6.1.1"}),
    ("ALA-EXP-002", "medium", {"CIS Azure 2.0.0 5.1.2", "CIS Azure 3.0.0 6.1.2"}),
    ("ALA-EXP-003", "high", set()),
    ("ALA-EXP-004", "medium", set()),
    ("ALA-EXP-005", "medium", {"MCSB LT-6"}),
    ("ALA-EXP-006", "medium", set()),
    ("ALA-EXP-007", "medium", {"CIS Azure 2.0.0 5.1.3"}),
    ("ALA-EXP-008", "low", {"CIS Azure 2.0.0 5.1.4", "CIS Azure 3.0.0 6.1.3"}),
    ("ALA-EXP-009", "low", set()),
])
def test_export_rule_severity_and_controls(rule_id: str, severity: str, controls: set[str]) -> None:
    rule = rule_by_id(rule_id)
    assert rule.severity == severity
    assert controls <= set(control_labels(rule.controls))
