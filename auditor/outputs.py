"""Writing output files so that a reader never sees a partial or stale one.

Every file auditor writes (snapshot, findings, reports, remediation, drift) goes through
:func:`write_atomic` or :func:`atomic_target`: the bytes land in a temporary file beside the
target and replace it with one rename, so a full disk or a killed run leaves the previous file
or none, never a truncated one. A write error becomes one ``InputError`` line (exit 2). The
temporary name carries the process id: a later write of the same file removes the temporaries
of runs that were killed (SIGKILL) and nothing else.

:func:`check_output_dir` and :func:`check_output_file` validate ``--out`` / ``-o`` before any
work (or any request to Azure) is done. Output folders (``--out``) go through
:mod:`auditor.outfolder`, which stages a run's files and replaces only what auditor wrote.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from auditor.errors import InputError


def _why(e: OSError) -> str:
    return e.strerror or str(e)


@contextlib.contextmanager
def atomic_target(path: str | Path, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``, on failure it is removed.

    For writers that want a file name (WeasyPrint, csv); ``write_atomic`` is the common case.
    ``mode`` sets the permissions (default: 0o644 less the umask, as a plain ``open`` would).
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    _remove_dead_temporaries(directory, target.name)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.auditor-{os.getpid()}-", suffix=".tmp",
                                        dir=directory)
        os.close(fd)
    except OSError as e:
        raise InputError(f"cannot write {target}: {_why(e)}") from None
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, mode if mode is not None else 0o644 & ~_umask())
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write {target}: {_why(e)}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (a temporary or staging folder named after it is in use)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: alive
    return True


def _remove_dead_temporaries(directory: Path, name: str) -> None:
    """Temporaries of ``name`` that a killed auditor process left (its id is in their name)."""
    pattern = re.compile(re.escape(f".{name}.auditor-") + r"(\d+)-[A-Za-z0-9_]{8}\.tmp")
    with contextlib.suppress(OSError):  # best effort: a folder we cannot list has nothing to tidy
        for entry in os.scandir(directory):
            m = pattern.fullmatch(entry.name)
            if m and entry.is_file(follow_symlinks=False) and not process_alive(int(m.group(1))):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)


def write_atomic(path: str | Path, data: str | bytes, mode: int | None = None) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` atomically; ``mode`` sets permissions (e.g. 0o600)."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    target = Path(path)
    with atomic_target(target, mode) as tmp, open(tmp, "wb") as fh:
        fh.write(payload)
    return target


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def check_output_dir(value: str | None, option: str = "--out") -> Path:
    """An output folder that exists or can be created, checked before any work is done."""
    if value is None or not str(value).strip():
        raise InputError(f"{option}: an output folder is required (got an empty path)")
    out = Path(value)
    if out.exists() and not out.is_dir():
        raise InputError(f"{option}: {out} exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"{option}: cannot create output folder {out}: {_why(e)}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise InputError(f"{option}: output folder {out} is not writable")
    return out


def check_output_file(value: str | None, option: str = "-o") -> Path:
    """A file path whose folder exists and is writable, checked before any request is sent."""
    if value is None or not str(value).strip():
        raise InputError(f"{option}: an output file is required (got an empty path)")
    target = Path(value)
    if target.is_dir():
        raise InputError(f"{option}: {target} is a folder; give a file name such as snapshot.json.gz")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{option}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{option}: folder {parent} is not writable")
    return target
