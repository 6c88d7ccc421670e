"""The file formats' versions and their JSON Schemas (shipped in ``auditor/data/schemas``).

docs/snapshot-format.md and docs/findings-format.md say what each field means and when a
``schemaVersion`` is bumped; the schemas are the machine-checkable half of those documents.
``auditor schema snapshot|findings`` prints them; the test suite validates the demo
snapshot, the golden findings and every findings document the tests generate against them.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

SNAPSHOT_SCHEMA_VERSION = 1
FINDINGS_SCHEMA_VERSION = 1

NAMES = ("snapshot", "findings")
DOCS = {"snapshot": "docs/snapshot-format.md", "findings": "docs/findings-format.md"}


@cache
def schema_text(name: str) -> str:
    """The schema file as shipped, byte for byte."""
    if name not in NAMES:
        raise ValueError(f"unknown schema {name!r} (expected one of {', '.join(NAMES)})")
    return (resources.files("auditor") / "data" / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8")


def schema(name: str) -> dict[str, Any]:
    """A fresh parsed copy of a schema."""
    return json.loads(schema_text(name))
