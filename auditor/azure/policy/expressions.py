"""A small evaluator for the ARM / Azure Policy template expressions that decide an export.

Classification must know what a DeployIfNotExists deployment will create: which log
categories are enabled and which destination property is set. Those values are written as
expressions (``"[parameters('logsEnabled')]"``, ``"[if(equals(parameters('x'), ''), ...)]"``)
that flow from the assignment through the policy parameters into the template parameters.

The evaluator understands the functions such templates use for that purpose and returns two
sentinels for everything else, so a result is never guessed:

* :data:`PARAM` -- the value depends on a parameter the caller left *free* (classification
  without an assignment: the value is "parameterised");
* :data:`UNKNOWN` -- the value depends on something only known at deployment time
  (``field()``, ``subscription()``, ``uniqueString()``, ...).

ALZ copies escape expressions for an outer ARM deployment (``"[[parameters('x')]"``); one
level of that escape is accepted wherever an expression is read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


PARAM: Any = _Sentinel("PARAM")
UNKNOWN: Any = _Sentinel("UNKNOWN")


def is_sentinel(value: Any) -> bool:
    return value is PARAM or value is UNKNOWN


def expression_body(value: Any) -> str | None:
    """The expression inside ``"[...]"`` (or ALZ-escaped ``"[[...]"``), else None for a literal."""
    if not isinstance(value, str):
        return None
    s = value.strip()
    if len(s) < 2 or not s.startswith("[") or not s.endswith("]"):
        return None
    body = s[1:-1]
    if body.startswith("["):
        body = body[1:]
    return body.strip() or None


# --------------------------------------------------------------------------- parsing

@dataclass(frozen=True)
class _Lit:
    value: Any


@dataclass(frozen=True)
class _Call:
    name: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class _Member:
    target: Any
    key: Any  # node


class ExpressionSyntaxError(ValueError):
    pass


class _Parser:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0

    def _ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i].isspace():
            self.i += 1

    def _peek(self) -> str:
        self._ws()
        return self.s[self.i] if self.i < len(self.s) else ""

    def _expect(self, ch: str) -> None:
        if self._peek() != ch:
            raise ExpressionSyntaxError(f"expected {ch!r} at {self.i} in {self.s!r}")
        self.i += 1

    def parse(self) -> Any:
        node = self._expr()
        if self._peek():
            raise ExpressionSyntaxError(f"trailing text at {self.i} in {self.s!r}")
        return node

    def _expr(self) -> Any:
        node = self._primary()
        while True:
            ch = self._peek()
            if ch == ".":
                self.i += 1
                self._ws()
                start = self.i
                while self.i < len(self.s) and (self.s[self.i].isalnum() or self.s[self.i] in "_$"):
                    self.i += 1
                node = _Member(node, _Lit(self.s[start:self.i]))
            elif ch == "[":
                self.i += 1
                key = self._expr()
                self._expect("]")
                node = _Member(node, key)
            else:
                return node

    def _primary(self) -> Any:
        ch = self._peek()
        if ch == "'":
            return _Lit(self._string())
        if ch.isdigit() or ch == "-":
            start = self.i
            self.i += 1
            while self.i < len(self.s) and self.s[self.i].isdigit():
                self.i += 1
            return _Lit(int(self.s[start:self.i]))
        start = self.i
        # namespace-qualified user functions (ns.func) keep the dot in their name
        while self.i < len(self.s) and (self.s[self.i].isalnum() or self.s[self.i] in "_."):
            self.i += 1
        name = self.s[start:self.i]
        if not name:
            raise ExpressionSyntaxError(f"unexpected {ch!r} at {self.i} in {self.s!r}")
        self._expect("(")
        args: list[Any] = []
        if self._peek() != ")":
            while True:
                args.append(self._expr())
                if self._peek() == ",":
                    self.i += 1
                    continue
                break
        self._expect(")")
        return _Call(name.lower(), tuple(args))

    def _string(self) -> str:
        self.i += 1  # opening quote
        out: list[str] = []
        while self.i < len(self.s):
            c = self.s[self.i]
            if c == "'":
                if self.i + 1 < len(self.s) and self.s[self.i + 1] == "'":
                    out.append("'")
                    self.i += 2
                    continue
                self.i += 1
                return "".join(out)
            out.append(c)
            self.i += 1
        raise ExpressionSyntaxError(f"unterminated string in {self.s!r}")


def parse(body: str) -> Any:
    return _Parser(body).parse()


def parameter_reference(value: Any) -> str | None:
    """``"[parameters('x')]"`` -> ``"x"`` (lower case); None for anything else."""
    body = expression_body(value)
    if body is None:
        return None
    try:
        node = parse(body)
    except (ValueError, RecursionError):
        return None
    if (isinstance(node, _Call) and node.name == "parameters" and len(node.args) == 1
            and isinstance(node.args[0], _Lit) and isinstance(node.args[0].value, str)):
        return node.args[0].value.lower()
    return None


# --------------------------------------------------------------------------- evaluation

ParamResolver = Callable[[str], Any]


@dataclass
class Scope:
    """What ``parameters()`` and ``variables()`` mean where an expression is evaluated.

    ``parameters`` maps lower-case names to already evaluated values (possibly sentinels);
    names in ``free`` evaluate to :data:`PARAM`; names absent from both to :data:`UNKNOWN`.
    ``variables`` holds raw (unevaluated) variable definitions of a template.
    """

    parameters: Mapping[str, Any] = field(default_factory=dict)
    free: frozenset[str] = frozenset()
    variables: Mapping[str, Any] = field(default_factory=dict)
    _var_cache: dict[str, Any] = field(default_factory=dict)
    _var_busy: set[str] = field(default_factory=set)

    def parameter(self, name: str) -> Any:
        key = name.lower()
        if key in self.free:
            return PARAM
        if key in self.parameters:
            return self.parameters[key]
        return UNKNOWN

    def variable(self, name: str) -> Any:
        key = name.lower()
        if key in self._var_cache:
            return self._var_cache[key]
        raw = next((v for k, v in self.variables.items() if k.lower() == key), UNKNOWN)
        if key in self._var_busy:
            return UNKNOWN
        self._var_busy.add(key)
        try:
            value = evaluate(raw, self) if raw is not UNKNOWN else UNKNOWN
        finally:
            self._var_busy.discard(key)
        self._var_cache[key] = value
        return value


def evaluate(value: Any, scope: Scope) -> Any:
    """Evaluate a JSON value: expression strings are evaluated, containers recursively."""
    if isinstance(value, str):
        body = expression_body(value)
        if body is None:
            return value
        try:
            node = parse(body)
        except (ValueError, RecursionError):
            return UNKNOWN
        return _eval(node, scope)
    if isinstance(value, list):
        return [evaluate(v, scope) for v in value]
    if isinstance(value, dict):
        return {k: evaluate(v, scope) for k, v in value.items()}
    return value


def _taint(values: list[Any]) -> Any:
    """PARAM wins over UNKNOWN: a value a parameter could set is reported as parameterised."""
    if any(v is PARAM for v in values):
        return PARAM
    if any(v is UNKNOWN for v in values):
        return UNKNOWN
    return None


def truthy(value: Any) -> Any:
    """ARM-style boolean of a value; strings 'true'/'false' as the templates use them."""
    if is_sentinel(value):
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        v = value.strip().lower()
        if v == "true":
            return True
        if v == "false":
            return False
        return UNKNOWN
    if isinstance(value, int):
        return value != 0
    return UNKNOWN


def _equals(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    return bool(a == b)


def _eval(node: Any, scope: Scope) -> Any:
    if isinstance(node, _Lit):
        return node.value
    if isinstance(node, _Member):
        target = _eval(node.target, scope)
        key = _eval(node.key, scope)
        t = _taint([target, key])
        if t is not None:
            return t
        if isinstance(target, dict) and isinstance(key, str):
            for k, v in target.items():
                if k.lower() == key.lower():
                    return v
            return UNKNOWN
        if isinstance(target, list) and isinstance(key, int) and 0 <= key < len(target):
            return target[key]
        return UNKNOWN
    assert isinstance(node, _Call)
    name, args = node.name, node.args
    if name == "if" and len(args) == 3:
        cond = truthy(_eval(args[0], scope))
        if is_sentinel(cond):
            branches = [_eval(args[1], scope), _eval(args[2], scope)]
            if not any(is_sentinel(b) for b in branches) and _equals(branches[0], branches[1]):
                return branches[0]
            return cond
        return _eval(args[1] if cond else args[2], scope)
    vals = [_eval(a, scope) for a in args]
    if name == "parameters" and len(vals) == 1:
        return vals[0] if is_sentinel(vals[0]) else scope.parameter(str(vals[0]))
    if name == "variables" and len(vals) == 1:
        return vals[0] if is_sentinel(vals[0]) else scope.variable(str(vals[0]))
    fn = _PURE.get(name)
    if fn is None:
        return UNKNOWN  # field(), subscription(), uniqueString(), resourceId(), ...
    t = _taint(vals)
    if t is not None:
        return t
    try:
        return fn(vals)
    except (TypeError, ValueError, IndexError, KeyError, AttributeError):
        return UNKNOWN


def _json(vals: list[Any]) -> Any:
    import json

    return json.loads(vals[0])


def _logic(values: list[Any], combine: Callable[[list[bool]], bool]) -> Any:
    flags = [truthy(x) for x in values]
    if any(is_sentinel(f) for f in flags):
        return UNKNOWN
    return combine(flags)


def _empty(v: Any) -> bool:
    return v is None or v == "" or v == [] or v == {}


_PURE: dict[str, Callable[[list[Any]], Any]] = {
    "equals": lambda v: _equals(v[0], v[1]),
    "not": lambda v: (not t) if isinstance(t := truthy(v[0]), bool) else t,
    "and": lambda v: _logic(v, all),
    "or": lambda v: _logic(v, any),
    "bool": lambda v: truthy(v[0]),
    "true": lambda v: True,
    "false": lambda v: False,
    "null": lambda v: None,
    "tolower": lambda v: str(v[0]).lower(),
    "toupper": lambda v: str(v[0]).upper(),
    "trim": lambda v: str(v[0]).strip(),
    "string": lambda v: v[0] if isinstance(v[0], str) else str(v[0]).lower() if isinstance(v[0], bool) else str(v[0]),
    "concat": lambda v: "".join(str(x) for x in v) if all(isinstance(x, str) for x in v)
    else [y for x in v for y in x],
    "empty": lambda v: _empty(v[0]),
    "json": _json,
    "coalesce": lambda v: next((x for x in v if x is not None), None),
    "createarray": lambda v: list(v),
    "length": lambda v: len(v[0]),
    "contains": lambda v: (v[1].lower() in [str(x).lower() for x in v[0]]) if isinstance(v[0], list)
    else (str(v[1]).lower() in str(v[0]).lower()),
}
