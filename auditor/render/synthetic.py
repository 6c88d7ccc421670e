"""Synthetic tenants (snapshot + findings) of any size, for report benchmarks and render tests.

The real findings come from the analysis engine; these are built directly in the contract's
shapes so that the renderers can be exercised at 10,000 subscriptions without a live tenant
and independently of the engine. The mix of verdicts and findings is seeded and deterministic.
"""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any

from auditor.config import CATEGORIES, DEFAULT_SENSITIVE_OPERATIONS

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
MG = "/providers/Microsoft.Management/managementGroups/"
AUTH = "/providers/Microsoft.Authorization/"
DINE_DEF = AUTH + "policyDefinitions/2465583e-4e78-4c15-b6be-a36cbc7c8b0f"
CONTRIBUTOR_ROLES = [
    AUTH + "roleDefinitions/749f88d5-cbae-40b8-bcfc-e573ddc772fa",
    AUTH + "roleDefinitions/92aaf0da-9dab-42b6-94a3-d43ce8d16293",
]
VERDICT_AXES = {
    "covered": ("complete", "effective"),
    "unenforced": ("complete", "none"),
    "unremediated": ("none", "effective"),
    "partial": ("partial", "impaired"),
    "uncovered": ("none", "none"),
    "unknown": ("unknown", "unknown"),
}
SEVERITY = {
    "ALA-EXP-001": "high", "ALA-EXP-002": "medium", "ALA-EXP-003": "high", "ALA-EXP-005": "medium",
    "ALA-EXP-006": "medium", "ALA-EXP-009": "low", "ALA-POL-001": "medium", "ALA-POL-002": "medium",
    "ALA-POL-003": "medium", "ALA-POL-004": "high", "ALA-POL-005": "medium", "ALA-ALR-001": "medium",
    "ALA-ALR-002": "medium", "ALA-AUD-001": "high",
}
TITLES = {
    "ALA-EXP-001": "Subscription has no healthy activity-log export",
    "ALA-EXP-002": "Export misses required categories",
    "ALA-EXP-003": "Export destination is broken",
    "ALA-EXP-005": "Export retention is too short",
    "ALA-EXP-006": "Legacy log profile exists",
    "ALA-EXP-009": "Management group has no diagnostic setting",
    "ALA-POL-001": "No export policy applies",
    "ALA-POL-002": "Subscription excluded or exempted from the export policy",
    "ALA-POL-003": "Export policy not enforced",
    "ALA-POL-004": "Export policy identity lacks a required role",
    "ALA-POL-005": "Export policy non-compliant",
    "ALA-ALR-001": "No alert on a sensitive operation",
    "ALA-ALR-002": "Alert does not notify anyone",
    "ALA-AUD-001": "Scope could not be read",
}


def _guid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def _mg(name: str, display: str, parent: str | None, children: list[dict[str, Any]]) -> dict[str, Any]:
    props: dict[str, Any] = {"tenantId": TENANT, "displayName": display, "children": children,
                             "details": {"parent": {"id": MG + parent} if parent else None}}
    return {"id": MG + name, "type": "Microsoft.Management/managementGroups", "name": name, "properties": props}


def synthetic_tenant(n_subscriptions: int, seed: int = 7, hostile_name: str | None = None
                     ) -> tuple[dict[str, Any], dict[str, Any]]:
    """(snapshot document, findings dict) for a tenant of ``n_subscriptions``."""
    rng = random.Random(seed)
    collected = "2026-11-28T10:00:00Z"
    n_leaf = max(2, n_subscriptions // 60)
    tops = [("platform", "Platform"), ("landing-zones", "Landing zones"), ("sandbox", "Sandbox")]
    leaves = [(f"lz-{i:03d}", f"Landing zone {i:03d}", "landing-zones") for i in range(n_leaf)]
    subs: list[dict[str, Any]] = []
    for i in range(n_subscriptions):
        parent = "platform" if i < 2 else ("sandbox" if i % 11 == 0 else leaves[i % n_leaf][0])
        name = f"sub-{i:05d} {'prod' if i % 3 else 'dev'}"
        if i == 3 and hostile_name:
            name = hostile_name
        subs.append({"guid": _guid(rng), "name": name, "parent": parent})
    by_parent: dict[str, list[dict[str, Any]]] = {}
    for s in subs:
        by_parent.setdefault(s["parent"], []).append(
            {"id": f"/subscriptions/{s['guid']}", "type": "/subscriptions", "name": s["guid"],
             "displayName": s["name"]})
    resources: list[dict[str, Any]] = [
        _mg("contoso", "Contoso", None,
            [{"id": MG + n, "type": "Microsoft.Management/managementGroups", "name": n, "displayName": d}
             for n, d in tops]),
    ]
    for n, d in tops:
        kids = by_parent.get(n, [])
        if n == "landing-zones":
            kids = [{"id": MG + ln, "type": "Microsoft.Management/managementGroups", "name": ln,
                     "displayName": ld} for ln, ld, _ in leaves] + kids
        resources.append(_mg(n, d, "contoso", kids))
    for ln, ld, lp in leaves:
        resources.append(_mg(ln, ld, lp, by_parent.get(ln, [])))
    resources.append({"id": f"{MG}contoso/providers/microsoft.insights/diagnosticSettings/mg-export",
                      "type": None, "name": "mg-export",
                      "properties": {"workspaceId": "", "logs": [{"category": "Administrative", "enabled": True}]}})
    central_sub = subs[0]["guid"]
    ws = (f"/subscriptions/{central_sub}/resourceGroups/rg-logs/providers/"
          "Microsoft.OperationalInsights/workspaces/law-central")
    resources.append({"id": ws, "type": "Microsoft.OperationalInsights/workspaces", "name": "law-central",
                      "location": "westeurope", "properties": {"retentionInDays": 730}})
    resources.append({"id": DINE_DEF, "type": "Microsoft.Authorization/policyDefinitions",
                      "name": DINE_DEF.rsplit("/", 1)[-1],
                      "properties": {"displayName": "Configure Azure Activity logs to stream to specified "
                                     "Log Analytics workspace", "policyType": "BuiltIn",
                                     "parameters": {"effect": {"defaultValue": "DeployIfNotExists"}},
                                     "policyRule": {"then": {"effect": "[parameters('effect')]", "details": {
                                         "roleDefinitionIds": CONTRIBUTOR_ROLES}}}}})
    root_assign = f"{MG}contoso{AUTH}policyAssignments/deploy-activity-log"
    sandbox_assign = f"{MG}sandbox{AUTH}policyAssignments/sandbox-activity-log"
    principal = _guid(rng)
    sandbox_subs = [f"/subscriptions/{s['guid']}" for s in subs if s["parent"] == "sandbox"]
    resources.append({"id": root_assign, "type": "Microsoft.Authorization/policyAssignments",
                      "name": "deploy-activity-log", "location": "westeurope",
                      "identity": {"type": "SystemAssigned", "principalId": principal, "tenantId": TENANT},
                      "properties": {"displayName": "Deploy activity-log export to central workspace",
                                     "policyDefinitionId": DINE_DEF, "scope": MG + "contoso",
                                     "enforcementMode": "Default", "notScopes": [MG + "sandbox"],
                                     "parameters": {"logAnalytics": {"value": ws}}}})
    resources.append({"id": sandbox_assign, "type": "Microsoft.Authorization/policyAssignments",
                      "name": "sandbox-activity-log",
                      "properties": {"displayName": "Sandbox activity-log export (audit only)",
                                     "policyDefinitionId": DINE_DEF, "scope": MG + "sandbox",
                                     "enforcementMode": "DoNotEnforce", "notScopes": [],
                                     "parameters": {"effect": {"value": "AuditIfNotExists"}}}})
    for role in CONTRIBUTOR_ROLES:
        resources.append({"id": f"{MG}contoso{AUTH}roleAssignments/{_guid(rng)}",
                          "type": "Microsoft.Authorization/roleAssignments", "name": "ra",
                          "properties": {"roleDefinitionId": role, "principalId": principal,
                                         "principalType": "ServicePrincipal", "scope": MG + "contoso"}})
    exempt_sub = subs[min(5, len(subs) - 1)]["guid"]
    resources.append({"id": f"/subscriptions/{exempt_sub}{AUTH}policyExemptions/legacy-app",
                      "type": "Microsoft.Authorization/policyExemptions", "name": "legacy-app",
                      "properties": {"policyAssignmentId": root_assign, "exemptionCategory": "Waiver",
                                     "displayName": "Legacy app exports to its own SIEM",
                                     "expiresOn": "2027-03-31T00:00:00Z"}})
    resources.append({"id": f"/subscriptions/{central_sub}/providers/microsoft.insights/logprofiles/default",
                      "type": "Microsoft.Insights/logProfiles", "name": "default",
                      "properties": {"categories": ["Write", "Delete", "Action"], "locations": ["global"],
                                     "retentionPolicy": {"enabled": False, "days": 0}}})
    ag = f"/subscriptions/{central_sub}/resourceGroups/rg-ops/providers/microsoft.insights/actionGroups/secops"
    resources.append({"id": ag, "type": "Microsoft.Insights/actionGroups", "name": "secops",
                      "properties": {"enabled": True, "emailReceivers": [{"name": "soc",
                                                                         "emailAddress": "soc@example.com"}]}})
    policy_states: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    sub_out: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    paths = {"platform": ["contoso", "platform"], "sandbox": ["contoso", "sandbox"]}
    for ln, _, lp in leaves:
        paths[ln] = ["contoso", lp, ln]

    def finding(rule: str, scope: str, message: str, evidence: dict[str, Any], controls: list[str]) -> None:
        findings.append({"ruleId": rule, "severity": SEVERITY[rule], "scope": scope, "title": TITLES[rule],
                         "message": message, "evidence": evidence, "controls": controls, "waiver": None})

    verdict_pool = (["covered"] * 55 + ["unenforced"] * 10 + ["unremediated"] * 10 + ["partial"] * 8
                    + ["uncovered"] * 12 + ["unknown"] * 5)
    for i, s in enumerate(subs):
        sid = f"/subscriptions/{s['guid']}"
        verdict = "covered" if i < 2 else ("partial" if s["parent"] == "sandbox" else rng.choice(verdict_pool))
        if i == 3:
            verdict = "uncovered"
        export, enforcement = VERDICT_AXES[verdict]
        resources.append({"id": sid, "type": "Microsoft.Resources/subscriptions", "subscriptionId": s["guid"],
                          "displayName": s["name"], "state": "Enabled", "tenantId": TENANT})
        cats: list[str] = []
        dests: list[dict[str, Any]] = []
        if export in ("complete", "partial"):
            cats = list(CATEGORIES) if export == "complete" else ["Administrative", "Security", "Policy"]
            logs = ([{"categoryGroup": "allLogs", "enabled": True}] if export == "complete"
                    else [{"category": c, "enabled": True} for c in cats])
            resources.append({"id": f"{sid}/providers/microsoft.insights/diagnosticSettings/activity-to-law",
                              "type": None, "name": "activity-to-law",
                              "properties": {"workspaceId": ws, "logs": logs}})
            dests = [{"kind": "log_analytics", "id": ws, "healthy": True}]
        enforced_by = [root_assign] if enforcement == "effective" else []
        sub_out.append({"id": sid, "displayName": s["name"],
                        "managementGroupPath": [MG + p for p in paths[s["parent"]]],
                        "export": export, "enforcement": enforcement, "verdict": verdict,
                        "categories": cats, "destinations": dests, "enforcedBy": enforced_by})
        if verdict == "unknown":
            errors.append({"scope": sid, "operation": "*", "status": 403, "code": "AuthorizationFailed",
                           "message": "The client does not have authorization to perform action."})
            finding("ALA-AUD-001", sid, f"Nothing at or below {sid} could be read (403 AuthorizationFailed).",
                    {"operation": "*", "status": 403, "code": "AuthorizationFailed"}, [])
            continue
        if export == "none":
            finding("ALA-EXP-001", sid, "The subscription has no diagnostic setting exporting its activity log.",
                    {"diagnosticSettings": []}, ["CIS Azure 2.0.0 5.1.1", "CIS Azure 3.0.0 6.1.1", "MCSB LT-3"])
        if export == "partial":
            missing = [c for c in CATEGORIES if c not in cats]
            finding("ALA-EXP-002", sid, f"Missing categories: {', '.join(missing)}.",
                    {"setting": "activity-to-law", "missing": missing},
                    ["CIS Azure 2.0.0 5.1.2", "CIS Azure 3.0.0 6.1.2", "MCSB LT-3"])
        if enforcement == "none":
            finding("ALA-POL-001", sid, "No export-policy assignment applies to this subscription.",
                    {"assignments": []}, ["MCSB LT-3"])
        elif enforcement == "impaired":
            finding("ALA-POL-003", sid, "Assignment sandbox-activity-log applies but is DoNotEnforce.",
                    {"assignment": sandbox_assign, "enforcementMode": "DoNotEnforce",
                     "effect": "AuditIfNotExists"}, ["MCSB LT-3"])
        if enforcement == "effective":
            ok = export == "complete"
            policy_states.append({"timestamp": collected, "resourceId": sid, "policyAssignmentId": root_assign,
                                  "policyDefinitionId": DINE_DEF, "subscriptionId": s["guid"],
                                  "complianceState": "Compliant" if ok else "NonCompliant", "isCompliant": ok})
            if not ok:
                finding("ALA-POL-005", sid, "Latest policy state is NonCompliant: a remediation task is needed.",
                        {"assignment": root_assign, "complianceState": "NonCompliant"}, ["MCSB LT-3"])
        missing_ops = [op for op in DEFAULT_SENSITIVE_OPERATIONS if rng.random() < 0.25]
        for op in missing_ops:
            rule = "ALA-ALR-002" if rng.random() < 0.2 else "ALA-ALR-001"
            finding(rule, sid, f"No alert {'notifies on' if rule == 'ALA-ALR-002' else 'covers'} {op}.",
                    {"operation": op}, ["CIS Azure 2.0.0 5.2.1", "MCSB LT-3"])
        covered_ops = [op for op in DEFAULT_SENSITIVE_OPERATIONS if op not in missing_ops]
        if covered_ops and rng.random() < 0.3:
            resources.append({"id": f"{sid}/resourceGroups/rg-ops/providers/microsoft.insights/"
                                    "activityLogAlerts/sensitive-ops", "type": "Microsoft.Insights/activityLogAlerts",
                              "name": "sensitive-ops", "location": "global",
                              "properties": {"enabled": True, "scopes": [sid], "condition": {"allOf": [
                                  {"field": "category", "equals": "Administrative"},
                                  {"anyOf": [{"field": "operationName", "equals": op} for op in covered_ops]}]},
                                  "actions": {"actionGroups": [{"actionGroupId": ag}]}}})
    for n, _d in tops[1:]:
        finding("ALA-EXP-009", MG + n, "The management group has no diagnostic setting.", {"group": MG + n}, [])
    finding("ALA-EXP-006", f"/subscriptions/{central_sub}", "A legacy log profile 'default' exists.",
            {"logProfile": "default"}, ["MCSB LT-3"])
    findings.sort(key=lambda f: (f["ruleId"], f["scope"].lower(), json.dumps(f["evidence"], sort_keys=True)))
    waivers = [
        {"rule": "ALA-ALR-001", "scope": MG + "sandbox", "reason": "Sandbox has no production workloads",
         "owner": "cloud-platform@contoso.example", "expires": "2027-06-30", "status": "active"},
        {"rule": "ALA-EXP-009", "scope": MG + "sandbox", "reason": "Accepted until MG export rollout",
         "owner": "secops@contoso.example", "expires": "2026-09-30", "status": "expired"},
    ]
    sandbox_keys = {x.lower() for x in sandbox_subs}
    for f in findings:
        if f["ruleId"] == "ALA-ALR-001" and f["scope"].lower() in sandbox_keys:
            f["waiver"] = {k: waivers[0][k] for k in ("reason", "owner", "expires")}
    snapshot = {"schemaVersion": 1, "tool": {"name": "auditor", "version": "0.1.0"}, "collectedAt": collected,
                "cloud": "AzureCloud", "tenantId": TENANT, "rootManagementGroupId": MG + "contoso",
                "resources": resources, "policyStates": policy_states, "errors": errors}
    digest = hashlib.sha256(json.dumps(snapshot, sort_keys=True).encode()).hexdigest()
    verdicts = {v: 0 for v in VERDICT_AXES}
    for so in sub_out:
        verdicts[so["verdict"]] += 1
    sev = {"high": 0, "medium": 0, "low": 0}
    for f in findings:
        sev[f["severity"]] += 1
    groups = [{"id": MG + "contoso", "displayName": "Contoso", "parentId": None, "exported": True}]
    groups += [{"id": MG + n, "displayName": d, "parentId": MG + "contoso", "exported": False} for n, d in tops]
    groups += [{"id": MG + ln, "displayName": ld, "parentId": MG + lp, "exported": False} for ln, ld, lp in leaves]
    result = {"schemaVersion": 1, "generatedAt": collected, "snapshotSha256": digest, "tenantId": TENANT,
              "config": {"required_categories": list(CATEGORIES), "min_retention_days": 365,
                         "central_destinations": [ws], "sensitive_operations": list(DEFAULT_SENSITIVE_OPERATIONS)},
              "summary": {"subscriptions": len(sub_out), "verdicts": verdicts, "findings": sev},
              "managementGroups": groups, "subscriptions": sub_out, "findings": findings, "waivers": waivers}
    return snapshot, result
