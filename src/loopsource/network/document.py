"""The network document: baseline and optimised network side by side, as plain JSON data.

One document for both outputs: ``loopsource network --format json`` writes it, and the HTML page
(``loopsource.render.network``) is rendered from it. Every figure comes from
:func:`loopsource.network.figures.evaluate`, so the baseline and the optimised network are
measured the same way.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

import scipy

from .costs import CostTable
from .data import NetworkData
from .model import Settings, great_circle_km
from .solve import NetworkSolution
from ..files import json_safe

#: Reported share of demand within this great-circle distance of its server when no
#: --service-km constraint is set: about one day's drive (EU driving time: 9 hours a day,
#: Regulation (EC) No 561/2006 Art. 6(1), at about 55-60 km/h on average).
REFERENCE_SERVICE_KM = 500.0

SOLVER = "HiGHS (scipy.optimize.milp)"


def _network(data: NetworkData, sol: NetworkSolution) -> dict[str, Any]:
    """One network: open hubs, objective value, every figure, the routes and the market assignment."""
    inst = data.instance
    where = {p.id: p.point for p in inst.plants} | {h.id: h.point for h in inst.hubs}
    markets = {}
    for m in inst.markets:
        server = sol.market_assignment[m.id]
        markets[m.id] = {"server": server, "maker": sol.production[m.id],
                         "via_hub": server != sol.production[m.id],
                         "km": great_circle_km(where[server], m.point)}
    return {
        "hubs": list(sol.open_hubs),
        "objective_value": sol.objective_value,
        **asdict(sol.figures),
        "flow_routes": {f: h for f, h in sorted(sol.flow_routes.items()) if h is not None},
        "markets": markets,
    }


def _changes(data: NetworkData, base: NetworkSolution, opt: NetworkSolution) -> dict[str, Any]:
    """Flows re-routed and markets served or made elsewhere, optimised against baseline."""
    inst = data.instance
    flows = []
    for f in inst.flows:
        a, b = base.flow_routes.get(f.id), opt.flow_routes.get(f.id)
        if a != b:
            flows.append({"flow": f.id, "supplier_site": f.supplier_site, "plant": f.plant,
                          "material": f.material, "kg_per_year": f.mass_kg_per_year, "mode": f.mode,
                          "from_hub": a, "to_hub": b})
    markets = []
    for m in inst.markets:
        old = (base.market_assignment[m.id], base.production[m.id])
        new = (opt.market_assignment[m.id], opt.production[m.id])
        if old != new:
            markets.append({"market": m.id, "product": m.product, "units_per_year": m.units_per_year,
                            "from_server": old[0], "to_server": new[0], "from_maker": old[1], "to_maker": new[1]})
    return {"flows_rerouted": flows, "markets_reassigned": markets}


def _solver(settings: Settings, opt: NetworkSolution) -> dict[str, Any]:
    st = opt.stats
    return {
        "name": SOLVER, "scipy_version": scipy.__version__, "status": opt.status, "optimal": opt.optimal,
        "mip_gap": opt.mip_gap, "mip_dual_bound": opt.mip_dual_bound, "requested_gap": settings.mip_rel_gap,
        "time_limit_s": settings.time_limit_s, "solver_objective": opt.solver_objective, "message": opt.message,
        "model": None if st is None else {k: v for k, v in asdict(st).items() if not k.endswith("_s")},
        "build_s": None if st is None else st.build_s, "solve_s": None if st is None else st.solve_s,
    }


def _settings(settings: Settings) -> dict[str, Any]:
    return {"objective": settings.objective, "weights": dict(settings.weights), "max_hubs": settings.max_hubs,
            "service_km": settings.service_km, "reported_service_km": settings.service_km
            if settings.service_km is not None else settings.report_service_km,
            "consolidated_mode": settings.consolidated_mode, "outbound_mode": settings.outbound_mode,
            "candidate_reduction": {"max_hub_options": settings.max_hub_options,
                                    "max_market_hub_options": settings.max_market_hub_options}}


def _places(data: NetworkData) -> dict[str, Any]:
    inst, names = data.instance, data.names
    return {
        "plants": [{"id": p.id, "name": names.get(p.id, p.id), "country": p.country, "region": p.region,
                    "lat": p.point.lat, "lon": p.point.lon,
                    "products": sorted(pp.product for pp in inst.plant_products if pp.plant == p.id)}
                   for p in inst.plants],
        "candidate_hubs": [{"id": h.id, "name": names.get(h.id, h.id), "kind": h.kind, "country": h.country,
                            "lat": h.point.lat, "lon": h.point.lon, "fixed_cost_per_year": h.fixed_cost_per_year,
                            "capacity_kg": h.capacity_kg} for h in inst.hubs],
        "market_list": [{"id": m.id, "name": names.get(m.id, m.id), "country": m.country, "region": m.region,
                         "product": m.product, "units_per_year": m.units_per_year, "lat": m.point.lat,
                         "lon": m.point.lon} for m in inst.markets],
        "flow_list": [{"id": f.id, "supplier_site": f.supplier_site, "plant": f.plant, "material": f.material,
                       "kg_per_year": f.mass_kg_per_year, "mode": f.mode, "lat": f.point.lat, "lon": f.point.lon}
                      for f in inst.flows],
    }


def document(data: NetworkData, settings: Settings, base: NetworkSolution, opt: NetworkSolution,
             costs: CostTable, factors: Mapping[str, Any], missing_factors: tuple[str, ...] = ()) -> dict[str, Any]:
    """The network document (README "Network design", docs/network.md "Output")."""
    warnings = list(data.warnings)
    if missing_factors:
        warnings.append(f"no emission factor for mode(s) {', '.join(missing_factors)}: their emissions count as 0")
    return json_safe({
        "currency": data.currency, "years": list(data.years), "settings": _settings(settings),
        "solver": _solver(settings, opt),
        "baseline": _network(data, base), "optimised": _network(data, opt), "changes": _changes(data, base, opt),
        **_places(data), "names": dict(data.names),
        "transport_costs": {"version": costs.version, "currency": costs.currency, "per_tkm": dict(costs.per_tkm),
                            "sources": dict(costs.sources)},
        "emission_factors": dict(factors),
        "warnings": warnings,
        "methodology": {
            "model": "capacitated facility location with single sourcing (docs/network.md)",
            "distance": "haversine great circle (R = 6371.0088 km); tonne-km on ISO 14083 adjusted distances",
            "flows": "purchases per (supplier site, buyer site, material), kg per year over the calendar years "
                     "the data spans",
            "hhi": "DOJ-HMG-2010 0-10,000 points, over mass (the report's definition)",
            "service": "share of demand units whose server (plant or distribution hub) is within "
                       f"{_reported_km(settings)} km, great circle",
        },
    })


def _reported_km(settings: Settings) -> str:
    km = settings.service_km if settings.service_km is not None else settings.report_service_km
    return "(none)" if km is None else f"{km:g}"


