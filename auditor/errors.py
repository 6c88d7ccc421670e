"""Errors that end a command with a clear message instead of a traceback."""

from __future__ import annotations


class AuditorError(Exception):
    """Base class: ``exit_code`` is what the CLI exits with, ``str(e)`` the one line it prints."""

    exit_code = 2


class InputError(AuditorError):
    """Unreadable or invalid input (snapshot, config, policy file): exit 2."""

    exit_code = 2
