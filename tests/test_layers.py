"""The layer contracts of .importlinter (run by `make lint`): they cover the whole product, hold
today, and break on each kind of crossing they exist to stop.

The contracts are read with import-linter's own reader and checked on grimp's graph of the real
package; a crossing is simulated by adding one import edge to that graph.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import Any

import grimp
import pytest
from importlinter import configuration
from importlinter.application.use_cases import read_user_options
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract

ROOT = Path(__file__).resolve().parent.parent
TYPES: dict[str, Any] = {"layers": LayersContract, "forbidden": ForbiddenContract,
                         "acyclic_siblings": AcyclicSiblingsContract}
# Top-level modules outside the layers contract, and why: shared helpers and data that import no
# layer (errors, operations, schemas, termtext, outputs, outfolder, shipped, progress, config; drift and trend
# over findings files), the entry point, redaction (used by collection and by `auditor redact`), the
# terminal summary (a renderer, under the findings contract), and the emulator (its own contracts).
OUTSIDE_LAYERS = {"auditor.__main__", "auditor.errors", "auditor.operations", "auditor.schemas",
                  "auditor.termtext", "auditor.outputs", "auditor.outfolder", "auditor.shipped", "auditor.progress",
                  "auditor.config", "auditor.drift", "auditor.trend", "auditor.redact", "auditor.console",
                  "auditor.emulator"}


@cache
def _options() -> Any:
    configuration.configure()
    return read_user_options(str(ROOT / ".importlinter"))


def _broken(graph: grimp.ImportGraph) -> set[str]:
    options = _options()
    return {o["id"] for o in options.contracts_options
            if not TYPES[o["type"]](name=o["name"], session_options=options.session_options,
                                    contract_options=o).check(graph, verbose=False).kept}


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph("auditor", cache_dir=None, exclude_type_checking_imports=True)


def test_every_package_of_the_product_is_in_a_layer() -> None:
    layers = next(o["layers"] for o in _options().contracts_options if o["id"] == "layers")
    placed = {m.strip(" ()") for layer in layers for m in layer.replace(":", "|").split("|")}
    names = {f"auditor.{p.stem}" for p in (ROOT / "auditor").iterdir()
             if (p / "__init__.py").exists() or (p.suffix == ".py" and p.stem != "__init__")}
    assert sorted(names - placed - OUTSIDE_LAYERS) == [], "place the new package in a layer of .importlinter"


def test_the_contracts_hold() -> None:
    assert _broken(_graph()) == set()


@pytest.mark.parametrize(("importer", "imported", "breaks"), [
    ("auditor.render.model", "auditor.analysis.engine", {"findings-are-the-interface"}),
    ("auditor.remediate.writer", "auditor.collect.reader", {"findings-are-the-interface"}),
    ("auditor.analysis.engine", "auditor.render.model", {"layers"}),
    ("auditor.rules.base", "auditor.analysis.checks", {"layers", "no-cycles"}),
    ("auditor.azure.arm", "auditor.collect.requests", {"layers", "no-cycles"}),
    ("auditor.commands.common", "auditor.cli", {"layers", "no-cycles"}),
    ("auditor.emulator.resourcegraph", "auditor.collect.argshape", {"emulator-outside"}),
    ("auditor.collect.collector", "auditor.emulator.runner", {"product-without-emulator"}),
])
def test_a_crossing_breaks_its_contract(importer: str, imported: str, breaks: set[str]) -> None:
    graph = _graph()
    graph.add_import(importer=importer, imported=imported)
    assert breaks <= _broken(graph)


def test_the_product_never_imports_a_test_or_bench_helper() -> None:
    """tests/ and bench/ are not packages import-linter can see: their helpers' names are checked here."""
    helpers = {p.stem for d in ("tests", "bench") for p in (ROOT / d).glob("*.py")}
    offences = []
    for path in sorted((ROOT / "auditor").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            offences += [f"{path.relative_to(ROOT)}:{node.lineno} {n}" for n in names if n.split(".")[0] in helpers]
    assert offences == []
