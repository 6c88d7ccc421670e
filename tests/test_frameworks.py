"""The framework catalogue: every control id and title traces to its recorded source, and every control a
rule claims exists in it.

tests/fixtures/frameworks/source-extract.json holds, per framework and source, the entries our controls
cite, read from the recorded repository, path and commit (see tests/fixtures/PROVENANCE.md): the source's
title where we copy it (NIST's, a US government work), else a SHA-256 of the source's title that ours
paraphrases (CIS, ISO, SOC 2 text is not ours to copy).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from auditor.errors import InputError
from auditor.frameworks import all_frameworks, control_for, framework_by_id, parse_framework_ids
from auditor.frameworks.refs import ControlRef
from auditor.rules import all_rules
from auditor.rules.catalogue.alerts import ALL_ALERT_CONTROLS, controls_for

EXTRACT = json.loads((Path(__file__).parent / "fixtures" / "frameworks" / "source-extract.json").read_text())
FRAMEWORKS = {f.id: f for f in all_frameworks()}


def test_the_frameworks_the_issue_asks_for_are_there() -> None:
    wanted = {
        "cis-azure-2.0.0": {"5.1.1", "5.1.2", "5.2.1", "5.2.5", "5.2.9", "5.2.10"},
        "cis-azure-3.0.0": {"6.1.1", "6.1.2", "6.1.3", "6.2.1", "6.2.5", "6.2.10", "3.1.9.1"},
        "cis-azure-6.0.0": {"6.1.1.1", "6.1.2.5", "6.1.2.10", "8.1.9.1"},
        "mcsb-1.0": {f"LT-{i}" for i in range(1, 7)},
        "nist-sp-800-53-r5": {"AU-2", "AU-6", "AU-9", "AU-11", "AU-12", "SI-4"},
        "iso-27001-2022": {"A.8.15", "A.8.16"},
        "pci-dss-4.0": {"10.2.1", "10.3.2", "10.5.1", "10.7.2"},
        "soc2-2017": {"CC7.2"},
    }
    for fid, ids in wanted.items():
        assert ids <= {c.id for c in FRAMEWORKS[fid].controls}, fid


@pytest.mark.parametrize("fid", sorted(FRAMEWORKS))
def test_every_source_is_pinned(fid: str) -> None:
    fw = FRAMEWORKS[fid]
    assert fw.sources and fw.titles in ("verbatim", "paraphrased") and fw.title_note
    for src in fw.sources.values():
        assert re.fullmatch(r"[0-9a-f]{40}", src["commit"]) and src["repository"] and src["path"] and src["licence"]
        for entry in EXTRACT[fid].values():
            if entry["source"]["path"] == src["path"]:
                assert entry["source"]["commit"] == src["commit"]


@pytest.mark.parametrize("fid", sorted(FRAMEWORKS))
def test_every_control_id_and_title_traces_to_its_source(fid: str) -> None:
    fw = FRAMEWORKS[fid]
    ids = [c.id for c in fw.controls]
    assert len(ids) == len(set(ids))
    for c in fw.controls:
        assert c.sources, c.id
        for ref in c.sources:
            entry = EXTRACT[fid][ref["source"]]
            assert ref["ref"] in entry["ids"], (c.id, ref)
            prefix = fw.sources[ref["source"]].get("groupPrefix")
            if prefix:  # an Azure Policy group name is the prefix and the exact control id
                assert ref["ref"] == prefix + c.id.removeprefix("A."), (c.id, ref)
            recorded = entry["ids"][ref["ref"]]
            if fw.titles == "verbatim" and isinstance(recorded, str):
                assert c.title == recorded, c.id
            if isinstance(recorded, dict):  # paraphrased: the source title it paraphrases
                assert ref["titleSha256"] == recorded["titleSha256"], c.id
        if fw.titles == "verbatim" and fid != "mcsb-1.0":  # MCSB titles: the Learn page (titleSource)
            assert any(isinstance(EXTRACT[fid][r["source"]]["ids"][r["ref"]], str) for r in c.sources), c.id


def test_mcsb_titles_name_their_page() -> None:
    assert FRAMEWORKS["mcsb-1.0"].sources["azurePolicy"]["path"].endswith("AzureSecurityCenter.json")


def test_every_control_a_rule_claims_exists() -> None:
    claimed = {ref for r in all_rules() for ref in r.controls}
    for ref in claimed:
        control_for(ref)  # KeyError if not in the catalogue
    for op in ("Microsoft.Security/securitySolutions/write", "Microsoft.Network/publicIPAddresses/delete",
               "Microsoft.Sql/servers/firewallRules/write", "Microsoft.Custom/thing/write"):
        assert set(controls_for(op)) <= set(ALL_ALERT_CONTROLS)


def test_manual_controls_are_claimed_by_no_rule() -> None:
    claimed = {ref for r in all_rules() for ref in r.controls}
    for fw in all_frameworks():
        for c in fw.controls:
            if c.manual:
                assert c.ref not in claimed, c.ref


def test_cis_alert_controls_name_their_operation_in_each_version() -> None:
    for fid, section in (("cis-azure-2.0.0", "5.2."), ("cis-azure-3.0.0", "6.2."), ("cis-azure-6.0.0", "6.1.2.")):
        ops = [framework_by_id(fid).control(f"{section}{i}").parameters["operation"] for i in range(1, 11)]
        assert ops[4:6] == ["Microsoft.Security/securitySolutions/write", "Microsoft.Security/securitySolutions/delete"]
        assert ops[8:10] == ["Microsoft.Network/publicIPAddresses/write", "Microsoft.Network/publicIPAddresses/delete"]
        refs = {ControlRef(fid, f"{section}{i}") for i in range(1, 11)}
        assert refs <= set(ALL_ALERT_CONTROLS)
        assert set(controls_for(ops[4])) & refs == {ControlRef(fid, f"{section}5")}


def test_cis_defender_for_resource_manager_is_the_right_control() -> None:
    # CIS 2.0.0 2.1.11 is Defender for DNS; 2.1.12 is Resource Manager (the earlier free string had 2.1.11).
    assert framework_by_id("cis-azure-2.0.0").control("2.1.12").facts == ("defenderForResourceManager",)
    with pytest.raises(KeyError):
        framework_by_id("cis-azure-2.0.0").control("2.1.11")


def test_parse_framework_ids() -> None:
    assert parse_framework_ids("CIS-Azure-3.0.0, pci-dss-4.0,cis-azure-3.0.0", "--framework") == (
        "cis-azure-3.0.0", "pci-dss-4.0")
    with pytest.raises(InputError, match="unknown framework 'cis-9'"):
        parse_framework_ids("cis-9", "--framework")


def test_frameworks_command_lists_ids_and_json_has_every_control() -> None:
    from click.testing import CliRunner

    from auditor.cli import main

    r = CliRunner().invoke(main, ["frameworks"])
    assert r.exit_code == 0
    for fw in all_frameworks():
        assert fw.id in r.output
    r = CliRunner().invoke(main, ["frameworks", "--json"])
    listed = {f["id"]: f for f in json.loads(r.output)}
    assert set(listed) == set(FRAMEWORKS)
    pci = listed["pci-dss-4.0"]
    assert pci["sources"][0]["commit"] and pci["version"] == "4.0"
    retention = next(c for c in pci["controls"] if c["id"] == "10.5.1")
    assert retention["judged"] and retention["parameters"]["minRetentionDays"] == 365
    assert next(c for c in pci["controls"] if c["id"] == "10.4.1")["manual"]


@pytest.mark.parametrize(("toml", "message"), [
    ('[audit]\nframeworks = ["cis-9"]\n', "unknown framework 'cis-9'"),
    ('[audit]\nframeworks = "pci-dss-4.0"\n', "must be a list"),
    ('[framework_scope]\n"pci-dss-4.0" = ["/providers/Microsoft.Management/managementGroups/x"]\n',
     "neither audit.frameworks nor --framework selects"),
    ('[audit]\nframeworks = ["pci-dss-4.0"]\n[framework_scope]\n"pci-dss-4.0" = ["not-an-id"]\n',
     "must be a subscription or management group"),
])
def test_config_frameworks_errors_are_usage_errors(toml: str, message: str) -> None:
    import tomllib

    from auditor.config import parse_config

    with pytest.raises(InputError, match=message):
        parse_config(tomllib.loads(toml), set())


def test_config_selects_frameworks_and_applies_their_parameters() -> None:
    import tomllib

    from auditor.config import parse_config

    cfg = parse_config(tomllib.loads('[audit]\nframeworks = ["CIS-Azure-2.0.0", "pci-dss-4.0"]\n'
                                     'min_retention_days = 90\n'), set())
    assert cfg.frameworks == ("cis-azure-2.0.0", "pci-dss-4.0")
    assert cfg.min_retention_days == 365
    assert "Microsoft.Network/publicIPAddresses/delete" in cfg.sensitive_operations
    assert cfg.as_dict()["frameworks"] == ["cis-azure-2.0.0", "pci-dss-4.0"]


def test_framework_selected_on_the_command_line_may_be_scoped_by_the_config(tmp_path: Path) -> None:
    """docs/cli.md: --framework ids are added to audit.frameworks, so [framework_scope] may scope them."""
    from click.testing import CliRunner

    from auditor.cli import main

    group = "/providers/Microsoft.Management/managementGroups/contoso-online"
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[framework_scope]\n"pci-dss-4.0" = ["{group}"]\n')
    demo = str(Path(__file__).resolve().parent.parent / "examples" / "demo-tenant.json")
    r = CliRunner().invoke(main, ["audit", "--snapshot", demo, "--framework", "pci-dss-4.0", "--config", str(cfg),
                                  "--out", str(tmp_path / "out"), "--format", "json", "-q"])
    assert r.exit_code in (0, 3), r.output
    findings = json.loads((tmp_path / "out" / "findings.json").read_text())
    assert findings["config"]["framework_scope"] == {"pci-dss-4.0": [group]}
    r = CliRunner().invoke(main, ["remediate", "--snapshot", demo, "--framework", "pci-dss-4.0", "--config",
                                  str(cfg), "--out", str(tmp_path / "plan"), "-q"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["audit", "--snapshot", demo, "--config", str(cfg), "--out", str(tmp_path / "o2")])
    assert r.exit_code == 2 and "neither audit.frameworks nor --framework selects" in r.output
