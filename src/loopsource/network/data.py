"""The network-design Instance of a store's snapshot: plants, yearly supplier flows, hubs, markets.

Decisions (docs/network.md, "From the graph to the model"):

* **Flows** are the purchases aggregated per (supplier site, buyer site, material). Every buyer
  site that receives purchases is a destination (plants and warehouses alike); only sites of
  kind plant make products.
* **Annualisation**: a flow's kg per year is its purchased mass divided by the number of
  calendar years the purchase data spans (first to last purchase date, all purchases, both
  years included): 2024-01-02 to 2025-12-19 is two years. A supplier that delivered only in
  one of them counts at half its mass per year, which is what it delivered on average. With
  ``year`` only that calendar year's purchases are used, as one year.
* **Mode**: the mode carrying most of the flow's mass (ties by name). A purchase without a
  transport mode goes by road within the buyer's UN M49 region and by sea between regions (the
  scenario module's rule for moved volume), and the number of such purchases is a warning.
* **Positions**: a site without coordinates stands at its country's centroid (as in the report);
  one without either is left out with a warning.
* **Products**: a plant makes a product when plant_products.csv lists the pair (with its
  capacity) or products.csv names it in ``plant`` (unlimited capacity). The mass of one unit is
  the sum of the product's bill of materials (0 with a warning when it has none).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from ..analysis.metrics import site_position
from ..analysis.snapshot import Purchase, Site, Snapshot
from .costs import Money
from .errors import NetworkError
from .model import Hub, Instance, Market, ModeFactors, Plant, PlantProduct, Point, SupplierFlow

FLOW_SEPARATOR = ">"  # flow id: SUPPLIER_SITE>BUYER_SITE>MATERIAL


@dataclass(frozen=True)
class NetworkData:
    """An Instance and what the outputs need beside it."""

    instance: Instance
    currency: str
    years: tuple[int, ...]       # calendar years the flows are averaged over
    names: Mapping[str, str]     # site, hub, market and material id -> name
    flow_material: Mapping[str, str]
    warnings: tuple[str, ...]


def flow_id(supplier_site: str, buyer_site: str, material: str) -> str:
    return FLOW_SEPARATOR.join((supplier_site, buyer_site, material))


def makers(snapshot: Snapshot) -> dict[str, set[str]]:
    """Product -> the plants that make it (plant_products.csv and products.csv 'plant')."""
    out: dict[str, set[str]] = defaultdict(set)
    for pp in snapshot.plant_products:
        out[pp.product].add(pp.plant)
    for pid, product in snapshot.products.items():
        if product.plant:
            out[pid].add(product.plant)
    return dict(out)


def _point(site: Site) -> Point | None:
    pos = site_position(site)
    return None if pos is None else Point(pos[0], pos[1])


def data_years(purchases: tuple[Purchase, ...], year: int | None = None) -> tuple[int, ...]:
    """The calendar years yearly flows are averaged over (module docstring)."""
    if year is not None:
        return (year,)
    if not purchases:
        return ()
    first, last = min(p.date.year for p in purchases), max(p.date.year for p in purchases)
    return tuple(range(first, last + 1))


def _flows(snapshot: Snapshot, year: int | None, warnings: list[str]) -> tuple[list[SupplierFlow], tuple[int, ...]]:
    """Purchases aggregated per (supplier site, buyer site, material), in kg per year."""
    purchases = tuple(p for p in snapshot.purchases if year is None or p.date.year == year)
    years = data_years(purchases, year)
    mass: dict[str, float] = defaultdict(float)
    by_mode: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    unmoded = 0
    for p in purchases:
        fid = flow_id(p.supplier_site, p.buyer_site, p.material)
        mode = p.transport_mode
        if mode is None:
            unmoded += 1
            same = snapshot.sites[p.buyer_site].region == snapshot.sites[p.supplier_site].region
            mode = "road" if same and snapshot.sites[p.buyer_site].region else "sea"
        mass[fid] += p.mass_kg
        by_mode[fid][mode] += p.mass_kg
    if unmoded:
        warnings.append(f"{unmoded} purchase(s) without a transport mode: counted as road within the buyer's "
                        "M49 region, sea between regions")
    flows, lost = [], 0
    for fid in sorted(mass):
        supplier_id, buyer_id, material = fid.split(FLOW_SEPARATOR)
        supplier = snapshot.sites[supplier_id]
        pt = _point(supplier)
        if pt is None or _point(snapshot.sites[buyer_id]) is None:
            lost += 1
            continue
        mode = max(by_mode[fid].items(), key=lambda kv: (kv[1], kv[0]))[0]
        flows.append(SupplierFlow(fid, supplier_id, buyer_id, material, mass[fid] / max(len(years), 1), pt,
                                  supplier.country, supplier.region or "", mode, supplier.organisation))
    if lost:
        warnings.append(f"{lost} flow(s) left out: a site has neither coordinates nor a known country centroid")
    return flows, years


def _plants(snapshot: Snapshot, flows: list[SupplierFlow]) -> list[Plant]:
    """Every plant and every other buyer site some flow goes to."""
    ids = {s.id for s in snapshot.sites.values() if s.kind == "plant"} | {f.plant for f in flows}
    out = []
    for sid in sorted(ids):
        site = snapshot.sites[sid]
        pt = _point(site)
        if pt is not None:
            out.append(Plant(sid, pt, site.country, site.region or ""))
    return out


def _plant_products(snapshot: Snapshot, plants: set[str], warnings: list[str]) -> list[PlantProduct]:
    unit_mass = {pid: sum(kg for _, kg in p.bom) for pid, p in snapshot.products.items()}
    pairs = {(pp.plant, pp.product): pp.capacity_units_per_year for pp in snapshot.plant_products}
    for pid, product in snapshot.products.items():
        if product.plant and (product.plant, pid) not in pairs:
            pairs[(product.plant, pid)] = None
    no_bom = sorted({prod for _, prod in pairs if unit_mass.get(prod, 0.0) == 0.0})
    if no_bom:
        warnings.append(f"product(s) {', '.join(no_bom)} have no bill of materials: their units weigh 0 kg, "
                        "so their deliveries carry no tonne-km, cost or emissions")
    return [PlantProduct(plant, prod, cap, unit_mass.get(prod, 0.0))
            for (plant, prod), cap in sorted(pairs.items()) if plant in plants]


def instance_from_snapshot(snapshot: Snapshot, modes: Mapping[str, ModeFactors], cash: Money, *,
                           year: int | None = None) -> NetworkData:
    """The Instance of the snapshot (module docstring for the rules)."""
    warnings: list[str] = []
    flows, years = _flows(snapshot, year, warnings)
    plants = _plants(snapshot, flows)
    hubs = []
    for h in snapshot.hubs:
        rate = cash.factor(h.currency, f"hubs.csv: hub {h.id}")
        hubs.append(Hub(h.id, Point(h.lat, h.lon), h.kind, h.fixed_cost_per_year * rate,  # type: ignore[arg-type]
                        h.capacity_kg, h.country, h.region or ""))
    markets = [Market(m.id, Point(m.lat, m.lon), m.country, m.product, m.units_per_year, m.region or "")
               for m in snapshot.markets]
    pps = _plant_products(snapshot, {p.id for p in plants}, warnings)
    missing = sorted({f.mode for f in flows} - set(modes))
    if missing:
        raise NetworkError(f"no transport cost for mode(s) {', '.join(missing)}: add them to the --costs file",
                           "input")
    names = {sid: s.name for sid, s in snapshot.sites.items()}
    names.update({h.id: h.name for h in snapshot.hubs})
    names.update({m.id: m.name for m in snapshot.markets})
    names.update({m: mat.name for m, mat in snapshot.materials.items()})
    names.update({p: prod.name for p, prod in snapshot.products.items()})
    inst = Instance(tuple(plants), tuple(flows), tuple(hubs), tuple(markets), tuple(pps), dict(modes))
    return NetworkData(inst, cash.currency, years, names, {f.id: f.material for f in flows}, tuple(warnings))
