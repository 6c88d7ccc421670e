"""Folders the tool ships beside its code: ``report_templates/`` and ``policies/``.

Contributors find them at the top of the repository; a wheel carries them as package data
under ``auditor/_shipped/`` (copied at build time by ``setup.py``). Code asks here, never
builds a path from ``__file__`` itself, so a checkout, an editable install and an installed
wheel all work (packaging is tested by ``tests/test_wheel.py``, see CONTRIBUTING.md).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SHIPPED_DIR = PACKAGE_DIR / "_shipped"
FOLDERS = ("report_templates", "policies")


def shipped_folder(name: str) -> Path:
    """The installed copy of a top-level folder, else the checkout's own."""
    if name not in FOLDERS:
        raise ValueError(f"not a shipped folder: {name}")
    for candidate in (SHIPPED_DIR / name, PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise RuntimeError(f"{name}/ is missing from this installation (looked in {SHIPPED_DIR} and "
                       f"{PACKAGE_DIR.parent}); reinstall auditor from a wheel or a full checkout")


def report_templates() -> Path:
    return shipped_folder("report_templates")


def policies() -> Path:
    return shipped_folder("policies")
