"""Which ARM read a request is, which operation it counts as, and which scope it reads.

:func:`resolve` maps method + path to a :class:`Route` without touching the snapshot's
documents beyond dictionary lookups; the server then checks recorded errors and throttling
for ``(route.scope, route.operation)`` before calling ``route.handler``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from auditor import operations
from auditor.azure import arm
from auditor.emulator import destination_routes as d
from auditor.emulator import hierarchy_routes as h
from auditor.emulator import policy_routes as p
from auditor.emulator.http import Answer, Call, Ctx, arm_error
from auditor.emulator.store import TENANT, operation_for_kind

Handler = Callable[[Ctx, Call, dict[str, str]], Answer]

RESOURCE_GRAPH = "resourceGraph"  # pseudo-operation of Resource Graph queries

# ARM does not page these lists; the SDK reads one answer, so neither does the emulator.
UNPAGED_KINDS = frozenset({arm.DIAGNOSTIC_SETTING, arm.LOG_PROFILE, arm.ACTION_GROUP, arm.SCHEDULED_QUERY_RULE,
                           arm.DEFENDER_PRICING, arm.METRIC_ALERT})

_MG = r"/providers/microsoft\.management/managementgroups"
_GET_PATTERNS: list[tuple[re.Pattern[str], str, Handler]] = [
    (re.compile(rf"^{_MG}$"), operations.MANAGEMENT_GROUPS, h.mg_list),
    (re.compile(rf"^{_MG}/(?P<group>[^/]+)$"), operations.MANAGEMENT_GROUPS, h.mg_get),
    (re.compile(rf"^{_MG}/(?P<group>[^/]+)/descendants$"), operations.MANAGEMENT_GROUPS, h.mg_descendants),
    (re.compile(rf"^{_MG}/(?P<group>[^/]+)/subscriptions$"), operations.MANAGEMENT_GROUPS, h.mg_subscriptions),
    (re.compile(r"^/providers/microsoft\.management/getentities$"), operations.MANAGEMENT_GROUPS, h.entities),
    (re.compile(r"^/subscriptions$"), operations.SUBSCRIPTIONS, h.subscriptions_list),
    (re.compile(r"^/tenants$"), operations.SUBSCRIPTIONS, h.tenants_list),
    (re.compile(r"^/subscriptions/(?P<subscription>[^/]+)$"), operations.SUBSCRIPTIONS, h.subscription_get),
    (re.compile(r"^(?P<scope>.*)/providers/microsoft\.authorization/policyassignments$"),
     operations.POLICY_ASSIGNMENTS, p.policy_assignments),
    (re.compile(r"^(?P<scope>.*)/providers/microsoft\.authorization/policyexemptions$"),
     operations.POLICY_EXEMPTIONS, p.policy_exemptions),
    (re.compile(r"^(?P<scope>.*)/providers/microsoft\.authorization/roleassignments$"),
     operations.ROLE_ASSIGNMENTS, p.role_assignments),
    (re.compile(r"^(?P<scope>.*)/providers/microsoft\.authorization/(?P<type>policydefinitions)$"),
     operations.POLICY_DEFINITIONS, p.policy_definitions),
    (re.compile(r"^(?P<scope>.*)/providers/microsoft\.authorization/(?P<type>policysetdefinitions)$"),
     operations.POLICY_SET_DEFINITIONS, p.policy_definitions),
    *d.PATTERNS,
]
_POLICY_STATES = re.compile(
    r"^(?P<scope>.*)/providers/microsoft\.policyinsights/policystates/(?:latest|default)/queryresults$")
_CONTAINER_LIST = re.compile(
    r"^(?P<container>/subscriptions/[^/]+(?:/resourcegroups/[^/]+)?)/providers/(?P<ns>[^/]+)/(?P<type>[^/]+)$")
_EXTENSION_LIST = re.compile(
    r"^(?P<scope>.*)/providers/(?:(?P<ns>microsoft\.insights)/(?P<type>diagnosticsettings|logprofiles)"
    r"|(?P<ns2>microsoft\.securityinsights)/(?P<type2>onboardingstates))$")


@dataclass
class Route:
    operation: str  # auditor/operations.py vocabulary
    scope: str  # normalised scope read (tenant: "")
    handler: Handler
    args: dict[str, str] = field(default_factory=dict)
    resource_id: str | None = None  # the id read, for single-document GETs


def _scope_of(path: str) -> str:
    return arm.norm_id(path)


def resolve(ctx: Ctx, method: str, path: str) -> Route | Answer:
    """The route for a read, or an immediate answer (405 for writes, 404 for unknown paths)."""
    npath = "/" + path.strip("/").lower() if path.strip("/") else "/"
    if method == "POST":
        if npath == "/providers/microsoft.resourcegraph/resources":
            return Route(RESOURCE_GRAPH, TENANT, _no_handler)
        if npath == "/providers/microsoft.management/getentities":
            return Route(operations.MANAGEMENT_GROUPS, TENANT, h.entities)
        m = _POLICY_STATES.match(npath)
        if m:
            return Route(operations.POLICY_STATES, _scope_of(m["scope"]), p.policy_states, {"scope": m["scope"]})
        return write_refused(method, path)
    if method != "GET":
        return write_refused(method, path)
    for pattern, operation, handler in _GET_PATTERNS:
        m = pattern.match(npath)
        if m:
            args = m.groupdict()
            scope = _scope_for_args(npath, args)
            return Route(operation, scope, handler, args)
    m = _EXTENSION_LIST.match(npath)
    if m:
        kind = f"{m['ns'] or m['ns2']}/{m['type'] or m['type2']}"
        return Route(operation_for_kind(kind), _scope_of(m["scope"]), _extension_list,
                     {"scope": m["scope"], "kind": kind})
    m = _CONTAINER_LIST.match(npath)
    if m:
        kind = f"{m['ns']}/{m['type']}"
        return Route(operation_for_kind(kind), _scope_of(m["container"]), _container_list,
                     {"container": m["container"], "kind": kind})
    doc = ctx.store.get(npath)
    if doc is not None:
        return Route(operation_for_kind(arm.kind_of(doc)), _scope_of(arm.scope_of_extension(npath)),
                     _document, {"id": npath}, resource_id=npath)
    parent, _, child_type = npath.rpartition("/")
    if parent and (parent in ctx.store.by_id or (parent, child_type) in ctx.store.children):
        kind = arm.kind_from_id(npath + "/x")
        return Route(operation_for_kind(kind), parent, _children_list, {"parent": parent, "type": child_type})
    kind = arm.kind_from_id(npath)
    return Route(operation_for_kind(kind), _scope_of(arm.scope_of_extension(npath)), _not_found,
                 {"id": path}, resource_id=npath)


def _scope_for_args(npath: str, args: dict[str, str]) -> str:
    if "scope" in args:
        return _scope_of(args["scope"])
    if "ws" in args:  # the legacy SecurityInsights(<ws>) solution is read for its workspace
        return _scope_of(f"{args['rg']}/providers/microsoft.operationalinsights/workspaces/{args['ws']}")
    if "group" in args:
        return arm.MG_PREFIX + args["group"]
    if "subscription" in args:
        return arm.subscription_scope(args["subscription"])
    return TENANT


def write_refused(method: str, path: str) -> Answer:
    return arm_error(405, "MethodNotAllowed",
                     f"The emulator is read-only: {method} {path} is refused (no write reaches a snapshot).")


def _no_handler(ctx: Ctx, call: Call, args: dict[str, str]) -> Answer:
    raise RuntimeError("dispatched by the server")


def _document(ctx: Ctx, call: Call, args: dict[str, str]) -> Answer:
    return Answer(200, ctx.store.get(args["id"]))


def _not_found(ctx: Ctx, call: Call, args: dict[str, str]) -> Answer:
    return arm_error(404, "ResourceNotFound", f"The resource '{args['id']}' was not found.")


def _extension_list(ctx: Ctx, call: Call, args: dict[str, str]) -> Answer:
    """Diagnostic settings / log profiles at exactly a scope (subscription, group or resource); unpaged."""
    return ctx.whole(list(ctx.store.kind_at(args["scope"], args["kind"])))


def _container_list(ctx: Ctx, call: Call, args: dict[str, str]) -> Answer:
    """``/subscriptions/{s}[/resourceGroups/{rg}]/providers/{ns}/{type}``: every resource of that type inside."""
    kind, container = args["kind"], args["container"]
    sub = arm.subscription_id_of(container) or ""
    if "/resourcegroups/" in container:
        docs = ctx.cache.get_or_build(
            ("container", kind, container),
            lambda: [d for d in ctx.store.kind_in_subscription(sub, kind) if arm.is_under(d["id"], container)])
    else:
        docs = ctx.store.kind_in_subscription(sub, kind)
    if kind in UNPAGED_KINDS:
        return ctx.whole(list(docs))
    return ctx.page(call, docs)


def _children_list(ctx: Ctx, call: Call, args: dict[str, str]) -> Answer:
    """Nested resources under a parent, e.g. an Event Hub namespace's ``authorizationRules``."""
    return ctx.page(call, ctx.store.children_of(args["parent"], args["type"]))
