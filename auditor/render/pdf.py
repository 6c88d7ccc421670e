"""The PDF audit report (WeasyPrint), with findings.json embedded as an attachment."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from markupsafe import escape

from auditor.render.env import environment, read_asset
from auditor.schemas import FINDINGS_SCHEMA_VERSION
from auditor.termtext import clean_line

PDF_VARIANT = "pdf/a-3u"
TREE_SUBSCRIPTION_LIMIT = 150  # list subscriptions inside the hierarchy only for small tenants
REGISTER_CHUNK = 64  # lines per register block (one block per page at most)
NAME_WIDTH = 40
LINE_WIDTH = 118  # characters of a register line at its font size on A4
MARKS = {"ok": "✔", "missing": "✘", "na": "–", "unknown": "?"}


HEADER_WIDTH = 66  # characters of the running header's tenant part that fit beside the date at 8 pt


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


def running_title(meta: dict[str, Any]) -> str:
    """The page header's tenant part: root-group name and tenant id, cut so it never reaches the
    date on the right (a long root-group name would otherwise overprint it on every page)."""
    name, tenant = clean_line(" ".join(str(meta.get("rootName") or "").split())), str(meta.get("tenantId") or "")
    if not name:
        return tenant
    both = f"{name} ({tenant})"
    return both if len(both) <= HEADER_WIDTH else _fit(name, HEADER_WIDTH).rstrip()


def register(rows: list[dict[str, Any]], kind: str) -> list[dict[str, str]]:
    """Fixed-width text lines, one per subscription, in chunks: thousands of rows lay out in
    seconds as preformatted text where a table would take minutes. A name longer than its
    column gets a line of its own first, so every subscription stays named in full."""
    if kind == "needing":
        head = f"{'Subscription':<{NAME_WIDTH}} {'Subscription id':<36} {'Verdict':<12} {'Category':<8} Alerts Open"
    else:
        head = f"{'Subscription':<{NAME_WIDTH}} {'Subscription id':<36} {'Parent group':<24} Alerts"
    lines: list[str] = []
    for r in rows:
        # control characters shown as escapes (\u0007), as everywhere else in the reports
        name = clean_line(" ".join(str(r["name"]).split()))
        if len(name) > NAME_WIDTH:
            lines.append(_fit(name, LINE_WIDTH).rstrip())
            name = ""
        alerts = f"{'?' if r['alertsUnknown'] else r['alertsOk']}/{len(r['alerts'])}"
        if kind == "needing":
            cats = "".join(MARKS[c["state"]] for c in r["matrix"])
            lines.append(f"{_fit(name, NAME_WIDTH)} {r['guid']:<36} {r['verdict']:<12} {cats:<8} "
                         f"{alerts:>6} {r['open']:>4}")
        else:
            lines.append(f"{_fit(name, NAME_WIDTH)} {r['guid']:<36} {_fit(clean_line(r['parent']), 24)} {alerts:>6}")
    # Escaped here, whole: every name in the block is already cut to the line width.
    return [{"head": head, "body": escape("\n" + "\n".join(lines[i:i + REGISTER_CHUNK]))}
            for i in range(0, len(lines), REGISTER_CHUNK)]


def render_pdf_html(model: dict[str, Any]) -> str:
    """The print HTML (also useful to inspect the PDF's content without WeasyPrint)."""
    return environment().get_template("report_pdf.html.j2").render(
        model=model, css=read_asset("report_pdf.css"),
        show_tree_subs=model["coverage"]["total"] <= TREE_SUBSCRIPTION_LIMIT,
        needing_register=register(model["needing"][len(model["detail"]):], "needing"),
        needing_register_count=len(model["needing"]) - len(model["detail"]),
        healthy_register=register(model["healthy"], "healthy"), name_limit=LINE_WIDTH,
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
