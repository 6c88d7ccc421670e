"""Inputs a new user got wrong and the tool accepted silently (new-user trial): central destinations
that are not resource ids or not in the snapshot, an empty --format, warnings hidden by -q."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from auditor.cli import main

ROOT = Path(__file__).resolve().parent.parent
DEMO = str(ROOT / "examples" / "demo-tenant.json")
CENTRAL = ("/subscriptions/04721934-0ac7-56ab-aff9-e0d191685d24/resourceGroups/rg-contoso-mgmt-logging/providers/"
           "Microsoft.OperationalInsights/workspaces/law-contoso-central")
ELSEWHERE = ("/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg-logs/providers/"
             "Microsoft.OperationalInsights/workspaces/law-elsewhere")


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def config(tmp_path: Path, *destinations: str) -> str:
    path = tmp_path / "c.toml"
    path.write_text("[audit]\ncentral_destinations = [" + ", ".join(f'"{d}"' for d in destinations) + "]\n")
    return str(path)


def one_line_usage_error(r: Result) -> str:
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.output, r.stderr
    return lines[0]


@pytest.mark.parametrize("command", ["audit", "remediate"])
@pytest.mark.parametrize("value", ["not-an-id", "/subscriptions/04721934-0ac7-56ab-aff9-e0d191685d24",
                                   "law-contoso-central"])
def test_a_central_destination_that_is_not_a_resource_id_is_a_usage_error(tmp_path: Path, command: str,
                                                                           value: str) -> None:
    line = one_line_usage_error(run(command, "--snapshot", DEMO, "--config", config(tmp_path, value),
                                    "--out", str(tmp_path / "out")))
    assert "audit.central_destinations" in line and f"'{value}'" in line
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())  # nothing written


@pytest.mark.parametrize("command", ["audit", "remediate"])
def test_a_central_destination_absent_from_the_snapshot_is_a_note(tmp_path: Path, command: str) -> None:
    args = [command, "--snapshot", DEMO, "--out", str(tmp_path / "out"), "-q"]
    r = run(*args, "--config", config(tmp_path, CENTRAL, ELSEWHERE))
    assert r.exit_code in (0, 3), r.output
    notes = [line for line in r.stderr.splitlines() if "central_destinations" in line]
    assert len(notes) == 1 and ELSEWHERE in notes[0] and "not in the snapshot" in notes[0]
    quiet = run(*args, "--config", config(tmp_path, CENTRAL))
    assert "central_destinations" not in quiet.stderr


def test_remediate_says_when_no_central_destination_can_receive_the_export(tmp_path: Path) -> None:
    network = ("/subscriptions/04721934-0ac7-56ab-aff9-e0d191685d24/resourceGroups/rg-contoso-mgmt-logging/"
               "providers/Microsoft.Network/virtualNetworks/vnet-hub")
    r = run("remediate", "--snapshot", DEMO, "--config", config(tmp_path, network), "--out", str(tmp_path / "p"))
    assert r.exit_code == 0, r.output
    assert any("placeholder" in line and "<REPLACE" in line for line in r.stderr.splitlines()), r.stderr
    assert "no central_destinations entry is" in (tmp_path / "p" / "README.md").read_text()


@pytest.mark.parametrize("args", [
    ["audit", "--snapshot", DEMO],
    ["remediate", "--snapshot", DEMO],
    ["diff", DEMO, DEMO],
])
@pytest.mark.parametrize("value", ["", " , "])
def test_an_empty_format_is_a_usage_error(tmp_path: Path, args: list[str], value: str) -> None:
    out = ["--out", str(tmp_path / "out")]
    line = one_line_usage_error(run(*args, *out, "--format", value))
    assert line.startswith("auditor: error: --format: no format given")
    assert not (tmp_path / "out" / "findings.json").exists()


@pytest.mark.parametrize("quiet", [[], ["-q"]])
def test_waiver_warnings_go_to_stderr_also_with_quiet(tmp_path: Path, quiet: list[str]) -> None:
    """docs/configuration.md: the console warns about an expired waiver (judged at collectedAt, 2026-11-28)."""
    sub = "/subscriptions/04721934-0ac7-56ab-aff9-e0d191685d24"
    cfg = tmp_path / "w.toml"
    cfg.write_text("".join(f'[[waiver]]\nrule = "{rule}"\nscope = "{sub}"\nreason = "r"\nexpires = {day}\n'
                           for rule, day in (("ALA-EXP-001", "2026-01-31"), ("ALA-DLV-002", "2027-12-31"))))
    r = run("audit", "--snapshot", DEMO, "--config", str(cfg), "--out", str(tmp_path / "o"), "--format", "json",
            *quiet)
    assert r.exit_code == 3, r.output
    lines = r.stderr.splitlines()
    assert [x for x in lines if "expired" in x] == [
        "auditor: warning: waiver for ALA-EXP-001 at Contoso-Platform-Management expired on 2026-01-31 and no longer "
        "waives anything"], r.stderr
    assert len([x for x in lines if x.startswith("auditor: note: waiver for ALA-DLV-002")]) == 1, r.stderr
    assert ("Coverage verdicts" in r.stdout) is not bool(quiet)
