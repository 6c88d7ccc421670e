"""The shipped JSON Schemas: valid schemas, printed by `auditor schema`, matching the demo
snapshot and the golden findings, strict where auditor owns the format and envelope-only for
Azure's documents (docs/snapshot-format.md, docs/findings-format.md)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from schema_check import assert_valid, schema_errors, validator

from auditor import __version__
from auditor.analysis.engine import audit_snapshot
from auditor.azure.snapshot import load_snapshot
from auditor.cli import main
from auditor.schemas import FINDINGS_SCHEMA_VERSION, NAMES, SNAPSHOT_SCHEMA_VERSION, schema, schema_text

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo-tenant.json"
GOLDEN = sorted((ROOT / "tests" / "golden").glob("*findings*.json"))


def _demo() -> dict:
    return json.loads(DEMO.read_text(encoding="utf-8"))


def _golden() -> dict:
    return json.loads((ROOT / "tests" / "golden" / "demo-findings.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", NAMES)
def test_schemas_are_valid_draft_2020_12_and_name_their_version(name: str) -> None:
    validator(name)  # check_schema raises on an invalid schema
    version = {"snapshot": SNAPSHOT_SCHEMA_VERSION, "findings": FINDINGS_SCHEMA_VERSION}[name]
    assert schema(name)["properties"]["schemaVersion"]["const"] == version
    assert schema(name)["$id"].endswith(f":{name}:{version}")


@pytest.mark.parametrize("name", NAMES)
def test_schema_command_prints_the_shipped_schema(name: str) -> None:
    result = CliRunner().invoke(main, ["schema", name])
    assert result.exit_code == 0
    assert result.output == schema_text(name)
    assert json.loads(result.output)["title"].startswith("auditor")


def test_schema_command_rejects_an_unknown_name() -> None:
    result = CliRunner().invoke(main, ["schema", "plan"])
    assert result.exit_code == 2


def test_version_names_the_tool_and_both_schema_versions() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.splitlines() == [f"auditor {__version__}", f"snapshot schemaVersion {SNAPSHOT_SCHEMA_VERSION}",
                                          f"findings schemaVersion {FINDINGS_SCHEMA_VERSION}"]


def test_demo_snapshot_is_valid() -> None:
    assert_valid(_demo(), "snapshot", str(DEMO.relative_to(ROOT)))


def test_golden_findings_are_valid() -> None:
    assert GOLDEN
    for path in GOLDEN:
        assert_valid(json.loads(path.read_text(encoding="utf-8")), "findings", str(path.relative_to(ROOT)))


def test_findings_of_the_demo_are_valid_and_carry_the_version() -> None:
    doc = audit_snapshot(load_snapshot(DEMO))  # also checked by conftest; here without a config
    assert doc["schemaVersion"] == FINDINGS_SCHEMA_VERSION
    assert_valid(doc, "findings")


def test_resources_are_checked_for_their_envelope_only() -> None:
    snap = _demo()
    snap["resources"].append({"id": "/subscriptions/x/providers/Microsoft.Contoso/widgets/w", "type":
                              "Microsoft.Contoso/widgets", "name": "w", "properties": {"anything": [1, {"a": None}]},
                              "etag": "W/1", "systemData": {}})
    snap["resources"].append({"id": "/subscriptions/x", "subscriptionId": "x"})  # GET /subscriptions: no type/name
    assert schema_errors(snap, "snapshot") == []
    snap["resources"].append({"type": "Microsoft.Contoso/widgets", "name": "no-id"})
    snap["resources"].append({"id": "", "type": 3})
    errors = schema_errors(snap, "snapshot")
    assert any("'id' is a required property" in e for e in errors)
    assert any(".type: 3 is not of type" in e for e in errors)


def test_an_undocumented_field_fails_with_directions() -> None:
    snap = _demo()
    snap["deliveryProof"] = {}
    with pytest.raises(AssertionError) as caught:
        assert_valid(snap, "snapshot")
    text = str(caught.value)
    assert "'deliveryProof' was unexpected" in text
    assert "docs/snapshot-format.md" in text and "auditor/data/schemas/snapshot.schema.json" in text

    doc = _golden()
    doc["subscriptions"][0]["retention"] = 30
    del doc["findings"][0]["severity"]
    errors = schema_errors(doc, "findings")
    assert any(e.startswith("$.subscriptions[0]:") and "'retention' was unexpected" in e for e in errors)
    assert any(e.startswith("$.findings[0]:") and "'severity' is a required property" in e for e in errors)


def test_enumerations_are_closed() -> None:
    doc = _golden()
    bad = copy.deepcopy(doc)
    bad["subscriptions"][0]["verdict"] = "mostly-fine"
    bad["findings"][0]["severity"] = "critical"
    bad["findings"][0]["ruleId"] = "EXP-1"
    errors = schema_errors(bad, "findings")
    assert len(errors) == 3, errors
