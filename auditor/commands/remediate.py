"""`auditor remediate` (contract section 2)."""

from __future__ import annotations

import click

from auditor.cli import handle_errors
from auditor.errors import InputError


@click.command()
@click.option("--snapshot", required=True, type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False))
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None)
@click.option("--format", "formats", default="arm,bicep,terraform", show_default=True)
@handle_errors
def remediate(snapshot: str, out_dir: str, config_path: str | None, formats: str) -> None:
    """Write the policy, identities, role assignments and remediation tasks that close the gaps."""
    raise InputError("remediate is not implemented yet")
