"""Derive tests/fixtures/ci-schemas/azure-pipelines-schema.json from Microsoft's published schema.

The source, ``service-schema.json`` of microsoft/azure-pipelines-vscode (the schema the Azure
Pipelines VS Code extension validates YAML with), is 1.6 MB, almost all of it the inputs of every
built-in task. The reduced schema keeps every definition as published and, of the task variants,
only the tasks the examples use (:data:`TASKS`): a task outside that list, or an input a kept task
does not have, fails validation as it would in the editor. Nothing else is changed.

Usage: ``python tests/reduce_pipelines_schema.py SERVICE_SCHEMA_JSON OUT_JSON``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

TASKS = ("AzureCLI@2", "PublishPipelineArtifact@1", "UsePythonVersion@0")


def reduce_schema(schema: dict[str, Any], tasks: tuple[str, ...] = TASKS) -> dict[str, Any]:
    out = json.loads(json.dumps(schema))
    task = out["definitions"]["task"]
    patterns = {f"^{t}$" for t in tasks}
    task["anyOf"] = [v for v in task["anyOf"]
                     if v.get("properties", {}).get("task", {}).get("pattern") in patterns]
    names = task["properties"]["task"]
    names["anyOf"] = [v for v in names["anyOf"] if set(v.get("enum", [])) & set(tasks)]
    out["$comment"] = (f"{out.get('$comment', '')} Reduced by tests/reduce_pipelines_schema.py to the tasks "
                       f"{', '.join(tasks)} (PROVENANCE.md).").strip()
    return out


def main() -> None:
    src, dst = Path(sys.argv[1]), Path(sys.argv[2])
    reduced = reduce_schema(json.loads(src.read_text(encoding="utf-8-sig")))
    dst.write_text(json.dumps(reduced, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
