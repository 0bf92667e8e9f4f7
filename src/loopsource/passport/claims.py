"""Conformity claims: the validation results about one product, with the rule, article and date.

A claim is made for every rule of the regulation profiles (``eu-batteries``, ``eu-ppwr``,
``eu-crma``) that checks an aggregate node about the product: the battery materials of a
battery (Art. 8 of Regulation (EU) 2023/1542), the plastic of a packaging product (Art. 7 of
Regulation (EU) 2025/40), the strategic raw materials of its bill of materials (the Art.
5(1)(d) benchmark of Regulation (EU) 2024/1252, per calendar year). The verdict is the
validation's: *fail* when ``validate`` reported the rule on the product's node, *pass* when it
checked the rule and did not, *not in force* when the rule does not apply yet on the as-of
date (``ls:inForceFrom``), *not checked* when it applies but the validation run left its
profile out. The measured value is the aggregate that validation checked
(``validate.aggregates``, the one computation), so value and verdict always agree.
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
from ..validate.shapes import profile_shapes
from ..validate.terms import DCT_SOURCE, IN_FORCE_FROM, IN_FORCE_UNTIL, LSV, LSV_KEY, RULE_CODE, local_name

#: The profiles whose rules become claims (data-quality is always run beside them).
CLAIM_PROFILES: tuple[str, ...] = ("eu-batteries", "eu-ppwr", "eu-crma")
#: Short titles of the regulations the profiles cite (by their ELI number).
TITLES = {"2023/1542": "Batteries Regulation", "2025/40": "Packaging and Packaging Waste Regulation",
          "2024/1252": "Critical Raw Materials Act"}
_SOURCE = re.compile(r"^(Regulation \(EU\) (\d{4}/\d+)), (Art\. [^:]+): (.*)$")
_TOPIC = {"eu-batteries": "circularity.content", "eu-ppwr": "circularity.content", "eu-crma": "governance.compliance"}


@dataclass(frozen=True)
class RuleInfo:
    """One shape of a regulation profile, as the shapes file states it."""

    profile: str
    code: str
    shape: str  # IRI of the node shape
    target: str  # local name of its lsv: target class
    measure: str  # local name of the checked lsv: property
    minimum: float | None
    maximum: float | None
    source: str  # "Regulation (EU) 2023/1542, Art. 8(2)(a): 16 % cobalt from 18 August 2031"
    eli: str | None
    in_force_from: date | None
    in_force_until: date | None

    def in_force(self, day: date) -> bool:
        return (self.in_force_from is None or day >= self.in_force_from) and \
            (self.in_force_until is None or day < self.in_force_until)

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


def rule_catalogue(profiles: Sequence[str] = CLAIM_PROFILES) -> tuple[RuleInfo, ...]:
    """Every top-level node shape with a rule code in the profiles' shapes files."""
    out = []
    for profile in profiles:
        g = profile_shapes(profile)
        for shape in sorted(set(g.subjects(RULE_CODE, None)), key=str):
            target = g.value(shape, SH.targetClass)
            prop = g.value(shape, SH.property)
            if target is None or prop is None or not str(target).startswith(LSV):
                continue
            sources = list(g.objects(shape, DCT_SOURCE))
            minimum, maximum = g.value(prop, SH.minInclusive), g.value(prop, SH.maxInclusive)
            out.append(RuleInfo(
                profile, str(g.value(shape, RULE_CODE)), str(shape), local_name(str(target)),
                local_name(str(g.value(prop, SH.path))), float(minimum) if minimum is not None else None,
                float(maximum) if maximum is not None else None,
                next((str(s) for s in sources if isinstance(s, Literal)), ""),
                next((str(s) for s in sources if isinstance(s, URIRef)), None),
                _date(g.value(shape, IN_FORCE_FROM)), _date(g.value(shape, IN_FORCE_UNTIL))))
    return tuple(out)


def aggregate_values(triples: Sequence[tuple[Any, Any, Any]]) -> dict[tuple[str, str], dict[str, float]]:
    """(lsv class local name, key) -> {measure local name: value} of validation's aggregate nodes."""
    cls: dict[Any, str] = {}
    key: dict[Any, str] = {}
    values: dict[Any, dict[str, float]] = {}
    for s, p, o in triples:
        if p == RDF.type and str(o).startswith(LSV):
            cls[s] = local_name(str(o))
        elif p == LSV_KEY:
            key[s] = str(o)
        elif str(p).startswith(LSV) and isinstance(o, Literal):
            try:
                values.setdefault(s, {})[local_name(str(p))] = float(o)
            except (TypeError, ValueError):
                continue  # a text measure (topCountry)
    return {(cls[n], key[n]): values.get(n, {}) for n in cls if n in key}


@dataclass(frozen=True)
class Reading:
    """One measured value behind a claim (a year, for the CRMA benchmark)."""

    key: str  # the aggregate node's key: product id, or "Lithium/2024"
    label: str
    value: float | None  # 0-1
    failed: bool


@dataclass(frozen=True)
class ClaimFigure:
    """A claim about the product: the rule (as in force on ``as_of``, else as it will be), the
    readings and the verdict."""

    rule: RuleInfo
    subject: str  # what the rule is about: "cobalt materials", "Lithium"
    readings: tuple[Reading, ...]
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


def _claim(rules: Sequence[RuleInfo], subject: str, nodes: Sequence[tuple[str, str, dict[str, float]]],
           validation: ValidationReport) -> ClaimFigure:
    """``nodes``: (key, label, measures) of the aggregate nodes the rule checks for the product."""
    day = validation.as_of or date.today()
    rule = _pick(rules, day)
    checked = {r.code for r in validation.rules}
    failed = {r.focus for r in validation.results if r.code == rule.code}
    readings = tuple(Reading(key, label, measures.get(rule.measure), key in failed) for key, label, measures in nodes)
    if not rule.in_force(day):
        verdict = "not in force"
    elif rule.code not in checked:
        verdict = "not checked"  # in force, but the validation run did not include its profile
    else:
        verdict = "fail" if any(r.failed for r in readings) else "pass"
    return ClaimFigure(rule, subject, readings, verdict, day, _TOPIC.get(rule.profile, "governance.compliance"))


def product_claims(product_id: str, strategic_classes: Sequence[str], aggregates: Mapping[tuple[str, str], dict[str, float]],
                   catalogue: Sequence[RuleInfo], validation: ValidationReport) -> tuple[ClaimFigure, ...]:
    """The claims about one product (module docstring), ordered by rule code."""
    by_target: dict[str, dict[str, list[RuleInfo]]] = {}
    for r in catalogue:
        by_target.setdefault(r.target, {}).setdefault(r.code, []).append(r)
    out: list[ClaimFigure] = []
    for (cls, key), measures in sorted(aggregates.items()):
        if key != product_id:
            continue
        for code, rules in sorted(by_target.get(cls, {}).items()):
            subject = _SUBJECTS.get(cls, cls)
            out.append(_claim(rules, subject, [(key, subject, measures)], validation))
    for cls in sorted(set(strategic_classes)):
        years = [(key, key.split("/", 1)[1], measures) for (c, key), measures in sorted(aggregates.items())
                 if c == "CountryConcentration" and key.split("/", 1)[0] == cls]
        for code, rules in sorted(by_target.get("CountryConcentration", {}).items()):
            if years:
                out.append(_claim(rules, cls, years, validation))
    return tuple(sorted(out, key=lambda c: (c.code, c.subject)))


_SUBJECTS = {"BatteryCobalt": "cobalt materials", "BatteryLithium": "lithium materials",
             "BatteryNickel": "nickel materials", "BatteryLead": "lead materials",
             "PackagingPetContactSensitive": "plastic of contact-sensitive PET packaging",
             "PackagingPlasticContactSensitive": "plastic of contact-sensitive packaging",
             "PackagingBeverageBottle": "plastic of a single-use beverage bottle",
             "PackagingPlasticOther": "plastic of packaging"}


__all__ = ["CLAIM_PROFILES", "RuleInfo", "Reading", "ClaimFigure", "rule_catalogue", "aggregate_values",
           "product_claims"]
