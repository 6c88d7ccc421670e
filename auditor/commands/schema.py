"""`auditor schema snapshot|findings`: the JSON Schema of a file format, as shipped.

Meaning of every field: docs/snapshot-format.md and docs/findings-format.md.
"""

from __future__ import annotations

import click

from auditor.commands.common import handle_errors
from auditor.schemas import NAMES, schema_text


@click.command()
@click.argument("name", type=click.Choice(NAMES))
@handle_errors
def schema(name: str) -> None:
    """Print the JSON Schema (draft 2020-12) of the snapshot or of findings.json.

    Validate your own files with any JSON Schema tool; what each field means and when
    schemaVersion changes is documented in docs/snapshot-format.md and docs/findings-format.md.
    """
    click.echo(schema_text(name), nl=False)
