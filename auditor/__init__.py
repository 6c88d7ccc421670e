"""auditor: evidence-based audit of Azure activity-log export coverage and its policy enforcement."""

__version__ = "0.2.0"
