"""From an audit to a remediation plan (docs/cli.md, ``auditor remediate``).

The plan makes export-policy enforcement effective wherever the audit found it ``none`` or
impaired by enforcement mode, effect or identity, and nowhere else changes a subscription's
state:

* an impaired assignment is repaired in place (same id, notScopes and parameters, with
  ``enforcementMode: Default``, the effect parameter set to DeployIfNotExists, a system
  identity, and role assignments for every role its definition lists);
* subscriptions left without any usable assignment get a new assignment of the export policy
  at the highest management groups whose every subscription needs it (falling back to the
  subscription itself), with a system identity, role assignments and a remediation task;
* excluded and exempted subscriptions are listed for review and kept out of new
  assignments (``notScopes``), so their state does not change; unknown stays unknown.

Alerts (ALA-ALR-001), log profiles (ALA-EXP-006) and management-group exports (ALA-EXP-009)
are planned from the audit's findings, each as few actions as the tenant's shape allows: one
log search rule per central workspace and the alert policy per management group
(``alert_plan.py``), one script for every legacy log profile, one template for every group
export. The plan grows with groups and assignments, not with subscriptions.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from auditor.azure import arm
from auditor.azure.diagnostic_settings import log_profile
from auditor.azure.policy import PolicyDoc, member_definition_id, member_reference_id
from auditor.azure.policy.assignment_facts import assigned_definition_id, assigned_parameters
from auditor.azure.policy.template import deployed_setting_name
from auditor.remediate import definitions as defs
from auditor.remediate import model, permissions, sink_batch, sinks
from auditor.remediate.alert_plan import AlertPlanner, AlertProjection
from auditor.remediate.assignments import AssignmentFix, plan_fix
from auditor.remediate.delivery import delivery_advice
from auditor.remediate.facts import (
    Considered,
    considered_assignments,
    covering_scopes,
    held_roles,
    is_export_definition,
    roles_held_at,
)
from auditor.remediate.findings import Findings, group_export_gaps, log_profiles, noncompliant
from auditor.remediate.inputs import RemediationInputs
from auditor.remediate.model import Action, Destination, Plan, Projection, stable_guid
from auditor.rules.verdicts import verdict

FIXABLE = frozenset({"do_not_enforce", "effect_not_dine", "no_identity", "missing_role"})
REVIEW = frozenset({"excluded", "exempted"})
PLACEHOLDER_PREFIX = "<REPLACE:"


def _slug(text: str) -> str:
    out = "".join(c if c.isalnum() else "-" for c in text.lower())
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")[:60] or "x"


def _profile_seen(doc: dict[str, Any] | None) -> str:
    """What the audit saw configured on a legacy log profile, in one line."""
    if doc is None:
        return "listed by ALA-EXP-006, not in the snapshot"
    profile = log_profile(doc)
    parts = [f"categories {', '.join(profile.categories) or 'none'}",
             f"locations {', '.join(profile.locations) or 'none'}"]
    if profile.storage_account_id:
        parts.append(f"storage account {profile.storage_account_id}")
    if profile.service_bus_rule_id:
        parts.append(f"service bus rule {profile.service_bus_rule_id}")
    return "; ".join(parts)


def choose_destination(ctx: RemediationInputs) -> tuple[Destination, list[str]]:
    """The first configured central destination of a known kind; else a placeholder workspace."""
    for dest in ctx.config.central_destinations:
        kind = arm.kind_from_id(dest)
        doc = ctx.snapshot.get(dest)
        location = str((doc or {}).get("location") or defs.DEPLOYMENT_LOCATION).replace(" ", "").lower()
        if kind == arm.WORKSPACE:
            return Destination(defs.LOG_ANALYTICS, arm.display_id(dest), False, location), []
        if kind == arm.STORAGE_ACCOUNT:
            return Destination(defs.STORAGE, arm.display_id(dest), False, location), []
        if kind in (arm.EVENTHUB_AUTH_RULE, arm.EVENTHUB_HUB_AUTH_RULE):
            return Destination(defs.EVENT_HUB, arm.display_id(dest), False, location), []
    value = f"{PLACEHOLDER_PREFIX} Log Analytics workspace resource id>"
    why = ("no central_destinations entry is a workspace, storage account or Event Hub authorization rule"
           if ctx.config.central_destinations else "central_destinations is not configured")
    note = (f"{why}: the export destination is a placeholder "
            f"({value}); set [audit] central_destinations or edit the generated parameters")
    return Destination(defs.LOG_ANALYTICS, value, True, defs.DEPLOYMENT_LOCATION), [note]


def _definition_id(ctx: RemediationInputs, destination: Destination) -> str:
    if destination.kind == defs.LOG_ANALYTICS:
        return defs.BUILTIN_LOG_ANALYTICS_ID
    return (f"{ctx.hierarchy.groups[ctx.hierarchy.root].id if ctx.hierarchy.root else ''}"
            f"/providers/Microsoft.Authorization/policyDefinitions/{defs.export_definition_name(destination.kind)}")


class _Planner:
    def __init__(self, ctx: RemediationInputs, findings: Findings) -> None:
        self.ctx = ctx
        self.findings = findings
        self.h = ctx.hierarchy
        self.destination, self.placeholders = choose_destination(ctx)
        self.actions: list[Action] = []
        self.projection: dict[str, tuple[str, str]] = {}  # sub key -> (projected, why)
        # sub key -> (destination kind, id, setting name the policy deploys) where a remediation deploys
        self.remediated: dict[str, tuple[str, str, str | None]] = {}
        # sub key -> destination the plan's remediation exports to (placeholders included), for alerting
        self.exports_after: dict[str, str] = {}
        self.alerts: dict[str, AlertProjection] = {}

    # ------------------------------------------------------------------ enforcement
    def plan_enforcement(self) -> None:
        considered: dict[str, list[Considered]] = {}
        targets: set[str] = set()
        review_only: set[str] = set()
        fixes: dict[str, AssignmentFix] = {}
        fixed_subs: dict[str, list[str]] = defaultdict(list)
        for key, sub in sorted(self.h.subscriptions.items()):
            state = self.ctx.enforcement[key].state
            rows = considered_assignments(self.ctx, key)
            considered[key] = rows
            if state in ("effective", "unknown"):
                self.projection[key] = (state, "")
                continue
            if state == "none":
                targets.add(key)
                continue
            repairable = []
            for row in rows:
                if row.reason not in FIXABLE:
                    continue
                fix = fixes.get(arm.norm_id(row.assignment_id))
                if fix is None:
                    doc = self.ctx.snapshot.get(row.assignment_id)
                    if doc is None:
                        continue
                    fix = plan_fix(self.ctx.snapshot, doc, lambda d: is_export_definition(self.ctx, d),
                                   held_roles(self.ctx, doc))
                    self._fix_destination(fix, key)
                    fixes[arm.norm_id(row.assignment_id)] = fix
                if fix.needed and not fix.unfixable:
                    repairable.append(fix)
            if repairable:
                for fix in repairable:
                    fixed_subs[arm.norm_id(fix.id)].append(sub.id)
                unmet = {fix.id: self._unmet_after_fix(fix) for fix in repairable}
                deploys = [fix for fix in repairable if not unmet[fix.id]]
                if deploys:
                    self.projection[key] = ("effective", f"repair of {deploys[0].id}")
                    self._remediated_by_fix(key, deploys[0])
                    dest = deploys[0].destination_id or self._check_destination(key, deploys[0].id)
                    if dest:
                        self.exports_after[key] = dest
                else:  # deployed, but its remediation would be refused: not projected effective
                    first = repairable[0].id
                    self.projection[key] = (state, f"repair of {first}: its identity would still lack "
                                                   + "; ".join(unmet[first]))
            elif any(r.reason in FIXABLE for r in rows):
                targets.add(key)  # impaired by something only a new assignment can fix
            else:
                review_only.add(key)
                self.projection[key] = ("impaired", "excluded or exempted: listed for review")
        self._plan_new_assignments(targets, review_only)
        self._plan_fixes(fixes, fixed_subs)
        self._plan_reviews(considered, fixes)

    def _check_destination(self, sub_key: str, assignment_id: str) -> str | None:
        """The destination the enforcement analysis read from an assignment, for one subscription."""
        for check in self.ctx.enforcement[sub_key].checks:
            if arm.same_id(check.assignment_id, assignment_id):
                dest_id = check.destination.get("id")
                return dest_id if isinstance(dest_id, str) and dest_id else None
        return None

    def _fix_destination(self, fix: AssignmentFix, sub_key: str) -> None:
        """Where the assignment sends, from the enforcement analysis, for the linked-access grant."""
        for check in self.ctx.enforcement[sub_key].checks:
            if not arm.same_id(check.assignment_id, fix.id):
                continue
            dest = check.destination
            kind, dest_id = dest.get("kind"), dest.get("id")
            if kind in (defs.LOG_ANALYTICS, defs.STORAGE, defs.EVENT_HUB) and isinstance(dest_id, str) \
                    and arm.subscription_id_of(dest_id):
                needs = permissions.export_identity_needs(kind)
                # The definition's own destination role, else the least built-in role passing the check.
                role = permissions.destination_role(fix.required_roles, kind) or permissions.least_roles(
                    (n.action for n in needs if n.where == permissions.DESTINATION),
                    permissions.DESTINATION_CANDIDATES, earliest=True)[0].guid
                fix.destination_kind, fix.destination_id, fix.destination_role = kind, dest_id, role
                held = roles_held_at(self.ctx, fix.assignment, dest_id)
                fix.destination_held = not permissions.missing(held, needs, permissions.DESTINATION)
                self._complete_scope_roles(fix, needs)
                return

    def _complete_scope_roles(self, fix: AssignmentFix, needs: list[permissions.Need]) -> None:
        """Roles the definition lists may not run its deployment (e.g. Monitoring Contributor and Azure
        Event Hubs Data Owner lack Microsoft.Resources/deployments/* in older definitions): add the
        least built-in roles that hold what is still missing at the scope."""
        if not fix.add_identity and not fix.principal_id:
            return
        have = set(fix.missing_roles) | (set() if fix.add_identity else held_roles(self.ctx, fix.assignment))
        unmet = permissions.missing(have, needs, permissions.SCOPE, earliest=True)
        if unmet:
            extra = [r.guid for r in permissions.least_roles((n.action for n in unmet), permissions.IDENTITY_CANDIDATES,
                                                             earliest=True) if r.guid not in have]
            fix.missing_roles = [*fix.missing_roles, *extra]

    def _remediated_by_fix(self, sub_key: str, fix: AssignmentFix) -> None:
        if not fix.destination_kind or not fix.destination_id:
            return
        target = self.ctx.snapshot.get(assigned_definition_id(fix.assignment))
        values = assigned_parameters(fix.assignment)
        name = None
        if target is not None and arm.kind_of(target) != arm.POLICY_SET_DEFINITION:
            name = deployed_setting_name(target, values)
        self.remediated[sub_key] = (fix.destination_kind, fix.destination_id, name)

    def _unmet_after_fix(self, fix: AssignmentFix) -> list[str]:
        """What the repaired identity would still lack for its remediation deployments (permission model)."""
        scope_roles = set(fix.missing_roles) | (set() if fix.add_identity else held_roles(self.ctx, fix.assignment))
        if not fix.destination_kind or not fix.destination_id:
            return ["linked access on an export destination the audit could not resolve"]
        needs = permissions.export_identity_needs(fix.destination_kind)
        dest_roles = set() if fix.add_identity else roles_held_at(self.ctx, fix.assignment, fix.destination_id)
        if arm.norm_id(fix.scope) in covering_scopes(self.ctx, fix.destination_id):
            dest_roles |= scope_roles
        if fix.grants_destination and fix.destination_role:
            dest_roles.add(fix.destination_role)
        unmet = permissions.identity_roles_suffice(scope_roles, dest_roles, needs, earliest=False)
        return [f"{n.action} ({'on the destination' if n.where == permissions.DESTINATION else 'at the scope'})"
                for n in unmet]

    def _group_ok(self, group_key: str, targets: set[str], review_only: set[str]) -> bool:
        """Every subscription below is a target, excluded/exempted (kept out) or unknown."""
        subs = list(self.h.descendants(group_key))
        has_target = False
        for s in subs:
            k = arm.norm_id(s.id)
            if k in targets:
                has_target = True
            elif k in review_only or self.ctx.enforcement[k].state == "unknown":
                continue
            else:
                return False
        return has_target

    def _plan_new_assignments(self, targets: set[str], review_only: set[str]) -> None:
        if not targets:
            return
        scopes: dict[str, list[str]] = {}  # scope key -> target sub keys
        qualifies: dict[str, bool] = {}
        for key in sorted(targets):
            sub = self.h.subscriptions[key]
            chosen = key
            for gid in sub.path:  # root first: the highest qualifying group wins
                g = arm.norm_id(gid)
                if g not in qualifies:
                    qualifies[g] = self._group_ok(g, targets, review_only)
                if qualifies[g]:
                    chosen = g
                    break
            scopes.setdefault(chosen, []).append(key)
        if self.destination.kind != defs.LOG_ANALYTICS:
            root = self.h.groups[self.h.root].id if self.h.root else ""
            self.actions.append(Action(
                model.POLICY_DEFINITION, root, [], f"Create the custom export policy definition at {root}",
                {"definition": defs.export_definition(self.destination.kind)},
                slug=f"definition-{defs.export_definition_name(self.destination.kind)}",
            ))
        definition_id = _definition_id(self.ctx, self.destination)
        roles_needed = defs.export_role_guids(self.destination.kind)
        for scope_key in sorted(scopes, key=lambda k: (not k.startswith("/providers"), k)):
            if scope_key in self.h.groups:
                scope = self.h.groups[scope_key].id
                below = [arm.norm_id(s.id) for s in self.h.descendants(scope_key)]
                name_part = self.h.groups[scope_key].name
            else:
                scope = self.h.subscriptions[scope_key].id
                below = [scope_key]
                name_part = self.h.subscriptions[scope_key].guid
            not_scopes = sorted((self.h.subscriptions[k].id for k in below if k in review_only), key=str.lower)
            name = ("auditor-export-" + stable_guid(scope, definition_id).replace("-", ""))[:24]
            assignment_id = f"{scope}/providers/Microsoft.Authorization/policyAssignments/{name}"
            subs = sorted((self.h.subscriptions[k].id for k in scopes[scope_key]), key=str.lower)
            covered_unknown = [self.h.subscriptions[k].id for k in below
                               if self.ctx.enforcement[k].state == "unknown"]
            detail = {
                "assignmentName": name,
                "assignmentId": assignment_id,
                "definitionId": definition_id,
                "destination": self.destination,
                "parameters": self._assignment_parameters(),
                "notScopes": not_scopes,
                "roles": roles_needed,
                "destinationRole": permissions.destination_role(roles_needed, self.destination.kind),
                "location": self.destination.location,
                "alsoCovers": sorted(covered_unknown, key=str.lower),
            }
            self.actions.append(Action(
                model.ASSIGN_EXPORT_POLICY, scope, subs,
                f"Assign the activity-log export policy at {scope} with a managed identity and its roles",
                detail, slug=f"assign-export-{_slug(name_part)}",
            ))
            self.actions.append(Action(
                model.REMEDIATION_TASK, scope, subs,
                f"Remediate existing subscriptions under {scope}",
                {"assignmentId": assignment_id, "referenceId": None,
                 "name": stable_guid("remediation", assignment_id)},
                slug=f"remediate-{_slug(name_part)}",
            ))
            definition = (self.ctx.snapshot.get(definition_id) if self.destination.kind == defs.LOG_ANALYTICS
                          else defs.export_definition(self.destination.kind))
            setting_name = deployed_setting_name(definition, self._assignment_parameters())
            for k in scopes[scope_key]:
                self.projection[k] = ("effective", f"new assignment {assignment_id}")
                self.exports_after[k] = self.destination.id
                if not self.destination.placeholder:
                    self.remediated[k] = (self.destination.kind, self.destination.id, setting_name)

    def _assignment_parameters(self) -> dict[str, Any]:
        d = self.destination
        params: dict[str, Any] = {defs.export_destination_parameter(d.kind): d.id, "effect": "DeployIfNotExists"}
        if d.kind == defs.EVENT_HUB:
            params["eventHubName"] = d.event_hub_name
        return params

    def _plan_fixes(self, fixes: dict[str, AssignmentFix], fixed_subs: dict[str, list[str]]) -> None:
        for key in sorted(fixed_subs):
            fix = fixes[key]
            subs = sorted(set(fixed_subs[key]), key=str.lower)
            self.actions.append(Action(
                model.FIX_ASSIGNMENT, fix.id, subs,
                f"Repair assignment {fix.id}: " + "; ".join(fix.changes),
                {"fix": fix, "location": str(fix.assignment.get("location") or self.destination.location)},
                slug=f"fix-{_slug(str(fix.assignment.get('name') or arm.last_segment(fix.id)))}",
            ))
            self.actions.append(Action(
                model.REMEDIATION_TASK, fix.scope, subs,
                f"Remediate existing subscriptions for {fix.id}",
                {"assignmentId": fix.id, "referenceId": self._reference_id(fix),
                 "name": stable_guid("remediation", fix.id)},
                slug=f"remediate-{_slug(str(fix.assignment.get('name') or arm.last_segment(fix.id)))}",
            ))

    def _reference_id(self, fix: AssignmentFix) -> str | None:
        target = self.ctx.snapshot.get(assigned_definition_id(fix.assignment))
        if target is None or arm.kind_of(target) != arm.POLICY_SET_DEFINITION:
            return None
        for member in PolicyDoc(target).members:
            d = self.ctx.snapshot.get(member_definition_id(member))
            if d is not None and is_export_definition(self.ctx, d):
                return member_reference_id(member) or None
        return None

    def _plan_reviews(self, considered: dict[str, list[Considered]], fixes: dict[str, AssignmentFix]) -> None:
        by_key: dict[tuple[str, str], list[str]] = defaultdict(list)
        exemptions: dict[str, set[str]] = defaultdict(set)
        for key, rows in considered.items():
            sub = self.h.subscriptions[key]
            for row in rows:
                if row.reason == "excluded":
                    by_key[(model.REVIEW_EXCLUSION, row.assignment_id)].append(sub.id)
                elif row.reason == "exempted":
                    by_key[(model.REVIEW_EXEMPTION, row.assignment_id)].append(sub.id)
                    if row.exemption_id:
                        exemptions[arm.norm_id(row.assignment_id)].add(arm.display_id(row.exemption_id))
        for fix in fixes.values():
            if fix.unfixable:
                subs = [self.h.subscriptions[k].id for k, rows in considered.items()
                        if any(arm.same_id(r.assignment_id, fix.id) for r in rows)]
                by_key[(model.REVIEW_ASSIGNMENT, fix.id)].extend(subs)
        for (kind, scope), subs in sorted(by_key.items(), key=lambda kv: (kv[0][0], arm.norm_id(kv[0][1]))):
            unique = sorted(set(subs), key=str.lower)
            if kind == model.REVIEW_EXCLUSION:
                title = f"Review the notScopes of {scope}: the listed subscriptions are kept out of enforcement"
            detail: dict[str, Any] = {}
            if kind == model.REVIEW_EXEMPTION:
                detail["exemptions"] = sorted(exemptions[arm.norm_id(scope)], key=str.lower)
                title = (f"Review {len(detail['exemptions']) or len(unique)} exemption(s) from {scope}: the listed "
                         "subscriptions are exempted from export enforcement")
            elif kind != model.REVIEW_EXCLUSION:
                title = f"Review {scope} by hand: " + "; ".join(fixes[arm.norm_id(scope)].unfixable)
            self.actions.append(Action(kind, arm.display_id(scope), unique, title, detail, slug="review"))

    def plan_noncompliant(self) -> None:
        """ALA-POL-005: an effective assignment reports subscriptions NonCompliant; DeployIfNotExists
        only acts on new or changed subscriptions, so the existing ones need a remediation task."""
        by_assignment: dict[tuple[str, str | None], list[str]] = defaultdict(list)
        names: dict[tuple[str, str | None], str] = {}
        for sub_id, assignments in noncompliant(self.findings):
            key = arm.norm_id(sub_id)
            for a in assignments:
                ref = a.get("policyDefinitionReferenceId")
                k = (arm.norm_id(str(a.get("assignment"))), str(ref) if ref else None)
                names[k] = arm.display_id(str(a.get("assignment")))
                by_assignment[k].append(self.h.subscriptions[key].id)
            found = self._complete_destination(key)
            if found:
                self.exports_after[key] = found[1]
                self.remediated.setdefault(key, (*found, None))  # for conflicting sinks
        for k in sorted(by_assignment, key=lambda k: (k[0], k[1] or "")):
            assignment_id = names[k]
            scope = arm.scope_of_extension(assignment_id) or assignment_id
            subs = sorted(set(by_assignment[k]), key=str.lower)
            self._grant_task_destination(assignment_id, [arm.norm_id(s) for s in subs])
            self.actions.append(Action(
                model.REMEDIATION_TASK, arm.display_id(scope), subs,
                f"Remediate {len(subs)} subscription(s) the effective assignment {assignment_id} reports NonCompliant",
                {"assignmentId": assignment_id, "referenceId": k[1],
                 "name": stable_guid("remediation", assignment_id, k[1] or "")},
                slug=f"remediate-{_slug(arm.last_segment(assignment_id))}",
            ))

    def _grant_task_destination(self, assignment_id: str, sub_keys: list[str]) -> None:
        """The task's deployments run as the assignment's identity and write a diagnostic setting that
        sends to the destination: Azure's linked access check needs the role on the destination itself
        (a central workspace usually lies outside the assignment's scope). Grant it when missing."""
        doc = self.ctx.snapshot.get(assignment_id)
        if doc is None or any(a.kind == model.FIX_ASSIGNMENT and arm.same_id(a.scope, assignment_id)
                              for a in self.actions):
            return
        fix = plan_fix(self.ctx.snapshot, doc, lambda d: is_export_definition(self.ctx, d), held_roles(self.ctx, doc))
        for key in sub_keys:
            self._fix_destination(fix, key)
            if fix.destination_id:
                break
        if not fix.grants_destination or fix.unfixable or not fix.principal_id:
            return
        subs = sorted((self.h.subscriptions[k].id for k in sub_keys if k in self.h.subscriptions), key=str.lower)
        self.actions.append(Action(
            model.FIX_ASSIGNMENT, fix.id, subs,
            f"Grant the identity of {fix.id} " + "; ".join(fix.changes) + " (its remediation task writes there)",
            {"fix": fix, "location": str(fix.assignment.get("location") or self.destination.location)},
            slug=f"grant-{_slug(str(fix.assignment.get('name') or arm.last_segment(fix.id)))}",
        ))

    def _complete_destination(self, key: str) -> tuple[str, str] | None:
        """(kind, id) of where the effective assignment's remediation exports every required
        category, if known."""
        required = set(self.ctx.config.required_categories)
        for check in self.ctx.enforcement[key].checks:
            cats = check.categories
            kind, dest = check.destination.get("kind"), check.destination.get("id")
            if check.effective and isinstance(cats, list) and required <= set(cats) and isinstance(dest, str) \
                    and isinstance(kind, str):
                return kind, dest
        return None

    def plan_partial_exports(self) -> None:
        """Subscriptions whose enforcement is effective but whose export is partial: the existence
        condition counts them compliant, so no remediation task will ever complete them. Where a
        setting already sends some categories to the effective assignment's destination, it is updated
        to send every category (as for conflicting sinks); otherwise they are listed for review."""
        review: dict[str, list[str]] = defaultdict(list)
        for key, sub in sorted(self.h.subscriptions.items()):
            if (self.ctx.exports[key].state != "partial" or self.ctx.enforcement[key].state != "effective"
                    or key in self.remediated):
                continue
            found = self._complete_destination(key)
            if found and sinks.conflicts(self.ctx.azure, key, found[0], found[1], ()):
                self.remediated[key] = (*found, None)
                self.exports_after[key] = found[1]
                continue
            review[self._partial_reason(key, found)].append(sub.id)
        for reason, subs in sorted(review.items()):
            self.actions.append(Action(model.REVIEW_PARTIAL_EXPORT, self._tenant_scope(), sorted(subs, key=str.lower),
                                       reason, slug="review"))

    def _partial_reason(self, key: str, found: tuple[str, str] | None) -> str:
        required = set(self.ctx.config.required_categories)
        narrow = sorted({arm.display_id(c.assignment_id) for c in self.ctx.enforcement[key].checks
                         if c.effective and isinstance(c.categories, list) and not required <= set(c.categories)})
        if narrow and not found:
            return (f"Review {', '.join(narrow)}: its definition deploys only some of the required categories and "
                    "counts that compliant, so no remediation task completes the export; widen the definition or "
                    "assign one that deploys every category")
        return ("Review the partial export: enforcement is effective, so no remediation task completes it, and no "
                "existing setting sends part of it to the assignment's destination to update")

    def plan_sink_updates(self) -> None:
        """Existing settings that already use a remediation's destination for some categories: the
        policy's own setting would be refused there, so the existing one is updated instead -- ONE
        action per destination, the settings as data (:mod:`auditor.remediate.sink_batch`)."""
        by_dest: dict[tuple[str, str], list[sinks.SinkConflict]] = defaultdict(list)
        for key in sorted(self.remediated):
            kind, dest_id, name = self.remediated[key]
            by_dest[(kind, arm.display_id(dest_id))] += sinks.conflicts(self.ctx.azure, key, kind, dest_id,
                                                                        (name,) if name else ())
        for (kind, dest_id), found in sorted(by_dest.items(), key=lambda kv: arm.norm_id(kv[0][1])):
            if not found:
                continue
            subs = sorted({c.subscription_id for c in found}, key=str.lower)
            self.actions.append(Action(
                model.UPDATE_SINK, self._tenant_scope(), subs,
                f"Update {len(found)} existing diagnostic setting(s) in {len(subs)} subscription(s) to send every "
                f"category to {arm.last_segment(dest_id)} (they already use that destination for some categories, "
                "so a second setting there would be refused)",
                {"conflicts": found, "location": self.destination.location, "batches": sink_batch.batches(len(found)),
                 "destination": Destination(kind, dest_id, False, self.destination.location)},
                slug=f"update-sinks-{_slug(arm.last_segment(dest_id))}",
            ))

    # ------------------------------------------------------------------ findings-driven actions
    def _tenant_scope(self) -> str:
        """Where tenant-wide actions deploy: the root group (else the first group there is)."""
        if self.h.root:
            return self.h.groups[self.h.root].id
        return self.h.ordered_groups()[0].id if self.h.groups else "/"

    def plan_group_exports(self) -> None:
        groups = group_export_gaps(self.findings, self.h)
        if not groups:
            return
        self.actions.append(Action(
            model.MANAGEMENT_GROUP_EXPORT, self._tenant_scope(), [],
            f"Export the activity log (Administrative, Policy) of {len(groups)} management group(s)",
            {"destination": self.destination, "settingName": "auditor-mg-activity-log",
             "groups": [g.name for g in groups], "groupIds": [g.id for g in groups]},
            slug="mg-exports",
        ))

    def plan_alerts(self) -> None:
        value = f"{PLACEHOLDER_PREFIX} action group resource id>"
        planner = AlertPlanner(self.ctx, self.findings, self.destination, self.exports_after, value)
        planner.plan()
        self.alerts = planner.projection
        if planner.actions:
            self.placeholders.append(f"alerts notify an action group you must name ({value})")
        self.actions.extend(planner.actions)

    def plan_log_profiles(self) -> None:
        found = log_profiles(self.findings)
        if not found:
            return
        pairs = [(sub_id, p) for sub_id, profiles in found for p in profiles]
        self.actions.append(Action(
            model.REMOVE_LOG_PROFILE, self._tenant_scope(), [sub_id for sub_id, _ in found],
            f"Delete {len(pairs)} legacy log profile(s) in {len(found)} subscription(s)",
            {"profiles": pairs, "seen": {p: _profile_seen(self.ctx.snapshot.get(p)) for _, p in pairs}},
            slug="remove-log-profiles",
        ))

    # ------------------------------------------------------------------ result
    def finish(self) -> Plan:
        order = {k: i for i, k in enumerate(model.KIND_ORDER)}
        self.actions.sort(key=lambda a: (order[a.kind], arm.norm_id(a.scope)))
        step = 0
        for a in self.actions:
            if a.kind in model.REVIEW_KINDS:
                continue
            step += 1
            a.step = step
        projections = []
        for sub in self.h.ordered_subscriptions():
            key = arm.norm_id(sub.id)
            now = self.ctx.enforcement[key].state
            projected, why = self.projection.get(key, (now, ""))
            export = self.ctx.exports[key].state
            export_after = "complete" if key in self.exports_after and export != "unknown" else export
            alerts = self.alerts.get(key, AlertProjection("", ""))
            projections.append(Projection(
                sub.id, now, projected, why, verdict(export, now), verdict(export_after, projected),
                alerts.now, alerts.projected, alerts.by,
            ))
        root = self.h.groups[self.h.root].id if self.h.root else ""
        return Plan(self.actions, projections, self.destination, root, list(self.placeholders))


def build_plan(ctx: RemediationInputs, findings: Findings) -> Plan:
    """The remediation plan for an audit (pure: reads the context and the findings document the audit
    wrote from it, writes nothing). Rule verdicts and waivers come from ``findings``, never re-judged."""
    p = _Planner(ctx, findings)
    p.plan_enforcement()
    p.plan_noncompliant()
    p.plan_partial_exports()
    p.plan_sink_updates()
    p.plan_group_exports()
    p.plan_alerts()
    p.plan_log_profiles()
    plan = p.finish()
    plan.delivery = delivery_advice(findings)
    return plan
