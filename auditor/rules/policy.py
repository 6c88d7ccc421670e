"""ALA-POL rules: whether Azure Policy really keeps each subscription exporting (issue 3)."""

from __future__ import annotations

from auditor.rules.base import Rule

RULES: tuple[Rule, ...] = ()
