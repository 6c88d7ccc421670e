"""The ARM expression subset that decides what an export policy deploys."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.azure.policy.expressions import PARAM, UNKNOWN, Scope, evaluate, expression_body, parameter_reference

SCOPE = Scope(parameters={"on": "True", "off": False, "ws": "/ws", "empty": "", "obj": {"Name": "n"},
                          "list": ["a", "b"]},
              free=frozenset({"free"}), variables={"v": "[parameters('ws')]", "loop": "[variables('loop')]"})


@pytest.mark.parametrize(("expr", "expected"), [
    ("plain text", "plain text"),
    ("[parameters('ws')]", "/ws"),
    ("[[parameters('ws')]", "/ws"),  # ALZ escape
    ("[PARAMETERS('WS')]", "/ws"),  # names ignore case
    ("[variables('v')]", "/ws"),
    ("[variables('loop')]", UNKNOWN),  # self reference
    ("[parameters('free')]", PARAM),
    ("[parameters('missing')]", UNKNOWN),
    ("[field('name')]", UNKNOWN),
    ("[subscription().id]", UNKNOWN),
    ("[if(empty(parameters('empty')), json('null'), parameters('empty'))]", None),
    ("[if(empty(parameters('ws')), json('null'), parameters('ws'))]", "/ws"),
    ("[if(parameters('free'), 'a', 'b')]", PARAM),
    ("[if(parameters('free'), 'same', 'same')]", "same"),
    ("[concat('it''s ', parameters('ws'))]", "it's /ws"),
    ("[and(bool(parameters('on')), not(parameters('off')))]", True),
    ("[or(parameters('off'), equals(toLower(parameters('on')), 'true'))]", True),
    ("[parameters('obj').name]", "n"),
    ("[parameters('list')[1]]", "b"),
    ("[contains(parameters('list'), 'A')]", True),
    ("[concat(parameters('free'), field('x'))]", PARAM),  # a parameter could decide it
    ("[concat(]", UNKNOWN),
    ("[concat(", "[concat("),  # no closing bracket: a literal
    ("[-]", UNKNOWN),
])
def test_evaluate(expr: str, expected: Any) -> None:
    got = evaluate(expr, SCOPE)
    if expected is PARAM or expected is UNKNOWN:
        assert got is expected
    else:
        assert got == expected


def test_containers_are_evaluated_recursively() -> None:
    assert evaluate({"logs": [{"enabled": "[parameters('on')]"}]}, SCOPE) == {"logs": [{"enabled": "True"}]}


def test_expression_helpers() -> None:
    assert expression_body("[[parameters('effect')]") == "parameters('effect')"
    assert expression_body("no") is None
    assert parameter_reference("[parameters('Effect')]") == "effect"
    assert parameter_reference("[concat(parameters('a'))]") is None
    assert parameter_reference("DeployIfNotExists") is None
