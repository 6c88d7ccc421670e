"""Verbatim public reference files the tests read, vendored under ``tests/fixtures/``.

Sources and licences: ``PROVENANCE.md`` at the repository root. Nothing outside the
repository is read, so a plain clone tests green.
"""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REST_EXAMPLES = FIXTURES / "azure-rest-examples"
POLICY_CORPUS = FIXTURES / "policy-corpus"
