"""The console summary printed after an audit: verdicts, severities, the findings that matter most."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from auditor.render.wording import VERDICT_LABEL
from auditor.rules.base import SEVERITIES
from auditor.termtext import markup

_VERDICT_STYLE = {
    "covered": "green",
    "unenforced": "yellow",
    "unremediated": "yellow",
    "partial": "dark_orange",
    "uncovered": "red",
    "unknown": "magenta",
}
_SEVERITY_STYLE = {"high": "red", "medium": "yellow", "low": "cyan"}


def print_summary(doc: dict[str, Any], out_dir: Path | None = None, console: Console | None = None,
                  top: int = 10, files: list[str] | None = None, warnings: Console | None = None) -> None:
    """The summary on ``console`` (stdout); warnings and notes about waivers on ``warnings`` (stderr)."""
    console = console or Console(highlight=False)
    warnings = warnings or Console(stderr=True, highlight=False)
    summary = doc["summary"]
    collected = markup(doc.get("collectedAt") or doc["generatedAt"])
    console.print(f"[bold]auditor[/bold] tenant {markup(str(doc['tenantId']))} - "
                  f"{summary['subscriptions']} subscriptions, collected {collected}")

    verdicts = Table(title="Coverage verdicts", title_justify="left")
    verdicts.add_column("verdict")
    verdicts.add_column("meaning")
    verdicts.add_column("subscriptions", justify="right")
    for v, n in summary["verdicts"].items():
        verdicts.add_row(f"[{_VERDICT_STYLE.get(v, '')}]{v}[/]", VERDICT_LABEL.get(v, ""), str(n))
    console.print(verdicts)

    counts = summary["findings"]
    console.print(
        "Findings: "
        + ", ".join(f"[{_SEVERITY_STYLE[s]}]{counts.get(s, 0)} {s}[/]" for s in reversed(SEVERITIES))
        + f", {counts.get('waived', 0)} waived"
    )
    names = {s["id"].lower(): s["displayName"] for s in doc["subscriptions"]}
    names.update({g["id"].lower(): g["displayName"] for g in doc["managementGroups"]})
    active = [f for f in doc["findings"] if f["waiver"] is None]
    active.sort(key=lambda f: (-SEVERITIES.index(f["severity"]), f["ruleId"], f["scope"].lower()))
    if active:
        table = Table(title=f"Top findings ({min(top, len(active))} of {len(active)})", title_justify="left")
        for col in ("severity", "rule", "scope", "message"):
            table.add_column(col, overflow="fold")
        for f in active[:top]:
            scope = names.get(f["scope"].lower(), f["scope"])
            table.add_row(f"[{_SEVERITY_STYLE[f['severity']]}]{f['severity']}[/]", markup(f["ruleId"]),
                          markup(scope), markup(f["message"]))
        console.print(table)
    expired = [w for w in doc.get("waivers", []) if w.get("status") == "expired"]
    for w in expired:
        where = names.get(str(w["scope"]).lower(), w["scope"])
        warnings.print(f"[yellow]warning:[/] waiver for {w['rule']} at {markup(str(where))} expired on {w['expires']} "
                      "and no longer waives anything")
    for w in doc.get("waivers", []):
        if w.get("status") == "active" and w.get("matchedFindings") == 0:
            where = names.get(str(w["scope"]).lower(), w["scope"])
            warnings.print(f"[yellow]note:[/] waiver for {w['rule']} at {markup(str(where))} matches no finding "
                          "(fixed meanwhile, or a mistyped scope or rule?)")
    if summary.get("incomplete"):
        console.print("[magenta]The audit is incomplete: some scopes could not be read (see ALA-AUD-001).[/]")
    if out_dir is not None:
        listed = f": {', '.join(files)}" if files else ""
        console.print(f"Written to {markup(str(out_dir))}/{markup(listed)}")
