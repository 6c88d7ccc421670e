"""Generate ``examples/demo-tenant.json``: the Contoso demo tenant (deterministic).

Every rule of the catalogue fires somewhere in this tenant and passes somewhere else; every
verdict occurs at least once. ``examples/README.md`` lists, per subscription, the situation
it demonstrates, the expected export / enforcement / verdict and the findings it raises
(tests/test_repository.py checks that table against the golden findings, which
tests/test_golden.py checks against the audit). Run from the repository root::

    .venv/bin/python examples/build_demo.py          # rewrites examples/demo-tenant.json
    .venv/bin/python examples/build_demo.py --check  # exit 1 if the file is out of date

Documents come from ``tests/builders.py`` so they carry the exact shapes ARM returns.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import builders as b  # noqa: E402
import builders_retention as br  # noqa: E402
import builders_sentinel as bs  # noqa: E402
import delivery_builders as db  # noqa: E402

Doc = dict[str, Any]
OUT = HERE / "demo-tenant.json"

TENANT = b.TENANT_ID
ROOT = TENANT  # the tenant root group is named after the tenant

# ---------------------------------------------------------------- subscriptions (S01..S19)
SUBS: dict[str, tuple[str, str]] = {
    # key: (guid seed -> guid, display name)
    "legacy": ("contoso-legacy-classic", "Contoso-Legacy-Classic"),
    "mgmt": ("contoso-platform-management", "Contoso-Platform-Management"),
    "conn": ("contoso-platform-connectivity", "Contoso-Platform-Connectivity"),
    "ident": ("contoso-platform-identity", "Contoso-Platform-Identity"),
    "erp": ("contoso-corp-erp-prod", "Contoso-Corp-ERP-Prod"),
    "data": ("contoso-corp-data-prod", "Contoso-Corp-Data-Prod"),
    "hr": ("contoso-corp-hr-prod", "Contoso-Corp-HR-Prod"),
    "fin": ("contoso-corp-finance-prod", "Contoso-Corp-Finance-Prod"),
    "legapp": ("contoso-corp-legacy-app", "Contoso-Corp-Legacy-App"),
    "shared": ("contoso-corp-shared-services", "Contoso-Corp-Shared-Services"),
    "web": ("contoso-online-web-prod", "Contoso-Online-Web-Prod"),
    "shop": ("contoso-online-shop-prod", "Contoso-Online-Shop-Prod"),
    "mkt": ("contoso-online-marketing", "Contoso-Online-Marketing"),
    "alice": ("contoso-sandbox-alice", "Contoso-Sandbox-Alice"),
    "bob": ("contoso-sandbox-bob", "Contoso-Sandbox-Bob"),
    "carol": ("contoso-sandbox-carol", "Contoso-Sandbox-Carol"),
    "oldcrm": ("contoso-decom-oldcrm", "Contoso-Decom-OldCRM"),
    "archive": ("contoso-decom-archive", "Contoso-Decom-Archive"),
    "fabrikam": ("fabrikam-prod", "Fabrikam-Prod"),
}
G = {k: b.guid(seed) for k, (seed, _) in SUBS.items()}
NAME = {k: name for k, (_, name) in SUBS.items()}
EXTERNAL_SUB = b.guid("vendor-outside-tenant")  # a subscription of another tenant

OPS = b.SENSITIVE_OPERATIONS
POLICY_SQL_OPS = OPS[:4]
NSG_OPS = OPS[4:]

# ---------------------------------------------------------------- central platform resources
MGMT_LOG_RG = "rg-contoso-mgmt-logging"
CENTRAL_WS = b.workspace_id(G["mgmt"], MGMT_LOG_RG, "law-contoso-central")
CENTRAL_ST = b.storage_id(G["mgmt"], MGMT_LOG_RG, "stcontosoactlog")
AG_SOC = b.action_group_id(G["mgmt"], "rg-contoso-mgmt-alerts", "ag-contoso-soc")
SIEM_RULE = b.eventhub_rule_id(G["conn"], "rg-contoso-siem", "evhns-contoso-siem", "siem-send")
UAI_ID = b.resource_id(G["mgmt"], "rg-contoso-identities", "Microsoft.ManagedIdentity/userAssignedIdentities",
                       "id-contoso-policy-remediation")

PRINCIPAL = {k: b.guid("principal:" + k) for k in ("a1", "a2", "uai", "a4", "a5", "a6")}


def mg(name: str) -> str:
    return b.mg_id(name)


def hierarchy() -> list[Doc]:
    cs = b.child_subscription
    cg = b.child_group
    tree = [
        b.management_group(ROOT, "Tenant Root Group", parent=None,
                           children=[cg("contoso", "Contoso"), cs(G["legacy"], NAME["legacy"])]),
        b.management_group("contoso", "Contoso", parent=ROOT, children=[
            cg("contoso-platform", "Platform"), cg("contoso-landingzones", "Landing Zones"),
            cg("contoso-sandbox", "Sandbox"), cg("contoso-decommissioned", "Decommissioned"),
            cg("fabrikam", "Fabrikam (acquired)")]),
        b.management_group("contoso-platform", "Platform", parent="contoso", children=[
            cg("contoso-management", "Management"), cg("contoso-connectivity", "Connectivity"),
            cg("contoso-identity", "Identity")]),
        b.management_group("contoso-management", "Management", parent="contoso-platform",
                           children=[cs(G["mgmt"], NAME["mgmt"])]),
        b.management_group("contoso-connectivity", "Connectivity", parent="contoso-platform",
                           children=[cs(G["conn"], NAME["conn"])]),
        b.management_group("contoso-identity", "Identity", parent="contoso-platform",
                           children=[cs(G["ident"], NAME["ident"])]),
        b.management_group("contoso-landingzones", "Landing Zones", parent="contoso", children=[
            cg("contoso-corp", "Corp"), cg("contoso-online", "Online")]),
        b.management_group("contoso-corp", "Corp", parent="contoso-landingzones",
                           children=[cs(G[k], NAME[k]) for k in ("erp", "data", "hr", "fin", "legapp", "shared")]),
        b.management_group("contoso-online", "Online", parent="contoso-landingzones",
                           children=[cs(G[k], NAME[k]) for k in ("web", "shop", "mkt")]),
        b.management_group("contoso-sandbox", "Sandbox", parent="contoso",
                           children=[cs(G[k], NAME[k]) for k in ("alice", "bob", "carol")]),
        b.management_group("contoso-decommissioned", "Decommissioned", parent="contoso",
                           children=[cs(G[k], NAME[k]) for k in ("oldcrm", "archive")]),
        # "fabrikam" could not be read (errors: '*'): no document, only its entry under contoso.
    ]
    subs = [b.subscription(G[k], NAME[k], state="Warned" if k == "oldcrm" else "Enabled") for k in SUBS]
    return tree + subs


def group_settings() -> list[Doc]:
    """Management groups with a diagnostic setting; the others fire ALA-EXP-009."""
    return [
        b.mg_diagnostic_setting(ROOT, "tenant-root-activity", workspace=CENTRAL_WS),
        b.mg_diagnostic_setting("contoso", "contoso-mg-activity", workspace=CENTRAL_WS),
        b.mg_diagnostic_setting("contoso-platform", "platform-mg-activity", workspace=CENTRAL_WS),
        b.mg_diagnostic_setting("contoso-landingzones", "lz-mg-activity", workspace=CENTRAL_WS,
                                storage=CENTRAL_ST),
        b.mg_diagnostic_setting("contoso-corp", "corp-mg-activity", workspace=CENTRAL_WS),
        b.mg_diagnostic_setting("contoso-management", "mgmt-mg-activity", workspace=CENTRAL_WS),
    ]


def platform() -> list[Doc]:
    """Central logging (Management), the SIEM Event Hub (Connectivity), Identity."""
    mgmt, conn, ident = G["mgmt"], G["conn"], G["ident"]
    ag_netops = b.action_group_id(conn, "rg-contoso-netops", "ag-contoso-netops")
    return [
        b.workspace(mgmt, MGMT_LOG_RG, "law-contoso-central", retention_days=730),
        b.storage_account(mgmt, MGMT_LOG_RG, "stcontosoactlog", public_blob=False, cmk=True),
        b.action_group(mgmt, "rg-contoso-mgmt-alerts", "ag-contoso-soc", emails=["soc@contoso.example"]),
        # Central log search alerts over AzureActivity: policy and SQL firewall operations only.
        b.scheduled_query_rule(mgmt, "rg-contoso-mgmt-alerts", "sqr-sensitive-policy-sql-ops",
                               scopes=[CENTRAL_WS], query=b.activity_query(POLICY_SQL_OPS), action_groups=[AG_SOC]),
        # A disabled central rule for NSG changes: covers nothing.
        b.scheduled_query_rule(mgmt, "rg-contoso-mgmt-alerts", "sqr-nsg-changes",
                               scopes=[CENTRAL_WS], query=b.activity_query(NSG_OPS), action_groups=[AG_SOC],
                               enabled=False),
        b.subscription_diagnostic_setting(mgmt, "activity-to-central", workspace=CENTRAL_WS, storage=CENTRAL_ST,
                                          category_group="allLogs"),
        *[b.activity_log_alert(mgmt, "rg-contoso-mgmt-alerts", f"alr-{op.split('/')[-2].lower()}-{op.split('/')[-1]}",
                               operations=[op], action_groups=[AG_SOC]) for op in NSG_OPS],
        # Connectivity: all eight categories listed one by one; NSG alerts with lower-case names
        # and scopes without a leading slash, as ARM sometimes returns them.
        # Only what an export names is collected: the namespace and the rule the setting uses.
        b.eventhub_namespace(conn, "rg-contoso-siem", "evhns-contoso-siem"),
        b.eventhub_authorization_rule(conn, "rg-contoso-siem", "evhns-contoso-siem", "siem-send", rights=["Send"]),
        b.action_group(conn, "rg-contoso-netops", "ag-contoso-netops",
                       receivers={"smsReceivers": [{"name": "netops-oncall", "countryCode": "44",
                                                    "phoneNumber": "7700900123", "status": "Enabled"}]}),
        b.subscription_diagnostic_setting(conn, "activity-to-central", workspace=CENTRAL_WS, logs=b.CATEGORIES,
                                          style="portal"),
        *[b.activity_log_alert(conn, "rg-contoso-netops", f"nsg-alert-{i}", scopes=[f"subscriptions/{conn}"],
                               condition=b.alert_condition([op.lower()], category="administrative"),
                               operations=[op], action_groups=[ag_netops.lower()])
          for i, op in enumerate(NSG_OPS, 1)],
        # Identity: one alert, anyOf over all eight operations; a legacy log profile left behind.
        b.subscription_diagnostic_setting(ident, "activity-to-central", workspace=CENTRAL_WS,
                                          category_group="allLogs"),
        b.activity_log_alert(ident, "rg-identity-alerts", "sensitive-operations", operations=OPS,
                             action_groups=[AG_SOC]),
        b.log_profile(ident, "default", storage=CENTRAL_ST, retention_days=365),
    ]


def corp() -> list[Doc]:
    erp, data, hr, fin, legapp, shared = (G[k] for k in ("erp", "data", "hr", "fin", "legapp", "shared"))
    ag_hr = b.action_group_id(hr, "rg-hr-alerts", "ag-hr-nobody")
    ag_fin = b.action_group_id(fin, "rg-fin-alerts", "ag-fin-oncall")
    data_ws = b.workspace_id(data, "rg-data-monitoring", "law-corp-data")
    return [
        # ERP: two settings whose union is complete; NSG write/delete alerts narrowed to one RG.
        b.subscription_diagnostic_setting(erp, "activity-core", workspace=CENTRAL_WS, style="portal",
                                          logs=["Administrative", "Security", "Policy", "Alert", ("Autoscale", False)]),
        b.subscription_diagnostic_setting(erp, "activity-health", storage=CENTRAL_ST,
                                          logs=["ServiceHealth", "ResourceHealth", "Recommendation", "Autoscale"]),
        *[b.activity_log_alert(erp, "rg-erp-alerts", f"erp-{op.split('/')[-1]}-nsg", operations=[op],
                               condition=b.alert_condition([op], extra=[b.leaf("resourceGroup", "rg-erp-network")]),
                               action_groups=[AG_SOC]) for op in NSG_OPS[:2]],
        b.activity_log_alert(erp, "rg-erp-alerts", "erp-nsg-rule-changes", operations=NSG_OPS[2:],
                             action_groups=[AG_SOC]),
        # Data: own workspace kept 30 days; its alert is disabled.
        # ... capped at 1 GB a day and over quota: data after the cap is lost (ALA-DLV-002).
        b.workspace(data, "rg-data-monitoring", "law-corp-data", retention_days=30, daily_quota_gb=1.0,
                    ingestion_status="OverQuota"),
        b.subscription_diagnostic_setting(data, "activity-to-data-law", workspace=data_ws, category_group="allLogs"),
        b.activity_log_alert(data, "rg-data-alerts", "sensitive-operations", operations=OPS,
                             action_groups=[AG_SOC], enabled=False),
        # HR: only two categories; NSG alert whose action group has no receivers.
        b.subscription_diagnostic_setting(hr, "activity-admin-security", workspace=CENTRAL_WS,
                                          logs=["Administrative", "Security"]),
        b.action_group(hr, "rg-hr-alerts", "ag-hr-nobody"),
        b.activity_log_alert(hr, "rg-hr-alerts", "nsg-changes", operations=NSG_OPS, action_groups=[ag_hr]),
        # Finance: the only export goes to a storage account that was deleted; disabled action group.
        b.subscription_diagnostic_setting(fin, "activity-archive",
                                          storage=b.storage_id(fin, "rg-fin-logging", "stfinactarchive"),
                                          category_group="allLogs"),
        b.action_group(fin, "rg-fin-alerts", "ag-fin-oncall", emails=["fin-oncall@contoso.example"], enabled=False),
        b.activity_log_alert(fin, "rg-fin-alerts", "sensitive-operations", operations=OPS, action_groups=[ag_fin]),
        # Legacy app: exports to a vendor's workspace in another tenant (unverified).
        b.subscription_diagnostic_setting(legapp, "activity-to-vendor-law",
                                          workspace=b.workspace_id(EXTERNAL_SUB, "rg-vendor-soc", "law-vendor-soc"),
                                          category_group="allLogs"),
        # Shared services: storage with public blob access and Microsoft-managed keys.
        b.storage_account(shared, "rg-shared-logging", "stsharedactlog", public_blob=True, cmk=False),
        b.subscription_diagnostic_setting(shared, "activity-to-storage", style="portal",
                                          storage=b.storage_id(shared, "rg-shared-logging", "stsharedactlog"),
                                          category_group="allLogs"),
        b.activity_log_alert(shared, "rg-shared-alerts", "sensitive-operations", operations=OPS,
                             action_groups=[AG_SOC]),
    ]


def online() -> list[Doc]:
    web, shop, mkt = G["web"], G["shop"], G["mkt"]
    external_ag = b.action_group_id(EXTERNAL_SUB, "rg-msp-alerting", "ag-msp-noc")
    return [
        # Web: Event Hub only (no durable store); alerts notify an MSP's group outside the tenant.
        b.subscription_diagnostic_setting(web, "activity-to-siem", event_hub_rule=SIEM_RULE,
                                          event_hub_name="activity-log", category_group="allLogs"),
        b.activity_log_alert(web, "rg-web-alerts", "sensitive-operations", operations=OPS,
                             action_groups=[external_ag]),
        # Shop: complete to the central workspace; central log search alerts cover policy/SQL only.
        b.subscription_diagnostic_setting(shop, "activity-to-central", workspace=CENTRAL_WS,
                                          category_group="allLogs"),
        # Marketing: Administrative only, to a Datadog partner monitor.
        b.subscription_diagnostic_setting(mkt, "activity-to-datadog",
                                          partner=b.partner_id(mkt, "rg-mkt-observability", "dd-contoso-mkt"),
                                          logs=["Administrative"]),
    ]


def sandbox_and_rest() -> list[Doc]:
    bob, carol, archive, fabrikam = G["bob"], G["carol"], G["archive"], G["fabrikam"]
    bob_st = b.storage_id(bob, "rg-bob-logging", "stsbxbobactlog")
    fab_ws = b.workspace_id(fabrikam, "rg-fabrikam-monitoring", "law-fabrikam")
    return [
        # Legacy: nothing but a retired log profile.
        b.log_profile(G["legacy"], "default", storage=CENTRAL_ST, retention_days=90),
        # Bob: the sandbox policy deploys Administrative only, to Bob's own storage.
        _firewalled(b.storage_account(bob, "rg-bob-logging", "stsbxbobactlog", public_blob=False, cmk=False)),
        b.subscription_diagnostic_setting(bob, "setbypolicy", storage=bob_st, logs=["Administrative"], style="portal"),
        # Carol: complete to central.
        b.subscription_diagnostic_setting(carol, "activity-to-central", workspace=CENTRAL_WS,
                                          category_group="allLogs"),
        # Archive: diagnostic settings unreadable, alerts fine.
        b.activity_log_alert(archive, "rg-archive-alerts", "sensitive-operations", operations=OPS,
                             action_groups=[AG_SOC]),
        # Fabrikam (unplaced): its own workspace, one year.
        b.workspace(fabrikam, "rg-fabrikam-monitoring", "law-fabrikam", retention_days=365),
        b.subscription_diagnostic_setting(fabrikam, "activity-to-fabrikam-law", workspace=fab_ws,
                                          category_group="allLogs"),
    ]


def _firewalled(account: Doc) -> Doc:
    """Bob locked his account down: deny by default, no trusted-services exception (ALA-DLV-004)."""
    account["properties"]["networkAcls"] = {"bypass": "None", "defaultAction": "Deny", "ipRules": [],
                                            "virtualNetworkRules": [], "resourceAccessRules": []}
    return account


def destination_settings() -> list[Doc]:
    """What destinations do with the activity log: lifecycle rules, immutability, table retention, Sentinel."""
    shared_st = b.storage_id(G["shared"], "rg-shared-logging", "stsharedactlog")
    data_ws = b.workspace_id(G["data"], "rg-data-monitoring", "law-corp-data")
    return [
        # Central storage: a 30-day purge of block blobs never touches the activity log's append
        # blobs; a seven-year rule does; the container is locked for a year on top.
        br.management_policy(CENTRAL_ST, [
            br.lifecycle_rule("purge-temp-exports", 30, prefixes=["exports/"], blob_types=["blockBlob"]),
            br.lifecycle_rule("activity-log-7y", 2555)]),
        br.activity_container(CENTRAL_ST, immutability_days=365),
        # Central workspace: AzureActivity kept 90 days interactive, two years in total.
        br.activity_table(CENTRAL_WS, 90, 730),
        # Bob's container: an unlocked 30-day policy without protected appends (ALA-DLV-003): with
        # the firewall, why nothing ever arrived there.
        br.activity_container(BOB_ST, immutability_days=30, state="Unlocked", protected_appends=False),
        # Data's workspace: the table inherits the 30-day default.
        br.activity_table(data_ws, 30, as_default=True),
        # Shared services: the cost-saving rule deletes the activity log after 90 days.
        br.management_policy(shared_st, [br.lifecycle_rule("cost-saving-90d", 90,
                                                           prefixes=["insights-activity-logs/"])]),
        # Sentinel on the central workspace: CIS 5.2.5/5.2.6-style analytics rules for NSG rule
        # changes (the delete rule raises alerts but no incident), a disabled rule for NSG writes,
        # and the built-in Fusion rule (no query of Contoso's).
        bs.onboarding_state(CENTRAL_WS),
        bs.analytics_rule(CENTRAL_WS, "cis-5.2.5-nsg-rule-write", bs.cis_query(NSG_OPS[2]), kind="NRT",
                          display_name="Create or Update Network Security Group Rule"),
        bs.analytics_rule(CENTRAL_WS, "cis-5.2.6-nsg-rule-delete", bs.cis_query(NSG_OPS[3]), create_incident=False,
                          display_name="Delete Network Security Group Rule"),
        bs.analytics_rule(CENTRAL_WS, "cis-5.2.3-nsg-write", bs.cis_query(NSG_OPS[0]), enabled=False,
                          display_name="Create or Update Network Security Group"),
        bs.fusion_rule(CENTRAL_WS),
    ]


# ---------------------------------------------------------------- policy
BUILTIN = b.BUILTIN_EXPORT_DEFINITION_ID
ADMIN_OPS_AUDIT = "/providers/Microsoft.Authorization/policyDefinitions/b954148f-4c11-4c38-8221-be76711e194a"
SET_ID = f"{mg('contoso')}/providers/Microsoft.Authorization/policySetDefinitions/Contoso-ActivityLog-Baseline"
STORAGE_DEF_NAME = "Deploy-ActivityLog-Storage-AdminOnly"
STORAGE_DEF_ID = f"{mg('contoso')}/providers/Microsoft.Authorization/policyDefinitions/{STORAGE_DEF_NAME}"


def admin_ops_audit_definition() -> Doc:
    """Built-in b954148f (corpus azure-policy/ActivityLog_AdministrativeOperations_Audit.json), abridged
    to its parameters and rule: AuditIfNotExists, so it is no export policy."""
    rule = {
        "if": {"allOf": [{"field": "type", "equals": "Microsoft.Resources/subscriptions"}]},
        "then": {
            "effect": "[parameters('effect')]",
            "details": {
                "type": "Microsoft.Insights/ActivityLogAlerts",
                "existenceCondition": {"allOf": [
                    {"field": "Microsoft.Insights/ActivityLogAlerts/enabled", "equals": "true"},
                    {"count": {"field": "Microsoft.Insights/ActivityLogAlerts/condition.allOf[*]",
                               "where": {"anyOf": [
                                   {"allOf": [
                                       {"field": "Microsoft.Insights/ActivityLogAlerts/condition.allOf[*].field",
                                        "equals": "category"},
                                       {"field": "Microsoft.Insights/ActivityLogAlerts/condition.allOf[*].equals",
                                        "equals": "Administrative"}]},
                                   {"allOf": [
                                       {"field": "Microsoft.Insights/ActivityLogAlerts/condition.allOf[*].field",
                                        "equals": "operationName"},
                                       {"field": "Microsoft.Insights/ActivityLogAlerts/condition.allOf[*].equals",
                                        "equals": "[parameters('operationName')]"}]}]}},
                     "equals": 2},
                    {"not": {"field": "Microsoft.Insights/ActivityLogAlerts/condition.allOf[*].field",
                             "equals": "category"}},
                    {"not": {"field": "Microsoft.Insights/ActivityLogAlerts/condition.allOf[*].field",
                             "equals": "operationName"}},
                ]},
            },
        },
    }
    params = {
        "effect": {"type": "String", "metadata": {"displayName": "Effect",
                                                  "description": "Enable or disable the execution of the policy"},
                   "allowedValues": ["AuditIfNotExists", "Disabled"], "defaultValue": "AuditIfNotExists"},
        "operationName": {"type": "String", "metadata": {
            "displayName": "Operation Name",
            "description": "Administrative Operation name for which activity log alert should be configured"},
            "allowedValues": list(OPS[2:])},
    }
    return b.policy_definition(None, "b954148f-4c11-4c38-8221-be76711e194a", rule, parameters=params,
                               display_name="An activity log alert should exist for specific Administrative operations")


def policy() -> tuple[list[Doc], dict[str, Doc]]:
    """Definitions, assignments, exemptions and role assignments; returns (docs, assignments by key)."""
    sys_id = b.system_identity
    la = {"logAnalytics": CENTRAL_WS}
    a: dict[str, Doc] = {
        # A1: the tenant-wide export policy at the intermediate root.
        "a1": b.policy_assignment(
            "contoso", "Deploy-AzActivity-Log", BUILTIN, identity=sys_id(PRINCIPAL["a1"]), parameters=la,
            not_scopes=[mg("contoso-online"), mg("contoso-sandbox"), b.sub_id(G["legapp"])],
            display_name="Configure Azure Activity logs to stream to the central workspace"),
        # A2: Online's own assignment, audit-only (DoNotEnforce).
        "a2": b.policy_assignment(
            "contoso-online", "Online-AzActivity-Log", BUILTIN, identity=sys_id(PRINCIPAL["a2"]), parameters=la,
            enforcement_mode="DoNotEnforce", display_name="Activity log export (Online, audit only)"),
        # A3: the baseline initiative on Web, with a user-assigned identity whose roles sit on Online.
        "a3": b.policy_assignment(
            b.sub_id(G["web"]), "Web-Logging-Baseline", SET_ID,
            identity=b.user_identity(UAI_ID, PRINCIPAL["uai"]), parameters=la,
            display_name="Contoso activity log baseline (Web)"),
        # A4: Sandbox assignment switched off through the effect parameter.
        "a4": b.policy_assignment(
            "contoso-sandbox", "Sandbox-AzActivity-Log", BUILTIN, identity=sys_id(PRINCIPAL["a4"]),
            parameters={**la, "effect": "Disabled"}, display_name="Activity log export (Sandbox, disabled)"),
        # A5: Bob's custom storage export deploying Administrative only.
        "a5": b.policy_assignment(
            b.sub_id(G["bob"]), "Bob-ActivityLog-Storage", STORAGE_DEF_ID, identity=sys_id(PRINCIPAL["a5"]),
            parameters={"storageAccountId": b.storage_id(G["bob"], "rg-bob-logging", "stsbxbobactlog")}),
        # A6: Carol's assignment whose identity lacks Log Analytics Contributor.
        "a6": b.policy_assignment(
            b.sub_id(G["carol"]), "Carol-AzActivity-Log", BUILTIN, identity=sys_id(PRINCIPAL["a6"]), parameters=la),
    }
    definitions = [
        b.export_policy_definition(),  # the built-in 2465583e, as ARM returns it
        admin_ops_audit_definition(),
        b.export_policy_definition(
            "contoso", STORAGE_DEF_NAME, destination="storage", categories=["Administrative"],
            allowed_effects=["DeployIfNotExists", "AuditIfNotExists", "Disabled"],
            role_ids=[b.ROLE_MONITORING_CONTRIBUTOR, b.ROLE_STORAGE_ACCOUNT_CONTRIBUTOR],
            display_name="Deploy Diagnostic Settings for Activity Log to storage account (Administrative)"),
        b.policy_set_definition(
            "contoso", "Contoso-ActivityLog-Baseline",
            [b.set_member("ActivityLogToWorkspace", BUILTIN,
                          {"logAnalytics": "[parameters('logAnalytics')]", "effect": "[parameters('exportEffect')]"}),
             b.set_member("NsgWriteAlertAudit", ADMIN_OPS_AUDIT,
                          {"operationName": "Microsoft.Network/networkSecurityGroups/write"})],
            parameters={
                "logAnalytics": {"type": "String", "metadata": {"displayName": "Central workspace",
                                                                "strongType": "omsWorkspace"}},
                "exportEffect": {"type": "String", "metadata": {"displayName": "Export effect"},
                                 "allowedValues": ["DeployIfNotExists", "Disabled"],
                                 "defaultValue": "DeployIfNotExists"},
            },
            display_name="Contoso activity log baseline"),
    ]
    exemptions = [
        b.policy_exemption(b.sub_id(G["fin"]), "finance-erp-migration", a["a1"]["id"],
                           expires_on="2027-03-31T00:00:00Z",
                           display_name="Finance ERP migration: export handled by the migration project"),
        b.policy_exemption(b.sub_id(G["shared"]), "shared-services-pilot", a["a1"]["id"],
                           expires_on="2026-09-30T00:00:00Z", category="Mitigated",
                           display_name="Shared services logging pilot (ended)"),
    ]
    la_c, mon_c = b.ROLE_LOG_ANALYTICS_CONTRIBUTOR, b.ROLE_MONITORING_CONTRIBUTOR
    roles = [
        b.role_assignment("contoso", PRINCIPAL["a1"], la_c),
        b.role_assignment("contoso", PRINCIPAL["a1"], mon_c),
        b.role_assignment("contoso-online", PRINCIPAL["a2"], la_c),
        b.role_assignment("contoso-online", PRINCIPAL["a2"], mon_c),
        b.role_assignment("contoso-online", PRINCIPAL["uai"], la_c),
        b.role_assignment("contoso-online", PRINCIPAL["uai"], mon_c),
        b.role_assignment("contoso-sandbox", PRINCIPAL["a4"], la_c),
        b.role_assignment("contoso-sandbox", PRINCIPAL["a4"], mon_c),
        b.role_assignment(b.sub_id(G["bob"]), PRINCIPAL["a5"], mon_c),
        b.role_assignment(b.sub_id(G["bob"]), PRINCIPAL["a5"], b.ROLE_STORAGE_ACCOUNT_CONTRIBUTOR),
        b.role_assignment(b.sub_id(G["carol"]), PRINCIPAL["a6"], mon_c),
    ]
    return definitions + list(a.values()) + exemptions + roles, a


def policy_states(a: dict[str, Doc]) -> list[Doc]:
    def st(key: str, sub: str, state: str, **kw: Any) -> Doc:
        return b.policy_state(a[key], G[sub], state, **kw)

    return [
        *[st("a1", k, "Compliant") for k in ("mgmt", "conn", "ident", "erp", "hr", "archive")],
        st("a1", "data", "NonCompliant"),
        st("a1", "shared", "NonCompliant"),
        st("a1", "fin", "Exempt"),
        st("a2", "shop", "Compliant"),
        st("a2", "mkt", "NonCompliant"),
        st("a3", "web", "NonCompliant", definition_id=BUILTIN, set_definition_id=SET_ID,
           reference_id="ActivityLogToWorkspace"),
        st("a5", "bob", "Compliant"),
        st("a6", "carol", "Compliant"),
    ]


def errors() -> list[Doc]:
    return [
        b.error(b.sub_id(G["archive"]), "diagnosticSettings",
                message="The client 'auditor-reader' does not have authorization to perform action "
                        "'microsoft.insights/diagnosticSettings/read' over scope '/subscriptions/"
                        f"{G['archive']}/providers/microsoft.insights'."),
        b.error(b.sub_id(G["oldcrm"]), "*",
                message=f"The client 'auditor-reader' has no access to subscription '{G['oldcrm']}'."),
        b.error(mg("fabrikam"), "*",
                message="The client 'auditor-reader' does not have authorization to perform action "
                        "'Microsoft.Management/managementGroups/read' over scope "
                        "'/providers/Microsoft.Management/managementGroups/fabrikam'."),
    ]


# ---------------------------------------------------------------- delivery (collect --verify-delivery)
RECENT = "2026-11-28T09:00:00Z"  # within the 7-day window before COLLECTED_AT
STALE = "2026-11-02T17:00:00Z"  # weeks before it
DATA_WS = b.workspace_id(G["data"], "rg-data-monitoring", "law-corp-data")
# as the workspace document spells its id (ARM lower-cases it): the collector records errors at that id
FAB_WS = b.workspace(G["fabrikam"], "rg-fabrikam-monitoring", "law-fabrikam")["id"]
SHARED_ST = b.storage_id(G["shared"], "rg-shared-logging", "stsharedactlog")
BOB_ST = b.storage_id(G["bob"], "rg-bob-logging", "stsbxbobactlog")


def detection_docs() -> list[Doc]:
    """Defender plans, autoscale settings and metric alerts."""
    standard = {"mgmt": ("VirtualMachines", "Arm"), "conn": ("Arm",), "ident": ("Arm",), "erp": ("VirtualMachines",),
                "web": ("Arm", "StorageAccounts"), "shop": ("VirtualMachines",), "shared": ("StorageAccounts",),
                "carol": ("Arm",)}
    readable = [k for k in G if k not in ("oldcrm", "mkt")]  # OldCRM: no access; Marketing: plans unreadable
    docs = [d for k in readable for d in db.pricings(G[k], standard.get(k, ()))]
    return docs + [  # Sentinel on the central workspace comes from destination_settings()
        db.autoscale_setting(G["shop"], "rg-shop-web", "as-shop-frontend",
                             b.resource_id(G["shop"], "rg-shop-web", "Microsoft.Web/serverfarms", "asp-shop")),
        db.metric_alert(G["erp"], "rg-erp-alerts", "erp-sql-cpu-high",
                        b.resource_id(G["erp"], "rg-erp-data", "Microsoft.Sql/servers", "sql-erp")),
    ]


def delivery() -> Doc:
    everyday = {"Administrative": 412, "Policy": 37, "ServiceHealth": 2}
    central = b.workspace(G["mgmt"], MGMT_LOG_RG, "law-contoso-central")
    central_rows = [r for k in ("mgmt", "conn", "ident", "erp", "hr", "shop") for r in db.activity(G[k], everyday,
                                                                                                   RECENT)]
    data_ws = b.workspace(G["data"], "rg-data-monitoring", "law-corp-data")
    return db.delivery(
        workspaces=[
            # Carol exports to central but nothing arrived: others deliver there, so the pipe works (DLV-001).
            db.workspace_delivery(central, central_rows),
            db.workspace_delivery(data_ws, db.activity(G["data"], {"Administrative": 96}, "2026-11-27T23:41:07Z"),
                                  [db.ingestion("Data collection stopped", "Warning", 3, "2026-11-27T23:59:58Z",
                                                "Data collection stopped due to daily limit of 1 GB reached."),
                                   db.ingestion("Data collection resumed", "Info", 2, "2026-11-27T00:00:03Z",
                                                "Data collection resumed after daily limit reset.")]),
        ],
        storage=[
            db.storage_delivery(CENTRAL_ST, [db.newest_blob(G["mgmt"], RECENT), db.newest_blob(G["erp"], RECENT)]),
            # Bob's own account: nothing under his prefix (DLV-001, nobody else delivers there either).
            db.storage_delivery(BOB_ST, [db.newest_blob(G["bob"], None)]),
        ],
        event_hubs=[b.eventhub_namespace_id(G["conn"], "rg-contoso-siem", "evhns-contoso-siem")],
    )


def delivery_errors() -> list[Doc]:
    return [
        b.error(b.sub_id(G["mkt"]), "defenderPlans",
                message="The client 'auditor-reader' does not have authorization to perform action "
                        "'Microsoft.Security/pricings/read' over scope "
                        f"'/subscriptions/{G['mkt']}'."),
        b.error(FAB_WS, "logQuery", code="InsufficientAccessError",
                message="The provided credentials have insufficient access to perform the requested operation"),
        b.error(SHARED_ST, "blobListing", code="AuthorizationPermissionMismatch",
                message="This request is not authorized to perform this operation using this permission."),
    ]


def build() -> Doc:
    policy_docs, assignments = policy()
    resources = (hierarchy() + group_settings() + platform() + corp() + online() + sandbox_and_rest()
                 + destination_settings() + policy_docs + detection_docs())
    snap = b.snapshot(resources, policy_states(assignments), errors() + delivery_errors(), root=ROOT)
    snap["delivery"] = delivery()
    return snap


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


def bad_inputs(demo_text: str) -> dict[str, bytes]:
    """``examples/bad/``: inputs every command must refuse with exit 2 and one line."""
    v2 = b.snapshot([b.management_group(ROOT, "Tenant Root Group")], root=ROOT)
    v2["schemaVersion"] = 2
    zipped = gzip.compress(demo_text.encode("utf-8"), mtime=0)
    return {
        "truncated-snapshot.json": demo_text.encode("utf-8")[:4096],
        "truncated-snapshot.json.gz": zipped[: len(zipped) // 2],
        "schema-v2-snapshot.json": (json.dumps(v2, indent=2) + "\n").encode("utf-8"),
        "unknown-key.toml": b"# 'retention_days' is not a configuration key (it is 'min_retention_days'): exit 2.\n"
                            b"[audit]\nretention_days = 365\n",
    }


def outputs(target: Path) -> dict[Path, bytes]:
    text = render()
    files = {target: text.encode("utf-8")}
    files.update({HERE / "bad" / name: data for name, data in bad_inputs(text).items()})
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the generated files are out of date")
    parser.add_argument("-o", "--output", type=Path, default=OUT)
    args = parser.parse_args()
    files = outputs(args.output)
    if args.check:
        stale = [p for p, data in files.items() if not p.exists() or p.read_bytes() != data]
        for p in stale:
            print(f"{p} is out of date: run examples/build_demo.py", file=sys.stderr)
        return 1 if stale else 0
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    print(f"wrote {args.output} ({len(json.loads(files[args.output])['resources'])} resources) and examples/bad/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
