"""Conflicting sinks: a subscription already sends some categories to the policy's destination
under another setting name.

Azure allows one destination per category per resource across diagnostic settings: a second
setting that sends an overlapping category to the same workspace, storage account or Event Hub
is refused ("Data sink ... is already used in diagnostic setting ... for category ..."). The
export policies deploy their own setting name (``subscriptionToLa`` for the built-in, the
``settingName`` parameter for the project's definitions), so on exactly the partly configured
subscriptions they target, their remediation would fail. The repair is to update the existing
setting so that it sends every category there: the policies' existence conditions accept a setting
of any name that does, so the subscription is compliant and the policy deploys nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor.azure import arm
from auditor.azure.activity_log import CATEGORIES
from auditor.azure.diagnostic_settings import (
    PARTNER,
    PROPERTY_OF,
    destination,
    enabled_categories,
    setting_properties,
)
from auditor.azure.tenant import AzureTenant

# Diagnostic-setting property naming each kind of destination (partners are never a remediation sink).
SINK_PROPERTY = {k: v for k, v in PROPERTY_OF.items() if k != PARTNER}


@dataclass(frozen=True)
class SinkConflict:
    setting: dict[str, Any]  # the existing diagnostic setting (ARM document from the snapshot)
    destination_kind: str
    destination_id: str
    missing: tuple[str, ...]  # categories it does not send there yet

    @property
    def name(self) -> str:
        return str(self.setting.get("name") or arm.last_segment(self.setting.get("id")))

    @property
    def subscription_id(self) -> str:
        return arm.display_id(arm.scope_of_extension(self.setting.get("id")))


def conflicts(tenant: AzureTenant, sub_key: str, destination_kind: str, destination_id: str,
              policy_setting_names: tuple[str, ...]) -> list[SinkConflict]:
    """Settings of the subscription that use the destination for some categories but not all of them
    (a setting with the policy's own name is simply overwritten by the policy: no conflict)."""
    prop = SINK_PROPERTY.get(destination_kind)
    if not prop or not destination_id:
        return []
    names = {n.lower() for n in policy_setting_names}
    out = []
    for setting in tenant.settings_at(sub_key):
        sink = destination(setting, destination_kind)
        if sink is None or not arm.same_id(sink, destination_id):
            continue
        if str(setting.get("name") or "").lower() in names:
            continue
        enabled = set(enabled_categories(setting))
        if not enabled or len(enabled) == len(CATEGORIES):
            continue  # sends nothing (no overlap) or everything (the policy finds it compliant)
        out.append(SinkConflict(setting, destination_kind, arm.display_id(destination_id),
                                tuple(c for c in CATEGORIES if c not in enabled)))
    return out


def updated_properties(conflict: SinkConflict) -> dict[str, Any]:
    """The existing setting's properties with every category enabled (other fields kept as they are)."""
    props = setting_properties(conflict.setting)
    props["logs"] = [{"category": c, "enabled": True} for c in CATEGORIES]
    return props
