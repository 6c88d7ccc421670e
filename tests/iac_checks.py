"""Check a remediation output folder with definitions and parsers that are not ours.

* ARM: :func:`auditor.remediate.validate.arm_problems` (expression grammar, template functions
  from Microsoft's list, api-versions from the one table).
* Bicep: every file parses with ``pycep-parser`` (a Bicep grammar published on PyPI); every
  resource's ``type@version`` is the table's; every module file exists.
* Terraform: every file parses with ``python-hcl2``; ``terraform fmt -check`` passes where
  terraform is installed; every resource type, argument and nested block exists in the documented
  schema of each provider release the pins allow (``tests/fixtures/terraform-schemas/``), and every
  azapi ``type`` names the table's api-version.

Each function returns problems as text (``path: what``); empty means the output passed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import hcl2
from pycep import BicepParser

from auditor.remediate import api_versions
from auditor.remediate.validate import arm_problems

SCHEMAS = Path(__file__).resolve().parent / "fixtures" / "terraform-schemas"
META_ARGUMENTS = {"depends_on", "count", "for_each", "provider", "lifecycle", "provisioner"}
# Terraform's built-in resource (Terraform 1.4+; the configuration requires >= 1.5.0):
# https://developer.hashicorp.com/terraform/language/resources/terraform-data
BUILTIN = {"terraform_data": {"arguments": ["input", "triggers_replace"], "blocks": {}}}


def arm_folder_problems(folder: Path) -> list[str]:
    out = []
    for path in sorted(folder.rglob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        out += [f"{path.name}{p[1:]}" for p in arm_problems(doc)]
    return out


def bicep_problems(folder: Path) -> list[str]:
    out = []
    for path in sorted(folder.rglob("*.bicep")):
        try:
            doc = BicepParser().parse(text=path.read_text(encoding="utf-8"))
        except Exception as e:  # noqa: BLE001 -- lark raises several error types; each is a parse failure
            out.append(f"{path.name}: does not parse as Bicep ({type(e).__name__}: {str(e).splitlines()[0][:200]})")
            continue
        for sym, res in (doc.get("resources") or {}).items():
            rtype, version = str(res.get("type")), str(res.get("api_version"))
            if not api_versions.known(rtype, version):
                out.append(f"{path.name}: resource {sym} is {rtype}@{version}, not in the api-version table")
        for sym, mod in (doc.get("modules") or {}).items():
            target = str((mod.get("detail") or {}).get("path") or "")
            if mod.get("type") != "local" or not target or not (path.parent / target).is_file():
                out.append(f"{path.name}: module {sym} names {target!r}, which is not a file of the output")
    return out


@cache
def _schemas() -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Provider name -> [(release, resources)] from the extracts."""
    out: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for path in sorted(SCHEMAS.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        out.setdefault(path.name.split("-")[0], []).append((doc["tag"], doc["resources"]))
    return out


def _unquote(label: str) -> str:
    return label.strip('"')


def _check_body(rtype: str, body: dict[str, Any], schema: dict[str, Any], where: str) -> list[str]:
    out = []
    blocks = schema.get("blocks") or {}
    for key, value in body.items():
        if key == "__is_block__" or key in META_ARGUMENTS:
            continue
        if key not in schema["arguments"] and key not in blocks:
            out.append(f"{where}: {rtype} has no argument {key}")
            continue
        if isinstance(value, list) and value and all(isinstance(v, dict) and v.get("__is_block__") for v in value):
            for inner in value:
                inner_schema = {"arguments": blocks.get(key, []), "blocks": blocks}
                out += _check_body(f"{rtype}.{key}", inner, inner_schema, where)
    return out


def terraform_problems(folder: Path, run_fmt: bool = True) -> list[str]:
    out = []
    for path in sorted(folder.rglob("*.tf")):
        where = path.relative_to(folder).as_posix()
        try:
            doc = hcl2.loads(path.read_text(encoding="utf-8"))
        except Exception as e:  # noqa: BLE001 -- the HCL parser raises lark errors of several types
            out.append(f"{where}: does not parse as HCL ({type(e).__name__}: {str(e).splitlines()[0][:200]})")
            continue
        for entry in doc.get("resource", []):
            for rtype_q, named in entry.items():
                rtype = _unquote(rtype_q)
                for _, body in named.items():
                    out += _resource_problems(rtype, body, where)
    if run_fmt and shutil.which("terraform"):
        r = subprocess.run(["terraform", "fmt", "-check", "-recursive", "-list=true", str(folder)],
                           capture_output=True, text=True, check=False)
        if r.returncode != 0:
            out.append(f"terraform fmt -check fails on: {r.stdout.strip() or r.stderr.strip()[-500:]}")
    return out


def _resource_problems(rtype: str, body: dict[str, Any], where: str) -> list[str]:
    if rtype in BUILTIN:
        return _check_body(rtype, body, BUILTIN[rtype], where)
    provider = rtype.split("_")[0]
    releases = _schemas().get(provider)
    if not releases:
        return [f"{where}: {rtype} belongs to no pinned provider with a schema extract"]
    out = []
    for tag, resources in releases:
        schema = resources.get(rtype)
        if schema is None:
            out.append(f"{where}: {provider} {tag} has no resource {rtype}")
            continue
        out += [f"{p} ({provider} {tag})" for p in _check_body(rtype, body, schema, where)]
    if provider == "azapi":
        type_at = _unquote(str(body.get("type", "")))
        rt, _, version = type_at.partition("@")
        if not api_versions.known(rt, version):
            out.append(f"{where}: {rtype} type {type_at} is not in the api-version table")
    return out


def output_problems(folder: Path, run_fmt: bool = True) -> list[str]:
    """Every problem of every generated file in a remediation output folder."""
    out = []
    if (folder / "arm").is_dir():
        out += arm_folder_problems(folder / "arm")
    if (folder / "bicep").is_dir():
        out += bicep_problems(folder / "bicep")
    if (folder / "terraform").is_dir():
        out += terraform_problems(folder / "terraform", run_fmt)
    return out
