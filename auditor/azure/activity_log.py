"""The activity log's categories: a fact of Azure, not configuration.

Azure's activity log has exactly these eight categories, in the order the portal and the
diagnostic-settings API list them (Azure Monitor's "Activity log event schema"). What an audit
*requires* of them is configuration (``required_categories``, auditor/config.py).
"""

from __future__ import annotations

CATEGORIES: tuple[str, ...] = (
    "Administrative",
    "Security",
    "ServiceHealth",
    "Alert",
    "Recommendation",
    "Policy",
    "Autoscale",
    "ResourceHealth",
)
