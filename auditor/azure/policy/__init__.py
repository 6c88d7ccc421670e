"""Azure Policy understanding: which definitions keep subscriptions exporting their activity log.

Stable API (used by the enforcement analysis, the remediation engine and ``policy classify``):

* :func:`classify_definition` / :func:`classify_files` -> :class:`Classification`
  (``.as_dict()`` is the JSON object of docs/policy.md);
* :class:`PolicyDoc` (one definition or set, any storage shape) and :class:`DefinitionIndex`
  (finds definitions by id; includes the built-ins shipped in ``auditor/data/builtin_policies``);
* :func:`is_export_policy`, :func:`export_shape` (a definition judged under parameter values:
  effect, categories, destination kind and ids, roleDefinitionIds), :func:`effect_with`;
* :func:`member_values` (what a set passes to a member) and :func:`export_targets` (every
  export-policy definition an assignment applies, judged under the values in force).
"""

from auditor.azure.policy.classification import Classification, MemberExport, classify_definition, classify_files
from auditor.azure.policy.definitions import (
    DEPLOY_IF_NOT_EXISTS,
    DefinitionIndex,
    NotAPolicyDocument,
    PolicyDoc,
    builtin_documents,
    canonical_effect,
    member_definition_id,
    member_reference_id,
    parameter_values,
)
from auditor.azure.policy.export_policy import (
    PARAMETERISED,
    ExportShape,
    classify_bare,
    effect_parameter,
    effect_with,
    export_shape,
    is_export_policy,
)
from auditor.azure.policy.expressions import parameter_reference
from auditor.azure.policy.flows import AssignedPolicy, ExportTarget, export_targets, member_values

__all__ = [
    "DEPLOY_IF_NOT_EXISTS",
    "PARAMETERISED",
    "AssignedPolicy",
    "Classification",
    "DefinitionIndex",
    "ExportShape",
    "ExportTarget",
    "MemberExport",
    "NotAPolicyDocument",
    "PolicyDoc",
    "builtin_documents",
    "canonical_effect",
    "classify_bare",
    "classify_definition",
    "classify_files",
    "effect_parameter",
    "effect_with",
    "export_shape",
    "export_targets",
    "is_export_policy",
    "member_definition_id",
    "member_reference_id",
    "member_values",
    "parameter_reference",
    "parameter_values",
]
