"""The figures of a bid, each computed by the definition the rest of loopsource uses.

A bid is turned into the purchase it would become (delivered to the lot's delivery site on the
contract start date) and measured like any purchase: distance and tier with
``analysis.metrics``, transport emissions with ``scenario.indicators.transport`` and the
emission factors of ``scenario.factors``. The portfolio effect of awarding it is a scenario:
an ``add-source`` operation that moves the lot's ``award_share`` of the delivery site's
purchases of the material to the bidder (at the bid's price and lead time), applied by
``scenario.apply`` and measured by ``scenario.indicators`` (supplier and country HHI, single
sourcing, CRMA benchmark), exactly as ``loopsource scenario`` would.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from ..analysis import metrics
from ..analysis.snapshot import Candidate, Purchase, Snapshot
from ..load.bids import Bid
from ..scenario import EmissionFactors, Operation, Scenario, apply_scenario, indicators
from ..scenario.indicators import transport
from .criteria import Lot


@dataclass(frozen=True)
class BidFigures:
    bid: Bid
    supplier_name: str
    organisation: str
    country: str
    new_site: bool
    price_per_kg: float  # in the tender currency
    distance_km: float | None
    tier: str
    emissions_kg_per_kg: float | None  # transport, kg CO2e per kg delivered
    factor_g_per_tkm: float | None


def as_purchase(bid: Bid, lot: Lot, day: date) -> Purchase:
    """The purchase a bid would become: the lot's delivery site buys the bid's mass from its site."""
    return Purchase(
        id=f"bid:{bid.id}", date=day, buyer_site=lot.delivery_site, supplier_site=bid.supplier_site,
        material=bid.material, quantity=bid.mass_kg, unit="http://qudt.org/vocab/unit/KiloGM", mass_kg=bid.mass_kg,
        spend=bid.unit_price * bid.mass_kg, currency=bid.currency, recycled_share=bid.recycled_share,
        reused_share=0.0, transport_mode=bid.transport_mode, lead_time_days=bid.lead_time_days,
        recycled_pre_consumer_share=bid.pre_consumer_share, recycled_post_consumer_share=bid.post_consumer_share,
        chain_of_custody=bid.chain_of_custody, certificate=bid.certificate)


def bid_figures(bid: Bid, lot: Lot, snapshot: Snapshot, factors: EmissionFactors, rate: float, day: date,
                new_sites: frozenset[str]) -> BidFigures:
    """Price in the tender currency (``rate``: tender-currency units per unit of the bid's),
    distance, tier and transport emissions per kg of one bid."""
    p = as_purchase(bid, lot, day)
    km = metrics.distance_km(p, snapshot)
    emissions = None
    if km is not None and bid.transport_mode is not None:
        t = transport(replace(snapshot, purchases=(p,)), factors)
        total = t["emissions_kg_co2e"].get(bid.transport_mode)
        emissions = None if total is None else total / bid.mass_kg
    site = snapshot.sites[bid.supplier_site]
    org = snapshot.organisations.get(site.organisation)
    return BidFigures(bid, org.name if org else site.name, site.organisation, site.country,
                      bid.supplier_site in new_sites, bid.price_per_kg * rate, km, metrics.tier(p, snapshot), emissions,
                      factors.g_per_tkm.get(bid.transport_mode) if bid.transport_mode else None)


def _material_view(ind: Mapping[str, Any], material: str, crma_entry: str | None) -> dict[str, Any]:
    """The portfolio figures of one material from a scenario indicators document (CRMA figures
    are per Annex I entry: the material's own entry, or none for a non-strategic material)."""
    res = ind["resilience"]
    years = ind["crma"].get(crma_entry, {}) if crma_entry else {}
    worst = max(years.items(), key=lambda kv: (kv[1]["share"], kv[0]), default=None)
    return {
        "supplier_hhi": res["supplier_hhi"].get(material),
        "country_hhi": res["country_hhi"].get(material),
        "single_source": material in res["single_source_materials"],
        "crma_largest_non_eu_share": worst[1]["share"] if worst else None,
        "crma_country": worst[1]["country"] if worst else None,
        "crma_year": worst[0] if worst else None,
        "crma_breach": any(r["exceeds"] for r in years.values()),
        "transport_emissions_kg_co2e": ind["transport"]["emissions_kg_co2e_total"],
        "local_share": ind["local_share"],
    }


def baseline_view(snapshot: Snapshot, factors: EmissionFactors) -> dict[str, Any]:
    """The indicators of today's flows, measured once per tender."""
    return indicators(snapshot, factors)


def award_effect(bid: Bid, lot: Lot, snapshot: Snapshot, factors: EmissionFactors, base: Mapping[str, Any],
                 day: date, file: str) -> dict[str, Any]:
    """Before and after awarding ``bid``: the add-source scenario (module docstring); when the
    delivery site has never bought the material, the bid is added as a new purchase instead."""
    cand = Candidate(bid.supplier_site, lot.material, math.inf, bid.price_per_kg, bid.currency, bid.lead_time_days)
    params: dict[str, Any] = {"material": lot.material, "candidate": bid.supplier_site, "share": lot.award_share,
                              "buyer": lot.delivery_site}
    if bid.transport_mode:
        params["transport_mode"] = bid.transport_mode
    scenario = Scenario(f"award {bid.id}", f"lot {lot.id} awarded to bid {bid.id}", file,
                        (Operation("add-source", lot.line, params, {}),))
    result = apply_scenario(scenario, replace(snapshot, candidates=snapshot.candidates + (cand,)))
    after = result.snapshot
    moved = result.operations[0].moved_kg
    note = None
    if moved == 0:
        after = replace(after, purchases=after.purchases + (as_purchase(bid, lot, day),))
        note = (f"{lot.delivery_site} has not bought {lot.material} before: the award adds the bid's "
                f"{bid.mass_kg:,.0f} kg as a new purchase")
    ind = indicators(after, factors)
    mat = snapshot.materials.get(lot.material)
    entry = mat.crma_entry if mat else None
    return {"moved_kg": moved, "note": note, "before": _material_view(base, lot.material, entry),
            "after": _material_view(ind, lot.material, entry)}
