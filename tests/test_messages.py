"""What the tool tells its user (issue 19, items 6 and 8): options never silently ignored, the
same common options across commands, and messages that are true, complete and said once."""

from __future__ import annotations

import asyncio
import copy
import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click
import pytest
from aiohttp import web
from collect_support import tenant
from test_cli import ROOT_MG, SUB, assert_one_line_error, run, small_snapshot, write

from auditor.cli import main
from auditor.collect import CollectOptions, run_collection
from auditor.collect.collector import sdk_logs_silenced
from auditor.emulator.runner import running_emulator
from auditor.emulator.tls import create_tls_files
from auditor.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo-tenant.json"
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}


# --- item 6: options -------------------------------------------------------------------------------

@pytest.mark.parametrize("extra", [["--verify-delivery"], ["--verify-delivery", "--delivery-window-days", "30"],
                                   ["--concurrency", "8"], ["--management-group", "mg"]])
def test_collection_options_with_a_snapshot_are_refused(tmp_path: Path, extra: list[str]) -> None:
    snap = write(tmp_path, "s.json", small_snapshot())
    proc = run("audit", "--snapshot", str(snap), "--out", str(tmp_path / "o"), "--format", "json", *extra)
    assert_one_line_error(proc, "do not apply with --snapshot", extra[0])
    assert not (tmp_path / "o").exists()  # refused before anything is created


def test_the_common_options_are_the_same_across_commands() -> None:
    commands = {name: cmd for name, cmd in main.commands.items()}  # type: ignore[attr-defined]

    def options(name: str) -> dict[str, click.Option]:
        return {p.name or "": p for p in commands[name].params if isinstance(p, click.Option)}

    def shown(name: str, option: str) -> tuple[tuple[str, ...], str]:  # flags and what --help shows
        p = options(name)[option]
        return tuple(p.opts), p.make_metavar(click.Context(commands[name])) if not p.is_flag else ""

    for name in ("collect", "audit", "remediate"):
        assert shown(name, "quiet") == (("-q", "--quiet"), ""), name
    for name in ("audit", "remediate", "diff"):
        assert shown(name, "config_path") == (("--config",), "FILE"), name
        assert shown(name, "out_dir") == (("--out",), "DIR"), name
        assert "--format" in [o for p in options(name).values() for o in p.opts], name


def test_collect_quiet_says_nothing_unless_incomplete(tmp_path: Path) -> None:
    complete = tenant(3, errors=False)
    partial = small_snapshot(errors=[{"scope": f"/subscriptions/{SUB}", "operation": "diagnosticSettings",
                                      "status": 403, "code": "AuthorizationFailed", "message": "denied"}])
    for doc, code, lines in ((complete, 0, 0), (partial, 3, 1)):
        with running_emulator(doc) as emu:
            proc = run("collect", "--emulator", emu.endpoint, "--ca-cert", emu.ca_cert, "-o",
                       str(tmp_path / "c.json.gz"), "-q")
        assert proc.returncode == code, proc.stderr
        assert proc.stdout == "" and len(proc.stderr.splitlines()) == lines, proc.stderr
        if lines:
            assert "incomplete" in proc.stderr


# --- item 8: messages ------------------------------------------------------------------------------

def test_the_demo_readme_counts_what_the_tool_counts_and_fail_on_still_speaks(tmp_path: Path) -> None:
    readme = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
    said = re.search(r"the exit code is \*\*3\*\* because (\w+) scopes or calls could not\s+be read", readme)
    assert said, "examples/README.md explains exit 3"
    proc = run("audit", "--snapshot", str(DEMO), "--config", str(ROOT / "examples" / "auditor.toml"), "--out",
               str(tmp_path / "o"), "--format", "json", "-q", "--fail-on", "high")
    assert proc.returncode == 3, proc.stderr
    counted = re.search(r"the audit is incomplete: (\d+) scope\(s\) or call\(s\) could not be read", proc.stderr)
    assert counted and NUMBERS[said.group(1)] == int(counted.group(1)) == len(json.loads(DEMO.read_text())["errors"])
    assert re.search(r"unwaived finding\(s\) at or above high \(--fail-on\): exit 3 takes precedence", proc.stderr)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _collect_fails_without_retrying(endpoint: str, ca_cert: str, needle: str) -> None:
    """With a 30 s backoff one retry alone would take 15 s or more: finishing sooner proves there was none."""
    started = time.monotonic()
    with pytest.raises(InputError, match=needle):
        run_collection(CollectOptions(emulator=endpoint, ca_cert=ca_cert, progress=False, summary=False,
                                      retry_backoff=30))
    assert time.monotonic() - started < 15


def test_a_certificate_error_is_not_retried(tmp_path: Path) -> None:
    other_ca = create_tls_files(tmp_path / "other").ca_cert
    with running_emulator(small_snapshot()) as emu:
        _collect_fails_without_retrying(emu.endpoint, str(other_ca), "(?i)certificate")


def test_a_refused_connection_is_not_retried(tmp_path: Path) -> None:
    ca = create_tls_files(tmp_path / "ca").ca_cert
    _collect_fails_without_retrying(f"https://127.0.0.1:{_free_port()}", str(ca), "cannot reach")


def test_policy_classify_reports_each_bad_file_and_judges_the_others(tmp_path: Path) -> None:
    good = ROOT / "policies" / "activity-log-to-storage.json"
    template = write(tmp_path, "template.json", {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/"
                                                            "deploymentTemplate.json#", "resources": []})
    text = tmp_path / "notes.json"
    text.write_text("not json")
    proc = run("policy", "classify", str(template), str(good), str(text))
    assert proc.returncode == 2
    assert proc.stdout.startswith("EXPORT") and str(good) in proc.stdout
    errors = proc.stderr.splitlines()
    assert len(errors) == 2 and "Traceback" not in proc.stderr
    assert str(template) in errors[0] and "deployment template" in errors[0]
    assert str(text) in errors[1] and "not valid JSON" in errors[1]
    as_json = run("policy", "classify", str(template), str(good), "--json")
    assert as_json.returncode == 2 and [r["file"] for r in json.loads(as_json.stdout)] == [str(good)]


async def _list_blobs_behind_a_proxy_that_answers_plain_text() -> str:
    """A 403 whose body claims XML but is not (a proxy or gateway): the storage SDK logs twice, then raises."""
    from azure.storage.blob.aio import ContainerClient

    async def forbidden(request: web.Request) -> web.Response:
        return web.Response(status=403, text="Forbidden by proxy", content_type="application/xml")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forbidden)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    client = ContainerClient.from_container_url(f"http://127.0.0.1:{port}/acct/insights-activity-logs")
    try:
        async for _ in client.list_blobs():
            pass
        return "listed"
    except Exception as e:  # noqa: BLE001 - the SDK's error type is not the point here
        return type(e).__name__
    finally:
        await client.close()
        await runner.cleanup()


def test_the_blob_decode_noise_is_not_printed(caplog: pytest.LogCaptureFixture) -> None:
    def noise() -> int:
        return sum(1 for r in caplog.records if "Wasn't XML not JSON" in r.getMessage())

    assert asyncio.run(_list_blobs_behind_a_proxy_that_answers_plain_text()) == "HttpResponseError"
    assert noise() == 2  # the SDK's noise, without the guard (printed on stderr outside pytest)
    caplog.clear()
    with sdk_logs_silenced():
        assert asyncio.run(_list_blobs_behind_a_proxy_that_answers_plain_text()) == "HttpResponseError"
    assert noise() == 0


def _at_group(doc: dict[str, Any], group: str) -> dict[str, Any]:
    """The same tenant collected from ``group`` (a child of the root) down."""
    doc = copy.deepcopy(doc)
    child = f"/providers/Microsoft.Management/managementGroups/{group}"
    doc["resources"].insert(0, {"id": child, "type": "Microsoft.Management/managementGroups", "name": group,
                                "properties": {"displayName": group, "details": {"parent": {"id": ROOT_MG}},
                                               "children": doc["resources"][0]["properties"].pop("children")}})
    doc["resources"][0]["properties"]["children"] = [{"id": child, "type": "Microsoft.Management/managementGroups",
                                                     "name": group, "displayName": group}]
    doc["resources"].pop(1)  # the root itself is outside the scope
    doc["rootManagementGroupId"] = child
    return doc


def test_a_diff_of_two_scopes_warns(tmp_path: Path) -> None:
    old = write(tmp_path, "old.json", small_snapshot())
    newer = _at_group(small_snapshot(), "platform")
    newer["collectedAt"] = "2026-11-29T10:00:00Z"
    new = write(tmp_path, "new.json", newer)
    proc = run("diff", str(old), str(new))
    assert proc.returncode == 0, proc.stderr
    warning = [ln for ln in proc.stderr.splitlines() if "different management groups" in ln]
    assert len(warning) == 1 and "root" in warning[0] and "platform" in warning[0]
    same = run("diff", str(old), str(old))
    assert "different management groups" not in same.stderr
    baseline = run("audit", "--snapshot", str(new), "--baseline", str(old), "--out", str(tmp_path / "o"),
                   "--format", "json", "-q")
    assert baseline.returncode == 0 and "different management groups" in baseline.stderr


def test_emulate_names_a_ca_dir_it_cannot_use(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    proc = subprocess.run([sys.executable, "-m", "auditor", "emulate", str(DEMO), "--ca-dir", str(blocker / "ca")],
                          capture_output=True, text=True, timeout=60)
    assert_one_line_error(proc, "--ca-dir", str(blocker / "ca"))
