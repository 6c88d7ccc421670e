"""Live, read-only collection of an Azure tenant into a snapshot (docs/cli.md, docs/snapshot-format.md).

Public API::

    from auditor.collect import CollectOptions, run_collection
    result = run_collection(CollectOptions(output="snapshot.json.gz"))
    result.incomplete, result.calls, result.retries, result.errors, result.snapshot
"""

from auditor.collect.collector import CollectResult, run_collection
from auditor.collect.options import CLOUDS, DEFAULT_CONCURRENCY, CollectOptions

__all__ = ["CLOUDS", "DEFAULT_CONCURRENCY", "CollectOptions", "CollectResult", "run_collection"]
