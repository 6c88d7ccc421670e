"""`auditor collect` (contract sections 2 and 3): read-only collection into a snapshot file.

Exit codes: 0 complete; 3 incomplete (a scope or call could not be read: see the snapshot's
``errors``); 2 usage error (one line, nothing collected).
"""

from __future__ import annotations

import sys

import click

from auditor.cli import EXIT_INCOMPLETE, handle_errors
from auditor.collect import CLOUDS, DEFAULT_CONCURRENCY, CollectOptions, run_collection
from auditor.collect.options import emulator_env_warning


@click.command()
@click.option("--management-group", default=None, help="Start below the tenant root group (name or id).")
@click.option("--cloud", default=None, type=click.Choice(list(CLOUDS)),
              help="Azure cloud (default AzureCloud); selects the ARM endpoint and the sign-in authority.")
@click.option("--concurrency", type=int, default=DEFAULT_CONCURRENCY, show_default=True,
              help="Requests in flight at once.")
@click.option("--emulator", default=None, help="Emulator URL, https on 127.0.0.1 (uses a placeholder token).")
@click.option("--ca-cert", type=click.Path(dir_okay=False), default=None, help="CA certificate of the emulator.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Snapshot file to write (.gz for gzip).")
@handle_errors
def collect(management_group: str | None, cloud: str | None, concurrency: int, emulator: str | None,
            ca_cert: str | None, output: str) -> None:
    """Read-only collection of a tenant into a snapshot file."""
    options = CollectOptions(output=output, management_group=management_group, cloud=cloud,
                             concurrency=concurrency, emulator=emulator, ca_cert=ca_cert)
    if emulator:
        note = emulator_env_warning()
        if note:
            click.echo(f"auditor: note: {note}", err=True)
    result = run_collection(options)
    if result.incomplete:
        sys.exit(EXIT_INCOMPLETE)
