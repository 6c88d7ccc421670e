"""`auditor emulate` as a process: the endpoint line, clean stop on signals, exit 2 on bad input."""

from __future__ import annotations

import json
import signal
import ssl
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from test_emulator_data import SUB_DIAG, tenant_snapshot

from auditor.emulator import running_emulator
from auditor.errors import InputError


def _start(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "auditor", "emulate", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _get(endpoint: str, ca: str, path: str) -> dict[str, object]:
    req = urllib.request.Request(endpoint + path, headers={"Authorization": "Bearer t"})
    with urllib.request.urlopen(req, context=ssl.create_default_context(cafile=ca), timeout=10) as r:
        return json.loads(r.read())


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_prints_one_json_line_serves_and_stops_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    snap = tmp_path / "snap.json"
    snap.write_text(json.dumps(tenant_snapshot()))
    log = tmp_path / "requests.jsonl"
    proc = _start([str(snap), "--ca-dir", str(tmp_path / "ca"), "--request-log", str(log), "--page-size", "2"])
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        assert set(info) == {"endpoint", "caCert"}
        assert info["endpoint"].startswith("https://127.0.0.1:")
        assert Path(info["caCert"]) == tmp_path / "ca" / "ca.pem"
        body = _get(info["endpoint"], info["caCert"], f"/subscriptions/{SUB_DIAG}?api-version=2022-12-01")
        assert body["subscriptionId"] == SUB_DIAG
        page = _get(info["endpoint"], info["caCert"], "/subscriptions?api-version=2022-12-01")
        assert len(page["value"]) == 2 and str(page["nextLink"]).startswith(info["endpoint"])
    finally:
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert out == "" and "Traceback" not in err
    assert len(log.read_text().splitlines()) == 2


def test_bad_snapshot_and_bad_options_exit_2_with_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"schemaVersion": 1, "resources": [')
    wrong_version = tmp_path / "v9.json"
    wrong_version.write_text(json.dumps({**tenant_snapshot(), "schemaVersion": 9}))
    good = tmp_path / "good.json"
    good.write_text(json.dumps(tenant_snapshot()))
    cases = [
        [str(tmp_path / "missing.json")],
        [str(broken)],
        [str(wrong_version)],
        [str(good), "--faults", "429=0.1,bogus=0.2"],
        [str(good), "--faults", "500=0.9,503=0.9"],
        [str(good), "--page-size", "0"],
    ]
    for args in cases:
        proc = _start(args)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 2, (args, err)
        assert out == ""
        assert len(err.strip().splitlines()) == 1 and err.startswith("auditor: error:"), err


def test_running_emulator_in_a_subprocess(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    with running_emulator(tenant_snapshot(), in_subprocess=True, request_log=log, page_size=3) as emu:
        assert emu.emulator is None and emu.process is not None
        page = _get(emu.endpoint, emu.ca_cert, "/subscriptions?api-version=2022-12-01")
        assert len(page["value"]) == 3
        proc = emu.process
    assert proc.poll() == 0
    assert json.loads(log.read_text().splitlines()[0])["status"] == 200


def test_running_emulator_in_a_subprocess_reports_bad_input_like_in_process(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="snapshot not found"), \
            running_emulator(tmp_path / "absent.json", in_subprocess=True):
        pass
