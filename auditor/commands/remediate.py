"""`auditor remediate` (docs/cli.md)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from auditor.commands.common import handle_errors

if TYPE_CHECKING:
    from auditor.azure.snapshot import Snapshot
    from auditor.config import Config


def read_findings(path: str, snap: Snapshot, config: Config) -> dict[str, Any]:
    """A findings.json written by an audit of ``snap`` with ``config``; anything else is one clear line."""
    from auditor.errors import InputError
    from auditor.schemas import FINDINGS_SCHEMA_VERSION

    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        raise InputError(f"--findings {path}: cannot read it ({e.strerror or e})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"--findings {path}: not a findings.json ({e})") from None
    if not isinstance(doc, dict) or doc.get("schemaVersion") != FINDINGS_SCHEMA_VERSION:
        raise InputError(f"--findings {path}: not a findings.json of schemaVersion {FINDINGS_SCHEMA_VERSION}")
    if doc.get("snapshotSha256") != snap.sha256:
        raise InputError(f"--findings {path}: written for another snapshot (snapshotSha256 differs from "
                         f"{snap.source})")
    if json.loads(json.dumps(config.as_dict())) != doc.get("config"):
        raise InputError(f"--findings {path}: audited with another configuration: pass the same --config")
    return doc


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
@click.option("--findings", "findings_path", type=click.Path(dir_okay=False), default=None,
              help="findings.json that 'auditor audit' wrote for this snapshot and config: plan from it "
                   "instead of auditing again.")
@click.option("--framework", "framework", default=None, metavar="ID[,ID]",
              help="Apply these frameworks' parameters as 'audit --framework' does (CIS: alerts for its operations).")
@click.option("-q", "--quiet", is_flag=True, help="No console summary (notes and errors still go to stderr).")
@handle_errors
def remediate(snapshot: str, out_dir: str, config_path: str | None, formats: str, findings_path: str | None,
              framework: str | None,
              quiet: bool) -> None:
    """Write the policy, identities, role assignments and remediation tasks that close the gaps.

    Nothing is deployed: DIR/README.md lists the steps in order with the rights each needs.
    """
    from auditor.analysis.context import AuditContext
    from auditor.analysis.engine import audit
    from auditor.azure.snapshot import load_snapshot
    from auditor.commands.gc_policy import keep_until_exit
    from auditor.config import config_notes, load_config, with_frameworks
    from auditor.frameworks import parse_framework_ids
    from auditor.outputs import check_output_dir
    from auditor.remediate import parse_formats, plan_from_findings, write_plan
    from auditor.rules import rule_ids
    from auditor.termtext import clean_line

    chosen = parse_formats(formats)
    check_output_dir(out_dir, "--out")
    snap = load_snapshot(snapshot)
    keep_until_exit()  # read until the end: the collector need not scan it again
    selected = parse_framework_ids(framework, "--framework") if framework else ()
    config = with_frameworks(load_config(config_path, rule_ids(), selected), selected)
    if findings_path is not None:
        plan = plan_from_findings(read_findings(findings_path, snap, config), snap, config)
    else:
        ctx = AuditContext(snap, config)
        plan = plan_from_findings(audit(ctx), snap, config, ctx.azure)  # findings and the model, never re-judged
    folder = write_plan(plan, out_dir, chosen,
                        inputs={"--snapshot": snapshot, "--config": config_path, "--findings": findings_path})
    # notes once the plan is written: a usage error (a --findings file of another snapshot) stays one line
    for line in config_notes(config, snap.root_management_group_id, snap.get):
        click.echo(f"auditor: note: {clean_line(line)}", err=True)
    for line in folder.notes():
        click.echo(f"auditor: note: {clean_line(line)}", err=True)
    if plan.destination.placeholder and config.central_destinations:
        click.echo("auditor: note: no audit.central_destinations entry is a Log Analytics workspace, storage account "
                   f"or Event Hub authorization rule: the export destination is a placeholder "
                   f"({clean_line(plan.destination.id)}) in {out_dir}", err=True)
    if quiet:
        return
    s = plan.summary()
    click.echo(
        f"{len([a for a in plan.actions if a.files(chosen)])} deployable actions, "
        f"{len(folder.written)} files in {out_dir}; effective enforcement: "
        f"{s['now']['effective']} now, {s['projected']['effective']} after the plan"
    )
