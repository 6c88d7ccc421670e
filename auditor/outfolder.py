"""An output folder auditor shares with its user: it replaces or removes only what it wrote.

``audit``, ``remediate`` and ``diff --out`` write into a folder that may also hold the user's
own files (a ``backend.tf``, last quarter's ``report.pdf``). Three promises (SECURITY.md):

- **Only our files are touched.** Every file a run writes is recorded, with its SHA-256, in
  ``DIR/.auditor-manifest.json`` (one section per command). A later run replaces or removes a
  file only when it is still byte for byte what auditor wrote; a file in the way (named as an
  output, not in the manifest or changed since) is kept and reported on stderr, one line each;
  any other file is left alone silently.
- **All or nothing.** A run writes into a staging folder inside DIR and renames the finished
  files into place only when every one of them was written: a full disk, an error or a
  SIGTERM leaves the previous outputs as they were. The manifest is written first with both
  digests (a journal), so a run killed while renaming leaves nothing it would later disown.
- **Inputs are never outputs.** A run whose outputs would replace or remove one of its inputs
  (``audit --snapshot D/findings.json --out D``) is refused before any work (exit 2).

A staging folder a killed run left (SIGKILL, power loss) is removed by the next run, and only
one whose name says auditor made it and whose process is gone.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from auditor.errors import InputError
from auditor.outputs import process_alive, write_atomic

MANIFEST = ".auditor-manifest.json"
MANIFEST_VERSION = 1
STAGING_PREFIX = ".auditor-staging-"
_STAGING_NAME = re.compile(re.escape(STAGING_PREFIX) + r"(\d+)-[A-Za-z0-9_]{8}")


def digest(path: Path) -> str | None:
    """SHA-256 of a regular file (a symlink or a folder has none: it is never ours)."""
    if path.is_symlink() or not path.is_file():
        return None
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def remove_dead_staging(out: Path) -> None:
    """Remove staging folders of auditor runs that were killed; nothing else, nobody else's."""
    for entry in out.iterdir() if out.is_dir() else []:
        m = _STAGING_NAME.fullmatch(entry.name)
        if m and entry.is_dir() and not entry.is_symlink() and not process_alive(int(m.group(1))):
            shutil.rmtree(entry, ignore_errors=True)  # best effort: it is retried by the next run


class OutputFolder:
    """One run's writes into ``out`` for one command (``section``), checked against its inputs.

    ``inputs`` maps an option name to the file it reads (None when not given). Use
    :meth:`refuse_inputs` before work, :meth:`stage` for each group of files to publish
    together, and :meth:`finish` once the run's last file is published.
    """

    def __init__(self, out: Path, section: str, inputs: Mapping[str, str | Path | None] | None = None) -> None:
        self.out = out
        self.section = section
        self._inputs = {os.path.realpath(p): opt for opt, p in (inputs or {}).items() if p}
        self._document = _read_manifest(out / MANIFEST)
        self._owned: dict[str, list[str]] = dict(self._document["sections"].get(section, {}))
        self._earlier = set(self._owned)
        self._this_run: dict[str, str] = {}
        self._carried: dict[str, list[str]] = {}  # ours once, edited by the user, kept: still recorded
        self.written: list[Path] = []
        self.kept: list[tuple[Path, str]] = []
        self.removed: list[Path] = []

    def refuse_inputs(self, names: Iterable[str]) -> None:
        """Exit 2 when a file this run writes is one of its inputs (one it would remove is kept instead),
        or a folder stands where it goes."""
        for rel in sorted(set(names)):
            if (self.out / rel).is_dir() and not (self.out / rel).is_symlink():
                raise InputError(f"cannot write {self.out / rel}: a folder stands in its place")
            opt = self._inputs.get(os.path.realpath(self.out / rel))
            if opt is not None:
                raise InputError(f"{opt} {self.out / rel} is inside the output folder, where this run writes "
                                 f"{rel}: choose another --out (auditor never overwrites its input)")

    @contextlib.contextmanager
    def stage(self) -> Iterator[Path]:
        """A fresh staging folder; on success its files are published, on any failure discarded."""
        remove_dead_staging(self.out)
        try:
            staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=self.out))
        except OSError as e:
            raise InputError(f"cannot write to {self.out}: {e.strerror or e}") from None
        try:
            yield staging
            self._publish(staging)
        except InputError as e:  # name the file the user asked for, not its staging copy
            raise InputError(str(e).replace(str(staging), str(self.out))) from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)  # what remains was not published: discard it

    def _publish(self, staging: Path) -> None:
        new: dict[str, str] = {}
        for path in sorted(staging.rglob("*")):
            rel = path.relative_to(staging).as_posix()
            sha = digest(path)
            if sha is not None and not rel.split("/")[-1].startswith("."):
                new[rel] = sha
        self.refuse_inputs(new)
        accepted = {}
        for rel, sha in new.items():
            target = self.out / rel
            why = self._not_ours(target, rel, sha)
            if why:
                self.kept.append((target, f"{why}; this run's {rel} was not written"))
                if rel in self._owned:  # reported again by the next run that writes it, not by finish
                    self._carried[rel] = self._owned[rel]
            else:
                accepted[rel] = sha
        journal = {**self._owned, **{r: sorted({*self._owned.get(r, []), s}) for r, s in accepted.items()}}
        self._save(journal)
        try:
            for rel in accepted:
                target = self.out / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / rel, target)
                self.written.append(target)
        except OSError as e:
            raise InputError(f"cannot write {self.out / rel}: {e.strerror or e}") from None
        self._this_run.update(accepted)
        self._owned = {**self._owned, **{r: [s] for r, s in accepted.items()}}
        self._save(self._owned)

    def replaceable(self, rel: str) -> str | None:
        """Why ``DIR/rel`` may not be replaced by this run, or None (checked before costly work)."""
        return self._not_ours(self.out / rel, rel, "")

    def _not_ours(self, target: Path, rel: str, new_sha: str) -> str | None:
        """Why ``target`` may not be replaced, or None: absent, still what we wrote, or already the new bytes."""
        if not target.exists() and not target.is_symlink():
            return None
        if target.is_symlink() or not target.is_file():
            return f"kept {target}: it is a link or a special file, not one auditor wrote"
        sha = digest(target)
        if sha == new_sha or sha in self._owned.get(rel, []):
            return None
        if rel in self._owned:
            return f"kept {target}: it was changed after auditor wrote it"
        return f"kept {target}: auditor did not write it"

    def finish(self) -> None:
        """Remove what an earlier run wrote and this one did not, if it is unchanged; save the manifest."""
        for rel in sorted(self._earlier - set(self._this_run) - set(self._carried)):
            target = self.out / rel
            if not target.exists() and not target.is_symlink():
                continue
            if os.path.realpath(target) in self._inputs:  # audit --snapshot DIR/snapshot.json.gz --out DIR
                sha = digest(target)
                if sha in self._owned.get(rel, []):
                    self._this_run[rel] = sha  # never removed, still ours: carried to the new manifest
                continue
            if digest(target) in self._owned.get(rel, []):
                try:
                    target.unlink()
                except OSError as e:
                    raise InputError(f"cannot remove {target} (an earlier run's output): {e.strerror or e}") from None
                self.removed.append(target)
            else:
                self.kept.append((target, f"kept {target}: it was changed after an earlier run wrote it"))
        self._owned = {**self._carried, **{r: [s] for r, s in self._this_run.items()}}
        self._save(self._owned)

    def _save(self, section: dict[str, list[str]]) -> None:
        sections = {**self._document["sections"], self.section: dict(sorted(section.items()))}
        if not section:
            sections.pop(self.section)
        self._document = {**self._document, "sections": sections}
        write_atomic(self.out / MANIFEST, json.dumps(self._document, indent=1, sort_keys=True) + "\n")

    def notes(self) -> list[str]:
        """One stderr line per file kept; removed files (an earlier run's) each, or counted when many."""
        lines = [why for _, why in self.kept]
        if len(self.removed) <= 3:
            lines += [f"removed {p}: an earlier run wrote it and this one did not" for p in self.removed]
        else:
            lines.append(f"removed {len(self.removed)} files an earlier run wrote and this one did not "
                         f"(e.g. {self.removed[0]})")
        return lines


def _read_manifest(path: Path) -> dict[str, Any]:
    """The manifest, or an empty one; a file of that name that is not ours is refused, never replaced."""
    empty: dict[str, Any] = {"auditorManifest": MANIFEST_VERSION, "sections": {},
                             "about": "Files auditor wrote here, with their SHA-256: only these may be "
                                      "replaced or removed by a later run."}
    if not path.exists() and not path.is_symlink():
        return empty
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        doc = None
    if (path.is_symlink() or not isinstance(doc, dict) or doc.get("auditorManifest") != MANIFEST_VERSION
            or not _well_formed(doc.get("sections"))):
        raise InputError(f"{path} is not an auditor manifest: auditor will not replace it (move it, or choose "
                         "another --out)")
    return {**empty, "sections": doc["sections"]}


def _well_formed(sections: Any) -> bool:
    return isinstance(sections, dict) and all(
        isinstance(files, dict) and all(
            isinstance(rel, str) and not rel.startswith("/") and ".." not in rel.split("/")
            and isinstance(shas, list) and all(isinstance(s, str) for s in shas)
            for rel, shas in files.items())
        for files in sections.values())
