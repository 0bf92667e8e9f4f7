"""The tender evaluation as one self-contained HTML page (inline CSS, no scripts).

Rendered from the tender document that ``loopsource.tender.evaluate`` returns (the same
document the JSON output is), with the one Jinja environment of ``render.env`` (autoescaping
on: bidders' and sites' names come from the user's files).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .env import environment

LABELS = {"price": "price", "life_cycle_cost": "life-cycle cost", "circularity": "circularity",
          "transport": "transport", "lead_time": "lead time", "portfolio": "portfolio"}


def render_html(doc: Mapping[str, Any]) -> str:
    """One self-contained HTML page (inline CSS, no scripts, every data text escaped)."""
    return environment().get_template("tender.html.j2").render(doc=doc, labels=LABELS)


__all__ = ["render_html"]
