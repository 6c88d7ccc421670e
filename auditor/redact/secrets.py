"""Secrets never stored: what ``collect`` removes from documents before a snapshot is written.

A snapshot travels (tickets, shared drives, consultants), so credentials that ARM hands to a
Reader must not be in it: webhook, Logic App, Azure Function and runbook URLs carry their
access token in the query string or the path (a Slack or Teams webhook URL *is* the
credential), connection strings carry keys, policy parameters carry whatever the deployer put
there, and JSON held in a string (an ITSM receiver's ``ticketConfiguration``) carries all of it
again. Names are matched by pattern (``...Secret``, ``...Token``), not by a list that a new
member name slips past. Every rule here keeps the structure (a value becomes
:data:`MARKER`, an object keeps its members) so the analysis reads the same shapes, and a
snapshot without secrets comes out unchanged (the emulator round trip depends on that).
The list is documented in docs/redaction.md; keep the two in step.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from auditor.azure import arm

MARKER = "REDACTED"

# Query-string and connection-string members whose value is a credential besides those named
# like one (:func:`credential_name`); matched after lower-casing and dropping ``-``/``_``/``.``.
_SECRET_PARAMETERS = frozenset({"sig", "code"})
# A name is a credential's when, lower-cased without separators, it ends with one of these...
_CREDENTIAL_SUFFIXES = (
    "key", "keys", "secret", "secrets", "password", "passwords", "passwd", "pwd", "passphrase", "token", "tokens",
    "signature", "credential", "credentials", "connectionstring", "connectionstrings", "auth", "authorization",
    "sasurl", "sasuri", "sas",
)
# ... unless it is one of these (not credentials; ``keyType``, ``keySource`` do not end with a suffix).
_NOT_CREDENTIALS = frozenset({"publickey", "publickeys", "partitionkey", "rowkey", "sortkey", "idempotencykey",
                              "useaadauth", "aadauth"})
_NAME_RE = re.compile(r"^[A-Za-z_$@][A-Za-z0-9_. $@-]{0,80}$")
_PARAM_RE = re.compile(r"(^|[?&;,#\s\"'])([A-Za-z][A-Za-z0-9_.-]*)=([^&;,#\s\"']+)")
_SPACE_RE = re.compile(r"\s")
_USERINFO_RE = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^/@\s:\"']+):([^/@\s\"']+)@")
# Whole values that are credentials whatever their field: padded base64 of key length, JWTs, PEM keys.
_BASE64_KEY_RE = re.compile(r"^[A-Za-z0-9+/_-]{30,}={1,2}$")
_JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")
_PEM_RE = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|$)", re.S)
# Authorization header values: ``Bearer <token>``, ``Basic <base64 of user:password>``, a SAS.
_BEARER_RE = re.compile(r"(?i)\b(bearer|basic|sharedaccesssignature)\s+([A-Za-z0-9._~+/=%&-]{8,})")
# Capability URLs: whoever holds the URL can post (the token is in the path). Host suffixes.
CAPABILITY_HOSTS = (
    "hooks.slack.com", "webhook.office.com", "events.pagerduty.com", "events.eu.pagerduty.com", "discord.com",
    "discordapp.com", "chat.googleapis.com", "hooks.zapier.com", "maker.ifttt.com", "api.telegram.org",
    "webhook.site",
)
# ... and any host's URL whose path names a webhook: the legacy Teams connector
# (outlook.office.com/webhook/<guid>@<guid>/IncomingWebhook/<token>/<guid>), self-hosted hooks;
# a path segment must follow it (a page about hooks, ``.../settings/hooks``, holds no token; a
# query such as Azure Automation's ``/webhooks?token=`` loses its credential members by name).
_HOOK_PATH_RE = re.compile(r"(?i)/(webhooks?|webhookb2|incomingwebhook|hooks?)/[^/?#]")
_URL_RE = re.compile(r"(?P<scheme>https?)://(?:[^/@\s\"'<>]+@)?(?P<host>[A-Za-z0-9.-]+)(?P<port>:\d+)?"
                     r"(?P<rest>[/?#][^\s\"'<>;,)]*)?", re.I)
# Members whose URL is a receiver's or webhook's address (besides every URL inside ``...Receivers``).
_HOOK_URL_MEMBER_RE = re.compile(r"(?i)(hook|callback|trigger|receiver|notification|service)[a-z_]*(ur[il]|endpoint)$")
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
        if value.lstrip()[:1] in ("{", "["):
            held = self._json_held(value)
            if held is not None:
                return held
        out = value
        if "://" in out and ("hook" in out.lower() or any(h in out.lower() for h in CAPABILITY_HOSTS)):
            out = _URL_RE.sub(lambda m: self.capability_url(m) if _capability_url(m) else m.group(0), out)
        if "=" in out and ("://" in out or ";" in out or not _SPACE_RE.search(out)):
            # URLs, connection strings and bare SAS tokens; not prose or KQL (``extend key=...``)
            out = _PARAM_RE.sub(self._param, out)
        if "@" in out and "://" in out:
            out = _USERINFO_RE.sub(lambda m: self._sub(m, f"{m.group(1)}:{MARKER}@", m.group(2)), out)
        if "eyJ" in out:
            out = _JWT_RE.sub(lambda m: self._sub(m, MARKER, m.group(0)), out)
        if "PRIVATE KEY" in out:
            out = _PEM_RE.sub(lambda m: self._sub(m, MARKER, m.group(0)), out)
        if " " in out:
            out = _BEARER_RE.sub(self._authorization, out)
        return out

    def _authorization(self, m: re.Match[str]) -> str:
        """``Bearer``/``Basic`` followed by a credential, not by a word ("Basic configuration")."""
        scheme, token = m.group(1), m.group(2)
        if token == MARKER or not _credential_token(scheme, token):
            return m.group(0)
        self.count += 1
        return f"{scheme} {MARKER}"

    def _json_held(self, value: str, receiver: bool = False) -> str | None:
        """JSON held in a string (``ticketConfiguration``, policy-state parameters): the same rules
        inside; the text is kept byte for byte unless something was removed. None: not JSON."""
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        if not isinstance(parsed, (dict, list)):
            return None
        changed = self.tree(parsed, receiver)
        if changed == parsed:
            return value
        edited = value  # the writer's layout kept: each changed string replaced where it stands
        for before, after in _changed_strings(parsed, changed):
            edited = edited.replace(json.dumps(before, ensure_ascii=False), json.dumps(after, ensure_ascii=False))
        try:
            if json.loads(edited) == changed:
                return edited
        except ValueError:
            pass
        return json.dumps(changed, separators=(",", ":"), ensure_ascii=False)

    def capability_url(self, m: re.Match[str]) -> str:
        """A receiver or webhook URL is a credential: scheme and host stay, the rest goes."""
        rest = m.group("rest") or ""
        if rest in ("", "/", f"/{MARKER}") and "@" not in m.group(0):
            return m.group(0)
        self.count += 1
        return f"{m.group('scheme')}://{m.group('host')}{m.group('port') or ''}/{MARKER}"

    def url_value(self, value: str) -> str:
        """A receiver's or webhook's URL member: every URL in it reduced to scheme and host."""
        if value.lstrip()[:1] in ("{", "["):
            held = self._json_held(value, receiver=True)
            if held is not None:
                return held
        return self.text(_URL_RE.sub(self.capability_url, value) if "://" in value else value)

    def _param(self, m: re.Match[str]) -> str:
        name, value = m.group(2), m.group(3)
        if value == MARKER or not (_squash(name) in _SECRET_PARAMETERS or credential_name(name)):
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
    def tree(self, value: Any, receiver: bool = False) -> Any:
        """Every string checked; members named like credentials emptied of their values; inside
        ``...Receivers`` (action groups) and in webhook-URL members, URLs cut to scheme and host."""
        if isinstance(value, str):
            return self.url_value(value) if receiver else self.text(value)
        if isinstance(value, list):
            return [self.tree(v, receiver) for v in value]
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for k, v in value.items():
                if credential_name(k):
                    out[k] = self.secret_value(v)
                else:
                    out[k] = self.tree(v, receiver or _receiver_member(k))
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


def _credential_token(scheme: str, token: str) -> bool:
    if scheme.lower() == "basic":
        try:
            return b":" in base64.b64decode(token, validate=True)
        except ValueError:
            return False
    # a bearer token or SAS: not a plain word (it has digits or punctuation)
    return not token.isalpha()


def _changed_strings(before: Any, after: Any) -> Iterator[tuple[str, str]]:
    """(old, new) for each string the rules replaced, walking two trees of the same shape."""
    if isinstance(before, str) and isinstance(after, str):
        if before != after:
            yield before, after
    elif isinstance(before, list) and isinstance(after, list):
        for b, a in zip(before, after, strict=True):
            yield from _changed_strings(b, a)
    elif isinstance(before, dict) and isinstance(after, dict):
        for k, b in before.items():
            yield from _changed_strings(b, after.get(k))


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@functools.lru_cache(maxsize=8192)
def credential_name(name: Any) -> bool:
    """A member, parameter or query-member name that says its value is a credential:
    ``webhookSecret``, ``smtp_password``, ``X-Auth``, ``storageConnectionString``, ``primaryKey``.
    Member names repeat across a tenant's documents: each is matched once."""
    text = str(name)
    if not _NAME_RE.match(text):  # an id or a sentence used as a key is data, not a member name
        return False
    squashed = _squash(text)
    return squashed not in _NOT_CREDENTIALS and squashed.endswith(_CREDENTIAL_SUFFIXES)


@functools.lru_cache(maxsize=4096)
def _receiver_member(name: Any) -> bool:
    text = str(name)
    return text.lower().endswith("receivers") or _HOOK_URL_MEMBER_RE.search(text) is not None


def _capability_url(m: re.Match[str]) -> bool:
    return _capability_host(m.group("host")) or _HOOK_PATH_RE.search(m.group("rest") or "") is not None


def _capability_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == h or host.endswith("." + h) for h in CAPABILITY_HOSTS)


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
