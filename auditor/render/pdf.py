"""The PDF audit report (WeasyPrint), with findings.json embedded as an attachment."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from auditor.render.env import environment, read_asset
from auditor.render.register import LONG_NAME_WIDTH, NAME_WIDTH, register
from auditor.schemas import FINDINGS_SCHEMA_VERSION
from auditor.termtext import clean_words

PDF_VARIANT = "pdf/a-3u"
TREE_SUBSCRIPTION_LIMIT = 150  # list subscriptions inside the hierarchy only for small tenants


HEADER_WIDTH = 66  # characters of the running header's tenant part that fit beside the date at 8 pt


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


def running_title(meta: dict[str, Any]) -> str:
    """The page header's tenant part: root-group name and tenant id, cut so it never reaches the
    date on the right (a long root-group name would otherwise overprint it on every page)."""
    name, tenant = clean_words(meta.get("rootName") or ""), str(meta.get("tenantId") or "")
    if not name:
        return tenant
    both = f"{name} ({tenant})"
    return both if len(both) <= HEADER_WIDTH else _fit(name, HEADER_WIDTH).rstrip()


def render_pdf_html(model: dict[str, Any]) -> str:
    """The print HTML (also useful to inspect the PDF's content without WeasyPrint)."""
    return environment().get_template("report_pdf.html.j2").render(
        model=model, css=read_asset("report_pdf.css"),
        show_tree_subs=model["coverage"]["total"] <= TREE_SUBSCRIPTION_LIMIT,
        needing_register=register(model["needing"][len(model["detail"]):], "needing"),
        needing_register_count=len(model["needing"]) - len(model["detail"]),
        healthy_register=register(model["healthy"], "healthy"), name_limit=LONG_NAME_WIDTH, name_width=NAME_WIDTH,
        running_title=running_title(model["meta"]))


def write_pdf(model: dict[str, Any], findings_json: bytes, path: Path) -> Path:
    import weasyprint

    # WeasyPrint logs every unsupported CSS property at WARNING; keep the CLI output clean.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    html = render_pdf_html(model)
    attachment = weasyprint.Attachment(
        string=findings_json,
        name="findings.json",
        description=f"Machine-readable findings (auditor findings.json, schemaVersion {FINDINGS_SCHEMA_VERSION})",
        relationship="Data")
    # PDF/A-3 is the archival profile that allows embedded files: the report and its
    # machine-readable findings travel (and are kept) as one document.
    weasyprint.HTML(string=html, base_url=str(path.parent), url_fetcher=refuse_fetch).write_pdf(
        str(path), attachments=[attachment], pdf_variant=PDF_VARIANT, uncompressed_pdf=False)
    return path


def refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The report is self-contained: nothing, local or remote, is ever fetched while rendering."""
    raise ValueError(f"report rendering fetches nothing (refused {url[:80]!r})")
