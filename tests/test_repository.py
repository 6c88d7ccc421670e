"""Repository checks: no merge-conflict markers, docs that cite only rules and commands that exist,
and the demo walkthrough table of examples/README.md agreeing with the golden findings."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import click
import pytest

from auditor.cli import main
from auditor.rules import rule_ids

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "examples" / "README.md",
               *(ROOT / "docs").glob("*.md")])
# Rule ids a document may cite although they are not in the catalogue, and why.
NOT_YET_RULES = {"CONTRIBUTING.md": {"ALA-EXP-011"}}  # the "adding a rule" walkthrough's new rule
_SKIPPED_DIRS = {".git", ".venv", "out", "build", "dist", "node_modules", "__pycache__", ".mypy_cache",
                 ".ruff_cache", ".pytest_cache"}


def _tracked_files() -> list[Path]:
    """Files git tracks; outside a git checkout (an unpacked sdist), every file but build output."""
    git = shutil.which("git")
    if git and (ROOT / ".git").exists():
        listed = subprocess.run([git, "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
        return [ROOT / name for name in listed.decode("utf-8").split("\0") if name]
    return [p for p in ROOT.rglob("*") if p.is_file() and not _SKIPPED_DIRS & set(p.relative_to(ROOT).parts)]


def conflict_markers(text: str) -> list[int]:
    """Line numbers of merge-conflict markers: ``<<<<<<<``, ``|||||||``, ``>>>>>>>`` and a ``=======``
    between them (alone, ``=======`` is a Markdown heading underline)."""
    found: list[int] = []
    inside = False
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(r"(<{7}|>{7}|\|{7})( |$)", line):
            found.append(number)
            inside = line.startswith(("<", "|"))
        elif inside and line == "=======":
            found.append(number)
    return found


def test_conflict_markers_are_recognised() -> None:
    assert conflict_markers("a\n<<<<<<< HEAD\nx\n=======\ny\n>>>>>>> main\n") == [2, 4, 6]
    assert conflict_markers("Title\n=======\n\ntext with <<<<<<< inside\n") == []


def test_no_tracked_text_file_holds_merge_conflict_markers() -> None:
    offenders = []
    files = _tracked_files()
    assert len(files) > 100  # the listing really ran
    for path in files:
        if not path.is_file():
            continue  # deleted in the work tree, not yet committed
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        offenders += [f"{path.relative_to(ROOT)}:{n}" for n in conflict_markers(text)]
    assert offenders == []


@pytest.mark.parametrize("doc", DOCS, ids=[str(d.relative_to(ROOT)) for d in DOCS])
def test_docs_cite_only_rules_that_exist(doc: Path) -> None:
    cited = set(re.findall(r"\bALA-[A-Z]{3}-\d{3}\b", doc.read_text(encoding="utf-8")))
    allowed = NOT_YET_RULES.get(str(doc.relative_to(ROOT)), set())
    assert sorted(cited - rule_ids() - allowed) == []


def test_the_rules_docs_may_cite_before_they_exist_really_do_not_exist() -> None:
    for ids in NOT_YET_RULES.values():
        assert not ids & rule_ids()


def _commands(text: str) -> list[list[str]]:
    """The words after `auditor` wherever a document shows a command: inline code and code blocks."""
    snippets = re.findall(r"```[^\n]*\n(.*?)```", text, re.S)
    snippets += re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
    found = []
    for snippet in snippets:
        # in command position: a line's start (after a prompt), or after a shell separator
        for m in re.finditer(r"(?:^\s*(?:\$ )?|[;&|(]\s*|bin/)auditor((?: [a-z][a-z-]*)+)", snippet, re.M):
            found.append(m.group(1).split())
    return found


def _resolves(words: list[str]) -> bool:
    command: click.Command = main
    for word in words:
        if not isinstance(command, click.Group):
            return True  # the rest are arguments
        sub = command.commands.get(word)
        if sub is None:
            return False
        command = sub
    return True


def test_command_citations_are_recognised() -> None:
    text = ("Run `auditor audit --snapshot s.json`, then\n```\n$ auditor policy classify d.json\nauditor bogus\n"
            "x = 1  # what an auditor needs\n```\n")
    assert sorted(map(tuple, _commands(text))) == [("audit",), ("bogus",), ("policy", "classify", "d")]
    assert _resolves(["policy", "classify"]) and not _resolves(["bogus"]) and not _resolves(["policy", "bogus"])


@pytest.mark.parametrize("doc", DOCS, ids=[str(d.relative_to(ROOT)) for d in DOCS])
def test_docs_cite_only_commands_that_exist(doc: Path) -> None:
    unknown = [" ".join(["auditor", *w]) for w in _commands(doc.read_text(encoding="utf-8")) if not _resolves(w)]
    assert unknown == []


# ----------------------------------------------------------------------------------------------
# examples/README.md: "the walkthrough table" against the golden findings (examples/build_demo.py)

_ROW = re.compile(r"^\| (\d+) \| ([^|]+) \|([^|]*)\| (\w+) \| (\w+) \| (\w+) \| ([^|]+) \|$")


def _walkthrough_rows() -> list[tuple[str, str, str, str, Counter[str]]]:
    rows = []
    for line in (ROOT / "examples" / "README.md").read_text(encoding="utf-8").splitlines():
        m = _ROW.match(line)
        if not m:
            continue
        expected: Counter[str] = Counter()
        cell = m.group(7).strip()
        if cell != "—":
            for part in re.split(r",\s*(?![^()]*\))", cell):  # commas outside parentheses
                rule = re.match(r"([A-Z]{3}-\d{3})(?:\s*×(\d+))?", part.strip())
                assert rule, f"examples/README.md: cannot read {part!r} in {cell!r}"
                expected[f"ALA-{rule.group(1)}"] += int(rule.group(2) or 1)
        rows.append((m.group(2).strip(), m.group(4), m.group(5), m.group(6), expected))
    return rows


def test_the_demo_walkthrough_table_matches_the_golden_findings() -> None:
    golden: dict[str, Any] = json.loads((ROOT / "tests" / "golden" / "demo-findings.json").read_text(encoding="utf-8"))
    rows = _walkthrough_rows()
    subscriptions = {s["displayName"]: s for s in golden["subscriptions"]}
    assert sorted(r[0] for r in rows) == sorted(subscriptions), "one table row per demo subscription"
    for name, export, enforcement, verdict, expected in rows:
        sub = subscriptions[name]
        assert (sub["export"], sub["enforcement"], sub["verdict"]) == (export, enforcement, verdict), name
        fired = Counter(f["ruleId"] for f in golden["findings"] if f["scope"].lower() == sub["id"].lower())
        assert fired == expected, f"{name}: README says {dict(expected)}, the golden findings {dict(fired)}"
