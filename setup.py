"""Build hook: copy the top-level ``report_templates/`` and ``policies/`` into the package.

Everything else is declared in ``pyproject.toml``. The folders stay at the top of the
repository where users and contributors look for them; the wheel carries them as package
data under ``auditor/_shipped/`` (found at run time by ``auditor/shipped.py``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("report_templates", "policies")


class BuildPyWithShipped(build_py):
    def run(self) -> None:
        super().run()
        for name in SHIPPED:
            target = Path(self.build_lib) / "auditor" / "_shipped" / name
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(ROOT / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithShipped})
