"""The one Jinja environment every HTML output is rendered with.

Autoescaping is on for every template and every string template (data from a user's CSV files
ends up in pages); undefined names fail loudly instead of printing nothing; templates are
package data, read through loopsource.resources so a non-editable install finds them.
"""
from __future__ import annotations

import base64
import hashlib
from functools import cache

from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from .. import resources


def fmt_pct(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{100 * x:,.{digits}f} %"


def fmt_mass(kg: float | None) -> str:
    if kg is None:
        return "–"
    if abs(kg) >= 1000:
        return f"{kg / 1000:,.1f} t"
    return f"{kg:,.1f} kg" if kg % 1 else f"{kg:,.0f} kg"


def fmt_num(x: float | None, digits: int = 0) -> str:
    return "–" if x is None else f"{x:,.{digits}f}"


def data_value(x: object) -> Markup:
    """` data-value="..."`: a table cell's exact number beside its rounded text (machine-readable
    figures: a reader, or tests/test_one_definition.py, checks the page against metrics.json)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return Markup("")
    return Markup(' data-value="%s"') % repr(x)


def _template(name: str) -> str | None:
    folder = resources.templates_dir()
    return (folder / name).read_text(encoding="utf-8") if (folder / name).is_file() else None


@cache
def inline_script(name: str) -> tuple[Markup, str]:
    """A script of the templates folder, to inline, and its CSP source (``'sha256-...'``).

    The pages' Content-Security-Policy allows this one script by its hash and nothing else
    (no other inline script, no file, no network). The script is our own static file and holds
    no data, so it is marked safe as it is; data reach it only through the page's DOM.
    """
    text = _template(name)
    if text is None:
        raise FileNotFoundError(name)
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return Markup(text), f"'sha256-{digest}'"


@cache
def environment() -> Environment:
    env = Environment(loader=FunctionLoader(_template),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(pct=fmt_pct, mass=fmt_mass, num=fmt_num, dv=data_value)
    return env
