"""`auditor remediate` (docs/cli.md)."""

from __future__ import annotations

import click

from auditor.commands.common import handle_errors


@click.command(short_help="Write the policy, identities, roles and remediation tasks that close the gaps.")
@click.option("--snapshot", required=True, type=click.Path(dir_okay=False),
              help="Snapshot to plan for (.json or .json.gz).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), metavar="DIR",
              help="Output folder: README.md (what to deploy, in order), plan.json, arm/, bicep/, terraform/, "
                   "scripts/.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="auditor.toml, as for 'auditor audit' (central destinations, required categories).")
@click.option("--format", "formats", default="arm,bicep,terraform", show_default=True,
              help="Comma-separated: arm,bicep,terraform.")
@click.option("-q", "--quiet", is_flag=True, help="No console summary (notes and errors still go to stderr).")
@handle_errors
def remediate(snapshot: str, out_dir: str, config_path: str | None, formats: str, quiet: bool) -> None:
    """Write the policy, identities, role assignments and remediation tasks that close the gaps.

    Nothing is deployed: DIR/README.md lists the steps in order with the rights each needs.
    """
    from auditor.analysis.context import AuditContext
    from auditor.analysis.engine import audit
    from auditor.config import load_config
    from auditor.outputs import check_output_dir
    from auditor.remediate import build_plan, parse_formats, write_plan
    from auditor.rules import rule_ids
    from auditor.snapshot import load_snapshot
    from auditor.termtext import clean_line

    chosen = parse_formats(formats)
    check_output_dir(out_dir, "--out")
    snap = load_snapshot(snapshot)
    config = load_config(config_path, rule_ids())
    ctx = AuditContext(snap, config)
    plan = build_plan(ctx, audit(ctx))  # the plan reads the audit's findings, never re-judges
    folder = write_plan(plan, out_dir, chosen, inputs={"--snapshot": snapshot, "--config": config_path})
    for line in folder.notes():
        click.echo(f"auditor: note: {clean_line(line)}", err=True)
    if quiet:
        return
    s = plan.summary()
    click.echo(
        f"{len([a for a in plan.actions if a.files(chosen)])} deployable actions, "
        f"{len(folder.written)} files in {out_dir}; effective enforcement: "
        f"{s['now']['effective']} now, {s['projected']['effective']} after the plan"
    )
