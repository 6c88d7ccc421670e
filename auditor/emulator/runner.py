"""Starting and stopping the emulator: the CLI's foreground server and the test/bench API.

``running_emulator`` is the Python entry point for tests and benches::

    with running_emulator("snapshot.json", page_size=5, faults="503=0.1", seed=1) as emu:
        client = ManagementGroupsAPI(credential, base_url=emu.endpoint, connection_verify=emu.ca_cert)

By default the server runs on an event loop in a background thread of the calling process
(fast to start, ``emu.emulator`` exposes the store and counters). ``in_subprocess=True`` runs
``python -m auditor emulate`` instead, so a benchmark's client and server do not share a GIL.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from aiohttp import web

from auditor.azure.snapshot import Snapshot
from auditor.emulator.server import ArmEmulator, EmulatorOptions
from auditor.emulator.store import SnapshotStore
from auditor.emulator.tls import TlsFiles, create_tls_files
from auditor.errors import InputError


@dataclass
class RunningEmulator:
    """A started emulator. ``endpoint`` is ``https://127.0.0.1:PORT`` (``https://localhost:PORT`` with
    regional next links); ``ca_cert`` the CA PEM path."""

    endpoint: str
    ca_cert: str
    emulator: ArmEmulator | None = None  # None when running in a subprocess
    process: subprocess.Popen[str] | None = None

    @property
    def port(self) -> int:
        return int(self.endpoint.rsplit(":", 1)[1])


async def start_server(emulator: ArmEmulator, tls: TlsFiles, port: int = 0) -> tuple[web.AppRunner, str]:
    """Bind 127.0.0.1:``port`` with TLS; returns the runner (for cleanup) and the endpoint URL.

    With regional next links the endpoint is named ``localhost`` (its regional aliases are
    ``<region>.localhost``, RFC 6761 loopback names the certificate covers).
    """
    runner = web.AppRunner(emulator.app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, ssl_context=tls.server_context(), backlog=4096)
    await site.start()
    server = site._server  # aiohttp exposes the bound socket only here
    sockets = getattr(server, "sockets", None) or []
    bound = sockets[0].getsockname()[1] if sockets else port
    host = "localhost" if emulator.options.regional_next_links else "127.0.0.1"
    return runner, f"https://{host}:{bound}"


def options_from(**kwargs: Any) -> EmulatorOptions:
    known = {f.name for f in fields(EmulatorOptions)}
    unknown = set(kwargs) - known
    if unknown:
        raise TypeError(f"unknown emulator option(s): {', '.join(sorted(unknown))}")
    return EmulatorOptions(**kwargs)


def serve_forever(snapshot_path: str, options: EmulatorOptions) -> None:
    """Foreground server for ``auditor emulate``: print the endpoint line, serve until SIGINT/SIGTERM.

    Raises InputError (exit 2) for an unreadable snapshot or a bad fault spec before binding.
    """
    store = SnapshotStore.from_source(snapshot_path)
    emulator = ArmEmulator(store, options)
    with contextlib.ExitStack() as stack:
        stack.callback(emulator.close)
        ca_dir = options.ca_dir or stack.enter_context(tempfile.TemporaryDirectory(prefix="auditor-emulator-"))
        tls = create_tls_files(ca_dir)
        asyncio.run(_serve(emulator, tls, options.port))


async def _serve(emulator: ArmEmulator, tls: TlsFiles, port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runner, endpoint = await start_server(emulator, tls, port)
    try:
        sys.stdout.write(json.dumps({"endpoint": endpoint, "caCert": str(tls.ca_cert)}) + "\n")
        sys.stdout.flush()
        await stop.wait()
    finally:
        await runner.cleanup()


@contextlib.contextmanager
def running_emulator(snapshot: str | Path | dict[str, Any] | Snapshot, *, in_subprocess: bool = False,
                     **options: Any) -> Iterator[RunningEmulator]:
    """Run an emulator for the duration of a ``with`` block.

    ``snapshot``: path (plain or .gz), parsed snapshot dict, or loaded Snapshot. ``options``:
    the fields of :class:`EmulatorOptions` (``page_size``, ``latency_ms``, ``faults``, ``seed``,
    ``request_log``, ``throttle_bucket``, ``throttle_refill``, ``ca_dir``, ``port``,
    ``regional_next_links``, ``role`` (a role definition dict or file to enforce)).
    """
    opts = options_from(**options)
    if in_subprocess:
        with _subprocess_emulator(snapshot, opts) as running:
            yield running
        return
    store = SnapshotStore.from_source(snapshot)
    emulator = ArmEmulator(store, opts)
    with contextlib.ExitStack() as stack:
        stack.callback(emulator.close)
        ca_dir = opts.ca_dir or stack.enter_context(tempfile.TemporaryDirectory(prefix="auditor-emulator-"))
        tls = create_tls_files(ca_dir)
        thread = _ServerThread(emulator, tls, opts.port)
        endpoint = thread.start_and_wait()
        stack.callback(thread.stop)
        yield RunningEmulator(endpoint=endpoint, ca_cert=str(tls.ca_cert), emulator=emulator)


class _ServerThread:
    """An event loop in a daemon thread serving one emulator."""

    def __init__(self, emulator: ArmEmulator, tls: TlsFiles, port: int) -> None:
        self._emulator, self._tls, self._port = emulator, tls, port
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._endpoint = ""
        self._error: BaseException | None = None
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._run, name="auditor-emulator", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._runner, self._endpoint = self._loop.run_until_complete(
                start_server(self._emulator, self._tls, self._port))
        except BaseException as e:  # reported to the starting thread
            self._error = e
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()
        if self._runner is not None:
            self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    def start_and_wait(self) -> str:
        self._thread.start()
        self._ready.wait(timeout=30)
        if self._error is not None:
            raise self._error
        if not self._endpoint:
            raise RuntimeError("emulator did not start within 30 s")
        return self._endpoint

    def stop(self) -> None:
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


@contextlib.contextmanager
def _subprocess_emulator(snapshot: str | Path | dict[str, Any] | Snapshot,
                         opts: EmulatorOptions) -> Iterator[RunningEmulator]:
    with tempfile.TemporaryDirectory(prefix="auditor-emulator-") as tmp:
        if isinstance(snapshot, Snapshot):
            snapshot = snapshot.raw
        if isinstance(snapshot, dict):
            path = Path(tmp) / "snapshot.json"
            path.write_text(json.dumps(snapshot), encoding="utf-8")
            snapshot = path
        cmd = [sys.executable, "-m", "auditor", "emulate", str(snapshot), "--port", str(opts.port),
               "--page-size", str(opts.page_size), "--latency-ms", str(opts.latency_ms),
               "--seed", str(opts.seed), "--throttle-bucket", str(opts.throttle_bucket),
               "--throttle-refill", str(opts.throttle_refill), "--ca-dir", str(opts.ca_dir or Path(tmp) / "ca")]
        if opts.faults:
            spec = opts.faults if isinstance(opts.faults, str) else ",".join(f"{k}={v}" for k, v in opts.faults.items())
            cmd += ["--faults", spec]
        if opts.request_log:
            cmd += ["--request-log", str(opts.request_log)]
        if opts.regional_next_links:
            cmd += ["--regional-next-links"]
        if opts.role is not None:
            role_path = opts.role
            if isinstance(role_path, dict):
                role_path = Path(tmp) / "role.json"
                role_path.write_text(json.dumps(opts.role), encoding="utf-8")
            cmd += ["--role", str(role_path)]
        stderr_path = Path(tmp) / "stderr.txt"
        with open(stderr_path, "w", encoding="utf-8") as stderr:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr, text=True,
                                    env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if not line:
                proc.wait(timeout=10)
                err = stderr_path.read_text(encoding="utf-8").strip()
                if proc.returncode == 2:  # bad input: the same one-line error as in-process
                    raise InputError(err.removeprefix("auditor: error: "))
                raise RuntimeError(f"emulator subprocess failed to start: {err}")
            info = json.loads(line)
            yield RunningEmulator(endpoint=info["endpoint"], ca_cert=info["caCert"], process=proc)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
