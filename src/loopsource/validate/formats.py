"""The report as text (for people), JSON (validation.json), Turtle (the SHACL report graph)
and JUnit XML (for CI). HTML is a page, rendered by the rendering stage
(loopsource.render.validation), which comes after validation in the pipeline."""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from ..definitions import period_text
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
    """``verdict: counts (N profiles[, K not checked], as of DATE, purchases PERIOD)``."""
    total = {s: sum(1 for r in report.results if r.severity == s) for s in SEVERITIES}
    verdict = "conforms" if report.conforms else "DOES NOT CONFORM"
    unchecked = len(getattr(report, "not_checked", {}) or {})
    return (f"{verdict}: {_plural(total['violation'], 'violation')}, {_plural(total['warning'], 'warning')}, "
            f"{_plural(total['info'], 'info')} ({len(report.profiles)} profiles"
            f"{f', {unchecked} not checked' if unchecked else ''}, as of {report.as_of}, "
            f"purchases {period_text(getattr(report, 'period', None))})")


def context_lines(context: Mapping[str, Any]) -> list[str]:
    """Where the as-of date, the policy and the settings came from (validate.context), in words."""
    if not context:
        return []
    day = context.get("as_of") or {}
    lines = [f"as of {day.get('date')} ({day.get('source')})"]
    for key in ("policy", "settings"):
        f = context.get(key)
        lines.append(f"{key}: {f['file']} (sha256 {f['sha256'][:12]}, {f['source']})" if f else
                     f"{key}: none ({'the policy profile is not checked' if key == 'policy' else 'defaults'})")
    if context.get("recorded"):
        lines.append(f"store's record: {context['recorded']}")
    return lines


def readiness_lines(report: ValidationReport) -> list[str]:
    """The readiness table as text: one line per unit and future target."""
    rows = getattr(report, "readiness", ())
    if not rows:
        return [f"readiness: no target after {report.as_of} applies to the data"]
    out = [f"readiness as of {report.as_of}: {len(rows)} future target(s), {sum(1 for r in rows if not r.meets)} "
           "not met today"]
    for r in rows:
        verdict = "meets it" if r.meets else f"gap {100 * r.gap:.1f} points"
        out.append(f"  {r.starts} {r.code} {r.unit} ({r.unit_kind}): {r.measure} {100 * r.value:.1f} % in {r.year}, "
                   f"target {r.comparison} {100 * r.target:g} %: {verdict}")
    return out


def grouped(report: ValidationReport) -> list[tuple[str, list[tuple[str, list[ValidationResult]]]]]:
    """Results per profile (in the report's order), then per severity (violations first)."""
    out = []
    for p in report.profiles:
        rs = [r for r in report.results if r.profile == p]
        out.append((p, [(s, [r for r in rs if r.severity == s]) for s in SEVERITIES]))
    return out


def _render_text(report: ValidationReport, limit: int) -> str:
    lines = [f"loopsource validate: {summary_line(report)}"]
    lines += context_lines(report.context)
    for note in report.notes:
        lines.append(f"note: {note}")
    counts = report.counts()
    for profile, groups in grouped(report):
        c = counts.get(profile, {})
        lines.append("")
        needs = report.not_checked.get(profile)
        if needs:
            lines.append(f"{profile}: not checked: needs {needs}")
            continue
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
    rows = report.readiness
    if rows:
        lines += ["", f"readiness: {len(rows)} target(s) after {report.as_of}, {sum(1 for r in rows if not r.meets)} "
                      "not met today ('loopsource readiness' lists them)"]
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
        # what the answer covers, as JUnit properties: as-of date, period, and "not checked"
        props = [("as_of", str(report.as_of)), ("period", period_text(report.period))]
        if profile in report.not_checked:
            props.append(("status", f"not checked: needs {report.not_checked[profile]}"))
        out.append("    <properties>" + "".join(f"<property name={quoteattr(k)} value={quoteattr(v)}/>"
                                               for k, v in props) + "</properties>")
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
