"""`auditor policy classify FILE... --json` (contract section 6)."""

from __future__ import annotations

import click

from auditor.cli import handle_errors
from auditor.errors import InputError


@click.group()
def policy() -> None:
    """Work with Azure Policy definitions."""


@policy.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the classification as JSON.")
@handle_errors
def classify(files: tuple[str, ...], as_json: bool) -> None:
    """Classify policy (set) definition files: do they deploy a subscription activity-log export?"""
    raise InputError("policy classify is not implemented yet")
