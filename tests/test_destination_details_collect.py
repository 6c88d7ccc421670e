"""Collection of retention settings and Sentinel (issue 13 items 3 and 4) from the emulator.

Real SDK pipeline against the HTTPS emulator: only the destinations exports name are read,
Sentinel rules only where Sentinel is on (ARM answers 400 elsewhere), a 404 is an absent
document, a 403 is an error at the destination, and the round trip stays exact with pages of one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import builders as b
import builders_retention as br
import builders_sentinel as bs
import pytest
from collect_support import assert_round_trip, collect, request_log
from test_emulator_http import call

from auditor.emulator.runner import running_emulator

S = b.guid("retention-sub")
RG = "rg-logs"
NSG_WRITE = "Microsoft.Network/networkSecurityGroups/write"


def _tenant() -> dict[str, Any]:
    sa_short, sa_locked, sa_denied = (b.storage_id(S, RG, n) for n in ("stshort", "stlocked", "stdenied"))
    ws_sentinel, ws_plain, ws_denied = (b.workspace_id(S, RG, n) for n in ("law-soc", "law-plain", "law-denied"))
    docs: list[dict[str, Any]] = [
        b.subscription_diagnostic_setting(S, "to-short", storage=sa_short, category_group="allLogs"),
        b.subscription_diagnostic_setting(S, "to-locked", storage=sa_locked, category_group="allLogs"),
        b.subscription_diagnostic_setting(S, "to-denied", storage=sa_denied, workspace=ws_denied,
                                          category_group="allLogs"),
        b.subscription_diagnostic_setting(S, "to-soc", workspace=ws_sentinel, category_group="allLogs"),
        b.subscription_diagnostic_setting(S, "to-plain", workspace=ws_plain, category_group="allLogs"),
        b.storage_account(S, RG, "stshort"), b.storage_account(S, RG, "stlocked"),
        b.storage_account(S, RG, "stdenied"),
        b.workspace(S, RG, "law-soc"), b.workspace(S, RG, "law-plain"), b.workspace(S, RG, "law-denied"),
        br.management_policy(sa_short, [br.lifecycle_rule("purge-activity", 90)]),
        br.management_policy(sa_locked, [br.lifecycle_rule("purge-activity", 30)]),
        br.activity_container(sa_locked, immutability_days=400),
        br.activity_table(ws_sentinel, 90, 730),
        br.activity_table(ws_plain, 30, as_default=True),
        bs.onboarding_state(ws_sentinel),
        *bs.rules_for(ws_sentinel, [NSG_WRITE, "Microsoft.Sql/servers/firewallRules/write"]),
        bs.fusion_rule(ws_sentinel),
    ]
    errors = [b.error(sa_denied, "retention"), b.error(ws_denied, "sentinel")]
    return b.tenant(docs, {S: "Retention"}, errors=errors, root=b.TENANT_ID)


@pytest.mark.parametrize("regional", [False, True])
def test_round_trip_with_retention_and_sentinel(tmp_path: Path, regional: bool) -> None:
    source = _tenant()
    log = tmp_path / "requests.jsonl"
    with running_emulator(source, page_size=1, request_log=str(log), regional_next_links=regional) as emu:
        result = collect(emu)
    assert_round_trip(source, result.snapshot)
    paths = [e["path"].split("?")[0].lower() for e in request_log(log)]
    rules_reads = [p for p in paths if p.endswith("/alertrules")]
    # Sentinel rules only where Sentinel is on (law-soc), paged (3 rules, pages of one)
    assert {p.split("/workspaces/")[1].split("/")[0] for p in rules_reads} == {"law-soc"}
    assert len(rules_reads) == 3
    # one table / policy / container read per destination in use, nothing else
    assert sum(p.endswith("/tables/azureactivity") for p in paths) == 3
    assert sum(p.endswith("/managementpolicies/default") for p in paths) == 3
    # a storage account without a lifecycle policy or container answers 404: absent, not an error
    got_errors = {(e["scope"].rsplit("/", 1)[-1], e["operation"]) for e in result.snapshot["errors"]}
    assert got_errors == {("stdenied", "retention"), ("law-denied", "sentinel")}


def test_emulator_refuses_rules_of_a_workspace_without_sentinel() -> None:
    ws = b.workspace_id(S, RG, "law-plain")
    with running_emulator(_tenant()) as emu:
        status, _, body = call(emu, f"{ws}/providers/Microsoft.SecurityInsights/alertRules?api-version=2024-03-01")
        assert status == 400 and "not onboarded to Microsoft Sentinel" in body["error"]["message"]
        status, _, body = call(emu, f"{ws}/providers/Microsoft.SecurityInsights/onboardingStates"
                                    "?api-version=2024-03-01")
        assert (status, body) == (200, {"value": []})
        status, _, body = call(emu, f"{b.storage_id(S, RG, 'stdenied')}/managementPolicies/default"
                                    "?api-version=2023-01-01")
        assert status == 403  # the recorded retention error at that account
        status, _, _ = call(emu, f"{ws}/tables/AzureActivity?api-version=2022-10-01")
        assert status == 200
