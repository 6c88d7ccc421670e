"""Inline SVG charts drawn by the project (no image files, no network, no chart library).

Every chart is returned as ``markupsafe.Markup`` built only from numbers and fixed labels;
any tenant text that reaches an SVG goes through ``escape`` first.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

COLORS = {
    "covered": "#2e7d32", "unenforced": "#f9a825", "unremediated": "#0277bd", "partial": "#ef6c00",
    "uncovered": "#c62828", "unknown": "#757575",
    "high": "#c62828", "medium": "#ef6c00", "low": "#0277bd",
}


def verdict_bars(verdicts: list[dict[str, Any]], width: int = 400) -> Markup:
    """Horizontal bar chart: one bar per verdict with its count and share."""
    total = sum(v["count"] for v in verdicts) or 1
    row_h, label_w, bar_w = 24, 158, width - 158 - 84
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
             f'height="{row_h * len(verdicts) + 6}" viewBox="0 0 {width} {row_h * len(verdicts) + 6}" '
             'role="img" aria-label="Subscriptions by verdict">']
    for i, v in enumerate(verdicts):
        y = i * row_h + 3
        w = round(bar_w * v["count"] / total, 1)
        pct = 100.0 * v["count"] / total
        parts.append(f'<text x="0" y="{y + 15}" font-size="10" fill="#222">{escape(v["label"])}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="15" fill="#eceff1" rx="2"/>')
        if w > 0:
            parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{max(w, 1.5)}" height="15" '
                         f'fill="{COLORS[v["verdict"]]}" rx="2"/>')
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + 15}" font-size="11" fill="#222">'
                     f'{v["count"]:,} ({pct:.0f}%)</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def gauge(label: str, n: int, total: int, color: str = "#1565c0", width: int = 200) -> Markup:
    """A labelled progress bar for one coverage figure."""
    pct = 100.0 * n / total if total else 0.0
    w = round((width - 2) * pct / 100.0, 1)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gauge" width="{width}" height="58" '
        f'viewBox="0 0 {width} 58" role="img" aria-label="{escape(label)}">'
        f'<text x="0" y="22" font-size="22" font-weight="bold" fill="{color}">{pct:.0f}%</text>'
        f'<text x="{width}" y="22" font-size="10" fill="#555" text-anchor="end">{n:,} of {total:,}</text>'
        f'<rect x="1" y="30" width="{width - 2}" height="9" fill="#eceff1" rx="4"/>'
        f'<rect x="1" y="30" width="{w}" height="9" fill="{color}" rx="4"/>'
        f'<text x="0" y="54" font-size="10" fill="#333">{escape(label)}</text></svg>')


def stacked(counts: dict[str, int], total: int, width: int = 120, height: int = 9) -> Markup:
    """A thin stacked bar of verdict shares (for the hierarchy)."""
    if not total:
        return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"></svg>')
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="stack" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}">']
    x = 0.0
    for verdict in ("covered", "unenforced", "unremediated", "partial", "uncovered", "unknown"):
        n = counts.get(verdict, 0)
        if not n:
            continue
        w = width * n / total
        parts.append(f'<rect x="{x:.2f}" y="0" width="{w:.2f}" height="{height}" fill="{COLORS[verdict]}"/>')
        x += w
    parts.append("</svg>")
    return Markup("".join(parts))


def severity_bars(severities: list[dict[str, Any]], width: int = 220) -> Markup:
    total = max((s["open"] for s in severities), default=0) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{24 * len(severities)}" '
             f'viewBox="0 0 {width} {24 * len(severities)}" role="img" aria-label="Open findings by severity">']
    for i, s in enumerate(severities):
        y = i * 24
        w = round((width - 116) * s["open"] / total, 1)
        parts.append(f'<text x="0" y="{y + 15}" font-size="11" fill="#222">{s["severity"].title()}</text>')
        parts.append(f'<rect x="56" y="{y + 4}" width="{max(w, 1.5) if s["open"] else 0}" height="14" '
                     f'fill="{COLORS[s["severity"]]}" rx="2"/>')
        parts.append(f'<text x="{60 + w}" y="{y + 15}" font-size="11" fill="#222">{s["open"]:,}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
