"""What remediation plans from: the findings document, the model of the snapshot, the config.

Remediation never imports the analysis (``.importlinter``, findings-are-the-interface). The
judgements it needs beyond the findings (which export-policy assignment applies to which
subscription and why it is or is not effective, which healthy exports send what where, where
alert coverage is unreadable or undecided) are read from the findings document's documented
``judgements`` section (docs/findings-format.md), which the analysis writes. This module is a
read-only view of that section with the attribute names the planner uses (``.enforcement``,
``.exports``, ``.alerts``), so a findings document read back from disk plans the same as the
audit that wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from auditor.azure import arm
from auditor.azure.hierarchy import Hierarchy
from auditor.azure.snapshot import Snapshot
from auditor.azure.tenant import AzureTenant
from auditor.config import Config
from auditor.errors import InputError


class FindingsMismatch(InputError):
    """The findings document cannot be planned from with this snapshot (or lacks judgements)."""


@dataclass(frozen=True)
class Exemption:
    id: str


@dataclass(frozen=True)
class Target:
    reference_id: str | None


@dataclass(frozen=True)
class Check:
    """One export-policy assignment (one member, for a set) as judged for one subscription."""

    assignment_id: str
    reason: str
    destination: dict[str, Any]  # {"kind": ..., "id": ...} as the assignment sends
    categories: list[str] | str | None
    target: Target
    exemption: Exemption | None = None

    @property
    def effective(self) -> bool:
        return self.reason == "effective"


@dataclass(frozen=True)
class Enforcement:
    state: str  # effective | impaired | none | unknown
    checks: tuple[Check, ...] = ()


@dataclass(frozen=True)
class ExportDestination:
    kind: str
    id: str


@dataclass(frozen=True)
class Export:
    categories: tuple[str, ...]
    usable_destinations: tuple[ExportDestination, ...]


@dataclass(frozen=True)
class Exports:
    state: str  # complete | partial | none | unknown
    healthy_exports: tuple[Export, ...] = ()


@dataclass(frozen=True)
class Alerts:
    unreadable: bool = False
    undecided: frozenset[str] = field(default_factory=frozenset)


def _check(row: dict[str, Any], assignments: list[dict[str, Any]]) -> Check:
    a = assignments[row["assignment"]]
    exemption = row.get("exemption")
    return Check(a["id"], row["reason"], dict(a.get("destination") or {}), a.get("categories"),
                 Target(a.get("policyDefinitionReferenceId")), Exemption(exemption) if exemption else None)


def _export(row: dict[str, Any]) -> Export:
    return Export(tuple(row["categories"]),
                  tuple(ExportDestination(d["kind"], d["id"]) for d in row["destinations"]))


class RemediationInputs:
    """The audit's judgements (from the findings document) beside the model and the config."""

    def __init__(self, findings: dict[str, Any], snapshot: Snapshot, config: Config,
                 azure: AzureTenant | None = None) -> None:
        self.findings = findings
        self.snapshot = snapshot
        self.config = config
        self.azure = azure if azure is not None else AzureTenant(snapshot)
        section = findings.get("judgements")
        if not isinstance(section, dict):
            raise FindingsMismatch("the findings document has no 'judgements' section (an older auditor wrote "
                                   "it): audit the snapshot again to plan remediation")
        if str(findings.get("tenantId") or "").lower() != str(snapshot.tenant_id or "").lower():
            raise FindingsMismatch(f"the findings are of tenant {findings.get('tenantId')!r}, the snapshot of "
                                   f"{snapshot.tenant_id!r}")
        self.enforcement: dict[str, Enforcement] = {}
        self.exports: dict[str, Exports] = {}
        self.alerts: dict[str, Alerts] = {}
        try:
            self._read(section, findings.get("subscriptions") or [])
        except (KeyError, IndexError, TypeError, AttributeError, ValueError) as e:
            raise FindingsMismatch(f"the findings document's 'judgements' or 'subscriptions' is malformed "
                                   f"({type(e).__name__}: {e})") from None
        missing = [k for k in self.hierarchy.subscriptions if k not in self.enforcement]
        if missing:
            raise FindingsMismatch(f"the findings do not cover {len(missing)} subscription(s) of the snapshot "
                                   f"(e.g. {self.hierarchy.subscriptions[missing[0]].id}): they are of another one")

    @property
    def hierarchy(self) -> Hierarchy:
        return self.azure.hierarchy

    def _read(self, section: dict[str, Any], subscriptions: list[dict[str, Any]]) -> None:
        """Each case is read once; a subscription names its case (or none: nothing checked or exported)."""
        assignments = list(section["assignments"])
        exports = [_export(r) for r in section["exports"]]
        cases = [(tuple(_check(r, assignments) for r in c.get("checks") or []),
                  tuple(exports[i] for i in c.get("exports") or []),
                  Alerts(bool(c.get("alertsUnreadable")), frozenset(c.get("alertsUndecided") or ())))
                 for c in section["cases"]]
        judged = {arm.norm_id(k): cases[i] for k, i in section["subscriptions"].items()}
        nothing: tuple[tuple[Check, ...], tuple[Export, ...], Alerts] = ((), (), Alerts())
        for sub in subscriptions:
            key = arm.norm_id(sub["id"])
            checks, healthy, alerts = judged.get(key, nothing)
            self.enforcement[key] = Enforcement(sub["enforcement"], checks)
            self.exports[key] = Exports(sub["export"], healthy)
            self.alerts[key] = alerts
