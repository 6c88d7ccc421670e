"""The PDF's subscription register (auditor/render/register.py): every subscription named once
with its id, grouped by what it shares with others, several to a line, in the rows' order."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from auditor.render.register import LINE_WIDTH, NAME_WIDTH, display_width, group_lines, register

ROOT = Path(__file__).resolve().parent.parent


def _row(i: int, *, name: str | None = None, verdict: str = "uncovered", open_: int = 3, ok: int = 0,
         parent: str = "Landing zones", state: str = "missing") -> dict[str, Any]:
    return {"name": name if name is not None else f"sub-{i:05d}", "guid": f"00000000-0000-4000-8000-{i:012d}",
            "verdict": verdict, "worst": "high" if open_ else "", "open": open_, "parent": parent,
            "path": ["Tenant Root Group", parent],
            "parentId": f"/providers/Microsoft.Management/managementGroups/{parent.lower()}",
            "matrix": [{"state": state}] * 8, "alerts": [{}] * 8, "alertsOk": ok, "alertsUnknown": False}


def _text(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(f"{b['head']}{b['body']}" for b in blocks)


def _cells(text: str) -> list[tuple[str, str]]:
    return re.findall(r"(\S[^\n]*?) +([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})", text)


def test_every_subscription_is_named_once_with_its_id_in_the_rows_order() -> None:
    rows = [_row(i, open_=3 if i % 3 else 5, verdict="uncovered" if i < 200 else "covered") for i in range(300)]
    text = _text(register(rows, "needing"))
    cells = _cells(text.replace("\n", "\n "))
    assert sorted(g for _, g in cells) == sorted(r["guid"] for r in rows)
    # groups appear where their first member ranks, members keep their order inside a group
    first = [k for k, _ in _groups_in_order(rows)]
    heads = [ln for ln in text.splitlines() if " · " in ln and "(continued)" not in ln]
    assert len(heads) == len(first) == 4
    assert heads[0].startswith("Not exported · categories ✘✘✘✘✘✘✘✘ · alerts 0/8 · 5 open findings (worst high)")
    # inside a group the rows keep their order: read line by line, cell by cell
    first_group = [r["guid"] for r in rows if r["verdict"] == "uncovered" and r["open"] == 5]
    assert [g for _, g in cells][:len(first_group)] == first_group


def _groups_in_order(rows: list[dict[str, Any]]) -> list[tuple[Any, int]]:
    seen: dict[Any, int] = {}
    for r in rows:
        key = (r["verdict"], r["open"])
        seen[key] = seen.get(key, 0) + 1
    return list(seen.items())


def test_the_heading_counts_its_group_and_a_long_group_continues_under_it() -> None:
    rows = [_row(i) for i in range(500)]
    blocks = register(rows, "needing")
    assert blocks[0]["head"].endswith("· 500 subscriptions")
    assert len(blocks) > 1 and all(b["head"].endswith("(continued)") for b in blocks[1:])


def test_cells_per_line_follow_the_longest_name_of_the_group() -> None:
    three = group_lines([_row(i, name="n" * 17) for i in range(6)])
    two = group_lines([_row(i, name="n" * 18) for i in range(6)])
    widest = group_lines([_row(i, name="n" * NAME_WIDTH) for i in range(6)])
    assert [len(_cells(ln)) for ln in three] == [3, 3]
    assert [len(_cells(ln)) for ln in two] == [2, 2, 2]
    assert [len(_cells(ln)) for ln in widest] == [2, 2, 2]
    assert max(len(ln) for ln in three + two + widest) <= LINE_WIDTH
    docs = " ".join((ROOT / "docs" / "reports.md").read_text(encoding="utf-8").split())
    assert f"three when the group's widest name has up to 17 characters, two up to {NAME_WIDTH}" in docs


def test_a_longer_name_gets_a_line_of_its_own_cut_so_that_its_id_still_fits() -> None:
    long = "A very long subscription display name that cannot fit its register column " * 4
    bells = "Ops" + "\x07" * 32 + "x" * 29  # 64 characters, 224 once the bells are shown as \u0007
    rows = [_row(1), _row(2, name=long), _row(3), _row(4, name=bells)]
    lines = group_lines(rows)
    assert len(lines) == 4 and lines[1].strip().startswith("A very long subscription")
    for line, row in ((lines[1], rows[1]), (lines[3], rows[3])):
        assert display_width(line) <= LINE_WIDTH and line.endswith(f"… {row['guid']}"), line
    assert "sub-00001" in lines[0] and "sub-00003" in lines[2]


def _id_columns(line: str) -> list[int]:
    """Display columns where the line's ids start."""
    return [display_width(line[:m.start()]) for m in re.finditer(r"[0-9a-f]{8}-[0-9a-f]{4}-", line)]


def test_wide_and_combining_characters_keep_ids_in_their_column_and_lines_in_the_page() -> None:
    wide = [_row(i, name="経理部門本番環境" * 5) for i in range(4)]  # 40 characters, 80 display cells: too wide
    narrow = [_row(10 + i, name="営業" * 4 if i % 2 else "sales-prod-01") for i in range(6)]  # 16 and 13 cells
    combining = [_row(20 + i, name="Cafe\u0301 prod" if i % 2 else "Plain prod") for i in range(6)]  # 10 cells each
    assert [len(_id_columns(ln)) for ln in group_lines(wide)] == [1, 1, 1, 1]
    for rows in (wide, narrow, combining):
        lines = group_lines(rows)
        assert all(display_width(ln) <= LINE_WIDTH for ln in lines), lines
        columns = [_id_columns(ln) for ln in lines]
        assert all(c == columns[0][:len(c)] for c in columns), (columns, lines)
    assert [len(_id_columns(ln)) for ln in group_lines(narrow)] == [3, 3]
    assert [len(_id_columns(ln)) for ln in group_lines(combining)] == [3, 3]


def test_a_heading_keeps_its_ending_whatever_the_path() -> None:
    deep = [f"Level {i} " + "g" * 30 for i in range(12)]
    rows = [{**_row(i, verdict="covered", open_=0, ok=8, state="ok"), "path": deep,
             "parentId": "/providers/Microsoft.Management/managementGroups/leaf-group"} for i in range(200)]
    heads = [b["head"] for b in register(rows, "healthy")]
    assert len(heads) > 1
    assert all(display_width(h) <= LINE_WIDTH for h in heads), heads
    assert heads[0].startswith("Under … › ") and heads[0].endswith("(leaf-group) · alerts 8/8 · 200 subscriptions")
    assert deep[-1] in heads[0]
    assert all(h.endswith("· 200 subscriptions (continued)") for h in heads[1:])
    # a group name wider than the line is cut, never dropped
    huge = [{**r, "path": ["Tenant Root Group", "Landing zone " + "w" * 150]} for r in rows[:2]]
    [head] = [b["head"] for b in register(huge, "healthy")]
    assert head.startswith("Under … › Landing zone www") and "…" in head[12:] and display_width(head) <= LINE_WIDTH


def test_tenant_text_is_escaped_and_control_characters_shown() -> None:
    rows = [_row(1, name="<b>Bell\x07</b>", verdict="covered", open_=0, ok=8, state="ok", parent="Plat\x08form & Co")]
    text = _text(register(rows, "healthy"))
    assert "&lt;b&gt;Bell\\u0007&lt;/b&gt;" in text and "<b>Bell" not in text
    assert text.startswith("Under Tenant Root Group › Plat\\u0008form &amp; Co (plat\\u0008form &amp; co) · "
                           "alerts 8/8 · 1 subscription\n")


def test_covered_subscriptions_are_grouped_by_their_parent_group_not_its_display_name() -> None:
    rows = [_row(1, verdict="covered", open_=0, ok=8, state="ok", parent="Corp"),
            {**_row(2, verdict="covered", open_=0, ok=8, state="ok", parent="Corp"),
             "parentId": "/providers/Microsoft.Management/managementGroups/other-corp"},
            _row(3, verdict="covered", open_=0, ok=8, state="ok", parent="Corp"),
            {**_row(4, verdict="covered", open_=0, ok=8, state="ok"), "path": [], "parentId": ""}]
    heads = [b["head"] for b in register(rows, "healthy")]
    assert heads == ["Under Tenant Root Group › Corp (corp) · alerts 8/8 · 2 subscriptions",
                     "Under Tenant Root Group › Corp (other-corp) · alerts 8/8 · 1 subscription",
                     "Not placed in the hierarchy · alerts 8/8 · 1 subscription"]
