"""`auditor collect` (contract sections 2 and 3)."""

from __future__ import annotations

import click

from auditor.cli import handle_errors
from auditor.errors import InputError


@click.command()
@click.option("--management-group", default=None, help="Start below the tenant root group.")
@click.option("--cloud", default="AzureCloud", show_default=True,
              type=click.Choice(["AzureCloud", "AzureUSGovernment", "AzureChinaCloud"]))
@click.option("--concurrency", type=int, default=32, show_default=True)
@click.option("--emulator", default=None, help="Emulator URL (uses a placeholder token).")
@click.option("--ca-cert", type=click.Path(dir_okay=False), default=None, help="CA certificate of the emulator.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Snapshot file to write.")
@handle_errors
def collect(management_group: str | None, cloud: str, concurrency: int, emulator: str | None,
            ca_cert: str | None, output: str) -> None:
    """Read-only collection of a tenant into a snapshot file."""
    raise InputError("collect is not implemented yet")
