"""SARIF 2.1.0 output, for code-scanning dashboards and pipelines.

Rules come from the catalogue (plus any rule id a finding names that the catalogue lacks);
each finding becomes a result located at its ARM scope through a logical location, and in the
snapshot file (line 1) through the physical location that code-scanning services require. Waived
findings carry an accepted external suppression with the waiver's reason, so dashboards show
them as suppressed instead of dropping them. Unreadable scopes become tool notifications.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from auditor import __version__
from auditor.azure import arm
from auditor.render.names import Names
from auditor.rules import all_rules
from auditor.snapshot import Snapshot

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"high": "error", "medium": "warning", "low": "note"}
SECURITY_SEVERITY = {"high": "8.0", "medium": "5.0", "low": "2.0"}
INFO_URI = "https://github.com/auditor/auditor"


def _what(operation: str) -> str:
    """``*`` in a snapshot error means the whole scope was unreadable."""
    return "anything" if operation == "*" else f"'{operation}'"


def _location_kind(scope: str) -> str:
    n = arm.norm_id(scope)
    if arm.management_group_name_of(n) and n.count("/") == 4:
        return "managementGroup"
    if n.count("/") == 2 and arm.subscription_id_of(n):
        return "subscription"
    return "resource"


def _rule_descriptor(entry: dict[str, Any]) -> dict[str, Any]:
    name = "".join(w.capitalize() for w in str(entry.get("title", entry["id"])).replace("-", " ").split()
                   if w.isalnum()) or entry["id"]
    return {
        "id": entry["id"],
        "name": name,
        "shortDescription": {"text": entry.get("title") or entry["id"]},
        "fullDescription": {"text": entry.get("rationale") or entry.get("title") or entry["id"]},
        "help": {"text": entry.get("remediation") or "See the audit report."},
        "defaultConfiguration": {"level": LEVEL.get(entry.get("severity", "low"), "note")},
        "properties": {"tags": ["security", *entry.get("controls", [])],
                       "security-severity": SECURITY_SEVERITY.get(entry.get("severity", "low"), "2.0"),
                       "precision": "high"},
    }


def snapshot_artifact_uri(snapshot: Snapshot | None) -> str:
    """The snapshot's file name, a relative URI: code-scanning services (GitHub's among them) reject
    results without a physical location, and the snapshot is the evidence every finding comes from."""
    name = Path(snapshot.source).name if snapshot is not None and snapshot.source else ""
    if not name or name.startswith("<"):
        name = "snapshot.json"
    return quote(name)


def sarif_document(findings: dict[str, Any], snapshot: Snapshot | None) -> dict[str, Any]:
    names = Names(findings, snapshot)
    catalogue = {r.id.upper(): r.catalogue_entry() for r in all_rules()}
    for f in findings.get("findings", []):
        rid = str(f.get("ruleId", "")).upper()
        catalogue.setdefault(rid, {"id": f.get("ruleId"), "title": f.get("title", rid),
                                   "severity": f.get("severity", "low"), "controls": f.get("controls", [])})
    rule_ids = sorted(catalogue)
    index = {rid: i for i, rid in enumerate(rule_ids)}
    artifact = snapshot_artifact_uri(snapshot)
    results = []
    for f in findings.get("findings", []):
        rid = str(f.get("ruleId", "")).upper()
        scope = arm.display_id(f.get("scope"))
        fingerprint = hashlib.sha256(json.dumps(
            [rid, arm.norm_id(scope), f.get("evidence", {})], sort_keys=True).encode()).hexdigest()
        result: dict[str, Any] = {
            "ruleId": catalogue[rid]["id"],
            "ruleIndex": index[rid],
            "level": LEVEL.get(f.get("severity", "low"), "note"),
            "message": {"text": f"{f.get('message', '')} ({names.scope_label(scope)})"},
            "locations": [{
                "physicalLocation": {"artifactLocation": {"uri": artifact, "index": 0},
                                     "region": {"startLine": 1}},
                "logicalLocations": [{
                    "name": names.name(scope), "fullyQualifiedName": scope, "kind": _location_kind(scope)}]}],
            "partialFingerprints": {"auditorFinding/v1": fingerprint},
            "properties": {"severity": f.get("severity"), "evidence": f.get("evidence", {}),
                           "controls": f.get("controls", [])},
        }
        if f.get("waiver"):
            w = f["waiver"]
            result["suppressions"] = [{
                "kind": "external", "status": "accepted",
                "justification": f"{w.get('reason', '')} (owner {w.get('owner', '') or 'unnamed'}, "
                                 f"expires {w.get('expires') or 'never'})"}]
        results.append(result)
    notifications = []
    if snapshot is not None:
        for e in snapshot.errors:
            notifications.append({
                "level": "error",
                "message": {"text": f"Could not read {_what(e.operation)} at {e.scope}: {e.status or ''} {e.code} "
                                    f"{e.message}".strip()},
                "locations": [{"logicalLocations": [{"fullyQualifiedName": e.scope, "name": names.name(e.scope),
                                                      "kind": _location_kind(e.scope)}]}]})
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "auditor", "version": __version__, "semanticVersion": __version__,
                            "informationUri": INFO_URI,
                            "rules": [_rule_descriptor(catalogue[r]) for r in rule_ids]}},
        "automationDetails": {"id": f"auditor/{findings.get('tenantId', '')}/{findings.get('generatedAt', '')}"},
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "artifacts": [{"location": {"uri": artifact}, "description": {"text": "The audited snapshot (auditor collect)"},
                       "hashes": {"sha-256": findings.get("snapshotSha256", "")}}],
        "results": results,
        "properties": {"snapshotSha256": findings.get("snapshotSha256", ""),
                       "tenantId": findings.get("tenantId", ""), "summary": findings.get("summary", {})},
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def write_sarif(findings: dict[str, Any], snapshot: Snapshot | None, path: Path) -> Path:
    # Streamed: at 50,000 subscriptions the document is over a gigabyte as one string.
    with path.open("w", encoding="utf-8") as fh:
        json.dump(sarif_document(findings, snapshot), fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    return path
