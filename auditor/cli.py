"""Command line (docs/cli.md): the ``auditor`` group, usage errors as one line, the commands registered.

Thin: the commands (auditor/commands/) parse options and call the feature modules; exit codes
and error handling are in auditor/commands/common.py.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from auditor import __version__
from auditor.commands import register_commands
from auditor.commands.common import EXIT_OK, EXIT_USAGE
from auditor.commands.gc_policy import batch_run
from auditor.schemas import FINDINGS_SCHEMA_VERSION, SNAPSHOT_SCHEMA_VERSION
from auditor.termtext import clean_line

VERSION_MESSAGE = (f"%(prog)s %(version)s\nsnapshot schemaVersion {SNAPSHOT_SCHEMA_VERSION}\n"
                   f"findings schemaVersion {FINDINGS_SCHEMA_VERSION}")


class _Group(click.Group):
    """Usage errors exit 2 with one line (click's default prints usage text first)."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("standalone_mode", True)
        try:
            with batch_run():
                return super().main(*args, **{**kwargs, "standalone_mode": False})
        except click.exceptions.NoArgsIsHelpError as e:
            click.echo(e.ctx.get_help())
            sys.exit(EXIT_OK)
        except click.UsageError as e:
            click.echo(f"auditor: error: {clean_line(e.format_message())} (see '{_help_command(e.ctx)}')", err=True)
            sys.exit(EXIT_USAGE)
        except click.exceptions.Exit as e:
            sys.exit(e.exit_code)
        except click.exceptions.Abort:
            click.echo("auditor: aborted", err=True)
            sys.exit(130)
        except click.ClickException as e:
            click.echo(f"auditor: error: {clean_line(e.format_message())}", err=True)
            sys.exit(EXIT_USAGE)


def _help_command(ctx: click.Context | None) -> str:
    """'auditor policy classify --help' for a usage error inside that command, whatever argv[0] was."""
    names: list[str] = []
    while ctx is not None and ctx.parent is not None:
        names.insert(0, ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(["auditor", *names, "--help"])


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="auditor", message=VERSION_MESSAGE)
def main() -> None:
    """Audit Azure activity-log export coverage and the Azure Policy that enforces it."""


register_commands(main)
