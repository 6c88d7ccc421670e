"""Secrets never stored: what ``collect`` removes from documents before a snapshot is written.

A snapshot travels (tickets, shared drives, consultants), so credentials that ARM hands to a
Reader must not be in it: webhook, Logic App, Azure Function and runbook URLs carry their
access token in the query string, connection strings carry keys, secure policy parameters carry
whatever the deployer put there. Every rule here keeps the structure (a value becomes
:data:`MARKER`, an object keeps its members) so the analysis reads the same shapes, and a
snapshot without secrets comes out unchanged (the emulator round trip depends on that).
The list is documented in docs/redaction.md; keep the two in step.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from auditor.azure import arm

MARKER = "REDACTED"

# Query-string and connection-string members whose value is a credential (matched ignoring case).
SECRET_PARAMETERS = frozenset({
    "sig", "signature", "code", "token", "key", "apikey", "api-key", "api_key", "x-api-key",
    "subscription-key", "access_token", "accesstoken", "auth", "authkey", "password", "pwd", "secret",
    "client_secret", "clientsecret", "accountkey", "sharedaccesskey", "sharedaccesssignature",
    "instrumentationkey", "x-functions-key",
})
_PARAM_RE = re.compile(r"(^|[?&;#\s\"'])([A-Za-z][A-Za-z0-9_.-]*)=([^&;#\s\"']+)")
_SPACE_RE = re.compile(r"\s")
_USERINFO_RE = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^/@\s:\"']+):([^/@\s\"']+)@")
# Whole values that are credentials whatever their field: padded base64 of key length, JWTs, PEM keys.
_BASE64_KEY_RE = re.compile(r"^[A-Za-z0-9+/_-]{30,}={1,2}$")
_JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")
_PEM_RE = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|$)", re.S)
# Member names whose value is a credential (anchored: keyType, keySource, keyvaultproperties stay).
_SECRET_MEMBER_RE = re.compile(
    r"(?i)^(primary|secondary)?(key|keys|masterkey|accountkey|accesskey|sharedkey|sharedaccesskey|saskey|"
    r"connectionstring|connectionstrings|password|adminpassword|secret|clientsecret|token|accesstoken|"
    r"sastoken|sasurl|sasuri|apikey|authkey|authorizationkey|authenticationkey|signature|"
    r"instrumentationkey)$")
_SECURE_TYPES = frozenset({"securestring", "secureobject"})
_SNAPSHOT_FIELDS_READ_ABOVE = frozenset({"schemaVersion", "tool", "collectedAt", "cloud", "tenantId",
                                         "rootManagementGroupId", "resources", "policyStates", "errors"})
_POLICY_STATE_PARAMETER_FIELDS = ("policyAssignmentParameters", "effectiveParameters", "policySetDefinitionParameters")


class Redactor:
    """Counts what it removed (``count``) so ``collect`` can say so; one instance per snapshot."""

    def __init__(self) -> None:
        self.count = 0

    # --- strings -----------------------------------------------------------------------------
    def text(self, value: str) -> str:
        """A string with the credentials inside it replaced (query/connection-string members, ...)."""
        if value == MARKER or len(value) < 8:
            return value
        if _BASE64_KEY_RE.match(value):
            return self._hit()
        out = value
        if "=" in out and ("://" in out or ";" in out or not _SPACE_RE.search(out)):
            # URLs, connection strings and bare SAS tokens; not prose or KQL (``extend key=...``)
            out = _PARAM_RE.sub(self._param, out)
        if "@" in out and "://" in out:
            out = _USERINFO_RE.sub(lambda m: self._sub(m, f"{m.group(1)}:{MARKER}@", m.group(2)), out)
        if "eyJ" in out:
            out = _JWT_RE.sub(lambda m: self._sub(m, MARKER, m.group(0)), out)
        if "PRIVATE KEY" in out:
            out = _PEM_RE.sub(lambda m: self._sub(m, MARKER, m.group(0)), out)
        return out

    def _param(self, m: re.Match[str]) -> str:
        name, value = m.group(2), m.group(3)
        if name.lower() not in SECRET_PARAMETERS or value == MARKER:
            return m.group(0)
        self.count += 1
        return f"{m.group(1)}{name}={MARKER}"

    def _sub(self, m: re.Match[str], replacement: str, secret: str) -> str:
        if secret == MARKER:
            return m.group(0)
        self.count += 1
        return replacement

    def _hit(self) -> str:
        self.count += 1
        return MARKER

    # --- trees -------------------------------------------------------------------------------
    def tree(self, value: Any) -> Any:
        """Every string checked; members named like credentials emptied of their values."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.tree(v) for v in value]
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for k, v in value.items():
                out[k] = self.secret_value(v) if _secret_member(k) else self.tree(v)
            return _secure_declarations(out, self)
        return value

    def secret_value(self, value: Any) -> Any:
        """A credential-bearing value: every leaf string becomes the marker, the shape stays.

        A parameter value object keeps its members but loses ``value``; a parameter declaration
        keeps ``type`` and ``metadata`` but loses ``defaultValue``/``allowedValues``.
        """
        if isinstance(value, str):
            return value if value in ("", MARKER) or _is_expression(value) else self._hit()
        if isinstance(value, list):
            return [self.secret_value(v) for v in value]
        if isinstance(value, dict):
            if "value" in value or "type" in value:
                secret = {"value", "defaultValue", "allowedValues"}
                return {k: (self.secret_value(v) if k in secret else self.tree(v)) for k, v in value.items()}
            return {k: self.secret_value(v) for k, v in value.items()}
        return value


@functools.lru_cache(maxsize=4096)
def _secret_member(name: Any) -> bool:
    """Member names repeat across a tenant's documents: match each one once."""
    return _SECRET_MEMBER_RE.match(str(name)) is not None


def _is_expression(value: str) -> bool:
    """An ARM template expression (``[parameters('x')]``) names a value, it is not one."""
    return value.startswith("[") and value.endswith("]") and not value.startswith("[[")


def _secure_declarations(obj: dict[str, Any], r: Redactor) -> dict[str, Any]:
    """Inside one object: a ``parameters`` block's secure declarations lose their defaults, and a
    sibling-or-nested ``parameters`` value block passing those names loses the values.

    This covers a DeployIfNotExists deployment (template parameters declared secureString, the
    deployment's ``parameters`` passing literals to them).
    """
    names = secure_names(obj.get("parameters"))
    template = obj.get("template")
    if isinstance(template, dict):
        names |= secure_names(template.get("parameters"))
    if not names:
        return obj
    return {**obj, "parameters": redact_parameter_values(obj.get("parameters"), names, r)}


def secure_names(declarations: Any) -> set[str]:
    """Names (lower case) of parameter declarations typed secureString / secureObject."""
    if not isinstance(declarations, dict):
        return set()
    return {str(name).lower() for name, decl in declarations.items()
            if isinstance(decl, dict) and str(arm.ci_get(decl, "type") or "").lower() in _SECURE_TYPES}


def redact_parameter_values(block: Any, names: Iterable[str], r: Redactor) -> Any:
    """A ``parameters`` block (declarations or ``{name: {value}}``) with the named entries' values removed."""
    wanted = set(names)
    if not isinstance(block, dict) or not wanted:
        return block
    return {k: (r.secret_value(v) if str(k).lower() in wanted and isinstance(v, dict) else v) for k, v in block.items()}


def redact_snapshot(snapshot: dict[str, Any]) -> int:
    """Remove credentials from a snapshot document in place; returns how many values were removed.

    The one place collection output passes through (``auditor.collect.output``).
    """
    r = Redactor()
    snapshot["resources"] = [r.tree(d) for d in snapshot.get("resources") or []]
    secure = _secure_parameters_by_definition(snapshot["resources"])
    by_assignment: dict[str, set[str]] = {}
    for doc in snapshot["resources"]:
        if isinstance(doc, dict) and arm.kind_of(doc) == arm.POLICY_ASSIGNMENT:
            names = secure.get(arm.norm_id(arm.props(doc).get("policyDefinitionId")), set())
            by_assignment[arm.norm_id(doc.get("id"))] = names
            if names and isinstance(doc.get("properties"), dict):
                doc["properties"]["parameters"] = redact_parameter_values(doc["properties"].get("parameters"), names, r)
    snapshot["policyStates"] = [_policy_state(r, s, by_assignment) for s in snapshot.get("policyStates") or []]
    snapshot["errors"] = [r.tree(e) for e in snapshot.get("errors") or []]
    for key, value in snapshot.items():  # sections added later (delivery, ...) pass the same rules
        if key not in _SNAPSHOT_FIELDS_READ_ABOVE:
            snapshot[key] = r.tree(value)
    return r.count


def _secure_parameters_by_definition(resources: list[Any]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for doc in resources:
        if isinstance(doc, dict) and arm.kind_of(doc) in (arm.POLICY_DEFINITION, arm.POLICY_SET_DEFINITION):
            names = secure_names(arm.props(doc).get("parameters"))
            if names:
                out[arm.norm_id(doc.get("id"))] = names
    return out


def _policy_state(r: Redactor, state: Any, by_assignment: dict[str, set[str]]) -> Any:
    """Policy states repeat assignment parameters as JSON text: the same secure names go."""
    state = r.tree(state)
    if not isinstance(state, dict):
        return state
    names = by_assignment.get(arm.norm_id(state.get("policyAssignmentId")), set())
    for field_name in _POLICY_STATE_PARAMETER_FIELDS:
        if field_name in state:
            state[field_name] = _json_text(state[field_name], lambda v: _parameter_text(v, names, r))
    return state


def _parameter_text(value: Any, names: set[str], r: Redactor) -> Any:
    value = r.tree(value)
    if isinstance(value, dict) and names:
        return redact_parameter_values(value, names, r)
    return value


def _json_text(value: Any, fn: Callable[[Any], Any]) -> Any:
    """Apply ``fn`` to JSON held in a string; the string is kept byte for byte unless ``fn`` changed something."""
    if not isinstance(value, str) or not value.strip().startswith("{"):
        return value
    try:
        parsed = json.loads(value)
    except ValueError:
        return value
    changed = fn(parsed)
    return value if changed == parsed else json.dumps(changed, separators=(",", ":"))
