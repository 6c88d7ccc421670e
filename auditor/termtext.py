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


def clean_words(text: Any) -> str:
    """:func:`clean_line` of the text with every run of whitespace (newlines too) made one space:
    a name shown as one line of a report."""
    return clean_line(" ".join(str(text).split()))


def clean_block(text: Any) -> str:
    """Like :func:`clean_line` but keeps newlines and tabs (whole documents printed to stdout)."""
    return str(text).translate(_BLOCK)


def markup(text: Any) -> str:
    """Tenant text for a rich ``console.print``: control characters escaped, then rich markup escaped."""
    return escape(clean_line(text))


_NEEDS_BLOCK_CLEAN = re.compile("[" + "".join(re.escape(chr(c)) for c in _BLOCK) + "]")
_RAW_IN_JSON = re.compile("[" + "".join(re.escape(chr(c)) for c in [0x7F, *range(0x80, 0xA0), *_FORMAT]) + "]")


def shown(text: str) -> str:
    """:func:`clean_block` for report text, without copying the (usual) text that needs nothing.

    Reports call it on every printed value: a U+202E override in a display name would otherwise
    reverse the text after it in the HTML and the PDF ("rtl\\u202egnp.exe" read as "rtlexe.png").
    """
    return clean_block(text) if _NEEDS_BLOCK_CLEAN.search(text) else text


def shown_in_json(text: str) -> str:
    """JSON text whose strings show DEL, C1 and bidi/format characters as visible ``\\u202e`` text.

    Such characters can only stand raw inside JSON strings; each becomes an escaped backslash and
    ``uNNNN``, so the page's script displays the escape instead of obeying the character.
    (C0 controls are already escaped by ``json.dumps``.)"""
    return _RAW_IN_JSON.sub(lambda m: f"\\\\u{ord(m.group()):04x}", text)
