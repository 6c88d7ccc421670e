"""What every command shares: the exit codes and the one-line error handling (docs/cli.md).

Exit codes: 0 done; 1 findings at or above --fail-on; 2 usage error or unreadable input;
3 audit incomplete. Precedence 2 > 3 > 1 > 0. Every AuditorError becomes one line on
stderr and its exit code, never a traceback. Here, not in ``auditor.cli``, so that commands
never import the entry point that registers them (no cli <-> commands cycle).
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from auditor.errors import AuditorError
from auditor.termtext import clean_line

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3


def handle_errors(fn: F) -> F:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except AuditorError as e:
            click.echo(f"auditor: error: {clean_line(e)}", err=True)
            sys.exit(e.exit_code)
        except RecursionError:
            click.echo("auditor: error: the input is nested too deeply to process", err=True)
            sys.exit(EXIT_USAGE)
        except KeyboardInterrupt:
            click.echo("auditor: interrupted", err=True)
            sys.exit(130)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise  # usage errors: the group reports them
        except Exception as e:  # noqa: BLE001 - a bug still ends in one line, not a traceback
            if os.environ.get("AUDITOR_DEBUG"):
                raise
            where = traceback.extract_tb(e.__traceback__)[-1] if e.__traceback__ else None
            at = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
            click.echo(f"auditor: internal error: {type(e).__name__}: {clean_line(e)}{at} "
                       "(a bug: please report it; AUDITOR_DEBUG=1 shows the traceback)", err=True)
            sys.exit(EXIT_USAGE)

    return wrapper  # type: ignore[return-value]
