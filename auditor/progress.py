"""What a long ``audit`` is doing, shown on a terminal: one line per step, with elapsed time and,
for the PDF, the page WeasyPrint is laying out. Silent with ``--quiet`` or when the output is not
a terminal (CI logs, pipes), so nothing but the summary reaches them.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

# WeasyPrint reports its stages on this logger ("Step 5 - Creating layout - Page 37").
_WEASYPRINT_PROGRESS = "weasyprint.progress"
_STAGES = {"Step 1": "parsing HTML", "Step 2": "parsing CSS", "Step 3": "applying CSS",
           "Step 4": "building boxes", "Step 6": "writing PDF", "Step 7": "writing PDF metadata"}


def terminal_attached() -> bool:
    return sys.stdout.isatty() and sys.stderr.isatty()


class Activity:
    """Steps of one run; every method is a no-op when disabled."""

    def __init__(self, enabled: bool, console: Console | None = None) -> None:
        self._rich: Progress | None = None
        self._task: Any = None
        self._label = ""
        if enabled:
            self._rich = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                  console=console or Console(stderr=True), transient=True)

    @classmethod
    def for_terminal(cls, quiet: bool) -> Activity:
        return cls(not quiet and terminal_attached())

    def __enter__(self) -> Activity:
        if self._rich is not None:
            self._rich.start()
        return self

    def __exit__(self, *args: Any) -> None:
        if self._rich is not None:
            self._rich.stop()

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        """One step: shown while it runs, then kept as a finished line."""
        if self._rich is None:
            yield
            return
        self._label = label
        self._task = self._rich.add_task(label, total=1)
        try:
            yield
        finally:
            self._rich.update(self._task, description=f"[green]✓[/] {label}", completed=1)
            self._task = None

    @property
    def current(self) -> str:
        """The running step's line as shown (empty when disabled or between steps)."""
        if self._rich is None or self._task is None:
            return ""
        return str(self._rich.tasks[self._task].description)

    def detail(self, text: str) -> None:
        """How far the running step has got (a page number, a section)."""
        if self._rich is not None and self._task is not None:
            self._rich.update(self._task, description=f"{self._label}: {text}")

    @contextmanager
    def weasyprint_pages(self) -> Iterator[None]:
        """Relays WeasyPrint's own progress (stages, then each page laid out) to the step line."""
        if self._rich is None:
            yield
            return
        logger = logging.getLogger(_WEASYPRINT_PROGRESS)
        handler = _Relay(self)
        level, propagate = logger.level, logger.propagate
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
        try:
            yield
        finally:
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.propagate = propagate


class _Relay(logging.Handler):
    def __init__(self, activity: Activity) -> None:
        super().__init__(logging.INFO)
        self._activity = activity

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "Page" in message and message.startswith("Step 5"):
            self._activity.detail(f"laying out page {message.rsplit(' ', 1)[-1]}")
        elif message.startswith("Step 5"):
            self._activity.detail("laying out pages")
        else:
            self._activity.detail(_STAGES.get(message[:6], message[:40]))
