"""The emulator's indexes and small parsers, without a server."""

from __future__ import annotations

import pytest
from test_emulator_data import MG, SUB_DIAG, SUB_LOGPROFILES, SUB_POLICY, tenant_snapshot

from auditor.azure import arm
from auditor.emulator.odata import UnsupportedFilter, parse_filter
from auditor.emulator.store import TENANT, SnapshotStore
from auditor.emulator.traffic import UNTHROTTLED_REMAINING, FaultInjector, Throttle, parse_fault_spec
from auditor.errors import InputError


def test_ancestry_of_groups_subscriptions_and_resources() -> None:
    store = SnapshotStore.from_source(tenant_snapshot())
    dev, tmg, root = (arm.norm_id(MG + n) for n in ("DevOrg", "TestManagementGroup", "TestRoot"))
    assert store.ancestors(f"/subscriptions/{SUB_POLICY.upper()}") == [f"/subscriptions/{SUB_POLICY}", dev, tmg, root,
                                                                       TENANT]
    rid = f"subscriptions/{SUB_POLICY}/resourceGroups/RG/providers/Microsoft.Storage/storageAccounts/sa"
    chain = store.ancestors(rid)
    assert chain[0] == arm.norm_id(rid) and f"/subscriptions/{SUB_POLICY}/resourcegroups/rg" in chain
    assert chain[-4:] == [dev, tmg, root, TENANT]
    assert store.ancestors("/") == [TENANT]
    groups, subs = store.below(MG + "TestManagementGroup")
    assert groups == [dev] and set(subs) == {f"/subscriptions/{SUB_DIAG}", f"/subscriptions/{SUB_POLICY}",
                                             "/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2"}


def test_documents_are_found_whatever_the_id_spelling() -> None:
    store = SnapshotStore.from_source(tenant_snapshot())
    # the example id has no leading slash and the AzureResourceManager namespace
    doc = store.get(f"/subscriptions/{SUB_DIAG}/providers/Microsoft.Insights/diagnosticSettings/DS4")
    assert doc is not None and doc["id"].startswith("subscriptions/")
    assert store.kind_at(f"/SUBSCRIPTIONS/{SUB_DIAG}", arm.DIAGNOSTIC_SETTING) == [doc]
    assert [d["name"] for d in store.kind_at(f"/subscriptions/{SUB_LOGPROFILES}", arm.LOG_PROFILE)] == [
        "default", "default2"]
    assert store.get(f"/subscriptions/{SUB_DIAG}/providers/Microsoft.Insights/diagnosticSettings/other") is None


def test_error_for_exact_operation_and_star_subtree() -> None:
    errors = [{"scope": MG + "DevOrg", "operation": "*", "status": 403, "code": "AuthorizationFailed", "message": ""},
              {"scope": f"/subscriptions/{SUB_DIAG}", "operation": "DiagnosticSettings", "status": 404, "code": "",
               "message": ""},
              {"scope": "/", "operation": "subscriptions", "status": 403, "code": "AuthorizationFailed", "message": ""}]
    store = SnapshotStore.from_source(tenant_snapshot(errors=errors))
    assert store.error_for(f"/subscriptions/{SUB_POLICY}", "policyAssignments") is not None
    res = f"/subscriptions/{SUB_POLICY}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa"
    assert store.error_for(arm.scope_of_extension(res), "destinations", res) is not None
    assert store.error_for(MG + "TestManagementGroup", "policyAssignments") is None
    assert store.error_for(f"/subscriptions/{SUB_DIAG}", "diagnosticSettings").status == 404  # type: ignore[union-attr]
    assert store.error_for(f"/subscriptions/{SUB_DIAG}", "logProfiles") is None
    assert store.error_for("", "subscriptions") is not None
    assert store.error_for("", "managementGroups") is None


def test_policy_states_by_scope_including_unplaced_subscriptions() -> None:
    snap = tenant_snapshot(states_copies=2)
    unplaced = dict(snap["policyStates"][0], subscriptionId="99999999-9999-9999-9999-999999999999",
                    resourceId="/subscriptions/99999999-9999-9999-9999-999999999999/resourceGroups/x",
                    managementGroupIds="mymg,DevOrg")
    snap["policyStates"].append(unplaced)
    store = SnapshotStore.from_source(snap)
    assert len(store.policy_states_in(f"/subscriptions/{SUB_POLICY}")) == 4
    assert len(store.policy_states_in(MG + "TestRoot")) == 4
    assert len(store.policy_states_in(MG + "DevOrg")) == 5  # the unplaced record names DevOrg
    assert store.policy_states_in(MG + "MyManagementGroup") == []
    assert len(store.policy_states_in(f"/subscriptions/{SUB_POLICY}/resourceGroups/myResourceGroup")) == 4


def test_filter_parser() -> None:
    f = parse_filter("atScope() and principalId eq 'AB''C' and isCompliant ne false")
    assert f.has("atscope") and f.value_of("PRINCIPALID") == "AB'C"
    assert f.matches({"principalid": "ab'c", "isCompliant": True})
    assert not f.matches({"principalId": "ab'c", "isCompliant": False})
    assert parse_filter("assignedTo('x-1')").argument("assignedTo") == "x-1"
    assert parse_filter("").matches({})
    for bad in ("a eq 'x' or b eq 'y'", "contains(name,'x')", "(a eq 'b')", "a gt 3"):
        with pytest.raises(UnsupportedFilter):
            parse_filter(bad)


def test_fault_spec_and_injector() -> None:
    assert parse_fault_spec("429=0.1, 500=0.05,RESET=0.02") == {"429": 0.1, "500": 0.05, "reset": 0.02}
    assert parse_fault_spec("") == {}
    for bad in ("429", "429=x", "200=0.1", "429=0.6,500=0.6", "429=0.1,429=0.2", "429=0.1,"):
        with pytest.raises(InputError):
            parse_fault_spec(bad)
    injector = FaultInjector({"503": 0.25}, seed=1)
    seq = [injector.draw() for _ in range(4000)]
    again = FaultInjector({"503": 0.25}, seed=1)
    assert [again.draw() for _ in range(4000)] == seq
    assert 900 <= seq.count("503") <= 1100 and set(seq) == {None, "503"}


def test_throttle_bucket_refills_over_time() -> None:
    now = [100.0]
    t = Throttle(capacity=2, refill_per_second=1.0, clock=lambda: now[0])
    assert t.take("a")[:2] == (True, 1)
    assert t.take("a")[:2] == (True, 0)
    allowed, _, wait = t.take("a")
    assert not allowed and wait == 1
    assert t.take("b")[0]  # separate bucket
    now[0] += 1.0
    assert t.take("a")[0]
    off = Throttle(capacity=0)
    assert off.take("a") == (True, UNTHROTTLED_REMAINING, 0) and off.remaining("a") == UNTHROTTLED_REMAINING


def test_both_spellings_of_a_diagnostic_setting_are_kept() -> None:
    portal = {"id": f"/subscriptions/{SUB_DIAG}/providers/microsoft.insights/diagnosticSettings/ds4",
              "type": "Microsoft.Insights/diagnosticSettings", "name": "ds4", "properties": {"logs": []}}
    store = SnapshotStore.from_source(tenant_snapshot(extra=[portal]))
    assert len(store.kind_at(f"/subscriptions/{SUB_DIAG}", arm.DIAGNOSTIC_SETTING)) == 2
    assert store.get(portal["id"]) is portal  # the exact id wins over the alias
