"""Validation of snapshots and findings documents against the shipped JSON Schemas.

A failure names the path in the document and the files a developer updates when the
format changed on purpose: the user documentation, the schema, and (only for an
incompatible change) the schemaVersion.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from auditor.schemas import DOCS, schema

VERSION_CONSTANT = {"snapshot": "SNAPSHOT_SCHEMA_VERSION", "findings": "FINDINGS_SCHEMA_VERSION"}


@cache
def validator(name: str) -> Draft202012Validator:
    s = schema(name)
    Draft202012Validator.check_schema(s)
    return Draft202012Validator(s)


def schema_errors(doc: Any, name: str) -> list[str]:
    """One line per violation: '$.path: message'."""
    out = []
    for e in sorted(validator(name).iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path)
        out.append(f"{path}: {e.message[:300]}")
    return out


def assert_valid(doc: Any, name: str, what: str = "") -> None:
    errors = schema_errors(doc, name)
    if errors:
        shown = "\n  ".join(errors[:10]) + (f"\n  ... and {len(errors) - 10} more" if len(errors) > 10 else "")
        raise AssertionError(
            f"{what or 'a ' + name + ' document'} does not match the {name} schema:\n  {shown}\n"
            f"If the {name} format changed on purpose: describe the field in {DOCS[name]}, add it to "
            f"auditor/data/schemas/{name}.schema.json, and bump {VERSION_CONSTANT[name]} in auditor/schemas.py "
            f"only for an incompatible change (see '{DOCS[name]}', Stability)."
        )
