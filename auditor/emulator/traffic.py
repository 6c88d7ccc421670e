"""Unreliable-network behaviour on purpose: ARM read throttling and injected faults.

Both are deterministic for a given request order (token buckets use a monotonic clock that
tests can replace; faults draw from a seeded ``random.Random``), so a collector's retry logic
can be exercised reproducibly.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from auditor.errors import InputError

RESET = "reset"  # drop the connection without answering
UNTHROTTLED_REMAINING = 12000  # ARM's classic hourly read allowance, reported when throttling is off


def parse_fault_spec(spec: str | dict[str, float] | None) -> dict[str, float]:
    """``"429=0.1,500=0.05,reset=0.02"`` -> ``{"429": 0.1, "500": 0.05, "reset": 0.02}``.

    Keys are HTTP statuses 400-599 or ``reset``; values are shares of requests in [0, 1]
    whose sum is at most 1. Anything else raises InputError (exit 2, one line).
    """
    if spec is None or spec == "":
        return {}
    items = spec.items() if isinstance(spec, dict) else _split_spec(spec)
    out: dict[str, float] = {}
    for key, value in items:
        k = str(key).strip().lower()
        if k != RESET and not (k.isdigit() and 400 <= int(k) <= 599):
            raise InputError(f"--faults: {k!r} is neither an HTTP status 400-599 nor 'reset'")
        try:
            share = float(value)
        except (TypeError, ValueError):
            raise InputError(f"--faults: share for {k} must be a number, got {value!r}") from None
        if not 0.0 <= share <= 1.0 or math.isnan(share):
            raise InputError(f"--faults: share for {k} must be between 0 and 1, got {value!r}")
        if k in out:
            raise InputError(f"--faults: {k} given twice")
        out[k] = share
    if sum(out.values()) > 1.0 + 1e-9:
        raise InputError(f"--faults: shares add up to {sum(out.values()):g}, more than 1")
    return out


def _split_spec(spec: str) -> list[tuple[str, str]]:
    pairs = []
    for part in spec.split(","):
        if not part.strip():
            raise InputError(f"--faults: empty entry in {spec!r} (expected e.g. 429=0.1,reset=0.02)")
        key, sep, value = part.partition("=")
        if not sep:
            raise InputError(f"--faults: {part.strip()!r} is not STATUS=SHARE (e.g. 500=0.05)")
        pairs.append((key, value.strip()))
    return pairs


class FaultInjector:
    """Decides per request whether to answer with an injected status or drop the connection."""

    def __init__(self, spec: dict[str, float], seed: int = 0) -> None:
        self._rng = random.Random(seed)
        self._bands: list[tuple[float, str]] = []
        total = 0.0
        for key, share in sorted(spec.items()):
            if share > 0:
                total += share
                self._bands.append((total, key))

    def draw(self) -> str | None:
        """``None`` (answer normally), a status as text (``"503"``) or ``"reset"``."""
        if not self._bands:
            return None
        u = self._rng.random()
        for bound, key in self._bands:
            if u < bound:
                return key
        return None


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class Throttle:
    """ARM's token-bucket read limits: one bucket per subscription, one for tenant-level calls.

    Each read takes one token; buckets refill continuously at ``refill_per_second`` up to
    ``capacity``. ``capacity <= 0`` disables throttling; the header then reports
    ``UNTHROTTLED_REMAINING`` so that clients pacing themselves on it never slow down.
    """

    def __init__(self, capacity: int = 250, refill_per_second: float = 25.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = capacity
        self.refill = refill_per_second
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    @property
    def enabled(self) -> bool:
        return self.capacity > 0

    def take(self, key: str) -> tuple[bool, int, int]:
        """(allowed, remaining tokens, seconds to wait when refused)."""
        if not self.enabled:
            return True, UNTHROTTLED_REMAINING, 0
        now = self._clock()
        b = self._buckets.get(key)
        if b is None:
            b = self._buckets[key] = _Bucket(float(self.capacity), now)
        b.tokens = min(float(self.capacity), b.tokens + (now - b.stamp) * self.refill)
        b.stamp = now
        if b.tokens >= 1.0:
            b.tokens -= 1.0
            return True, int(b.tokens), 0
        wait = math.ceil((1.0 - b.tokens) / self.refill) if self.refill > 0 else 60
        return False, 0, max(1, wait)

    def remaining(self, key: str) -> int:
        if not self.enabled:
            return UNTHROTTLED_REMAINING
        b = self._buckets.get(key)
        return int(b.tokens) if b else self.capacity
