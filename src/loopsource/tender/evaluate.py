"""Evaluating a tender: bids read against the graph, knocked out by SHACL, scored, ranked.

``read_tender`` reads the store once and loads the bids into the snapshot (new supplier sites
included); ``evaluate`` computes the tender document (the JSON output; the HTML page is
rendered from it by ``loopsource.render.tender``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..analysis.snapshot import Snapshot, snapshot_from_triples
from ..errors import InputError, Problem, TenderError
from ..load.bids import BidFile, load_bids
from ..rdf.terms import parse_ntriples
from ..rdf.vocab import GRAPHS
from ..scenario import EmissionFactors
from ..store import GraphStore
from .criteria import AWARD, BASES, Criteria
from .figures import BidFigures, award_effect, baseline_view, bid_figures
from .knockout import KnockOut, check_bids, knockout_shapes, requirement_text
from .score import FORMULAS, Scored, score_lot
from ..files import json_safe

#: How many of a lot's best admissible bids the document details the award scenario of.
TOP_BIDS = 3


@dataclass(frozen=True)
class TenderInput:
    criteria: Criteria
    bids: BidFile
    snapshot: Snapshot  # the store's data with the bids' new supplier sites
    bids_file: str


def read_tender(store: GraphStore, bids_path: Path, criteria: Criteria) -> TenderInput:
    """The store's snapshot, and the bids checked against it (ids, lots, materials, currencies)."""
    onto = parse_ntriples(store.export(GRAPHS.ontology, ox.RdfFormat.N_TRIPLES).decode("utf-8"))
    data = parse_ntriples(store.export(GRAPHS.asserted, ox.RdfFormat.N_TRIPLES).decode("utf-8"))
    snap = snapshot_from_triples(onto, data)
    for lot in criteria.lots:
        if lot.material not in snap.materials:
            raise TenderError(f"{criteria.file}:{lot.line}: lot {lot.id}: unknown material {lot.material!r}")
        if lot.delivery_site not in snap.sites:
            raise TenderError(f"{criteria.file}:{lot.line}: lot {lot.id}: unknown delivery_site {lot.delivery_site!r}")
    bid_file = load_bids(bids_path, sites={s.id: s.organisation for s in snap.sites.values()},
                         materials=snap.materials, organisations=snap.organisations)
    if bid_file.new_sites:
        snap = snapshot_from_triples(onto, data + parse_ntriples(bid_file.ntriples))
    _check_references(bid_file, criteria, snap, Path(bids_path).name)
    return TenderInput(criteria, bid_file, snap, Path(bids_path).name)


def _check_references(bid_file: BidFile, criteria: Criteria, snap: Snapshot, name: str) -> None:
    """Bids must name the criteria's tender, one of its lots and that lot's material, and a
    currency the store's fx.csv converts to the tender currency."""
    problems = []
    needs_mode = {lot.id for lot in criteria.lots for a in lot.award
                  if a.kind == "life_cycle_cost" or (a.kind == "transport" and a.options["measure"] == "emissions")}
    for b in bid_file.bids:
        lot = criteria.lot(b.lot)
        if b.tender != criteria.tender:
            problems.append(Problem(name, b.line, "tender", f"{b.tender!r} is not the tender of the criteria "
                                                            f"file ({criteria.tender!r})"))
        if lot is None:
            problems.append(Problem(name, b.line, "lot", f"unknown lot {b.lot!r} (lots: "
                                                         f"{', '.join(x.id for x in criteria.lots)})"))
        elif b.material != lot.material:
            problems.append(Problem(name, b.line, "material", f"lot {lot.id} is for {lot.material}, not {b.material}"))
        if b.currency != criteria.currency and b.currency not in snap.fx:
            problems.append(Problem(name, b.line, "currency", f"no exchange rate for {b.currency} in the store "
                                                              f"(fx.csv) to compare with {criteria.currency}"))
        if lot is not None and lot.id in needs_mode and b.transport_mode is None:
            problems.append(Problem(name, b.line, "transport_mode", "required: the lot's award criteria use "
                                                                    "transport emissions"))
    if problems:
        raise InputError(problems)


def _rate(currency: str, criteria: Criteria, fx: dict[str, float]) -> float:
    """Tender-currency units per unit of ``currency`` (fx.csv rates are reporting-currency units
    per unit; a tender currency fx.csv does not list is the reporting currency)."""
    if currency == criteria.currency:
        return 1.0
    return fx[currency] / fx.get(criteria.currency, 1.0)


def evaluate(inp: TenderInput, factors: EmissionFactors) -> dict[str, Any]:
    """The tender document: per lot, the admissible bids ranked with their score per criterion,
    the knock-outs with their reasons, and the portfolio effect of the best bids."""
    criteria, snap = inp.criteria, inp.snapshot
    shapes_text, checks = knockout_shapes(criteria)
    knockouts = check_bids(inp.bids.ntriples, shapes_text, checks, inp.bids.bids)
    out_ids = {k.bid for k in knockouts}
    base = baseline_view(snap, factors)
    new_sites = frozenset(inp.bids.new_sites)
    lots = []
    for lot in criteria.lots:
        bids = [b for b in inp.bids.bids if b.lot == lot.id]
        admissible = [b for b in bids if b.id not in out_ids]
        figs = [bid_figures(b, lot, snap, factors, _rate(b.currency, criteria, snap.fx), criteria.contract_start,
                            new_sites) for b in admissible]
        need_portfolio = any(a.kind == "portfolio" for a in lot.award)
        effects = {b.id: award_effect(b, lot, snap, factors, base, criteria.contract_start, criteria.file)
                   for b in admissible} if need_portfolio else {}
        ranked = score_lot(figs, lot.award, effects)
        for s in ranked[:TOP_BIDS]:
            if s.figures.bid.id not in effects:
                effects[s.figures.bid.id] = award_effect(s.figures.bid, lot, snap, factors, base,
                                                         criteria.contract_start, criteria.file)
        lots.append(_lot_doc(lot, snap, ranked, [k for k in knockouts if k.lot == lot.id], effects, bids))
    return json_safe({
        "tender": {"id": criteria.tender, "title": criteria.title, "currency": criteria.currency,
                   "contract_start": criteria.contract_start.isoformat(), "criteria_file": criteria.file,
                   "bids_file": inp.bids_file, "bids": len(inp.bids.bids), "new_sites": list(inp.bids.new_sites)},
        "lots": lots,
        "methodology": {"formulas": dict(FORMULAS), "bases": dict(BASES),
                        "award_defaults": {k: dict(v) for k, v in AWARD.items()},
                        "emission_factors": {"version": factors.version, "g_per_tkm": dict(factors.g_per_tkm)},
                        "portfolio": "add-source scenario: the lot's award_share of the delivery site's purchases "
                                     "of the material moves to the bidder (scenario.apply), measured with "
                                     "scenario.indicators"},
        "knockout_shapes": shapes_text,
    })


def _bid_row(rank: int, s: Scored, effects: dict[str, Any]) -> dict[str, Any]:
    f: BidFigures = s.figures
    b = f.bid
    return {
        "rank": rank, "bid": b.id, "line": b.line, "supplier_site": b.supplier_site, "supplier": f.supplier_name,
        "country": f.country, "new_site": f.new_site, "total": s.total,
        "scores": {k: {"score": s.scores[k], "points": s.points[k], "value": s.values[k],
                       "components": dict(s.parts.get(k, {}))} for k in s.scores},
        "figures": {"price_per_kg": f.price_per_kg, "bid_currency": b.currency, "unit_price": b.unit_price,
                    "unit": b.unit, "quantity": b.quantity, "mass_kg": b.mass_kg, "distance_km": f.distance_km,
                    "tier": f.tier, "transport_mode": b.transport_mode, "factor_g_per_tkm": f.factor_g_per_tkm,
                    "emissions_kg_co2e_per_kg": f.emissions_kg_per_kg, "lead_time_days": b.lead_time_days,
                    "recycled_share": b.recycled_share, "pre_consumer_share": b.pre_consumer_share,
                    "post_consumer_share": b.post_consumer_share, "chain_of_custody": b.chain_of_custody,
                    "certificate": b.certificate, "take_back": b.take_back, "warranty_years": b.warranty_years,
                    "certifications": list(b.certifications)},
        "award_effect": effects.get(b.id),
    }


def _lot_doc(lot: Any, snap: Snapshot, ranked: list[Scored], kos: list[KnockOut], effects: dict[str, Any],
             bids: list[Any]) -> dict[str, Any]:
    by_bid: dict[str, list[KnockOut]] = {}
    for k in kos:
        by_bid.setdefault(k.bid, []).append(k)
    knocked = []
    for b in bids:
        if b.id in by_bid:
            ks = by_bid[b.id]
            knocked.append({"bid": b.id, "line": b.line, "supplier_site": b.supplier_site,
                            "missing_evidence": sorted({k.missing_evidence for k in ks if k.missing_evidence}),
                            "reasons": [{"code": k.code, "requirement": k.requirement, "path": k.path,
                                         "constraint": k.constraint, "value": k.value, "message": k.message}
                                        for k in ks]})
    return {
        "id": lot.id, "title": lot.title, "material": lot.material, "material_name": snap.materials[lot.material].name,
        "delivery_site": lot.delivery_site, "delivery_site_name": snap.sites[lot.delivery_site].name,
        "award_share": lot.award_share,
        "requirements": [{"requirement": r.kind, "value": list(r.value) if isinstance(r.value, tuple) else r.value,
                          "evidence": list(r.evidence), "basis": r.basis, "text": requirement_text(r)}
                         for r in lot.requirements],
        "award": [{"criterion": a.kind, "weight": a.weight, "options": dict(a.options), "formula": FORMULAS[a.kind]}
                  for a in lot.award],
        "ranking": [_bid_row(i, s, effects) for i, s in enumerate(ranked, start=1)],
        "knocked_out": knocked,
        "winner": ranked[0].figures.bid.id if ranked else None,
    }


