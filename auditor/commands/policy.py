"""`auditor policy classify FILE... --json` (contract section 6)."""

from __future__ import annotations

import json

import click

from auditor.cli import handle_errors


@click.group()
def policy() -> None:
    """Work with Azure Policy definitions."""


@policy.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the classification as JSON.")
@handle_errors
def classify(files: tuple[str, ...], as_json: bool) -> None:
    """Classify policy (set) definition files: do they deploy a subscription activity-log export?

    Sets are judged by their members, looked up among the other FILES and the built-in
    definitions shipped with the tool; members found nowhere are listed, not guessed.
    """
    from auditor.policy import classify_files

    results = classify_files(files)
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in results], indent=2))
        return
    for r in results:
        verdict = "EXPORT" if r.deploys_subscription_activity_log_export else "no"
        cats = r.categories if isinstance(r.categories, str) or r.categories is None else ",".join(r.categories)
        click.echo(f"{verdict:6} {r.kind:10} effect={r.effect} destination={r.destination} "
                   f"categories={cats} {r.file}")
        click.echo(f"       {r.reason}")
        if r.unknown_members:
            click.echo(f"       unknown members ({len(r.unknown_members)}): not judged")
