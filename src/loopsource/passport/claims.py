"""Conformity claims: the validation results about one product, per rule and unit of assessment.

A claim is made for every rule of the regulation profiles (``eu-batteries``, ``eu-ppwr``,
``eu-crma``) that checks a unit of assessment concerning the product (docs/compliance.md):

* **Batteries Regulation (EU) 2023/1542, Art. 8**: battery model x manufacturing plant x
  calendar year (``P-EV/S-P1/2024``): the minimum recycled shares (``BATT-8-CO``, ``-LI``,
  ``-NI``, ``-PB``) and the evidence of the declared recycled content (``BATT-8-EVIDENCE``);
* **PPWR (EU) 2025/40, Art. 7**: packaging unit x plant x year: the minimum post-consumer
  recycled plastic share (``PPWR-7-A`` ... ``-D``) and its evidence (``PPWR-7-EVIDENCE``);
* **CRMA (EU) 2024/1252, Art. 5(1)(d)**: the 65 % benchmark (``CRMA-65``) per Annex I entry and
  calendar year, for the entries of the strategic raw materials of the bill of materials (by
  grade, contained element).

Information rules (``BATT-8-1-DOC``, ``CRMA-INFO-CRM``) are not claims: they always report, by
design, the figures to declare (the Battery Pass entries carry those). The supply-chain mapping
(``CRMA-24-MAPPING``), missing grades (``CRMA-GRADE``) and data gaps (``*-DATA``) are about the
company's data, not a product's conformity: validation reports them.

The verdict is validation's on the as-of date: *fail* when ``validate`` reported the rule on the
unit's aggregate node, *pass* when it checked the rule and did not, *not in force* when the rule
does not apply on the as-of date (``ls:inForceFrom``, moved by the settings' act dates), *not
checked* when it applies but the validation run left its profile out. The measured value is the
aggregate node validation checked (``validate.aggregates``, the one computation, with the run's
settings), so value and verdict always agree. Article and paragraph come from the shape's
``dcterms:source``.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SH

from ..validate import ValidationReport
from ..validate.crma import ontology_facts
from ..validate.settings import Settings
from ..validate.shapes import in_force_from, profile_shapes
from ..validate.terms import DCT_SOURCE, IN_FORCE_UNTIL, LSV, LSV_KEY, RULE_CODE, local_name

#: The profiles whose rules become claims (data-quality is always run beside them).
CLAIM_PROFILES: tuple[str, ...] = ("eu-batteries", "eu-ppwr", "eu-crma")
#: Short titles of the regulations the profiles cite (by their ELI number).
TITLES = {"2023/1542": "Batteries Regulation", "2025/40": "Packaging and Packaging Waste Regulation",
          "2024/1252": "Critical Raw Materials Act"}
_SOURCE = re.compile(r"^(Regulation \(EU\) (\d{4}/\d+)), (Art\. [^:]+): (.*)$")
_TOPIC = {"eu-batteries": "circularity.content", "eu-ppwr": "circularity.content", "eu-crma": "governance.compliance"}
_SEVERITY = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}
#: Aggregate classes of a unit of assessment keyed by country and year, not by product.
CONCENTRATION = "CountryConcentration"


@dataclass(frozen=True)
class RuleInfo:
    """One shape of a regulation profile, as the shapes file states it (dates with the settings)."""

    profile: str
    code: str
    shape: str  # IRI of the node shape
    targets: tuple[str, ...]  # local names of its lsv: target classes
    measure: str  # local name of the checked lsv: property
    minimum: float | None
    maximum: float | None
    compared_to: str | None  # sh:lessThanOrEquals: the node's own bound (CRMA: lsv:benchmark)
    severity: str  # violation | warning | info
    source: str  # "Regulation (EU) 2023/1542, Art. 8(2)(a): 16 % cobalt from 18 August 2031"
    eli: str | None
    in_force_from: date | None
    in_force_until: date | None

    def in_force(self, day: date) -> bool:
        return (self.in_force_from is None or day >= self.in_force_from) and \
            (self.in_force_until is None or day < self.in_force_until)

    @property
    def unit(self) -> str:
        """UNECE Rec 20 unit of the measured value: P1 (percent) for shares, KGM for masses."""
        return "KGM" if self.measure.endswith("Kg") else "P1"

    @property
    def regulation(self) -> str:
        m = _SOURCE.match(self.source)
        return m.group(1) if m else self.source

    @property
    def article(self) -> str:
        m = _SOURCE.match(self.source)
        return m.group(3) if m else ""

    @property
    def title(self) -> str:
        m = _SOURCE.match(self.source)
        return TITLES.get(m.group(2), "") if m else ""


def _date(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value is not None else None


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None


def rule_catalogue(settings: Settings | None = None, profiles: Sequence[str] = CLAIM_PROFILES) -> tuple[RuleInfo, ...]:
    """Every top-level node shape with a rule code and an ``lsv:`` target in the profiles' shapes
    files; ``ls:inForceFrom`` moved by ``ls:deferredBy`` as ``settings`` say (validate.shapes)."""
    settings = settings or Settings()
    out = []
    for profile in profiles:
        g = profile_shapes(profile)
        for shape in sorted(set(g.subjects(RULE_CODE, None)), key=str):
            targets = tuple(sorted(local_name(str(t)) for t in g.objects(shape, SH.targetClass)
                                   if str(t).startswith(LSV)))
            prop = g.value(shape, SH.property)
            if not targets or prop is None:
                continue
            sources = list(g.objects(shape, DCT_SOURCE))
            compared = g.value(prop, SH.lessThanOrEquals)
            severity = g.value(prop, SH.severity) or g.value(shape, SH.severity) or SH.Violation
            out.append(RuleInfo(
                profile, str(g.value(shape, RULE_CODE)), str(shape), targets, local_name(str(g.value(prop, SH.path))),
                _float(g.value(prop, SH.minInclusive)), _float(g.value(prop, SH.maxInclusive)),
                local_name(str(compared)) if compared is not None else None, _SEVERITY.get(severity, "violation"),
                next((str(s) for s in sources if isinstance(s, Literal)), ""),
                next((str(s) for s in sources if isinstance(s, URIRef)), None),
                in_force_from(g, shape, settings), _date(g.value(shape, IN_FORCE_UNTIL))))
    return tuple(out)


def aggregate_values(triples: Sequence[tuple[Any, Any, Any]]) -> dict[tuple[str, str], dict[str, float]]:
    """(lsv class local name, key) -> {measure local name: value} of validation's aggregate nodes."""
    cls: dict[Any, list[str]] = {}
    key: dict[Any, str] = {}
    values: dict[Any, dict[str, float]] = {}
    for s, p, o in triples:
        if p == RDF.type and str(o).startswith(LSV):
            cls.setdefault(s, []).append(local_name(str(o)))
        elif p == LSV_KEY:
            key[s] = str(o)
        elif str(p).startswith(LSV) and isinstance(o, Literal):
            try:
                values.setdefault(s, {})[local_name(str(p))] = float(o)
            except (TypeError, ValueError):
                continue  # a text measure (topCountry, declaration)
    return {(c, key[n]): values.get(n, {}) for n, cs in cls.items() if n in key for c in cs}


@dataclass(frozen=True)
class ClaimFigure:
    """A claim about one unit of assessment: the rule (as in force on ``as_of``, else as it will
    be), the measured value, the threshold and the verdict."""

    rule: RuleInfo
    product: str
    unit: str  # the aggregate node's key: "P-EV/S-P1/2024", "Cobalt/2024"
    subject: str  # what was measured, in words
    value: float | None  # as validation measured it: a 0-1 share or kg per unit
    threshold: float | None  # same scale as value
    verdict: str  # pass | fail | not in force | not checked
    as_of: date
    topic: str

    @property
    def code(self) -> str:
        return self.rule.code


def _pick(rules: Sequence[RuleInfo], day: date) -> RuleInfo:
    """The shape of a rule code in force on ``day``; else the next to come into force; else the last."""
    now = [r for r in rules if r.in_force(day)]
    if now:
        return now[0]
    later = sorted((r for r in rules if r.in_force_from and r.in_force_from > day), key=lambda r: r.in_force_from)
    return later[0] if later else max(rules, key=lambda r: r.in_force_from or date.min)


def _subject(cls: str, key: str, product_id: str) -> str:
    """What an aggregate node measures, in words."""
    if cls == CONCENTRATION:
        entry, _sep, year = key.rpartition("/")
        e = next((x for x in ontology_facts().entries.values() if x.key == entry), None)
        what = f"{e.label} (Annex {e.annex})" if e else entry
        return f"largest single third-country share of contained {what} bought in {year}"
    rest = key[len(product_id) + 1:] if key.startswith(product_id + "/") else key
    plant, _sep, year = rest.rpartition("/")
    unit = f"{product_id} made at {plant} in {year}" if plant != "all plants" else f"{product_id} (all plants) in {year}"
    if cls.endswith(("Documentation", "Evidence")):
        return f"declared recycled content that does not count, per unit of {unit}"
    for prefix in ("LmtBattery", "Battery"):
        if cls.startswith(prefix):
            return f"recycled {cls[len(prefix):].lower()} share of {unit}"
    return f"post-consumer recycled share of the plastic part of {unit}"


def _claim(rules: Sequence[RuleInfo], cls: str, key: str, measures: Mapping[str, float], product_id: str,
           validation: ValidationReport) -> ClaimFigure:
    day = validation.as_of or date.today()
    rule = _pick(rules, day)
    threshold = rule.minimum if rule.minimum is not None else rule.maximum
    if rule.compared_to is not None:
        threshold = measures.get(rule.compared_to)
    if not rule.in_force(day):
        verdict = "not in force"
    elif rule.code not in {r.code for r in validation.rules}:
        verdict = "not checked"  # in force, but the validation run did not include its profile
    else:
        failed = any(r.code == rule.code and r.focus == key for r in validation.results)
        verdict = "fail" if failed else "pass"
    return ClaimFigure(rule, product_id, key, _subject(cls, key, product_id), measures.get(rule.measure), threshold, verdict, day,
                       _TOPIC.get(rule.profile, "governance.compliance"))


def product_claims(product_id: str, units: Sequence[str], entries: Sequence[str],
                   aggregates: Mapping[tuple[str, str], Mapping[str, float]], catalogue: Sequence[RuleInfo],
                   validation: ValidationReport) -> tuple[ClaimFigure, ...]:
    """The claims about one product (module docstring), ordered by rule code and unit.

    ``units``: keys of the product's units of assessment (``validate.recycled.Unit.focus``);
    ``entries``: the CRMA Annex I entry keys of its bill-of-materials materials."""
    by_class: dict[str, dict[str, list[RuleInfo]]] = {}
    for r in catalogue:
        for t in r.targets:
            by_class.setdefault(t, {}).setdefault(r.code, []).append(r)
    wanted, crma = set(units), set(entries)
    out: list[ClaimFigure] = []
    for (cls, key), measures in sorted(aggregates.items()):
        if key not in wanted and not (cls == CONCENTRATION and key.rpartition("/")[0] in crma):
            continue
        for _code, rules in sorted(by_class.get(cls, {}).items()):
            if _pick(rules, validation.as_of or date.today()).severity == "info":
                continue  # a declaration to make, not a verdict (module docstring)
            out.append(_claim(rules, cls, key, measures, product_id, validation))
    return tuple(sorted(out, key=lambda c: (c.code, c.unit)))


__all__ = ["CLAIM_PROFILES", "RuleInfo", "ClaimFigure", "rule_catalogue", "aggregate_values", "product_claims"]
