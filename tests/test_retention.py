"""Retention as Azure applies it today (issue 13 item 3): ALA-EXP-005 judged from the storage
account's lifecycle rules and container immutability, and the AzureActivity table's retention.

Documents are shaped as ARM returns them (``builders_retention``; the real REST examples for
tables and containers are read as they are from ``tests/fixtures/real_azure``).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import builders as b
import builders_retention as br
import pytest

from auditor.analysis.checks import check_of
from auditor.analysis.context import AuditContext
from auditor.azure import destinations
from auditor.azure.snapshot import build_snapshot
from auditor.config import Config
from auditor.rules.base import Finding

FIXTURES = Path(__file__).parent / "fixtures" / "real_azure"
S = b.guid("retention-rules-sub")
RG = "rg-logging"
WS = b.workspace_id(S, RG, "law-central")
ST = b.storage_id(S, RG, "stactivity")


def fire(*resources: dict[str, Any], errors: tuple[dict[str, Any], ...] = (), **config: Any) -> list[Finding]:
    doc = b.tenant(list(resources), {S: "Prod"}, errors=errors)
    return list(check_of("ALA-EXP-005")(AuditContext(build_snapshot(doc), Config(**config))))


def to_storage(*docs: dict[str, Any], errors: tuple[dict[str, Any], ...] = ()) -> list[Finding]:
    setting = b.subscription_diagnostic_setting(S, "archive", storage=ST, category_group="allLogs")
    return fire(setting, b.storage_account(S, RG, "stactivity"), *docs, errors=errors)


def to_workspace(default_days: int, *docs: dict[str, Any], errors: tuple[dict[str, Any], ...] = ()) -> list[Finding]:
    setting = b.subscription_diagnostic_setting(S, "to-law", workspace=WS, category_group="allLogs")
    return fire(setting, b.workspace(S, RG, "law-central", retention_days=default_days), *docs, errors=errors)


def real_body(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))["responses"]["200"]["body"]
    return body


# ----------------------------------------------------------------- storage


def test_storage_without_lifecycle_policy_keeps_the_logs() -> None:
    assert to_storage() == []


def test_delete_rule_sooner_than_minimum_makes_storage_short_lived() -> None:
    found = to_storage(br.management_policy(ST, [br.lifecycle_rule("purge-activity", 90)]))
    assert len(found) == 1
    [judged] = found[0].evidence["retention"]
    assert judged["days"] == 90 and judged["kind"] == "storage"
    assert "lifecycle rule 'purge-activity'" in judged["setting"]
    assert "daysAfterModificationGreaterThan" in judged["setting"]


def test_delete_rule_at_or_beyond_minimum_passes() -> None:
    assert to_storage(br.management_policy(ST, [br.lifecycle_rule("keep-a-year", 365)])) == []


@pytest.mark.parametrize("rule", [
    br.lifecycle_rule("block-blobs-only", 30, blob_types=["blockBlob"]),  # activity logs are append blobs
    br.lifecycle_rule("other-container", 30, prefixes=["backups/"]),
    br.lifecycle_rule("disabled", 30, enabled=False),
    br.lifecycle_rule("other-subscription", 30, prefixes=[
        "insights-activity-logs/resourceId=/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/"]),
])
def test_rules_that_do_not_reach_the_activity_log(rule: dict[str, Any]) -> None:
    assert to_storage(br.management_policy(ST, [rule])) == []


@pytest.mark.parametrize("prefixes", [[], ["insights"], ["insights-activity-logs/"],
                                      [f"insights-activity-logs/resourceId=/SUBSCRIPTIONS/{S.upper()}/y=2025"]])
def test_rules_that_reach_the_activity_log(prefixes: list[str]) -> None:
    found = to_storage(br.management_policy(ST, [br.lifecycle_rule("purge", 30, prefixes=prefixes)]))
    assert len(found) == 1


@pytest.mark.parametrize("prefix", [
    f"insights-activity-logs/resourceid=/subscriptions/{S.lower()}/",  # Azure writes upper case
    f"insights-activity-logs/resourceId=/SUBSCRIPTIONS/{S.lower()}/",
    "Insights-Activity-Logs/",
    "insights-activity-logs/resourceid=",
])
def test_prefix_match_is_case_sensitive_like_blob_names(prefix: str) -> None:
    """A lower-case prefix deletes nothing: no false ALA-EXP-005."""
    assert to_storage(br.management_policy(ST, [br.lifecycle_rule("purge", 30, prefixes=[prefix])])) == []


def test_any_subscription_prefix_reading() -> None:
    reach = destinations.prefix_reaches
    assert reach("insights-activity-logs/resourceId=/SUBSCRIPTIONS/", None)
    assert reach(f"insights-activity-logs/resourceId=/SUBSCRIPTIONS/{S.upper()}/y=2026", None)
    assert not reach(f"insights-activity-logs/resourceId=/SUBSCRIPTIONS/{S.lower()}/", None)
    assert not reach("insights-activity-logs/other/", None)


def test_blob_index_filter_never_matches_diagnostic_logs() -> None:
    rule = br.lifecycle_rule("tagged", 30)
    rule["definition"]["filters"]["blobIndexMatch"] = [{"name": "tier", "op": "==", "value": "tmp"}]
    assert to_storage(br.management_policy(ST, [rule])) == []


def test_shortest_delete_rule_decides_and_creation_age_counts() -> None:
    policy = br.management_policy(ST, [br.lifecycle_rule("slow", 400),
                                       br.lifecycle_rule("fast", 60, age="daysAfterCreationGreaterThan")])
    [finding] = to_storage(policy)
    assert finding.evidence["retention"][0]["days"] == 60
    assert "'fast'" in finding.evidence["retention"][0]["setting"]


def test_time_based_immutability_counts_as_retention() -> None:
    policy = br.management_policy(ST, [br.lifecycle_rule("purge", 30)])
    assert to_storage(policy, br.activity_container(ST, immutability_days=400)) == []
    [finding] = to_storage(policy, br.activity_container(ST, immutability_days=100, state="Unlocked"))
    assert finding.evidence["retention"][0]["days"] == 100
    assert "unlocked time-based immutability" in finding.evidence["retention"][0]["setting"]


def test_real_container_example_reads_its_immutability_policy() -> None:
    assert destinations.immutability_days(real_body("BlobContainersGetWithAllowProtectedAppendWritesAll.json")) == (
        100.0, "Locked")


def test_diagnostic_setting_retention_policy_no_longer_decides() -> None:
    setting = b.subscription_diagnostic_setting(S, "archive", storage=ST, category_group="allLogs")
    for entry in setting["properties"]["logs"]:
        entry["retentionPolicy"] = {"enabled": True, "days": 7}  # ignored by Azure since 30 Sep 2025
    assert fire(setting, b.storage_account(S, RG, "stactivity")) == []


def test_unreadable_lifecycle_policy_is_not_judged() -> None:
    short_ws = b.workspace(S, RG, "law-central", retention_days=30)
    both = b.subscription_diagnostic_setting(S, "both", storage=ST, workspace=WS, category_group="allLogs")
    shop = b.storage_account(S, RG, "stactivity")
    purge = br.management_policy(ST, [br.lifecycle_rule("purge", 30)])
    assert len(fire(both, shop, short_ws, purge)) == 1
    # the storage account's lifecycle policy could not be read: it may keep the logs
    assert fire(both, shop, short_ws, errors=(b.error(ST, "retention"),)) == []


# ----------------------------------------------------------------- Log Analytics


def test_table_retention_overrides_a_short_workspace_default() -> None:
    assert to_workspace(30, br.activity_table(WS, 90, 730)) == []


def test_table_retention_overrides_a_long_workspace_default() -> None:
    [finding] = to_workspace(730, br.activity_table(WS, 90))
    [judged] = finding.evidence["retention"]
    assert judged["days"] == 90
    assert judged["setting"] == "AzureActivity table: retentionInDays 90, totalRetentionInDays 90"


def test_azure_activity_keeps_90_days_without_table_document() -> None:
    """Microsoft Learn: AzureActivity keeps at least 90 days at no charge, more if the workspace does."""
    [finding] = to_workspace(30)
    [judged] = finding.evidence["retention"]
    assert judged["days"] == 90 and judged["interactiveDays"] == 90
    assert "at least 90 at no charge; workspace retentionInDays 30" in judged["setting"]
    setting = b.subscription_diagnostic_setting(S, "to-law", workspace=WS, category_group="allLogs")
    assert fire(setting, b.workspace(S, RG, "law-central", retention_days=30), min_retention_days=90) == []
    assert to_workspace(365) == []


def test_interactive_and_total_retention_are_reported_apart() -> None:
    [finding] = to_workspace(30, br.activity_table(WS, 30, 180))
    [judged] = finding.evidence["retention"]
    assert (judged["interactiveDays"], judged["days"]) == (30, 180)
    kept = destinations.workspace_retention(None, br.activity_table(WS, 90, 730))
    assert kept is not None and kept.evidence() == {
        "totalDays": 730, "interactiveDays": 90,
        "setting": "AzureActivity table: retentionInDays 90, totalRetentionInDays 730"}
    assert kept.at_least(365) and not kept.interactive_at_least(365) and kept.interactive_at_least(90)


def test_real_table_example_is_read() -> None:
    table = copy.deepcopy(real_body("TablesGet.json"))
    got = destinations.workspace_retention(None, table)
    assert got is not None and got.days == 50
    assert "totalRetentionInDays 50" in got.setting


def test_unreadable_table_retention_is_not_judged() -> None:
    assert to_workspace(30, errors=(b.error(WS, "retention"),)) == []
