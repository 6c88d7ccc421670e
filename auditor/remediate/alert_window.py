"""When the planned alert rules run and how far back they look.

The activity log reaches Log Analytics 3 to 20 minutes after the event (Azure Monitor, "Log data
ingestion time": https://learn.microsoft.com/azure/azure-monitor/logs/data-ingestion-time). A rule
that looks back 5 minutes every 5 minutes never sees an event that lands later than that: its
``TimeGenerated`` is already outside every later window. Microsoft's guidance for scheduled rules
("Handle ingestion delay in scheduled analytics rules":
https://learn.microsoft.com/azure/sentinel/ingestion-delay) is to widen the ``TimeGenerated``
window by the delay and keep only rows *ingested* since the previous run, so that a late event is
seen once and an early one is not seen twice.
"""

from __future__ import annotations

FREQUENCY = "PT5M"  # how often the rule runs
LOOKBACK = "PT30M"  # TimeGenerated window: one run plus the 20-minute worst case, with margin
INGESTED_SINCE_LAST_RUN = "| where ingestion_time() > ago(5m)"  # one run: each row is seen once

# The rows that record a change that happened (Microsoft's AzureActivity analytics templates filter
# on the outcome, e.g. Azure-Sentinel "Solutions/Azure Activity/Analytic Rules/New-CloudShell-User.yaml":
# ``ActivityStatusValue == "Success"``); a single change also writes Start / Accepted rows.
SUCCEEDED = '| where ActivityStatusValue in~ ("Success", "Succeeded")'
