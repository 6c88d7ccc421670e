"""The project's policy catalogue, ``policies/*.json``: each file and the code that builds it.

``python -m auditor.remediate.policy_files policies`` writes the folder; a test keeps the folder
and this list identical. It sits apart from the definitions it lists: the alert definition for
every sensitive operation (alert_policy.py) builds on the constants of definitions.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from auditor.remediate.alert_policy import alert_definition as all_operations_alert_definition
from auditor.remediate.definitions import (
    EVENT_HUB,
    STORAGE,
    alert_definition,
    dump,
    export_definition,
    management_group_diagnostic_template,
)

POLICY_FILES: dict[str, Callable[[], dict[str, Any]]] = {
    "activity-log-to-storage.json": lambda: export_definition(STORAGE),
    "activity-log-to-event-hub.json": lambda: export_definition(EVENT_HUB),
    "activity-log-alert.json": alert_definition,
    "activity-log-alerts.json": all_operations_alert_definition,
    "management-group-diagnostic-setting.json": management_group_diagnostic_template,
}


def write_policies(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, build in POLICY_FILES.items():
        path = folder / name
        path.write_text(dump(build()), encoding="utf-8")
        out.append(path)
    return out


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    import sys

    for p in write_policies(Path(sys.argv[1] if len(sys.argv) > 1 else "policies")):
        print(p)
