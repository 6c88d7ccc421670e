"""The interactive HTML report: one self-contained file (inline CSS, JS and SVG, no network).

Summary, rules, policy, waivers and method are rendered server-side (autoescaped). The large
tables (subscriptions, findings) and the hierarchy are embedded as compact JSON and built in
the browser lazily, page by page, with ``textContent`` only, so 10,000 subscriptions open at
once and no tenant text is ever parsed as HTML.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from markupsafe import Markup

from auditor.azure import arm
from auditor.render.env import environment, read_asset
from auditor.render.names import TEXT_LIMIT, cut
from auditor.termtext import shown_in_json

_SEV = {"high": 0, "medium": 1, "low": 2, "": 3}


def _script_json(data: Any) -> Markup:
    """JSON safe inside <script>: no '<', '>' or '&' can close the element or open a comment."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(shown_in_json(text))  # U+2028/2029, bidi and C1 characters shown as escapes


def client_data(model: dict[str, Any]) -> dict[str, Any]:
    """Compact, column-oriented data for the browser tables and the tree."""
    groups: list[list[Any]] = []
    group_index: dict[int, int] = {}
    stack: list[int] = []
    for item in model["treeFlat"]:
        node, depth = item["node"], item["depth"]
        del stack[depth:]
        parent = stack[-1] if stack else -1
        idx = len(groups)
        group_index[id(node)] = idx
        groups.append([node["name"], node["id"], parent, node["exported"], node["total"], node["needsAction"],
                       [node["counts"].get(v["verdict"], 0) for v in model["verdicts"]]])
        stack.append(idx)
    sub_group: dict[str, int] = {}
    for item in model["treeFlat"]:
        for s in item["node"]["subs"]:
            sub_group[arm.norm_id(s["id"])] = group_index[id(item["node"])]
    subs = []
    for s in model["subscriptions"]:
        cats = "".join({"ok": "1", "missing": "0", "na": "-", "unknown": "?"}[c["state"]] for c in s["matrix"])
        alerts = "".join({"alerting": "1", "silent": "s", "none": "0", "unknown": "?"}[a["state"]]
                         for a in s["alerts"])
        subs.append([s["name"], s["id"], s["verdict"], s["export"], s["enforcement"],
                     sub_group.get(arm.norm_id(s["id"]), -1), s["open"], _SEV[s["worst"]], cats, alerts,
                     "; ".join(f"{d['kindLabel']}: {d['name']}" + ("" if d.get("healthy") else
                               " (unverified)" if d.get("healthy") is None else " (broken)")
                               for d in s["destinations"]),
                     "; ".join(a["name"] for a in s["enforcedBy"]), 1 if s["needsAction"] else 0,
                     ",".join(a["byShort"] for a in s["alerts"])])
    rules = sorted({r["id"] for r in model["rules"]})
    rule_index = {r: i for i, r in enumerate(rules)}
    # Findings repeat the same scopes, messages and evidence thousands of times: each distinct
    # string is stored once and rows refer to it by index (28 MB -> about a third at 10,000
    # subscriptions); the script expands the rows on load.
    texts: dict[str, int] = {}
    scopes: dict[str, int] = {}
    labels = model["scopeLabels"]

    def text(value: str) -> int:
        return texts.setdefault(value, len(texts))

    def scope(value: str) -> int:
        return scopes.setdefault(value, len(scopes))

    findings = []
    for r in model["rules"]:
        for f in r["all"]:
            findings.append([rule_index[r["id"]], _SEV.get(f.get("severity", ""), 3), scope(f["scope"]),
                             text(cut(f.get("message", ""), TEXT_LIMIT)),
                             text(cut(json.dumps(f.get("evidence", {}), ensure_ascii=False, sort_keys=True),
                                      TEXT_LIMIT)),
                             text(cut((f.get("waiver") or {}).get("reason", ""), TEXT_LIMIT))])
    return {"groups": groups, "subs": subs, "rules": rules, "findings": findings, "texts": list(texts),
            "scopes": [[sc, labels.get(sc, sc)] for sc in scopes],
            "categories": model["categories"], "operations": [o["short"] for o in model["operations"]],
            "verdicts": [v["verdict"] for v in model["verdicts"]],
            "verdictLabels": [v["label"] for v in model["verdicts"]]}


def _context(model: dict[str, Any]) -> dict[str, Any]:
    js = read_asset("report_html.js")
    # The Content-Security-Policy allows exactly this script (by hash), so even markup that
    # slipped past escaping could not run; the JSON data block is not executable.
    script_hash = base64.b64encode(hashlib.sha256(str(js).encode("utf-8")).digest()).decode()
    return {"model": model, "css": read_asset("report_html.css"), "js": js, "script_hash": script_hash,
            "data": _script_json(client_data(model))}


def render_html(model: dict[str, Any]) -> str:
    return environment().get_template("report_html.html.j2").render(**_context(model))


def write_html(model: dict[str, Any], path: Path) -> Path:
    # Streamed to the file: the page is never held whole beside its data block (50,000 subscriptions).
    environment().get_template("report_html.html.j2").stream(**_context(model)).dump(str(path), encoding="utf-8")
    return path
