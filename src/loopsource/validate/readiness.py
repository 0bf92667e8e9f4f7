"""Readiness: for each regulatory target that starts after the as-of date, today's value, the
target, the date and the gap, per unit of assessment (battery model x plant, packaging unit x
plant, strategic raw material).

The targets are not written down here: they are read from the built-in shapes files, the one
definition validation checks (``sh:minInclusive`` / ``sh:maxInclusive`` / ``sh:lessThanOrEquals``
of a node shape with a date: ``ls:inForceFrom``, moved by ``ls:deferredBy`` and the settings, or
``ls:targetDate`` for a benchmark "by" a date such as CRMA Art. 5(1)(d)). The values are the
aggregate nodes validation computes (validate.aggregates), so readiness and validation count
the same recycled content on the same evidence. docs/compliance.md, "Readiness".
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SH

from ..rdf.vocab import LS
from .settings import Settings
from .shapes import in_force_from, profile_shapes
from .terms import DCT_SOURCE, LSV, LSV_KEY, RULE_CODE, local_name

#: The profiles whose shapes carry dated targets.
DATED_PROFILES = ("eu-crma", "eu-batteries", "eu-ppwr")
TARGET_DATE = URIRef(LS + "targetDate")
#: Unit of assessment of each kind of aggregate node (by the prefix of its class), as the
#: profiles define it (docs/compliance.md).
UNIT_KINDS = (("LmtBattery", "LMT battery model x plant"), ("Battery", "battery model x plant"),
              ("Packaging", "packaging unit x plant"), ("CountryConcentration", "strategic raw material (Annex I entry)"))


@dataclass(frozen=True)
class Target:
    """A dated numeric rule of a shapes file."""

    profile: str
    code: str
    source: str
    starts: date
    classes: tuple[str, ...]  # aggregate classes (local names) it targets
    measure: str  # the measured property (local name in lsv:)
    comparison: str  # "at least" | "at most"
    threshold: float | None  # a fixed threshold, or None: read from the node (``threshold_path``)
    threshold_path: str | None = None


@dataclass(frozen=True)
class ReadinessRow:
    """One unit against one future target: the latest year's value, and every year's."""

    profile: str
    code: str
    rule: str
    starts: date
    unit: str
    unit_kind: str
    measure: str
    comparison: str
    target: float
    year: int
    value: float
    by_year: tuple[tuple[int, float], ...] = field(default=())

    @property
    def gap(self) -> float:
        """How far the latest value is from the target (0 when it meets it already)."""
        d = self.target - self.value if self.comparison == "at least" else self.value - self.target
        return max(0.0, round(d, 9))

    @property
    def meets(self) -> bool:
        return self.gap == 0

    def to_json(self) -> dict[str, Any]:
        return {"profile": self.profile, "code": self.code, "rule": self.rule, "date": self.starts.isoformat(),
                "unit": self.unit, "unit_of_assessment": self.unit_kind, "measure": self.measure,
                "comparison": self.comparison, "target": self.target, "year": self.year, "value": self.value,
                "gap": self.gap, "meets": self.meets, "by_year": {str(y): v for y, v in self.by_year}}


def _number(v: Any) -> float | None:
    if isinstance(v, Literal):
        try:
            return float(v.toPython())
        except (TypeError, ValueError):
            return None
    return None


def targets(profiles: Sequence[str], settings: Settings) -> list[Target]:
    """Every dated numeric rule of the chosen built-in profiles' shapes files."""
    out: list[Target] = []
    for profile in (p for p in DATED_PROFILES if p in profiles):
        g = profile_shapes(profile)
        for shape in set(g.subjects(SH.targetClass, None)):
            starts = in_force_from(g, shape, settings)
            if starts is None:
                by = g.value(shape, TARGET_DATE)
                starts = date.fromisoformat(str(by)) if by is not None else None
            if starts is None:
                continue
            classes = tuple(sorted(local_name(str(c)) for c in g.objects(shape, SH.targetClass)))
            sources = sorted(str(s) for s in g.objects(shape, DCT_SOURCE) if isinstance(s, Literal))
            code = str(g.value(shape, RULE_CODE) or local_name(str(shape)))
            for prop in g.objects(shape, SH.property):
                path = g.value(prop, SH.path)
                if path is None:
                    continue
                found = _comparison(g, prop)
                if found is None:
                    continue
                comparison, threshold, threshold_path = found
                out.append(Target(profile, code, sources[0] if sources else "", starts, classes,
                                  local_name(str(path)), comparison, threshold, threshold_path))
    return sorted(out, key=lambda t: (t.starts, t.profile, t.code, t.classes))


def _comparison(g: Any, prop: Any) -> tuple[str, float | None, str | None] | None:
    for pred, comparison in ((SH.minInclusive, "at least"), (SH.maxInclusive, "at most")):
        v = _number(g.value(prop, pred))
        if v is not None:
            return comparison, v, None
    other = g.value(prop, SH.lessThanOrEquals)
    if other is not None:
        return "at most", None, local_name(str(other))
    return None


def _unit_kind(cls: str) -> str:
    return next((text for prefix, text in UNIT_KINDS if cls.startswith(prefix)), cls)


def _measure(cls: str, measure: str) -> str:
    if measure == "recycledShare":
        if cls.startswith("Packaging"):
            return "post-consumer recycled plastic share"
        element = cls.removeprefix("LmtBattery").removeprefix("Battery")
        return f"recycled {element.lower()} share"
    if measure == "maxThirdCountryShare":
        return "largest single third-country share"
    return measure


def _split(key: str) -> tuple[str, int] | None:
    """``P-X/S-Y/2024`` -> (``P-X/S-Y``, 2024); None for a key without a year."""
    unit, _, year = key.rpartition("/")
    return (unit, int(year)) if unit and year.isdigit() else None


def readiness(profiles: Sequence[str], settings: Settings, as_of: date,
              aggregate_triples: Iterable[tuple[Any, Any, Any]]) -> tuple[ReadinessRow, ...]:
    """The readiness rows: every target starting after ``as_of``, against every unit of the
    classes it targets, with the latest year's value (and each year's)."""
    nodes: dict[Any, dict[str, Any]] = defaultdict(dict)
    types: dict[str, list[Any]] = defaultdict(list)
    for s, p, o in aggregate_triples:
        if p == RDF.type and str(o).startswith(LSV):
            types[str(o)[len(LSV):]].append(s)
        elif p == LSV_KEY:
            nodes[s]["key"] = str(o)
        elif str(p).startswith(LSV):
            nodes[s][str(p)[len(LSV):]] = o
    rows = []
    for t in targets(profiles, settings):
        if t.starts <= as_of:
            continue  # in force: validation checks it
        for cls in t.classes:
            units: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
            for n in types.get(cls, ()):
                split = _split(nodes[n].get("key", ""))
                value = _number(nodes[n].get(t.measure))
                target = t.threshold if t.threshold is not None else _number(nodes[n].get(t.threshold_path or ""))
                if split is None or value is None or target is None:
                    continue
                units[split[0]].append((split[1], value, target))
            for unit, years in sorted(units.items()):
                years.sort()
                year, value, target = years[-1]
                rows.append(ReadinessRow(t.profile, t.code, t.source, t.starts, unit, _unit_kind(cls),
                                         _measure(cls, t.measure), t.comparison, target, year, value,
                                         tuple((y, v) for y, v, _t in years)))
    return tuple(sorted(rows, key=lambda r: (r.starts, r.profile, r.code, r.unit)))
