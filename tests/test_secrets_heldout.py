"""The held-out check (issue 19): secrets the rules were NOT written against leave no trace.

tests/heldout/secrets.json is used by this test only. It plants capability URLs,
unknown credential query members, JSON held in strings and credential-named String policy
parameters into the demo tenant, which is served by the emulator and collected with the real
SDK clients; then the snapshot, every report format, generated remediation and a redacted copy
are searched for each secret.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from collect_support import DEMO_TENANT, collect
from test_secrets import _text_of

from auditor.azure import arm
from auditor.cli import main
from auditor.emulator.runner import running_emulator

HELDOUT = Path(__file__).resolve().parent / "heldout" / "secrets.json"  # our own values, not vendored


def _planted(source: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    planted = copy.deepcopy(source)
    secrets: list[str] = []
    for plant in json.loads(HELDOUT.read_text())["plants"]:
        doc = next(d for d in planted["resources"] if arm.kind_of(d) == plant["kind"]
                   and (not plant.get("custom") or arm.props(d).get("policyType") == "Custom"))
        path = plant.get("append") or plant["set"]
        target = doc
        for step in path[:-1]:
            target = target.setdefault(step, {})
        if "append" in plant:
            target.setdefault(path[-1], []).append(copy.deepcopy(plant["value"]))
        else:
            target[path[-1]] = copy.deepcopy(plant["value"])
        secrets += plant["secrets"]
    return planted, secrets


@pytest.mark.skipif(not DEMO_TENANT.exists(), reason="examples/demo-tenant.json not present")
def test_held_out_secrets_appear_nowhere(tmp_path: Path) -> None:
    planted, secrets = _planted(json.loads(DEMO_TENANT.read_text()))
    assert all(s in json.dumps(planted) for s in secrets)  # the plants landed
    snapshot = tmp_path / "snap.json.gz"
    with running_emulator(planted, page_size=5) as emu:
        result = collect(emu, snapshot, verify_delivery=True)
    assert result.redacted >= len(secrets) - 3  # a few plants hold two secrets in one value
    # nothing else lost: the same documents, the receivers still there (the analysis counts them)
    assert sorted(arm.norm_id(d["id"]) for d in result.snapshot["resources"]) == \
        sorted(arm.norm_id(d["id"]) for d in planted["resources"])
    out, runner = tmp_path / "out", CliRunner()
    audited = runner.invoke(main, ["audit", "--snapshot", str(snapshot), "--out", str(out),
                                   "--format", "pdf,html,json,csv,sarif,md"])
    assert audited.exit_code == 3, audited.output
    remediated = runner.invoke(main, ["remediate", "--snapshot", str(snapshot), "--out", str(tmp_path / "fix"),
                                      "--format", "arm,bicep,terraform"])
    assert remediated.exit_code in (0, 3), remediated.output
    # the redacted copy of a snapshot collected by an older version (secrets still inside)
    old = tmp_path / "old.json"
    old.write_text(json.dumps(planted))
    shared = tmp_path / "shared.json"
    redacted = runner.invoke(main, ["redact", str(old), "-o", str(shared), "--map", str(tmp_path / "map.json")])
    assert redacted.exit_code == 0, redacted.output
    files = [snapshot, shared, tmp_path / "map.json",
             *(p for d in (out, tmp_path / "fix") for p in d.rglob("*") if p.is_file())]
    assert len(files) > 10
    for path in files:
        text = _text_of(path)
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{path.name} holds {leaked}"
    console = audited.output + remediated.output + redacted.output
    assert not [s for s in secrets if s in console]
