"""docs/snapshot-format.md and docs/findings-format.md name every field their schema knows,
every operation of the error vocabulary, and the version policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditor import operations
from auditor.schemas import DOCS, NAMES, schema

ROOT = Path(__file__).resolve().parent.parent


def _field_names(node: Any) -> set[str]:
    """Every property name declared anywhere in a schema."""
    names: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                names.update(value)
            names |= _field_names(value)
    elif isinstance(node, list):
        for item in node:
            names |= _field_names(item)
    return names


@pytest.mark.parametrize("name", NAMES)
def test_every_schema_field_is_documented(name: str) -> None:
    text = (ROOT / DOCS[name]).read_text(encoding="utf-8")
    missing = sorted(f for f in _field_names(schema(name)) if f"`{f}`" not in text)
    assert not missing, f"{DOCS[name]} does not describe these fields of the {name} schema: {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_the_version_policy_is_stated(name: str) -> None:
    text = (ROOT / DOCS[name]).read_text(encoding="utf-8")
    assert "## Versioning and stability" in text
    assert "incompatible" in text and "CHANGELOG.md" in text


def test_every_collection_operation_is_documented() -> None:
    text = (ROOT / "docs" / "snapshot-format.md").read_text(encoding="utf-8")
    missing = sorted(op for op in operations.KNOWN if f"`{op}`" not in text)
    assert not missing, f"docs/snapshot-format.md (errors) does not name these operations: {missing}"
