"""Literal values in the three output languages: ARM JSON, Bicep and Terraform (HCL).

Generated files embed policy rules and parameters whose strings look like template
expressions (``"[parameters('effect')]"``). Each language needs them escaped so that they
reach Azure verbatim instead of being evaluated at deployment.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Raw(str):
    """An expression written as is (a reference such as ``assignment.identity.principalId``)."""


def arm_escape(value: Any) -> Any:
    """ARM evaluates strings starting with ``[`` and reads ``[[`` as one literal ``[``: every
    string starting with ``[`` gets one more, so that it reaches Azure exactly as given (a
    tenant value ``[[x`` included)."""
    if isinstance(value, str):
        return "[" + value if value.startswith("[") else value
    if isinstance(value, list):
        return [arm_escape(v) for v in value]
    if isinstance(value, dict):
        return {k: arm_escape(v) for k, v in value.items()}
    return value


_UNSEEN = ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn")  # control, format (bidi), separators, unassigned


def _unseen(c: str) -> bool:
    return unicodedata.category(c) in _UNSEEN


def arm_literal(s: str) -> str:
    """A string literal inside an ARM template expression (``'`` doubled)."""
    return "'" + s.replace("'", "''") + "'"


def bicep_string(s: str) -> str:
    """A Bicep string literal: quotes, backslashes and ``${`` escaped; every control, format
    (bidi) or separator character as ``\\u{...}``, so no raw NUL, ESC or line break is emitted."""
    out = []
    for c in s:
        if c == "\\":
            out.append("\\\\")
        elif c == "'":
            out.append("\\'")
        elif c == "$":
            out.append("\\$")
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        elif _unseen(c):
            out.append(f"\\u{{{ord(c):X}}}")
        else:
            out.append(c)
    return "'" + "".join(out) + "'"


def bicep_value(value: Any, indent: int = 0) -> str:
    """A Bicep literal (objects and arrays one entry per line, as Bicep requires)."""
    pad = "  " * indent
    if isinstance(value, Raw):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return bicep_string(value)
    if isinstance(value, list):
        if not value:
            return "[]"
        items = "".join(f"{pad}  {bicep_value(v, indent + 1)}\n" for v in value)
        return "[\n" + items + pad + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        lines = []
        for k, v in value.items():
            key = k if _IDENT.match(k) else bicep_string(k)
            lines.append(f"{pad}  {key}: {bicep_value(v, indent + 1)}\n")
        return "{\n" + "".join(lines) + pad + "}"
    raise TypeError(f"no Bicep literal for {type(value).__name__}")


def hcl_string(s: str) -> str:
    """An HCL quoted string: quotes and backslashes escaped, ``${``/``%{`` doubled so they stay
    text, every control, format (bidi) or separator character as ``\\uNNNN``/``\\UNNNNNNNN``."""
    out = []
    for i, c in enumerate(s):
        if c in "$%" and s.startswith("{", i + 1):
            out.append(c + c)  # $${ and %%{ are a literal ${ and %{
        elif c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        elif _unseen(c):
            out.append(f"\\u{ord(c):04X}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08X}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def hcl_value(value: Any, indent: int = 0) -> str:
    """A Terraform literal expression (objects as ``{ key = value }``)."""
    pad = "  " * indent
    if isinstance(value, Raw):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return hcl_string(value)
    if isinstance(value, list):
        if not value:
            return "[]"
        items = "".join(f"{pad}  {hcl_value(v, indent + 1)},\n" for v in value)
        return "[\n" + items + pad + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        pairs = [(_hcl_key(k), hcl_value(v, indent + 1)) for k, v in value.items()]
        return "{\n" + "".join(line + "\n" for line in hcl_attributes(pairs, pad + "  ")) + pad + "}"
    raise TypeError(f"no HCL literal for {type(value).__name__}")


def hcl_attributes(pairs: list[tuple[str, str]], pad: str) -> list[str]:
    """``key = value`` lines aligned as ``terraform fmt`` does: ``=`` lines up within runs of
    one-line attributes (heredocs count as one line); a multi-line value stands alone."""
    def one_line(v: str) -> bool:
        return "\n" not in v or v.startswith("<<")

    out: list[str] = []
    i = 0
    while i < len(pairs):
        if not one_line(pairs[i][1]):
            out.append(f"{pad}{pairs[i][0]} = {pairs[i][1]}")
            i += 1
            continue
        j = i
        while j < len(pairs) and one_line(pairs[j][1]):
            j += 1
        width = max(len(k) for k, _ in pairs[i:j])
        out.extend(f"{pad}{k.ljust(width)} = {v}" for k, v in pairs[i:j])
        i = j
    return out


def _hcl_key(k: str) -> str:
    return k if _IDENT.match(k) else hcl_string(k)


def identifier(text: str) -> str:
    """A Bicep / Terraform symbolic name from free text."""
    out = re.sub(r"[^A-Za-z0-9_]", "_", text).strip("_") or "x"
    return out if not out[0].isdigit() else "r_" + out


_COMMENT_LIMIT = 300


def comment_text(text: str, limit: int = _COMMENT_LIMIT) -> str:
    """Tenant text fit for a one-line comment in JSON-free languages (Bicep, HCL, shell, KQL).

    Control, format (bidi overrides, zero-width) and line/paragraph separator characters become
    ``?``, so nothing can end the comment line or reorder what a reviewer sees; ``*/`` is split
    so that no block comment can be closed; long text is cut.
    """
    out = "".join("?" if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn") else c
                  for c in text[: limit + 1])
    out = out.replace("*/", "* /")
    return out if len(out) <= limit else out[: limit - 1] + "…"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#|~@!+\-.=:])")


def _printable(text: str) -> str:
    """Control and format characters (bidi overrides included) removed; whitespace runs one space."""
    kept = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn")
                   or c in "\t\n\r")
    return " ".join(kept.split())


def md_text(value: Any) -> str:
    """Tenant text as inert Markdown (one line): no link, image, HTML, emphasis, heading or table."""
    return _MD_SPECIAL.sub(r"\\\1", _printable(str(value))).replace("&", "&amp;")


def md_code(value: Any) -> str:
    """Tenant text as a Markdown code span: the fence outgrows any backtick run inside."""
    text = _printable(str(value))
    runs = [len(m) for m in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"
