"""What an alert that covers an operation is, and how a log query is matched to the activity log:
shared by the alert axis (alerts.py) and the Sentinel facts it builds on (sentinel.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CoveringAlert:
    id: str
    kind: str  # activity_log | log_search | sentinel
    notifies: bool
    action_groups: tuple[str, ...]


def reads_activity_log(query: str) -> bool:
    """Whether a log query reads the activity log table (``AzureActivity``), in any casing."""
    return "azureactivity" in query.lower()


def names_operation(query: str, operation: str) -> bool:
    """Whether a log query names an operation (the text match log search coverage relies on)."""
    return operation.lower() in query.lower()
