"""Writing output files so that a reader never sees a partial or stale one.

Every file auditor writes (snapshot, findings, reports, remediation, drift) goes through
:func:`write_atomic` or :func:`atomic_target`: the bytes land in a temporary file beside the
target and replace it with one rename, so a full disk or a killed run leaves the previous file
or none, never a truncated one. A write error becomes one ``InputError`` line (exit 2).

:func:`check_output_dir` and :func:`check_output_file` validate ``--out`` / ``-o`` before any
work (or any request to Azure) is done; :func:`remove_stale` keeps an output folder consistent
with the run that wrote it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
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
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
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


def remove_stale(out_dir: Path, candidates: Iterable[str], written: Iterable[Path]) -> list[Path]:
    """Remove files named in ``candidates`` (paths relative to ``out_dir``) that this run did not write.

    Only names auditor itself writes are candidates, so a user's own files in the folder are
    never touched. Returns the removed paths.
    """
    keep = {Path(p).resolve() for p in written}
    removed: list[Path] = []
    for rel in sorted(set(candidates)):
        path = out_dir / rel
        if path.is_file() and path.resolve() not in keep:
            try:
                path.unlink()
            except OSError as e:
                raise InputError(f"cannot remove stale output {path}: {_why(e)}") from None
            removed.append(path)
    return removed
