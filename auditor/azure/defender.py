"""Readers of the ARM documents behind delivery and detection, one per shape.

Shared by collection (what to ask for), analysis (what it means), the emulator and the demo:

- ``Microsoft.Security/pricings`` (Defender plans; REST ``2024-01-01`` and Resource Graph's
  ``securityresources`` carry the same ``properties.pricingTier``);
- a Log Analytics workspace's ``workspaceCapping`` (``dailyQuotaGb``, ``dataIngestionStatus``);
- (Microsoft Sentinel onboarding is read by ``auditor/azure/security_insights.py``, shared with the alert rules);
- autoscale settings and alert rules (sources that make a category carry events);
- a storage account's firewall (``networkAcls``): whether Azure Monitor may write through it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from auditor.azure import arm
from auditor.azure.delivery_facts import STOPPED_INGESTION

ARM_PLAN = "arm"  # Defender for Resource Manager
# Plans that are not workload protection: they do not write Security events to the activity log.
_NOT_WORKLOAD = frozenset({"cloudposture"})
ALERT_RULE_KINDS = (arm.ACTIVITY_LOG_ALERT, arm.SCHEDULED_QUERY_RULE, arm.METRIC_ALERT)


@dataclass(frozen=True)
class DefenderPlans:
    """A subscription's Defender plans by lower-case plan name -> tier as written."""

    tiers: dict[str, str]

    @property
    def resource_manager(self) -> bool:
        return self.tiers.get(ARM_PLAN, "").lower() == "standard"

    @property
    def workload_plans_on(self) -> tuple[str, ...]:
        """Plans on Standard that raise security alerts into the activity log's Security category."""
        return tuple(sorted(n for n, t in self.tiers.items() if t.lower() == "standard" and n not in _NOT_WORKLOAD))


def defender_plans(pricings: Iterable[dict[str, Any]]) -> DefenderPlans:
    """Plans from a subscription's pricing documents (names from the id: ``.../pricings/<plan>``)."""
    tiers = {}
    for doc in pricings:
        name = (str(doc.get("name") or "") or arm.last_segment(doc.get("id"))).lower()
        tiers[name] = str(arm.props(doc).get("pricingTier") or "Free")
    return DefenderPlans(tiers)


@dataclass(frozen=True)
class WorkspaceState:
    daily_quota_gb: float | None  # None or -1: no cap
    ingestion_status: str  # as written, "" when absent

    @property
    def capped(self) -> bool:
        return self.daily_quota_gb is not None and self.daily_quota_gb >= 0

    @property
    def stopped(self) -> bool:
        """Ingestion is refused now (over the daily cap, switched off, subscription suspended)."""
        return self.ingestion_status.lower() in STOPPED_INGESTION


def workspace_state(doc: dict[str, Any]) -> WorkspaceState:
    capping = arm.as_dict(arm.props(doc).get("workspaceCapping"))
    quota = capping.get("dailyQuotaGb")
    try:
        gb = float(quota) if quota is not None and not isinstance(quota, bool) else None
    except (TypeError, ValueError):
        gb = None
    if gb is not None and gb < 0:
        gb = None  # -1 means "no daily cap"
    return WorkspaceState(gb, str(capping.get("dataIngestionStatus") or ""))


def firewall_refusal(account: dict[str, Any] | None) -> dict[str, Any] | None:
    """Why the storage account's firewall refuses diagnostic settings' writes, or None.

    Azure Monitor writes through a storage firewall only as a trusted Microsoft service
    (``Microsoft.Insights``: "Write monitoring data to a secured storage account"; Microsoft Learn,
    Azure Storage, "Configure Azure Storage firewalls and virtual networks", trusted Azure
    services). With ``networkAcls.defaultAction: Deny`` and ``bypass`` lacking ``AzureServices``
    (``bypass`` is a comma-separated list such as ``"Logging, Metrics, AzureServices"`` or
    ``"None"``), the export's writes are refused.
    """
    if account is None:
        return None
    acls = arm.ci_get(arm.props(account), "networkAcls")
    if not isinstance(acls, dict) or str(arm.ci_get(acls, "defaultAction") or "Allow").lower() != "deny":
        return None
    bypass = str(arm.ci_get(acls, "bypass") or "None")
    if "azureservices" in {b.strip().lower() for b in bypass.split(",")}:
        return None
    return {"defaultAction": "Deny", "bypass": bypass}
