"""`auditor collect` (docs/cli.md, docs/snapshot-format.md): read-only collection into a snapshot file.

Exit codes: 0 complete; 3 incomplete (a scope or call could not be read: see the snapshot's
``errors``); 2 usage error (one line, nothing collected).

``collect_options`` and ``collect_options_from`` are shared with ``auditor audit``, which
collects first when it is given no ``--snapshot``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from auditor.collect import CLOUDS, DEFAULT_CONCURRENCY, CollectOptions, run_collection
from auditor.collect.options import emulator_env_warning
from auditor.commands.common import EXIT_INCOMPLETE, handle_errors
from auditor.errors import InputError
from auditor.outputs import check_output_file
from auditor.termtext import clean_line

F = TypeVar("F", bound=Callable[..., Any])

COLLECT_OPTION_NAMES = ("management_group", "cloud", "concurrency", "emulator", "ca_cert", "verify_delivery",
                        "delivery_window_days")


def collect_options(fn: F) -> F:
    """The collection options of docs/cli.md (all but the output)."""
    for option in reversed([
        click.option("--management-group", default=None, help="Start below the tenant root group (name or id)."),
        click.option("--cloud", default=None, type=click.Choice(list(CLOUDS)),
                     help="Azure cloud (default AzureCloud): ARM endpoint and sign-in authority."),
        click.option("--concurrency", type=int, default=DEFAULT_CONCURRENCY, show_default=True,
                     help="Requests in flight at once."),
        click.option("--emulator", default=None, metavar="URL",
                     help="Collect from 'auditor emulate' (its endpoint, https://127.0.0.1:PORT) instead of Azure; "
                          "no sign-in."),
        click.option("--ca-cert", type=click.Path(dir_okay=False), default=None,
                     help="The emulator's CA certificate (the caCert that 'auditor emulate' prints)."),
        click.option("--verify-delivery", is_flag=True, default=None,
                     help="Also prove delivery: query each destination workspace, list each destination "
                          "storage container, read Defender plans and Sentinel (needs data-plane read roles; "
                          "see docs/collection.md)."),
        click.option("--delivery-window-days", type=int, default=None, metavar="DAYS",
                     help="With --verify-delivery: how many days back to look for events (default 7)."),
    ]):
        fn = option(fn)
    return fn


def collect_options_from(params: dict[str, Any], output: str | Path | None) -> CollectOptions:
    """CollectOptions from the parsed ``collect_options`` values (extra keys are ignored)."""
    if params.get("emulator"):
        note = emulator_env_warning()
        if note:
            click.echo(f"auditor: note: {note}", err=True)
    given: dict[str, Any] = {k: params[k] for k in COLLECT_OPTION_NAMES if params.get(k) is not None}
    if "delivery_window_days" in given and not given.get("verify_delivery"):
        raise InputError("--delivery-window-days needs --verify-delivery")
    return CollectOptions(output=output, **given)


@click.command(short_help="Read-only collection of a tenant into a snapshot file.")
@collect_options
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Snapshot file to write (.gz for gzip).")
@click.option("-q", "--quiet", is_flag=True,
              help="No progress display and no summary line (exit 3 still says why on stderr).")
@handle_errors
def collect(output: str, quiet: bool, **params: Any) -> None:
    """Read-only collection of a tenant into a snapshot file.

    Signs in with DefaultAzureCredential (az login, service principal environment variables,
    managed identity) and needs Reader and Management Group Reader at the tenant root group
    (or the --management-group), or the least-privilege role 'auditor role' prints; it writes
    nothing to Azure. Exit 3 when a scope or call could
    not be read: the snapshot is still written and records what is missing.
    """
    check_output_file(output, "-o")  # before any request is sent
    if params.get("ca_cert") and os.path.realpath(output) == os.path.realpath(params["ca_cert"]):
        raise InputError(f"-o {output} is the --ca-cert file: auditor never overwrites its input")
    options = collect_options_from(params, output)
    if quiet:
        options.progress, options.summary = False, False
    result = run_collection(options)
    if result.incomplete:
        if quiet:  # as 'audit -q': exit 3 says why, in one line
            click.echo(clean_line(result.summary()), err=True)
        sys.exit(EXIT_INCOMPLETE)
