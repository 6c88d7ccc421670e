"""`auditor emulate SNAPSHOT` (docs/emulator.md)."""

from __future__ import annotations

import click

from auditor.commands.common import handle_errors
from auditor.errors import InputError


@click.command(short_help="Serve a snapshot as Azure Resource Manager over HTTPS (try collect offline).")
@click.argument("snapshot", type=click.Path(dir_okay=False))
@click.option("--port", type=int, default=0, show_default=True, help="Port on 127.0.0.1 (0: any free port).")
@click.option("--latency-ms", type=int, default=0, show_default=True, help="Added to every answer.")
@click.option("--faults", default="", help="Share of requests failed on purpose, e.g. 429=0.1,500=0.05,reset=0.02")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for fault injection.")
@click.option("--request-log", type=click.Path(dir_okay=False), default=None, help="JSON-lines request log.")
@click.option("--page-size", type=int, default=100, show_default=True, help="Items per page of every paged list.")
@click.option("--throttle-bucket", type=int, default=250, show_default=True,
              help="Read tokens per subscription (and for the tenant); 0 disables throttling.")
@click.option("--throttle-refill", type=float, default=25.0, show_default=True, help="Tokens added per second.")
@click.option("--ca-dir", type=click.Path(file_okay=False), default=None,
              help="Where to write ca.pem and the server key (default: a temporary directory).")
@click.option("--regional-next-links", is_flag=True, default=False,
              help="Serve as https://localhost:PORT and put every paging link on a regional alias "
                   "(https://westus.localhost:PORT/...), as ARM pages policy states on westus.management.azure.com.")
@click.option("--role", "role", type=click.Path(dir_okay=False), default=None, metavar="ROLE.json",
              help="Enforce this role definition (as 'auditor role' prints it): 403 for every request whose "
                   "action it lacks; Resource Graph returns only the types it may read.")
@handle_errors
def emulate(snapshot: str, port: int, latency_ms: int, faults: str, seed: int, request_log: str | None,
            page_size: int, throttle_bucket: int, throttle_refill: float, ca_dir: str | None,
            regional_next_links: bool, role: str | None) -> None:
    """Serve a snapshot as Azure Resource Manager over HTTPS (prints one JSON line, then serves).

    \b
    The line is {"endpoint": "https://127.0.0.1:PORT", "caCert": "/path/ca.pem"} (the endpoint is
    https://localhost:PORT with --regional-next-links); then
      auditor collect --emulator ENDPOINT --ca-cert CACERT -o copy.json.gz
    collects from it exactly as from Azure. Stop with Ctrl-C.
    """
    from auditor.emulator.runner import serve_forever
    from auditor.emulator.server import EmulatorOptions
    from auditor.emulator.traffic import parse_fault_spec

    if not 0 <= port <= 65535:
        raise InputError(f"--port {port} is not a TCP port")
    if latency_ms < 0:
        raise InputError("--latency-ms must not be negative")
    if page_size < 1:
        raise InputError("--page-size must be at least 1")
    if throttle_refill < 0:
        raise InputError("--throttle-refill must not be negative")
    parse_fault_spec(faults)  # bad spec: exit 2 before anything starts
    if role is not None:
        from auditor.emulator.authorization import Role

        Role.from_source(role)  # bad role file: exit 2 before anything starts
    if ca_dir is not None:
        _check_ca_dir(ca_dir)
    options = EmulatorOptions(port=port, page_size=page_size, latency_ms=latency_ms, faults=faults, seed=seed,
                              request_log=request_log, throttle_bucket=throttle_bucket,
                              throttle_refill=throttle_refill, ca_dir=ca_dir,
                              regional_next_links=regional_next_links, role=role)
    try:
        serve_forever(snapshot, options)
    except OSError as e:  # name the file or folder at fault (a port in use has none)
        where = f" ({e.filename})" if e.filename else ""
        raise InputError(f"emulator cannot start: {e.strerror or e}{where}") from None


def _check_ca_dir(ca_dir: str) -> None:
    """--ca-dir is created if missing and must be writable: checked, and named, before serving."""
    import os
    from pathlib import Path

    path = Path(ca_dir)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"--ca-dir {path}: cannot create the folder: {e.strerror or e}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise InputError(f"--ca-dir {path}: the folder is not writable")
