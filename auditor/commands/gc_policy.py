"""Garbage-collector settings for one command run: a batch job, not a long-lived service.

A 10,000-subscription audit holds millions of small objects (the snapshot, the findings, the
report model) for the whole run, and almost none of them form reference cycles. With the
interpreter's defaults the cyclic collector runs a generation-0 pass every 700 allocations and
now and then walks the whole heap: measured on that tenant with CIS and PCI DSS selected, 6.6 s
of the audit went to collections that freed next to nothing (bench/bench_gc.py shows it). So a
command runs with a larger allocation threshold, and the data that lives until the end of the
run (the loaded snapshot, then the findings) is frozen: moved out of the collector's sight, as
CPython's documentation suggests for data that is kept. Reference counting still frees
everything acyclic at once; cycles are still collected, only less often. (On Python 3.14 the
collector is incremental and reads the thresholds differently; freezing works the same.)
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

BATCH_THRESHOLDS = (50_000, 20, 10)  # generation 0 every 50,000 net allocations (700 by default)

_freezing = [False]  # whether keep_until_exit freezes: only inside batch_run, and only if nothing was frozen


@contextmanager
def batch_run() -> Iterator[None]:
    """The collector tuned for one command and put back afterwards, so a program that calls the
    CLI in-process (the tests, a notebook) keeps its own settings. A program that froze objects
    itself keeps them frozen: then nothing is frozen or unfrozen here."""
    before, was_freezing = gc.get_threshold(), _freezing[0]
    owns_freeze = gc.get_freeze_count() == 0
    gc.set_threshold(*BATCH_THRESHOLDS)
    _freezing[0] = owns_freeze
    try:
        yield
    finally:
        _freezing[0] = was_freezing
        if owns_freeze:
            gc.unfreeze()
        gc.set_threshold(*before)


def keep_until_exit() -> None:
    """Everything allocated so far lives until the command ends: stop scanning it for cycles.
    Young cyclic garbage is collected first; older cyclic garbage, if any, stays frozen until
    the command ends."""
    if _freezing[0]:
        gc.collect(1)
        gc.freeze()
