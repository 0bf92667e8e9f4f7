"""Figures of a network (baseline or optimised), computed the same way for both.

A network is fully described by: the open hubs, the route of each supplier flow (direct to its
plant, or through one sourcing hub), and for each market the server (a plant or a distribution
hub) and the plant that makes its units. ``evaluate`` turns that into tonne-km, emissions,
cost and service figures leg by leg, with the scalar distance functions of model.py; the MILP
in solve.py uses vectorised copies of the same formulas, and the tests check they agree.

Legs:
* inbound direct: supplier -> plant at the flow's mode;
* inbound via sourcing hub h: supplier -> h at the flow's mode, h -> plant at the consolidated mode;
* outbound direct: plant -> market at the outbound mode;
* outbound via distribution hub d: plant -> d at the consolidated mode, d -> market at the
  outbound mode.
Mass of a market's units = units_per_year x unit_mass_kg of the plant that makes them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .errors import InfeasibleError, NetworkError
from .model import Instance, ModeFactors, Point, PlantProduct, Settings, great_circle_km


@dataclass(frozen=True)
class NetworkFigures:
    """Yearly figures of one network. Distances to markets are great-circle km from the server."""

    tonne_km_inbound: float
    tonne_km_outbound: float
    tonne_km: float
    kgco2e: float
    transport_cost: float
    hub_fixed_cost: float
    total_cost: float          # transport_cost + hub_fixed_cost
    demand_units: float
    unit_km: float             # sum over markets of units x km to the server
    demand_weighted_km: float  # unit_km / demand_units: mean distance of a unit to its server
    share_within_service: float | None  # share of units whose server is within service_km
    flows_via_hub: int
    mass_via_hub_kg: float


@dataclass(frozen=True)
class ObjectiveWeights:
    """objective = cost x total_cost + emissions x kgco2e + distance x unit_km."""

    cost: float
    emissions: float
    distance: float

    def value(self, f: NetworkFigures) -> float:
        return self.cost * f.total_cost + self.emissions * f.kgco2e + self.distance * f.unit_km


def objective_weights(settings: Settings, base: NetworkFigures | None) -> ObjectiveWeights:
    """Per-unit weights of the three components for ``settings.objective``.

    ``weighted`` divides each user weight by the baseline's value of that component, so that
    the components are dimensionless and the baseline scores sum(weights); a component that
    is zero in the baseline cannot be normalised and gets weight 0.
    """
    if settings.objective == "cost":
        return ObjectiveWeights(1.0, 0.0, 0.0)
    if settings.objective == "emissions":
        return ObjectiveWeights(0.0, 1.0, 0.0)
    if settings.objective == "distance":
        return ObjectiveWeights(0.0, 0.0, 1.0)
    if base is None:
        raise NetworkError("the weighted objective needs the baseline figures", "input")
    w = settings.weights

    def norm(key: str, denom: float) -> float:
        return w.get(key, 0.0) / denom if denom > 0 else 0.0

    return ObjectiveWeights(norm("cost", base.total_cost), norm("emissions", base.kgco2e),
                            norm("distance", base.unit_km))


def leg(mass_kg: float, a: Point, b: Point, mf: ModeFactors) -> tuple[float, float, float]:
    """(tonne-km, cost, kg CO2e) of carrying ``mass_kg`` from a to b by mode ``mf``."""
    tkm = mass_kg / 1000.0 * mf.adjusted_km(great_circle_km(a, b))
    return tkm, tkm * mf.cost_per_tkm, tkm * mf.kgco2e_per_tkm_wtw


def _mode(inst: Instance, mode: str) -> ModeFactors:
    try:
        return inst.modes[mode]
    except KeyError:
        raise NetworkError(f"no cost or emission factor for transport mode {mode!r}", "input") from None


def evaluate(inst: Instance, settings: Settings, open_hubs: tuple[str, ...],
             flow_routes: Mapping[str, str | None], market_assignment: Mapping[str, str],
             production: Mapping[str, str]) -> NetworkFigures:
    """Figures of the network given by hubs, routes, servers and producing plants."""
    plants = {p.id: p for p in inst.plants}
    hubs = {h.id: h for h in inst.hubs}
    cons, out = _mode(inst, settings.consolidated_mode), _mode(inst, settings.outbound_mode)
    tin = tout = cost = kg = via_mass = 0.0
    n_via = 0
    for f in inst.flows:
        mf, dest, hub = _mode(inst, f.mode), plants[f.plant].point, flow_routes.get(f.id)
        legs = [leg(f.mass_kg_per_year, f.point, dest, mf)] if hub is None else [
            leg(f.mass_kg_per_year, f.point, hubs[hub].point, mf),
            leg(f.mass_kg_per_year, hubs[hub].point, dest, cons)]
        n_via += hub is not None
        via_mass += f.mass_kg_per_year if hub is not None else 0.0
        for t, c, e in legs:
            tin, cost, kg = tin + t, cost + c, kg + e
    pp = {(p.plant, p.product): p for p in inst.plant_products}
    units = unit_km = within = 0.0
    for m in inst.markets:
        maker, server = production[m.id], market_assignment[m.id]
        mass = m.units_per_year * pp[(maker, m.product)].unit_mass_kg
        src = plants[maker].point
        if server == maker:
            legs, at = [leg(mass, src, m.point, out)], src
        else:
            at = hubs[server].point
            legs = [leg(mass, src, at, cons), leg(mass, at, m.point, out)]
        for t, c, e in legs:
            tout, cost, kg = tout + t, cost + c, kg + e
        d = great_circle_km(at, m.point)
        units, unit_km = units + m.units_per_year, unit_km + m.units_per_year * d
        if settings.service_km is not None and d <= settings.service_km:
            within += m.units_per_year
    fixed = sum(hubs[h].fixed_cost_per_year for h in open_hubs)
    share = None if settings.service_km is None else (within / units if units > 0 else 1.0)
    return NetworkFigures(tin, tout, tin + tout, kg, cost, fixed, cost + fixed, units, unit_km,
                          unit_km / units if units > 0 else 0.0, share, n_via, via_mass)


def nearest_makers(inst: Instance) -> dict[str, PlantProduct]:
    """For each market, the nearest plant (great circle) that makes its product; ties by plant id."""
    plants = {p.id: p for p in inst.plants}
    makers: dict[str, list[PlantProduct]] = {}
    for pp in sorted(inst.plant_products, key=lambda p: p.plant):
        makers.setdefault(pp.product, []).append(pp)
    out: dict[str, PlantProduct] = {}
    for m in inst.markets:
        cands = makers.get(m.product)
        if not cands:
            raise InfeasibleError(f"production: no plant makes product {m.product} of market {m.id}",
                               "production")
        out[m.id] = min(cands, key=lambda p: great_circle_km(plants[p.plant].point, m.point))
    return out
