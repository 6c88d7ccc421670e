"""The project's one synthetic tenant generator (bench/synthetic_tenant.py), loaded for tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _load_generator() -> Any:
    spec = importlib.util.spec_from_file_location("synthetic_tenant", ROOT / "bench" / "synthetic_tenant.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("synthetic_tenant", module)
    spec.loader.exec_module(module)
    return module


synthetic = _load_generator()


def tenant(n: int = 24, *, errors: bool = True, seed: int = 1, names: dict[int, str] | None = None) -> dict[str, Any]:
    """A snapshot dict of ``n`` subscriptions; ``names`` overrides display names by index."""
    return synthetic.generate(n, seed, errors=errors, names=names)
