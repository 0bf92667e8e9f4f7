"""Transport emissions per purchase flow to ISO 14083:2023: the one definition.

For every purchase (one transport chain element from the supplier site to the buyer site):

* distance: :func:`loopsource.transport_distance.leg` (the build stores it in the graph; a
  flow the graph does not hold, e.g. a scenario's moved volume, is computed by the same rule)
  between the sites' positions (lat/lon, else the country centroid), supplier -> buyer;
* activity: ``tonne_km = mass_kg / 1000 x distance_km`` (ISO 14083: actual transported mass
  x distance; the purchase mass is the cargo, no packaging or empty containers are added);
* emissions: ``ttw = tonne_km x factor.ttw``, ``wtw = tonne_km x factor.wtw`` (kg CO2e), with
  the factor the run's table assigns to the purchase's ``transport_mode``. Empty running and
  load factors are those inside the factor (DESNZ "average laden": the UK fleet's average
  loading, derived from national road freight statistics); loopsource adds no uplift.

A flow without a transport mode, without positions or without a factor (WTW/TTW) is counted
under ``not_computable`` with its mass or tonne-km, never as 0 kg CO2e.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..definitions import supplier_of
from ..emission_factors import Factor, FactorTable, packaged_table
from ..transport_distance import ISO14083_DAF, ROAD_CIRCUITY, Leg, leg
from .snapshot import Purchase, Site, Snapshot

METHOD = (f"ISO 14083:2023: tonne-km = kg / 1000 x distance (supplier site -> buyer site); road: great circle x "
          f"{ROAD_CIRCUITY:g} (estimated SFD) x 1.05, sea: searoute sea route x 1.15, air: great circle + 95 km, "
          "rail, inland waterway, pipeline: great circle; CO2e = tonne-km x WTW (and TTW) factor of the mode")


@dataclass(frozen=True, slots=True)
class FlowEmission:
    """One purchase flow's transport figures; None where not computable."""

    purchase: str
    buyer_site: str
    supplier_site: str
    supplier: str  # supplier organisation id
    mode: str | None
    mass_kg: float
    leg: Leg | None
    factor: Factor | None
    tonne_km: float | None
    ttw_kg: float | None
    wtw_kg: float | None


def _position(site: Site) -> tuple[float, float] | None:
    if site.lat is not None and site.lon is not None:
        return site.lat, site.lon
    if site.centroid_lat is not None and site.centroid_lon is not None:
        return site.centroid_lat, site.centroid_lon
    return None


def leg_of(p: Purchase, snapshot: Snapshot, cache: dict[tuple[str, str, str], Leg | None] | None = None) -> Leg | None:
    """The stored leg of the purchase's (buyer, supplier, mode), else the one computed by the same rule."""
    if p.transport_mode is None or p.transport_mode not in ISO14083_DAF:
        return None
    key = (p.buyer_site, p.supplier_site, p.transport_mode)
    if key in snapshot.transport_legs:
        return snapshot.transport_legs[key]
    if cache is not None and key in cache:
        return cache[key]
    buyer, supplier = snapshot.sites.get(p.buyer_site), snapshot.sites.get(p.supplier_site)
    a = _position(supplier) if supplier else None
    b = _position(buyer) if buyer else None
    result = None if a is None or b is None else leg(p.transport_mode, a[0], a[1], b[0], b[1])
    if cache is not None:
        cache[key] = result
    return result


def table_of(snapshot: Snapshot, table: FactorTable | None = None) -> FactorTable:
    """The factors to use: the caller's, else those the build stored, else the packaged table."""
    return table or snapshot.emission_factors or packaged_table()


def flows(snapshot: Snapshot, table: FactorTable | None = None) -> list[FlowEmission]:
    """Every purchase's transport figures (the one definition)."""
    factors = table_of(snapshot, table)
    cache: dict[tuple[str, str, str], Leg | None] = {}
    out = []
    for p in snapshot.purchases:
        lg = leg_of(p, snapshot, cache)
        f = factors.for_mode(p.transport_mode)
        tkm = None if lg is None else p.mass_kg / 1000.0 * lg.actual_km
        ttw = None if tkm is None or f is None or f.ttw is None else tkm * f.ttw
        wtw = None if tkm is None or f is None or f.wtw is None else tkm * f.wtw
        site = snapshot.sites.get(p.supplier_site)
        supplier = supplier_of(site.organisation if site else None, p.supplier_site)
        out.append(FlowEmission(p.id, p.buyer_site, p.supplier_site, supplier, p.transport_mode,
                                p.mass_kg, lg, f, tkm, ttw, wtw))
    return out


def _sum(values: Iterable[float | None]) -> float:
    return sum(v for v in values if v is not None)


def _known(rows: list[FlowEmission], attr: str) -> float | None:
    """Sum of a figure over the flows that have it; None (not computable) when the flows have
    tonne-km but none of them a factor for it."""
    values = [getattr(r, attr) for r in rows if r.tonne_km is not None]
    known = [v for v in values if v is not None]
    if values and not known and any(r.tonne_km for r in rows if r.tonne_km is not None):
        return None
    return sum(known)


def _group(rows: list[FlowEmission]) -> dict[str, Any]:
    """Totals of a group of flows: the figures added up where computable, and what was not."""
    with_tkm = [r for r in rows if r.tonne_km is not None]
    return {"purchases": len(rows), "mass_kg": _sum(r.mass_kg for r in rows),
            "tonne_km": _sum(r.tonne_km for r in with_tkm),
            "wtw_kg_co2e": _known(rows, "wtw_kg"), "ttw_kg_co2e": _known(rows, "ttw_kg"),
            "tonne_km_without_wtw_factor": _sum(r.tonne_km for r in with_tkm if r.wtw_kg is None),
            "tonne_km_without_ttw_factor": _sum(r.tonne_km for r in with_tkm if r.ttw_kg is None),
            "mass_kg_without_distance": _sum(r.mass_kg for r in rows if r.tonne_km is None)}


def _by(rows: list[FlowEmission], key: Any) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[FlowEmission]] = {}
    for r in rows:
        groups.setdefault(key(r) or "unknown", []).append(r)
    return {k: _group(v) for k, v in sorted(groups.items())}


def row_document(r: FlowEmission) -> dict[str, Any]:
    """One flow as metrics.json ``transport.by_purchase.ID`` (and the query's row) shows it."""
    lg, f = r.leg, r.factor
    return {"buyer_site": r.buyer_site, "supplier_site": r.supplier_site, "supplier": r.supplier, "mode": r.mode,
            "mass_kg": r.mass_kg, "great_circle_km": lg.great_circle_km if lg else None,
            "basis_km": lg.basis_km if lg else None, "distance_km": lg.actual_km if lg else None,
            "distance_method": lg.method if lg else None, "tonne_km": r.tonne_km,
            "factor": f.key if f else None, "wtw_kg_co2e": r.wtw_kg, "ttw_kg_co2e": r.ttw_kg}


def section(snapshot: Snapshot, table: FactorTable | None = None) -> dict[str, Any]:
    """metrics.json ``transport``: totals, by mode, plant (buyer site), supplier and purchase."""
    factors = table_of(snapshot, table)
    rows = flows(snapshot, factors)
    total = _group(rows)
    no_factor = sorted({r.mode for r in rows if r.tonne_km is not None and r.wtw_kg is None and r.mode})
    return {
        **total,
        "method": METHOD,
        "factors": factors.describe(),
        "not_computable": {
            "purchases_without_mode": sum(1 for r in rows if r.mode is None),
            "purchases_without_positions": sum(1 for r in rows if r.mode is not None and r.leg is None),
            "modes_without_factor": [f"{m}: needs a factor for transport mode {m} (--emission-factors FILE)"
                                     for m in no_factor],
        },
        "by_mode": _by(rows, lambda r: r.mode),
        "by_plant": _by(rows, lambda r: r.buyer_site),
        "by_supplier": _by(rows, lambda r: r.supplier),
        "by_purchase": {r.purchase: row_document(r) for r in rows},
    }


def by_mode_totals(rows: Iterable[FlowEmission]) -> Mapping[str, dict[str, Any]]:
    """Per transport mode ("unknown" for none): the scenario comparison's transport figures."""
    return _by(list(rows), lambda r: r.mode)


__all__ = ["FlowEmission", "flows", "leg_of", "section", "row_document", "table_of", "by_mode_totals", "METHOD"]
