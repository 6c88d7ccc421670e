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

import unicodedata
from collections.abc import Iterable
from typing import Any

from markupsafe import Markup, escape

from auditor.render.wording import CELL_MARK, VERDICT_LABEL
from auditor.termtext import clean_line, clean_words

CHUNK_LINES = 48  # lines per block: with its heading, a block fills a landscape page (never split: CSS)
LINE_WIDTH = 172  # display cells of a register line at its font size on an A4 landscape page
NAME_WIDTH = 40  # widest name column; a longer name gets a line of its own
MIN_NAME_WIDTH = 12
INDENT = "  "
GAP = "   "
GUID_WIDTH = 36
LONG_NAME_WIDTH = LINE_WIDTH - len(INDENT) - 1 - GUID_WIDTH  # a name on a line of its own, before its id


def _alerts(row: dict[str, Any]) -> str:
    return f"{'?' if row['alertsUnknown'] else row['alertsOk']}/{len(row['alerts'])}"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'s' if n != 1 else ''}"


# Columns are counted in display cells: an East Asian wide character takes two, a combining
# mark or a zero-width format character none (fonts differ; this keeps ids in their column).
def _cells(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) == "Cf":
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    return len(text) if text.isascii() else sum(_cells(ch) for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def cut_to_width(text: str, width: int) -> str:
    """``text`` if it fits ``width`` display cells, else its start and "…" within them."""
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        used += _cells(ch)
        if used > width - 1:
            break
        out.append(ch)
    return "".join(out) + "…"


def _needing_key(row: dict[str, Any]) -> tuple[Any, ...]:
    marks = "".join(CELL_MARK[c["state"]] for c in row["matrix"])
    return (row["verdict"], row["worst"], marks, _alerts(row), row["open"])


def _needing_heading(key: tuple[Any, ...]) -> tuple[list[str], str]:
    verdict, worst, cats, alerts, open_ = key
    opened = _count(open_, "open finding") + (f" (worst {worst})" if worst else "")
    return [], " · ".join([VERDICT_LABEL.get(verdict, verdict), f"categories {cats}", f"alerts {alerts}", opened])


def _healthy_key(row: dict[str, Any]) -> tuple[Any, ...]:
    # by the parent group's id: two groups may share a display name, even a whole path
    return (str(row["parentId"]).lower(), tuple(clean_words(g) for g in row["path"]),
            clean_line(str(row["parentId"]).rsplit("/", 1)[-1]), _alerts(row))


def _healthy_heading(key: tuple[Any, ...]) -> tuple[list[str], str]:
    _, path, group_id, alerts = key
    if not path:
        return [], f"Not placed in the hierarchy · alerts {alerts}"
    return list(path), f" ({group_id}) · alerts {alerts}"


def _heading(path: list[str], tail: str, count: int, continued: bool) -> str:
    """The group's heading within the line: what ends it (the group id, alerts, the count,
    "continued") is always kept; a path too long loses its first groups, then is cut."""
    end = f"{tail} · {_count(count, 'subscription')}" + (" (continued)" if continued else "")
    if not path:
        return cut_to_width(end, LINE_WIDTH)
    room = LINE_WIDTH - display_width(end) - len("Under ")
    shown = list(path)
    while len(shown) > 1 and shown[:2] != ["…", path[-1]] and display_width(" › ".join(shown)) > room:
        shown = ["…", *shown[2:]] if shown[0] == "…" else ["…", *shown[1:]]
    return "Under " + cut_to_width(" › ".join(shown), room) + end  # the group's own name is cut last


def _name(row: dict[str, Any]) -> str:
    # control characters shown as escapes (\u0007), as everywhere else in the reports
    return clean_words(row["name"])


def group_lines(rows: list[dict[str, Any]]) -> list[str]:
    """One group's lines: cells of name and id, as many to a line as fit; a name wider than
    NAME_WIDTH gets a line of its own, cut so that its id still fits (findings.json keeps it whole)."""
    names = [_name(r) for r in rows]
    widths = [display_width(n) for n in names]
    width = max([MIN_NAME_WIDTH, *(w for w in widths if w <= NAME_WIDTH)])
    cell = width + 1 + GUID_WIDTH
    per_line = max(1, (LINE_WIDTH - len(INDENT) + len(GAP)) // (cell + len(GAP)))
    lines: list[str] = []
    cells: list[str] = []

    def flush() -> None:
        if cells:
            lines.append(INDENT + GAP.join(cells).rstrip())
            cells.clear()

    for row, name, w in zip(rows, names, widths, strict=True):
        if w > NAME_WIDTH:
            flush()
            lines.append(f"{INDENT}{cut_to_width(name, LONG_NAME_WIDTH)} {row['guid']}")
            continue
        cells.append(f"{_pad(name, width)} {row['guid']:<{GUID_WIDTH}}")
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
        path, tail = heading(key)
        lines = group_lines(members)
        for i in range(0, len(lines), CHUNK_LINES):
            # escaped here, whole: every name in the block is already cut to its width
            blocks.append({"head": escape(_heading(path, tail, len(members), continued=i > 0)),
                           "body": escape("\n" + "\n".join(lines[i:i + CHUNK_LINES]))})
    return blocks
