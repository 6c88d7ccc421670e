"""`auditor rules [--json]`: the rule catalogue."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from auditor.commands.common import handle_errors
from auditor.rules import all_rules


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as JSON.")
@handle_errors
def rules(as_json: bool) -> None:
    """List every rule with severity, title and control mappings."""
    catalogue = [r.catalogue_entry() for r in all_rules()]
    if as_json:
        click.echo(json.dumps(catalogue, indent=2))
        return
    table = Table(title="auditor rule catalogue", show_lines=False,
                  caption="auditor rules --json adds each rule's rationale and remediation")
    for col in ("id", "severity", "title", "controls"):
        table.add_column(col)
    for r in catalogue:
        table.add_row(r["id"], r["severity"], r["title"], ", ".join(r["controls"]))
    Console().print(table)
