"""Unreliable network and unreadable scopes: throttling, each fault kind, persistent failures,
403 subtrees. The emulator injects them; the collector must retry (counted), honour Retry-After,
record what stays unreadable and carry on."""

from __future__ import annotations

import copy
import socket
from pathlib import Path

import pytest
from collect_support import assert_round_trip, collect, request_log, tenant

from auditor import operations
from auditor.azure import arm
from auditor.collect import CollectOptions, run_collection
from auditor.emulator.runner import running_emulator
from auditor.errors import InputError


def test_throttling_is_honoured_with_retry_after(tmp_path: Path) -> None:
    source = tenant(12, errors=False)
    log = tmp_path / "requests.jsonl"
    with running_emulator(source, throttle_bucket=12, throttle_refill=10, request_log=str(log)) as emu:
        result = collect(emu, concurrency=24)
    assert_round_trip(source, result.snapshot)
    assert not result.incomplete
    throttled = [e for e in request_log(log) if e.get("throttled")]
    assert throttled, "the small token bucket throttled nothing"
    assert result.stats.retry_reasons["429"] == len(throttled)
    assert result.retries >= len(throttled)
    # The low remaining-reads header made the collector pause before it was refused.
    assert result.stats.throttle_pauses > 0


@pytest.mark.parametrize("fault", ["429", "500", "502", "503", "504", "reset"])
def test_each_fault_kind_is_retried_and_counted(fault: str, tmp_path: Path) -> None:
    source = tenant(10)
    log = tmp_path / "requests.jsonl"
    with running_emulator(source, page_size=5, faults=f"{fault}=0.2", seed=3, request_log=str(log)) as emu:
        result = collect(emu, retry_backoff=0.02)
    assert_round_trip(source, result.snapshot)
    injected = [e for e in request_log(log) if e.get("fault")]
    assert injected
    assert result.retries == len(injected)
    reason = "ServiceRequestError" if fault == "reset" else fault
    reasons = result.stats.retry_reasons
    assert reasons[reason] + (reasons["ServiceResponseError"] if fault == "reset" else 0) == len(injected)


def test_persistent_failure_is_recorded_and_the_run_goes_on() -> None:
    source = tenant(10, errors=False)
    guid = next(d["subscriptionId"] for d in source["resources"] if arm.kind_of(d) == arm.SUBSCRIPTION)
    scope = arm.subscription_scope(guid)
    broken = copy.deepcopy(source)
    broken["errors"].append({"scope": scope, "operation": operations.LOG_PROFILES, "status": 500,
                             "code": "InternalServerError", "message": "storage backend unavailable"})
    broken["resources"] = [d for d in broken["resources"]
                           if not (arm.kind_of(d) == arm.LOG_PROFILE and arm.subscription_id_of(d["id"]) == guid)]
    with running_emulator(broken) as emu:
        result = collect(emu, retry_backoff=0.01)
    assert result.incomplete
    assert [(e["scope"], e["operation"], e["status"], e["code"]) for e in result.errors] == [
        (scope, operations.LOG_PROFILES, 500, "InternalServerError")]
    assert result.stats.retry_reasons["500"] >= 8  # retried, then given up on
    assert_round_trip(broken, result.snapshot)


def test_everything_failing_ends_incomplete_without_raising() -> None:
    with running_emulator(tenant(5, errors=False), faults="503=1.0") as emu:
        result = collect(emu, retry_backoff=0.0)
    assert result.incomplete
    assert result.snapshot["resources"] == []
    assert all(e["status"] == 503 for e in result.errors)


def test_forbidden_subtree_is_recorded_and_the_rest_is_complete() -> None:
    source = tenant(30)
    online = arm.management_group_id("online")
    forbidden = copy.deepcopy(source)
    forbidden["errors"].append({"scope": online, "operation": "*", "status": 403, "code": "AuthorizationFailed",
                                "message": "no access to online"})
    online_doc = next(d for d in source["resources"] if arm.same_id(d["id"], online))
    below = {c["name"].lower() for c in online_doc["properties"]["children"] if c["type"] == "/subscriptions"}
    with running_emulator(forbidden) as emu:
        result = collect(emu)
    snap = result.snapshot
    errors = {(arm.norm_id(e["scope"]), e["operation"]) for e in snap["errors"]}
    assert (arm.norm_id(online), "*") in errors
    # Listed subscriptions below the group are kept (unplaced), each recorded as wholly unreadable.
    for guid in below:
        assert (arm.subscription_scope(guid), "*") in errors
    assert not any(arm.same_id(d["id"], online) for d in snap["resources"])
    # Everything outside the forbidden subtree is exactly as in the tenant.
    def outside(docs: list[dict]) -> list[str]:
        return sorted(arm.norm_id(d["id"]) for d in docs
                      if arm.subscription_id_of(d["id"]) not in below and not arm.is_under(d["id"], online))
    assert outside(snap["resources"]) == outside(source["resources"])
    kept = [s for s in source["policyStates"] if s["subscriptionId"] not in below]
    assert sorted(map(str, kept)) == sorted(str(s) for s in snap["policyStates"] if s["subscriptionId"] not in below)


def test_unknown_start_group_is_a_usage_error() -> None:
    with running_emulator(tenant(6, errors=False)) as emu, pytest.raises(InputError, match="no-such-group"):
        collect(emu, management_group="no-such-group")


def test_an_endpoint_that_never_answers_is_a_usage_error(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ca = tmp_path / "ca.pem"
    with running_emulator(tenant(3, errors=False)) as emu:
        ca.write_bytes(Path(emu.ca_cert).read_bytes())  # a real CA file; the endpoint is another port
    options = CollectOptions(emulator=f"https://127.0.0.1:{port}", ca_cert=ca, progress=False, summary=False,
                             retry_backoff=0.0)
    with pytest.raises(InputError, match="cannot reach"):
        run_collection(options)
