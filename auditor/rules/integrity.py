"""ALA-EXP rules."""

from __future__ import annotations

from auditor.rules.base import Rule

RULES: tuple[Rule, ...] = ()
