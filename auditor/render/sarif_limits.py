"""GitHub code scanning's documented limits on an uploaded SARIF file, and a check against them.

Source (hard limits: over them the upload is rejected):
https://docs.github.com/en/code-security/code-scanning/troubleshooting-sarif-uploads/results-exceed-limit
(runs per file 20, results per run 25,000, rules per run 25,000, tool extensions per run 100,
thread flow locations per result 10,000, locations per result 1,000, tags per rule 20) and
https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning
("For each gzip-compressed SARIF file, SARIF upload supports a maximum size of 10 MB").
Display limits (accepted, partly shown): 5,000 results per run, 100 locations per result, 10 tags.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

MAX_GZIP_BYTES = 10 * 1024 * 1024
MAX_RUNS = 20
MAX_RESULTS_PER_RUN = 25_000
MAX_RULES_PER_RUN = 25_000
MAX_EXTENSIONS_PER_RUN = 100
MAX_LOCATIONS_PER_RESULT = 1_000
MAX_TAGS_PER_RULE = 20
MAX_THREAD_FLOW_LOCATIONS_PER_RESULT = 10_000
SHOWN_RESULTS_PER_RUN = 5_000


def gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def violations(doc: dict[str, Any], gzip_bytes: int | None = None) -> list[str]:
    """Every hard limit the document breaks, one line each (empty: GitHub accepts it)."""
    problems: list[str] = []
    if gzip_bytes is None:
        gzip_bytes = gzip_size(json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    if gzip_bytes > MAX_GZIP_BYTES:
        problems.append(f"gzip size {gzip_bytes:,} bytes > {MAX_GZIP_BYTES:,}")
    runs = doc.get("runs", [])
    if len(runs) > MAX_RUNS:
        problems.append(f"{len(runs)} runs > {MAX_RUNS}")
    for i, run in enumerate(runs):
        results = run.get("results", [])
        if len(results) > MAX_RESULTS_PER_RUN:
            problems.append(f"run {i}: {len(results):,} results > {MAX_RESULTS_PER_RUN:,}")
        driver = run.get("tool", {}).get("driver", {})
        rules = driver.get("rules", [])
        if len(rules) > MAX_RULES_PER_RUN:
            problems.append(f"run {i}: {len(rules):,} rules > {MAX_RULES_PER_RUN:,}")
        if len(run.get("tool", {}).get("extensions", [])) > MAX_EXTENSIONS_PER_RUN:
            problems.append(f"run {i}: more than {MAX_EXTENSIONS_PER_RUN} tool extensions")
        for rule in rules:
            tags = rule.get("properties", {}).get("tags", [])
            if len(tags) > MAX_TAGS_PER_RULE:
                problems.append(f"run {i}: rule {rule.get('id')}: {len(tags)} tags > {MAX_TAGS_PER_RULE}")
        for j, result in enumerate(results):
            if len(result.get("locations", [])) > MAX_LOCATIONS_PER_RESULT:
                problems.append(f"run {i} result {j}: more than {MAX_LOCATIONS_PER_RESULT} locations")
            flows = sum(len(t.get("locations", [])) for c in result.get("codeFlows", [])
                        for t in c.get("threadFlows", []))
            if flows > MAX_THREAD_FLOW_LOCATIONS_PER_RESULT:
                problems.append(f"run {i} result {j}: {flows} thread flow locations")
    return problems
