"""The console summary printed after an audit: verdicts, severities, the findings that matter most."""

from __future__ import annotations

from collections import Counter, defaultdict
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
                  top: int = 10, files: list[str] | None = None) -> None:
    """The summary on ``console`` (stdout). Waivers' warnings are ``waiver_notes`` (stderr, also with -q)."""
    console = console or Console(highlight=False)
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
    if active:
        console.print(top_findings_table(active, names, top))
    if summary.get("incomplete"):
        console.print("[magenta]The audit is incomplete: some scopes could not be read (see ALA-AUD-001).[/]")
    if out_dir is not None:
        listed = f": {', '.join(files)}" if files else ""
        console.print(f"Written to {markup(str(out_dir))}/{markup(listed)}")


def waiver_notes(doc: dict[str, Any]) -> list[str]:
    """One stderr line per expired waiver (a warning: it waives nothing any more) and per active waiver
    that matches no finding (a note). Printed also with -q, like the exit-3 line: a CI log must say it."""
    names = {s["id"].lower(): s["displayName"] for s in doc["subscriptions"]}
    names.update({g["id"].lower(): g["displayName"] for g in doc["managementGroups"]})
    lines = []
    for w in doc.get("waivers", []):
        where = names.get(str(w["scope"]).lower(), w["scope"])
        if w.get("status") == "expired":
            lines.append(f"warning: waiver for {w['rule']} at {where} expired on {w['expires']} and no longer waives "
                         "anything")
    for w in doc.get("waivers", []):
        where = names.get(str(w["scope"]).lower(), w["scope"])
        if w.get("status") == "active" and w.get("matchedFindings") == 0:
            lines.append(f"note: waiver for {w['rule']} at {where} matches no finding (fixed meanwhile, or a "
                         "mistyped scope or rule?)")
    return lines


def _scope_kind(scope: str) -> str:
    low = scope.lower()
    if low.startswith("/providers/microsoft.management/managementgroups/") and low.count("/") == 4:
        return "management group"
    if low.startswith("/subscriptions/") and low.count("/") == 2:
        return "subscription"
    return "scope"


def _count_phrase(scopes: set[str]) -> str:
    """'1,938 subscriptions', '3 management groups', '12 subscriptions, 1 management group'."""
    kinds = Counter(_scope_kind(s) for s in scopes)
    return ", ".join(f"{n:,} {k}{'' if n == 1 else 's'}" for k, n in kinds.most_common())


def top_findings_table(active: list[dict[str, Any]], names: dict[str, str], top: int = 10) -> Table:
    """Open findings grouped by rule, worst first: 'ALA-EXP-001: 1,938 subscriptions' and one
    example, instead of ten lines of the same rule."""
    by_rule: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in active:
        by_rule[f["ruleId"]].append(f)
    ranked = sorted(by_rule.items(), key=lambda kv: (-SEVERITIES.index(kv[1][0]["severity"]), -len(kv[1]), kv[0]))
    table = Table(title=f"Top findings by rule ({min(top, len(ranked))} of {len(ranked)} rules, "
                        f"{len(active):,} open findings)", title_justify="left")
    for col in ("severity", "rule", "affected", "finding"):
        table.add_column(col, overflow="fold")
    for rule, items in ranked[:top]:
        first = min(items, key=lambda f: f["scope"].lower())
        scope = names.get(first["scope"].lower(), first["scope"])
        affected = _count_phrase({f["scope"].lower() for f in items})
        if len(items) > len({f["scope"].lower() for f in items}):
            affected += f" ({len(items):,} findings)"
        sev = first["severity"]
        what = first.get("title") or _short(first["message"], 120)
        table.add_row(f"[{_SEVERITY_STYLE[sev]}]{sev}[/]", markup(rule), affected,
                      f"{markup(what)} [dim](e.g. {markup(_short(scope, 60))})[/]")
    return table


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
