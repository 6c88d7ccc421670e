"""The framework catalogue: control ids, titles and their sources, read from package data.

Each ``auditor/data/frameworks/<id>.json`` names its sources (repository, path, commit,
licence) and, per control, the source entries its id and title come from. A control with
``manual`` is one the audit cannot judge (the reason says why); ``parameters`` are the
framework's own settings that apply when it is selected (docs/frameworks.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from auditor.errors import InputError
from auditor.frameworks.refs import ControlRef


@dataclass(frozen=True)
class Control:
    framework: str
    id: str
    title: str
    sources: tuple[dict[str, str], ...]
    manual: str | None = None  # why the audit cannot judge it
    facts: tuple[str, ...] = ()  # facts that decide it beside rules (analysis/compliance.py FACTS)
    parameters: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def ref(self) -> ControlRef:
        return ControlRef(self.framework, self.id)


@dataclass(frozen=True)
class Framework:
    id: str
    name: str
    short_name: str
    version: str
    titles: str  # "verbatim" or "paraphrased"
    title_note: str
    sources: dict[str, dict[str, str]] = field(compare=False, hash=False)
    controls: tuple[Control, ...] = ()

    def control(self, control_id: str) -> Control:
        for c in self.controls:
            if c.id == control_id:
                return c
        raise KeyError(f"{self.id} {control_id}")

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "version": self.version, "shortName": self.short_name,
                "controls": len(self.controls), "titles": self.titles,
                "sources": [{"repository": s.get("repository", ""), "path": s.get("path", s.get("url", "")),
                             "commit": s.get("commit", "")} for s in self.sources.values()]}


def _framework(doc: dict[str, Any]) -> Framework:
    fid = doc["id"]
    controls = tuple(
        Control(fid, c["id"], c["title"], tuple(c["sources"]), c.get("manual"), tuple(c.get("facts", ())),
                dict(c.get("parameters", {})))
        for c in doc["controls"]
    )
    return Framework(fid, doc["name"], doc["shortName"], doc["version"], doc["titles"], doc["titleNote"],
                     dict(doc["sources"]), controls)


@cache
def all_frameworks() -> tuple[Framework, ...]:
    folder = resources.files("auditor") / "data" / "frameworks"
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in folder.iterdir() if p.name.endswith(".json")]
    return tuple(sorted((_framework(d) for d in docs), key=lambda f: f.id))


def framework_by_id(framework_id: str) -> Framework:
    for f in all_frameworks():
        if f.id == framework_id.strip().lower():
            return f
    raise KeyError(framework_id)


def control_for(ref: ControlRef) -> Control:
    return framework_by_id(ref.framework).control(ref.control)


@cache  # one string per control, shared by every finding that names it (100,000s at 10,000 subscriptions)
def label(ref: ControlRef) -> str:
    """How a finding names a control: the framework's short name and the control id."""
    return f"{framework_by_id(ref.framework).short_name} {ref.control}"


def parse_framework_ids(value: str | list[str] | tuple[str, ...], where: str) -> tuple[str, ...]:
    """Framework ids from ``--framework a,b`` or a config list; unknown ids are a usage error."""
    items = value.split(",") if isinstance(value, str) else list(value)
    known = {f.id for f in all_frameworks()}
    out: list[str] = []
    for item in items:
        fid = str(item).strip().lower()
        if not fid:
            continue
        if fid not in known:
            raise InputError(f"{where}: unknown framework '{item}' (known: {', '.join(sorted(known))}; "
                             "see 'auditor frameworks')")
        if fid not in out:
            out.append(fid)
    return tuple(out)
