"""What validation returns: results named so a person can find them in the CSV files, the
rules that were checked, and the report (``validation.json`` is ``ValidationReport.to_json``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

SEVERITIES = ("violation", "warning", "info")


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, named so that a person can find it in the CSV files."""

    profile: str
    code: str
    severity: str  # violation | warning | info
    focus: str  # CSV id where one exists, else the IRI
    path: str | None
    value: str | None
    message: str


@dataclass(frozen=True)
class Rule:
    """A rule that was checked (for JUnit test cases and 'what was run' listings)."""

    profile: str
    code: str
    source: str


@dataclass(frozen=True)
class Assessment:
    """What a compliance profile assessed, found or not: one unit of assessment (Batteries,
    PPWR), one scope decision, one CRMA entry and year, or one Art. 24 mapping; with the scope
    and the evidence in words (the report's compliance section)."""

    profile: str
    focus: str  # the focus of the results about it
    scope: str
    evidence: str
    figures: str
    findings: tuple[str, ...] = ()  # "severity CODE" of the results with this focus

    @property
    def status(self) -> str:
        if any(f.startswith("violation") for f in self.findings):
            return "violation"
        if any(f.startswith("warning") for f in self.findings):
            return "warning"
        return "pass" if self.figures != "not assessed" else "not assessed"


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool  # no violation-severity results
    results: tuple[ValidationResult, ...]
    profiles: tuple[str, ...]
    # Extras for the output formats; not part of the JSON contract.
    rules: tuple[Rule, ...] = ()
    as_of: date | None = None
    shacl_turtle: str = field(default="", repr=False, compare=False)  # the pySHACL report graph
    notes: tuple[str, ...] = ()
    seconds: float = 0.0
    assessments: tuple[Assessment, ...] = ()

    def counts(self) -> dict[str, dict[str, int]]:
        out = {p: {"violations": 0, "warnings": 0, "infos": 0} for p in self.profiles}
        for r in self.results:
            out.setdefault(r.profile, {"violations": 0, "warnings": 0, "infos": 0})[r.severity + "s"] += 1
        return out

    def to_json(self) -> dict:
        return {"conforms": self.conforms,
                "results": [{"profile": r.profile, "code": r.code, "severity": r.severity, "focus": r.focus,
                             "path": r.path, "value": r.value, "message": r.message} for r in self.results]}

    def at_or_above(self, fail_on: str) -> list[ValidationResult]:
        """Results as severe as ``fail_on`` (violation, or warning = warnings and violations)."""
        keep = {"violation"} if fail_on == "violation" else {"violation", "warning"}
        return [r for r in self.results if r.severity in keep]
