"""A live progress display on a terminal (rich), silent otherwise, and the end-of-run summary."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

from auditor.collect.pipeline import Stats


def terminal_attached() -> bool:
    return sys.stdout.isatty() and sys.stderr.isatty()


class Progress:
    """Counts per step (groups, subscriptions, queries, references) and the running call count."""

    STEPS = ("management groups", "subscriptions", "bulk queries", "references")

    def __init__(self, enabled: bool, stats: Stats) -> None:
        self._stats = stats
        self._rich: RichProgress | None = None
        self._tasks: dict[str, Any] = {}
        self._calls_task: Any = None
        if enabled:
            self._rich = RichProgress(TextColumn("{task.description:<20}"), BarColumn(), MofNCompleteColumn(),
                                      TimeElapsedColumn(), console=Console(stderr=True), transient=True)

    def __enter__(self) -> Progress:
        if self._rich is not None:
            self._rich.start()
            for step in self.STEPS:
                self._tasks[step] = self._rich.add_task(step, total=None)
            self._calls_task = self._rich.add_task("calls (retries)", total=None)
        return self

    def __exit__(self, *args: Any) -> None:
        if self._rich is not None:
            self._rich.stop()

    def add_total(self, step: str, n: int) -> None:
        if self._rich is not None and n:
            task = self._tasks[step]
            current = self._rich.tasks[task].total or 0
            self._rich.update(task, total=current + n)

    def advance(self, step: str, n: int = 1) -> None:
        if self._rich is not None:
            self._rich.advance(self._tasks[step], n)

    def call_done(self) -> None:
        if self._rich is not None:
            self._rich.update(self._calls_task, completed=self._stats.calls,
                              description=f"calls ({self._stats.retries} retries)")


def summary_line(stats: Stats, subscriptions: int, errors: int, seconds: float, output: str | None) -> str:
    where = f" -> {output}" if output else ""
    state = "incomplete" if errors else "complete"
    return (f"auditor collect: {state}{where}: {subscriptions} subscriptions, {stats.calls} calls, "
            f"{stats.retries} retries, {stats.throttle_pauses} throttle pauses, {errors} errors, "
            f"{seconds:.1f}s")
