"""The wheel is the product: built from the repository, installed into a fresh virtualenv (what
``pipx install`` does) and run from a folder outside the checkout, every feature works.

No ``--system-site-packages``: a dependency missing from ``pyproject.toml`` must fail here.
Dependencies come from pip's configured index and cache. Slow by nature (~1 minute); one
installation serves every test of the module.
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from schema_check import assert_valid

from auditor import __version__
from auditor.rules import all_rules
from auditor.schemas import schema_text

ROOT = Path(__file__).resolve().parent.parent
IGNORED = shutil.ignore_patterns(".git", ".venv", "out", "build", "dist", "*.egg-info", "__pycache__", "*.pyc",
                                 ".pytest_cache", ".mypy_cache", ".ruff_cache", "_shipped", "bench")
EXPORT_BUILTIN = "/providers/Microsoft.Authorization/policyDefinitions/2465583e-4e78-4c15-b6be-a36cbc7c8b0f"
FORMATS = {"pdf": "report.pdf", "html": "report.html", "json": "findings.json", "csv": "findings.csv",
           "sarif": "findings.sarif", "md": "summary.md"}


@dataclass(frozen=True)
class Installed:
    bin: Path
    run_dir: Path
    env: dict[str, str]

    def auditor(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.bin / "auditor"), *args], cwd=self.run_dir, env=self.env, text=True,
                              capture_output=True, timeout=timeout, check=False)

    def python(self, code: str) -> str:
        done = subprocess.run([str(self.bin / "python"), "-c", code], cwd=self.run_dir, env=self.env, text=True,
                              capture_output=True, timeout=60, check=True)
        return done.stdout.strip()


def _run(cmd: list[str], cwd: Path, timeout: float = 600) -> None:
    done = subprocess.run(cmd, cwd=cwd, text=True, capture_output=True, timeout=timeout, check=False)
    tail = f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert done.returncode == 0, f"{' '.join(cmd)} failed ({done.returncode}):\n{tail}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    shutil.copytree(ROOT, src, ignore=IGNORED)  # a pristine tree: no stale build/ in the checkout
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(base / "dist"), str(src)], base)
    wheels = list((base / "dist").glob("auditor-*.whl"))
    assert len(wheels) == 1, wheels
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], base)
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheels[0])], base)
    run_dir = base / "elsewhere"
    run_dir.mkdir()
    for name in ("demo-tenant.json", "auditor.toml"):
        shutil.copy(ROOT / "examples" / name, run_dir / name)
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "AUDITOR_DEBUG"}}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    yield Installed(venv / "bin", run_dir, env)


def test_the_installed_package_is_the_wheel_not_the_checkout(installed: Installed) -> None:
    where = Path(installed.python("import auditor; print(auditor.__file__)"))
    assert "site-packages" in where.parts and ROOT not in where.parents
    templates = Path(installed.python("from auditor.shipped import report_templates; print(report_templates())"))
    assert templates.parent.name == "_shipped" and (templates / "report_pdf.html.j2").is_file()


def test_audit_writes_all_six_formats(installed: Installed) -> None:
    done = installed.auditor("audit", "--snapshot", "demo-tenant.json", "--config", "auditor.toml", "--out", "out",
                             "--format", ",".join(FORMATS), "--quiet")
    assert done.returncode == 3, done.stderr  # the demo tenant has unreadable scopes on purpose
    assert "internal error" not in done.stderr
    out = installed.run_dir / "out"
    for name in FORMATS.values():
        assert (out / name).stat().st_size > 0, name
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    assert "<html" in (out / "report.html").read_text(encoding="utf-8").lower()
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert findings["findings"] and findings["tool"]["version"] == __version__
    assert_valid(findings, "findings", "findings.json written by the installed wheel")


def test_remediate_writes_a_plan_and_deployable_files(installed: Installed) -> None:
    done = installed.auditor("remediate", "--snapshot", "demo-tenant.json", "--config", "auditor.toml",
                             "--out", "remediation")
    assert done.returncode == 0, done.stderr
    out = installed.run_dir / "remediation"
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["actions"]
    for action in plan["actions"]:
        for f in action["files"]:
            assert (out / f).is_file(), f
    for fmt in ("arm", "bicep", "terraform"):
        assert any((out / fmt).iterdir()), fmt


def test_remediate_deploys_the_projects_own_definitions(installed: Installed) -> None:
    """With a central storage account the plan deploys the definition shipped in policies/."""
    storage = ("/subscriptions/04721934-0ac7-56ab-aff9-e0d191685d24/resourceGroups/rg-contoso-mgmt-logging"
               "/providers/Microsoft.Storage/storageAccounts/stcontosoactlog")
    (installed.run_dir / "storage.toml").write_text(f'[audit]\ncentral_destinations = ["{storage}"]\n',
                                                    encoding="utf-8")
    done = installed.auditor("remediate", "--snapshot", "demo-tenant.json", "--config", "storage.toml",
                             "--out", "remediation-storage", "--format", "arm")
    assert done.returncode == 0, done.stderr
    arm_dir = installed.run_dir / "remediation-storage" / "arm"
    [definition] = arm_dir.glob("*definition-auditor-activity-log-to-storage*")
    deployed = json.loads(definition.read_text(encoding="utf-8"))["resources"][0]["properties"]
    shipped = json.loads((ROOT / "policies" / "activity-log-to-storage.json").read_text(encoding="utf-8"))["properties"]
    assert (deployed["displayName"], deployed["parameters"]) == (shipped["displayName"], shipped["parameters"])


def test_policy_classify_uses_the_shipped_builtins_and_policies(installed: Installed) -> None:
    policies = Path(installed.python("from auditor.shipped import policies; print(policies())"))
    assert policies.parent.name == "_shipped"
    shipped = sorted(p.name for p in policies.glob("*.json"))
    assert shipped == sorted(p.name for p in (ROOT / "policies").glob("*.json"))
    a_set = installed.run_dir / "set.json"
    a_set.write_text(json.dumps({"properties": {
        "displayName": "export set", "policyType": "Custom", "parameters": {},
        "policyDefinitions": [{"policyDefinitionReferenceId": "toLaw", "policyDefinitionId": EXPORT_BUILTIN,
                               "parameters": {}}]}}), encoding="utf-8")
    done = installed.auditor("policy", "classify", "--json", str(a_set), str(policies / "activity-log-to-storage.json"))
    assert done.returncode == 0, done.stderr
    by_file = {Path(r["file"]).name: r for r in json.loads(done.stdout)}
    # the set's only member is known from the built-ins shipped in the wheel, not guessed
    assert by_file["set.json"]["deploys_subscription_activity_log_export"] is True
    assert not by_file["set.json"].get("unknownMembers")
    assert by_file["activity-log-to-storage.json"]["deploys_subscription_activity_log_export"] is True
    assert by_file["activity-log-to-storage.json"]["destination"] == "storage"


def test_rules_lists_the_catalogue(installed: Installed) -> None:
    done = installed.auditor("rules", "--json")
    assert done.returncode == 0, done.stderr
    assert [r["id"] for r in json.loads(done.stdout)] == [r.id for r in all_rules()]


def test_emulate_serves_then_stops(installed: Installed) -> None:
    proc = subprocess.Popen([str(installed.bin / "auditor"), "emulate", "demo-tenant.json", "--ca-dir", "ca"],
                            cwd=installed.run_dir, env=installed.env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        line = json.loads(proc.stdout.readline())
        ctx = ssl.create_default_context(cafile=str(installed.run_dir / line["caCert"]))
        url = line["endpoint"] + "/subscriptions?api-version=2022-12-01"
        request = urllib.request.Request(url, headers={"Authorization": "Bearer placeholder"})
        with urllib.request.urlopen(request, context=ctx, timeout=30) as answer:
            body = json.loads(answer.read())
        assert body["value"] and all(s["subscriptionId"] for s in body["value"])
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert proc.returncode is not None


def test_version_and_schemas_come_with_the_wheel(installed: Installed) -> None:
    done = installed.auditor("--version")
    assert done.returncode == 0 and done.stdout.splitlines()[0] == f"auditor {__version__}"
    assert "snapshot schemaVersion" in done.stdout and "findings schemaVersion" in done.stdout
    for name in ("snapshot", "findings"):
        done = installed.auditor("schema", name)
        assert done.returncode == 0 and done.stdout == schema_text(name)
