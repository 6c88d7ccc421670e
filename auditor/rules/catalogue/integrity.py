"""ALA-AUD rules: could the audit read everything it judges?

The catalogue: what each rule is (id, title, severity, axis, rationale, fix, controls, and the
sentence the report prints for its open findings). How each is judged: auditor/analysis/checks/integrity.py.
"""

from __future__ import annotations

from auditor.rules.base import Rule

UNREADABLE = Rule(
    "ALA-AUD-001", "Part of the tenant could not be read", "high",
    "What the audit could not read it cannot vouch for: an unreadable scope is unknown, not "
    "compliant, and is often exactly where nobody looks.",
    "Grant the collecting identity Reader and Management Group Reader at the tenant root group and "
    "collect again.",
    (),  # decides no control: what it reports makes the controls it touches unknown (manual), never passed
    axis="integrity",
    risk=("{n} scope(s) or call(s) could not be read: their coverage is unknown, not assumed fine."),
)

RULES: tuple[Rule, ...] = (
    UNREADABLE,
)
