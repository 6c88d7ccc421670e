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

from auditor.analysis.context import AuditContext
from auditor.analysis.exports import enabled_categories
from auditor.azure import arm
from auditor.config import CATEGORIES
from auditor.remediate.assignments import parameter_reference

# Diagnostic-setting property naming each kind of destination.
SINK_PROPERTY = {"log_analytics": "workspaceId", "storage": "storageAccountId",
                 "event_hub": "eventHubAuthorizationRuleId"}


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


def conflicts(ctx: AuditContext, sub_key: str, destination_kind: str, destination_id: str,
              policy_setting_names: tuple[str, ...]) -> list[SinkConflict]:
    """Settings of the subscription that use the destination for some categories but not all of them
    (a setting with the policy's own name is simply overwritten by the policy: no conflict)."""
    prop = SINK_PROPERTY.get(destination_kind)
    if not prop or not destination_id:
        return []
    names = {n.lower() for n in policy_setting_names}
    out = []
    for setting in ctx.exports[sub_key].settings:
        sink = arm.props(setting).get(prop)
        if not isinstance(sink, str) or not arm.same_id(sink, destination_id):
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
    props = dict(arm.props(conflict.setting))
    props["logs"] = [{"category": c, "enabled": True} for c in CATEGORIES]
    return props


def deployed_setting_name(definition: dict[str, Any] | None, values: dict[str, Any]) -> str | None:
    """The diagnostic-setting name a DeployIfNotExists export definition deploys, when it can be read:
    a literal, or ``[parameters('x')]`` fed by the deployment's parameters from policy parameters
    (``values``: the assignment's values; definition defaults fill the rest)."""
    if not definition:
        return None
    p = arm.props(definition)
    details = arm.ci_get(arm.ci_get(p.get("policyRule") or {}, "then") or {}, "details") or {}
    deployment = arm.as_dict(arm.ci_get(arm.as_dict(arm.ci_get(details, "deployment")), "properties"))
    template = arm.as_dict(deployment.get("template"))
    names = [r.get("name") for r in arm.as_list(template.get("resources"))
             if isinstance(r, dict) and str(r.get("type", "")).lower() == "microsoft.insights/diagnosticsettings"]
    if len(names) != 1 or not isinstance(names[0], str):
        return None
    ref = parameter_reference(names[0])
    if ref is None:
        return names[0]
    passed = next((v for k, v in arm.as_dict(deployment.get("parameters")).items() if k.lower() == ref.lower()), None)
    if not isinstance(passed, dict) or not isinstance(passed.get("value"), str):
        return None
    policy_ref = parameter_reference(passed["value"])
    if policy_ref is None:
        return str(passed["value"])
    for k, v in values.items():  # the assignment's value, else the definition's default
        if k.lower() == policy_ref.lower():
            return v if isinstance(v, str) else None
    for k, v in arm.as_dict(p.get("parameters")).items():
        if k.lower() == policy_ref.lower() and isinstance(v, dict):
            return v.get("defaultValue") if isinstance(v.get("defaultValue"), str) else None
    return None
