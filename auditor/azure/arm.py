"""ARM identifier helpers.

Real ARM payloads are inconsistent: ids come with or without a leading slash, provider
namespaces and types in any casing (``microsoft.insights`` vs ``Microsoft.Insights``), and
some documents (diagnostic settings, log profiles) carry an empty or null ``type``. Every
comparison in the product goes through these helpers so that such variations never decide
an audit result.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MG_PREFIX = "/providers/microsoft.management/managementgroups/"

_GUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)

# Canonical (lower-case) resource kinds used throughout the analysis.
MANAGEMENT_GROUP = "microsoft.management/managementgroups"
SUBSCRIPTION = "microsoft.resources/subscriptions"
DIAGNOSTIC_SETTING = "microsoft.insights/diagnosticsettings"
LOG_PROFILE = "microsoft.insights/logprofiles"
POLICY_ASSIGNMENT = "microsoft.authorization/policyassignments"
POLICY_DEFINITION = "microsoft.authorization/policydefinitions"
POLICY_SET_DEFINITION = "microsoft.authorization/policysetdefinitions"
POLICY_EXEMPTION = "microsoft.authorization/policyexemptions"
ROLE_ASSIGNMENT = "microsoft.authorization/roleassignments"
ACTIVITY_LOG_ALERT = "microsoft.insights/activitylogalerts"
SCHEDULED_QUERY_RULE = "microsoft.insights/scheduledqueryrules"
ACTION_GROUP = "microsoft.insights/actiongroups"
WORKSPACE = "microsoft.operationalinsights/workspaces"
STORAGE_ACCOUNT = "microsoft.storage/storageaccounts"
EVENTHUB_NAMESPACE = "microsoft.eventhub/namespaces"
EVENTHUB_AUTH_RULE = "microsoft.eventhub/namespaces/authorizationrules"
EVENTHUB_HUB_AUTH_RULE = "microsoft.eventhub/namespaces/eventhubs/authorizationrules"
# Read only with ``collect --verify-delivery`` (delivery, threat detection, category yield).
DEFENDER_PRICING = "microsoft.security/pricings"
AUTOSCALE_SETTING = "microsoft.insights/autoscalesettings"
METRIC_ALERT = "microsoft.insights/metricalerts"


def norm_id(arm_id: str | None) -> str:
    """Canonical form of an ARM id for comparison: leading slash, no trailing slash, lower case.

    A value that is not a string (a malformed payload's null, list or number) is no id: "".
    """
    if not arm_id or not isinstance(arm_id, str):
        return ""
    s = arm_id.strip()
    if not s.startswith("/"):
        s = "/" + s
    return s.rstrip("/").lower()


def display_id(arm_id: str | None) -> str:
    """An id as shown to users: leading slash added, casing kept as the API returned it."""
    if not arm_id or not isinstance(arm_id, str):
        return ""
    s = arm_id.strip().rstrip("/")
    return s if s.startswith("/") else "/" + s


def same_id(a: str | None, b: str | None) -> bool:
    return norm_id(a) == norm_id(b)


def last_segment(arm_id: str | None) -> str:
    return display_id(arm_id).rsplit("/", 1)[-1]


def guid_in(value: str | None) -> str | None:
    """The last GUID in a string (role definition ids carry their GUID last), lower case."""
    if not value or not isinstance(value, str):
        return None
    found = _GUID_RE.findall(value)
    return found[-1].lower() if found else None


def subscription_id_of(arm_id: str | None) -> str | None:
    """The subscription GUID an id lies in (lower case), or None for tenant/MG-level ids."""
    parts = norm_id(arm_id).split("/")
    if len(parts) >= 3 and parts[1] == "subscriptions" and parts[2]:
        return parts[2]
    return None


def subscription_scope(sub_guid: str) -> str:
    return f"/subscriptions/{sub_guid.lower()}"


def management_group_name_of(arm_id: str | None) -> str | None:
    """The management group name an id lies in (lower case), or None."""
    n = norm_id(arm_id)
    if n.startswith(MG_PREFIX):
        return n[len(MG_PREFIX):].split("/", 1)[0]
    return None


def management_group_id(name: str) -> str:
    return f"/providers/Microsoft.Management/managementGroups/{name}"


def scope_of_extension(arm_id: str | None) -> str:
    """For an extension resource id (``<scope>/providers/<ns>/<type>/<name>``), its scope.

    ``/subscriptions/s/providers/Microsoft.Insights/diagnosticSettings/x`` -> ``/subscriptions/s``.
    """
    s = display_id(arm_id)
    idx = s.lower().rfind("/providers/")
    return s[:idx] if idx > 0 else ""


def kind_from_id(arm_id: str | None) -> str:
    """Resource kind derived from the id's last provider segment (for docs with a null type)."""
    n = norm_id(arm_id)
    if not n:
        return ""
    parts = n.split("/")
    if len(parts) == 3 and parts[1] == "subscriptions":
        return SUBSCRIPTION
    idx = n.rfind("/providers/")
    if idx < 0:
        return ""
    tail = n[idx + len("/providers/"):].split("/")
    if len(tail) < 3:
        return ""
    namespace = tail[0]
    # tail: ns, type, name, [subtype, name]...
    types = [tail[i] for i in range(1, len(tail), 2)]
    if namespace == "azureresourcemanager" and types and types[0] == "diagnosticsettings":
        # The official examples use this namespace for subscription diagnostic settings.
        namespace = "microsoft.insights"
    return namespace + "/" + "/".join(types)


def kind_of(doc: dict[str, Any]) -> str:
    """Canonical kind of an ARM document: from ``type`` when it reads as one, else from the id.

    A ``type`` without a namespace (``"x"``, ``"0"``) is no type. An id that can only name a
    subscription or a management group decides over any ``type``: such documents place
    subscriptions in the audit, and a garbled ``type`` must not drop one silently.
    """
    from_id = kind_from_id(doc.get("id"))
    if from_id in (SUBSCRIPTION, MANAGEMENT_GROUP) and _is_container_id(doc.get("id")):
        return from_id
    t = doc.get("type")
    if isinstance(t, str) and "/" in t.strip("/ ") and t.strip() != "/subscriptions":
        k = t.strip().lstrip("/").lower()
        if k == "microsoft.insights/diagnosticsettings" or k.endswith("/diagnosticsettings"):
            return DIAGNOSTIC_SETTING
        return k
    if isinstance(t, str) and t.strip() == "/subscriptions":
        return SUBSCRIPTION
    return from_id


def _is_container_id(arm_id: Any) -> bool:
    """``/subscriptions/<x>`` or ``/providers/Microsoft.Management/managementGroups/<x>``, nothing below."""
    parts = norm_id(arm_id).split("/")
    return (len(parts) == 3 and parts[1] == "subscriptions") or (
        len(parts) == 5 and norm_id(arm_id).startswith(MG_PREFIX)
    )


def is_under(scope: str | None, ancestor: str | None) -> bool:
    """True when ``scope`` equals ``ancestor`` or lies below it by id prefix."""
    s, a = norm_id(scope), norm_id(ancestor)
    return bool(a) and (s == a or s.startswith(a + "/"))


def props(doc: dict[str, Any] | None) -> dict[str, Any]:
    """``properties`` of a document, tolerating a missing or null value."""
    if not doc:
        return {}
    p = doc.get("properties")
    return p if isinstance(p, dict) else {}


def ci_get(mapping: Any, key: str, default: Any = None) -> Any:
    """Case-insensitive lookup in a mapping (ARM properties and policy files re-case keys)."""
    if not isinstance(mapping, Mapping):
        return default
    if key in mapping:
        return mapping[key]
    lk = key.lower()
    for k, v in mapping.items():
        if isinstance(k, str) and k.lower() == lk:
            return v
    return default


def as_list(value: Any) -> list[Any]:
    """A payload value expected to be a list; anything else (null, a string, an object) is empty."""
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    """A payload value expected to be an object; anything else is empty."""
    return value if isinstance(value, dict) else {}


def as_bool(value: Any, default: bool) -> bool | None:
    """A boolean flag as ARM sends it, or as a ``"true"``/``"false"`` string.

    ``None`` (absent) gives ``default``; a value that is neither (``0``, ``[]``, ``"x"``) gives
    None, and each caller decides the safe reading of an uninterpretable flag.
    """
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def display_name(doc: dict[str, Any]) -> Any:
    """What a document is called: a top-level ``displayName`` (subscriptions), ``properties.displayName``
    (groups, policy documents), else its ``name``; as written (callers check it is a string)."""
    return doc.get("displayName") or props(doc).get("displayName") or doc.get("name")
