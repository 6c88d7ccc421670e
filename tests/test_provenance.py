"""The repository stands on its own: vendored files have a provenance, nothing points outside.

A user clones the repository alone; tests, emulator, demo and benchmarks must find every file
inside it, and every third-party file must say where it comes from and under which licence.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROVENANCE = ROOT / "PROVENANCE.md"
SKIP_DIRS = {".git", ".venv", "out", "build", "dist", "node_modules", "__pycache__"}
TEXT_SUFFIXES = {".py", ".md", ".toml", ".json", ".j2", ".css", ".js", ".txt", ".cfg", ".ini", ".yml", ".yaml",
                 ".sh", ".bicep", ".tf", ""}
# Spelled in pieces so that this file does not match itself.
OUTSIDE = [
    "../" + "shared",
    "shared/" + "reference",
    "shared/" + "spec",
    "AUDITOR_" + "SHARED",
    "AUDITOR_" + "POLICY_CORPUS",
    "CONTRACT" + ".md",
    "contract " + "section",
    "/" + "work/",
]


def _repo_files() -> list[Path]:
    out = []
    for p in ROOT.rglob("*"):
        rel = p.relative_to(ROOT)
        if any(part in SKIP_DIRS or part.startswith(".") and part != ".ci" or part.endswith(".egg-info")
               for part in rel.parts):
            continue
        if p.is_file() and p.suffix in TEXT_SUFFIXES:
            out.append(p)
    return out


def _vendored_folders() -> list[str]:
    """Folders of the first table in PROVENANCE.md: every file in them is third-party."""
    return re.findall(r"^\| `([^`]+/)` \|", PROVENANCE.read_text(encoding="utf-8"), flags=re.M)


def test_no_file_refers_to_a_path_outside_the_repository() -> None:
    offenders = []
    for path in _repo_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for needle in OUTSIDE:
            if needle in text:
                line = text[: text.index(needle)].count("\n") + 1
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {needle!r}")
    assert not offenders, ("these files refer to something outside the repository (vendor it under "
                           "tests/fixtures/ with a PROVENANCE.md entry, or point at docs/):\n" + "\n".join(offenders))


def test_every_vendored_file_has_a_provenance_entry() -> None:
    folders = _vendored_folders()
    assert {"tests/fixtures/azure-rest-examples/", "tests/fixtures/policy-corpus/", "tests/fixtures/conformance/",
            "auditor/data/builtin_policies/"} <= set(folders)
    text = PROVENANCE.read_text(encoding="utf-8")
    missing = []
    for folder in folders:
        base = ROOT / folder
        assert base.is_dir(), f"PROVENANCE.md names {folder}, which does not exist"
        section = text.split(f"## {folder}", 1)
        assert len(section) == 2, f"PROVENANCE.md has no '## {folder}' section listing its files"
        body = section[1].split("\n## ", 1)[0]
        delegated = re.search(r"per-file table: `([^`]+README\.md)`", body)
        if delegated:  # the folder's README carries the rows (source, path, licence)
            body = (ROOT / delegated.group(1)).read_text(encoding="utf-8")
        for f in sorted(base.rglob("*")):
            rel = f.relative_to(base).as_posix()
            if f.is_file() and f.name != "README.md" and f"`{rel}`" not in body:
                missing.append(folder + rel)
    assert not missing, ("third-party files without a row (file, source repository and path, licence) in "
                         "PROVENANCE.md:\n" + "\n".join(missing))


def test_every_fixture_folder_is_in_provenance() -> None:
    """A new folder of third-party files under tests/fixtures/ needs a row in PROVENANCE.md."""
    listed = set(_vendored_folders())
    for folder in sorted(p for p in (ROOT / "tests" / "fixtures").iterdir() if p.is_dir()):
        rel = folder.relative_to(ROOT).as_posix() + "/"
        assert rel in listed, f"{rel} is not in PROVENANCE.md (add a folder row and a '## {rel}' section)"
        assert (folder / "README.md").is_file(), f"{rel} has no README.md saying what its files are"
