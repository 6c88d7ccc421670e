"""`auditor diff OLD NEW` (docs/cli.md): what changed between two audits.

Both snapshots are audited with the same configuration, then compared by
:func:`auditor.drift.compare`. Markdown goes to stdout by default; ``--format json`` prints
the drift document; ``--out DIR`` writes ``drift.md`` / ``drift.json`` instead. Exit 3 when
either snapshot is incomplete, as for ``audit``: a change there may be a reading gap.
"""

from __future__ import annotations

import json
import sys

import click

from auditor.commands.common import EXIT_INCOMPLETE, handle_errors
from auditor.errors import InputError

DIFF_FORMATS = ("md", "json")


def _formats(value: str) -> list[str]:
    wanted = [f.strip().lower() for f in value.split(",") if f.strip()]
    bad = [f for f in wanted if f not in DIFF_FORMATS]
    if bad or not wanted:
        raise InputError(f"--format: unknown format '{', '.join(bad) or value}' (choose from md, json)")
    return wanted


@click.command(short_help="What changed between two audits (snapshots).")
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", default="md", show_default=True, help="Comma-separated: md,json.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="auditor.toml applied to both audits.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Write drift.md / drift.json here instead of printing.")
@handle_errors
def diff(old: str, new: str, fmt: str, config_path: str | None, out_dir: str | None) -> None:
    """What changed between two audits (snapshots)."""
    from auditor.analysis.engine import audit_snapshot
    from auditor.config import load_config
    from auditor.drift import compare, require_same_tenant
    from auditor.outputs import check_output_dir, remove_stale, write_atomic
    from auditor.render.markdown import drift_lines
    from auditor.rules import rule_ids
    from auditor.snapshot import load_snapshot
    from auditor.termtext import clean_block

    wanted = _formats(fmt)
    out = check_output_dir(out_dir, "--out") if out_dir is not None else None
    config = load_config(config_path, rule_ids())
    old_snap, new_snap = load_snapshot(old), load_snapshot(new)
    require_same_tenant(old_snap.tenant_id, new_snap.tenant_id, "OLD and NEW")
    if old_snap.collected_at > new_snap.collected_at:
        click.echo(f"auditor: note: OLD was collected after NEW ({old_snap.raw['collectedAt']} > "
                   f"{new_snap.raw['collectedAt']}): the drift runs backwards; swap them?", err=True)
    drift = compare(audit_snapshot(old_snap, config), audit_snapshot(new_snap, config))
    drift["incomplete"] = {"old": bool(old_snap.errors), "new": bool(new_snap.errors)}
    texts = {"md": "\n".join(drift_lines(drift)).rstrip() + "\n",
             "json": json.dumps(drift, indent=2, ensure_ascii=False) + "\n"}
    if out is not None:
        written = [write_atomic(out / f"drift.{f}", texts[f]) for f in wanted]
        remove_stale(out, [f"drift.{f}" for f in DIFF_FORMATS], written)
    else:
        click.echo(clean_block("\n".join(texts[f] for f in wanted)), nl=False)
    if old_snap.errors or new_snap.errors:
        which = ("both snapshots record" if old_snap.errors and new_snap.errors
                 else f"the {'old' if old_snap.errors else 'new'} snapshot records")
        click.echo(f"auditor: note: {which} unreadable scopes (ALA-AUD-001): a change "
                   "there may be a reading gap, not a change in the tenant (exit 3)", err=True)
        sys.exit(EXIT_INCOMPLETE)
