"""Check a generated ARM template the way Azure's template validation would, before anyone deploys it.

Azure refuses a whole template when one expression does not parse, calls a function that does
not exist, or a resource names an api-version its provider does not publish. So, for every
string of the document, nested templates included:

* ``"[...]"`` is a template expression: it must parse with the project's one expression parser
  (:mod:`auditor.azure.policy.expressions`) and call only ARM template functions
  (``auditor/data/arm_template_functions.json``, from Microsoft's list);
* ``"[[...]"`` is a literal for ARM that becomes an expression one level down (a policy rule, or
  the template a DeployIfNotExists policy deploys): the same, with the policy-rule functions too;
* every resource (an object with ``type`` and ``apiVersion``) and every ``reference(id, version)``
  uses the api-version of the one table (:mod:`auditor.remediate.api_versions`).

Returns problems as text, each with the JSON path where it was found; empty means valid.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from auditor.azure.policy.expressions import ExpressionSyntaxError, _Call, _Lit, _Member, expression_body, parse
from auditor.remediate import api_versions

_RESOURCE_ID_FUNCTIONS = {"resourceid": 0, "subscriptionresourceid": 0, "tenantresourceid": 0,
                          "extensionresourceid": 1}


@cache
def _functions() -> tuple[frozenset[str], frozenset[str], str]:
    text = (resources.files("auditor") / "data" / "arm_template_functions.json").read_text(encoding="utf-8")
    data = json.loads(text)
    template = frozenset(f.lower() for f in data["template"])
    return template, template | {f.lower() for f in data["policy"]}, str(data["listPrefix"]).lower()


def expression_calls(node: Any) -> list[_Call]:
    """Every function call in a parsed template expression, nested arguments included."""
    if isinstance(node, _Call):
        out = [node]
        for a in node.args:
            out += expression_calls(a)
        return out
    if isinstance(node, _Member):
        return expression_calls(node.target) + expression_calls(node.key)
    return []


def type_of_id(resource_id: str) -> str | None:
    """``.../providers/Ns/type/name[/child/name]`` -> ``Ns/type[/child]`` (None when not a resource id)."""
    parts = [p for p in resource_id.split("/") if p]
    low = [p.lower() for p in parts]
    if "providers" not in low:
        return None
    i = len(low) - 1 - low[::-1].index("providers")
    rest = parts[i + 1:]
    if len(rest) < 3:
        return None
    return "/".join([rest[0], *rest[1::2]])


def _referenced_type(target: Any) -> str | None:
    """The resource type a ``reference()`` first argument names, when it can be read."""
    if isinstance(target, _Lit) and isinstance(target.value, str):
        return type_of_id(target.value)
    if isinstance(target, _Call) and target.name in _RESOURCE_ID_FUNCTIONS:
        lits = [a.value for a in target.args if isinstance(a, _Lit) and isinstance(a.value, str) and "/" in a.value]
        return lits[0] if lits else None
    return None


def expression_problems(body: str, allowed: frozenset[str], where: str) -> list[str]:
    """Problems of one expression body (the text inside the brackets)."""
    try:
        node = parse(body)
    except (ExpressionSyntaxError, ValueError, RecursionError) as e:
        return [f"{where}: the expression does not parse ({e})"]
    _, _, list_prefix = _functions()
    out = []
    for call in expression_calls(node):
        if call.name not in allowed and not call.name.startswith(list_prefix):
            out.append(f"{where}: {call.name}() is not a template function")
        if call.name == "reference" and len(call.args) >= 2 and isinstance(call.args[1], _Lit):
            rtype = _referenced_type(call.args[0])
            version = str(call.args[1].value)
            if rtype is not None and not api_versions.known(rtype, version):
                out.append(f"{where}: reference() reads {rtype} at api-version {version}, which is not the "
                           "table's")
    return out


def _resource_problems(node: dict[str, Any], where: str) -> list[str]:
    rtype, version = node.get("type"), node.get("apiVersion")
    if not isinstance(rtype, str) or not isinstance(version, str) or "/" not in rtype:
        return []
    if rtype.startswith("[") or version.startswith("["):
        return []  # computed: the expression itself is checked
    if not api_versions.known(rtype, version):
        try:
            want = api_versions.of(rtype)
        except KeyError:
            return [f"{where}: resource type {rtype} is not in the api-version table"]
        return [f"{where}: {rtype}@{version} is not the table's api-version ({want})"]
    return []


def arm_problems(doc: Any) -> list[str]:
    """Every problem Azure's template validation would raise in ``doc`` (see the module docstring)."""
    template, with_policy, _ = _functions()
    out: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            out.extend(_resource_problems(node, where))
            for k, v in node.items():
                walk(v, f"{where}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}[{i}]")
        elif isinstance(node, str):
            s = node
            escaped = s.startswith("[[")
            body = expression_body(s)
            if body is not None:
                out.extend(expression_problems(body, with_policy if escaped else template, where))

    walk(doc, "$")
    return out
