"""What validation returns: results named so a person can find them in the CSV files, the
rules that were checked, and the report (``validation.json`` is ``ValidationReport.to_json``)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

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
    # profile -> what it needs, for each profile that could not be checked ("not checked: needs X")
    not_checked: Mapping[str, str] = field(default_factory=dict)
    period: Mapping[str, Any] | None = None  # definitions.period_of the purchases' years
    readiness: tuple[Any, ...] = ()  # readiness.ReadinessRow: future targets, today's values
    context: Mapping[str, Any] = field(default_factory=dict)  # context.ComplianceContext.to_json
    # The aggregates.AggregateGraph this validation computed (with the purchase facts behind
    # it): passports made in the same process claim from these very figures instead of reading
    # the store again. In no output; None for a report read back from a file.
    aggregates: Any = field(default=None, repr=False, compare=False)

    def counts(self) -> dict[str, dict[str, int]]:
        out = {p: {"violations": 0, "warnings": 0, "infos": 0} for p in self.profiles}
        for r in self.results:
            out.setdefault(r.profile, {"violations": 0, "warnings": 0, "infos": 0})[r.severity + "s"] += 1
        return out

    def profile_status(self) -> dict[str, dict[str, Any]]:
        """Per profile: ``status`` (checked | not checked), ``needs`` (what an unchecked profile
        lacks) and the counts; the ``profiles`` key of validation.json and metrics.json."""
        out: dict[str, dict[str, Any]] = {}
        for p, c in self.counts().items():
            needs = self.not_checked.get(p)
            out[p] = {"status": "not checked" if needs else "checked", "needs": needs, **c}
        return out

    def to_json(self) -> dict:
        """validation.json: the contract keys (conforms, results), then what the answer covers."""
        return {"conforms": self.conforms,
                "results": [{"profile": r.profile, "code": r.code, "severity": r.severity, "focus": r.focus,
                             "path": r.path, "value": r.value, "message": r.message} for r in self.results],
                "as_of": self.as_of.isoformat() if self.as_of else None,
                "period": dict(self.period) if self.period else None,
                "profiles": self.profile_status(),
                "context": dict(self.context),
                "readiness": self.readiness_json()}

    def readiness_json(self) -> dict[str, Any]:
        """The ``readiness`` key of validation.json and metrics.json: every target after the
        as-of date against each unit's latest value (validate.readiness)."""
        return {"as_of": self.as_of.isoformat() if self.as_of else None,
                "targets": [r.to_json() for r in self.readiness],
                "short": sum(1 for r in self.readiness if not r.meets)}

    def at_or_above(self, fail_on: str) -> list[ValidationResult]:
        """Results as severe as ``fail_on`` (violation, or warning = warnings and violations)."""
        keep = {"violation"} if fail_on == "violation" else {"violation", "warning"}
        return [r for r in self.results if r.severity in keep]
