"""Alerting gaps (ALA-ALR-001) closed per central workspace and per management group.

A subscription whose activity log reaches a central Log Analytics workspace (healthy export
of Administrative now, or an export the plan's own assignments deploy) is covered by one log
search rule on that workspace -- or, where Microsoft Sentinel is on for it, by one Sentinel
analytics rule that raises incidents (``sentinel_render.py``). The others get the alert
policy (``alert_policy.py``) assigned
at the highest group on their path whose other subscriptions fit in ``notScopes``, so the
plan grows with groups, not with subscriptions; only a subscription placed in no group gets
an assignment of its own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from auditor.analysis.context import AuditContext
from auditor.azure import arm, security_insights
from auditor.remediate import alert_policy, model
from auditor.remediate.findings import Findings, alert_findings
from auditor.remediate.model import Action, Destination, stable_guid

# Longest notScopes list an alert-policy assignment gets: beyond it, lower groups are used.
MAX_NOT_SCOPES = 200


@dataclass(frozen=True)
class AlertProjection:
    now: str  # covered | gaps | waived | unknown
    projected: str
    by: str = ""  # id of the rule or assignment that closes the gaps


def central_workspaces(ctx: AuditContext, destination: Destination) -> set[str]:
    """Normalised ids of the Log Analytics workspaces that count as central.

    The configured central destinations and the plan's own destination; without configuration
    also what the tenant itself treats as central: the workspace of an effective export-policy
    assignment, and any workspace the activity log of two or more subscriptions reaches.
    """
    out = {arm.norm_id(d) for d in ctx.config.central_destinations if arm.kind_from_id(d) == arm.WORKSPACE}
    if destination.kind == "log_analytics":
        out.add(arm.norm_id(destination.id))
    senders: dict[str, int] = defaultdict(int)
    for key in ctx.hierarchy.subscriptions:
        for check in ctx.enforcement[key].checks:
            dest = check.destination
            if check.effective and dest.get("kind") == "log_analytics" and isinstance(dest.get("id"), str):
                out.add(arm.norm_id(dest["id"]))
        for ws in _workspaces(ctx, key):
            senders[ws] += 1
    out.update(ws for ws, n in senders.items() if n >= 2)
    return out


def _workspaces(ctx: AuditContext, key: str) -> set[str]:
    """Workspaces a healthy export sends the subscription's Administrative category to."""
    return {arm.norm_id(d.id) for e in ctx.exports[key].healthy_exports if "Administrative" in e.categories
            for d in e.usable_destinations if d.kind == "log_analytics"}


def _exports_to(ctx: AuditContext, key: str, central: set[str]) -> str | None:
    """The central workspace a healthy export sends Administrative to now, if any."""
    found = sorted(_workspaces(ctx, key) & central)
    return found[0] if found else None


class AlertPlanner:
    def __init__(self, ctx: AuditContext, findings: Findings, destination: Destination,
                 exports_after: dict[str, str], action_group: str) -> None:
        self.ctx, self.h = ctx, ctx.hierarchy
        self.findings = findings
        self.destination = destination
        self.exports_after = exports_after  # sub key -> destination id the plan makes it export to
        self.action_group = action_group
        self.central = central_workspaces(ctx, destination)
        self.actions: list[Action] = []
        self.projection: dict[str, AlertProjection] = {}

    def _now(self, key: str, unwaived: dict[str, list[str]], waived: dict[str, list[str]]) -> str:
        cov = self.ctx.alerts[key]
        if cov.unreadable:
            return "unknown"
        if key in unwaived:
            return "gaps"
        if key in waived:
            return "waived"
        return "unknown" if cov.undecided else "covered"

    def _workspace(self, key: str) -> str | None:
        """The central workspace the subscription's activity log reaches, now or after the plan."""
        ws = _exports_to(self.ctx, key, self.central)
        if ws is None:
            after = self.exports_after.get(key)
            ws = arm.norm_id(after) if after and arm.norm_id(after) in self.central else None
        return ws

    def plan(self) -> None:
        unwaived, waived = alert_findings(self.findings)
        by_workspace: dict[str, list[str]] = defaultdict(list)
        by_policy: list[str] = []
        waived_on: dict[str, list[str]] = defaultdict(list)
        for key in sorted(self.h.subscriptions):
            now = self._now(key, unwaived, waived)
            self.projection[key] = AlertProjection(now, now)
            if now not in ("gaps", "waived"):
                continue
            ws = self._workspace(key)
            if now == "waived":
                if ws is not None:
                    waived_on[ws].append(key)
            elif ws is None:
                by_policy.append(key)
            else:
                by_workspace[ws].append(key)
        for ws in sorted(by_workspace):
            rule_id = self._central_rule(ws, by_workspace[ws])
            for k in waived_on.get(ws, []):  # the rule reads every subscription the workspace receives
                self._covered(k, rule_id, "waived")
        if by_policy:
            self._alert_policy(set(by_policy))

    def _covered(self, key: str, by: str, now: str = "gaps") -> None:
        undecided = bool(self.ctx.alerts[key].undecided)
        self.projection[key] = AlertProjection(now, "unknown" if undecided else "covered", by)

    # ------------------------------------------------------------------ central log search rule
    def _central_rule(self, ws_key: str, subs: list[str]) -> str:
        workspace = self.destination.id if ws_key == arm.norm_id(self.destination.id) else arm.display_id(ws_key)
        doc = self.ctx.snapshot.get(workspace)
        location = str((doc or {}).get("location") or self.destination.location).replace(" ", "").lower()
        sub_guid = arm.subscription_id_of(workspace)
        rg = workspace.split("/")[4] if sub_guid and len(workspace.split("/")) > 4 else ""
        scope = f"/subscriptions/{sub_guid}/resourceGroups/{rg}" if sub_guid and rg else workspace
        rule_id = f"{scope}/providers/Microsoft.Insights/scheduledQueryRules/{alert_policy.CENTRAL_RULE_NAME}"
        ids = sorted((self.h.subscriptions[k].id for k in subs), key=str.lower)
        if arm.norm_id(workspace) in self.ctx.azure.sentinel_workspaces:  # Sentinel on: its rule, not a log alert
            return self._sentinel_rule(workspace, scope, subs, ids)
        self.actions.append(Action(
            model.CENTRAL_ALERT_RULE, scope, ids,
            f"Alert centrally on {len(self.ctx.config.sensitive_operations)} sensitive operations in the "
            f"activity log of {len(ids)} subscription(s) exporting to workspace {arm.last_segment(workspace)}",
            {"workspaceId": workspace, "operations": list(self.ctx.config.sensitive_operations),
             "actionGroupId": self.action_group, "location": location, "ruleName": alert_policy.CENTRAL_RULE_NAME},
            slug=f"central-alert-{_slug(arm.last_segment(workspace))}",
        ))
        for k in subs:
            self._covered(k, rule_id)
        return rule_id

    def _sentinel_rule(self, workspace: str, scope: str, subs: list[str], ids: list[str]) -> str:
        """Where Sentinel is on, the SOC works incidents: one analytics rule instead of a log search alert."""
        name = stable_guid("sentinel-rule", arm.norm_id(workspace))
        rule_id = f"{security_insights.alert_rules_path(workspace)}/{name}"
        self.actions.append(Action(
            model.SENTINEL_ALERT_RULE, scope, ids,
            f"Raise Sentinel incidents on {len(self.ctx.config.sensitive_operations)} sensitive operations in the "
            f"activity log of {len(ids)} subscription(s) exporting to workspace {arm.last_segment(workspace)}",
            {"workspaceId": workspace, "operations": list(self.ctx.config.sensitive_operations), "ruleName": name},
            slug=f"sentinel-rule-{_slug(arm.last_segment(workspace))}",
        ))
        for k in subs:
            self._covered(k, rule_id)
        return rule_id

    # ------------------------------------------------------------------ alert policy at groups
    def _scope_for(self, key: str, needing: set[str], others_below: dict[str, list[str]]) -> str:
        for gid in self.h.subscriptions[key].path:  # root first: the highest group that fits wins
            g = arm.norm_id(gid)
            if g not in others_below:
                others_below[g] = [arm.norm_id(s.id) for s in self.h.descendants(g) if arm.norm_id(s.id) not in needing]
            if len(others_below[g]) <= MAX_NOT_SCOPES:
                return g
        return key

    def _alert_policy(self, needing: set[str]) -> None:
        root = self.h.groups[self.h.root].id if self.h.root else ""
        definition_scope = root or self.h.subscriptions[min(needing)].id
        definition_id = (f"{definition_scope}/providers/Microsoft.Authorization/policyDefinitions/"
                         f"{alert_policy.ALERT_DEFINITION_NAME}")
        self.actions.append(Action(
            model.POLICY_DEFINITION, definition_scope, [],
            f"Create the alert policy definition at {definition_scope}",
            {"definition": alert_policy.alert_definition()},
            slug=f"definition-{alert_policy.ALERT_DEFINITION_NAME}",
        ))
        others_below: dict[str, list[str]] = {}
        scopes: dict[str, list[str]] = defaultdict(list)
        for key in sorted(needing):
            scopes[self._scope_for(key, needing, others_below)].append(key)
        for scope_key in sorted(scopes, key=lambda k: (not k.startswith("/providers"), k)):
            group = self.h.groups.get(scope_key)
            scope = group.id if group else self.h.subscriptions[scope_key].id
            not_scopes = sorted((self.h.subscriptions[k].id for k in others_below.get(scope_key, [])), key=str.lower)
            name = ("auditor-alerts-" + stable_guid(scope, definition_id).replace("-", ""))[:24]
            assignment_id = f"{scope}/providers/Microsoft.Authorization/policyAssignments/{name}"
            subs = sorted((self.h.subscriptions[k].id for k in scopes[scope_key]), key=str.lower)
            name_part = group.name if group else self.h.subscriptions[scope_key].guid
            self.actions.append(Action(
                model.ASSIGN_ALERT_POLICY, scope, subs,
                f"Assign the alert policy at {scope}: every subscription below gets an activity log alert "
                "on the sensitive operations",
                {"assignmentName": name, "assignmentId": assignment_id, "definitionId": definition_id,
                 "notScopes": not_scopes, "roles": list(alert_policy.ALERT_ROLES),
                 "operations": list(self.ctx.config.sensitive_operations), "actionGroupId": self.action_group,
                 "location": self.destination.location},
                slug=f"assign-alerts-{_slug(name_part)}",
            ))
            self.actions.append(Action(
                model.REMEDIATION_TASK, scope, subs, f"Deploy the alerts in existing subscriptions under {scope}",
                {"assignmentId": assignment_id, "referenceId": None, "name": stable_guid("remediation", assignment_id)},
                slug=f"remediate-alerts-{_slug(name_part)}",
            ))
            for k in scopes[scope_key]:
                self._covered(k, assignment_id)


def _slug(text: str) -> str:
    out = "".join(c if c.isalnum() else "-" for c in text.lower())
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")[:60] or "x"
