"""ARM documents and ``delivery`` facts for delivery, detection and category yield (issue 11).

Shapes as the services return them: ``Microsoft.Security/pricings`` (2024-01-01),
autoscale settings (2022-10-01), metric alerts (2018-03-01);
the ``delivery`` section as ``auditor/azure/delivery_facts.py`` documents it.
"""

from __future__ import annotations

from typing import Any

from builders import _guid_of, resource_id, sub_id

Doc = dict[str, Any]


def pricing(sub: str, plan: str, tier: str = "Free", sub_plan: str | None = None) -> Doc:
    """One Defender plan of a subscription (``GET .../providers/Microsoft.Security/pricings``)."""
    props: Doc = {"pricingTier": tier}
    if tier == "Standard":
        props.update(subPlan=sub_plan or ("PerSubscription" if plan == "Arm" else None),
                     freeTrialRemainingTime="PT0S", enablementTime="2025-06-02T09:14:11.2209931Z")
        props = {k: v for k, v in props.items() if v is not None}
    else:
        props["freeTrialRemainingTime"] = "P30D"
    return {"id": f"{sub_id(sub)}/providers/Microsoft.Security/pricings/{plan}", "name": plan,
            "type": "Microsoft.Security/pricings", "properties": props}


def pricings(sub: str, standard: tuple[str, ...] = ()) -> list[Doc]:
    """The plans a subscription lists, Standard for those named in ``standard``."""
    plans = ("VirtualMachines", "SqlServers", "AppServices", "StorageAccounts", "KeyVaults", "Arm", "Containers",
             "CloudPosture")
    return [pricing(sub, p, "Standard" if p in standard else "Free") for p in plans]


def autoscale_setting(sub: str, rg: str, name: str, target: str) -> Doc:
    return {"id": resource_id(sub, rg, "microsoft.insights/autoscalesettings", name), "name": name,
            "type": "Microsoft.Insights/autoscaleSettings", "location": "westeurope", "tags": {},
            "properties": {"name": name, "enabled": True, "targetResourceUri": target, "notifications": [],
                           "profiles": [{"name": "default", "capacity": {"minimum": "1", "maximum": "4",
                                                                         "default": "1"}, "rules": []}]}}


def metric_alert(sub: str, rg: str, name: str, scope: str) -> Doc:
    return {"id": resource_id(sub, rg, "Microsoft.Insights/metricAlerts", name), "name": name,
            "type": "Microsoft.Insights/metricAlerts", "location": "global", "tags": {},
            "properties": {"description": "", "severity": 3, "enabled": True, "scopes": [scope],
                           "evaluationFrequency": "PT1M", "windowSize": "PT5M",
                           "criteria": {"odata.type": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
                                        "allOf": []}, "autoMitigate": True, "actions": []}}


def activity(sub: str, events: dict[str, int], last: str) -> list[Doc]:
    """AzureActivity summary rows of one subscription: category -> events, all last seen at ``last``."""
    return [{"subscriptionId": _guid_of(sub).lower(), "category": c, "events": n, "lastEvent": last}
            for c, n in sorted(events.items())]


def ingestion(operation: str, level: str, events: int, last: str, detail: str) -> Doc:
    return {"operation": operation, "level": level, "events": events, "lastEvent": last, "detail": detail}


def workspace_delivery(workspace: Doc, activity_rows: list[Doc] = (), ingestion_rows: list[Doc] = ()) -> Doc:
    return {"id": workspace["id"], "customerId": workspace["properties"]["customerId"],
            "activity": sorted(activity_rows, key=lambda a: (a["subscriptionId"], a["category"])),
            "ingestion": sorted(ingestion_rows, key=lambda i: (i["operation"], i["level"]))}


def newest_blob(sub: str, last_modified: str | None) -> Doc:
    """The newest blob of one subscription (None: nothing under its prefix)."""
    g = _guid_of(sub).upper()
    if last_modified is None:
        return {"subscriptionId": g.lower(), "newestBlob": None, "lastModified": None}
    y, m, d, h = last_modified[0:4], last_modified[5:7], last_modified[8:10], last_modified[11:13]
    name = f"resourceId=/SUBSCRIPTIONS/{g}/y={y}/m={m}/d={d}/h={h}/m=00/PT1H.json"
    return {"subscriptionId": g.lower(), "newestBlob": name, "lastModified": last_modified}


def storage_delivery(account_id: str, blobs: list[Doc]) -> Doc:
    return {"id": account_id, "subscriptions": sorted(blobs, key=lambda b: b["subscriptionId"])}


def delivery(workspaces: list[Doc] = (), storage: list[Doc] = (), event_hubs: list[str] = (),
             window_days: int = 7) -> Doc:
    return {"version": 1, "windowDays": window_days,
            "workspaces": sorted(workspaces, key=lambda w: w["id"].lower()),
            "storageAccounts": sorted(storage, key=lambda s: s["id"].lower()),
            "eventHubs": [{"id": h, "status": "unverifiable"} for h in sorted(event_hubs, key=str.lower)]}
