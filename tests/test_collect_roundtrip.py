"""Round trip (docs/emulator.md): collect against `emulate S` gives back S.

Real Azure SDK clients against the project's HTTPS emulator; nothing is mocked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from collect_support import (
    DEMO_TENANT,
    assert_round_trip,
    collect,
    error_scopes,
    request_log,
    tenant,
)

from auditor.analysis.engine import audit_snapshot
from auditor.azure import arm
from auditor.azure.delivery_facts import shifted
from auditor.azure.snapshot import build_snapshot, load_snapshot
from auditor.emulator.runner import running_emulator

FAULTS = "429=0.15,500=0.05,503=0.05,reset=0.03"


def test_synthetic_tenant_round_trip_and_no_write(tmp_path: Path) -> None:
    source = tenant(24)
    log = tmp_path / "requests.jsonl"
    out = tmp_path / "snap.json.gz"
    with running_emulator(source, page_size=3, request_log=str(log)) as emu:
        result = collect(emu, out)
    assert_round_trip(source, result.snapshot)
    assert result.incomplete and len(result.errors) == len(source["errors"])
    # The written file is a valid snapshot with the same content.
    loaded = load_snapshot(out)
    assert loaded.tenant_id == source["tenantId"]
    assert arm.same_id(loaded.root_management_group_id, source["rootManagementGroupId"])
    entries = request_log(log)
    assert entries and {e["method"] for e in entries} <= {"GET", "POST"}
    posts = {e["path"].split("?")[0].lower() for e in entries if e["method"] == "POST"}
    assert posts <= {"/providers/microsoft.resourcegraph/resources"} | {
        p for p in posts if p.endswith("/providers/microsoft.policyinsights/policystates/latest/queryresults")}
    assert result.calls == len(entries)
    collected = {**result.snapshot, "collectedAt": source["collectedAt"]}
    want, got = audit_snapshot(build_snapshot(source)), audit_snapshot(build_snapshot(collected))
    assert want["subscriptions"] == got["subscriptions"] and want["summary"] == got["summary"]


def test_round_trip_holds_under_faults(tmp_path: Path) -> None:
    source = tenant(16)
    log = tmp_path / "requests.jsonl"
    with running_emulator(source, page_size=4, faults=FAULTS, seed=5, request_log=str(log)) as emu:
        result = collect(emu, concurrency=16)
    assert_round_trip(source, result.snapshot)
    entries = request_log(log)
    faults = [e for e in entries if e.get("fault")]
    assert faults, "the fault spec injected nothing"
    # Every injected fault was answered by a counted retry.
    assert result.retries == len(faults)
    assert result.stats.attempts == len(entries)
    assert {"429", "ServiceRequestError"} & set(result.stats.retry_reasons) or result.stats.retry_reasons
    assert {e["method"] for e in entries} <= {"GET", "POST"}


@pytest.mark.skipif(not DEMO_TENANT.exists(), reason="examples/demo-tenant.json not present")
def test_demo_tenant_round_trip_audits_the_same(tmp_path: Path) -> None:
    source = json.loads(DEMO_TENANT.read_text())
    with running_emulator(source, page_size=2) as emu:
        result = collect(emu, verify_delivery=True)  # the demo is a --verify-delivery snapshot
        shift = emu.emulator.store.delivery_shift if emu.emulator else None
    assert shift is not None
    assert_round_trip(source, result.snapshot)
    # Delivery facts are served moved by whole hours to the time of collection (docs/emulator.md):
    # moved back, they are exactly the source's.
    assert shifted(result.snapshot["delivery"], -shift) == source["delivery"]
    assert result.snapshot["tenantId"] == source["tenantId"]
    # The analysis sees the same tenant: same verdicts, same findings (judged at the same instant).
    collected = {**result.snapshot, "collectedAt": source["collectedAt"],
                 "delivery": shifted(result.snapshot["delivery"], -shift)}
    want, got = audit_snapshot(build_snapshot(source)), audit_snapshot(build_snapshot(collected))
    assert want["summary"] == got["summary"]
    assert want["subscriptions"] == got["subscriptions"]
    assert [(f["ruleId"], f["scope"]) for f in want["findings"]] == [(f["ruleId"], f["scope"]) for f in got["findings"]]


def test_management_group_scope_keeps_only_its_subscriptions() -> None:
    source = tenant(30)
    with running_emulator(source) as emu:
        result = collect(emu, management_group="landingzones")
    snap = result.snapshot
    lz = next(d for d in source["resources"] if arm.same_id(d["id"], arm.management_group_id("landingzones")))
    children = [c for c in lz["properties"]["children"] if c["type"] == "Microsoft.Management/managementGroups"]
    below = {arm.norm_id(c["id"]) for c in arm.props(lz)["children"] if c["type"] == "/subscriptions"}
    for child in children:
        doc = next(d for d in source["resources"] if arm.same_id(d["id"], child["id"]))
        below |= {arm.norm_id(c["id"]) for c in arm.props(doc)["children"] or [] if c["type"] == "/subscriptions"}
    subs = {arm.norm_id(d["id"]) for d in snap["resources"] if arm.kind_of(d) == arm.SUBSCRIPTION}
    assert subs and subs <= below
    assert arm.same_id(snap["rootManagementGroupId"], arm.management_group_id("landingzones"))
    assert snap["tenantId"] == source["tenantId"]
    # Nothing from outside the group: every subscription-contained document lies in `below`.
    for d in snap["resources"]:
        sub = arm.subscription_id_of(d["id"])
        if sub and arm.kind_of(d) not in (arm.WORKSPACE, arm.STORAGE_ACCOUNT, arm.EVENTHUB_NAMESPACE,
                                           arm.EVENTHUB_AUTH_RULE, arm.ACTION_GROUP,
                                           arm.SCHEDULED_QUERY_RULE):
            assert arm.subscription_scope(sub) in below, d["id"]
    # The assignment at the tenant root is inherited by the group: it is collected too.
    assert any(arm.kind_of(d) == arm.POLICY_ASSIGNMENT and d["name"] == "deploy-al-la" for d in snap["resources"])
    for state in snap["policyStates"]:
        assert arm.subscription_scope(state["subscriptionId"]) in below
    assert error_scopes(snap) <= error_scopes(source)
