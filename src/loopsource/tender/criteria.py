"""The tender's criteria file (YAML): knock-out requirements and weighted award criteria.

Structure (documented with every key in docs/tender.md), after the EU green public
procurement (GPP) criteria and Directive 2014/24/EU: *knock-out* requirements are selection
criteria (Art. 58, 62) and technical specifications (Art. 42, 43), each a SHACL shape; *award*
criteria give the most economically advantageous tender (Art. 67) by price or life-cycle cost
(Art. 68) and quality criteria, with weights that add up to 100 per lot. Tender-wide
knock-outs apply to every lot, a lot's own are added; a lot's ``award`` list replaces the
tender-wide one. Errors name ``FILE:LINE``.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..errors import ScenarioError, TenderError
from ..load.bids import CERTIFICATIONS
from ..rdf.vocab import code_lists
from ..scenario.parse import compose_yaml

#: requirement -> (what its value is, the default basis in the tender documents)
REQUIREMENTS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "min_recycled_share": ("share", "technical_specification"),
    "min_post_consumer_share": ("share", "technical_specification"),
    "take_back": ("none", "contract_performance_clause"),
    "certification": ("certification", "selection_criterion"),
    "max_lead_time_days": ("number", "technical_specification"),
    "min_warranty_years": ("number", "technical_specification"),
    "transport_modes": ("modes", "technical_specification"),
})
BASES: Mapping[str, str] = MappingProxyType({
    "selection_criterion": "Directive 2014/24/EU Art. 58 and 62 (selection criteria, environmental management)",
    "technical_specification": "Directive 2014/24/EU Art. 42 and 43 (technical specifications, labels)",
    "contract_performance_clause": "Directive 2014/24/EU Art. 70 (conditions for performance of contracts)",
})
EVIDENCE: tuple[str, ...] = ("certificate", "chain_of_custody")
#: award criterion -> its options with their defaults
AWARD: Mapping[str, Mapping[str, Any]] = MappingProxyType({
    "price": {},
    "life_cycle_cost": {"carbon_price_per_t_co2e": 0.0, "end_of_life_cost_per_kg": 0.0},
    "circularity": {"components": {"recycled_content": 0.6, "take_back": 0.3, "warranty": 0.1},
                    "evidence": "certificate"},
    "transport": {"measure": "emissions"},
    "lead_time": {},
    "portfolio": {"components": {"supplier_hhi": 0.35, "country_hhi": 0.35, "single_sourcing": 0.15, "crma": 0.15}},
})


@dataclass(frozen=True)
class Requirement:
    """One knock-out requirement of a lot (a shape in the generated SHACL)."""

    kind: str
    value: Any  # float, certification name, tuple of transport modes, or None
    evidence: tuple[str, ...]  # min_recycled_share / min_post_consumer_share: evidence asked for
    basis: str  # selection_criterion | technical_specification | contract_performance_clause
    line: int


@dataclass(frozen=True)
class AwardCriterion:
    kind: str
    weight: float  # points out of 100
    options: Mapping[str, Any]
    line: int


@dataclass(frozen=True)
class Lot:
    id: str
    title: str
    material: str
    delivery_site: str
    award_share: float  # share of the delivery site's demand for the material the contract covers
    requirements: tuple[Requirement, ...]
    award: tuple[AwardCriterion, ...]
    line: int


@dataclass(frozen=True)
class Criteria:
    file: str
    tender: str
    title: str
    currency: str
    contract_start: date
    lots: tuple[Lot, ...]

    def lot(self, lot_id: str) -> Lot | None:
        return next((x for x in self.lots if x.id == lot_id), None)


class _Reader:
    """Typed access to composed YAML values, raising ``FILE:LINE: reason``."""

    def __init__(self, file: str):
        self.file = file

    def err(self, line: int, reason: str) -> TenderError:
        return TenderError(f"{self.file}:{line}: {reason}")

    def mapping(self, y: Any, what: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(y.value, dict):
            raise self.err(y.line, f"{what} must be a mapping")
        unknown = [k for k in y.value if k not in allowed]
        if unknown:
            raise self.err(y.value[unknown[0]].line, f"{what}: unknown key {unknown[0]!r}; allowed: "
                                                     f"{', '.join(sorted(allowed))}")
        return y.value

    def text(self, m: dict[str, Any], key: str, line: int, default: str | None = None) -> str:
        if key not in m:
            if default is None:
                raise self.err(line, f"missing key {key!r}")
            return default
        v = m[key].value
        if isinstance(v, bool) or not isinstance(v, (str, int)) or not str(v).strip():
            raise self.err(m[key].line, f"{key} must be text, not {v!r}")
        return str(v).strip()

    def number(self, y: Any, key: str, lo: float = 0.0, hi: float = math.inf) -> float:
        v = y.value
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)):
            raise self.err(y.line, f"{key} must be a number, not {v!r}")
        if not lo <= float(v) <= hi:
            raise self.err(y.line, f"{key} {v} is outside [{lo:g}, {hi:g}]")
        return float(v)

    def fractions(self, y: Any, key: str, allowed: Mapping[str, float]) -> dict[str, float]:
        m = self.mapping(y, key, set(allowed))
        out = {k: self.number(v, f"{key}.{k}", 0.0, 1.0) for k, v in m.items()}
        if abs(sum(out.values()) - 1.0) > 1e-9:
            raise self.err(y.line, f"{key} must add up to 1 (they add up to {sum(out.values()):g})")
        return out


def _requirement(r: _Reader, y: Any) -> Requirement:
    m = r.mapping(y, "knock-out requirement", {"requirement", "value", "evidence", "basis"})
    kind = r.text(m, "requirement", y.line)
    if kind not in REQUIREMENTS:
        raise r.err(m["requirement"].line, f"unknown requirement {kind!r}; one of {', '.join(REQUIREMENTS)}")
    what, basis = REQUIREMENTS[kind]
    value: Any = None
    if what != "none":
        if "value" not in m:
            raise r.err(y.line, f"{kind}: missing key 'value'")
        vy = m["value"]
        if what == "share":
            value = r.number(vy, "value", 0.0, 1.0)
        elif what == "number":
            value = r.number(vy, "value")
        elif what == "certification":
            folded = {c.lower(): c for c in CERTIFICATIONS}
            value = folded.get(str(vy.value).strip().lower())
            if value is None:
                raise r.err(vy.line, f"unknown certification {vy.value!r}; one of {'; '.join(CERTIFICATIONS)}")
        else:
            modes = vy.value if isinstance(vy.value, list) else [vy]
            value = tuple(str(x.value) for x in modes)
            bad = [x for x in value if x not in code_lists().transport_modes]
            if bad or not value:
                raise r.err(vy.line, f"transport_modes: {bad[0] if bad else 'empty'!r} is not one of "
                                     f"{', '.join(code_lists().transport_modes)}")
    elif "value" in m:
        raise r.err(m["value"].line, f"{kind} takes no value")
    evidence: tuple[str, ...] = ()
    if "evidence" in m:
        if kind not in ("min_recycled_share", "min_post_consumer_share"):
            raise r.err(m["evidence"].line, f"{kind} takes no evidence (only recycled-content requirements do)")
        ev = m["evidence"].value
        items = [str(x.value) for x in ev] if isinstance(ev, list) else [str(ev)]
        bad = [x for x in items if x not in EVIDENCE]
        if bad:
            raise r.err(m["evidence"].line, f"evidence {bad[0]!r} is not one of {', '.join(EVIDENCE)}")
        evidence = tuple(dict.fromkeys(items))
    basis = r.text(m, "basis", y.line, basis)
    if basis not in BASES:
        raise r.err(m["basis"].line, f"basis {basis!r} is not one of {', '.join(BASES)}")
    return Requirement(kind, value, evidence, basis, y.line)


def _award(r: _Reader, y: Any) -> AwardCriterion:
    m = y.value if isinstance(y.value, dict) else {}
    kind = r.text(m, "criterion", y.line) if m else ""
    if kind not in AWARD:
        raise r.err(y.line, f"an award criterion is a mapping with 'criterion' (one of {', '.join(AWARD)}) "
                            "and 'weight'")
    defaults = AWARD[kind]
    m = r.mapping(y, f"award criterion {kind}", {"criterion", "weight", *defaults})
    if "weight" not in m:
        raise r.err(y.line, f"{kind}: missing key 'weight'")
    options: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in defaults.items()}
    for key, vy in m.items():
        if key in ("criterion", "weight"):
            continue
        if key == "components":
            options[key] = r.fractions(vy, "components", defaults["components"])
        elif key == "measure":
            if vy.value not in ("emissions", "distance"):
                raise r.err(vy.line, "measure is emissions or distance")
            options[key] = vy.value
        elif key == "evidence":
            if vy.value not in ("certificate", "none"):
                raise r.err(vy.line, "evidence is certificate or none")
            options[key] = vy.value
        else:
            options[key] = r.number(vy, key)
    return AwardCriterion(kind, r.number(m["weight"], "weight", 0.0, 100.0), MappingProxyType(options), y.line)


def _list(r: _Reader, y: Any, what: str) -> list[Any]:
    if not isinstance(y.value, list):
        raise r.err(y.line, f"{what} must be a list")
    return y.value


def _lot(r: _Reader, y: Any, base_ko: tuple[Requirement, ...], base_award: tuple[AwardCriterion, ...]) -> Lot:
    m = r.mapping(y, "lot", {"id", "title", "material", "delivery_site", "award_share", "knock_out", "award"})
    lot_id = r.text(m, "id", y.line)
    requirements = base_ko + tuple(_requirement(r, x) for x in _list(r, m["knock_out"], "knock_out")) \
        if "knock_out" in m else base_ko
    award = tuple(_award(r, x) for x in _list(r, m["award"], "award")) if "award" in m else base_award
    if not award:
        raise r.err(y.line, f"lot {lot_id}: no award criteria (give 'award' for the tender or the lot)")
    kinds = [a.kind for a in award]
    if len(set(kinds)) != len(kinds):
        raise r.err(y.line, f"lot {lot_id}: an award criterion is given twice")
    if "price" in kinds and "life_cycle_cost" in kinds:
        raise r.err(y.line, f"lot {lot_id}: give price or life_cycle_cost, not both (Art. 67(2))")
    total = sum(a.weight for a in award)
    if abs(total - 100.0) > 1e-9:
        raise r.err(y.line, f"lot {lot_id}: award weights add up to {total:g}, not 100")
    share = r.number(m["award_share"], "award_share", 0.0, 1.0) if "award_share" in m else 1.0
    return Lot(lot_id, r.text(m, "title", y.line, lot_id), r.text(m, "material", y.line),
               r.text(m, "delivery_site", y.line), share, requirements, award, y.line)


def parse_criteria(path: Path | str) -> Criteria:
    """Read and check a criteria file (form only; ids are checked against the graph later)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise TenderError(f"{path}: cannot read the criteria file: {e}") from None
    r = _Reader(str(path))
    try:
        root = compose_yaml(text, str(path))
    except ScenarioError as e:  # the composer's error names FILE:LINE already
        raise TenderError(str(e)) from None
    if root is None:
        raise r.err(1, "the criteria file is empty")
    m = r.mapping(root, "the criteria file", {"tender", "title", "currency", "contract_start", "knock_out", "award",
                                              "lots"})
    base_ko = tuple(_requirement(r, x) for x in _list(r, m["knock_out"], "knock_out")) if "knock_out" in m else ()
    base_award = tuple(_award(r, x) for x in _list(r, m["award"], "award")) if "award" in m else ()
    if "lots" not in m:
        raise r.err(root.line, "missing key 'lots'")
    lots = tuple(_lot(r, x, base_ko, base_award) for x in _list(r, m["lots"], "lots"))
    ids = [x.id for x in lots]
    if not lots or len(set(ids)) != len(ids):
        raise r.err(m["lots"].line, "lots must be a non-empty list with unique ids")
    currency = r.text(m, "currency", root.line)
    if len(currency) != 3 or not currency.isupper():
        raise r.err(m["currency"].line, f"currency {currency!r} is not an ISO 4217 code")
    start = m.get("contract_start")
    try:
        day = start.value if start is not None and isinstance(start.value, date) else \
            date.fromisoformat(str(start.value)) if start is not None else date.today()
    except ValueError:
        raise r.err(start.line, f"contract_start {start.value!r} is not a date (YYYY-MM-DD)") from None
    return Criteria(str(path), r.text(m, "tender", root.line), r.text(m, "title", root.line, ""), currency, day, lots)
