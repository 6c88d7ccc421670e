"""docs/cli.md keeps up with the command line: every command has a section, every option of
every ``--help`` is named in its command's section, every exit code is explained."""

from __future__ import annotations

import re
from pathlib import Path

import click

from auditor.cli import main
from auditor.commands import common

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def _commands(cmd: click.Command, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    out = [(path, cmd)]
    if isinstance(cmd, click.Group):
        for name in sorted(cmd.commands):
            out += _commands(cmd.commands[name], (*path, name))
    return out


def _section(key: str) -> tuple[str, str] | None:
    """(heading, text) of '## `auditor KEY ...`', or of '## Global options' for the root."""
    text = DOC.read_text(encoding="utf-8")
    pattern = r"^## Global options\n" if not key else r"^## `auditor " + re.escape(key) + r"[ `][^\n]*\n"
    m = re.search(pattern, text, flags=re.M)
    if m is None:
        return None
    body = text[m.end():]
    nxt = re.search(r"^## ", body, flags=re.M)
    return m.group(0), body[: nxt.start()] if nxt else body


def _documented(section: str, opt: str) -> bool:
    return re.search(r"`" + re.escape(opt) + r"[ `]", section) is not None


def test_every_command_and_option_is_documented() -> None:
    missing = []
    for path, cmd in _commands(main):
        key = " ".join(path)
        if isinstance(cmd, click.Group) and path:
            continue  # a group ('policy') is documented through its commands
        found = _section(key)
        if found is None:
            missing.append(f"command 'auditor {key}': no '## `auditor {key} ...`' section")
            continue
        heading, section = found
        for param in cmd.params:
            if isinstance(param, click.Option):
                for opt in [*param.opts, *param.secondary_opts]:
                    if opt not in ("--help", "-h") and not _documented(section, opt):
                        missing.append(f"auditor {key} {opt}")
            elif isinstance(param, click.Argument):
                metavar = param.make_metavar(click.Context(cmd)).rstrip(".").strip("[]{}")
                if param.name and param.name.upper() not in heading and metavar not in heading:
                    missing.append(f"auditor {key}: argument {param.name.upper()} not in the section heading")
    assert not missing, ("docs/cli.md does not document (add a table row `--option` in the command's section):\n"
                         + "\n".join(missing))


def test_the_walk_sees_the_whole_tree() -> None:
    keys = {" ".join(p) for p, _ in _commands(main)}
    assert {"audit", "collect", "policy classify", "emulate", "schema"} <= keys
    assert "--fail-on" in [o for p in main.commands["audit"].params for o in getattr(p, "opts", [])]


def test_exit_codes_are_explained() -> None:
    table = DOC.read_text(encoding="utf-8").split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    for code in (common.EXIT_OK, common.EXIT_FINDINGS, common.EXIT_USAGE, common.EXIT_INCOMPLETE, 130):
        assert re.search(rf"^\| {code} \|", table, flags=re.M), code
    assert "2 > 3 > 1 > 0" in table


def test_the_command_list_at_the_top_names_every_command() -> None:
    text = DOC.read_text(encoding="utf-8")
    listing = text[text.index("```\n") + 4:text.index("\n```", text.index("```\n") + 4)]
    listed = {" ".join(line.split()[1:3]) if line.split()[1] == "policy" else line.split()[1]
              for line in listing.splitlines() if line.startswith("auditor ")}
    commands = {" ".join(path) for path, cmd in _commands(main) if path and not isinstance(cmd, click.Group)}
    assert listed == commands

