"""Status per framework control (docs/frameworks.md): which scopes pass and fail, from the findings.

A control is decided by the rules whose controls name it (``Rule.controls``, per finding for
ALA-ALR) and by the facts its catalogue entry names. Per scope (subscription, or management
group for group rules) the outcome is *fail* (an unwaived finding), *waived* (only waived
findings), *unknown* (a deciding read failed), *not applicable* (no deciding rule applies
there, e.g. storage controls where logs go to no storage account) or *pass*. The control is
``fail`` if a scope fails; ``manual`` if the audit cannot judge it (no rule or fact decides it,
or a scope is unknown: what could not be read is never passed); ``not applicable`` if it applies
nowhere; else ``pass``. Counts grow with frameworks, never with subscriptions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from auditor.analysis.delivery import UNKNOWN
from auditor.azure import arm
from auditor.frameworks import Control, ControlRef, framework_by_id

if TYPE_CHECKING:
    from auditor.analysis.context import AuditContext
    from auditor.rules.base import Finding, Rule

STATUSES = ("pass", "fail", "manual", "not applicable")
SUBSCRIPTIONS, GROUPS = "subscriptions", "managementGroups"
GROUP_RULES = frozenset({"ALA-EXP-009"})  # rules judged per management group, not per subscription
# Apply only where logs land in storage; judged from the export's configuration (ALA-DLV-003/004 too).
STORAGE_RULES = frozenset({"ALA-EXP-007", "ALA-EXP-008", "ALA-DLV-003", "ALA-DLV-004"})
DELIVERY_RULES = frozenset({"ALA-DLV-001", "ALA-DLV-002", "ALA-DET-001", "ALA-EXP-010"})  # --verify-delivery


@dataclass
class _Outcome:
    """Scopes (normalised ids) of one unit, by outcome, for one decider."""

    fail: set[str] = field(default_factory=set)
    waived: set[str] = field(default_factory=set)
    unknown: set[str] = field(default_factory=set)
    not_applicable: set[str] | None = None  # None: applies everywhere


def _sub_keys(ctx: AuditContext) -> list[str]:
    return sorted(ctx.hierarchy.subscriptions)


def _in_scope(ctx: AuditContext, framework_id: str, keys: list[str]) -> list[str]:
    """The scopes a framework is judged in: all, or those at or below its configured scope."""
    scope = {arm.norm_id(s) for s in ctx.config.framework_scope(framework_id)}
    if not scope:
        return keys
    return [k for k in keys if scope & set(ctx.hierarchy.scope_chain(k))]


def _rule_unknown_and_na(ctx: AuditContext, rule: Rule) -> tuple[set[str], set[str] | None]:
    """Subscriptions where the rule could not judge, and where it does not apply (None: everywhere)."""
    keys = _sub_keys(ctx)
    if rule.id in GROUP_RULES:  # judged per management group: unknown where its settings could not be read
        return {k for k, g in ctx.group_exports.items() if g.exported is None}, None
    if rule.id in DELIVERY_RULES:
        analysis = ctx.delivery
        if analysis is None:
            return set(keys), None
        if rule.axis == "detection":
            return {k for k in keys if k not in analysis.detection or analysis.detection[k].watched is None}, None
        if rule.axis == "delivery":
            return {k for k in keys if k not in analysis.subscriptions
                    or analysis.subscriptions[k].state == UNKNOWN}, None
        return {k for k in keys if analysis.yields.get(k, {}).get("Security") == "unknown"}, None
    state_of: Callable[[str], bool] = {
        "export": lambda k: ctx.exports[k].state == "unknown",
        "enforcement": lambda k: ctx.enforcement[k].state == "unknown",
        "alerts": lambda k: bool(ctx.alerts[k].unreadable),
    }.get("export" if rule.id in STORAGE_RULES else rule.axis, lambda k: False)
    unknown = {k for k in keys if state_of(k)}
    na: set[str] | None = None
    if rule.id in STORAGE_RULES:
        na = {k for k in keys if k not in unknown
              and not any(d.kind == "storage" for d in ctx.exports[k].destinations())}
    return unknown, na


def _defender_for_resource_manager(ctx: AuditContext) -> _Outcome:
    keys = _sub_keys(ctx)
    analysis = ctx.delivery
    if analysis is None:
        return _Outcome(unknown=set(keys))
    out = _Outcome()
    for k in keys:
        det = analysis.detection.get(k)
        if det is None or det.plans is None:
            out.unknown.add(k)
        elif not det.plans.resource_manager:
            out.fail.add(k)
    return out


FACTS: dict[str, Callable[[AuditContext], _Outcome]] = {
    "defenderForResourceManager": _defender_for_resource_manager,
}
FACT_NEEDS = {"defenderForResourceManager": "collect --verify-delivery reads the Defender plans"}


class ControlTally:
    """Per control reference of the selected frameworks, the scopes with unwaived and with waived findings.

    Filled one finding at a time as the engine makes them (``add``), so no finding is kept for it.
    """

    def __init__(self, frameworks: Iterable[str]) -> None:
        self.frameworks = frozenset(frameworks)
        self.fail: dict[ControlRef, set[str]] = defaultdict(set)
        self.waived: dict[ControlRef, set[str]] = defaultdict(set)
        self.findings: dict[ControlRef, dict[str, int]] = defaultdict(lambda: defaultdict(int))  # ref -> scope ->

    def add(self, rule: Rule, f: Finding, waived: bool) -> None:
        scope = arm.norm_id(f.scope)
        for ref in f.controls if f.controls is not None else rule.controls:
            if ref.framework in self.frameworks:
                (self.waived if waived else self.fail)[ref].add(scope)
                self.findings[ref][scope] += 1


def _alert_unknown(ctx: AuditContext, operation: str) -> tuple[set[str], bool]:
    """Subscriptions where ``operation``'s alert coverage is unknown; and whether it is audited at all."""
    configured = {op.lower(): op for op in ctx.config.sensitive_operations}
    keys = _sub_keys(ctx)
    if operation.lower() not in configured:
        return set(keys), False
    op = configured[operation.lower()]
    return {k for k in keys if ctx.alerts[k].unreadable or op in ctx.alerts[k].undecided}, True


def _counts(population: list[str], o: _Outcome) -> dict[str, int]:
    fail = o.fail
    waived = o.waived - fail
    unknown = o.unknown - fail - waived
    na = (o.not_applicable or set()) - fail - waived - unknown
    return {"pass": len(population) - len(fail | waived | unknown | na), "fail": len(fail), "waived": len(waived),
            "unknown": len(unknown), "notApplicable": len(na)}


def _restrict(o: _Outcome, population: set[str]) -> _Outcome:
    return _Outcome(o.fail & population, o.waived & population, o.unknown & population,
                    None if o.not_applicable is None else o.not_applicable & population)


@dataclass
class _Inputs:
    """What every control of one framework is judged against, computed once per audit or framework."""

    judged: ControlTally
    rule_scopes: dict[str, tuple[set[str], set[str] | None]]  # rule id -> (unknown, not applicable)
    facts: dict[str, _Outcome]
    subs: list[str]  # the framework's subscriptions (its scope)
    groups: list[str]


def _control_entry(ctx: AuditContext, control: Control, deciding: list[Rule], inputs: _Inputs) -> dict[str, Any]:
    ref = control.ref
    judged, rule_scopes, subs, groups = inputs.judged, inputs.rule_scopes, inputs.subs, inputs.groups
    facts = [f for f in control.facts if f in FACTS]
    entry: dict[str, Any] = {
        "framework": control.framework, "controlId": control.id, "title": control.title,
        "rules": [r.id for r in deciding], "facts": facts,
    }  # rules: every rule that decides it (also those that could not take part, see reason)
    reasons: list[str] = []
    if ctx.delivery is None and any(r.id in DELIVERY_RULES for r in deciding):
        # not collected with --verify-delivery: those rules take no part (nothing was read, nothing failed)
        deciding = [r for r in deciding if r.id not in DELIVERY_RULES]
        reasons.append("delivery not verified (collect --verify-delivery)")
        if not deciding and not facts:
            entry.update(status="manual", reason=reasons[0], counts={}, findings=0)
            return entry
    if facts and not deciding and subs and all(inputs.facts[f].unknown >= set(subs) for f in facts):
        # nothing of what decides it was read (e.g. no --verify-delivery): say what would, count nothing
        entry.update(status="manual", reason="; ".join(FACT_NEEDS.get(f, f"{f} was not read") for f in facts),
                     counts={}, findings=0)
        return entry
    if control.manual or not (deciding or facts):
        entry.update(status="manual", reason=control.manual or "no rule of this audit decides it", counts={},
                     findings=0)
        return entry
    units: dict[str, _Outcome] = {}
    for unit, population, rules in ((SUBSCRIPTIONS, subs, [r for r in deciding if r.id not in GROUP_RULES]),
                                    (GROUPS, groups, [r for r in deciding if r.id in GROUP_RULES])):
        if not rules and not (unit == SUBSCRIPTIONS and facts):
            continue
        pop = set(population)
        o = _Outcome(fail=judged.fail.get(ref, set()) & pop, waived=judged.waived.get(ref, set()) & pop)
        nas: list[set[str]] = []
        for r in rules:
            unknown, na = rule_scopes[r.id]
            o.unknown |= unknown
            nas.append(na if na is not None else set())
        operation = control.parameters.get("operation")
        if operation and unit == SUBSCRIPTIONS:
            unknown, audited = _alert_unknown(ctx, operation)
            o.unknown |= unknown
            if not audited:
                reasons.append(f"{operation} is not among the audit's sensitive_operations")
        if unit == SUBSCRIPTIONS:
            for name in facts:
                fo = _restrict(inputs.facts[name], pop)
                o.fail |= fo.fail
                o.unknown |= fo.unknown
                if fo.unknown == pop and name in FACT_NEEDS:
                    reasons.append(FACT_NEEDS[name])
                nas.append(set())
        o.not_applicable = set.intersection(*nas) if nas else None
        units[unit] = _restrict(o, pop)
    counts = {unit: _counts(subs if unit == SUBSCRIPTIONS else groups, o) for unit, o in units.items()}
    failing = sum(c["fail"] for c in counts.values())
    unknown_n = sum(c["unknown"] for c in counts.values())
    applicable = sum(c["pass"] + c["waived"] for c in counts.values())
    if failing:
        status = "fail"
    elif unknown_n:
        status = "manual"
        reasons.insert(0, f"{unknown_n:,} scope(s) could not be judged")
    elif not applicable:
        status = "not applicable"
        storage_only = deciding and all(r.id in STORAGE_RULES for r in deciding)
        reasons.append("no audited subscription sends its activity log to a storage account" if storage_only
                       else "it applies to no audited scope")
    else:
        status = "pass"
    in_scope = set(subs) | set(groups)
    found = sum(n for scope, n in judged.findings.get(ref, {}).items() if scope in in_scope)
    entry.update(status=status, reason="; ".join(reasons) or None, counts=counts, findings=found)
    return entry


def evaluate_compliance(ctx: AuditContext, judged: ControlTally, rules: Iterable[Rule]) -> dict[str, Any]:
    """The ``compliance`` section of findings.json for the frameworks the config selects."""
    rules = tuple(rules)
    deciding: dict[ControlRef, list[Rule]] = defaultdict(list)
    for r in rules:
        for ref in dict.fromkeys(r.controls):
            deciding[ref].append(r)
    rule_scopes = {r.id: _rule_unknown_and_na(ctx, r) for r in rules if r.controls}
    facts = {name: fact(ctx) for name, fact in FACTS.items()}
    all_subs = _sub_keys(ctx)
    all_groups = sorted(arm.norm_id(g.id) for g in ctx.hierarchy.ordered_groups())
    frameworks: list[dict[str, Any]] = []
    controls: list[dict[str, Any]] = []
    for fid in ctx.config.frameworks:
        fw = framework_by_id(fid)
        inputs = _Inputs(judged, rule_scopes, facts, _in_scope(ctx, fid, all_subs), _in_scope(ctx, fid, all_groups))
        entries = [_control_entry(ctx, c, deciding.get(c.ref, []), inputs) for c in fw.controls]
        summary = {s: sum(1 for e in entries if e["status"] == s) for s in STATUSES}
        frameworks.append({"id": fw.id, "name": fw.name, "version": fw.version, "shortName": fw.short_name,
                           "scope": list(ctx.config.framework_scope(fid)), "statuses": summary})
        controls.extend(entries)
    return {"frameworks": frameworks, "controls": controls}
