"""Nothing outside the model layer (auditor/azure/) reads ARM ``properties`` directly (issue 17).

A read is ``arm.props(doc)``, ``doc["properties"]`` or ``doc.get("properties")`` (also through
``ci_get``) in load context. Writing ``"properties"`` into a generated template or a response is
output, not a read, and is allowed anywhere. Outside the product's layers: the emulator (it plays
Azure, serving documents as stored) and redaction (it rewrites the snapshot's JSON by path).

``GENERATED`` lists the reads of the tool's *own* generated documents (the custom export policy
definition remediation writes, read back to render it as ARM, Bicep and Terraform): output, not
Azure's documents. Each entry is an exact count, so a new read there fails too, and an entry
that is no longer needed fails until it is removed.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "auditor"
OUTSIDE_LAYERS = ("azure/", "emulator/", "redact/")

GENERATED: dict[str, int] = {
    "remediate/arm_render.py": 1,  # render_definition: the definition remediate/definitions.py built
    "remediate/bicep_render.py": 1,  # render_definition: same
    "remediate/terraform_render.py": 1,  # render_definition: same
    "remediate/definitions.py": 1,  # export_definition: its own per-destination resource spec
    "render/sarif_limits.py": 1,  # violations: a rule's tags in the SARIF file the tool wrote
}


def _is_properties(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value == "properties"


def properties_reads(tree: ast.AST) -> list[int]:
    """Line numbers of direct reads of ARM ``properties`` in a module."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if name == "props" or name in ("get", "ci_get") and any(_is_properties(a) for a in node.args):
                lines.append(node.lineno)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and _is_properties(node.slice):
            lines.append(node.lineno)
    return sorted(lines)


def _reads_by_module() -> dict[str, list[int]]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(OUTSIDE_LAYERS):
            continue
        found = properties_reads(ast.parse(path.read_text(encoding="utf-8")))
        if found:
            out[rel] = found
    return out


def test_only_the_model_layer_reads_arm_properties() -> None:
    found = _reads_by_module()
    over = {m: lines for m, lines in found.items() if len(lines) > GENERATED.get(m, 0)}
    assert not over, f"read ARM documents through auditor/azure/, not directly: {over}"
    stale = {m: (n, len(found.get(m, []))) for m, n in GENERATED.items() if len(found.get(m, [])) < n}
    assert not stale, f"fewer reads of generated documents than GENERATED says: lower the entries {stale}"


def test_the_scanner_sees_every_form_of_read() -> None:
    src = ('p = arm.props(doc)\nq = doc["properties"]\nr = doc.get("properties")\ns = arm.ci_get(doc, "properties")\n'
           'out = {"properties": {}}\nout["properties"] = {}\n')
    assert properties_reads(ast.parse(src)) == [1, 2, 3, 4]
