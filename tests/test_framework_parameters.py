"""A framework's own parameters: PCI DSS 10.5.1 asks for twelve months of history with three months
immediately available, which is total and interactive retention apart; and how the storage refusal
rules (ALA-DLV-003/004) count for the logging controls."""

from __future__ import annotations

import tomllib
from typing import Any

import builders as b
import builders_retention as br
import pytest
from test_compliance import GOOD, RG, WS, controls, tenant

from auditor.analysis.checks import check_of
from auditor.analysis.context import AuditContext
from auditor.azure.snapshot import build_snapshot
from auditor.config import (
    Config,
    absent_framework_scopes,
    parse_config,
    scoped_parameter_notes,
    with_frameworks,
)
from auditor.errors import InputError

ST = b.storage_id(GOOD, RG, "stactivity")


def with_table(interactive: int, total: int, *extra: dict[str, Any]) -> dict[str, Any]:
    """The compliance tenant whose central workspace's AzureActivity table keeps ``interactive`` days
    immediately available and ``total`` days in all (the rest long-term, read by search jobs)."""
    doc = tenant()
    doc["resources"] = [*doc["resources"], br.activity_table(WS, interactive, total), *extra]
    return doc


def retention_findings(doc: dict[str, Any], config: Config) -> list[Any]:
    return list(check_of("ALA-EXP-005")(AuditContext(build_snapshot(doc), config)))


def test_pci_asks_for_three_months_immediately_available() -> None:
    cfg = with_frameworks(Config(), ("pci-dss-4.0",))
    assert (cfg.min_retention_days, cfg.min_interactive_retention_days) == (365, 90)
    assert with_frameworks(Config(min_interactive_retention_days=120), ("pci-dss-4.0",)) \
        .min_interactive_retention_days == 120  # a stricter setting stays
    assert with_frameworks(Config(), ("cis-azure-3.0.0",)).min_interactive_retention_days == 0


def test_long_history_without_three_interactive_months_fails_retention() -> None:
    cfg = with_frameworks(Config(central_destinations=(WS,)), ("pci-dss-4.0",))
    [found] = retention_findings(with_table(30, 730), cfg)
    assert "immediately available" in found.message
    assert found.evidence["minInteractiveRetentionDays"] == 90
    assert [(r["days"], r["interactiveDays"]) for r in found.evidence["retention"]] == [(730, 30)]
    assert retention_findings(with_table(90, 400), cfg) == []
    # without the requirement the same workspace keeps enough history
    assert retention_findings(with_table(30, 730), Config(central_destinations=(WS,))) == []


def test_storage_is_immediately_available() -> None:
    cfg = with_frameworks(Config(central_destinations=(WS,)), ("pci-dss-4.0",))
    doc = with_table(30, 730, b.storage_account(GOOD, RG, "stactivity", cmk=True),
                     b.subscription_diagnostic_setting(GOOD, "to-st", storage=ST, category_group="allLogs"))
    assert retention_findings(doc, cfg) == []


def test_short_history_says_so_first() -> None:
    cfg = with_frameworks(Config(central_destinations=(WS,)), ("pci-dss-4.0",))
    [found] = retention_findings(with_table(30, 180), cfg)
    assert found.message.startswith("No export goes to a destination keeping the activity log 365 days")


def test_pci_10_5_1_status_follows_interactive_retention() -> None:
    assert controls(with_table(30, 730), "pci-dss-4.0")["10.5.1"]["status"] == "fail"
    assert controls(with_table(90, 730), "pci-dss-4.0")["10.5.1"]["status"] == "pass"


@pytest.mark.parametrize(("toml", "message"), [
    ("[audit]\nmin_interactive_retention_days = -1\n", "non-negative integer"),
    ("[audit]\nmin_interactive_retention_days = 400\n", "cannot exceed"),
    ("[audit]\nmin_retention_days = 30\nmin_interactive_retention_days = 90\n", "cannot exceed"),
])
def test_interactive_retention_config_errors(toml: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_config(tomllib.loads(toml), set())


def test_interactive_retention_config_is_read_and_recorded() -> None:
    cfg = parse_config(tomllib.loads("[audit]\nmin_interactive_retention_days = 30\n"), set())
    assert cfg.min_interactive_retention_days == 30 and cfg.as_dict()["min_interactive_retention_days"] == 30


def test_storage_refusing_the_export_fails_the_logging_controls_only_where_storage_is_used() -> None:
    account = b.storage_account(GOOD, RG, "stactivity", cmk=True)
    account["properties"]["networkAcls"] = {"bypass": "None", "defaultAction": "Deny"}
    doc = tenant()
    assert controls(doc, "pci-dss-4.0")["10.2.1"]["status"] == "pass"
    doc["resources"] = [*doc["resources"], account,
                        b.subscription_diagnostic_setting(GOOD, "to-st", storage=ST, category_group="allLogs")]
    entry = controls(doc, "pci-dss-4.0")["10.2.1"]
    assert entry["status"] == "fail" and "ALA-DLV-004" in entry["rules"]
    assert entry["counts"]["subscriptions"]["fail"] == 1


MG = "/providers/Microsoft.Management/managementGroups/contoso-online"
ROOT_GROUP = "/providers/Microsoft.Management/managementGroups/00000000-0000-0000-0000-000000000001"


def test_a_scoped_framework_that_raises_the_settings_says_they_apply_to_the_whole_audit() -> None:
    """Parameters apply to every subscription (docs/frameworks.md); a user who limited the framework
    with [framework_scope] is told so, once per framework, naming what it raised."""
    scoped = parse_config({"audit": {"frameworks": ["pci-dss-4.0", "cis-azure-3.0.0"], "min_retention_days": 365},
                           "framework_scope": {"pci-dss-4.0": [MG], "cis-azure-3.0.0": [MG]}}, set())
    lead = "is limited by [framework_scope], but its parameters apply to every subscription of the audit " \
           "(docs/frameworks.md): "
    assert scoped_parameter_notes(scoped, ROOT_GROUP) == [
        f"pci-dss-4.0 {lead}min_interactive_retention_days = 90",
        f"cis-azure-3.0.0 {lead}sensitive_operations + Microsoft.Security/securitySolutions/write, "
        "Microsoft.Security/securitySolutions/delete, Microsoft.Network/publicIPAddresses/write, "
        "Microsoft.Network/publicIPAddresses/delete"]
    # unscoped, or raising nothing the config did not already ask for: nothing to tell
    assert scoped_parameter_notes(parse_config({"audit": {"frameworks": ["pci-dss-4.0"]}}, set()), ROOT_GROUP) == []
    strict = parse_config({"audit": {"frameworks": ["pci-dss-4.0"], "min_interactive_retention_days": 90},
                           "framework_scope": {"pci-dss-4.0": [MG]}}, set())
    assert scoped_parameter_notes(strict, ROOT_GROUP) == []
    # an unscoped framework that asks the same already applies it everywhere, in whatever order
    both = parse_config({"audit": {"frameworks": ["cis-azure-3.0.0", "cis-azure-2.0.0"]},
                         "framework_scope": {"cis-azure-3.0.0": [MG]}}, set())
    assert scoped_parameter_notes(both, ROOT_GROUP) == []
    # a scope that holds the root group limits nothing
    rooted = parse_config({"audit": {"frameworks": ["pci-dss-4.0"]}, "framework_scope": {"pci-dss-4.0": [ROOT_GROUP]}},
                          set())
    assert scoped_parameter_notes(rooted, ROOT_GROUP) == []
    # a framework selected on the command line and scoped in the config is told the same way
    cli = with_frameworks(parse_config({"framework_scope": {"pci-dss-4.0": [MG]}}, set(), ("pci-dss-4.0",)),
                          ("pci-dss-4.0",))
    assert [n.split(" ")[0] for n in scoped_parameter_notes(cli, ROOT_GROUP)] == ["pci-dss-4.0"]


def test_a_framework_scope_the_snapshot_does_not_hold_is_reported() -> None:
    config = parse_config({"audit": {"frameworks": ["pci-dss-4.0"]},
                           "framework_scope": {"pci-dss-4.0": [MG, MG + "-typo"]}}, set())
    held = {MG.lower()}
    assert absent_framework_scopes(config, lambda i: {} if i.lower() in held else None) == [
        f"framework_scope: '{MG}-typo' (pci-dss-4.0) is not in the snapshot: it matches no subscription (a typo?)"]


def test_the_note_reaches_the_user_of_audit_and_remediate(tmp_path: Any) -> None:
    from click.testing import CliRunner
    from test_report_fixtures import CONFIG, DEMO

    from auditor.cli import main

    for args in (["audit", "--snapshot", str(DEMO), "--config", str(CONFIG), "--out", str(tmp_path / "a"),
                  "--format", "json", "-q"],
                 ["remediate", "--snapshot", str(DEMO), "--config", str(CONFIG), "--out", str(tmp_path / "r"), "-q"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code in (0, 3), result.output
        note = ("auditor: note: pci-dss-4.0 is limited by [framework_scope], but its parameters apply to every "
                "subscription of the audit (docs/frameworks.md): min_interactive_retention_days = 90")
        assert note in result.stderr, result.stderr


def test_a_usage_error_stays_one_line_with_the_notes_held_back(tmp_path: Any) -> None:
    """Bad input gets one line and exit 2: the notes come once the run has succeeded."""
    import json

    from click.testing import CliRunner
    from test_report_fixtures import CONFIG, DEMO

    from auditor.cli import main

    other = json.loads(DEMO.read_text(encoding="utf-8"))
    other["tenantId"] = "11111111-2222-3333-4444-555555555555"
    (tmp_path / "other.json").write_text(json.dumps(other), encoding="utf-8")
    result = CliRunner().invoke(main, ["audit", "--snapshot", str(DEMO), "--config", str(CONFIG), "--baseline",
                                       str(tmp_path / "other.json"), "--out", str(tmp_path / "a"), "--format", "json"])
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1, result.stderr
