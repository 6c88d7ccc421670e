"""Audit configuration (docs/configuration.md): ``auditor.toml`` with settings and waivers.

Strict on purpose: an unknown key, a bad rule id or a malformed date is a usage error that
names the offending key, because a silently ignored typo in a waiver would change an audit.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from auditor.azure import arm
from auditor.azure.activity_log import CATEGORIES
from auditor.errors import InputError

DEFAULT_SENSITIVE_OPERATIONS: tuple[str, ...] = (
    "Microsoft.Authorization/policyAssignments/write",
    "Microsoft.Authorization/policyAssignments/delete",
    "Microsoft.Sql/servers/firewallRules/write",
    "Microsoft.Sql/servers/firewallRules/delete",
    "Microsoft.Network/networkSecurityGroups/write",
    "Microsoft.Network/networkSecurityGroups/delete",
    "Microsoft.Network/networkSecurityGroups/securityRules/write",
    "Microsoft.Network/networkSecurityGroups/securityRules/delete",
)

_AUDIT_KEYS = {"required_categories", "min_retention_days", "min_interactive_retention_days", "central_destinations",
               "sensitive_operations", "delivery_window_days", "frameworks"}
_WAIVER_KEYS = {"rule", "scope", "reason", "owner", "expires"}


@dataclass(frozen=True)
class Waiver:
    rule: str  # rule id or "*"
    scope: str  # display ARM id
    reason: str
    owner: str
    expires: dt.date | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires.isoformat() if self.expires else None,
        }

    def matches(self, rule_id: str, scope_chain: list[str]) -> bool:
        """Applies to a finding of ``rule_id`` whose scope chain (nearest first) holds the waiver scope."""
        if self.rule != "*" and self.rule.lower() != rule_id.lower():
            return False
        return arm.norm_id(self.scope) in scope_chain

    def active_on(self, day: dt.date) -> bool:
        return self.expires is None or day <= self.expires


@dataclass(frozen=True)
class Config:
    required_categories: tuple[str, ...] = CATEGORIES
    min_retention_days: int = 365
    # How much of it must be immediately available: a workspace's interactive (analytics) retention, which
    # queries, alert rules and Sentinel see; storage is read at once. 0: no such requirement (PCI DSS 10.5.1: 90).
    min_interactive_retention_days: int = 0
    central_destinations: tuple[str, ...] = ()
    sensitive_operations: tuple[str, ...] = DEFAULT_SENSITIVE_OPERATIONS
    delivery_window_days: int = 7  # ALA-DLV-001/002: how far back an event or problem counts
    waivers: tuple[Waiver, ...] = field(default_factory=tuple)
    frameworks: tuple[str, ...] = ()  # catalogue ids (auditor frameworks); adds findings.json "compliance"
    # framework id -> management groups / subscriptions its controls are judged in (default: the whole tenant)
    framework_scopes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # framework id -> what it raised for the whole audit though [framework_scope] limits it (with_frameworks)
    scoped_raises: tuple[tuple[str, str], ...] = ()

    def framework_scope(self, framework_id: str) -> tuple[str, ...]:
        return dict(self.framework_scopes).get(framework_id, ())

    def as_dict(self) -> dict[str, Any]:
        """The effective settings, as written into findings.json."""
        return {
            "required_categories": list(self.required_categories),
            "min_retention_days": self.min_retention_days,
            "min_interactive_retention_days": self.min_interactive_retention_days,
            "central_destinations": list(self.central_destinations),
            "sensitive_operations": list(self.sensitive_operations),
            "delivery_window_days": self.delivery_window_days,
            "frameworks": list(self.frameworks),
            "framework_scope": {fid: list(scopes) for fid, scopes in self.framework_scopes},
            "waivers": [
                {"rule": w.rule, "scope": w.scope, **w.as_dict()} for w in self.waivers
            ],
        }


def _string_list(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InputError(f"config: '{key}' must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


# A resource id: /subscriptions/<guid>/resourceGroups/<group>/providers/<namespace>/<type>/<name>[/<type>/<name>]...
_RESOURCE_ID_RE = re.compile(r"^/?subscriptions/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
                             r"/resourceGroups/[^/]+/providers/[^/]+(?:/[^/]+/[^/]+)+$", re.I)


def _central_destinations(value: Any) -> tuple[str, ...]:
    """Resource ids; a value that is not one is a usage error (it would be compared with nothing and every
    export reported as missing the central destination, and remediation would write a placeholder)."""
    ids = _string_list(value, "audit.central_destinations")
    for d in ids:
        if not _RESOURCE_ID_RE.match(d):
            raise InputError(f"config: 'audit.central_destinations' = '{d}' is not a resource id "
                             "(/subscriptions/<id>/resourceGroups/<group>/providers/<namespace>/<type>/<name>)")
    return tuple(arm.display_id(d) for d in ids)


def absent_central_destinations(config: Config, find: Callable[[str], Any]) -> list[str]:
    """One note per configured central destination the snapshot does not hold (``find``: its document by
    id). Not an error: the destination may live in a subscription this audit does not read."""
    return [f"audit.central_destinations: '{d}' is not in the snapshot (a subscription not audited, or a typo?)"
            for d in config.central_destinations if find(d) is None]


def _canonical_category(name: str, key: str) -> str:
    for c in CATEGORIES:
        if c.lower() == name.lower():
            return c
    raise InputError(f"config: '{key}' names unknown category '{name}' (expected one of {', '.join(CATEGORIES)})")


def _framework_scopes(table: Any, selected: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``[framework_scope]``: framework id -> the groups or subscriptions it applies to (e.g. PCI DSS's
    cardholder data environment). Only selected frameworks (by ``audit.frameworks`` or ``--framework``) may
    be scoped, so a typo cannot go unnoticed."""
    if not isinstance(table, dict):
        raise InputError("config: 'framework_scope' must be a table of framework id = [scope ids]")
    out: list[tuple[str, tuple[str, ...]]] = []
    for fid, scopes in table.items():
        if fid not in selected:
            raise InputError(f"config: 'framework_scope.{fid}' scopes a framework that neither "
                             "audit.frameworks nor --framework selects")
        ids = _string_list(scopes, f"framework_scope.{fid}")
        for scope in ids:
            if not (arm.subscription_id_of(scope) or arm.management_group_name_of(scope)):
                raise InputError(f"config: 'framework_scope.{fid}' = '{scope}' must be a subscription or management "
                                 "group ARM id")
        out.append((fid, tuple(arm.display_id(x) for x in ids)))
    return tuple(out)


def parse_config(data: dict[str, Any], known_rule_ids: set[str], selected_frameworks: tuple[str, ...] = ()) -> Config:
    """The config; ``selected_frameworks`` are those the command line selects (``--framework``): the
    config may scope them too. The caller adds them with ``with_frameworks``."""
    for key in data:
        if key not in ("audit", "waiver", "framework_scope"):
            raise InputError(f"config: unknown key '{key}' (expected [audit], [framework_scope] and [[waiver]])")
    audit = data.get("audit", {})
    if not isinstance(audit, dict):
        raise InputError("config: 'audit' must be a table")
    for key in audit:
        if key not in _AUDIT_KEYS:
            raise InputError(f"config: unknown key 'audit.{key}' (expected one of {', '.join(sorted(_AUDIT_KEYS))})")
    kwargs: dict[str, Any] = {}
    if "required_categories" in audit:
        cats = _string_list(audit["required_categories"], "audit.required_categories")
        canon = [_canonical_category(c, "audit.required_categories") for c in cats]
        kwargs["required_categories"] = tuple(c for c in CATEGORIES if c in canon)
    for key in ("min_retention_days", "min_interactive_retention_days"):
        if key in audit:
            v = audit[key]
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise InputError(f"config: 'audit.{key}' must be a non-negative integer")
            kwargs[key] = v
    if kwargs.get("min_interactive_retention_days", 0) > kwargs.get("min_retention_days", 365):
        raise InputError("config: 'audit.min_interactive_retention_days' cannot exceed 'audit.min_retention_days'")
    if "delivery_window_days" in audit:
        v = audit["delivery_window_days"]
        if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 90:
            raise InputError("config: 'audit.delivery_window_days' must be an integer from 1 to 90")
        kwargs["delivery_window_days"] = v
    if "central_destinations" in audit:
        kwargs["central_destinations"] = _central_destinations(audit["central_destinations"])
    if "frameworks" in audit:
        from auditor.frameworks import parse_framework_ids

        kwargs["frameworks"] = parse_framework_ids(_string_list(audit["frameworks"], "audit.frameworks"),
                                                   "config: 'audit.frameworks'")
    if "framework_scope" in data:
        kwargs["framework_scopes"] = _framework_scopes(data["framework_scope"],
                                                        (*kwargs.get("frameworks", ()), *selected_frameworks))
    if "sensitive_operations" in audit:
        kwargs["sensitive_operations"] = _string_list(audit["sensitive_operations"], "audit.sensitive_operations")
    waivers_raw = data.get("waiver", [])
    if not isinstance(waivers_raw, list):
        raise InputError("config: 'waiver' must be an array of tables ([[waiver]])")
    waivers: list[Waiver] = []
    lowered = {r.lower(): r for r in known_rule_ids}
    for i, w in enumerate(waivers_raw):
        where = f"waiver[{i}]"
        if not isinstance(w, dict):
            raise InputError(f"config: '{where}' must be a table")
        for key in w:
            if key not in _WAIVER_KEYS:
                raise InputError(f"config: unknown key '{where}.{key}' (expected {', '.join(sorted(_WAIVER_KEYS))})")
        for key in ("rule", "scope", "reason"):
            if not isinstance(w.get(key), str) or not w[key].strip():
                raise InputError(f"config: '{where}.{key}' is required and must be a non-empty string")
        rule = w["rule"].strip()
        if rule != "*":
            if rule.lower() not in lowered:
                raise InputError(f"config: '{where}.rule' = '{rule}' is not a known rule id (see 'auditor rules')")
            rule = lowered[rule.lower()]
        scope = w["scope"].strip()
        if not (arm.subscription_id_of(scope) or arm.management_group_name_of(scope)):
            raise InputError(
                f"config: '{where}.scope' = '{scope}' must be a subscription or management group ARM id"
            )
        expires = w.get("expires")
        if expires is not None:
            if isinstance(expires, dt.datetime):
                expires = expires.date()
            elif isinstance(expires, str):
                try:
                    expires = dt.date.fromisoformat(expires)
                except ValueError:
                    raise InputError(f"config: '{where}.expires' = '{expires}' is not a date (YYYY-MM-DD)") from None
            elif not isinstance(expires, dt.date):
                raise InputError(f"config: '{where}.expires' must be a date (YYYY-MM-DD)")
        owner = w.get("owner", "")
        if not isinstance(owner, str):
            raise InputError(f"config: '{where}.owner' must be a string")
        waivers.append(Waiver(rule, arm.display_id(scope), w["reason"].strip(), owner.strip(), expires))
    kwargs["waivers"] = tuple(waivers)
    return with_frameworks(Config(**kwargs))


def load_config(path: str | Path | None, known_rule_ids: set[str], selected_frameworks: tuple[str, ...] = ()) -> Config:
    if path is None:
        return Config()
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"config not found: {p}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read config {p}: {e}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"config {p} is not valid TOML: {e}") from None
    return parse_config(data, known_rule_ids, selected_frameworks)


def _parameters_of(framework_id: str) -> tuple[list[str], int, int]:
    """A framework's own parameters: the operations its controls name, and the total and interactive
    retention they ask for (0: none)."""
    from auditor.frameworks import framework_by_id

    operations: list[str] = []
    retention = interactive = 0
    for control in framework_by_id(framework_id).controls:
        op = control.parameters.get("operation")
        if op and op.lower() not in {o.lower() for o in operations}:
            operations.append(op)
        retention = max(retention, int(control.parameters.get("minRetentionDays", 0)))
        interactive = max(interactive, int(control.parameters.get("minInteractiveRetentionDays", 0)))
    return operations, retention, interactive


def with_frameworks(config: Config, framework_ids: tuple[str, ...] = ()) -> Config:
    """The config with ``framework_ids`` selected too, and the selected frameworks' own parameters applied.

    A framework asks for more than the defaults where its controls say so: CIS's alert controls add
    their operations (security solutions, public IP addresses) to ``sensitive_operations``, PCI DSS
    10.5.1 raises ``min_retention_days`` to 365 and ``min_interactive_retention_days`` (immediately
    available) to 90. Settings only ever grow: a stricter config stays. What a framework limited by
    ``[framework_scope]`` raised beyond the config and every unscoped framework is recorded in
    ``scoped_raises``: it applies to the whole audit (docs/frameworks.md), which a user who scoped
    the framework should be told (``scoped_parameter_notes``).
    """
    selected = tuple(dict.fromkeys((*config.frameworks, *framework_ids)))
    # unscoped frameworks first: what a scoped one adds is judged against them and the config
    ordered = sorted(selected, key=lambda fid: bool(config.framework_scope(fid)))
    operations = list(config.sensitive_operations)
    known = {op.lower() for op in operations}
    retention, interactive = config.min_retention_days, config.min_interactive_retention_days
    raises = dict(config.scoped_raises)
    for fid in ordered:
        ops, days, interactive_days = _parameters_of(fid)
        added = [op for op in ops if op.lower() not in known]
        raised = ([f"sensitive_operations + {', '.join(added)}"] if added else []) + \
            ([f"min_retention_days = {days}"] if days > retention else []) + \
            ([f"min_interactive_retention_days = {interactive_days}"] if interactive_days > interactive else [])
        if raised and config.framework_scope(fid):
            raises[fid] = "; ".join(raised)
        operations.extend(added)
        known.update(op.lower() for op in added)
        retention, interactive = max(retention, days), max(interactive, interactive_days)
    return replace(config, frameworks=selected, sensitive_operations=tuple(operations), min_retention_days=retention,
                   min_interactive_retention_days=interactive, scoped_raises=tuple(raises.items()))


def scoped_parameter_notes(config: Config, root_group_id: str) -> list[str]:
    """One note per framework limited by ``[framework_scope]`` whose parameters raised the audit's
    settings: they apply to every subscription, not only inside that scope. A scope that holds the
    root group (``root_group_id``) limits nothing, so it gets no note."""
    root = arm.norm_id(root_group_id)
    return [f"{fid} is limited by [framework_scope], but its parameters apply to every subscription of the audit "
            f"(docs/frameworks.md): {raised}"
            for fid, raised in config.scoped_raises
            if root not in {arm.norm_id(s) for s in config.framework_scope(fid)}]


def absent_framework_scopes(config: Config, find: Callable[[str], Any]) -> list[str]:
    """One note per ``[framework_scope]`` entry the snapshot does not hold: such a scope matches no
    subscription, and the framework's controls there are not applicable, not passed."""
    return [f"framework_scope: '{s}' ({fid}) is not in the snapshot: it matches no subscription (a typo?)"
            for fid, scopes in config.framework_scopes for s in scopes if find(s) is None]


def config_notes(config: Config, root_group_id: str, find: Callable[[str], Any]) -> list[str]:
    """Every note on the config against the snapshot (its root group id, ``find``: a document by id),
    as ``audit`` and ``remediate`` print them once their run has succeeded."""
    return [*scoped_parameter_notes(config, root_group_id), *absent_framework_scopes(config, find),
            *absent_central_destinations(config, find)]
