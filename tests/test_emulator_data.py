"""Snapshots for the emulator tests, built from the verbatim Azure REST examples.

Documents come from ``tests/fixtures/azure-rest-examples/*.json`` (``responses["200"]
["body"]``), with subscription GUIDs / group names rewritten so that they form one tenant:

    TestRoot
    |-- TestManagementGroup          (policy assignments)      -- SUB_DIAG (diagnostic settings)
    |   `-- DevOrg                   (policy exemptions)       -- SUB_POLICY, SUB_ROLES
    |-- MyManagementGroup            (a custom definition)     -- SUB_ALERTS
    `-- SUB_LOGPROFILES
"""

from __future__ import annotations

import copy
import json
from typing import Any

from reference import REST_EXAMPLES

from auditor.azure.snapshot import build_snapshot

REF = REST_EXAMPLES

TENANT = "20000000-0000-0000-0000-000000000000"
SUB_POLICY = "ae640e6b-ba3e-4256-9d62-2993eecfa6f2"
SUB_DIAG = "fb9f25f9-5785-4510-a38f-a62f188eb9f8"
SUB_ALERTS = "187f412d-1758-44d9-b052-169e2564721d"
SUB_LOGPROFILES = "df602c9c-7aa0-407d-a6fb-eb20c8bd1192"
SUB_ROLES = "a925f2f7-5c63-4b7b-8799-25a5f97bc3b2"
SUB_STATES_EXAMPLE = "fffedd8f-ffff-fffd-fffd-fffed2f84852"  # rewritten to SUB_POLICY

MG = "/providers/Microsoft.Management/managementGroups/"


def example_body(name: str, replace: dict[str, str] | None = None) -> Any:
    text = json.dumps(json.loads((REF / name).read_text(encoding="utf-8"))["responses"]["200"]["body"])
    for old, new in (replace or {}).items():
        text = text.replace(old, new)
    return json.loads(text)


def example_values(name: str, replace: dict[str, str] | None = None) -> list[dict[str, Any]]:
    body = example_body(name, replace)
    return list(body["value"]) if isinstance(body, dict) and "value" in body else [body]


def subscription_doc(guid: str, name: str) -> dict[str, Any]:
    doc = copy.deepcopy(example_values("subscriptions/GetSubscriptions.json")[0])
    doc.update({"id": f"/subscriptions/{guid}", "subscriptionId": guid, "displayName": name, "tenantId": TENANT})
    return doc


def group_doc(name: str, parent: str | None, groups: list[str], subs: list[tuple[str, str]]) -> dict[str, Any]:
    """Shaped like GetManagementGroupWithExpandAndRecurse.json, with direct children only."""
    template = example_body("managementgroups/GetManagementGroupWithExpandAndRecurse.json")
    doc: dict[str, Any] = {"id": MG + name, "type": template["type"], "name": name,
                           "properties": copy.deepcopy(template["properties"])}
    props = doc["properties"]
    props["tenantId"] = TENANT
    props["displayName"] = name
    props["details"]["parent"] = (
        {"id": MG + parent, "name": parent, "displayName": parent} if parent else
        {"id": None, "name": None, "displayName": None}
    )
    props["children"] = [
        {"id": MG + g, "type": "Microsoft.Management/managementGroups", "name": g, "displayName": g} for g in groups
    ] + [{"id": f"/subscriptions/{s}", "type": "/subscriptions", "name": s, "displayName": d} for s, d in subs]
    return doc


def tenant_snapshot(*, errors: list[dict[str, Any]] | None = None, extra: list[dict[str, Any]] | None = None,
                    states_copies: int = 1) -> dict[str, Any]:
    resources: list[dict[str, Any]] = [
        group_doc("TestRoot", None, ["TestManagementGroup", "MyManagementGroup"], [(SUB_LOGPROFILES, "Log profiles")]),
        group_doc("TestManagementGroup", "TestRoot", ["DevOrg"], [(SUB_DIAG, "Diagnostics")]),
        group_doc("DevOrg", "TestManagementGroup", [], [(SUB_POLICY, "Policy"), (SUB_ROLES, "Roles")]),
        group_doc("MyManagementGroup", "TestRoot", [], [(SUB_ALERTS, "Alerts")]),
    ]
    names = {SUB_POLICY: "Policy", SUB_DIAG: "Diagnostics", SUB_ALERTS: "Alerts",
             SUB_LOGPROFILES: "Log profiles", SUB_ROLES: "Roles"}
    resources += [subscription_doc(g, n) for g, n in names.items()]
    resources += example_values("monitor/listSubscriptionDiagnosticSettings.json")
    resources += example_values("monitor/listLogProfile.json")
    resources += example_values("monitor/ActivityLogAlertRule_ListBySubscriptionId.json")
    resources += example_values("policy/listPolicyAssignmentsForManagementGroup.json")
    resources += example_values("policy/listPolicyAssignments.json")
    resources += example_values("policy/getPolicyAssignmentWithIdentity.json")
    resources += example_values("policy/getBuiltinPolicyDefinition.json")
    resources += example_values("policy/getPolicyDefinition.json")
    resources += example_values("policy/getPolicySetDefinition.json")
    resources += example_values("policy/getPolicyDefinitionAtManagementGroup.json")
    resources += example_values("policy/listPolicyExemptionsForManagementGroup.json")
    resources += example_values("policy/listPolicyExemptionsForSubscription.json")
    resources += example_values("authorization/RoleAssignments_ListForScope.json")
    resources += extra or []
    states = example_values("policyinsights/PolicyStates_QuerySubscriptionLevelPolicyAssignmentScope.json",
                            {SUB_STATES_EXAMPLE: SUB_POLICY})
    all_states = []
    for i in range(states_copies):
        for rec in states:
            r = dict(rec)
            r["resourceId"] = f"{rec['resourceId']}-{i}"
            all_states.append(r)
    return {
        "schemaVersion": 1, "tool": {"name": "auditor", "version": "test"},
        "collectedAt": "2026-11-28T10:00:00Z", "cloud": "AzureCloud", "tenantId": TENANT,
        "rootManagementGroupId": MG + "TestRoot", "resources": resources,
        "policyStates": all_states, "errors": errors or [],
    }


def test_the_tenant_snapshot_is_a_valid_snapshot() -> None:
    snap = build_snapshot(tenant_snapshot())
    assert len(snap.of_kind("microsoft.management/managementgroups")) == 4
    assert len(snap.of_kind("microsoft.resources/subscriptions")) == 5
    assert snap.of_kind("microsoft.insights/diagnosticsettings")
