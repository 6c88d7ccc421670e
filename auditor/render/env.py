"""The Jinja2 environment for the reports: templates from ``report_templates/``, autoescape on.

The folder is found through ``auditor.shipped`` (a checkout or an installed wheel alike).

Display names, descriptions and messages are chosen by whoever controls the tenant, so every
template is autoescaped; nothing in the templates marks tenant text safe.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from auditor.render import charts, wording
from auditor.render.names import TEXT_LIMIT, cut
from auditor.shipped import report_templates
from auditor.termtext import shown


def _num(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _bounded(value: Any) -> Any:
    """Every printed value is bounded: tenant text of any length costs the layout a fixed amount.
    Project-owned markup (stylesheets, scripts, the escaped data block) is passed through."""
    if isinstance(value, str) and not isinstance(value, Markup):
        # control and bidi characters in tenant text shown as escapes, never acted on
        return shown(cut(value, TEXT_LIMIT) if len(value) > TEXT_LIMIT else value)
    return value


def _short_guid(value: str) -> str:
    return value[:8] + "…" if len(value) > 12 else value


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(report_templates())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_bounded,
    )
    env.filters["num"] = _num
    env.filters["short_guid"] = _short_guid
    env.globals["charts"] = charts
    env.globals["VERDICT_LABEL"] = wording.VERDICT_LABEL
    env.globals["CELL_MARK"] = wording.CELL_MARK
    env.globals["CELL_CLASS"] = {"ok": "ok-cell", "missing": "bad-cell", "na": "na-cell", "unknown": "na-cell",
                                 "alerting": "ok-cell", "silent": "warn-cell", "none": "bad-cell"}
    return env


def read_asset(name: str) -> Markup:
    """A project-owned stylesheet or script, inlined verbatim (never tenant text)."""
    return Markup((report_templates() / name).read_text(encoding="utf-8"))
