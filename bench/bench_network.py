"""Bench: the issue-17 acceptance instance for the network optimisation core, in <= 120 s.

    PYTHONPATH=src python bench/bench_network.py [--seed 1] [--time-limit 100] [--objective cost]

Instance (generated here, deterministic for a seed): 12 plants on three continents making 20
products (each product at 1-3 plants, so multi-local choices exist; capacities 1.6 x the fair
share of demand), 20,000 supplier sites whose yearly purchases are aggregated per (supplier
site, plant, material) into about 30,000 flows, 2,000 candidate hubs (1,200 sourcing, 800
distribution; half of them capacitated), 500 markets. Points are drawn in boxes over Europe,
North America, South America, East Asia, South Asia and Africa. Flows within a continent go
by road (or rail), between continents by sea (or air). Costs per tonne-km are illustrative;
emission factors are the Defra defaults of src/loopsource/data/emissions.yaml (TTW, as there).

Candidate reduction (the full model would have 1,200 x 30,000 = 36M flow-hub binaries plus
500 x plants x 800 market-hub binaries): loopsource.network.solve keeps
1. only the flow-hub options whose two legs beat the flow's direct route (exact: such
   dominated options can never improve a solution), and
2. of those, each flow's ``--k`` best hubs by objective coefficient (default 5) and each
   market's ``--k-markets`` best distribution hubs (default 10): heuristic; the gap reported
   is the gap of this reduced model, not of the full one.
The solver then runs under ``--time-limit`` (default 100 s); build and solve together stay
within 120 s on the project's 2-core VM. Prints build time, solve time, status, gap,
objective, open hubs and peak RSS.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time

import numpy as np

from loopsource.network import (Hub, Instance, Market, Plant, PlantProduct, Point, Settings,
                                SupplierFlow, baseline, iso14083_mode, solve)

# (name, lat range, lon range, share of supplier sites)
CONTINENTS = [
    ("Europe", (38.0, 58.0), (-8.0, 28.0), 0.30),
    ("North America", (25.0, 50.0), (-120.0, -72.0), 0.20),
    ("South America", (-35.0, 0.0), (-72.0, -38.0), 0.08),
    ("East Asia", (20.0, 42.0), (100.0, 140.0), 0.25),
    ("South Asia", (8.0, 30.0), (70.0, 90.0), 0.10),
    ("Africa", (-30.0, 32.0), (-10.0, 40.0), 0.07),
]
# real-ish plant locations: (id, lat, lon, continent index)
PLANTS = [("PL-LYO", 45.76, 4.84, 0), ("PL-STR", 48.78, 9.18, 0), ("PL-POZ", 52.41, 16.93, 0),
          ("PL-MIL", 45.46, 9.19, 0), ("PL-BIO", 43.26, -2.93, 0), ("PL-MTY", 25.69, -100.32, 1),
          ("PL-DET", 42.33, -83.05, 1), ("PL-QRO", 20.59, -100.39, 1), ("PL-SAO", -23.55, -46.63, 2),
          ("PL-SUZ", 31.30, 120.58, 3), ("PL-NGO", 35.18, 136.91, 3), ("PL-PNQ", 18.52, 73.86, 4)]
COST = {"road": 0.11, "rail": 0.045, "sea": 0.012, "air": 0.90}          # per t-km, illustrative
KG = {"road": 0.12366, "rail": 0.03159, "sea": 0.01536, "air": 0.57}     # emissions.yaml (Defra)


def _points(rng: np.random.Generator, n: int, shares: list[float] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    p = np.array([c[3] for c in CONTINENTS]) if shares is None else np.array(shares)
    cont = rng.choice(len(CONTINENTS), size=n, p=p / p.sum())
    lat = np.array([rng.uniform(*CONTINENTS[c][1]) for c in cont])
    lon = np.array([rng.uniform(*CONTINENTS[c][2]) for c in cont])
    return lat.round(4), lon.round(4), cont


def generate(seed: int, sites: int = 20000, hubs: int = 2000, markets: int = 500) -> Instance:
    """The acceptance instance (see the module docstring)."""
    rng = np.random.default_rng(seed)
    plants = tuple(Plant(i, Point(la, lo), "XX", CONTINENTS[c][0]) for i, la, lo, c in PLANTS)
    products = [f"P{j:02d}" for j in range(20)]
    makers = {p: sorted(rng.choice(len(PLANTS), size=rng.integers(1, 4), replace=False)) for p in products}
    mlat, mlon, mcont = _points(rng, markets, [0.3, 0.25, 0.1, 0.2, 0.1, 0.05])
    mk = tuple(Market(f"K{i:03d}", Point(mlat[i], mlon[i]), "XX", products[i % 20],
                      float(rng.integers(1000, 50000))) for i in range(markets))
    demand = {p: sum(m.units_per_year for m in mk if m.product == p) for p in products}
    pps = tuple(PlantProduct(PLANTS[k][0], p, round(1.6 * demand[p] / len(makers[p])),
                             float(rng.uniform(2.0, 50.0))) for p in products for k in makers[p])
    slat, slon, scont = _points(rng, sites)
    flows = []
    for s in range(sites):
        for k in rng.choice(len(PLANTS), size=rng.integers(1, 3), replace=False):
            same = PLANTS[k][3] == scont[s]
            mode = ("road" if rng.random() < 0.85 else "rail") if same else ("sea" if rng.random() < 0.9 else "air")
            flows.append(SupplierFlow(f"F{len(flows):06d}", f"S{s:05d}", PLANTS[k][0],
                                      f"M{rng.integers(0, 40):02d}", float(round(rng.lognormal(11.0, 1.2))),
                                      Point(slat[s], slon[s]), "XX", CONTINENTS[scont[s]][0], mode))
    hlat, hlon, hcont = _points(rng, hubs)
    hb = tuple(Hub(f"H{i:04d}", Point(hlat[i], hlon[i]), "sourcing_hub" if i % 5 < 3 else "distribution_hub",
                   float(rng.integers(50_000, 500_000)),
                   float(rng.integers(2_000_000, 20_000_000)) if i % 2 else None, "XX",
                   CONTINENTS[hcont[i]][0]) for i in range(hubs))
    modes = {m: iso14083_mode(m, COST[m], KG[m]) for m in COST}
    return Instance(plants, tuple(flows), hb, mk, pps, modes)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=100.0)
    ap.add_argument("--objective", default="cost", choices=["cost", "emissions", "distance", "weighted"])
    ap.add_argument("--k", type=int, default=5, help="hub options kept per flow")
    ap.add_argument("--k-markets", type=int, default=10, help="distribution hubs kept per market")
    ap.add_argument("--service-km", type=float, default=None)
    ap.add_argument("--gap", type=float, default=1e-4, help="relative MIP gap at which HiGHS stops")
    args = ap.parse_args()
    t0 = time.perf_counter()
    inst = generate(args.seed)
    gen_s = time.perf_counter() - t0
    settings = Settings(objective=args.objective, time_limit_s=args.time_limit, mip_rel_gap=args.gap,
                        max_hub_options=args.k, max_market_hub_options=args.k_markets,
                        service_km=args.service_km)
    t = time.perf_counter()
    base = baseline(inst, settings)
    base_s = time.perf_counter() - t
    t = time.perf_counter()
    sol = solve(inst, settings)
    total_s = time.perf_counter() - t
    st = sol.stats
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"instance: {len(inst.plants)} plants, {len(inst.flows):,} flows from 20,000 supplier sites, "
          f"{len(inst.hubs):,} candidate hubs, {len(inst.markets)} markets (seed {args.seed}); "
          f"generated in {gen_s:.1f} s")
    print(f"candidate reduction: flow-hub pairs {st.flow_hub_pairs:,} -> beating direct {st.flow_hub_improving:,} "
          f"(exact) -> best {args.k} per flow {st.flow_hub_options:,}; market options {st.market_options:,} "
          f"(best {args.k_markets} distribution hubs per market); hubs in model {st.hubs_in_model:,}")
    print(f"model: {st.variables:,} variables, {st.constraints:,} constraints")
    print(f"baseline: {base_s:.2f} s, objective {base.objective_value:,.2f}")
    print(f"build {st.build_s:.2f} s, solve {st.solve_s:.2f} s (limit {args.time_limit:g} s), total {total_s:.2f} s")
    print(f"status {sol.status}, optimal {sol.optimal} (requested gap {args.gap:g}), gap {sol.mip_gap}, "
          f"dual bound {sol.mip_dual_bound}")
    print(f"objective ({args.objective}) {sol.objective_value:,.2f} vs baseline {base.objective_value:,.2f} "
          f"({100 * (sol.objective_value / base.objective_value - 1):+.1f} %)")
    f, b = sol.figures, base.figures
    print(f"open hubs {len(sol.open_hubs)}; flows via a hub {f.flows_via_hub:,}; markets via a hub "
          f"{sum(sol.market_assignment[m] != sol.production[m] for m in sol.market_assignment)}")
    print(f"tonne-km {b.tonne_km:,.0f} -> {f.tonne_km:,.0f}; kg CO2e {b.kgco2e:,.0f} -> {f.kgco2e:,.0f}; "
          f"cost {b.total_cost:,.0f} -> {f.total_cost:,.0f} (fixed {f.hub_fixed_cost:,.0f}); "
          f"demand-weighted km {b.demand_weighted_km:,.0f} -> {f.demand_weighted_km:,.0f}")
    if f.share_within_service is not None:
        print(f"share of demand within {args.service_km:g} km: {b.share_within_service:.1%} -> "
              f"{f.share_within_service:.1%}")
    print(f"peak RSS {rss_mb:,.0f} MB; end to end {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
