"""SARIF 2.1.0 output, for code-scanning dashboards and pipelines.

Rules come from the catalogue (plus any rule id a finding names that the catalogue lacks). A
result stands for every finding of one rule under one scope group (see
:mod:`auditor.render.sarif_groups`: results grow with management groups, not subscriptions),
located at the group through a logical location and at the snapshot's path in the uploading
repository through the physical location code-scanning services require, with a fingerprint that
names the group, not a line. Waived findings carry an accepted external suppression with the
waiver's reason. Unreadable scopes become tool notifications and ``executionSuccessful: false``.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from auditor import __version__
from auditor.azure import arm
from auditor.azure.snapshot import Snapshot
from auditor.errors import InputError
from auditor.render.names import Names
from auditor.render.sarif_groups import ResultGroup, group_findings, members
from auditor.render.sarif_limits import MAX_TAGS_PER_RULE
from auditor.rules import all_rules

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
        # Tags name the frameworks (GitHub rejects a rule with more than 20 tags, and a rule can
        # carry dozens of controls); every control is listed in full under "controls".
        "properties": {"tags": _tags(entry.get("controls", [])),
                       "controls": list(dict.fromkeys(map(_control_label, entry.get("controls", [])))),
                       "security-severity": SECURITY_SEVERITY.get(entry.get("severity", "low"), "2.0"),
                       "precision": "high"},
    }


def snapshot_artifact_uri(snapshot: Snapshot | None, artifact_path: str | None = None) -> str:
    """Where results point: ``artifact_path`` (the snapshot's path in the repository the SARIF is
    uploaded from, ``audit --sarif-artifact-path``), else the snapshot's path as given when it is
    relative and inside the working directory, else its file name. A relative URI: code-scanning
    services (GitHub's among them) reject results without a physical location, and the snapshot is
    the evidence every finding comes from."""
    if artifact_path:
        return quote(artifact_path)
    source = snapshot.source if snapshot is not None and snapshot.source else ""
    if not source or source.startswith("<"):
        return "snapshot.json"
    path = PurePath(source)
    if not path.is_absolute() and ".." not in path.parts:
        return quote(path.as_posix())
    return quote(path.name)


def check_artifact_path(value: str) -> str:
    """A repository-relative path (forward slashes, no ``..``, no scheme), else a usage error."""
    if not value or "\\" in value or "://" in value or value.startswith("/") or ".." in value.split("/") \
            or any(ord(c) < 32 for c in value):
        raise InputError(f"--sarif-artifact-path: '{value}' is not a repository-relative path "
                         "(forward slashes, no leading '/', no '..'), e.g. audits/snapshot.json.gz")
    return value


def _tags(controls: list[Any]) -> list[str]:
    """'security' and each framework a rule speaks to, at most GitHub's 20 (never cut silently:
    more frameworks than that is an error in the catalogue)."""
    from auditor.frameworks import all_frameworks

    names = sorted((f.short_name for f in all_frameworks()), key=len, reverse=True)
    labels = [_control_label(c) for c in controls]
    tags = list(dict.fromkeys(["security", *(next((n for n in names if lb.startswith(n + " ")), lb)
                                             for lb in labels)]))
    if len(tags) > MAX_TAGS_PER_RULE:
        raise ValueError(f"{len(tags)} SARIF tags for one rule: GitHub accepts {MAX_TAGS_PER_RULE}")
    return tags


def _control_label(control: Any) -> str:
    """A control as a tag: strings as they are; structured controls as 'framework controlId'."""
    if isinstance(control, dict):
        return " ".join(str(control[k]) for k in ("framework", "controlId") if control.get(k)) or json.dumps(control)
    return str(control)


def _group_message(group: ResultGroup, names: Names, title: str) -> str:
    first = group.findings[0]
    if len(group.findings) == 1:
        return f"{first.get('message', '')} ({names.scope_label(group.scopes[0])})"
    where = "the tenant" if group.group == "/" else names.scope_label(group.group)
    return (f"{title}: {len(group.findings):,} findings at {len(group.scopes):,} scope(s) under {where} "
            f"(the members are in this result's properties). First: {first.get('message', '')} "
            f"({names.scope_label(group.scopes[0])})")


def sarif_document(findings: dict[str, Any], snapshot: Snapshot | None,
                   artifact_path: str | None = None) -> dict[str, Any]:
    """The SARIF log: one run, one result per rule and scope group (:mod:`auditor.render.sarif_groups`)."""
    names = Names(findings, snapshot)
    catalogue = {r.id.upper(): r.catalogue_entry() for r in all_rules()}
    for f in findings.get("findings", []):
        rid = str(f.get("ruleId", "")).upper()
        catalogue.setdefault(rid, {"id": f.get("ruleId"), "title": f.get("title", rid),
                                   "severity": f.get("severity", "low"), "controls": f.get("controls", [])})
    rule_ids = sorted(catalogue)
    index = {rid: i for i, rid in enumerate(rule_ids)}
    artifact = snapshot_artifact_uri(snapshot, artifact_path)
    results = []
    for group in group_findings(findings):
        rid = group.rule_id.upper()
        fingerprint = group.fingerprint()
        controls = list(dict.fromkeys(_control_label(c) for f in group.findings for c in f.get("controls", [])))
        result: dict[str, Any] = {
            "ruleId": catalogue[rid]["id"],
            "ruleIndex": index[rid],
            "level": LEVEL.get(group.severity, "note"),
            "message": {"text": _group_message(group, names, str(group.findings[0].get("title") or rid))},
            "locations": [{
                "physicalLocation": {"artifactLocation": {"uri": artifact, "index": 0},
                                     "region": {"startLine": 1}},
                "logicalLocations": [{
                    "name": "tenant" if group.group == "/" else names.name(group.group),
                    "fullyQualifiedName": group.group, "kind": _location_kind(group.group)}]}],
            # Our own key, and GitHub's: upload-sarif fills primaryLocationLineHash from the artifact's
            # line only when it is missing, which would merge every result on line 1 into one alert.
            "partialFingerprints": {"auditorResultGroup/v1": fingerprint, "primaryLocationLineHash": fingerprint},
            "properties": {"severity": group.severity, "scopeGroup": group.group,
                           "findingCount": len(group.findings), "scopeCount": len(group.scopes),
                           "scopes": group.scopes, "members": members(group.findings), "controls": controls},
        }
        if group.waiver is not None:
            w = group.waiver
            result["suppressions"] = [{
                "kind": "external", "status": "accepted",
                "justification": f"{w.get('reason', '')} (owner {w.get('owner', '') or 'unnamed'}, "
                                 f"expires {w.get('expires') or 'never'})"}]
        results.append(result)
    notifications = []
    errors = snapshot.errors if snapshot is not None else []
    for e in errors:
        notifications.append({
            "level": "error",
            "message": {"text": f"Could not read {_what(e.operation)} at {e.scope}: {e.status or ''} {e.code} "
                                f"{e.message}".strip()},
            "locations": [{"logicalLocations": [{"fullyQualifiedName": e.scope, "name": names.name(e.scope),
                                                  "kind": _location_kind(e.scope)}]}]})
    invocation: dict[str, Any] = {"executionSuccessful": not errors, "toolExecutionNotifications": notifications}
    if errors:  # the audit exits 3: what it could not read is unknown, never fine
        invocation["exitCode"] = 3
        invocation["exitCodeDescription"] = f"incomplete: {len(errors)} scope(s) or call(s) could not be read"
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "auditor", "version": __version__, "semanticVersion": __version__,
                            "informationUri": INFO_URI,
                            "rules": [_rule_descriptor(catalogue[r]) for r in rule_ids]}},
        "automationDetails": {"id": f"auditor/{findings.get('tenantId', '')}/{findings.get('generatedAt', '')}"},
        "invocations": [invocation],
        "artifacts": [{"location": {"uri": artifact}, "description": {"text": "The audited snapshot (auditor collect)"},
                       "hashes": {"sha-256": findings.get("snapshotSha256", "")}}],
        "results": results,
        "properties": {"snapshotSha256": findings.get("snapshotSha256", ""),
                       "tenantId": findings.get("tenantId", ""), "summary": findings.get("summary", {})},
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def write_sarif(findings: dict[str, Any], snapshot: Snapshot | None, path: Path,
                artifact_path: str | None = None) -> Path:
    # Streamed, and compact: GitHub's limit is on the gzip of the file, but the members list is long.
    with path.open("w", encoding="utf-8") as fh:
        json.dump(sarif_document(findings, snapshot, artifact_path), fh, separators=(",", ":"), ensure_ascii=False)
        fh.write("\n")
    return path
