"""`auditor policy classify FILE... --json` (docs/policy.md)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from auditor.commands.common import EXIT_USAGE, handle_errors

if TYPE_CHECKING:
    from auditor.azure.policy.classification import Classification


@click.group()
def policy() -> None:
    """Work with Azure Policy definitions."""


@policy.command(short_help="Does a policy (set) definition deploy a subscription activity-log export?")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the classification as JSON.")
@handle_errors
def classify(files: tuple[str, ...], as_json: bool) -> None:
    """Classify policy (set) definition files: do they deploy a subscription activity-log export?

    Sets are judged by their members, looked up among the other FILES and the built-in
    definitions shipped with the tool; members found nowhere are listed, not guessed. A file
    that is not a definition is reported (one stderr line) and the others are still judged;
    the exit code is then 2.
    """
    from auditor.azure.policy import classify_files
    from auditor.termtext import clean_line

    errors: list[str] = []
    results = classify_files(files, errors)
    for message in errors:
        click.echo(f"auditor: error: {clean_line(message)}", err=True)
    _print(results, as_json)
    if errors:
        sys.exit(EXIT_USAGE)


def _print(results: list[Classification], as_json: bool) -> None:
    from auditor.termtext import clean_line

    if as_json:
        click.echo(json.dumps([r.as_dict() for r in results], indent=2))
        return
    for r in results:
        click.echo(clean_line(_line(r)))
        click.echo(f"        {clean_line(r.reason)}")
        if r.unknown_members:
            names = [m.rstrip("/").rsplit("/", 1)[-1] for m in r.unknown_members]
            more = f" and {len(names) - 3} more" if len(names) > 3 else ""
            click.echo(f"        unknown members: {clean_line(', '.join(names[:3]))}{more}; "
                       "give their definition files too to judge them")


def _line(r: Classification) -> str:
    """One line per file: verdict, kind, then only the facts that are known."""
    # a set whose members could not all be looked up is not judged: "unknown", never "no"
    verdict = "EXPORT" if r.deploys_subscription_activity_log_export else "unknown" if r.unknown_members else "no"
    cats = r.categories if isinstance(r.categories, str) or r.categories is None else ",".join(r.categories)
    if cats == "parameterised" and r.category_parameters:
        by_default = "none" if r.default_categories == [] else ",".join(r.default_categories or ["unknown"])
        cats = f"parameterised({','.join(r.category_parameters)}; default {by_default})"
    facts = [f"{k}={v}" for k, v in (("effect", r.effect), ("destination", r.destination), ("categories", cats))
             if v is not None]
    return " ".join([f"{verdict:7} {r.kind:10}", *facts, r.file or ""])
