"""The least-privilege role: `auditor role` prints it, the docs show it, and it is enough and no broader.

"Enough and no broader" is shown against the emulator enforcing the role (`emulate --role`): with
it, collect gives back the snapshot exactly (the round trip); with any one action removed, some
read is refused (403), and, for every action but Resource Graph's, the snapshot is no longer the
tenant (documents missing, reads recorded as errors, policy states or delivery evidence lost).
Without Resource Graph the collector falls back to the REST reads per subscription, so its one
sign is the refused query (SECURITY.md says so).
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from collect_support import DEMO_TENANT, collect, error_scopes, multiset, request_log, tenant

from auditor.azure.delivery_facts import shifted
from auditor.cli import main
from auditor.collect.permissions import (
    ALWAYS,
    PERMISSIONS,
    data_actions,
    markdown_table,
    permissions,
    role_definition,
)
from auditor.emulator.authorization import Role, arm_action
from auditor.emulator.runner import running_emulator
from auditor.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
DEMO: dict[str, Any] = json.loads(DEMO_TENANT.read_text(encoding="utf-8"))


def _role(verify_delivery: bool) -> dict[str, Any]:
    """The printed role, plus the blob data action granted by Storage Blob Data Reader (docs)."""
    role = role_definition("contoso", verify_delivery=verify_delivery)
    role["DataActions"] = data_actions(verify_delivery)
    return role


def _collect(tmp_path: Path, source: dict[str, Any], role: dict[str, Any] | None,
             verify_delivery: bool) -> tuple[dict[str, Any], set[str]]:
    log = tmp_path / "requests.jsonl"
    with running_emulator(source, page_size=50, request_log=str(log), role=role) as emu:
        result = collect(emu, verify_delivery=verify_delivery)
        shift = emu.emulator.store.delivery_shift if emu.emulator else timedelta(0)
    refused = {f"{e['method']} {e['path']}" for e in request_log(log) if e["status"] == 403}
    snap = result.snapshot
    if "delivery" in snap:  # the emulator serves delivery at the time of collection: compare at the source's
        snap = {**snap, "delivery": shifted(snap["delivery"], -shift)}
    return snap, refused


def _exact(source: dict[str, Any], got: dict[str, Any]) -> bool:
    return (multiset(source["resources"]) == multiset(got["resources"])
            and multiset(source["policyStates"]) == multiset(got["policyStates"])
            and error_scopes(source) == error_scopes(got) and len(source["errors"]) == len(got["errors"])
            and source.get("delivery") == got.get("delivery"))


@pytest.fixture(scope="module")
def unrestricted(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The requests refused without any role: the demo's recorded errors, answered as 403s."""
    snap, refused = _collect(tmp_path_factory.mktemp("free"), DEMO, None, True)
    assert _exact(DEMO, snap) and refused
    return refused


# --- the command and the documents ---------------------------------------------------------

def test_role_command_prints_exactly_the_collect_actions() -> None:
    r = CliRunner().invoke(main, ["role", "--management-group", "contoso"])
    assert r.exit_code == 0, r.output
    role = json.loads(r.stdout)
    assert role["IsCustom"] is True and role["NotActions"] == [] and role["DataActions"] == []
    assert role["AssignableScopes"] == ["/providers/Microsoft.Management/managementGroups/contoso"]
    assert role["Actions"] == [p.action for p in PERMISSIONS if p.when == ALWAYS]
    assert all(a.endswith("/read") for a in role["Actions"])  # nothing that writes


def test_role_command_with_verify_delivery_adds_its_reads_and_names_the_data_action() -> None:
    r = CliRunner().invoke(main, ["role", "--management-group", "contoso", "--verify-delivery"])
    assert r.exit_code == 0, r.output
    role = json.loads(r.stdout)
    assert role["Actions"] == [p.action for p in permissions(True) if not p.data_action]
    assert set(role["Actions"]) > {p.action for p in permissions(False)}
    assert "Storage Blob Data Reader" in r.stderr and data_actions(True)[0] in r.stderr


@pytest.mark.parametrize("bad", ["", "/providers/Microsoft.Management/managementGroups/x", "a\nb"])
def test_role_command_refuses_a_bad_group(bad: str) -> None:
    r = CliRunner().invoke(main, ["role", "--management-group", bad])
    assert r.exit_code == 2 and "--management-group" in r.output


@pytest.mark.parametrize("doc", ["SECURITY.md", "docs/collection.md"])
def test_docs_show_the_same_list(doc: str) -> None:
    assert markdown_table() in (ROOT / doc).read_text(encoding="utf-8"), \
        f"{doc}: paste `python -c 'from auditor.collect.permissions import markdown_table; print(markdown_table())'`"


# --- the emulator's authorization ----------------------------------------------------------

@pytest.mark.parametrize(("method", "path", "action"), [
    ("GET", "/providers/Microsoft.Management/managementGroups/contoso", "Microsoft.Management/managementGroups/read"),
    ("GET", "/subscriptions", "Microsoft.Resources/subscriptions/read"),
    ("GET", "/subscriptions/0000/providers/Microsoft.Insights/diagnosticSettings",
     "Microsoft.Insights/diagnosticSettings/read"),
    ("GET", "/providers/Microsoft.Management/managementGroups/g/providers/Microsoft.Authorization/policyAssignments",
     "Microsoft.Authorization/policyAssignments/read"),
    ("GET", "/subscriptions/s/resourceGroups/r/providers/Microsoft.OperationalInsights/workspaces/w/tables/"
            "AzureActivity", "Microsoft.OperationalInsights/workspaces/tables/read"),
    ("GET", "/subscriptions/s/resourceGroups/r/providers/Microsoft.OperationalInsights/workspaces/w/providers/"
            "Microsoft.SecurityInsights/onboardingStates", "Microsoft.SecurityInsights/onboardingStates/read"),
    ("GET", "/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/a/blobServices/default/"
            "containers/insights-activity-logs", "Microsoft.Storage/storageAccounts/blobServices/containers/read"),
    ("POST", "/providers/Microsoft.ResourceGraph/resources", "Microsoft.ResourceGraph/resources/read"),
    ("POST", "/subscriptions/s/providers/Microsoft.PolicyInsights/policyStates/latest/queryResults",
     "Microsoft.PolicyInsights/policyStates/queryResults/read"),
])
def test_arm_action_of_a_request(method: str, path: str, action: str) -> None:
    assert arm_action(method, path) == action.lower()


def test_role_wildcards_and_not_actions_as_azure_applies_them() -> None:
    reader = Role.from_document({"properties": {"permissions": [{"actions": ["*/read"], "notActions": [
        "Microsoft.Insights/*"]}]}})
    assert reader.allows("microsoft.authorization/policyassignments/read")
    assert not reader.allows("Microsoft.Insights/diagnosticSettings/read")
    assert not reader.allows("Microsoft.Authorization/policyAssignments/write")
    assert not reader.allows("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read", data=True)
    with pytest.raises(InputError):
        Role.from_document({"Name": "empty"})


def test_emulate_refuses_an_unreadable_role_file(tmp_path: Path) -> None:
    bad = tmp_path / "role.json"
    bad.write_text("{not json")
    r = CliRunner().invoke(main, ["emulate", str(DEMO_TENANT), "--role", str(bad)])
    assert r.exit_code == 2 and "role" in r.output and "Traceback" not in r.output


# --- enough ---------------------------------------------------------------------------------

def test_the_role_is_enough_for_collect(tmp_path: Path) -> None:
    source = tenant(24)
    snap, _ = _collect(tmp_path, source, _role(False), False)
    assert _exact(source, snap)


def test_the_role_is_enough_for_collect_verify_delivery(tmp_path: Path, unrestricted: set[str]) -> None:
    snap, refused = _collect(tmp_path, DEMO, _role(True), True)
    assert _exact(DEMO, snap)
    assert refused == unrestricted  # the role itself refused nothing


def test_reader_is_enough_too(tmp_path: Path, unrestricted: set[str]) -> None:
    """The role grants no more than Reader (plus Storage Blob Data Reader): */read covers every action."""
    reader = {"Actions": ["*/read"], "DataActions": data_actions(True)}
    snap, refused = _collect(tmp_path, DEMO, reader, True)
    assert _exact(DEMO, snap) and refused == unrestricted
    assert all(Role.from_document(reader).allows(p.action, data=p.data_action) for p in PERMISSIONS)


# --- no broader -----------------------------------------------------------------------------

@pytest.mark.parametrize("action", [p.action for p in PERMISSIONS])
def test_without_any_one_action_collect_is_refused_a_read(tmp_path: Path, action: str, unrestricted: set[str]) -> None:
    role = copy.deepcopy(_role(True))
    for key in ("Actions", "DataActions"):
        role[key] = [a for a in role[key] if a != action]
    snap, refused = _collect(tmp_path, DEMO, role, True)
    assert refused - unrestricted, f"nothing refused without {action}: the role is broader than collect needs"
    if action != "Microsoft.ResourceGraph/resources/read":
        assert not _exact(DEMO, snap), f"without {action} the snapshot is still exact"
    else:  # the REST reads per subscription stand in for the bulk queries
        assert _exact(DEMO, snap)
