"""Tenant text made safe for a terminal.

Display names, messages and file contents are chosen by whoever controls the tenant or the
input. Printed raw, ``ESC ] 0 ; ... ESC \\`` sets the terminal title, OSC 52 writes the
clipboard, and a U+202E override reverses what follows. Every piece of such text that reaches
a terminal goes through :func:`clean_line` (one-line fields) or :func:`clean_block` (multi-line
output), which show control and bidi-control characters as visible escapes (``\\u001b``,
``\\u202e``) instead of letting the terminal act on them. :func:`markup` also escapes rich markup.
"""

from __future__ import annotations

import re
from typing import Any

from rich.markup import escape

# C0 controls, DEL, C1 controls; bidi embeddings, overrides, isolates and marks; line/paragraph separators.
_CONTROL = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]
_FORMAT = [0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029, 0xFEFF]


def _visible(code: int) -> str:
    """``\\u001b``: readable, and inside a JSON string the same character it replaces."""
    return f"\\u{code:04x}"


_LINE = {code: _visible(code) for code in [*_CONTROL, *_FORMAT]}
_BLOCK = {code: esc for code, esc in _LINE.items() if code not in (0x09, 0x0A)}


def clean_line(text: Any) -> str:
    """One-line text with every control, bidi and separator character shown as an escape."""
    return str(text).translate(_LINE)


def clean_block(text: Any) -> str:
    """Like :func:`clean_line` but keeps newlines and tabs (whole documents printed to stdout)."""
    return str(text).translate(_BLOCK)


def markup(text: Any) -> str:
    """Tenant text for a rich ``console.print``: control characters escaped, then rich markup escaped."""
    return escape(clean_line(text))


_NEEDS_BLOCK_CLEAN = re.compile("[" + "".join(re.escape(chr(c)) for c in _BLOCK) + "]")


def clean_tree(value: Any) -> Any:
    """Apply :func:`clean_block` to every string in a JSON-like tree, in place where possible.

    Used on the report view model: a U+202E override in a display name would otherwise reverse
    the text after it in the HTML and the PDF ("rtl\\u202egnp.exe" read as "rtlexe.png"). Only
    strings that hold such characters are replaced, so a large model is not copied.
    """
    if isinstance(value, str):
        return clean_block(value) if _NEEDS_BLOCK_CLEAN.search(value) else value
    if isinstance(value, dict):
        for k, v in value.items():
            cleaned = clean_tree(v)
            if cleaned is not v:
                value[k] = cleaned
        return value
    if isinstance(value, tuple):
        items = tuple(clean_tree(v) for v in value)
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    if isinstance(value, list):
        for i, v in enumerate(value):
            cleaned = clean_tree(v)
            if cleaned is not v:
                value[i] = cleaned
        return value
    return value
