"""The PDF audit report (WeasyPrint), with findings.json embedded as an attachment."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from auditor.render.env import environment, read_asset

TREE_SUBSCRIPTION_LIMIT = 150  # list subscriptions inside the hierarchy only for small tenants


def render_pdf_html(model: dict[str, Any]) -> str:
    """The print HTML (also useful to inspect the PDF's content without WeasyPrint)."""
    return environment().get_template("report_pdf.html.j2").render(
        model=model, css=read_asset("report_pdf.css"),
        show_tree_subs=model["coverage"]["total"] <= TREE_SUBSCRIPTION_LIMIT)


def write_pdf(model: dict[str, Any], findings_json: bytes, path: Path) -> Path:
    import weasyprint

    # WeasyPrint logs every unsupported CSS property at WARNING; keep the CLI output clean.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    html = render_pdf_html(model)
    attachment = weasyprint.Attachment(
        string=findings_json,
        name="findings.json", description="Machine-readable findings (auditor findings.json, schemaVersion 1)",
        relationship="Data")
    weasyprint.HTML(string=html, base_url=str(path.parent)).write_pdf(
        str(path), attachments=[attachment], pdf_identifier=None, uncompressed_pdf=False)
    return path
