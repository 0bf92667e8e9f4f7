"""Glocal network design as a mixed-integer linear programme, solved by HiGHS (scipy.optimize.milp).

The model (written out in docs/network.md):

* y_h in {0,1}: candidate hub h is open.
* x_fh in {0,1}: supplier flow f goes through sourcing hub h (supplier -> h at the flow's
  mode, h -> plant at the consolidated mode); sum_h x_fh <= 1, and f goes direct when the
  sum is 0 (so the direct route needs no variable and its cost is a constant).
* w_kps in {0,1}: market k's units are made at plant p and delivered by server s (p itself,
  or an open distribution hub d: p -> d at the consolidated mode, d -> k at the outbound
  mode); sum_{p,s} w_kps = 1 (single sourcing).
* x_fh <= y_h and w_kpd <= y_d (disaggregated links: a tighter LP bound than aggregated ones);
  hub capacity sum_f m_f x_fh + sum_k m_kp w_kpd <= cap_h y_h; sum_h y_h <= max_hubs; plant
  capacity sum_{k,s} u_k w_kps <= cap_p,product; service distance: w_kps exists only when
  km(s, k) <= service_km.
* minimise cost (transport + fixed), emissions, demand-weighted distance, or their weighted sum
  (figures.objective_weights); all through one linear form weight . (cost, kg, unit-km).

Candidate reduction (needed at scale: 2,000 hubs x 20,000 flows would be 40M binaries):
1. exact: an option x_fh whose legs cost no less than f's direct route is dropped (direct is
   always allowed, uses no hub capacity, so any solution using it can switch to direct and be
   no worse). Same for w_kpd against w_kp(direct) when the direct delivery meets the service
   distance. Hubs left with no option are not in the model.
2. heuristic: of the remaining options, each flow keeps its ``max_hub_options`` best hubs
   (lowest objective coefficient of the two legs) and each market its
   ``max_market_hub_options`` best distribution hubs. None disables it (exact model). The
   reported gap is then the gap of the reduced model.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Mapping

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, milp

from .errors import InfeasibleError, NetworkError
from .figures import (NetworkFigures, ObjectiveWeights, evaluate, nearest_makers,
                      objective_weights)
from ..geo import EARTH_RADIUS_KM
from .model import Instance, ModeFactors, Settings, great_circle_km

_CHUNK = 2048  # flows per block of the flow x hub distance matrix (bounds memory)


@dataclass(frozen=True)
class ModelStats:
    """Size of the model and of the candidate reduction, and the time spent."""

    hubs_candidate: int
    hubs_in_model: int
    flow_hub_pairs: int            # flows x sourcing hubs: the unreduced x variables
    flow_hub_improving: int        # after the exact dominance filter
    flow_hub_options: int          # after keeping each flow's best max_hub_options
    market_options: int            # w variables
    variables: int
    constraints: int
    build_s: float
    solve_s: float


@dataclass(frozen=True)
class NetworkSolution:
    """A network and its figures. ``optimal`` is True only for a proven optimum within the gap."""

    status: str                    # optimal | time_limit | iteration_limit | baseline | other
    optimal: bool
    mip_gap: float | None
    mip_dual_bound: float | None
    objective: str
    objective_value: float         # weights . figures of the reported network
    solver_objective: float | None  # HiGHS's primal value (>= objective_value: unused hubs closed)
    open_hubs: tuple[str, ...]
    flow_routes: Mapping[str, str | None]
    market_assignment: Mapping[str, str]
    production: Mapping[str, str]
    figures: NetworkFigures
    stats: ModelStats | None = None
    message: str = ""


# ---------------------------------------------------------------- checks


def check_instance(inst: Instance, settings: Settings) -> None:
    """Raise NetworkError on dangling references, duplicate ids, negative amounts, missing modes."""
    for name, items in (("plant", inst.plants), ("flow", inst.flows), ("hub", inst.hubs),
                        ("market", inst.markets)):
        ids = [i.id for i in items]
        if len(set(ids)) != len(ids):
            raise NetworkError(f"duplicate {name} id", "input")
    plants = {p.id for p in inst.plants}
    for mode in {f.mode for f in inst.flows} | {settings.consolidated_mode, settings.outbound_mode}:
        if mode not in inst.modes:
            raise NetworkError(f"no cost or emission factor for transport mode {mode!r}", "input")
    for f in inst.flows:
        if f.plant not in plants or f.mass_kg_per_year < 0:
            raise NetworkError(f"flow {f.id}: unknown plant {f.plant} or negative mass", "input")
    for pp in inst.plant_products:
        if pp.plant not in plants or pp.unit_mass_kg < 0 or (pp.capacity_units_per_year or 0) < 0:
            raise NetworkError(f"plant product {pp.plant}/{pp.product}: unknown plant or negative "
                               "amount", "input")
    if len({(p.plant, p.product) for p in inst.plant_products}) != len(inst.plant_products):
        raise NetworkError("duplicate (plant, product) in plant products", "input")
    for h in inst.hubs:
        if h.fixed_cost_per_year < 0 or (h.capacity_kg or 0) < 0:
            raise NetworkError(f"hub {h.id}: negative fixed cost or capacity", "input")
    if any(m.units_per_year < 0 for m in inst.markets):
        raise NetworkError("a market has negative units_per_year", "input")


def precheck_feasibility(inst: Instance, settings: Settings) -> None:
    """Raise InfeasibleError for the obvious cases before any solving: a product nobody makes,
    a market no plant or distribution hub can serve within the service distance, or a
    product whose demand exceeds the summed capacity of the plants that make it."""
    nearest_makers(inst)  # raises 'production' when a market's product has no plant
    plants = {p.id: p for p in inst.plants}
    dist_hubs = [h for h in inst.hubs if h.kind == "distribution_hub"] if settings.max_hubs != 0 else []
    if settings.service_km is not None:
        bad = []
        for m in inst.markets:
            servers = [(great_circle_km(plants[pp.plant].point, m.point), pp.plant)
                       for pp in inst.plant_products if pp.product == m.product]
            servers += [(great_circle_km(h.point, m.point), h.id) for h in dist_hubs]
            d, sid = min(servers)
            if d > settings.service_km:
                bad.append(f"market {m.id} ({m.product}; nearest possible server {sid} at {d:,.0f} km)")
        if bad:
            more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
            raise InfeasibleError(
                f"service distance: no plant making the product and no candidate distribution hub "
                f"within {settings.service_km:,.0f} km of {'; '.join(bad[:5])}{more}", "service distance")
    for product in sorted({m.product for m in inst.markets}):
        makers = [pp for pp in inst.plant_products if pp.product == product]
        if any(pp.capacity_units_per_year is None for pp in makers):
            continue
        demand = sum(m.units_per_year for m in inst.markets if m.product == product)
        cap = sum(pp.capacity_units_per_year or 0.0 for pp in makers)
        if demand > cap * (1 + 1e-12):
            raise InfeasibleError(
                f"plant capacity: total demand {demand:,.0f} units of {product} exceeds capacity "
                f"{cap:,.0f} of plants {', '.join(sorted(pp.plant for pp in makers))}", "plant capacity")


# ---------------------------------------------------------------- vectorised distances


def _gcd(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Haversine km, broadcasting: loopsource.geo.haversine_km vectorised with numpy (the
    network solver needs whole distance matrices); tests/test_one_definition.py checks that
    both agree."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(1.0, h)))


def _adj(g: np.ndarray, circuity: np.ndarray | float, mult: np.ndarray | float,
         add: np.ndarray | float) -> np.ndarray:
    """ModeFactors.adjusted_km, vectorised (zero-length legs stay zero)."""
    return np.where(g > 0.0, g * circuity * mult + add, 0.0)


def _rate(mf: ModeFactors, w: ObjectiveWeights) -> float:
    """Objective weight of one tonne-km by mode mf."""
    return w.cost * mf.cost_per_tkm + w.emissions * mf.kgco2e_per_tkm_wtw


def _mode_adj(mf: ModeFactors, g: np.ndarray) -> np.ndarray:
    return _adj(g, mf.circuity, mf.daf_multiplier, mf.daf_add_km)


# ---------------------------------------------------------------- candidate options


@dataclass(frozen=True)
class _Inbound:
    flow: np.ndarray    # flow index of each x option
    hub: np.ndarray     # hub index (into inst.hubs)
    delta: np.ndarray   # objective(via hub) - objective(direct)
    mass: np.ndarray    # kg through the hub
    constant: float     # objective of every flow going direct
    improving: int      # options left after the exact dominance filter


def _flow_arrays(inst: Instance, w: ObjectiveWeights) -> dict[str, np.ndarray]:
    plant_ix = {p.id: i for i, p in enumerate(inst.plants)}
    fl = inst.flows
    mf = [inst.modes[f.mode] for f in fl]
    return {
        "lat": np.array([f.point.lat for f in fl]), "lon": np.array([f.point.lon for f in fl]),
        "mass": np.array([f.mass_kg_per_year for f in fl]),
        "plant": np.array([plant_ix[f.plant] for f in fl], dtype=np.int64),
        "circ": np.array([m.circuity for m in mf]), "mult": np.array([m.daf_multiplier for m in mf]),
        "add": np.array([m.daf_add_km for m in mf]), "rate": np.array([_rate(m, w) for m in mf]),
    }


def _inbound_options(inst: Instance, s: Settings, w: ObjectiveWeights) -> _Inbound:
    """x options that beat the direct route (exact filter), then each flow's k best."""
    a = _flow_arrays(inst, w)
    plat = np.array([p.point.lat for p in inst.plants])
    plon = np.array([p.point.lon for p in inst.plants])
    direct = a["mass"] / 1000.0 * _adj(_gcd(a["lat"], a["lon"], plat[a["plant"]], plon[a["plant"]]),
                                       a["circ"], a["mult"], a["add"]) * a["rate"]
    src = np.array([i for i, h in enumerate(inst.hubs) if h.kind == "sourcing_hub"], dtype=np.int64)
    empty = np.zeros(0, dtype=np.int64)
    if len(src) == 0 or len(inst.flows) == 0 or s.max_hubs == 0:
        return _Inbound(empty, empty, np.zeros(0), np.zeros(0), float(direct.sum()), 0)
    hlat = np.array([inst.hubs[i].point.lat for i in src])
    hlon = np.array([inst.hubs[i].point.lon for i in src])
    cons = inst.modes[s.consolidated_mode]
    # hub -> plant leg per (plant, hub), objective weight per tonne
    hub_plant = _mode_adj(cons, _gcd(plat[:, None], plon[:, None], hlat[None, :], hlon[None, :])) \
        * _rate(cons, w)
    k = s.max_hub_options
    parts, improving = [], 0
    for lo in range(0, len(inst.flows), _CHUNK):
        sl = slice(lo, lo + _CHUNK)
        g_in = _gcd(a["lat"][sl, None], a["lon"][sl, None], hlat[None, :], hlon[None, :])
        km_in = _adj(g_in, a["circ"][sl, None], a["mult"][sl, None], a["add"][sl, None])
        via = a["mass"][sl, None] / 1000.0 * (km_in * a["rate"][sl, None] + hub_plant[a["plant"][sl]])
        delta = via - direct[sl, None]
        # strictly better than direct, with a relative tolerance so ties go to direct
        delta = np.where(delta < -1e-9 * np.maximum(direct[sl, None], 1e-9), delta, np.inf)
        improving += int(np.isfinite(delta).sum())
        if k is not None and k < delta.shape[1]:
            cols = np.argpartition(delta, k - 1, axis=1)[:, :k] if k > 0 else np.zeros((delta.shape[0], 0), int)
        else:
            cols = np.broadcast_to(np.arange(delta.shape[1]), delta.shape)
        vals = np.take_along_axis(delta, cols, axis=1)
        rows = np.broadcast_to(np.arange(lo, lo + delta.shape[0])[:, None], cols.shape)
        keep = np.isfinite(vals)
        parts.append((rows[keep], src[cols[keep]], vals[keep]))
    f = np.concatenate([p[0] for p in parts])
    return _Inbound(f, np.concatenate([p[1] for p in parts]), np.concatenate([p[2] for p in parts]),
                    a["mass"][f], float(direct.sum()), improving)


@dataclass(frozen=True)
class _Outbound:
    market: np.ndarray  # market index of each w option
    plant: np.ndarray   # plant index making the units
    hub: np.ndarray     # distribution hub index (into inst.hubs), -1 for direct from the plant
    coef: np.ndarray    # objective coefficient
    mass: np.ndarray    # kg of the market's units when made at that plant
    units: np.ndarray


def _market_options(inst: Instance, s: Settings, w: ObjectiveWeights) -> _Outbound:
    """w options within the service distance; via-hub options that beat the same plant's
    direct delivery are kept (exact filter), then each market's k best hubs."""
    plant_ix = {p.id: i for i, p in enumerate(inst.plants)}
    plat = np.array([p.point.lat for p in inst.plants])
    plon = np.array([p.point.lon for p in inst.plants])
    dist = np.array([i for i, h in enumerate(inst.hubs) if h.kind == "distribution_hub"
                     and s.max_hubs != 0], dtype=np.int64)
    dlat = np.array([inst.hubs[i].point.lat for i in dist])
    dlon = np.array([inst.hubs[i].point.lon for i in dist])
    cons, out = inst.modes[s.consolidated_mode], inst.modes[s.outbound_mode]
    rc, ro = _rate(cons, w), _rate(out, w)
    plant_hub = _mode_adj(cons, _gcd(plat[:, None], plon[:, None], dlat[None, :], dlon[None, :])) * rc
    limit = np.inf if s.service_km is None else s.service_km
    makers: dict[str, list] = {}
    for pp in inst.plant_products:
        makers.setdefault(pp.product, []).append(pp)
    cols: list[list[float]] = [[], [], [], [], [], []]
    for ki, m in enumerate(inst.markets):
        g_dk = _gcd(dlat, dlon, m.point.lat, m.point.lon)
        hub_k = _mode_adj(out, g_dk) * ro
        best = np.full(len(dist), np.inf)
        per_plant = []
        for pp in makers[m.product]:
            pi, mass = plant_ix[pp.plant], m.units_per_year * pp.unit_mass_kg
            g_pk = great_circle_km(inst.plants[pi].point, m.point)
            direct_ok = g_pk <= limit
            direct = mass / 1000.0 * out.adjusted_km(g_pk) * ro + w.distance * m.units_per_year * g_pk
            via = mass / 1000.0 * (plant_hub[pi] + hub_k) + w.distance * m.units_per_year * g_dk
            ok = (g_dk <= limit) & ~(direct_ok & (via >= direct - 1e-9 * max(abs(direct), 1e-9)))
            if direct_ok:
                for c, v in zip(cols, (ki, pi, -1, direct, mass, m.units_per_year)):
                    c.append(v)
            per_plant.append((pi, mass, np.where(ok, via, np.inf)))
            best = np.minimum(best, per_plant[-1][2])
        chosen = np.flatnonzero(np.isfinite(best))
        kd = s.max_market_hub_options
        if kd is not None and len(chosen) > kd:
            chosen = chosen[np.argsort(best[chosen], kind="stable")[:kd]]
        for pi, mass, via in per_plant:
            for j in chosen[np.isfinite(via[chosen])]:
                for c, v in zip(cols, (ki, pi, dist[j], via[j], mass, m.units_per_year)):
                    c.append(v)
    ints = [np.array(c, dtype=np.int64) for c in cols[:3]]
    return _Outbound(*ints, *(np.array(c, dtype=float) for c in cols[3:]))


# ---------------------------------------------------------------- the MILP


@dataclass(frozen=True)
class _Model:
    c: np.ndarray
    A: sparse.csr_matrix
    row_lb: np.ndarray
    row_ub: np.ndarray
    hubs: np.ndarray      # hub index (into inst.hubs) of each y variable
    n_x: int
    n_w: int


class _Rows:
    """Collects sparse rows as COO triplets."""

    def __init__(self) -> None:
        self.r: list[np.ndarray] = []
        self.c: list[np.ndarray] = []
        self.v: list[np.ndarray] = []
        self.lb: list[np.ndarray] = []
        self.ub: list[np.ndarray] = []
        self.n = 0

    def add(self, row: np.ndarray, col: np.ndarray, val: np.ndarray, lb: np.ndarray, ub: np.ndarray) -> None:
        """``row`` is local (0..len(lb)-1) to this block."""
        self.r.append(row + self.n)
        self.c.append(col)
        self.v.append(np.asarray(val, dtype=float))
        self.lb.append(lb)
        self.ub.append(ub)
        self.n += len(lb)


def _build(inst: Instance, s: Settings, w: ObjectiveWeights, ib: _Inbound, ob: _Outbound,
           relax: frozenset[str] = frozenset()) -> _Model:
    """Variables [y | x | w | const]; rows as in the module docstring."""
    used = np.unique(np.concatenate([ib.hub, ob.hub[ob.hub >= 0]]))
    local = np.full(len(inst.hubs), -1, dtype=np.int64)
    local[used] = np.arange(len(used))
    ny, nx, nw = len(used), len(ib.flow), len(ob.market)
    x0, w0, const = ny, ny + nx, ny + nx + nw
    fixed = np.array([inst.hubs[i].fixed_cost_per_year for i in used]) * w.cost
    # the constant (every flow direct) is a variable fixed at 1, so that HiGHS's gap is
    # relative to the whole objective, the number we report
    c = np.concatenate([fixed, ib.delta, ob.coef, [ib.constant]])
    rows, inf = _Rows(), np.inf
    fl, fcount = np.unique(ib.flow, return_counts=True)
    multi = fl[fcount > 1]  # with one option, x <= y and the bound already give sum <= 1
    pos = np.searchsorted(multi, ib.flow)
    sel = np.isin(ib.flow, multi)
    rows.add(pos[sel], x0 + np.flatnonzero(sel), np.ones(sel.sum()), np.full(len(multi), -inf),
             np.ones(len(multi)))
    ar = np.arange(nx)
    rows.add(np.concatenate([ar, ar]), np.concatenate([x0 + ar, local[ib.hub]]),
             np.concatenate([np.ones(nx), -np.ones(nx)]), np.full(nx, -inf), np.zeros(nx))
    nk = len(inst.markets)
    rows.add(ob.market, w0 + np.arange(nw), np.ones(nw), np.ones(nk), np.ones(nk))
    via = np.flatnonzero(ob.hub >= 0)
    av = np.arange(len(via))
    rows.add(np.concatenate([av, av]), np.concatenate([w0 + via, local[ob.hub[via]]]),
             np.concatenate([np.ones(len(via)), -np.ones(len(via))]), np.full(len(via), -inf),
             np.zeros(len(via)))
    if "hub capacity" not in relax:
        _capacity_rows(inst, rows, used, local, ib, ob, x0, w0)
    if s.max_hubs is not None and "max_hubs" not in relax and ny > s.max_hubs:
        rows.add(np.zeros(ny, dtype=np.int64), np.arange(ny), np.ones(ny), np.array([-inf]),
                 np.array([float(s.max_hubs)]))
    if "plant capacity" not in relax:
        _plant_rows(inst, rows, ob, w0)
    A = sparse.coo_matrix((np.concatenate(rows.v), (np.concatenate(rows.r), np.concatenate(rows.c))),
                          shape=(rows.n, const + 1)).tocsr()
    return _Model(c, A, np.concatenate(rows.lb), np.concatenate(rows.ub), used, nx, nw)


def _capacity_rows(inst: Instance, rows: _Rows, used: np.ndarray, local: np.ndarray,
                   ib: _Inbound, ob: _Outbound, x0: int, w0: int) -> None:
    """sum(mass x) - cap y <= 0 for capacitated hubs whose possible load exceeds capacity
    (otherwise the row is implied by the x <= y links and only slows the solver)."""
    via = np.flatnonzero(ob.hub >= 0)
    hub_of = np.concatenate([ib.hub, ob.hub[via]])
    col = np.concatenate([x0 + np.arange(len(ib.flow)), w0 + via])
    mass = np.concatenate([ib.mass, ob.mass[via]])
    # an upper bound on what a hub can carry: all its options (a market's options from
    # several plants all count, which only overestimates)
    load = np.bincount(hub_of, weights=mass, minlength=len(inst.hubs))
    caps = [(i, inst.hubs[i].capacity_kg) for i in used]
    binding = [(i, cap) for i, cap in caps if cap is not None and load[i] > cap]
    if not binding:
        return
    row_of = np.full(len(inst.hubs), -1, dtype=np.int64)
    row_of[[i for i, _ in binding]] = np.arange(len(binding))
    sel = row_of[hub_of] >= 0
    caps_arr = np.array([cap for _, cap in binding], dtype=float)
    rows.add(np.concatenate([row_of[hub_of[sel]], np.arange(len(binding))]),
             np.concatenate([col[sel], local[[i for i, _ in binding]]]),
             np.concatenate([mass[sel], -caps_arr]), np.full(len(binding), -np.inf),
             np.zeros(len(binding)))


def _plant_rows(inst: Instance, rows: _Rows, ob: _Outbound, w0: int) -> None:
    """sum(units w) <= capacity for each capacitated (plant, product) that could be overrun."""
    caps: list[float] = []
    plant_ix = {p.id: i for i, p in enumerate(inst.plants)}
    product = np.array([inst.markets[k].product for k in ob.market], dtype=object)
    r, c, v = [], [], []
    for pp in inst.plant_products:
        if pp.capacity_units_per_year is None:
            continue
        sel = np.flatnonzero((ob.plant == plant_ix[pp.plant]) & (product == pp.product))
        # units can be counted per market once: its options are exclusive
        most = sum({int(ob.market[j]): ob.units[j] for j in sel}.values())
        if most <= pp.capacity_units_per_year:
            continue
        caps.append(pp.capacity_units_per_year)
        r.append(np.full(len(sel), len(caps) - 1))
        c.append(w0 + sel)
        v.append(ob.units[sel])
    if caps:
        rows.add(np.concatenate(r), np.concatenate(c), np.concatenate(v), np.full(len(caps), -np.inf),
                 np.array(caps))


def _run(model: _Model, s: Settings, time_limit: float) -> OptimizeResult:
    n = len(model.c)
    integrality = np.ones(n)
    integrality[-1] = 0  # the constant
    lb, ub = np.zeros(n), np.ones(n)
    lb[-1] = 1.0
    cons = [LinearConstraint(model.A, model.row_lb, model.row_ub)] if model.A.shape[0] else []
    return milp(model.c, integrality=integrality, bounds=Bounds(lb, ub), constraints=cons,
                options={"time_limit": max(time_limit, 0.01), "mip_rel_gap": s.mip_rel_gap,
                         "disp": False})


def _status(res: OptimizeResult) -> str:
    msg = str(res.message)
    if res.status == 0:
        return "optimal"
    if res.status == 1:
        return "time_limit" if "Time limit" in msg else "iteration_limit"
    # every variable is bounded, so "unbounded or infeasible" can only be infeasible
    if res.status == 2 or "infeasible" in msg.lower():
        return "infeasible"
    return "other"


# ---------------------------------------------------------------- public entry points


def baseline(inst: Instance, settings: Settings) -> NetworkSolution:
    """Today's network: no hubs, every flow direct, each market served by the nearest plant
    that makes its product (plant capacities are not applied: it is what happens today).
    Its figures and objective use the same definitions as ``solve``'s."""
    check_instance(inst, settings)
    makers = nearest_makers(inst)
    assign = {m: pp.plant for m, pp in makers.items()}
    routes = {f.id: None for f in inst.flows}
    figs = evaluate(inst, settings, (), routes, assign, assign)
    value = objective_weights(settings, figs).value(figs)
    return NetworkSolution("baseline", False, None, None, settings.objective, value, None, (),
                           routes, assign, dict(assign), figs)


def solve(inst: Instance, settings: Settings) -> NetworkSolution:
    """Optimise the network; raise InfeasibleError (naming the constraint) when no network
    meets the settings, NetworkError when the time limit ends with no feasible network."""
    t0 = time.perf_counter()
    check_instance(inst, settings)
    precheck_feasibility(inst, settings)
    base = baseline(inst, settings).figures
    w = objective_weights(settings, base)
    ib = _inbound_options(inst, settings, w)
    ob = _market_options(inst, settings, w)
    model = _build(inst, settings, w, ib, ob)
    build_s = time.perf_counter() - t0
    res = _run(model, settings, settings.time_limit_s)
    solve_s = time.perf_counter() - t0 - build_s
    status = _status(res)
    stats = ModelStats(len(inst.hubs), len(model.hubs),
                       len(inst.flows) * sum(h.kind == "sourcing_hub" for h in inst.hubs),
                       ib.improving, model.n_x, model.n_w, len(model.c), model.A.shape[0],
                       build_s, solve_s)
    if status == "infeasible":
        _diagnose(inst, settings, w, ib, ob, settings.time_limit_s - build_s - solve_s)
    if res.x is None:
        raise NetworkError(f"the solver stopped ({status}: {res.message}) before finding any "
                           f"feasible network; raise the time limit ({settings.time_limit_s:g} s)",
                           status)
    return _solution(inst, settings, w, ib, ob, model, res, status, stats)


def _solution(inst: Instance, s: Settings, w: ObjectiveWeights, ib: _Inbound, ob: _Outbound,
              model: _Model, res: OptimizeResult, status: str, stats: ModelStats) -> NetworkSolution:
    """Read the network off the solver's vector and evaluate it like the baseline."""
    x = res.x
    ny = len(model.hubs)
    xs = x[ny:ny + model.n_x] > 0.5
    ws = np.flatnonzero(x[ny + model.n_x:ny + model.n_x + model.n_w] > 0.5)
    routes: dict[str, str | None] = {f.id: None for f in inst.flows}
    for fi, hi in zip(ib.flow[xs], ib.hub[xs]):
        routes[inst.flows[fi].id] = inst.hubs[hi].id
    assign, production = {}, {}
    for j in ws:
        m = inst.markets[ob.market[j]]
        production[m.id] = inst.plants[ob.plant[j]].id
        assign[m.id] = production[m.id] if ob.hub[j] < 0 else inst.hubs[ob.hub[j]].id
    # an open hub that carries nothing only adds its fixed cost (or is a tie at zero cost):
    # report the hubs the network uses
    open_y = {inst.hubs[i].id for i, v in zip(model.hubs, x[:ny]) if v > 0.5}
    used = {h for h in routes.values() if h} | {a for m, a in assign.items() if a != production[m]}
    open_hubs = tuple(sorted(open_y & used))
    figs = evaluate(inst, s, open_hubs, routes, assign, production)
    gap = None if res.get("mip_gap") is None else float(res.mip_gap)
    optimal = status == "optimal" and gap is not None and gap <= s.mip_rel_gap + 1e-12
    bound = res.get("mip_dual_bound")
    return NetworkSolution(status, optimal, gap, None if bound is None else float(bound),
                           s.objective, w.value(figs), float(res.fun), open_hubs, routes, assign,
                           production, figs, stats, str(res.message))


def _diagnose(inst: Instance, s: Settings, w: ObjectiveWeights, ib: _Inbound, ob: _Outbound,
              time_left: float) -> None:
    """The solver found the model infeasible: name the constraint family whose removal makes it
    feasible (hub capacity, plant capacity, max_hubs), and raise InfeasibleError."""
    reduced = s.max_hub_options is not None or s.max_market_hub_options is not None
    note = (" (within the candidate reduction: max_hub_options="
            f"{s.max_hub_options}, max_market_hub_options={s.max_market_hub_options})") if reduced else ""
    for family in ("plant capacity", "hub capacity", "max_hubs"):
        if time_left <= 0:
            break
        t = time.perf_counter()
        res = _run(_build(inst, s, w, ib, ob, frozenset({family})), s, min(time_left, 10.0))
        time_left -= time.perf_counter() - t
        if _status(res) != "infeasible":
            what = {"plant capacity": "the markets, each served by one plant, cannot be fitted into "
                                      "the plant capacities",
                    "hub capacity": "the markets that only hubs can serve within the service distance "
                                    "do not fit into the hub capacities",
                    "max_hubs": f"serving every market within the service distance needs more than "
                                f"{s.max_hubs} hubs"}[family]
            raise InfeasibleError(f"{family}: {what}{note}", family)
    raise InfeasibleError("combined: service distance, plant capacity, hub capacity and max_hubs "
                          f"cannot all be met together{note}", "combined")
