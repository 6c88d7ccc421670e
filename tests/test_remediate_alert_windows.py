"""Issue 18 items 6 and 7: the planned alert rules see every late event once, and alert on what happened.

The activity log reaches Log Analytics 3 to 20 minutes after the event (Azure Monitor, "Log data
ingestion time"). A scheduled rule runs every ``FREQUENCY`` over rows whose ``TimeGenerated`` lies
in the last ``LOOKBACK``, and the query keeps rows *ingested* in the last run interval
(``ingestion_time() > ago(...)``, Microsoft Sentinel's "Handle ingestion delay" guidance). The
simulation below replays runs over events of every delay in that range, with the windows the
renderers take from ``auditor/remediate/alert_window.py``.
"""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

from auditor.remediate import alert_policy, alert_window, sentinel_render

OPERATIONS = ["Microsoft.Authorization/policyAssignments/write", "Microsoft.Network/networkSecurityGroups/delete"]
LATENCY_MINUTES = (3, 20)


def _minutes(iso: str) -> int:
    m = re.fullmatch(r"PT(\d+)M", iso)
    assert m, f"expected a PT<n>M duration, got {iso}"
    return int(m.group(1))


def _ingested_since_minutes(query: str) -> int:
    m = re.search(r"\| where ingestion_time\(\) > ago\((\d+)m\)", query)
    assert m, "the query does not keep only the rows ingested since the previous run"
    return int(m.group(1))


def runs_that_fire(event: Fraction, delay: Fraction, frequency: int, lookback: int, ingested: int | None) -> int:
    """How many runs (at 0, frequency, 2*frequency, ...) return the event: its TimeGenerated within
    (run - lookback, run] and, with an ingestion filter, its ingestion within (run - ingested, run]."""
    arrival = event + delay
    fired = 0
    for k in range(0, 60):
        run = Fraction(k * frequency)
        in_window = run - lookback < event <= run and arrival <= run  # a row is visible once ingested
        if in_window and (ingested is None or run - ingested < arrival):
            fired += 1
    return fired


def _events() -> list[tuple[Fraction, Fraction]]:
    """Events at every quarter minute of an hour, each with every delay from 3 to 20 minutes."""
    lo, hi = LATENCY_MINUTES
    return [(Fraction(60 + q, 4), Fraction(lo) + Fraction(d, 4))
            for q in range(0, 240) for d in range(0, (hi - lo) * 4 + 1)]


def test_every_event_of_the_latency_range_fires_exactly_once() -> None:
    frequency, lookback = _minutes(alert_window.FREQUENCY), _minutes(alert_window.LOOKBACK)
    ingested = _ingested_since_minutes(alert_window.INGESTED_SINCE_LAST_RUN)
    assert ingested == frequency  # one run interval: consecutive runs see disjoint ingestion slices
    counts = {runs_that_fire(t, d, frequency, lookback, ingested) for t, d in _events()}
    assert counts == {1}


@pytest.mark.parametrize(("lookback", "ingested", "wrong"), [
    (5, None, "misses late events"),      # the issue's rule: 5 minutes every 5 minutes
    (30, None, "fires more than once"),   # a wide window alone
])
def test_the_simulation_catches_the_windows_the_issue_describes(lookback: int, ingested: int | None,
                                                                wrong: str) -> None:
    counts = {runs_that_fire(t, d, 5, lookback, ingested) for t, d in _events()}
    assert 0 in counts if wrong == "misses late events" else max(counts) > 1


def test_both_rules_use_the_window() -> None:
    sentinel = sentinel_render.rule_properties(OPERATIONS)
    assert (sentinel["queryFrequency"], sentinel["queryPeriod"]) == (alert_window.FREQUENCY, alert_window.LOOKBACK)
    assert _ingested_since_minutes(sentinel["query"]) == _minutes(alert_window.FREQUENCY)
    central = alert_policy.central_rule_properties("/subscriptions/s/resourceGroups/g/providers/"
                                                   "Microsoft.OperationalInsights/workspaces/w", OPERATIONS, "ag")
    assert (central["evaluationFrequency"], central["windowSize"]) == (alert_window.FREQUENCY, alert_window.LOOKBACK)
    [criterion] = central["criteria"]["allOf"]
    assert _ingested_since_minutes(criterion["query"]) == _minutes(alert_window.FREQUENCY)
    # The window covers one run plus the worst latency.
    assert _minutes(alert_window.LOOKBACK) >= _minutes(alert_window.FREQUENCY) + LATENCY_MINUTES[1]


# ---------------------------------------------------------------- item 7: what happened, grouped
def _stages(query: str) -> list[str]:
    return [s.strip() for s in re.split(r"\n\s*\|", query)]


def _output_columns(query: str) -> set[str]:
    """Columns of the query's result: those of its last summarize (aggregates and by-columns) or project."""
    last = _stages(query)[-1]
    if last.startswith("summarize"):
        aggregates, _, by = last[len("summarize"):].partition(" by ")
        names = {a.split("=")[0].strip() for a in aggregates.split(",")}
        return names | {c.strip() for c in by.split(",")}
    if last.startswith("project"):
        return {c.strip() for c in last[len("project"):].split(",")}
    raise AssertionError(f"the query ends neither in summarize nor project: {last}")


def test_sentinel_rule_keeps_what_happened_and_groups_like_microsofts_templates() -> None:
    """One alert per change, not per row: the Start and Accepted rows a change also writes are
    dropped, and the rest is summarised by subscription, resource, operation, caller and IP (as
    Azure-Sentinel "Solutions/Azure Activity/Analytic Rules/Granting_Permissions_To_Account_detection.yaml"
    summarises StartTimeUtc/EndTimeUtc by ResourceId, CallerIpAddress, Caller, OperationNameValue)."""
    props = sentinel_render.rule_properties(OPERATIONS)
    stages = _stages(props["query"])
    status = [i for i, s in enumerate(stages) if s.startswith("where ActivityStatusValue")]
    summarize = [i for i, s in enumerate(stages) if s.startswith("summarize")]
    assert status and summarize and status[0] < summarize[0]
    assert '"Success"' in stages[status[0]] and '"Start"' not in stages[status[0]]
    columns = _output_columns(props["query"])
    assert {"SubscriptionId", "_ResourceId", "OperationNameValue", "Caller", "CallerIpAddress",
            "StartTime", "EndTime"} <= columns
    # Sentinel refuses entity mappings to columns the query does not return.
    mapped = {m["columnName"] for e in props["entityMappings"] for m in e["fieldMappings"]}
    assert mapped <= columns
    grouping = props["incidentConfiguration"]["groupingConfiguration"]
    assert grouping["enabled"] and grouping["matchingMethod"] == "AllEntities"


def test_central_log_search_rule_keeps_what_happened_and_its_dimensions_exist() -> None:
    central = alert_policy.central_rule_properties("/w", OPERATIONS, "ag")
    [criterion] = central["criteria"]["allOf"]
    assert any(s.startswith("where ActivityStatusValue") and '"Success"' in s for s in _stages(criterion["query"]))
    assert {d["name"] for d in criterion["dimensions"]} <= _output_columns(criterion["query"])
