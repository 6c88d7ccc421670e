"""A subscription's verdict from its two axes: the table of docs/findings-format.md, as data.

The engine writes it into findings; remediation projects it for the state after its plan; the
reports list the verdicts in this order. One definition, so a projection is the verdict the
audit would give.
"""

from __future__ import annotations

VERDICTS = ("covered", "unenforced", "unremediated", "partial", "uncovered", "unknown")


def verdict(export: str, enforcement: str) -> str:
    if export == "unknown" or enforcement == "unknown":
        return "unknown"
    if enforcement == "effective":
        return "covered" if export == "complete" else "unremediated"
    return {"complete": "unenforced", "partial": "partial", "none": "uncovered"}[export]
