"""`auditor diff OLD NEW` (docs/cli.md): what changed between two audits.

Both snapshots are audited with the same configuration, then compared by
:func:`auditor.drift.compare`. Markdown goes to stdout by default; ``--format json`` prints
the drift document; ``--out DIR`` writes ``drift.md`` / ``drift.json`` instead. Exit 3 when
either snapshot is incomplete, as for ``audit``: a change there may be a reading gap.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from auditor.commands.common import EXIT_INCOMPLETE, handle_errors
from auditor.errors import InputError

if TYPE_CHECKING:
    from auditor.azure.snapshot import Snapshot

DIFF_FORMATS = ("md", "json")


def _formats(value: str) -> list[str]:
    wanted = [f.strip().lower() for f in value.split(",") if f.strip()]
    if not wanted:
        raise InputError("--format: no format given (choose from md, json)")
    bad = [f for f in wanted if f not in DIFF_FORMATS]
    if bad:
        raise InputError(f"--format: unknown format '{', '.join(bad) or value}' (choose from md, json)")
    return wanted


@click.command(short_help="What changed between two audits (snapshots).")
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", default="md", show_default=True, help="Comma-separated: md,json.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="auditor.toml applied to both audits.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None, metavar="DIR",
              help="Write drift.md / drift.json here instead of printing.")
@handle_errors
def diff(old: str, new: str, fmt: str, config_path: str | None, out_dir: str | None) -> None:
    """What changed between two audits (snapshots)."""
    from auditor.analysis.engine import audit_snapshot
    from auditor.azure.snapshot import load_snapshot
    from auditor.config import load_config
    from auditor.drift import compare, require_same_tenant
    from auditor.outfolder import OutputFolder
    from auditor.outputs import check_output_dir
    from auditor.render.markdown import drift_lines
    from auditor.rules import rule_ids
    from auditor.termtext import clean_block, clean_line

    wanted = _formats(fmt)
    out = check_output_dir(out_dir, "--out") if out_dir is not None else None
    folder = OutputFolder(out, "diff", {"OLD": old, "NEW": new, "--config": config_path}) if out else None
    if folder is not None:
        folder.refuse_inputs(f"drift.{f}" for f in wanted)  # before any work
    config = load_config(config_path, rule_ids())
    old_snap, new_snap = load_snapshot(old), load_snapshot(new)
    require_same_tenant(old_snap.tenant_id, new_snap.tenant_id, "OLD and NEW")
    warn_other_scope(old_snap, new_snap, "OLD", "NEW")
    if old_snap.collected_at > new_snap.collected_at:
        click.echo(f"auditor: note: OLD was collected after NEW ({old_snap.raw['collectedAt']} > "
                   f"{new_snap.raw['collectedAt']}): the drift runs backwards; swap them?", err=True)
    drift = compare(audit_snapshot(old_snap, config), audit_snapshot(new_snap, config))
    drift["incomplete"] = {"old": bool(old_snap.errors), "new": bool(new_snap.errors)}
    texts = {"md": "\n".join(drift_lines(drift)).rstrip() + "\n",
             "json": json.dumps(drift, indent=2, ensure_ascii=False) + "\n"}
    if folder is not None:
        with folder.stage() as staging:
            for f in wanted:
                (staging / f"drift.{f}").write_text(texts[f], encoding="utf-8")
        folder.finish()
        for line in folder.notes():
            click.echo(f"auditor: note: {clean_line(line)}", err=True)
    else:
        click.echo(clean_block("\n".join(texts[f] for f in wanted)), nl=False)
    if old_snap.errors or new_snap.errors:
        which = ("both snapshots record" if old_snap.errors and new_snap.errors
                 else f"the {'old' if old_snap.errors else 'new'} snapshot records")
        click.echo(f"auditor: note: {which} unreadable scopes (ALA-AUD-001): a change "
                   "there may be a reading gap, not a change in the tenant (exit 3)", err=True)
        sys.exit(EXIT_INCOMPLETE)


def warn_other_scope(old: Snapshot, new: Snapshot, old_name: str, new_name: str) -> None:
    """A note when two snapshots of one tenant start at different management groups.

    Everything outside the smaller scope would read as added or removed: a change of scope,
    not of the tenant."""
    a, b = old.raw.get("rootManagementGroupId"), new.raw.get("rootManagementGroupId")
    if isinstance(a, str) and isinstance(b, str) and a.lower() != b.lower():
        from auditor.termtext import clean_line

        click.echo(f"auditor: warning: {old_name} and {new_name} were collected at different management groups "
                   f"({clean_line(a)} and {clean_line(b)}): what lies outside one scope reads as added or "
                   "removed, not changed in the tenant", err=True)
