"""Regional paging links (issue 13 item 1): followed on the cloud's regional hosts, refused elsewhere.

ARM's PolicyInsights pages policy states on ``https://westus.management.azure.com/...``
(tests/fixtures/conformance/policyinsights/, a recorded page). ``auditor emulate
--regional-next-links`` puts every paging link on ``<region>.localhost`` so the real SDK clients
follow them here; a link the guard refuses becomes a recorded read error, never an abort.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from collect_support import DEMO_TENANT, assert_round_trip, collect, request_log, tenant

from auditor import operations
from auditor.azure.delivery_facts import shifted
from auditor.collect.hosts import HostPolicy
from auditor.collect.options import CLOUDS
from auditor.emulator.runner import running_emulator

RECORDED_PAGE = (Path(__file__).parent / "fixtures" / "conformance" / "policyinsights"
                 / "policyStates_managementGroup_page1_regional_nextLink.json")


def test_the_recorded_policy_state_page_links_to_a_regional_host_the_guard_allows() -> None:
    link = json.loads(RECORDED_PAGE.read_text())["@odata.nextLink"]
    assert link.startswith("https://westus.management.azure.com/")
    assert HostPolicy(CLOUDS["AzureCloud"].arm_endpoint).allows(link)


@pytest.mark.parametrize("cloud, allowed", [
    ("AzureCloud", ["https://management.azure.com/x", "https://westus.management.azure.com/x",
                    "https://WestUS2.Management.Azure.com/x", "https://westcentralus.management.azure.com/x"]),
    ("AzureUSGovernment", ["https://usgovvirginia.management.usgovcloudapi.net/x",
                           "https://management.usgovcloudapi.net/x"]),
    ("AzureChinaCloud", ["https://chinanorth3.management.chinacloudapi.cn/x"]),
])
def test_regional_hosts_of_each_cloud_are_allowed(cloud: str, allowed: list[str]) -> None:
    policy = HostPolicy(CLOUDS[cloud].arm_endpoint)
    assert all(policy.allows(u) for u in allowed)


@pytest.mark.parametrize("url", [
    "http://westus.management.azure.com/x",  # not https
    "https://westus.management.azure.com:8443/x",  # another port
    "https://a.westus.management.azure.com/x",  # deeper than one label
    "https://west-us.management.azure.com/x",  # not a region name
    "https://management.azure.com.evil.example/x",
    "https://evilmanagement.azure.com/x",
    "https://westus.management.usgovcloudapi.net/x",  # another cloud
    "https://user@westus.management.azure.com/x",
    "https://.management.azure.com/x",
])
def test_anything_else_is_refused(url: str) -> None:
    assert not HostPolicy(CLOUDS["AzureCloud"].arm_endpoint).allows(url)


def test_an_ip_address_endpoint_has_no_regions() -> None:
    policy = HostPolicy("https://127.0.0.1:8443")
    assert policy.allows("https://127.0.0.1:8443/x")
    assert not policy.allows("https://westus.127.0.0.1:8443/x")
    emulator = HostPolicy("https://localhost:8443")
    assert emulator.allows("https://westus.localhost:8443/x")
    assert not emulator.allows("https://westus.localhost:9443/x")


def test_round_trip_with_regional_links_and_pages_of_two(tmp_path: Path) -> None:
    source = tenant(16)
    log = tmp_path / "requests.jsonl"
    with running_emulator(source, page_size=2, regional_next_links=True, request_log=str(log)) as emu:
        assert emu.endpoint.startswith("https://localhost:")
        result = collect(emu)
    assert_round_trip(source, result.snapshot)
    hosts = {e.get("host") for e in request_log(log)}
    assert any(h and h.split(":")[0].endswith(".localhost") for h in hosts), hosts


@pytest.mark.skipif(not DEMO_TENANT.exists(), reason="examples/demo-tenant.json not present")
def test_demo_tenant_round_trip_with_regional_links_and_pages_of_two() -> None:
    source = json.loads(DEMO_TENANT.read_text())
    with running_emulator(source, page_size=2, regional_next_links=True) as emu:
        result = collect(emu, verify_delivery=True)  # the demo is a --verify-delivery snapshot
        shift = emu.emulator.store.delivery_shift if emu.emulator else None
    assert_round_trip(source, result.snapshot)
    assert shift is not None  # delivery facts are served moved to the time of collection
    assert shifted(result.snapshot["delivery"], -shift) == source["delivery"]


def test_a_refused_link_is_a_recorded_read_error_not_an_abort() -> None:
    # The collector talks to 127.0.0.1 (an IP endpoint has no regions), the emulator links to
    # westus.localhost: every second page is refused before any token leaves.
    source = tenant(8, errors=False)
    with running_emulator(source, page_size=2, regional_next_links=True) as emu:
        direct = emu.endpoint.replace("localhost", "127.0.0.1")
        result = collect(type(emu)(endpoint=direct, ca_cert=emu.ca_cert))
    refused = [e for e in result.snapshot["errors"] if e.get("code") == "NextLinkRefused"]
    assert refused, result.snapshot["errors"]
    assert result.incomplete
    assert any(e["operation"] == operations.POLICY_STATES for e in refused)
    assert all("localhost" in e["message"] for e in refused)


def test_emulate_cli_serves_regional_links_in_a_subprocess() -> None:
    source = tenant(16)
    with running_emulator(source, in_subprocess=True, page_size=2, regional_next_links=True) as emu:
        assert emu.process is not None and emu.endpoint.startswith("https://localhost:")
        result = collect(emu)
    assert_round_trip(source, result.snapshot)
