"""The report's view model: everything the templates show, computed once from the findings.

Templates only lay out; every count, grouping, ordering and name resolution happens here so
that the PDF, HTML and Markdown reports can never disagree with each other or with
findings.json. Tenant text is passed through unescaped here and escaped by Jinja2 autoescape.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from auditor import __version__
from auditor.azure import arm
from auditor.azure.activity_log import CATEGORIES
from auditor.azure.snapshot import Snapshot
from auditor.config import DEFAULT_SENSITIVE_OPERATIONS
from auditor.render import wording
from auditor.render.compliance_view import compliance_view
from auditor.render.method import method_and_limits
from auditor.render.names import Names, cut
from auditor.render.policy_view import assignment_rows
from auditor.rules import all_rules
from auditor.rules.verdicts import VERDICTS

SEVERITIES = ("high", "medium", "low")
SEV_RANK = {"high": 0, "medium": 1, "low": 2}
URGENCY = {"uncovered": 0, "unknown": 1, "partial": 2, "unremediated": 3, "unenforced": 4, "covered": 5}
DETAIL_LIMIT = 50  # PDF detail cards only when at most this many need action; else the register names each
ASSIGNMENT_LIMIT = 20  # policy assignments detailed in the reports; the rest are one table row each
LIST_LIMIT = 10  # exemptions, exclusions listed per assignment
ACTION_ROWS = 6  # planned actions listed per kind in the reports; the rest are counted (plan.json has all)
SCOPE_LIST_LIMIT = 40  # affected scopes listed per rule in the PDF


def _rule_meta() -> dict[str, dict[str, Any]]:
    return {r.id.upper(): r.catalogue_entry() for r in all_rules()}


def _pct(n: int, total: int) -> float:
    return round(100.0 * n / total, 1) if total else 0.0


def _error_index(snapshot: Snapshot | None) -> dict[str, set[str]]:
    """Normalised scope -> operations that could not be read there."""
    index: dict[str, set[str]] = defaultdict(set)
    for e in snapshot.errors if snapshot is not None else ():
        index[arm.norm_id(e.scope)].add(e.operation)
    return index


def _alert_unreadable(errors: dict[str, set[str]], sub: dict[str, Any]) -> bool:
    """Alerts of a subscription are unknown when their read failed there, or everything above failed."""
    if not errors:
        return False
    if errors.get(arm.norm_id(sub["id"]), set()) & {"activityLogAlerts", "*"}:
        return True
    return any("*" in errors.get(arm.norm_id(g), ()) for g in sub.get("managementGroupPath", []))


def _category_state(export: str | None, exported: bool, required: bool) -> str:
    """ok | missing | na | unknown: a category of an unreadable export is unknown, never missing."""
    if export == "unknown":
        return "unknown"
    if exported:
        return "ok"
    return "missing" if required else "na"


def _sub_rows(findings: dict[str, Any], snapshot: Snapshot | None, names: Names,
              by_scope: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    required = findings.get("config", {}).get("required_categories") or list(CATEGORIES)
    ops = findings.get("config", {}).get("sensitive_operations") or list(DEFAULT_SENSITIVE_OPERATIONS)
    rows = []
    errors = _error_index(snapshot)
    for s in findings.get("subscriptions", []):
        own = by_scope.get(arm.norm_id(s["id"]), [])
        open_ = [f for f in own if not f.get("waiver")]
        cats = {c.lower() for c in s.get("categories", [])}
        unknown_alerts = _alert_unreadable(errors, s)
        alerted_by = {str(k).lower(): v for k, v in (s.get("alertedBy") or {}).items() if isinstance(v, list)}
        alerts = []
        fired_by_op: dict[str, set[str]] = defaultdict(set)
        for f in own:
            op_of = (f.get("evidence") or {}).get("operation")
            if op_of:
                fired_by_op[str(op_of).lower()].add(f["ruleId"].upper())
        for op in ops:
            fired = fired_by_op.get(op.lower(), set())
            if unknown_alerts:
                state = "unknown"
            elif "ALA-ALR-001" in fired:
                state = "none"
            elif "ALA-ALR-002" in fired:
                state = "silent"
            else:
                state = "alerting"
            by, by_short = wording.mechanisms(alerted_by.get(op.lower(), []) if state != "unknown" else [])
            alerts.append({"operation": op, "short": wording.short_operation(op), "state": state,
                           "by": by, "byShort": by_short})
        worst = min((SEV_RANK.get(f.get("severity", "low"), 2) for f in open_), default=3)
        rows.append({
            "id": s["id"], "name": cut(s.get("displayName") or arm.last_segment(s["id"])),
            "guid": arm.last_segment(s["id"]), "verdict": s.get("verdict", "unknown"),
            "export": s.get("export", "unknown"), "enforcement": s.get("enforcement", "unknown"),
            "path": [names.name(g) for g in s.get("managementGroupPath", [])],
            "parent": names.name(s["managementGroupPath"][-1]) if s.get("managementGroupPath") else "(unplaced)",
            "parentId": arm.display_id(s["managementGroupPath"][-1]) if s.get("managementGroupPath") else "",
            "matrix": [{"category": c, "required": c in required, "exported": c.lower() in cats,
                        "state": _category_state(s.get("export"), c.lower() in cats, c in required)}
                       for c in CATEGORIES],
            "destinations": [{**d, "name": names.name(d.get("id")), "kindLabel": wording.destination_kind(d),
                              "problems": _named_by(open_, d.get("id"))}
                             for d in s.get("destinations", [])],
            "enforcedBy": [{"id": a, "name": names.name(a)} for a in s.get("enforcedBy", [])],
            "alerts": alerts,
            "alertsOk": sum(1 for a in alerts if a["state"] == "alerting"),
            "alertsUnknown": unknown_alerts,
            "findings": own, "open": len(open_),
            "cardFindings": [f for f in own if not f["ruleId"].upper().startswith("ALA-ALR")],
            "alertFindings": sum(1 for f in own if f["ruleId"].upper().startswith("ALA-ALR")),
            "waived": len(own) - len(open_),
            "worst": SEVERITIES[worst] if worst < 3 else "",
            "needsAction": s.get("verdict") != "covered" or bool(open_),
        })
    rows.sort(key=lambda r: (not r["needsAction"], URGENCY.get(r["verdict"], 9), SEV_RANK.get(r["worst"], 3),
                             -r["open"], r["name"].lower(), r["id"]))
    return rows


def _tree(findings: dict[str, Any], rows: list[dict[str, Any]], names: Names,
          fired_groups: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    nodes: dict[str, dict[str, Any]] = {}
    for g in findings.get("managementGroups", []):
        nodes[arm.norm_id(g["id"])] = {"id": g["id"], "name": cut(g.get("displayName") or names.name(g["id"])),
                                       "exported": g.get("exported"), "parent": arm.norm_id(g.get("parentId")),
                                       "groups": [], "subs": [], "counts": Counter(), "total": 0,
                                       "needsAction": 0, "findings": len(fired_groups.get(arm.norm_id(g["id"]), []))}
    unplaced: dict[str, Any] = {"id": "", "name": "Not placed in the hierarchy", "exported": None, "parent": "",
                                "groups": [], "subs": [], "counts": Counter(), "total": 0, "needsAction": 0,
                                "findings": 0}
    paths = {arm.norm_id(s["id"]): s.get("managementGroupPath", []) for s in findings.get("subscriptions", [])}
    for r in rows:
        path = [arm.norm_id(g) for g in paths.get(arm.norm_id(r["id"]), [])]
        target = nodes.get(path[-1]) if path else None
        (target or unplaced)["subs"].append(r)
        for g in path or [""]:
            node = nodes.get(g, unplaced if not path else None)
            if node is not None:
                node["counts"][r["verdict"]] += 1
                node["total"] += 1
                node["needsAction"] += 1 if r["needsAction"] else 0
    roots: list[dict[str, Any]] = []
    for key, node in nodes.items():
        parent = nodes.get(node["parent"]) if node["parent"] != key else None
        (parent["groups"] if parent else roots).append(node)
    for node in [*nodes.values(), unplaced]:
        node["groups"].sort(key=lambda n: n["name"].lower())
        node["subs"].sort(key=lambda r: r["name"].lower())
    if unplaced["subs"]:
        roots.append(unplaced)
    return roots


def flatten_tree(roots: list[dict[str, Any]], depth: int = 0) -> list[dict[str, Any]]:
    """Depth-first list of (depth, node) for templates that cannot recurse cheaply."""
    out: list[dict[str, Any]] = []
    for n in roots:
        out.append({"depth": depth, "node": n})
        out.extend(flatten_tree(n["groups"], depth + 1))
    return out


def _rules_fired(findings: dict[str, Any], meta: dict[str, dict[str, Any]], names: Names) -> list[dict[str, Any]]:
    by_rule: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in findings.get("findings", []):
        by_rule[f["ruleId"].upper()].append(f)
    out = []
    for rid, items in by_rule.items():
        m = meta.get(rid, {})
        open_ = [f for f in items if not f.get("waiver")]
        scopes = sorted({f["scope"] for f in items}, key=lambda s: names.name(s).lower())
        controls = sorted({c for f in items for c in f.get("controls", [])} | set(m.get("controls", [])))
        out.append({
            "id": rid, "title": m.get("title") or items[0].get("title", rid),
            "severity": m.get("severity") or items[0].get("severity", "low"),
            "rationale": m.get("rationale", ""), "remediation": m.get("remediation", ""),
            "value": wording.security_value(rid), "controls": controls,
            "count": len(items), "open": len(open_), "all": items, "waived": len(items) - len(open_),
            "open_scopes": len({f["scope"].lower() for f in open_}),
            "scopes": [{"id": s, "label": names.scope_label(s)} for s in scopes],
            "examples": [{"scope": names.scope_label(f["scope"]), "message": f.get("message", ""),
                          "evidence": wording.evidence_pairs(f.get("evidence"), names), "waiver": f.get("waiver")}
                         for f in sorted(items, key=lambda f: bool(f.get("waiver")))[:3]],
            "risk": wording.risk_sentence(rid, open_, findings.get("config", {})),
        })
    out.sort(key=lambda r: (SEV_RANK.get(r["severity"], 3), -r["open"], r["id"]))
    return out


def _remediation(rules: list[dict[str, Any]], plan: dict[str, Any] | None, rows: list[dict[str, Any]],
                 names: Names) -> dict[str, Any]:
    steps = [{"rule": r["id"], "title": r["title"], "severity": r["severity"], "open": r["open"],
              "scopes": r["open_scopes"], "action": r["remediation"] or r["title"]}
             for r in rules if r["open"]]
    steps.sort(key=lambda s: (SEV_RANK.get(s["severity"], 3), -s["open"], s["rule"]))
    out: dict[str, Any] = {"steps": steps, "plan": None}
    if plan:
        projected = Counter(str(s.get("projected")) for s in plan.get("subscriptions", []))
        # the plan's own projection of the verdicts (as in its README.md): never re-judged here
        verdicts_after = Counter(str(s.get("projectedVerdict")) for s in plan.get("subscriptions", []))
        # a plan without projected verdicts (an older plan.json) projects no coverage
        covered_after = verdicts_after.get("covered", 0) if "None" not in verdicts_after else None
        now = Counter(r["enforcement"] for r in rows)
        # deployment order, numbered like the steps of the plan's README.md and its file names
        actions = [{"kind": a.get("kind", ""), "scope": names.scope_label(a.get("scope")),
                    "subscriptions": len(a.get("subscriptions", [])), "files": _file_groups(a.get("files", []))}
                   for a in plan.get("actions", [])]
        step = 0
        for a in actions:
            step += 1 if a["files"] else 0
            a["step"] = str(step) if a["files"] else "review"
        out["plan"] = {"actions": actions, "groups": group_actions(actions), "now": dict(now),
                       "projected": dict(projected),
                       "total": len(rows), "rowsPerKind": ACTION_ROWS,
                       "effectiveNow": now.get("effective", 0), "effectiveAfter": projected.get("effective", 0),
                       "coveredAfter": covered_after, "coveredAfterPct": _pct(covered_after or 0, len(rows)),
                       "effectiveAfterPct": _pct(projected.get("effective", 0), len(rows))}
    return out


def group_actions(actions: list[dict[str, Any]], rows: int = ACTION_ROWS) -> list[dict[str, Any]]:
    """Consecutive actions of one kind as one group: its first ``rows`` actions listed, the rest
    counted, so that a plan of thousands of actions stays a page (plan.json names every one)."""
    groups: list[dict[str, Any]] = []
    for a in actions:
        if not groups or groups[-1]["kind"] != a["kind"]:
            groups.append({"kind": a["kind"], "label": a["kind"].replace("_", " "), "actions": []})
        groups[-1]["actions"].append(a)
    for g in groups:
        acts = g.pop("actions")
        steps = [a["step"] for a in acts if a["step"] != "review"]
        g.update(count=len(acts), subscriptions=sum(a["subscriptions"] for a in acts), shown=acts[:rows],
                 more=len(acts) - min(rows, len(acts)),
                 moreSubscriptions=sum(a["subscriptions"] for a in acts[rows:]),
                 steps=f"{steps[0]}–{steps[-1]}" if len(steps) > 1 else (steps[0] if steps else "review"))
    return groups


def _file_groups(files: list[str]) -> list[str]:
    """'arm/x.json', 'bicep/x.bicep', 'terraform/x.tf' -> ['x (json, bicep, tf)']: one line per artifact."""
    groups: dict[str, list[str]] = {}
    for f in files:
        base = str(f).rsplit("/", 1)[-1]
        stem, _, ext = base.rpartition(".")
        groups.setdefault(stem or base, []).append(ext)
    return [f"{stem} ({', '.join(exts)})" if any(exts) else stem for stem, exts in groups.items()]


def build_model(findings: dict[str, Any], snapshot: Snapshot | None, drift: dict[str, Any] | None = None,
                plan: dict[str, Any] | None = None, trend: dict[str, Any] | None = None) -> dict[str, Any]:
    findings = dict(findings)
    names = Names(findings, snapshot)
    meta = _rule_meta()
    by_scope: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in findings.get("findings", []):
        by_scope[arm.norm_id(f["scope"])].append(f)
    rows = _sub_rows(findings, snapshot, names, by_scope)
    total = len(rows)
    verdicts = Counter(r["verdict"] for r in rows)
    export_complete = sum(1 for r in rows if r["export"] == "complete")
    effective = sum(1 for r in rows if r["enforcement"] == "effective")
    group_findings = {k: v for k, v in by_scope.items() if arm.management_group_name_of(k)}
    roots = _tree(findings, rows, names, group_findings)
    rules = _rules_fired(findings, meta, names)
    sev_open = Counter(f.get("severity") for f in findings.get("findings", []) if not f.get("waiver"))
    needing = [r for r in rows if r["needsAction"]]
    collected = snapshot.raw.get("collectedAt", "") if snapshot else ""
    root_id = snapshot.root_management_group_id if snapshot else ""
    config: dict[str, Any] = findings.get("config") or {}
    model: dict[str, Any] = {
        "meta": {
            "tenantId": findings.get("tenantId", ""), "tenantName": names.name(root_id) if root_id else "",
            "rootId": root_id, "rootName": names.name(root_id) if root_id else "", "collectedAt": collected,
            "generatedAt": findings.get("generatedAt", ""), "sha256": findings.get("snapshotSha256", ""),
            "snapshotTool": (snapshot.raw.get("tool") or {}) if snapshot else {}, "version": __version__,
            "cloud": snapshot.cloud if snapshot else "", "date": (findings.get("generatedAt") or collected)[:10],
        },
        "config": findings.get("config", {}),
        "centralDestinations": [names.scope_label(d) for d in config.get("central_destinations") or []],
        "frameworkScope": [{"framework": fw, "scopes": [names.scope_label(x) for x in scopes or []]}
                           for fw, scopes in sorted((config.get("framework_scope") or {}).items())],
        "coverage": {
            "total": total, "exportComplete": export_complete, "effective": effective,
            "covered": verdicts.get("covered", 0), "exportPct": _pct(export_complete, total),
            "effectivePct": _pct(effective, total), "coveredPct": _pct(verdicts.get("covered", 0), total),
            "needsAction": len(needing), "unknown": verdicts.get("unknown", 0),
            "coveredNeedingAction": sum(1 for r in needing if r["verdict"] == "covered"),
        },
        "verdicts": [{"verdict": v, "count": verdicts.get(v, 0), "label": wording.VERDICT_LABEL[v]}
                     for v in VERDICTS],
        "severities": [{"severity": s, "open": sev_open.get(s, 0)} for s in SEVERITIES],
        "waivedCount": sum(1 for f in findings.get("findings", []) if f.get("waiver")),
        "rules": rules, "risks": [r for r in rules if r["open"]][:6],
        "tree": roots, "treeFlat": flatten_tree(roots),
        # real groups only: the tree's "Not placed in the hierarchy" node (id "") is not one
        "groupCount": len(findings.get("managementGroups", [])),
        "unplacedCount": sum(len(n["subs"]) for n in roots if not n["id"]),
        "subscriptions": rows, "needing": needing, "detail": needing if len(needing) <= DETAIL_LIMIT else [],
        "detailLimit": DETAIL_LIMIT, "scopeListLimit": SCOPE_LIST_LIMIT, "assignmentLimit": ASSIGNMENT_LIMIT,
        "listLimit": LIST_LIMIT,
        "healthy": [r for r in rows if not r["needsAction"]],
        "needingByVerdict": dict(Counter(r["verdict"] for r in needing)),
        "categories": list(CATEGORIES),
        "operations": [{"operation": op, "short": wording.short_operation(op)}
                       for op in (findings.get("config", {}).get("sensitive_operations")
                                  or DEFAULT_SENSITIVE_OPERATIONS)],
        "assignments": assignment_rows(snapshot, findings, names) if snapshot else [],
        "remediation": _remediation(rules, plan, rows, names),
        "waivers": _waivers(findings, names),
        "delivery": _delivery(findings, names),
        "method": method_and_limits(snapshot, names),
        "drift": _drift(drift),
        "groupFindings": sum(len(v) for v in group_findings.values()),
        "scopeLabels": {f["scope"]: names.scope_label(f["scope"]) for f in findings.get("findings", [])},
        "compliance": compliance_view(findings, {r["id"] for r in rules}, names.scope_label),
        "trend": trend,
    }
    return model


DELIVERY_ROW_LIMIT = 200  # subscriptions listed in the delivery tables; findings.json has all


def _delivery(findings: dict[str, Any], names: Names) -> dict[str, Any] | None:
    """The "Delivery and detection" section, from findings.json's delivery block (None: not verified)."""
    block = findings.get("delivery")
    if not isinstance(block, dict):
        return None
    subs = [s for s in block.get("subscriptions") or [] if isinstance(s, dict)]
    rows: list[dict[str, Any]] = [{
        "name": names.name(str(s.get("subscription") or "")) or cut(str(s.get("name") or "")),
        "state": s.get("state"), "lastEvent": s.get("lastEvent") or "—",
        "defender": s.get("defenderForResourceManager") or "unknown",
        "sentinel": ", ".join(arm.last_segment(w) for w in s.get("sentinelWorkspaces") or []) or "—",
        "watched": {True: "yes", False: "no", None: "unknown"}.get(s.get("watched"), "unknown"),
        # why a destination is not "delivered", as findings.json says it (e.g. not queried: outside the tenant)
        "reasons": sorted({str(d.get("reason")) for d in s.get("destinations") or []
                           if isinstance(d, dict) and d.get("reason") and s.get("state") != "delivered"}),
        "yield": [{"category": c, "exported": c in (s.get("exportedCategories") or []),
                   "value": (s.get("categoryYield") or {}).get(c, "unknown")} for c in CATEGORIES],
    } for s in subs]
    empty = sum(1 for r in rows for y in r["yield"] if y["exported"] and y["value"] == "no")
    # subscriptions findings.json's delivery block has no record of: the analysis skips those whose
    # export settings could not be read; the report names them instead of dropping them silently
    listed = {arm.norm_id(s.get("subscription")) for s in subs}
    absent = [{"name": names.name(str(s.get("id") or "")) or cut(str(s.get("displayName") or "")),
               "export": s.get("export")}
              for s in findings.get("subscriptions", []) if arm.norm_id(s.get("id")) not in listed]
    states = Counter(str(r["state"]) for r in rows)
    return {
        "windowDays": block.get("windowDays"), "rows": rows[:DELIVERY_ROW_LIMIT], "total": len(rows),
        "limit": DELIVERY_ROW_LIMIT, "states": dict(sorted(states.items())), "emptyExported": empty,
        "absent": absent[:LIST_LIMIT], "absentTotal": len(absent),
        "absentUnreadable": all(a["export"] == "unknown" for a in absent),
        "dropping": [{"name": names.name(str(w.get("workspace") or "")) or arm.last_segment(str(w.get("workspace"))),
                      "quota": w.get("dailyQuotaGb"), "status": w.get("dataIngestionStatus") or "—",
                      "problems": sum(int(p.get("events") or 0) for p in w.get("ingestionProblems") or [])}
                     for w in block.get("droppingWorkspaces") or [] if isinstance(w, dict)],
    }


def _waivers(findings: dict[str, Any], names: Names) -> list[dict[str, Any]]:
    used: Counter[tuple[str, str]] = Counter()
    for f in findings.get("findings", []):
        w = f.get("waiver")
        if w:
            used[(str(w.get("reason")), str(w.get("owner")))] += 1
    out = []
    for w in findings.get("waivers", []):
        applied = (used.get((str(w.get("reason")), str(w.get("owner"))), 0) if w.get("status") == "active" else 0)
        out.append({**w, "scopeLabel": names.scope_label(w.get("scope")), "applied": applied,
                    "matched": w.get("matchedFindings", applied)})
    out.sort(key=lambda w: (w.get("status") != "active", str(w.get("expires")), w.get("rule", "")))
    return out


def _named_by(findings: list[dict[str, Any]], destination: Any) -> list[str]:
    """Open findings whose evidence names this destination (ALA-DLV-002: the workspace is over
    quota): the card shows them next to the destination instead of calling it healthy."""
    target = arm.norm_id(destination)
    return sorted({f["ruleId"] for f in findings if target and target in _ids_in_evidence(f.get("evidence"))})


def _ids_in_evidence(value: Any) -> set[str]:
    if isinstance(value, str):
        return {arm.norm_id(value)} if value.startswith("/") else set()
    if isinstance(value, list):
        return set().union(*(_ids_in_evidence(v) for v in value)) if value else set()
    if isinstance(value, dict):
        return set().union(*(_ids_in_evidence(v) for v in value.values())) if value else set()
    return set()


def _drift(drift: dict[str, Any] | None) -> dict[str, Any] | None:
    if not drift:
        return None
    d = dict(drift)
    d["newFindingsByRule"] = dict(sorted(Counter(f["ruleId"] for f in d["newFindings"]).items()))
    d["resolvedFindingsByRule"] = dict(sorted(Counter(f["ruleId"] for f in d["resolvedFindings"]).items()))
    d["notComparedLines"] = [wording.not_compared_line(item) for item in d.get("notCompared", [])]
    return d
