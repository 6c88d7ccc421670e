"""`auditor diff OLD NEW` (contract section 2)."""

from __future__ import annotations

import click

from auditor.cli import handle_errors
from auditor.errors import InputError


@click.command()
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", default="md", show_default=True, type=click.Choice(["md", "json"]))
@handle_errors
def diff(old: str, new: str, fmt: str) -> None:
    """What changed between two audits (snapshots)."""
    raise InputError("diff is not implemented yet")
