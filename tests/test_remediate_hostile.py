"""Generated code is data, never code: hostile tenant names through every remediation output.

Hypothesis builds names from the pieces attackers use (line breaks, quotes, ``${}``, ``%{}``,
``$()``, backticks, ``*/``, control and bidi characters, Markdown links and HTML, 100k
characters) for subscriptions, management groups, a policy assignment the plan repairs, an
exemption and a legacy log profile. Every generated file must still parse -- JSON with
``json``, Terraform with python-hcl2, Bicep with the tokenizer below, the script with
``bash -n`` -- and the names must come back intact as string values: decoded from JSON, from
ARM expression literals, from HCL and Bicep escapes, as the arguments the script passes to
``az``, and as the text of the README. Comments carry no control character.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import builders as b
import hcl2
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from remediate_support import audited_plan
from test_remediate_plan import LA, WORKSPACE, _assignment, _roles

from auditor.analysis.context import AuditContext
from auditor.azure import arm
from auditor.azure.policy.expressions import _Call, _Lit, _Member, expression_body, parse
from auditor.azure.snapshot import build_snapshot
from auditor.config import Config
from auditor.remediate import model, render_files

PIECES = ["\n", "\r\n", "'", '"', "''", "${x}", "$${y}", "%{ if true }", "$(touch PWNED)", "`touch PWNED`",
          "*/", "/*", "//", "#", "<script>alert(1)</script>", "[a](javascript:alert(1))", "<img src=x>", "\x00",
          "\x1b]0;t\x07", "\x1b[31m", "\u202e", "\u2066", "\u2028", "]", "[", "[[", "\\", "\\'", "\nJSON\n",
          "\nEOT\n", "|", "*", "_", "&amp;", "\t", " ", "resource evil 'x' = {}", "}\n}\n"]
_CHARS = st.characters(exclude_categories=("Cs",), exclude_characters="/")  # no lone surrogates: not UTF-8


def _names(pieces: list[str], strip: bool = False) -> st.SearchStrategy[str]:
    name = st.lists(st.one_of(st.sampled_from(pieces), st.text(_CHARS, min_size=1, max_size=6)),
                    min_size=1, max_size=8).map("".join).filter(lambda s: s.strip() != "")
    names = st.one_of(name, name.map(lambda s: (s * (100_000 // len(s) + 1))[:100_000]))
    return names.map(str.strip) if strip else names


NAMES = _names(PIECES)  # display names
# The last segment of a resource id: no '/', and no surrounding whitespace (ids are read trimmed).
SEGMENTS = _names([p for p in PIECES if "/" not in p], strip=True)

UNSEEN = ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn")


def _tenant(sub_name: str, group_name: str, assignment: str, exemption: str, profile: str) -> dict[str, Any]:
    s1, s2, s3 = b.guid("hostile-1"), b.guid("hostile-2"), b.guid("hostile-3")
    fix = _assignment("g1", assignment, LA, enforcement_mode="DoNotEnforce", display_name=assignment)
    fix["properties"]["description"] = assignment
    fix["properties"]["metadata"] = {"note": assignment}
    fix["properties"]["parameters"]["note"] = {"value": assignment}
    return b.snapshot([
        b.management_group("root", group_name, parent=None, children=[
            b.child_group("g1", group_name), b.child_group("g2", group_name)]),
        b.management_group("g1", group_name, parent="root", children=[
            b.child_subscription(s1, sub_name), b.child_subscription(s3, sub_name)]),
        b.management_group("g2", group_name, parent="root", children=[b.child_subscription(s2, sub_name)]),
        *[b.subscription(s, sub_name) for s in (s1, s2, s3)],
        b.workspace(b.guid("hostile-1"), "rg-logs", "law-central", retention_days=365),
        b.export_policy_definition(),
        fix, *_roles(b.mg_id("g1"), assignment),
        b.policy_exemption(b.sub_id(s3), exemption, fix["id"]),
        b.log_profile(s2, profile),
    ], root="root")


# ---------------------------------------------------------------------------------- JSON / ARM
def _arm_strings(value: Any, out: list[str]) -> None:
    """Every string a deployment sees: literals, ARM-escaped ``[[`` values, expression literals."""
    if isinstance(value, dict):
        for k, v in value.items():
            out.append(k)
            _arm_strings(v, out)
    elif isinstance(value, list):
        for v in value:
            _arm_strings(v, out)
    elif isinstance(value, str):
        if value.startswith("[["):
            out.append(value[1:])
        elif expression_body(value) is not None and value.startswith("["):
            _literals(parse(expression_body(value) or ""), out)  # raises on a broken expression
        else:
            out.append(value)


def _literals(node: Any, out: list[str]) -> None:
    if isinstance(node, _Lit) and isinstance(node.value, str):
        out.append(node.value)
    elif isinstance(node, _Member):
        _literals(node.target, out)
        _literals(node.key, out)
    elif isinstance(node, _Call):
        for a in node.args:
            _literals(a, out)


# ---------------------------------------------------------------------------------- HCL
_HCL_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _hcl_decode(raw: str) -> str:
    """A quoted HCL string as Terraform reads it; an interpolation or directive fails the test."""
    assert raw.startswith('"') and raw.endswith('"'), raw[:80]
    s, out, i = raw[1:-1], [], 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            e = s[i + 1]
            if e == "u":
                out.append(chr(int(s[i + 2:i + 6], 16)))
                i += 6
            elif e == "U":
                out.append(chr(int(s[i + 2:i + 10], 16)))
                i += 10
            else:
                out.append(_HCL_ESCAPES[e])
                i += 2
        elif s.startswith(("$${", "%%{"), i):
            out.append(c + "{")
            i += 3
        else:
            assert not s.startswith(("${", "%{"), i), f"template sequence in a generated string: {s[i:i + 40]!r}"
            out.append(c)
            i += 1
    return "".join(out)


# python-hcl2 rejects an escaped ``$${`` / ``%%{`` that no ``}`` follows, which HCL allows (the
# escape makes it text): they are masked with a character generated files never hold raw (SOH)
# for parsing, and restored before decoding.
_MASKS = (("$${", "$$\x01"), ("%%{", "%%\x01"))


def parse_hcl(text: str) -> Any:
    assert "\x01" not in text
    for escape, mask in _MASKS:
        text = text.replace(escape, mask)
    return hcl2.loads(text)


def _unmask(value: str) -> str:
    for escape, mask in _MASKS:
        value = value.replace(mask, escape)
    return value


def _hcl_strings(value: Any, out: list[str]) -> None:
    if isinstance(value, dict):
        for v in value.values():
            _hcl_strings(v, out)
    elif isinstance(value, list):
        for v in value:
            _hcl_strings(v, out)
    elif isinstance(value, str) and value.startswith('"<<'):  # heredoc: JSON with $${ / %%{ doubled
        body = _unmask(value)[1:-1].split("\n", 1)[1].rsplit("\n", 1)[0]
        assert not re.search(r"(?<![$%])[$%]\{", body.replace("$${", "").replace("%%{", ""))
        _arm_strings(json.loads(body.replace("$${", "${").replace("%%{", "%{")), out)
    elif isinstance(value, str) and value.startswith('"'):
        out.append(_hcl_decode(_unmask(value)))


# ---------------------------------------------------------------------------------- Bicep
_BICEP_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "'": "'", "\\": "\\", "$": "$"}


def bicep_tokens(text: str) -> list[str]:
    """Decoded string literals of a Bicep file, checking its structure on the way: strings end on
    their line and use only Bicep's escapes, no ``${`` interpolation is left open, comments are
    single lines, braces/brackets/parentheses balance outside strings and comments, and no raw
    control character other than a line break appears anywhere."""
    for c in text:
        assert c == "\n" or unicodedata.category(c) not in ("Cc", "Zl", "Zp"), f"raw {c!r} in a Bicep file"
    strings: list[str] = []
    stack: list[str] = []
    pairs = {")": "(", "]": "[", "}": "{"}
    i = 0
    while i < len(text):
        c = text[i]
        if text.startswith("//", i):
            i = text.index("\n", i)
            continue
        assert not text.startswith("/*", i), "block comment in generated Bicep"
        if c == "'":
            i += 1
            buf: list[str] = []
            while text[i] != "'":
                assert text[i] != "\n", "string runs past the end of its line"
                if text[i] == "\\":
                    e = text[i + 1]
                    if e == "u":
                        end = text.index("}", i)
                        buf.append(chr(int(text[i + 3:end], 16)))
                        i = end + 1
                        continue
                    buf.append(_BICEP_ESCAPES[e])
                    i += 2
                    continue
                assert not text.startswith("${", i), "interpolation in a generated Bicep string"
                buf.append(text[i])
                i += 1
            strings.append("".join(buf))
        elif c in "([{":
            stack.append(c)
        elif c in ")]}":
            assert stack and stack.pop() == pairs[c], "unbalanced Bicep"
        i += 1
    assert not stack, "unbalanced Bicep"
    return strings


def test_hcl_checks_catch_breakage() -> None:
    strings: list[str] = []
    _hcl_strings(parse_hcl('x = "a$${b}%%{ c\\n"\n'), strings)
    assert strings == ["a${b}%{ c\n"]
    with pytest.raises(AssertionError, match="template sequence"):
        _hcl_strings(parse_hcl('x = "a${b}"\n'), [])
    with pytest.raises(Exception):  # noqa: B017 - lark's parse errors
        parse_hcl('x = "a" "b"\nresource "x" {\n')


def test_bicep_tokenizer_catches_breakage() -> None:
    assert bicep_tokens("param x string = 'a\\'b\\${c}\\u{1B}'\n") == ["a'b${c}\x1b"]
    for broken in ("x = 'a\nb'\n", "x = { 'a'\n", "x = '${y}'\n", "x = '\x1b'\n", "/* x */\n"):
        with pytest.raises((AssertionError, ValueError, IndexError)):
            bicep_tokens(broken)


# ---------------------------------------------------------------------------------- the property
def _comment_lines(text: str, shell: bool) -> list[str]:
    """Comment lines of a generated file. In a shell script a quoted argument may span lines
    (single-quote quoting keeps a name's line breaks), so only lines that start outside quotes
    count; Bicep and HCL strings hold no raw line break (checked elsewhere)."""
    out, quote = [], ""
    for line in text.split("\n"):
        if not quote and line.lstrip().startswith(("#", "//")):
            out.append(line)
            continue
        if shell:
            for c in line:
                if quote and c == quote:
                    quote = ""
                elif not quote and c in "'\"":
                    quote = c
    return out


def _visible(text: str) -> str:
    """What a Markdown reader sees of tenant text: control/format characters gone, spaces collapsed."""
    return " ".join("".join(c for c in text if unicodedata.category(c) not in UNSEEN or c in "\t\n\r").split())


def _script_arguments(path: Path) -> list[list[str]]:
    """The argument lists the script passes to az, with az replaced by a recorder (NUL-separated:
    the one byte no argument can hold)."""
    run = subprocess.run(["sh", "-c", 'az() { printf "%s\\0" "$#" "$@"; }; . "$0"', str(path)],
                         capture_output=True, timeout=60)
    assert run.returncode == 0, run.stderr
    words = run.stdout.decode("utf-8", "surrogateescape").split("\0")[:-1]
    calls = []
    while words:
        n = int(words.pop(0))
        calls.append(words[:n])
        del words[:n]
    return calls


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed")
@settings(max_examples=12, deadline=None, phases=(Phase.explicit, Phase.reuse, Phase.generate),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(sub_name=NAMES, group_name=NAMES, assignment=SEGMENTS, exemption=SEGMENTS, profile=SEGMENTS)
def test_hostile_names_stay_data_in_every_generated_file(tmp_path_factory: pytest.TempPathFactory, sub_name: str,
                                                         group_name: str, assignment: str, exemption: str,
                                                         profile: str) -> None:
    raw = _tenant(sub_name, group_name, assignment, exemption, profile)
    plan = audited_plan(AuditContext(build_snapshot(raw), Config(central_destinations=(WORKSPACE,))))
    assert any(a.kind == model.FIX_ASSIGNMENT for a in plan.actions)
    files = render_files(plan, model.FORMATS)
    out = tmp_path_factory.mktemp("hostile")
    arm_strings: list[str] = []
    tf_strings: list[str] = []
    bicep_strings: list[str] = []
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if rel.endswith(".json"):
            _arm_strings(json.loads(text), arm_strings)
        elif rel.endswith(".tf"):
            _hcl_strings(parse_hcl(text), tf_strings)
            for c in text:
                assert c == "\n" or unicodedata.category(c) not in ("Cc", "Zl", "Zp"), f"raw {c!r} in {rel}"
        elif rel.endswith(".bicep"):
            bicep_strings += bicep_tokens(text)
        elif rel.endswith(".sh"):
            check = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, timeout=60)
            assert check.returncode == 0, check.stderr
        if rel.endswith((".tf", ".bicep", ".sh")):
            for line in _comment_lines(text, rel.endswith(".sh")):
                assert not any(unicodedata.category(c) in UNSEEN for c in line), (rel, line[:200])
    fix = next(a for a in plan.actions if a.kind == model.FIX_ASSIGNMENT)
    assignment_id = fix.scope
    for strings, fmt in ((arm_strings, "ARM"), (tf_strings, "Terraform"), (bicep_strings, "Bicep")):
        assert assignment in strings, f"{fmt}: the assignment's displayName did not come back intact"
        assert any(assignment_id == s or s.endswith(assignment_id) for s in strings), fmt
    # The script deletes exactly the profile, whatever its name (a NUL cannot be an argument).
    [script] = [out / f for a in plan.actions if a.kind == model.REMOVE_LOG_PROFILE for f in a.files()]
    calls = _script_arguments(script)
    if "\x00" in profile:
        assert calls == []
    else:
        assert [c[-1] for c in calls] == [profile]
    # README: no link, image or HTML from the tenant; the names read as text.
    md = MarkdownIt("commonmark")
    tokens = md.parse(files["README.md"])
    inline = [t for block in tokens if block.children for t in block.children]
    assert not [t for t in tokens + inline if t.type in ("html_block", "html_inline", "link_open", "image")]
    text = " ".join(t.content for t in inline if t.type in ("text", "code_inline"))
    assert _visible(assignment_id) in " ".join(text.split())
    review = next(a for a in plan.actions if a.kind == model.REVIEW_EXEMPTION)
    assert [arm.last_segment(e) for e in review.detail["exemptions"]] == [exemption]
