"""`auditor audit`: offline analysis and rendering (docs/cli.md).

With ``--snapshot`` it audits a snapshot file; without, it collects first (same options as
``auditor collect``) and keeps the snapshot as ``DIR/snapshot.json.gz``.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from auditor.analysis.context import AuditContext
from auditor.analysis.engine import audit as run_audit
from auditor.analysis.engine import audit_snapshot, highest_unwaived, write_findings
from auditor.azure.snapshot import Snapshot, load_snapshot
from auditor.commands.collect import COLLECT_OPTION_NAMES, collect_options, collect_options_from
from auditor.commands.common import EXIT_FINDINGS, EXIT_INCOMPLETE, handle_errors
from auditor.commands.diff import warn_other_scope
from auditor.commands.gc_policy import keep_until_exit
from auditor.config import Config, config_notes, load_config, with_frameworks
from auditor.console import print_summary, waiver_notes
from auditor.drift import compare, require_same_tenant
from auditor.errors import InputError
from auditor.frameworks import parse_framework_ids
from auditor.outfolder import OutputFolder
from auditor.outputs import atomic_target, check_output_dir
from auditor.progress import Activity
from auditor.render import COMPLIANCE_CSV, FILE_NAMES
from auditor.rules import rule_ids
from auditor.rules.base import SEVERITIES
from auditor.termtext import clean_line

FORMATS = ("pdf", "html", "json", "csv", "sarif", "md")
DEFAULT_FORMATS = "pdf,html,json"
SNAPSHOT_NAME = "snapshot.json.gz"  # what 'audit' without --snapshot collects into DIR


def parse_formats(value: str) -> list[str]:
    formats = [f.strip().lower() for f in value.split(",") if f.strip()]
    if not formats:  # findings.json alone is --format json, said so
        raise InputError(f"--format: no format given (choose from {', '.join(FORMATS)})")
    for f in formats:
        if f not in FORMATS:
            raise InputError(f"--format: unknown format '{f}' (choose from {', '.join(FORMATS)})")
    if "json" not in formats:
        formats.append("json")  # findings.json is always written
    return formats


EPILOG = """\b
Exit codes: 0 done; 1 an unwaived finding at or above --fail-on; 2 usage error or
unreadable input; 3 the audit is incomplete (a scope could not be read, see ALA-AUD-001).
Precedence 2 > 3 > 1 > 0."""


@click.command(short_help="Audit a snapshot (or collect first); write findings and reports.", epilog=EPILOG)
@click.option("--snapshot", type=click.Path(dir_okay=False), default=None,
              help="Snapshot to audit (.json or .json.gz); without it, collect first and keep DIR/snapshot.json.gz.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), metavar="DIR",
              help="Output folder (created if missing).")
@click.option("--format", "formats", default=DEFAULT_FORMATS, show_default=True,
              help="Comma-separated: pdf,html,json,csv,sarif,md (json is always written).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="auditor.toml: required categories, retention, central destinations, sensitive operations, "
                   "waivers.")
@click.option("--framework", "framework", default=None, metavar="ID[,ID]",
              help="Report status per control of these frameworks (see 'auditor frameworks'), e.g. "
                   "cis-azure-3.0.0,pci-dss-4.0; adds to the config's audit.frameworks and applies their parameters.")
@click.option("--baseline", type=click.Path(dir_okay=False), default=None,
              help="Previous snapshot: the report says what changed since.")
@click.option("--history", type=click.Path(file_okay=False), default=None, metavar="DIR",
              help="Earlier audits (findings.json files or snapshots): the reports show coverage, verdicts and "
                   "control status over time, like with like (same tenant and scope).")
@click.option("--fail-on", type=click.Choice(list(SEVERITIES), case_sensitive=False), default=None,
              help="Exit 1 when an unwaived finding of this severity or higher exists.")
@click.option("--sarif-artifact-path", default=None, metavar="PATH",
              help="The snapshot's path in the repository the SARIF is uploaded from (results point at it); "
                   "default: --snapshot as given when relative, else its file name.")
@click.option("-q", "--quiet", is_flag=True, help="No console summary.")
@click.option("--unmap", "unmap_path", type=click.Path(dir_okay=False), default=None, metavar="MAP",
              help="Pseudonym map from 'auditor redact': audit a shared snapshot (and a --config / --baseline "
                   "written against it) with the real names, in findings and reports.")
@collect_options
@handle_errors
def audit(snapshot: str | None, out_dir: str, formats: str, config_path: str | None, framework: str | None,
          baseline: str | None, history: str | None, fail_on: str | None, sarif_artifact_path: str | None,
          quiet: bool, unmap_path: str | None,
          **collect_params: Any) -> None:
    """Audit a snapshot (or collect one first) and write findings.json and the reports into DIR."""
    wanted = parse_formats(formats)
    if sarif_artifact_path is not None:
        from auditor.render.sarif import check_artifact_path

        check_artifact_path(sarif_artifact_path)
    others = [f for f in wanted if f != "json"]
    if snapshot is not None:
        refuse_collection_options(click.get_current_context())
    back = _load_map(unmap_path) if unmap_path else None
    selected = parse_framework_ids(framework, "--framework") if framework else ()
    config = with_frameworks(load_config(config_path, rule_ids(), selected), selected)
    baseline_snap = _load_baseline(baseline) if baseline else None  # bad baseline: exit 2 before writing
    out = check_output_dir(out_dir, "--out")
    folder = OutputFolder(out, "audit", {"--snapshot": snapshot, "--config": config_path, "--baseline": baseline,
                                         "--unmap": unmap_path})
    folder.refuse_inputs(["findings.json", *(FILE_NAMES[f] for f in others),
                          *([COMPLIANCE_CSV] if "csv" in others and config.frameworks else []),
                          *([] if snapshot else [SNAPSHOT_NAME])])
    collected = snapshot is None
    if snapshot is None:
        snapshot = str(_collect_first(folder, collect_params, quiet))
    snap = load_snapshot(snapshot)
    keep_until_exit()  # the snapshot is read until the end: the collector need not scan it again
    if back is not None:  # before the tenant check: a real baseline meets the shared snapshot in real names
        snap, config, baseline_snap = _real_names(back, str(unmap_path), snap, config, baseline_snap)
    if baseline_snap is not None:
        require_same_tenant(baseline_snap.tenant_id, snap.tenant_id, "--baseline and --snapshot")
        warn_other_scope(baseline_snap, snap, "--baseline", "--snapshot")
    if baseline_snap is not None and baseline_snap.collected_at > snap.collected_at:
        click.echo(f"auditor: note: the --baseline snapshot was collected after this one "
                   f"({baseline_snap.raw['collectedAt']} > {snap.raw['collectedAt']}): 'since the previous audit' "
                   "runs backwards", err=True)
    with Activity.for_terminal(quiet) as activity, folder.stage() as staging:
        ctx = AuditContext(snap, config)
        with activity.step("analysis"):
            findings = run_audit(ctx)
        keep_until_exit()
        with activity.step("writing findings.json"), atomic_target(staging / "findings.json") as tmp:
            write_findings(findings, tmp)
        drift = None
        if baseline_snap is not None:
            with activity.step("analysis of the baseline"):
                drift = compare(audit_snapshot(baseline_snap, config), findings)
        trend = None
        if history is not None:
            from auditor.trend import build_trend, load_history

            with activity.step("earlier audits (--history)"):
                trend = build_trend(load_history(history, lambda s: audit_snapshot(s, config)), findings)
        if others:
            from auditor.remediate import plan_from_findings
            from auditor.render import render_reports

            with activity.step("remediation plan"):
                # projected coverage after remediation, for the report: from the findings and the model
                plan = plan_from_findings(findings, snap, config, ctx.azure).as_dict()
            del ctx  # the analysis' indexes are not needed by the reports: free them before rendering
            render_reports(findings, snap, staging, others, drift=drift, plan=plan, activity=activity,
                           sarif_artifact_path=sarif_artifact_path, trend=trend)
    folder.finish()
    # notes once the audit is written: a usage error (another tenant's --baseline, a bad --history) stays one line
    for line in config_notes(config, snap.root_management_group_id, snap.get):
        click.echo(f"auditor: note: {clean_line(line)}", err=True)
    for line in folder.notes():
        click.echo(f"auditor: note: {clean_line(line)}", err=True)
    if not quiet:
        shown = {p.name for p in folder.written} | ({SNAPSHOT_NAME} if collected else set())
        print_summary(findings, out, files=[n for n in [SNAPSHOT_NAME, "findings.json",
                                                        *(FILE_NAMES[f] for f in others), COMPLIANCE_CSV]
                                            if n in shown])
    for line in waiver_notes(findings):  # also with --quiet, as the exit-3 line
        click.echo(f"auditor: {clean_line(line)}", err=True)
    exit_code = 0
    if snap.errors:  # one stderr line, as for exit 1, also with --quiet (CI logs say why)
        click.echo(f"auditor: the audit is incomplete: {len(snap.errors)} scope(s) or call(s) could not be read "
                   "(ALA-AUD-001): exit 3", err=True)
        exit_code = EXIT_INCOMPLETE
    worst = highest_unwaived(findings)
    if fail_on and worst and SEVERITIES.index(worst) >= SEVERITIES.index(fail_on.lower()):
        threshold = SEVERITIES.index(fail_on.lower())
        n = sum(1 for f in findings["findings"] if f["waiver"] is None and SEVERITIES.index(f["severity"]) >= threshold)
        # printed also when exit 3 wins (precedence 3 > 1): the threshold was crossed all the same
        code = "exit 1" if not exit_code else "exit 3 takes precedence over exit 1"
        click.echo(f"auditor: {n} unwaived finding(s) at or above {fail_on.lower()} (--fail-on): {code}", err=True)
        exit_code = exit_code or EXIT_FINDINGS
    if exit_code:
        sys.exit(exit_code)


def _real_names(back: dict[str, str], map_path: str, snap: Snapshot, config: Config,
                baseline: Snapshot | None) -> tuple[Snapshot, Config, Snapshot | None]:
    """A shared snapshot (and the config and baseline written against it) in real names.

    Pseudonymisation changes no judgement (tests/test_redact.py), so auditing the snapshot with its
    names restored gives the owner's findings, reports and plan in real names and in their order.
    """
    from auditor.redact.pseudonyms import unmap_config, unmap_snapshot

    if snap.tenant_id not in back:
        raise InputError(f"--unmap {map_path} does not belong to this snapshot: its tenant {snap.tenant_id} is not "
                         "a pseudonym in that map (was the snapshot made by 'auditor redact' with this map?)")
    if baseline is not None and baseline.tenant_id in back:
        baseline = unmap_snapshot(baseline, back)
    return unmap_snapshot(snap, back), unmap_config(config, back), baseline


def _load_map(path: str) -> dict[str, str]:
    from auditor.redact.mapfile import read_map

    entries, _, _ = read_map(path)
    return entries


def _load_baseline(path: str) -> Snapshot:
    try:
        return load_snapshot(path)
    except InputError as e:
        raise InputError(f"--baseline: {e}") from None


def _collect_first(folder: OutputFolder, collect_params: dict[str, Any], quiet: bool) -> Path:
    """Collect into ``DIR/snapshot.json.gz``, published on its own (kept even if the audit then fails)."""
    from auditor.collect import run_collection

    target = folder.out / SNAPSHOT_NAME
    if folder.replaceable(SNAPSHOT_NAME) is not None:
        raise InputError(f"{target} was not written by auditor (or was changed since): collecting would replace "
                         "it; move it, choose another --out, or audit it with --snapshot")
    options = collect_options_from(collect_params, None)
    with folder.stage() as staging:
        options.output, options.summary = staging / SNAPSHOT_NAME, False
        if quiet:
            options.progress = False
        result = run_collection(options)
    if not quiet:  # the summary names the published file, not its staging copy
        click.echo(clean_line(dataclasses.replace(result, output=str(target)).summary()), err=True)
    return target


def refuse_collection_options(ctx: click.Context) -> None:
    """With --snapshot nothing is collected: a collection option given would be silently ignored."""
    given = [p for p in ctx.command.params if p.name in COLLECT_OPTION_NAMES and p.name
             and ctx.get_parameter_source(p.name) in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)]
    if given:
        names = ", ".join(p.opts[-1] if p.opts[-1].startswith("--") else p.opts[0] for p in given)
        raise InputError(f"collection options ({names}) do not apply with --snapshot: they change what is "
                         "collected, and the snapshot is already collected")
