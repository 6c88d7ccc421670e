"""Every findings document and every collected snapshot a test produces is checked against
the shipped JSON Schemas (tests/schema_check.py), so the schemas and docs/*-format.md
cannot drift from what the code writes.

The two producers are wrapped once, before test modules are imported: ``engine.audit`` (all
findings, whether from ``audit_snapshot``, the CLI or a test) and
``collect.output.build_snapshot_document`` (every snapshot ``collect`` writes).
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable
from typing import Any

import pytest
from schema_check import assert_valid


def _checked(module_name: str, attr: str, kind: str) -> None:
    module = importlib.import_module(module_name)
    original: Callable[..., Any] = getattr(module, attr)

    @functools.wraps(original)
    def checked(*args: Any, **kwargs: Any) -> Any:
        doc = original(*args, **kwargs)
        assert_valid(doc, kind, f"the {kind} document from {module_name}.{attr}()")
        return doc

    for loaded in list(sys.modules.values()):  # also aliases bound at import (``audit as run_audit``)
        for name, value in list(vars(loaded).items()) if loaded is not None else []:
            if value is original:
                setattr(loaded, name, checked)


def pytest_configure(config: pytest.Config) -> None:
    importlib.import_module("auditor.cli")
    _checked("auditor.analysis.engine", "audit", "findings")
    _checked("auditor.collect.output", "build_snapshot_document", "snapshot")
