"""ALA-DLV-003/004 (issue 20 items 2 and 3): a storage destination that refuses the export.

Read from real documents: the container example ``BlobContainersGetWithAllowProtectedAppendWritesAll``
(a locked policy *with* protected appends, and a legal hold with them) and the storage account
``StorageAccountGetProperties`` (``networkAcls`` with ``bypass: AzureServices``), each also with
the one property the finding turns on removed or changed.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import builders as b
import delivery_builders as db
import pytest

from auditor.analysis.checks import check_of
from auditor.analysis.context import AuditContext
from auditor.analysis.delivery import delivery_summary
from auditor.azure import destinations as retention
from auditor.azure.defender import firewall_refusal
from auditor.azure.snapshot import build_snapshot
from auditor.config import Config
from auditor.rules.base import Finding

REAL = Path(__file__).parent / "fixtures" / "real_azure"
S = b.guid("refusing-destination")
RG = "rg-logging"
ST = b.storage_id(S, RG, "stactivity")


def real_container() -> dict[str, Any]:
    body: dict[str, Any] = json.loads((REAL / "BlobContainersGetWithAllowProtectedAppendWritesAll.json").read_text(
        encoding="utf-8"))["responses"]["200"]["body"]
    body["id"] = retention.activity_container_id(ST)  # moved onto the audited account; nothing else changed
    body["name"] = retention.ACTIVITY_CONTAINER
    return body


def real_account() -> dict[str, Any]:
    body: dict[str, Any] = json.loads((REAL / "responses" / "StorageAccountGetProperties.body.json").read_text(
        encoding="utf-8"))
    return body


def without_appends(container: dict[str, Any]) -> dict[str, Any]:
    c = copy.deepcopy(container)
    del c["properties"]["immutabilityPolicy"]["properties"]["allowProtectedAppendWritesAll"]
    return c


# ----------------------------------------------------------------- readers on the real documents
def test_real_container_with_protected_appends_accepts() -> None:
    assert retention.append_refusal(real_container(), None) is None


@pytest.mark.parametrize("state", ["Locked", "Unlocked"])
def test_time_based_policy_without_protected_appends_refuses(state: str) -> None:
    c = without_appends(real_container())
    c["properties"]["immutabilityPolicy"]["properties"]["state"] = state
    refusal = retention.append_refusal(c, None)
    assert refusal is not None and refusal["state"] == state and refusal["immutabilityPeriodSinceCreationInDays"] == 100


def test_legal_hold_without_protected_appends_refuses() -> None:
    c = real_container()
    del c["properties"]["immutabilityPolicy"]
    assert retention.append_refusal(c, None) is None  # the real hold allows protected appends
    del c["properties"]["legalHold"]["protectedAppendWritesHistory"]
    assert retention.append_refusal(c, None) == {"level": "container", "policy": "legal hold",
                                                 "allowProtectedAppendWritesAll": False}


def test_account_level_immutability_without_protected_appends_refuses() -> None:
    account = b.storage_account(S, RG, "stactivity")
    account["properties"]["immutableStorageWithVersioning"] = {
        "enabled": True, "immutabilityPolicy": {"immutabilityPeriodSinceCreationInDays": 15, "state": "Locked"}}
    refusal = retention.append_refusal(None, account)
    assert refusal is not None and refusal["level"] == "account"
    account["properties"]["immutableStorageWithVersioning"]["immutabilityPolicy"]["allowProtectedAppendWrites"] = True
    assert retention.append_refusal(None, account) is None
    account["properties"]["immutableStorageWithVersioning"]["immutabilityPolicy"].update(
        allowProtectedAppendWrites=False, state="Disabled")
    assert retention.append_refusal(None, account) is None


@pytest.mark.parametrize(("default", "bypass", "refuses"), [
    ("Allow", "AzureServices", False),  # as recorded
    ("Deny", "AzureServices", False),
    ("Deny", "Logging, Metrics, AzureServices", False),
    ("Deny", "Logging, Metrics", True),
    ("Deny", "None", True),
    ("Allow", "None", False),
])
def test_firewall(default: str, bypass: str, refuses: bool) -> None:
    account = real_account()
    account["properties"]["networkAcls"].update(defaultAction=default, bypass=bypass)
    got = firewall_refusal(account)
    assert (got is not None) is refuses
    if got:
        assert got == {"defaultAction": "Deny", "bypass": bypass}


# ----------------------------------------------------------------- the rules
def snapshot(*docs: dict[str, Any], account: dict[str, Any] | None = None, errors: tuple[dict[str, Any], ...] = (),
             delivery: dict[str, Any] | None = None) -> dict[str, Any]:
    acct = account or b.storage_account(S, RG, "stactivity")
    setting = b.subscription_diagnostic_setting(S, "archive", storage=ST, category_group="allLogs")
    snap = b.tenant([setting, acct, *docs], {S: "Prod"}, errors=errors)
    if delivery is not None:
        snap["delivery"] = delivery
    return snap


def fire(doc: dict[str, Any], rule_id: str) -> list[Finding]:
    return list(check_of(rule_id)(AuditContext(build_snapshot(doc), Config())))


def test_dlv003_fires_for_a_container_refusing_appends_and_passes_otherwise() -> None:
    [finding] = fire(snapshot(without_appends(real_container())), "ALA-DLV-003")
    [dest] = finding.evidence["destinations"]
    assert dest["destination"] == ST and dest["state"] == "Locked" and dest["policy"] == "time-based retention"
    assert fire(snapshot(real_container()), "ALA-DLV-003") == []
    assert fire(snapshot(), "ALA-DLV-003") == []  # no container policy at all


def test_dlv003_unreadable_container_is_unknown_not_refusing() -> None:
    doc = snapshot(without_appends(real_container()), errors=(b.error(ST, "retention"),))
    assert fire(doc, "ALA-DLV-003") == []


def test_dlv004_fires_for_deny_without_trusted_services() -> None:
    account = b.storage_account(S, RG, "stactivity")
    account["properties"]["networkAcls"] = {"bypass": "Logging, Metrics", "defaultAction": "Deny", "ipRules": [],
                                            "virtualNetworkRules": [], "resourceAccessRules": []}
    [finding] = fire(snapshot(account=account), "ALA-DLV-004")
    assert finding.evidence["destinations"][0]["bypass"] == "Logging, Metrics"
    account["properties"]["networkAcls"]["bypass"] = "Logging, Metrics, AzureServices"
    assert fire(snapshot(account=account), "ALA-DLV-004") == []


def test_refusals_are_in_the_delivery_evidence() -> None:
    account = b.storage_account(S, RG, "stactivity")
    account["properties"]["networkAcls"] = {"bypass": "None", "defaultAction": "Deny"}
    delivery = db.delivery([], [{"id": ST, "subscriptions": [
        {"subscriptionId": S, "newestBlob": None, "lastModified": None}]}])
    doc = snapshot(without_appends(real_container()), account=account, delivery=delivery)
    summary = delivery_summary(AuditContext(build_snapshot(doc), Config()))
    assert summary is not None
    [dest] = summary["subscriptions"][0]["destinations"]
    assert [r["by"] for r in dest["refusedBy"]] == ["immutability", "firewall"]
