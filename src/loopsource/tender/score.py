"""Scoring formulas of the award criteria (each documented in docs/tender.md, and recorded with
every result, as tender documents must state them: Directive 2014/24/EU Art. 67(5), 68(2)).

Scores are in [0, 1] and computed over the *admissible* bids of a lot (those that pass every
knock-out); points = weight x score, and a bid's total is the sum of its points (0-100).
Three normalisations are used:

* ``lowest_ratio``: x_min / x (lower is better; price and life-cycle cost, the "lowest price
  over price" rule);
* ``highest_ratio``: x / x_max (higher is better; 0 when every bid has 0; recycled content
  and warranty);
* ``linear_low``: (x_worst - x) / (x_worst - x_best), linear between the worst and the best
  bid (lower is better; 1 for every bid when they are equal; a bid without the figure scores 0;
  transport, lead time, concentration).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .criteria import AwardCriterion
from .figures import BidFigures

FORMULAS: Mapping[str, str] = {
    "price": "lowest_ratio of the price per kg in the tender currency: P_min / P",
    "life_cycle_cost": "lowest_ratio of LCC per kg = price per kg + carbon price per t CO2e x transport kg CO2e "
                       "per kg / 1000 + end-of-life cost per kg when no take-back is offered (Art. 68(1)(a), (b))",
    "circularity": "sum of components: recycled_content x highest_ratio(recycled share, counted only with a "
                   "certificate unless evidence: none) + take_back x (1 if offered else 0) + warranty x "
                   "highest_ratio(warranty years)",
    "transport": "linear_low of transport kg CO2e per kg (measure: emissions) or of km (measure: distance), "
                 "delivery site to supplier site",
    "lead_time": "linear_low of lead_time_days (none stated: 0)",
    "portfolio": "sum of components after the award scenario: supplier_hhi x linear_low(supplier HHI of the "
                 "material) + country_hhi x linear_low(country HHI) + single_sourcing x (0 if the material is "
                 "bought from one supplier organisation, else 1) + crma x (0 if a year's largest non-EU country "
                 "share of a strategic material exceeds 65 %, else 1)",
}


def lowest_ratio(x: float, xs: Sequence[float]) -> float:
    return min(xs) / x if x > 0 else 1.0


def highest_ratio(x: float, xs: Sequence[float]) -> float:
    top = max(xs, default=0.0)
    return x / top if top > 0 else 0.0


def linear_low(x: float | None, xs: Sequence[float | None]) -> float:
    known = [v for v in xs if v is not None]
    if x is None or not known:
        return 0.0
    worst, best = max(known), min(known)
    return 1.0 if worst == best else (worst - x) / (worst - best)


@dataclass(frozen=True)
class Scored:
    figures: BidFigures
    values: Mapping[str, Any]  # the figure each criterion scores
    scores: Mapping[str, float]  # criterion -> score in [0, 1]
    points: Mapping[str, float]  # criterion -> weight x score
    parts: Mapping[str, Mapping[str, float]]  # composite criteria: component -> score
    total: float


def lcc_per_kg(f: BidFigures, options: Mapping[str, Any]) -> float | None:
    """Life-cycle cost per kg (formula in FORMULAS); None when the transport emissions are unknown."""
    if f.emissions_kg_per_kg is None:
        return None
    eol = 0.0 if f.bid.take_back else float(options["end_of_life_cost_per_kg"])
    return f.price_per_kg + float(options["carbon_price_per_t_co2e"]) * f.emissions_kg_per_kg / 1000.0 + eol


def counted_recycled_share(f: BidFigures, evidence: str) -> float:
    """The recycled share the circularity criterion counts: a claim without a certificate counts 0
    (unless the criterion says evidence: none); no claim counts 0."""
    share = f.bid.recycled_share or 0.0
    return share if evidence == "none" or f.bid.certificate else 0.0


def _values(figs: Sequence[BidFigures], award: Sequence[AwardCriterion],
            effects: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for f in figs:
        v: dict[str, Any] = {}
        for a in award:
            if a.kind == "price":
                v["price"] = f.price_per_kg
            elif a.kind == "life_cycle_cost":
                v["life_cycle_cost"] = lcc_per_kg(f, a.options)
            elif a.kind == "circularity":
                v["circularity"] = {"recycled_content": counted_recycled_share(f, a.options["evidence"]),
                                    "take_back": 1.0 if f.bid.take_back else 0.0,
                                    "warranty": f.bid.warranty_years or 0.0}
            elif a.kind == "transport":
                v["transport"] = f.emissions_kg_per_kg if a.options["measure"] == "emissions" else f.distance_km
            elif a.kind == "lead_time":
                v["lead_time"] = f.bid.lead_time_days
            else:
                after = effects[f.bid.id]["after"]
                v["portfolio"] = {"supplier_hhi": after["supplier_hhi"], "country_hhi": after["country_hhi"],
                                  "single_sourcing": 0.0 if after["single_source"] else 1.0,
                                  "crma": 0.0 if after["crma_breach"] else 1.0}
        out.append(v)
    return out


def _composite(kind: str, comps: Mapping[str, float], v: Mapping[str, Any],
               all_v: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    parts = {}
    for c in comps:
        column = [x[kind][c] for x in all_v]
        if c in ("recycled_content", "warranty"):
            parts[c] = highest_ratio(v[kind][c], column)
        elif c in ("supplier_hhi", "country_hhi"):
            parts[c] = linear_low(v[kind][c], column)
        else:
            parts[c] = v[kind][c]  # already 0 or 1
    return parts


def score_lot(figs: Sequence[BidFigures], award: Sequence[AwardCriterion],
              effects: Mapping[str, Mapping[str, Any]]) -> list[Scored]:
    """Score the admissible bids of one lot and rank them (total, then price, then bid id)."""
    values = _values(figs, award, effects)
    scored = []
    for f, v in zip(figs, values):
        scores: dict[str, float] = {}
        parts: dict[str, dict[str, float]] = {}
        for a in award:
            column = [x[a.kind] for x in values]
            if a.kind in ("price", "life_cycle_cost"):
                x = v[a.kind]
                scores[a.kind] = 0.0 if x is None else lowest_ratio(x, [c for c in column if c is not None])
            elif a.kind in ("transport", "lead_time"):
                scores[a.kind] = linear_low(v[a.kind], column)
            else:
                comps = a.options["components"]
                parts[a.kind] = _composite(a.kind, comps, v, values)
                scores[a.kind] = sum(comps[c] * parts[a.kind][c] for c in comps)
        points = {a.kind: a.weight * scores[a.kind] for a in award}
        scored.append(Scored(f, v, scores, points, parts, sum(points.values())))
    scored.sort(key=lambda s: (-round(s.total, 9), s.figures.price_per_kg, s.figures.bid.id))
    return scored
