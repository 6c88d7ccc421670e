"""`auditor frameworks [--json]`: the compliance frameworks ``audit --framework`` accepts."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from auditor.commands.common import handle_errors
from auditor.frameworks import all_frameworks


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the frameworks, their controls and sources as JSON.")
@handle_errors
def frameworks(as_json: bool) -> None:
    """List the frameworks (ids for audit --framework), their versions and controls."""
    if as_json:
        out = []
        for f in all_frameworks():
            entry = f.summary()
            entry["controls"] = [{"id": c.id, "title": c.title, "judged": c.manual is None,
                                  **({"manual": c.manual} if c.manual else {}),
                                  **({"parameters": c.parameters} if c.parameters else {})} for c in f.controls]
            out.append(entry)
        click.echo(json.dumps(out, indent=2))
        return
    table = Table(title="compliance frameworks (audit --framework ID[,ID])",
                  caption="auditor frameworks --json adds every control, its parameters and the sources")
    table.add_column("id", no_wrap=True)
    for col in ("framework", "version", "controls", "judged"):
        table.add_column(col)
    for f in all_frameworks():
        judged = sum(1 for c in f.controls if c.manual is None)
        table.add_row(f.id, f.name, f.version, str(len(f.controls)), str(judged))
    Console().print(table)
