"""`auditor emulate SNAPSHOT` (contract section 7)."""

from __future__ import annotations

import click

from auditor.cli import handle_errors
from auditor.errors import InputError


@click.command()
@click.argument("snapshot", type=click.Path(dir_okay=False))
@click.option("--port", type=int, default=0, show_default=True, help="Port on 127.0.0.1 (0: any free port).")
@click.option("--latency-ms", type=int, default=0, show_default=True, help="Added to every answer.")
@click.option("--faults", default="", help="e.g. 429=0.1,500=0.05,503=0.05,reset=0.02")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for fault injection.")
@click.option("--request-log", type=click.Path(dir_okay=False), default=None, help="JSON-lines request log.")
@handle_errors
def emulate(snapshot: str, port: int, latency_ms: int, faults: str, seed: int, request_log: str | None) -> None:
    """Serve a snapshot as Azure Resource Manager over HTTPS."""
    raise InputError("emulate is not implemented yet")
