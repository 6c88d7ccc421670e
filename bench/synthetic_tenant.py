"""Deterministic generator of an ARM-shaped tenant snapshot of N subscriptions.

The project's one synthetic tenant: used by the collector's and the renderers' tests (small N)
and by every benchmark under ``bench/`` (1,000 to 50,000 subscriptions), which run the real
pipeline on it (load, analysis, plan, renderers). Every
document has the shape the REST API returns (see tests/fixtures/azure-rest-examples), and the
snapshot holds exactly what ``auditor collect`` gathers from such a tenant, so collecting an
emulation of it must give it back (the round trip):

- a management-group tree (platform, landing zones split in leaf groups of about 100
  subscriptions, sandbox: about one group per 100 subscriptions), each group as
  ``GET managementGroups/{id}?$expand=children`` returns it;
- per subscription a mix of activity-log exports (complete, partial, none, to a missing local
  workspace, to Event Hub), a few legacy log profiles, activity log alerts with their action
  groups;
- central workspace, storage account, Event Hub namespace and rule, a log search alert;
- export policy: a built-in DeployIfNotExists definition assigned at the root with a
  system-assigned identity and its role assignments, a custom definition, a set at the landing
  zones (DoNotEnforce), subscription-level assignments with user-assigned identities, an
  assignment whose definition was deleted, exemptions (one expired);
- policy states of subscription resources for the export assignments;
- with ``errors=True`` (N >= 10): an unreadable group (nothing below it is known), an unreadable
  subscription, one whose diagnostic settings are forbidden and one whose activity log alerts
  are forbidden (that one is not covered by Resource Graph, so the collector reads it over REST).

Run as a script to write a snapshot: ``python bench/synthetic_tenant.py 2000 -o tenant.json.gz``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling synthetic_docs.py, however loaded
from synthetic_docs import (  # noqa: E402
    CATEGORIES,
    COLLECTED,
    MG,
    MG_TYPE,
    SENSITIVE,
    UPDATED,
    PolicyDocs,
    guid,
    rid,
)

GROUP_SIZE = 100  # subscriptions per landing-zone leaf group


class _Tenant(PolicyDocs):
    def __init__(self, n: int, seed: int, errors: bool, names: dict[int, str] | None = None) -> None:
        self.n, self.seed, self.with_errors = n, seed, errors and n >= 10
        self.names = names or {}
        self.tenant = guid(seed, "tenant")
        self.resources: list[dict[str, Any]] = []
        self.states: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self.subs = [guid(seed, "sub", i) for i in range(n)]
        self.index = {s: i for i, s in enumerate(self.subs)}
        self.central = self.subs[0]
        self.ws = rid(self.central, "rg-logging", "Microsoft.OperationalInsights/workspaces", "law-central")
        self.st = rid(self.central, "rg-logging", "Microsoft.Storage/storageAccounts", f"stlogcentral{seed}")
        self.ehns = rid(self.central, "rg-logging", "Microsoft.EventHub/namespaces", f"eh-central-{seed}")
        self.ehrule = self.ehns + "/authorizationrules/RootManageSharedAccessKey"
        self.central_ag = rid(self.central, "rg-alerting", "microsoft.insights/actionGroups", "ag-central")
        self.unreadable_sub = self.subs[5] if self.with_errors else ""
        self.diag_forbidden = self.subs[6] if self.with_errors else ""
        self.alerts_forbidden = self.subs[9] if self.with_errors else ""

    # -- hierarchy -------------------------------------------------------------------------

    def hierarchy(self) -> dict[str, str]:
        """Places subscriptions; returns guid -> parent group name."""
        root = self.tenant
        leaves = ["corp", "online", "sandbox"]
        extra = max(0, math.ceil(max(self.n - 3, 0) / GROUP_SIZE) - len(leaves))
        lz = [f"lz-{k:03d}" for k in range(extra)]
        tree: dict[str, list[str]] = {
            root: ["platform", "landingzones", "sandbox"],
            "platform": ["management", "connectivity", "identity"],
            "landingzones": ["corp", "online", *lz],
        }
        if self.with_errors:
            tree[root].append("quarantine")
        placement: dict[str, str] = {}
        for i, sub in enumerate(self.subs):
            if i < 3:
                placement[sub] = ["management", "connectivity", "identity"][i]
            else:
                pool = leaves + lz
                placement[sub] = pool[(i - 3) % len(pool)]
        names = {root: "Tenant Root Group"}
        parent_of = {child: p for p, kids in tree.items() for child in kids}
        all_groups = [root] + [g for kids in tree.values() for g in kids]
        by_group: dict[str, list[str]] = {}
        for s in self.subs:
            by_group.setdefault(placement[s], []).append(s)
        for g in dict.fromkeys(all_groups):
            if g == "quarantine":
                self.errors.append(
                    {
                        "scope": MG + g,
                        "operation": "*",
                        "status": 403,
                        "code": "AuthorizationFailed",
                        "message": f"The client does not have authorization to read management group '{g}'.",
                    }
                )
                continue
            children = [
                {"id": MG + c, "type": MG_TYPE, "name": c, "displayName": names.get(c, c.title())}
                for c in tree.get(g, [])
            ]
            children += [
                {"id": f"/subscriptions/{s}", "type": "/subscriptions", "name": s, "displayName": self.sub_name(s)}
                for s in by_group.get(g, [])
            ]
            parent = parent_of.get(g)
            self.resources.append(
                {
                    "id": MG + g,
                    "type": MG_TYPE,
                    "name": g,
                    "properties": {
                        "tenantId": self.tenant,
                        "displayName": names.get(g, g.title()),
                        "details": {
                            "version": 3,
                            "updatedTime": UPDATED,
                            "updatedBy": guid(self.seed, "admin"),
                            "parent": (
                                {"id": MG + parent, "name": parent, "displayName": names.get(parent, parent.title())}
                                if parent
                                else None
                            ),
                        },
                        "children": children or None,
                    },
                }
            )
        return placement

    def sub_name(self, sub: str) -> str:
        i = self.index[sub]
        return self.names.get(i, f"sub-{i:05d}")

    def subscription_docs(self) -> None:
        for i, s in enumerate(self.subs):
            if s == self.unreadable_sub:
                self.errors.append(
                    {
                        "scope": f"/subscriptions/{s}",
                        "operation": "*",
                        "status": 403,
                        "code": "AuthorizationFailed",
                        "message": f"The client does not have authorization over subscription '{s}'.",
                    }
                )
                continue
            self.resources.append(
                {
                    "id": f"/subscriptions/{s}",
                    "authorizationSource": "RoleBased",
                    "managedByTenants": [],
                    "subscriptionId": s,
                    "tenantId": self.tenant,
                    "displayName": self.sub_name(s),
                    "state": "Enabled" if i % 97 != 41 else "Warned",
                    "subscriptionPolicies": {
                        "locationPlacementId": "Public_2014-09-01",
                        "quotaId": "EnterpriseAgreement_2014-09-01",
                        "spendingLimit": "Off",
                    },
                    "tags": {"costCenter": f"cc-{i % 7}"} if i % 3 == 0 else {},
                }
            )

    # -- exports, destinations, alerts ------------------------------------------------------

    def central_resources(self) -> None:
        loc = "westeurope"
        self.resources += [
            {
                "id": self.ws,
                "name": "law-central",
                "type": "Microsoft.OperationalInsights/workspaces",
                "location": loc,
                "tags": {},
                "properties": {
                    "provisioningState": "Succeeded",
                    "customerId": guid(self.seed, "ws"),
                    "sku": {"name": "PerGB2018"},
                    "retentionInDays": 365,
                    "publicNetworkAccessForIngestion": "Enabled",
                },
            },
            {
                "id": self.st,
                "name": f"stlogcentral{self.seed}",
                "type": "Microsoft.Storage/storageAccounts",
                "location": loc,
                "kind": "StorageV2",
                "sku": {"name": "Standard_GRS", "tier": "Standard"},
                "tags": {},
                "properties": {
                    "allowBlobPublicAccess": self.seed % 2 == 0,
                    "minimumTlsVersion": "TLS1_2",
                    "encryption": {"keySource": "Microsoft.Storage", "services": {"blob": {"enabled": True}}},
                    "provisioningState": "Succeeded",
                },
            },
            {
                "id": self.ehns,
                "name": f"eh-central-{self.seed}",
                "type": "Microsoft.EventHub/Namespaces",
                "location": loc,
                "sku": {"name": "Standard", "tier": "Standard", "capacity": 1},
                "tags": {},
                "properties": {"provisioningState": "Succeeded", "status": "Active"},
            },
            {
                "id": self.ehrule,
                "name": "RootManageSharedAccessKey",
                "type": "Microsoft.EventHub/Namespaces/AuthorizationRules",
                "location": loc,
                "properties": {"rights": ["Listen", "Manage", "Send"]},
            },
            self.action_group(self.central_ag, "ag-central", receivers=True),
            {
                "id": rid(self.central, "rg-alerting", "microsoft.insights/scheduledqueryrules", "sqr-nsg-changes"),
                "name": "sqr-nsg-changes",
                "type": "microsoft.insights/scheduledqueryrules",
                "location": loc,
                "kind": "LogAlert",
                "tags": {},
                "properties": {
                    "displayName": "NSG changes",
                    "enabled": True,
                    "severity": 2,
                    "scopes": [self.ws],
                    "evaluationFrequency": "PT5M",
                    "windowSize": "PT5M",
                    "criteria": {
                        "allOf": [
                            {
                                "query": "AzureActivity | where OperationNameValue =~ "
                                '"Microsoft.Network/networkSecurityGroups/write"',
                                "timeAggregation": "Count",
                                "operator": "GreaterThan",
                                "threshold": 0,
                            }
                        ]
                    },
                    "actions": {"actionGroups": [self.central_ag]},
                },
            },
        ]

    def action_group(self, ag_id: str, name: str, *, receivers: bool, enabled: bool = True) -> dict[str, Any]:
        emails = (
            [
                {
                    "name": "secops",
                    "emailAddress": "secops@example.com",
                    "useCommonAlertSchema": True,
                    "status": "Enabled",
                }
            ]
            if receivers
            else []
        )
        return {
            "id": ag_id,
            "type": "Microsoft.Insights/ActionGroups",
            "name": name,
            "location": "Global",
            "tags": {},
            "properties": {
                "groupShortName": name[:12],
                "enabled": enabled,
                "emailReceivers": emails,
                "smsReceivers": [],
                "webhookReceivers": [],
                "armRoleReceivers": [],
            },
        }

    def diag(self, sub: str, name: str, props: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": f"/subscriptions/{sub}/providers/Microsoft.Insights/diagnosticSettings/{name}",
            "type": None,
            "name": name,
            "properties": props,
        }

    def per_subscription(self, i: int, sub: str) -> None:
        if sub == self.unreadable_sub:
            return
        allogs = [{"categoryGroup": "allLogs", "enabled": True}]
        kind = i % 10
        local_ws = rid(sub, "rg-logs", "Microsoft.OperationalInsights/workspaces", f"law-{i:05d}")
        settings: list[dict[str, Any]] = []
        if kind <= 4:
            settings.append(self.diag(sub, "export-all", {"workspaceId": self.ws, "logs": allogs}))
        elif kind == 5:
            settings.append(
                self.diag(
                    sub,
                    "export-partial",
                    {
                        "storageAccountId": self.st,
                        "logs": [{"category": c, "enabled": c in ("Administrative", "Security")} for c in CATEGORIES],
                    },
                )
            )
        elif kind == 7:
            settings.append(self.diag(sub, "export-local", {"workspaceId": local_ws, "logs": allogs}))
            if i % 20 == 7:
                self.resources.append(
                    {
                        "id": local_ws,
                        "name": f"law-{i:05d}",
                        "type": "Microsoft.OperationalInsights/workspaces",
                        "location": "northeurope",
                        "properties": {
                            "provisioningState": "Succeeded",
                            "retentionInDays": 90,
                            "customerId": guid(self.seed, "ws", i),
                        },
                    }
                )
        elif kind == 8:
            settings.append(
                self.diag(
                    sub,
                    "export-eh",
                    {
                        "eventHubAuthorizationRuleId": self.ehrule,
                        "eventHubName": None,
                        "logs": [{"category": c, "enabled": True} for c in CATEGORIES],
                    },
                )
            )
        elif kind == 9:
            settings.append(self.diag(sub, "export-all", {"workspaceId": self.ws, "logs": allogs}))
            settings.append(self.diag(sub, "archive", {"storageAccountId": self.st, "logs": allogs}))
        if sub == self.diag_forbidden:
            self.errors.append(
                {
                    "scope": f"/subscriptions/{sub}",
                    "operation": "diagnosticSettings",
                    "status": 403,
                    "code": "AuthorizationFailed",
                    "message": "The client does not have authorization to "
                    "perform action 'microsoft.insights/diagnosticSettings/read'.",
                }
            )
        else:
            self.resources += settings
        if i % 37 == 3:
            self.resources.append(
                {
                    "id": f"/subscriptions/{sub}/providers/microsoft.insights/logprofiles/default",
                    "type": "",
                    "name": "default",
                    "location": "",
                    "tags": None,
                    "properties": {
                        "storageAccountId": self.st,
                        "serviceBusRuleId": "",
                        "locations": ["global"],
                        "categories": ["Write", "Delete", "Action"],
                        "retentionPolicy": {"enabled": True, "days": 365},
                    },
                }
            )
        self.alerts(i, sub)

    def alerts(self, i: int, sub: str) -> None:
        if i % 4 == 3:
            return
        if sub == self.alerts_forbidden:
            self.errors.append(
                {
                    "scope": f"/subscriptions/{sub}",
                    "operation": "activityLogAlerts",
                    "status": 403,
                    "code": "AuthorizationFailed",
                    "message": "The client does not have authorization to "
                    "perform action 'microsoft.insights/activityLogAlerts/read'.",
                }
            )
            return
        rg = f"/subscriptions/{sub}/resourceGroups/rg-monitoring/providers/microsoft.insights"
        ag = self.central_ag if i % 4 == 2 else f"{rg}/actionGroups/ag-{i:05d}"
        if ag != self.central_ag:
            self.resources.append(self.action_group(ag, f"ag-{i:05d}", receivers=i % 8 != 1, enabled=i % 16 != 5))
        ops = SENSITIVE if i % 4 == 1 else SENSITIVE[:2]
        condition = [
            {"field": "category", "equals": "Administrative"},
            {"anyOf": [{"field": "operationName", "equals": o} for o in ops]},
        ]
        self.resources.append(
            {
                "id": f"{rg}/activityLogAlerts/ala-sensitive-ops",
                "type": "Microsoft.Insights/ActivityLogAlerts",
                "name": "ala-sensitive-ops",
                "location": "Global",
                "tags": {},
                "properties": {
                    "scopes": [f"/subscriptions/{sub}"],
                    "condition": {"allOf": condition},
                    "actions": {"actionGroups": [{"actionGroupId": ag, "webhookProperties": {}}]},
                    "enabled": i % 11 != 6,
                    "description": "Sensitive operations",
                },
            }
        )

    # -- policy -------------------------------------------------------------------------------


def generate(n_subscriptions: int, seed: int = 1, *, errors: bool = True,
             names: dict[int, str] | None = None) -> dict[str, Any]:
    """A snapshot dict (schemaVersion 1) of a synthetic tenant with ``n_subscriptions`` subscriptions.

    ``names`` overrides display names by subscription index (hostile or very long names in tests).
    """
    if n_subscriptions < 3:
        raise ValueError("a synthetic tenant needs at least 3 subscriptions (platform)")
    t = _Tenant(n_subscriptions, seed, errors, names)
    placement = t.hierarchy()
    t.subscription_docs()
    t.central_resources()
    for i, sub in enumerate(t.subs):
        t.per_subscription(i, sub)
    t.policy(placement)
    return {
        "schemaVersion": 1,
        "tool": {"name": "synthetic-tenant", "version": "1"},
        "collectedAt": COLLECTED,
        "cloud": "AzureCloud",
        "tenantId": t.tenant,
        "rootManagementGroupId": MG + t.tenant,
        "resources": t.resources,
        "policyStates": t.states,
        "errors": t.errors,
    }


def with_partial_exports_to(raw: dict[str, Any], workspace: str) -> int:
    """Give every subscription without a diagnostic setting one that sends Administrative and Security
    to ``workspace`` (a partly configured export; the plan must repair each setting, issue 18 item 5).
    Changes ``raw`` in place; returns how many settings were added. ``generate()`` itself is unchanged."""
    with_setting = {str(d["id"]).lower().split("/providers/")[0] for d in raw["resources"]
                    if "/diagnosticsettings/" in str(d.get("id", "")).lower()}
    children = [c for d in raw["resources"] if str(d.get("type", "")).lower() == "microsoft.management/managementgroups"
                for c in (d.get("properties") or {}).get("children") or []]
    subs = sorted({str(c["id"]) for c in children if str(c.get("type", "")).lower().endswith("/subscriptions")
                   and str(c["id"]).lower() not in with_setting})
    for sub in subs:
        raw["resources"].append({
            "id": f"{sub}/providers/Microsoft.Insights/diagnosticSettings/legacy-admin-security", "type": None,
            "name": "legacy-admin-security",
            "properties": {"workspaceId": workspace, "logs": [
                {"category": c, "enabled": c in ("Administrative", "Security")} for c in CATEGORIES]},
        })
    return len(subs)


def write_snapshot(n_subscriptions: int, path: Path, seed: int = 1, *, errors: bool = True) -> Path:
    """Generate and write a snapshot file (.json, or gzip-compressed for .gz)."""
    data = json.dumps(generate(n_subscriptions, seed, errors=errors)).encode()
    path.write_bytes(gzip.compress(data, compresslevel=3) if path.name.endswith(".gz") else data)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("subscriptions", type=int)
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-errors", action="store_true")
    args = parser.parse_args()
    write_snapshot(args.subscriptions, Path(args.output), args.seed, errors=not args.no_errors)


if __name__ == "__main__":
    main()
