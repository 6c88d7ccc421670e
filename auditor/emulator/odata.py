"""The small part of OData ``$filter`` that ARM list calls accept, parsed once per request.

Supported: clauses joined by ``and`` (case-insensitive), each one of

- a function without argument: ``atScope()``, ``atExactScope()``, ``excludeExpired()``;
- a function with one quoted argument: ``assignedTo('<principal id>')``;
- a comparison ``<field> eq '<value>'`` or ``<field> ne '<value>'`` (also unquoted values
  such as ``true`` / numbers), compared case-insensitively as strings, ignoring a leading
  slash.

Anything else (``or``, ``not``, parentheses, ``contains``...) raises :class:`UnsupportedFilter`,
which routes answer with 400 so an unexpected query never looks like an empty result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_AND = re.compile(r"\s+and\s+", re.I)
_FUNC = re.compile(r"^([A-Za-z]+)\(\s*(?:'((?:[^']|'')*)')?\s*\)$")
_COMPARE = re.compile(r"^([A-Za-z_@][\w./@]*)\s+(eq|ne)\s+(?:'((?:[^']|'')*)'|([^\s']+))$", re.I)


class UnsupportedFilter(ValueError):
    """The filter uses OData the emulator does not implement."""


@dataclass(frozen=True)
class Comparison:
    field: str  # as written
    op: str  # "eq" | "ne"
    value: str

    def matches(self, record: dict[str, Any]) -> bool:
        # A leading slash never matters: ARM ids and PolicyInsights resource types
        # ("/Microsoft.Network/publicIPAddresses") are written both ways.
        actual = _as_text(_lookup(record, self.field)).lstrip("/")
        equal = actual == self.value.lower().lstrip("/")
        return equal if self.op == "eq" else not equal


@dataclass
class Filter:
    functions: dict[str, str | None] = field(default_factory=dict)  # lower-case name -> argument
    comparisons: list[Comparison] = field(default_factory=list)

    def has(self, function: str) -> bool:
        return function.lower() in self.functions

    def argument(self, function: str) -> str | None:
        return self.functions.get(function.lower())

    def value_of(self, field_name: str) -> str | None:
        """The value of an ``eq`` comparison on ``field_name`` (case-insensitive name), if any."""
        for c in self.comparisons:
            if c.op == "eq" and c.field.lower() == field_name.lower():
                return c.value
        return None

    def matches(self, record: dict[str, Any]) -> bool:
        return all(c.matches(record) for c in self.comparisons)

    @property
    def key(self) -> str:
        """Canonical text, used as a cache key."""
        funcs = ",".join(f"{k}({v or ''})" for k, v in sorted(self.functions.items()))
        comps = ",".join(f"{c.field.lower()} {c.op} {c.value.lower()}" for c in self.comparisons)
        return funcs + "|" + comps


def _as_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).lower()


def _lookup(record: dict[str, Any], path: str) -> Any:
    """Field value by case-insensitive name; ``a/b`` walks into nested objects."""
    cur: Any = record
    for part in path.split("/"):
        if not isinstance(cur, dict):
            return None
        if part in cur:
            cur = cur[part]
            continue
        low = part.lower()
        cur = next((v for k, v in cur.items() if isinstance(k, str) and k.lower() == low), None)
    return cur


def parse_filter(text: str | None) -> Filter:
    """Parse ``$filter``; empty or missing gives an empty filter that matches everything."""
    result = Filter()
    if not text or not text.strip():
        return result
    for raw in _AND.split(text.strip()):
        clause = raw.strip()
        m = _FUNC.match(clause)
        if m:
            arg = m.group(2)
            result.functions[m.group(1).lower()] = arg.replace("''", "'") if arg is not None else None
            continue
        m = _COMPARE.match(clause)
        if m:
            value = m.group(3) if m.group(3) is not None else m.group(4)
            result.comparisons.append(Comparison(m.group(1), m.group(2).lower(), value.replace("''", "'")))
            continue
        raise UnsupportedFilter(f"unsupported $filter clause: {clause!r}")
    return result
