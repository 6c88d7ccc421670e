"""Report renderers: PDF, HTML, CSV, SARIF and Markdown from one findings dict.

``render_reports`` is the single entry point used by ``auditor audit``; findings.json itself
is written by the audit command. Every format is computed from the same view model
(:mod:`auditor.render.model`) so they cannot disagree.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from auditor.azure.snapshot import Snapshot
from auditor.errors import InputError
from auditor.outputs import atomic_target
from auditor.progress import Activity
from auditor.termtext import shown

FORMATS = ("pdf", "html", "csv", "sarif", "md")
FILE_NAMES = {"pdf": "report.pdf", "html": "report.html", "csv": "findings.csv", "sarif": "findings.sarif",
              "md": "summary.md"}
COMPLIANCE_CSV = "compliance.csv"  # with csv, when frameworks are selected: one row per control


def render_reports(findings: dict[str, Any], snapshot: Snapshot, out_dir: Path, formats: Sequence[str],
                   drift: dict[str, Any] | None = None, plan: dict[str, Any] | None = None,
                   activity: Activity | None = None, sarif_artifact_path: str | None = None,
                   trend: dict[str, Any] | None = None) -> list[Path]:
    """Write the requested formats into ``out_dir``; returns the written paths in format order.

    ``drift`` is ``auditor.drift.compare`` of a previous audit's findings and these (adds "since
    the previous audit"; renderers present it and never compare findings themselves);
    ``plan`` is a remediate plan.json dict (adds projected coverage). Unknown formats are a
    usage error; "json" is accepted and skipped (the audit command writes findings.json).
    ``activity`` shows each format (and the PDF's pages) on a terminal. ``sarif_artifact_path``
    is the snapshot's path in the repository the SARIF is uploaded from (results point at it).
    ``trend`` (auditor/trend.py) adds the earlier audits' coverage and control status.
    """
    activity = activity or Activity(False)
    wanted = [f.strip().lower() for f in formats if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS and f != "json"]
    if unknown:
        raise InputError(f"unknown report format(s): {', '.join(unknown)} (expected {', '.join(FORMATS)}, json)")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    model: dict[str, Any] | None = None

    def view() -> dict[str, Any]:
        nonlocal model
        if model is None:
            from auditor.render.model import build_model

            with activity.step("report contents"):
                model = build_model(findings, snapshot, drift, plan, trend)
        return model

    for fmt in FORMATS:
        if fmt not in wanted:
            continue
        path = out_dir / FILE_NAMES[fmt]
        if fmt in ("pdf", "html", "md"):
            view()
        with activity.step(f"writing {FILE_NAMES[fmt]}"), atomic_target(path) as tmp:
            # a failed or interrupted render leaves no partial report
            _render_one(fmt, tmp, view, findings, snapshot, out_dir, activity, sarif_artifact_path)
        gc.collect()  # a renderer's garbage (WeasyPrint's boxes) is freed before the next one starts
        written.append(path)
        if fmt == "csv" and findings.get("compliance"):
            from auditor.render.tabular import write_compliance_csv

            extra = out_dir / COMPLIANCE_CSV
            with activity.step(f"writing {COMPLIANCE_CSV}"), atomic_target(extra) as tmp:
                write_compliance_csv(findings, tmp)
            written.append(extra)
    return written


def _render_one(fmt: str, path: Path, view: Callable[[], dict[str, Any]], findings: dict[str, Any],
                snapshot: Snapshot, out_dir: Path, activity: Activity, sarif_artifact_path: str | None = None) -> None:
    if fmt == "pdf":
        from auditor.render.pdf import write_pdf

        with activity.weasyprint_pages():
            write_pdf(view(), _attachment_bytes(findings, out_dir), path)
    elif fmt == "html":
        from auditor.render.html import write_html

        write_html(view(), path)
    elif fmt == "csv":
        from auditor.render.tabular import write_csv

        write_csv(findings, path, snapshot)
    elif fmt == "sarif":
        from auditor.render.sarif import write_sarif

        write_sarif(findings, snapshot, path, sarif_artifact_path)
    elif fmt == "md":
        from auditor.render.markdown import summary_markdown

        path.write_text(shown(summary_markdown(view())), encoding="utf-8")


def _attachment_bytes(findings: dict[str, Any], out_dir: Path) -> bytes:
    """The findings.json the audit wrote, byte for byte, else the dict given serialised.

    The file is recognised by its snapshot digest, not parsed: at 50,000 subscriptions it is
    300 MB, and parsing it again would hold a second copy of every finding."""
    existing = out_dir / "findings.json"
    sha = findings.get("snapshotSha256")
    if existing.is_file() and isinstance(sha, str) and sha:
        try:
            data = existing.read_bytes()
        except OSError:
            data = b""
        if json.dumps({"snapshotSha256": sha})[1:-1].encode() in data[:65536]:
            return data
    return (json.dumps(findings, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


__all__ = ["COMPLIANCE_CSV", "FILE_NAMES", "FORMATS", "render_reports"]
