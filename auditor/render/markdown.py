"""Markdown summaries for tickets and pull requests: the audit's, and a drift report's.

Tenant text is escaped for Markdown (and inline HTML) so a display name cannot inject links,
tables, mentions or markup into a ticket.
"""

from __future__ import annotations

import re
from typing import Any

from auditor.render.wording import VERDICT_LABEL, not_compared_line

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~@])")
NEEDING_LIMIT = 50


def md(value: Any) -> str:
    """Escape text for a Markdown table cell or paragraph (one line)."""
    text = " ".join(str("" if value is None else value).split())
    return _MD_SPECIAL.sub(r"\\\1", text).replace("&", "&amp;")


def summary_markdown(model: dict[str, Any]) -> str:
    meta, cov = model["meta"], model["coverage"]
    out = [
        f"# Activity-log coverage audit: {md(meta['rootName'] or meta['tenantId'])}",
        "",
        f"Tenant `{md(meta['tenantId'])}`, collected {md(meta['collectedAt'])}, auditor {md(meta['version'])}, "
        f"snapshot SHA-256 `{meta['sha256']}`.",
        "",
        "| Coverage | Subscriptions | Share |",
        "|---|---:|---:|",
        f"| Export complete | {cov['exportComplete']} | {cov['exportPct']}% |",
        f"| Enforcement effective | {cov['effective']} | {cov['effectivePct']}% |",
        f"| **Covered** | **{cov['covered']}** | **{cov['coveredPct']}%** |",
        f"| Total | {cov['total']} | |",
        "",
        "| Verdict | Subscriptions |",
        "|---|---:|",
        *[f"| {v['label']} | {v['count']} |" for v in model["verdicts"]],
        "",
        "Open findings: " + ", ".join(f"{s['open']} {s['severity']}" for s in model["severities"])
        + f"; {model['waivedCount']} waived.",
        "",
        "## Top risks",
        "",
    ]
    out += [f"{i}. **{r['severity']}** {r['risk']} (`{r['id']}`)" for i, r in enumerate(model["risks"], 1)]
    if not model["risks"]:
        out.append("No open findings.")
    if model["drift"]:
        out += ["", *drift_lines(model["drift"], heading="## Since the previous audit")]
    out += ["", "## Findings by rule", "", "| Rule | Severity | Title | Open | Waived | Scopes |",
            "|---|---|---|---:|---:|---:|"]
    out += [f"| `{r['id']}` | {r['severity']} | {md(r['title'])} | {r['open']} | {r['waived']} | {len(r['scopes'])} |"
            for r in model["rules"]]
    needing = model["needing"]
    out += ["", f"## Subscriptions needing action ({len(needing)})", "",
            "| Subscription | Id | Verdict | Export | Enforcement | Open findings |", "|---|---|---|---|---|---:|"]
    out += [f"| {md(s['name'])} | `{s['guid']}` | {VERDICT_LABEL.get(s['verdict'], s['verdict'])} | {s['export']} "
            f"| {s['enforcement']} | {s['open']} |" for s in needing[:NEEDING_LIMIT]]
    if len(needing) > NEEDING_LIMIT:
        out.append(f"\n... and {len(needing) - NEEDING_LIMIT} more: see report.pdf, report.html or findings.csv.")
    out += ["", "## Waivers", ""]
    if model["waivers"]:
        out += ["| Status | Rule | Scope | Owner | Expires | Reason |", "|---|---|---|---|---|---|"]
        out += [f"| {w['status']} | `{md(w['rule'])}` | {md(w['scopeLabel'])} | {md(w.get('owner'))} "
                f"| {md(w.get('expires') or 'never')} | {md(w.get('reason'))} |" for w in model["waivers"]]
    else:
        out.append("No waivers configured.")
    if model["method"]["errors"]:
        out += ["", f"**Incomplete audit:** {len(model['method']['errors'])} scope(s) or call(s) could not be read; "
                "their coverage is unknown."]
    return "\n".join(out) + "\n"


def drift_lines(d: dict[str, Any], heading: str = "# Drift between two audits") -> list[str]:
    out = [heading, "",
           f"Covered: {d['old']['covered']} of {d['old']['subscriptions']} → {d['new']['covered']} of "
           f"{d['new']['subscriptions']} (collected {d['old'].get('generatedAt') or '?'} → "
           f"{d['new'].get('generatedAt') or '?'}; snapshots `{d['old']['sha256'][:12]}` → "
           f"`{d['new']['sha256'][:12]}`).", "",
           "| Change | Count |", "|---|---:|",
           f"| Newly not covered | {len(d['newlyUncovered'])} |", f"| Fixed | {len(d['fixed'])} |",
           f"| All verdict changes | {len(d['verdictChanges'])} |",
           f"| New subscriptions | {len(d['newSubscriptions'])} |",
           f"| Removed subscriptions | {len(d['removedSubscriptions'])} |",
           f"| New findings | {len(d['newFindings'])} |", f"| Resolved findings | {len(d['resolvedFindings'])} |", ""]
    for item in d.get("notCompared") or []:
        out += [md(not_compared_line(item)), ""]

    def section(title: str, rows: list[dict[str, Any]], fmt: Any) -> None:
        out.append(f"### {title} ({len(rows)})")
        out.append("")
        out.extend(f"- {fmt(r)}" for r in rows[:100])
        if len(rows) > 100:
            out.append(f"- ... and {len(rows) - 100} more")
        if not rows:
            out.append("None.")
        out.append("")

    def change(r: dict[str, Any]) -> str:
        return f"{md(r['displayName'])} (`{r['id']}`): {r['old']} → {r['new']}"

    def sub(r: dict[str, Any]) -> str:
        return f"{md(r['displayName'])} (`{r['id']}`): {r['verdict']}"

    def finding(f: dict[str, Any]) -> str:
        return f"{f.get('severity', '')} `{f['ruleId']}` {md(f.get('message', ''))} (`{f['scope']}`)"

    section("Newly not covered", d["newlyUncovered"], change)
    section("Fixed", d["fixed"], change)
    others = [c for c in d["verdictChanges"] if c not in d["newlyUncovered"] and c not in d["fixed"]]
    section("Other verdict changes", others, change)
    section("New subscriptions", d["newSubscriptions"], sub)
    section("Removed subscriptions", d["removedSubscriptions"], sub)
    section("New findings", d["newFindings"], finding)
    section("Resolved findings", d["resolvedFindings"], finding)
    return out
