"""Compliance frameworks as data (docs/frameworks.md): the catalogue and rule-to-control references."""

from auditor.frameworks.catalogue import (
    Control,
    Framework,
    all_frameworks,
    control_for,
    framework_by_id,
    label,
    parse_framework_ids,
)
from auditor.frameworks.refs import ControlRef

__all__ = ["Control", "ControlRef", "Framework", "all_frameworks", "control_for", "framework_by_id", "label",
           "parse_framework_ids"]
