"""Network moves as scenario operations: open-hub, serve-market, make-at (issue 17).

A scenario keeps, beside its copy of the purchases, a *network plan*: the open hubs, the supplier
flows routed through a sourcing hub, and for each market the server (plant or distribution hub)
and the plant that makes its units. It starts as today's network (no hubs, every market served
by the nearest plant that makes its product, as ``loopsource.network.baseline``) and each network
operation changes it; the network figures of the scorecard are ``loopsource.network.evaluate``
of the final purchases and plan, the same definitions as ``loopsource network``.

Rules (so that results can be checked by hand):

* ``open-hub`` ``hub`` [``material``, ``buyer`` for a sourcing hub; ``product`` for a distribution
  hub]: the hub is open (its fixed cost counts). A sourcing hub takes every matching supplier flow
  whose transport cost through it (supplier -> hub at the flow's mode, hub -> plant at the
  consolidated mode, ISO 14083 distances) is lower than its current route's. A distribution hub
  serves every matching market that is nearer to it (great circle) than to its current server;
  the units are still made where they were.
* ``serve-market`` ``market``, ``from``: ``from`` a plant that makes the market's product: the
  units are made there and delivered directly; ``from`` a distribution hub: the hub (opened if it
  was not) delivers them, made where they were.
* ``make-at`` ``product``, ``plant`` [``market``]: the units of every market of the product (or of
  the one market) are made at ``plant``; a market its old plant served directly is now served
  directly by ``plant``. The materials follow: for each material of the product's bill of
  materials, units x kg per unit per year (times the years the data spans) move from the old
  plant's purchases of that material to ``plant``, from the same suppliers in proportion (each
  purchase gives up the same fraction), at most what the old plant bought.

Operations run in order, like the others: ``open-hub`` routes the flows that exist when it runs
(flows created later by shift, nearshore ... go direct).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ..analysis.snapshot import Purchase, Snapshot
from ..network.costs import load_costs, mode_factors, money
from ..network.data import NetworkData, data_years, instance_from_snapshot
from ..network.figures import evaluate, leg, nearest_makers
from ..network.model import ModeFactors, Settings, great_circle_km
from .factors import load_factors
from .parse import Operation

#: The network figures of a scenario use the `loopsource network` defaults: rail between hubs and
#: plants, road to markets, and the share of demand within this many km of its server.
SCENARIO_SETTINGS = Settings(report_service_km=500.0)


@dataclass(frozen=True)
class NetworkPlan:
    """Open hubs, flow routes (flow id -> sourcing hub), market servers and makers. The operations
    change the contents of its collections while a scenario is applied, never the fields."""

    open_hubs: set[str] = field(default_factory=set)
    flow_routes: dict[str, str] = field(default_factory=dict)
    assignment: dict[str, str] = field(default_factory=dict)
    production: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NetworkContext:
    """What the network operations and figures price with."""

    modes: dict[str, ModeFactors]
    cash: Any
    settings: Settings = SCENARIO_SETTINGS

    def data(self, snapshot: Snapshot) -> NetworkData:
        return instance_from_snapshot(snapshot, self.modes, self.cash)


def context(snapshot: Snapshot, g_per_tkm: dict[str, float | None] | None = None) -> NetworkContext:
    """Default transport costs (data/transport_costs.yaml) and the given emission factors."""
    if g_per_tkm is None:
        g_per_tkm = dict(load_factors().g_per_tkm)
    costs = load_costs()
    cash = money(costs, snapshot.fx)
    return NetworkContext(mode_factors(costs, g_per_tkm, cash)[0], cash)


def start_plan(data: NetworkData) -> NetworkPlan:
    """Today's network: no hub, every market made and served by its nearest maker."""
    near = {m: pp.plant for m, pp in nearest_makers(data.instance).items()}
    return NetworkPlan(set(), {}, dict(near), dict(near))


def figures(snapshot: Snapshot, ctx: NetworkContext, plan: NetworkPlan | None) -> dict[str, Any] | None:
    """The network figures of a scenario (None when the data has no markets)."""
    if not snapshot.markets:
        return None
    data = ctx.data(snapshot)
    plan = plan or start_plan(data)
    f = evaluate(data.instance, ctx.settings, tuple(sorted(plan.open_hubs)), plan.flow_routes, plan.assignment,
                 plan.production)
    return {"open_hubs": sorted(plan.open_hubs), "currency": data.currency, "total_cost": f.total_cost,
            "transport_cost": f.transport_cost, "hub_fixed_cost": f.hub_fixed_cost, "tonne_km": f.tonne_km,
            "kgco2e": f.kgco2e, "demand_weighted_km": f.demand_weighted_km,
            "share_within_service": f.share_within_service, "service_km": ctx.settings.report_service_km,
            "made_in_region_share": f.made_in_region_share, "production_country_hhi": f.production_country_hhi,
            "flows_via_hub": f.flows_via_hub, "local_share_by_region": dict(f.local_share_by_region)}


# ----------------------------------------------------------------------------- operations


def _route_cost(data: NetworkData, ctx: NetworkContext, flow_index: int, hub: str | None) -> float:
    inst = data.instance
    f = inst.flows[flow_index]
    plant = next(p for p in inst.plants if p.id == f.plant).point
    mf = inst.modes[f.mode]
    if hub is None:
        return leg(f.mass_kg_per_year, f.point, plant, mf)[1]
    at = next(h for h in inst.hubs if h.id == hub).point
    return leg(f.mass_kg_per_year, f.point, at, mf)[1] + \
        leg(f.mass_kg_per_year, at, plant, inst.modes[ctx.settings.consolidated_mode])[1]


def open_hub(op: Operation, snapshot: Snapshot, ctx: NetworkContext, plan: NetworkPlan) -> tuple[int, float, list[str]]:
    """(flows or markets changed, kg per year re-routed, notes)."""
    data = ctx.data(snapshot)
    hub = next(h for h in data.instance.hubs if h.id == op.get("hub"))
    plan.open_hubs.add(hub.id)
    if hub.kind == "distribution_hub":
        moved = 0
        where = {p.id: p.point for p in data.instance.plants} | {h.id: h.point for h in data.instance.hubs}
        for m in data.instance.markets:
            if op.get("product") not in (None, m.product):
                continue
            if great_circle_km(hub.point, m.point) < great_circle_km(where[plan.assignment[m.id]], m.point):
                plan.assignment[m.id] = hub.id
                moved += 1
        return moved, 0.0, [] if moved else [f"no market is nearer to {hub.id} than to its server: none moved"]
    n, kg = 0, 0.0
    for i, f in enumerate(data.instance.flows):
        if op.get("material") not in (None, f.material) or op.get("buyer") not in (None, f.plant):
            continue
        if _route_cost(data, ctx, i, hub.id) < _route_cost(data, ctx, i, plan.flow_routes.get(f.id)):
            plan.flow_routes[f.id] = hub.id
            n, kg = n + 1, kg + f.mass_kg_per_year
    return n, kg, [] if n else [f"no supplier flow is cheaper through {hub.id}: none re-routed"]


def serve_market(op: Operation, snapshot: Snapshot, plan: NetworkPlan) -> None:
    market, source = op.get("market"), op.get("from")
    if source in {h.id for h in snapshot.hubs}:
        plan.open_hubs.add(source)
        plan.assignment[market] = source
    else:
        plan.assignment[market] = plan.production[market] = source


def make_at(op: Operation, snapshot: Snapshot, plan: NetworkPlan, purchases: list[Purchase],
            new_id: Callable[[str], str]) -> tuple[list[Purchase], int, float, list[str]]:
    """Move production (and the materials of the bill of materials): (purchases, markets, kg moved, notes)."""
    product, plant = snapshot.products[op.get("product")], op.get("plant")
    years = max(len(data_years(snapshot.purchases)), 1)
    need: dict[tuple[str, str], float] = {}  # (old plant, material) -> kg over the data's years
    changed = 0
    for m in snapshot.markets:
        if m.product != product.id or op.get("market") not in (None, m.id) or plan.production[m.id] == plant:
            continue
        old = plan.production[m.id]
        plan.production[m.id] = plant
        if plan.assignment[m.id] == old:
            plan.assignment[m.id] = plant
        changed += 1
        for material, kg in product.bom:
            need[(old, material)] = need.get((old, material), 0.0) + m.units_per_year * kg * years
    out, moved, short = list(purchases), 0.0, []
    for (old, material), kg in sorted(need.items()):
        rows = [p for p in out if p.buyer_site == old and p.material == material]
        have = sum(p.mass_kg for p in rows)
        frac = min(1.0, kg / have) if have > 0 else 0.0
        if kg > have * (1 + 1e-9):
            short.append(f"{material} at {old} ({have:,.0f} of {kg:,.0f} kg)")
        keep = {id(p) for p in rows}
        nxt = []
        for p in out:
            if id(p) in keep and frac > 0:
                part = p.mass_kg * frac
                nxt.append(replace(p, id=new_id(p.id), buyer_site=plant, quantity=p.quantity * frac, mass_kg=part,
                                   spend=None if p.spend is None else p.spend * frac))
                if frac < 1.0:
                    nxt.append(replace(p, quantity=p.quantity * (1 - frac), mass_kg=p.mass_kg - part,
                                       spend=None if p.spend is None else p.spend * (1 - frac)))
                moved += part
            else:
                nxt.append(p)
        out = nxt
    notes = [] if changed else [f"every market of {product.id} is already made at {plant}: nothing moved"]
    if short:
        more = f" and {len(short) - 3} more" if len(short) > 3 else ""
        notes.append("the old plant bought less than the moved units need, so all it bought moved: "
                     + "; ".join(short[:3]) + more)
    return out, changed, moved, notes
