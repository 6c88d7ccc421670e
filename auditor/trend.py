"""Trend across quarters (``audit --history DIR``): coverage, verdicts and control status over time.

Earlier audits come as findings.json files or snapshots (audited with today's configuration).
Only like with like is compared: an audit of another tenant or another root management group
is left out with its reason, a framework's control status only where both audits evaluated
that framework with the same scope, delivery figures only where delivery was verified. Each
earlier audit is reduced to its summary as it is read, so the memory held grows with the
number of audits, not with their subscriptions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from auditor.azure import arm
from auditor.azure.snapshot import build_snapshot, read_json_file
from auditor.errors import InputError

SUFFIXES = (".json", ".json.gz")
HISTORY_LIMIT = 40  # ten years of quarters; the oldest beyond it are left out with a note
CONTROL_COLUMNS = 8  # control status over time: the last two years of quarters fit a page


def summarise(doc: dict[str, Any], source: str) -> dict[str, Any]:
    """What the trend keeps of one audit: date, scope, verdicts, open findings, control statuses."""
    summary = doc.get("summary", {})
    verdicts = dict(summary.get("verdicts", {}))
    total = int(summary.get("subscriptions", 0))
    compliance = doc.get("compliance") or {}
    frameworks = {}
    for fw in compliance.get("frameworks", []):
        controls = {c["controlId"]: c["status"] for c in compliance.get("controls", []) if c["framework"] == fw["id"]}
        frameworks[fw["id"]] = {"name": fw["name"], "version": fw["version"], "scope": sorted(fw.get("scope", [])),
                                "statuses": fw.get("statuses", {}), "controls": controls}
    findings = summary.get("findings", {})
    return {
        "source": source, "collectedAt": doc.get("collectedAt", ""), "tenantId": doc.get("tenantId", ""),
        "root": arm.norm_id(doc.get("rootManagementGroupId") or ""), "subscriptions": total,
        "verdicts": verdicts, "covered": verdicts.get("covered", 0),
        "coveredPct": round(100 * verdicts.get("covered", 0) / total, 1) if total else 0.0,
        "open": {s: findings.get(s, 0) for s in ("high", "medium", "low")}, "waived": findings.get("waived", 0),
        "incomplete": bool(summary.get("incomplete")), "delivery": "delivery" in doc, "frameworks": frameworks,
        "settings": _settings(doc.get("config", {})),
    }


def _settings(config: dict[str, Any]) -> list[Any]:
    """The settings a verdict depends on: audits judged under other settings are marked, not mixed silently."""
    return [sorted(config.get("required_categories", [])), config.get("min_retention_days"),
            sorted(str(c).lower() for c in config.get("central_destinations", [])),
            config.get("min_interactive_retention_days", 0)]


def load_history(folder: str | Path, audit_snapshot: Callable[[Any], dict[str, Any]]) -> list[dict[str, Any]]:
    """Summaries of the audits in ``folder`` (findings.json files or snapshots), oldest first.

    ``audit_snapshot`` audits a snapshot with the current configuration. A file that is neither
    is a usage error naming it: a trend silently missing a quarter would mislead. Hidden files
    (an earlier run's ``.auditor-manifest.json``) are not audits: an output folder can be given.
    """
    base = Path(folder)
    if not base.is_dir():
        raise InputError(f"--history: {base} is not a folder")
    files = sorted(p for p in base.iterdir()
                   if p.is_file() and p.name.endswith(SUFFIXES) and not p.name.startswith("."))
    if not files:
        raise InputError(f"--history: {base} holds no findings.json or snapshot files (.json, .json.gz)")
    out = []
    for p in files:
        raw, data = read_json_file(p, "--history file")
        if isinstance(raw, dict) and "findings" in raw and "summary" in raw:
            doc = raw
        elif isinstance(raw, dict) and "resources" in raw:
            doc = audit_snapshot(build_snapshot(raw, hashlib.sha256(data).hexdigest(), source=str(p)))
        else:
            raise InputError(f"--history: {p} is neither a findings.json nor a snapshot")
        out.append({**summarise(doc, p.name), "judgedThen": doc is raw})
        del raw, data, doc
    return sorted(out, key=lambda s: (s["collectedAt"], s["source"]))


def build_trend(history: list[dict[str, Any]], current: dict[str, Any]) -> dict[str, Any]:
    """Points comparable with the current audit (same tenant and root), oldest first, current last."""
    now = summarise(current, "this audit")
    points: list[dict[str, Any]] = []
    excluded: list[dict[str, str]] = []
    # One point per collection: an output folder holds a snapshot and its findings.json; the findings,
    # judged at the time, are kept.
    history = sorted(history, key=lambda h: (h["collectedAt"], not h.get("judgedThen", True), h["source"]))
    for h in history:
        if h["tenantId"] != now["tenantId"]:
            excluded.append({"source": h["source"], "reason": f"another tenant ({h['tenantId']})"})
        elif h["root"] != now["root"]:
            excluded.append({"source": h["source"], "reason": "another scope (root management group)"})
        elif h["collectedAt"] >= now["collectedAt"]:
            excluded.append({"source": h["source"], "reason": "collected at or after this audit"})
        elif points and points[-1]["collectedAt"] == h["collectedAt"]:
            excluded.append({"source": h["source"], "reason": f"the same collection as {points[-1]['source']}"})
        else:
            points.append(h)
    if len(points) > HISTORY_LIMIT - 1:
        excluded += [{"source": p["source"], "reason": f"older than the last {HISTORY_LIMIT} audits"}
                     for p in points[:-(HISTORY_LIMIT - 1)]]
        points = points[-(HISTORY_LIMIT - 1):]
    points.append(now)
    frameworks = []
    for fid, fw in now["frameworks"].items():
        same = [p for p in points if fid in p["frameworks"] and p["frameworks"][fid]["scope"] == fw["scope"]]
        same = same[-CONTROL_COLUMNS:]
        controls = [{"id": cid, "statuses": [p["frameworks"][fid]["controls"].get(cid, "") for p in same]}
                    for cid in fw["controls"]]
        frameworks.append({"id": fid, "name": fw["name"], "version": fw["version"],
                           "dates": [p["collectedAt"][:10] for p in same],
                           "statuses": [p["frameworks"][fid]["statuses"] for p in same], "controls": controls})
    return {
        "points": [{**{k: p[k] for k in ("source", "collectedAt", "subscriptions", "verdicts", "covered", "coveredPct",
                                         "open", "waived", "incomplete", "delivery")},
                    "sameSettings": p["settings"] == now["settings"]} for p in points],
        "excluded": excluded, "frameworks": frameworks,
    }
