"""`auditor audit` (contract section 2)."""

from __future__ import annotations

import click

from auditor.cli import handle_errors
from auditor.errors import InputError


@click.command()
@click.option("--snapshot", type=click.Path(dir_okay=False), default=None)
@handle_errors
def audit(snapshot: str | None) -> None:
    """Audit a snapshot offline and write findings and reports."""
    raise InputError("audit is not implemented yet")
