"""Garbage-collector settings for one command run: a batch job, not a long-lived service.

A 10,000-subscription audit holds millions of small objects (the snapshot, the findings, the
report model) for the whole run, and almost none of them form reference cycles. With the
interpreter's defaults, the cyclic collector runs a generation-0 pass every 700 allocations and
now and then walks the whole heap: measured on that tenant, 5 of the 29 seconds of an audit
went to collections that freed next to nothing (bench/bench_gc.py shows it). So a command runs
with a larger allocation threshold, and the data that lives until the end of the run (the
loaded snapshot, then the findings) is frozen: moved out of the collector's sight, as CPython's
documentation suggests for data that is kept. Reference counting still frees everything
acyclic at once; cycles are still collected, only less often.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

BATCH_THRESHOLDS = (50_000, 20, 10)  # generation 0 every 50,000 net allocations (default 700)


@contextmanager
def batch_run() -> Iterator[None]:
    """The collector tuned for one command; restored (and everything unfrozen) afterwards, so a
    program that calls the CLI in-process (the tests, a notebook) keeps its own settings."""
    before = gc.get_threshold()
    gc.set_threshold(*BATCH_THRESHOLDS)
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def keep_until_exit() -> None:
    """Everything allocated so far lives until the command ends: stop scanning it for cycles.
    (Cyclic garbage frozen with it, if any, is freed by the collection after ``batch_run``.)"""
    gc.freeze()
