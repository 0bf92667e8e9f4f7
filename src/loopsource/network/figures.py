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

from dataclasses import dataclass, field
from typing import Mapping

from ..analysis.metrics import hhi
from .errors import InfeasibleError, NetworkError
from .model import Instance, ModeFactors, Point, PlantProduct, Settings, great_circle_km


@dataclass(frozen=True)
class NetworkFigures:
    """Yearly figures of one network. Distances to markets are great-circle km from the server.

    Concentration (HHI, 0-10,000 points, ``loopsource.analysis.metrics.hhi``, the report's
    definition): ``supplier_hhi`` and ``supplier_country_hhi`` over the inbound mass of all
    flows by supplier organisation and by supplier country; ``production_country_hhi`` over the
    mass of product made, by the country of the plant that makes it.
    ``local_share_by_region`` (UN M49 region code -> figures): ``inbound``, the share of the
    inbound mass of the region's plants that comes from suppliers in the same region;
    ``made_in_region``, the share of the region's market demand (kg of product) made by
    plants in the region. None where the region has no such mass.
    """

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
    supplier_hhi: float | None = None
    supplier_country_hhi: float | None = None
    production_country_hhi: float | None = None
    made_in_region_share: float | None = None  # all markets: kg made in the market's own region / kg demanded
    local_share_by_region: Mapping[str, Mapping[str, float | None]] = field(default_factory=dict)
    hub_load_kg: Mapping[str, float] = field(default_factory=dict)  # open hub -> kg per year through it


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
    return tkm, tkm * mf.cost_per_tkm, tkm * mf.kgco2e_per_tkm


def _mode(inst: Instance, mode: str) -> ModeFactors:
    try:
        return inst.modes[mode]
    except KeyError:
        raise NetworkError(f"no cost or emission factor for transport mode {mode!r}", "input") from None


def evaluate(inst: Instance, settings: Settings, open_hubs: tuple[str, ...],
             flow_routes: Mapping[str, str | None], market_assignment: Mapping[str, str],
             production: Mapping[str, str]) -> NetworkFigures:
    """Figures of the network given by hubs, routes, servers and producing plants."""
    cons, out = _mode(inst, settings.consolidated_mode), _mode(inst, settings.outbound_mode)
    tin, cost_in, kg_in, n_via, via_mass, load = _inbound(inst, flow_routes, cons)
    o = _outbound(inst, settings, market_assignment, production, cons, out, load)
    hubs = {h.id: h for h in inst.hubs}
    fixed = sum(hubs[h].fixed_cost_per_year for h in open_hubs)
    cost = cost_in + o.cost
    conc = _concentration(inst, production)
    return NetworkFigures(
        tin, o.tkm, tin + o.tkm, kg_in + o.kg, cost, fixed, cost + fixed, o.units, o.unit_km,
        o.unit_km / o.units if o.units > 0 else 0.0, o.share, n_via, via_mass, *conc,
        _ratio(o.made_local, o.mass), _local_by_region(inst, o.made_by_region),
        {h: load.get(h, 0.0) for h in open_hubs})


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def _inbound(inst: Instance, flow_routes: Mapping[str, str | None], cons: ModeFactors
             ) -> tuple[float, float, float, int, float, dict[str, float]]:
    """(tonne-km, cost, kg CO2e, flows via a hub, kg via hubs, kg per hub) of the supplier flows."""
    plants = {p.id: p for p in inst.plants}
    hubs = {h.id: h for h in inst.hubs}
    tkm = cost = kg = via_mass = 0.0
    n_via = 0
    load: dict[str, float] = {}
    for f in inst.flows:
        mf, dest, hub = _mode(inst, f.mode), plants[f.plant].point, flow_routes.get(f.id)
        if hub is None:
            legs = [leg(f.mass_kg_per_year, f.point, dest, mf)]
        else:
            legs = [leg(f.mass_kg_per_year, f.point, hubs[hub].point, mf),
                    leg(f.mass_kg_per_year, hubs[hub].point, dest, cons)]
            n_via += 1
            via_mass += f.mass_kg_per_year
            load[hub] = load.get(hub, 0.0) + f.mass_kg_per_year
        for t, c, e in legs:
            tkm, cost, kg = tkm + t, cost + c, kg + e
    return tkm, cost, kg, n_via, via_mass, load


@dataclass
class _Out:
    tkm: float = 0.0
    cost: float = 0.0
    kg: float = 0.0
    units: float = 0.0
    unit_km: float = 0.0
    share: float | None = None
    mass: float = 0.0         # kg of product delivered to markets
    made_local: float = 0.0   # of which made in the market's own region
    made_by_region: dict[str, list[float]] = field(default_factory=dict)  # region -> [kg made in it, kg]


def _outbound(inst: Instance, settings: Settings, market_assignment: Mapping[str, str],
              production: Mapping[str, str], cons: ModeFactors, out: ModeFactors,
              load: dict[str, float]) -> _Out:
    """Legs from the making plant (through a distribution hub or not) to every market."""
    plants = {p.id: p for p in inst.plants}
    hubs = {h.id: h for h in inst.hubs}
    pp = {(p.plant, p.product): p for p in inst.plant_products}
    limit = settings.service_km if settings.service_km is not None else settings.report_service_km
    o, within = _Out(), 0.0
    for m in inst.markets:
        maker, server = production[m.id], market_assignment[m.id]
        mass = m.units_per_year * pp[(maker, m.product)].unit_mass_kg
        src = plants[maker].point
        if server == maker:
            legs, at = [leg(mass, src, m.point, out)], src
        else:
            at = hubs[server].point
            legs = [leg(mass, src, at, cons), leg(mass, at, m.point, out)]
            load[server] = load.get(server, 0.0) + mass
        for t, c, e in legs:
            o.tkm, o.cost, o.kg = o.tkm + t, o.cost + c, o.kg + e
        d = great_circle_km(at, m.point)
        o.units, o.unit_km = o.units + m.units_per_year, o.unit_km + m.units_per_year * d
        if limit is not None and d <= limit:
            within += m.units_per_year
        local = bool(m.region) and plants[maker].region == m.region
        o.mass += mass
        o.made_local += mass if local else 0.0
        acc = o.made_by_region.setdefault(m.region, [0.0, 0.0])
        acc[0] += mass if local else 0.0
        acc[1] += mass
    o.share = None if limit is None else (within / o.units if o.units > 0 else 1.0)
    return o


def _concentration(inst: Instance, production: Mapping[str, str]
                   ) -> tuple[float | None, float | None, float | None]:
    """(supplier HHI, supplier-country HHI, production-country HHI), each over mass."""
    by_supplier: dict[str, float] = {}
    by_country: dict[str, float] = {}
    for f in inst.flows:
        by_supplier[f.supplier or f.supplier_site] = by_supplier.get(f.supplier or f.supplier_site, 0.0) \
            + f.mass_kg_per_year
        by_country[f.country] = by_country.get(f.country, 0.0) + f.mass_kg_per_year
    plants = {p.id: p for p in inst.plants}
    pp = {(p.plant, p.product): p for p in inst.plant_products}
    made: dict[str, float] = {}
    for m in inst.markets:
        maker = production[m.id]
        cc = plants[maker].country
        made[cc] = made.get(cc, 0.0) + m.units_per_year * pp[(maker, m.product)].unit_mass_kg
    return _hhi(by_supplier), _hhi(by_country), _hhi(made)


def _hhi(masses: Mapping[str, float]) -> float | None:
    total = sum(masses.values())
    return hhi(v / total for v in masses.values()) if total > 0 else None


def _local_by_region(inst: Instance, made_by_region: Mapping[str, list[float]]) -> dict[str, dict[str, float | None]]:
    """Per UN M49 region: inbound local share of its plants and share of its demand made in it."""
    plants = {p.id: p for p in inst.plants}
    inbound: dict[str, list[float]] = {}
    for f in inst.flows:
        region = plants[f.plant].region
        acc = inbound.setdefault(region, [0.0, 0.0])
        acc[0] += f.mass_kg_per_year if f.region == region else 0.0
        acc[1] += f.mass_kg_per_year
    regions = sorted((set(inbound) | set(made_by_region)) - {""})
    return {r: {"inbound": _ratio(*inbound.get(r, [0.0, 0.0])),
                "made_in_region": _ratio(*made_by_region.get(r, [0.0, 0.0]))} for r in regions}


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
