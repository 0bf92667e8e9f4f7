"""The validation report as one self-contained HTML page (``loopsource validate --format html``).

Rendered here, not in the validate package, because validation comes before rendering in the
pipeline and must not import it; the page uses the one Jinja environment (autoescape on:
focus nodes, values and messages come from the user's data and shapes).
"""
from __future__ import annotations

from ..validate import ValidationReport, summary_line
from ..validate.formats import context_lines, grouped
from .env import environment


def render_html(report: ValidationReport) -> str:
    """validation.html: results per profile and severity, then every rule that was checked."""
    return environment().get_template("validation.html.j2").render(
        report=report, summary=summary_line(report), groups=grouped(report), counts=report.counts(),
        rules=report.rules, context=context_lines(report.context), not_checked=report.not_checked,
        readiness=report.readiness_json())


__all__ = ["render_html"]
