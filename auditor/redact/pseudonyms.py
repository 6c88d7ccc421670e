"""Keyed pseudonyms for sharing a snapshot (``auditor redact``).

Why generic: new document kinds (Sentinel rules, delivery evidence, tables ...) keep arriving, so
nothing here lists kinds. Every string is read for what it is:

* an ARM id (alone: names whole, spaces and parentheses included; or inside a URL or message):
  each name segment is pseudonymised, types, provider namespaces and Azure-defined names
  (``default``, ``$metadata``, built-in policy and role definitions) stay, so the id stays
  well-formed and references still meet;
* a GUID anywhere -> a GUID (HMAC of the GUID); built-in definition and role GUIDs stay;
* an e-mail address -> ``u<hex>@d<hex>.example``;
* the value of a name field (``name``, ``...Name``, ``resourceGroup``) -> the same pseudonym as
  that name in ids; display names, descriptions, ``...By`` and tag values -> text pseudonyms;
* the first label of an Azure resource host name (``st1.blob.core.windows.net``) -> its name;
* any other URL host, unless public (Azure, Microsoft, docs) -> ``h<hex>.example``;
* SMS and voice receivers' phone numbers -> ``ph<hex>``.

A pseudonym depends only on the key and the value (case-folded), so the same input always gives
the same output, across documents and across runs with the same key. ``back`` maps every
pseudonym to its original (the map file).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from auditor.azure.snapshot import Snapshot, build_snapshot
from auditor.config import Config
from auditor.redact.secrets import redact_snapshot

_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_GUID_RE = re.compile(rf"^{_GUID}$")
_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
_EMAIL_RE = re.compile(rf"^{_EMAIL}$")
_HOST_SUFFIXES = (
    "vault.azure.net", "core.windows.net", "servicebus.windows.net", "azurewebsites.net", "database.windows.net",
    "azure-api.net", "vault.usgovcloudapi.net", "core.usgovcloudapi.net", "servicebus.usgovcloudapi.net",
    "vault.azure.cn", "core.chinacloudapi.cn", "servicebus.chinacloudapi.cn",
    "webhook.office.com", "documents.azure.com", "cache.windows.net", "search.windows.net", "azconfig.io",
    "azurecr.io",
)
# Hosts whose names are public (Azure, Microsoft, documentation): kept. Any other URL host may name
# the organisation (siem.contoso.com, hooks.slack.com for a receiver) and becomes a pseudonym.
_PUBLIC_HOST_SUFFIXES = (
    "azure.com", "azure.net", "windows.net", "microsoft.com", "microsoftonline.com", "azure.cn", "chinacloudapi.cn",
    "usgovcloudapi.net", "azure.us", "azure-automation.net", "loganalytics.io", "applicationinsights.io", "aka.ms",
    "github.com", "githubusercontent.com", "w3.org", "json-schema.org", "schemas.microsoft.com",
)
_HOST = r"https?://(?P<label>[A-Za-z0-9-]+)\.(?P<suffix>(?:[A-Za-z0-9-]+\.)*(?:" + "|".join(
    re.escape(s) for s in _HOST_SUFFIXES) + r"))"
# One left-to-right scan; ids first (they contain GUIDs), then hosts, e-mails, GUIDs.
_SCAN_RE = re.compile(
    r"(?P<id>/(?:subscriptions|providers)/[^\s'\"<>?#,;|()\[\]{}]+)"
    rf"|(?P<host>{_HOST})"
    r"|(?P<url>https?://(?P<uhost>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+))"
    rf"|(?P<email>{_EMAIL})"
    rf"|(?P<guid>(?<![0-9A-Za-z-]){_GUID}(?![0-9A-Za-z-]))", re.I)
# A value that is an id as a whole: its names may hold spaces and parentheses (legal in Azure).
_WHOLE_ID_RE = re.compile(r"^/(?:subscriptions|providers)/[^?#\n\"'<>|,;\[\]{}]*[^/?#\n\"'<>|,;\[\]{}\s]$", re.I)
_IDS_IN_TEXT = re.compile(r"/(?:subscriptions|providers)/[^\s'\"<>?#,;|()\[\]{}]+", re.I)
# Names Azure defines (kept), and types whose children Azure names.
_KEEP_NAMES = frozenset({"default", "current", "latest", "global",
                         # the container / event hub Azure itself creates for an activity-log export
                         "insights-activity-logs", "insights-operational-logs"})
_SYSTEM_NAMED_TYPES = frozenset({"tables", "locations", "blobservices", "fileservices", "queueservices",
                                 "tableservices", "roledefinitions", "alertruletemplates", "pricings",
                                 "providers"})
_BUILTIN_DEFINITION_RE = re.compile(r"^/providers/microsoft\.authorization/(policydefinitions|policysetdefinitions)/",
                                    re.I)
# Diagnostic-settings blobs: ``resourceId=/SUBSCRIPTIONS/<GUID>/y=YYYY/m=MM/d=DD/h=HH/m=MM/PT1H.json``
# (insights-activity-logs container). The id part is written upper case by Azure Monitor; the folders
# after it are Azure's layout, not names.
_BLOB_FOLDER_RE = re.compile(r"^[ymdh]=\d+$")
_WRAPPED_NAME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9.]*)\((.+)\)$")
# A quoted name in a message ('law-central' in "Workspace 'law-central' is not onboarded").
# Lookarounds: the quotes are not consumed, so the text between two quoted names is never
# mistaken for one that hides the second.
_QUOTED_RE = re.compile(r"(?<=')([^'/\n]{3,80})(?=')")
_NIL_GUID = "00000000-0000-0000-0000-000000000000"
# Subtrees that are code, not tenant identity: policy rules, templates, alert conditions, SKUs.
_CODE_KEYS = frozenset({"policyrule", "template", "criteria", "condition", "sku", "logs", "metrics"})
# ...Name members whose values are Azure's vocabulary, not tenant names.
_VOCABULARY_KEYS = frozenset({"operationname", "tablename", "categoryname", "metricname", "schemaname",
                              "providername", "resourceprovidername", "eventname", "solutionname",
                              "alertruletemplatename"})
_TEXT_KEYS = frozenset({"displayname", "description", "groupshortname"})
_UNTOUCHED_TOP_LEVEL = frozenset({"schemaVersion", "tool", "collectedAt", "cloud"})
_PHONE_KEYS = frozenset({"phonenumber", "phone", "mobile", "mobilenumber"})
_PSEUDONYM_RE = re.compile(rf"u[0-9a-f]{{10}}@d[0-9a-f]{{10}}\.example|h[0-9a-f]{{10}}\.example|{_GUID}"
                           r"|(?<![A-Za-z0-9])(?:[a-z]{1,8}[0-9a-f]{10}|[A-Z]{1,8}[0-9A-F]{10})(?![A-Za-z0-9])")


def _is_expression(value: str) -> bool:
    return value.startswith("[") and value.endswith("]")


def _prefix(type_segment: str) -> str:
    """Short readable prefix from the id type before a name: resourceGroups -> rg, storageAccounts -> sa."""
    known = {"resourcegroups": "rg", "managementgroups": "mg", "subscriptions": "sub"}
    if type_segment.lower() in known:
        return known[type_segment.lower()]
    initials = type_segment[:1] + "".join(c for c in type_segment[1:] if c.isupper())
    letters = "".join(c for c in (initials if len(initials) > 1 else type_segment[:2]).lower() if c.isalpha())
    return (letters or "n")[:4]


class Pseudonymiser:
    """Pseudonyms keyed by ``key``; ``back`` (pseudonym -> original) is what the map file holds."""

    def __init__(self, key: bytes, back: dict[str, str] | None = None) -> None:
        self.key = key
        self.back: dict[str, str] = dict(back or {})
        self._names: dict[str, str] = {}
        self._texts: dict[str, str] = {}
        self._public: set[str] = {_NIL_GUID}
        self._system_names: set[str] = set()  # names Azure gave (tables/AzureActivity): kept in name members too
        self._workspaces: set[str] = set()  # solutions are named Type(<workspace>): the type is vocabulary

    # --- single values -----------------------------------------------------------------------
    def _hex(self, kind: str, value: str, n: int, fold: bool = True) -> str:
        text = value.lower() if fold else value
        return hmac.new(self.key, f"{kind}\0{text}".encode(), hashlib.sha256).hexdigest()[:n]

    def _remember(self, pseudonym: str, original: str, fold: bool = True) -> str:
        known = self.back.setdefault(pseudonym, original)
        if (known.lower() != original.lower()) if fold else (known != original):
            raise ValueError(f"pseudonym collision between '{known}' and '{original}'")
        return pseudonym

    def guid(self, value: str) -> str:
        if value.lower() in self._public or value.lower() in self.back:  # public, or already a pseudonym
            return value
        digest = hmac.new(self.key, f"guid\0{value.lower()}".encode(), hashlib.sha256).digest()
        return self._remember(str(uuid.UUID(bytes=digest[:16], version=4)), value)

    def email(self, value: str) -> str:
        if value in self.back:
            return value
        domain = value.rsplit("@", 1)[1]
        return self._remember(f"u{self._hex('email', value, 10)}@d{self._hex('domain', domain, 10)}.example", value)

    def name(self, value: str, prefix: str = "n") -> str:
        """A resource-style name: lower-case letters and digits, valid wherever Azure allows a name."""
        if not value or _is_expression(value) or value.startswith("$") or value.lower() in _KEEP_NAMES \
                or value.lower() in self._system_names:
            return value
        if _GUID_RE.match(value):
            return self.guid(value)
        if value in self.back or value.lower() in self.back:  # already a pseudonym (a snapshot redacted twice)
            return value
        wrapped = _WRAPPED_NAME_RE.match(value)
        if wrapped and wrapped.group(2).lower() in self._workspaces:
            # Type(workspace): solutions are named SecurityInsights(<workspace>); the type is vocabulary.
            # Any other name with parentheses (rg-logging(contoso-mgmt)) is one name, pseudonymised whole.
            return f"{wrapped.group(1)}({self.name(wrapped.group(2), prefix)})"
        key = value.lower()
        if key not in self._names:
            self._names[key] = self._remember(f"{prefix}{self._hex('name', value, 10)}", value)
        return self._names[key]

    def host(self, value: str) -> str:
        """A host that may name the organisation: ``h<hex>.example`` (a reserved name, never resolvable)."""
        if value in self.back:
            return value
        return self._remember(f"h{self._hex('host', value, 10)}.example", value)

    def phone(self, value: str) -> str:
        """An SMS or voice receiver's number: ``ph<hex>`` (the analysis only reads that a receiver exists)."""
        if not value.strip() or value in self.back:
            return value
        digits = re.sub(r"\D", "", value) or value
        return self._remember(f"ph{self._hex('phone', digits, 10)}", value)

    def text(self, value: str) -> str:
        """Display names, descriptions, tag values: a GUID or e-mail as such, anything else as a name."""
        if not value.strip() or _is_expression(value):
            return value
        if _EMAIL_RE.match(value):
            return self.email(value)
        if _GUID_RE.match(value) or _BUILTIN_DEFINITION_RE.match(value) or value.startswith("/"):
            return self.scan(value)
        if value in self.back:
            return value
        if value not in self._texts:  # case kept: display text is not an identifier
            self._texts[value] = self._remember(f"tx{self._hex('text', value, 10, fold=False)}", value, fold=False)
        return self._texts[value]

    def arm_id(self, value: str) -> str:
        if _BUILTIN_DEFINITION_RE.match(value):
            return value
        parts = value.split("/")
        folder = next((i for i, seg in enumerate(parts) if _BLOB_FOLDER_RE.match(seg)), None)
        if folder is not None:  # a blob path: the id before Azure's y=/m=/d=/h= folders, in its case
            head = "/".join(parts[:folder])
            mapped = self.arm_id(head)
            return "/".join([mapped.upper() if head == head.upper() else mapped, *parts[folder:]])
        out = list(parts)
        i = 1
        while i < len(parts):
            seg = parts[i]
            if seg.lower() == "providers":
                i += 2  # the namespace stays
                continue
            if i + 1 < len(parts) and seg.lower() not in _SYSTEM_NAMED_TYPES:
                out[i + 1] = self.name(parts[i + 1], _prefix(seg))
            i += 2
        return "/".join(out)

    def scan(self, value: str) -> str:
        """Every id, host, e-mail and GUID inside a string, and quoted known names. A value that is
        an id as a whole keeps names with spaces and parentheses whole."""
        if value.startswith("/") and _WHOLE_ID_RE.match(value):
            return self.arm_id(value)
        out = _SCAN_RE.sub(self._scanned, value)
        return _QUOTED_RE.sub(self._quoted, out) if "'" in out else out

    def _quoted(self, m: re.Match[str]) -> str:
        known = self._names.get(m.group(1).lower())
        return known or m.group(0)

    def _scanned(self, m: re.Match[str]) -> str:
        if m.group("id"):
            return self.arm_id(m.group("id"))
        if m.group("host"):
            return m.group(0).replace(m.group("label"), self.name(m.group("label")), 1)
        if m.group("url"):
            host = m.group("uhost")
            if _public_host(host):
                return m.group(0)
            return m.group(0)[:m.start("uhost") - m.start()] + self.host(host)
        if m.group("email"):
            return self.email(m.group("email"))
        return self.guid(m.group("guid"))

    # --- trees -------------------------------------------------------------------------------
    def tree(self, value: Any, key: str = "", in_code: bool = False) -> Any:
        if isinstance(value, str):
            return self._string(value, key.lower(), in_code)
        if isinstance(value, list):
            return [self.tree(v, key, in_code) for v in value]
        if isinstance(value, dict):
            if str(value.get("properties", {}).get("policyType", "") if isinstance(value.get("properties"), dict)
                   else "").lower() in ("builtin", "static"):
                return value  # a built-in definition is public text
            tags = key.lower() == "tags"
            return {self.scan(str(k)): (self.text(v) if tags and isinstance(v, str)
                                       else self.tree(v, str(k), in_code or str(k).lower() in _CODE_KEYS))
                    for k, v in value.items()}
        return value

    def _string(self, value: str, key: str, in_code: bool) -> str:
        if not value or key in _VOCABULARY_KEYS:
            return value
        if key in _PHONE_KEYS:
            return self.phone(value)
        if not in_code and (key in _TEXT_KEYS or key.endswith("by")):
            return self.text(value)
        if not in_code and (key == "name" or key.endswith("name") or key == "resourcegroup"):
            if value.startswith("/"):
                return self.scan(value)
            return "/".join(self.name(part) for part in value.split("/"))  # nested names: "ns/rule"
        if key.endswith("ids") and "," in value:
            return ",".join(self._string(part, "name", in_code) for part in value.split(","))
        return self.scan(value)

    # --- whole snapshot ----------------------------------------------------------------------
    def prepare(self, snapshot: dict[str, Any]) -> None:
        """Learn built-in GUIDs (kept) and register every id's names with a readable prefix, in a
        stable order, before anything is rewritten."""
        ids = sorted(set(_ids_in(snapshot)), key=str.lower)
        for arm_id in ids:
            parts = arm_id.split("/")
            if _BUILTIN_DEFINITION_RE.match(arm_id) and len(parts) > 4:
                self._public.add(parts[4].lower())
            for i, seg in enumerate(parts[:-1]):
                if seg.lower() == "roledefinitions":
                    self._public.add(parts[i + 1].lower())
                elif seg.lower() in _SYSTEM_NAMED_TYPES and seg.lower() != "providers" and i % 2 == 1:
                    self._system_names.add(parts[i + 1].lower())
                elif seg.lower() == "workspaces" and i % 2 == 1:
                    self._workspaces.add(parts[i + 1].lower())
        for arm_id in ids:
            self.arm_id(arm_id)

    def snapshot(self, snapshot: dict[str, Any]) -> dict[str, Any]:
        """The shared snapshot: secrets removed, every identity pseudonymised, structure unchanged."""
        redact_snapshot(snapshot)
        self.prepare(snapshot)
        return {k: (v if k in _UNTOUCHED_TOP_LEVEL else self.tree(v, k)) for k, v in snapshot.items()}


def _ids_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if value.startswith("/") and _WHOLE_ID_RE.match(value):
            yield value
        elif "/" in value:
            yield from _IDS_IN_TEXT.findall(value)
    elif isinstance(value, list):
        for v in value:
            yield from _ids_in(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _ids_in(k)
            yield from _ids_in(v)


def _public_host(host: str) -> bool:
    host = host.lower()
    return any(host == h or host.endswith("." + h) for h in _PUBLIC_HOST_SUFFIXES)


def _original(pseudonym: str, back: dict[str, str]) -> str:
    """The original of a pseudonym; one written upper case (a blob path's id) gives it upper case."""
    if pseudonym in back:
        return back[pseudonym]
    if pseudonym == pseudonym.upper() and pseudonym.lower() in back:
        return back[pseudonym.lower()].upper()
    return pseudonym


def unmap(value: Any, back: dict[str, str]) -> Any:
    """``value`` with every pseudonym in ``back`` replaced by its original (strings and keys)."""
    if isinstance(value, str):
        return _PSEUDONYM_RE.sub(lambda m: _original(m.group(0), back), value) if value else value
    if isinstance(value, list):
        return [unmap(v, back) for v in value]
    if isinstance(value, dict):
        return {unmap(k, back): unmap(v, back) for k, v in value.items()}
    return value


def unmap_snapshot(snap: Snapshot, back: dict[str, str]) -> Snapshot:
    """The snapshot with real names (same digest: it is the file that was audited)."""
    return build_snapshot(unmap(snap.raw, back), snap.sha256, source=snap.source)


def unmap_config(config: Config, back: dict[str, str]) -> Config:
    """A configuration written against the shared snapshot (central destinations, framework scopes, waiver scopes,
    owners and reasons in pseudonyms) in real names."""
    waivers = tuple(replace(w, scope=unmap(w.scope, back), owner=unmap(w.owner, back), reason=unmap(w.reason, back))
                    for w in config.waivers)
    scopes = tuple((fid, tuple(unmap(list(ids), back))) for fid, ids in config.framework_scopes)
    return replace(config, central_destinations=tuple(unmap(list(config.central_destinations), back)),
                   waivers=waivers, framework_scopes=scopes)
