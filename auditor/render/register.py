"""The PDF's subscription register: every subscription without a card, named in grouped columns.

At 10,000 subscriptions the register is most of the PDF and most of its rendering time:
WeasyPrint pays for every line box and every glyph it draws. So what the subscriptions of a
group share (verdict, categories, alerts, open findings; or the parent group, by its path, and
alerts for the covered ones) is said once, in the group's heading, and each subscription is a
cell of name and id, several cells to a line. Every subscription stays named, with its id, in the urgency
order of the rows given; the grouping follows that order (a group is placed where its first
member ranks).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from markupsafe import Markup, escape

from auditor.render.wording import VERDICT_LABEL
from auditor.termtext import clean_line

CHUNK_LINES = 48  # lines per block: with its heading, a block fills a landscape page (never split: CSS)
LINE_WIDTH = 172  # characters of a register line at its font size on an A4 landscape page
NAME_WIDTH = 40  # widest name column; a longer name gets a line of its own
MIN_NAME_WIDTH = 12
INDENT = "  "
GAP = "   "
GUID_WIDTH = 36
MARKS = {"ok": "✔", "missing": "✘", "na": "–", "unknown": "?"}


def _alerts(row: dict[str, Any]) -> str:
    return f"{'?' if row['alertsUnknown'] else row['alertsOk']}/{len(row['alerts'])}"


def _needing_key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["verdict"], row["worst"], "".join(MARKS[c["state"]] for c in row["matrix"]), _alerts(row), row["open"])


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'s' if n != 1 else ''}"


def _needing_heading(key: tuple[Any, ...], count: int) -> str:
    verdict, worst, cats, alerts, open_ = key
    opened = _count(open_, "open finding") + (f" (worst {worst})" if worst else "")
    return " · ".join([VERDICT_LABEL.get(verdict, verdict), f"categories {cats}", f"alerts {alerts}", opened,
                       _count(count, "subscription")])


def _healthy_key(row: dict[str, Any]) -> tuple[Any, ...]:
    # by the parent group's id (two groups may share a display name), shown by its path
    return (row["parentId"], " › ".join(clean_line(g) for g in row["path"]), _alerts(row))


def _healthy_heading(key: tuple[Any, ...], count: int) -> str:
    _, path, alerts = key
    where = f"Under {path}" if path else "Not placed in the hierarchy"
    return f"{where} · alerts {alerts} · {_count(count, 'subscription')}"


def _name(row: dict[str, Any]) -> str:
    # control characters shown as escapes (\u0007), as everywhere else in the reports
    return clean_line(" ".join(str(row["name"]).split()))


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def group_lines(rows: list[dict[str, Any]]) -> list[str]:
    """One group's lines: cells of name and id, as many to a line as fit; a name longer than
    NAME_WIDTH gets a line of its own (cut at the line width; findings.json keeps it whole)."""
    names = [_name(r) for r in rows]
    width = max([MIN_NAME_WIDTH, *(len(n) for n in names if len(n) <= NAME_WIDTH)])
    cell = width + 1 + GUID_WIDTH
    per_line = max(1, (LINE_WIDTH - len(INDENT) + len(GAP)) // (cell + len(GAP)))
    lines: list[str] = []
    cells: list[str] = []

    def flush() -> None:
        if cells:
            lines.append(INDENT + GAP.join(cells).rstrip())
            cells.clear()

    for row, name in zip(rows, names, strict=True):
        if len(name) > NAME_WIDTH:
            flush()
            lines.append(INDENT + _cut(f"{name} {row['guid']}", LINE_WIDTH - len(INDENT)))
            continue
        cells.append(f"{name:<{width}} {row['guid']:<{GUID_WIDTH}}")
        if len(cells) == per_line:
            flush()
    flush()
    return lines


def _groups(rows: Iterable[dict[str, Any]], kind: str) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
    key = _needing_key if kind == "needing" else _healthy_key
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(key(r), []).append(r)
    return groups


def register(rows: list[dict[str, Any]], kind: str) -> list[dict[str, Markup]]:
    """Blocks of preformatted text, each with a bold heading line: fixed-width text lays out in
    seconds where a table of thousands of rows would take minutes. A group longer than a block
    continues in the next one under the same heading, marked "continued"."""
    heading = _needing_heading if kind == "needing" else _healthy_heading
    blocks: list[dict[str, Markup]] = []
    for key, members in _groups(rows, kind).items():
        head = _cut(heading(key, len(members)), LINE_WIDTH)
        lines = group_lines(members)
        for i in range(0, len(lines), CHUNK_LINES):
            # escaped here, whole: every name in the block is already cut to the line width
            blocks.append({"head": escape(head if i == 0 else _cut(f"{head} (continued)", LINE_WIDTH)),
                           "body": escape("\n" + "\n".join(lines[i:i + CHUNK_LINES]))})
    return blocks
