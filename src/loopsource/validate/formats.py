"""The report as text (for people), JSON (validation.json), Turtle (the SHACL report graph)
and JUnit XML (for CI). HTML is a page, rendered by the rendering stage
(loopsource.render.validation), which comes after validation in the pipeline."""
from __future__ import annotations

import json
from collections import defaultdict
from xml.sax.saxutils import escape, quoteattr

from ..errors import UsageError
from .results import SEVERITIES, ValidationReport, ValidationResult

#: Every format ``loopsource validate --format`` offers; ``render`` writes all but html.
FORMATS = ("text", "json", "turtle", "html", "junit")


def render(report: ValidationReport, fmt: str, fail_on: str = "violation", limit: int = 50) -> str:
    """The report in one of FORMATS other than html (see loopsource.render.validation for that)."""
    if fmt == "json":
        return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "turtle":
        return report.shacl_turtle
    if fmt == "text":
        return _render_text(report, limit)
    if fmt == "junit":
        return _render_junit(report, fail_on)
    if fmt == "html":
        raise UsageError("format 'html' is a page: render it with loopsource.render.validation.render_html")
    raise UsageError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(report: ValidationReport) -> str:
    total = {s: sum(1 for r in report.results if r.severity == s) for s in SEVERITIES}
    verdict = "conforms" if report.conforms else "DOES NOT CONFORM"
    return (f"{verdict}: {_plural(total['violation'], 'violation')}, {_plural(total['warning'], 'warning')}, "
            f"{_plural(total['info'], 'info')} ({len(report.profiles)} profiles, as of {report.as_of})")


def grouped(report: ValidationReport) -> list[tuple[str, list[tuple[str, list[ValidationResult]]]]]:
    """Results per profile (in the report's order), then per severity (violations first)."""
    out = []
    for p in report.profiles:
        rs = [r for r in report.results if r.profile == p]
        out.append((p, [(s, [r for r in rs if r.severity == s]) for s in SEVERITIES]))
    return out


def _render_text(report: ValidationReport, limit: int) -> str:
    lines = [f"loopsource validate: {summary_line(report)}"]
    for note in report.notes:
        lines.append(f"note: {note}")
    counts = report.counts()
    for profile, groups in grouped(report):
        c = counts.get(profile, {})
        lines.append("")
        lines.append(f"{profile}: {_plural(c.get('violations', 0), 'violation')}, "
                     f"{_plural(c.get('warnings', 0), 'warning')}, {_plural(c.get('infos', 0), 'info')}")
        for severity, rs in groups:
            if not rs:
                continue
            lines.append(f"  {severity}s:")
            by_code: dict[str, list[ValidationResult]] = defaultdict(list)
            for r in rs:
                by_code[r.code].append(r)
            for code, items in by_code.items():
                for r in items[:limit]:
                    lines.append(f"    [{code}] {r.message}")
                if len(items) > limit:
                    lines.append(f"    [{code}] ... and {len(items) - limit} more (see --format json)")
    return "\n".join(lines) + "\n"


def _render_junit(report: ValidationReport, fail_on: str) -> str:
    """One test suite per profile and one test case per rule checked; results at or above
    ``fail_on`` are failures, the others go to the case's system-out."""
    failing = {"violation"} if fail_on == "violation" else {"violation", "warning"}
    cases: dict[str, dict[str, list[ValidationResult]]] = {p: {} for p in report.profiles}
    for rule in report.rules:
        cases.setdefault(rule.profile, {}).setdefault(rule.code, [])
    for r in report.results:
        cases.setdefault(r.profile, {}).setdefault(r.code, []).append(r)
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    n_fail = sum(1 for r in report.results if r.severity in failing)
    n_tests = sum(len(c) for c in cases.values())
    out.append(f'<testsuites name="loopsource validate" tests="{n_tests}" failures="{n_fail}" errors="0" '
               f'time="{report.seconds:.3f}">')
    for profile, codes in cases.items():
        fails = sum(1 for rs in codes.values() for r in rs if r.severity in failing)
        out.append(f'  <testsuite name={quoteattr(profile)} tests="{len(codes)}" failures="{fails}" errors="0">')
        for code in sorted(codes):
            rs = codes[code]
            out.append(f'    <testcase classname={quoteattr(profile)} name={quoteattr(code)}>')
            for r in rs:
                if r.severity in failing:
                    out.append(f'      <failure type={quoteattr(r.severity)} message={quoteattr(r.message)}>'
                               f'{escape(f"focus: {r.focus}; path: {r.path}; value: {r.value}")}</failure>')
            others = [r for r in rs if r.severity not in failing]
            if others:
                text = "\n".join(f"{r.severity}: {r.message}" for r in others)
                out.append(f"      <system-out>{escape(text)}</system-out>")
            out.append("    </testcase>")
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"
