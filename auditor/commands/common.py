"""What every command shares: the exit codes and the one-line error handling (docs/cli.md).

Exit codes: 0 done; 1 findings at or above --fail-on; 2 usage error or unreadable input;
3 audit incomplete. Precedence 2 > 3 > 1 > 0. Every AuditorError becomes one line on
stderr and its exit code, never a traceback. Ctrl-C exits 130, SIGTERM 143, both after the
same cleanup (no partial output, no temporary file left). Here, not in ``auditor.cli``, so that commands
never import the entry point that registers them (no cli <-> commands cycle).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
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


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is: what cleans up after Ctrl-C (staging folders,
    temporary files) cleans up after a ``kill`` too."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated()


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only (a command called from a test's worker thread)
        return
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def handle_errors(fn: F) -> F:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with _sigterm_raises():
                return fn(*args, **kwargs)
        except AuditorError as e:
            click.echo(f"auditor: error: {clean_line(e)}", err=True)
            sys.exit(e.exit_code)
        except RecursionError:
            click.echo("auditor: error: the input is nested too deeply to process", err=True)
            sys.exit(EXIT_USAGE)
        except Terminated:
            click.echo("auditor: terminated", err=True)
            sys.exit(128 + signal.SIGTERM)
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
