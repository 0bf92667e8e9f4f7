"""Deterministic generator of realistic procurement exports in the CSV input contract.

Why: benchmarks, load tests and demos need data sets of any size that look like a real
manufacturer's exports (real city coordinates, plausible material mixes, prices, recycled
shares, transport modes and lead times), and that are *reproducible*: the same seed must
give byte-identical files so that timings and query results can be compared across runs.

Everything is drawn from one ``random.Random(seed)`` in a fixed order; no set iteration,
no clock, no environment lookups. Files are written with the csv module (UTF-8, ``\\n``
line endings) to a temporary file in the target folder and then moved into place with
``os.replace``, so a reader never sees a half-written file.

Scaling for ``suppliers=N``: N supplier organisations with 1-2 sites each, about 2.5
purchases per supplier, ``max(3, N // 2000)`` plants, a fixed catalogue of ~40 materials,
2-5 products with BOMs, loops ~ purchases / 10, upstream chains ~ N / 40 and a few
nearshoring candidates per plant. The per-row triple costs in ``TRIPLE_COSTS`` give a
rough size estimate (``GenerateSummary.estimated_triples``) for calibration.

Layout: ``catalogue.py`` holds the fixed tables (materials, products, loops, places, names),
``parties.py`` draws the organisations and sites, and this module draws the flows
(purchases, loops, upstream chains, candidates) and writes the files; ``generate`` lists
the steps in the order they draw.
"""
from __future__ import annotations

import csv
import io
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path

from ..files import atomic_write
from ..geo import haversine_km
from .catalogue import (CANDIDATE_MATERIALS, LOOP_MATERIALS, MATERIAL_BY_ID, MATERIALS, PRODUCTS, RECYCLATES,
                        STRATEGY_WEIGHTS, MaterialSpec, ProductSpec, cumulative)
from .cities import COUNTRY_REGION
from .parties import Parties, Site, parties as draw_parties

# ---------------------------------------------------------------------------------------
# Contract and tunables
# ---------------------------------------------------------------------------------------

#: Exact header of every file of the input contract, in column order.
CONTRACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "organisations.csv": ("id", "name", "role", "country"),
    "sites.csv": ("id", "organisation", "name", "country", "lat", "lon", "kind"),
    "materials.csv": ("id", "name", "class"),
    "products.csv": (
        "id", "name", "lifetime_years", "industry_lifetime_years", "use_intensity",
        "industry_use_intensity", "collection_recycling_share", "collection_reuse_share",
        "recycling_efficiency_eol", "recycling_efficiency_feedstock", "category",
    ),
    "bom.csv": ("product", "material", "mass_kg"),
    "purchases.csv": (
        "id", "date", "buyer_site", "supplier_site", "material", "quantity", "unit", "spend",
        "currency", "recycled_share", "reused_share", "transport_mode", "lead_time_days",
    ),
    "loops.csv": ("id", "date", "from_site", "to_site", "material", "strategy", "quantity", "unit"),
    "upstream.csv": ("site", "upstream_site", "material"),
    "candidates.csv": ("site", "material", "capacity_kg", "unit_price", "currency", "lead_time_days"),
    "fx.csv": ("currency", "rate"),
}

#: Average purchase lines per supplier organisation (the brief asks for ~2.5).
PURCHASES_PER_SUPPLIER = 2.5
#: RDF triples per CSV row as emitted by the loader (measured on generated data at N = 20,000;
#: purchases average below 16 because optional columns are sometimes empty). Used only for
#: ``GenerateSummary.estimated_triples``.
TRIPLE_COSTS: dict[str, float] = {
    "organisations": 5, "sites": 8, "purchases": 15.87, "loops": 11, "materials": 4, "bom": 5,
    "products": 12, "upstream": 5, "candidates": 8, "fx": 4,
}

#: Units of the reporting currency (EUR) per unit of each currency (2024-2025 averages).
FX_RATES: dict[str, float] = {
    "EUR": 1.0, "USD": 0.924, "PLN": 0.2326, "MXN": 0.0508, "GBP": 1.176,
    "CNY": 0.1281, "JPY": 0.00608, "SEK": 0.0875, "CZK": 0.0398,
}

_EURO_AREA = frozenset("AT BE DE EE ES FI FR GR IE IT NL PT SK".split())
_COUNTRY_CURRENCY: dict[str, str] = {"PL": "PLN", "MX": "MXN", "GB": "GBP", "SE": "SEK", "CZ": "CZK"}
#: Share of invoices from these countries in local currency (the rest in USD).
_LOCAL_CURRENCY_SHARE: dict[str, float] = {"CN": 0.3, "JP": 0.6}
_LOCAL_CURRENCY_CODE: dict[str, str] = {"CN": "CNY", "JP": "JPY"}

#: The generator's sphere for distances (mode and lead-time draws, nearest plant). Not the
#: IUGG radius of loopsource.geo on purpose: generated files are pinned byte for byte (bench
#: data sets, recorded results), and with 6371.0088 km one purchase of the README's
#: ``--suppliers 20000`` data set already gets a different lead time (23 -> 24 days).
GENERATOR_EARTH_RADIUS_KM = 6371.0
_START = date(2024, 1, 1).toordinal()
_DAYS = date(2025, 12, 31).toordinal() - _START + 1
_DATES: tuple[str, ...] = tuple(date.fromordinal(_START + i).isoformat() for i in range(_DAYS))


@dataclass(frozen=True, slots=True)
class GenerateSummary:
    """Rows written per file, so callers can report sizes without re-reading the files."""

    organisations: int
    sites: int
    materials: int
    products: int
    bom: int
    purchases: int
    loops: int
    upstream: int
    candidates: int
    fx: int

    @property
    def total_rows(self) -> int:
        """All data rows over all files (headers excluded)."""
        return sum(getattr(self, f.name) for f in fields(self))

    @property
    def estimated_triples(self) -> int:
        """Rough triple count from ``TRIPLE_COSTS``; the loader's real count is authoritative."""
        return round(sum(getattr(self, f.name) * TRIPLE_COSTS.get(f.name, 0) for f in fields(self)))


def _currency(rng: random.Random, country: str) -> str:
    """Invoice currency of a supplier country: local where it is in ``FX_RATES``, else USD."""
    if country in _EURO_AREA:
        return "EUR"
    if country in _COUNTRY_CURRENCY:
        return _COUNTRY_CURRENCY[country]
    if country in _LOCAL_CURRENCY_SHARE and rng.random() < _LOCAL_CURRENCY_SHARE[country]:
        return _LOCAL_CURRENCY_CODE[country]
    return "USD"


# ---------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------


def _fmt_coord(v: float | None) -> str:
    return "" if v is None else f"{v:.4f}"


def _share(rng: random.Random, lo: float, hi: float) -> int:
    """A share in thousandths, so that rounding never breaks recycled + reused <= 1."""
    if hi <= lo:
        return round(lo * 1000)
    return round(rng.uniform(lo, hi) * 1000)


def _km(a: Site, b: Site) -> float:
    """Distance between two sites with coordinates, on the generator's sphere (GENERATOR_EARTH_RADIUS_KM)."""
    return haversine_km(a.lat, a.lon, b.lat, b.lon, radius_km=GENERATOR_EARTH_RADIUS_KM)  # type: ignore[arg-type]


def _nearest(site: Site, among: Sequence[Site]) -> int:
    """Index of the site of ``among`` nearest to ``site``; without coordinates, the first in
    the same country, else in the same M49 region, else the first."""
    if site.lat is None or site.lon is None:
        same = [j for j, p in enumerate(among) if p.country == site.country]
        if same:
            return same[0]
        region = COUNTRY_REGION[site.country]
        same = [j for j, p in enumerate(among) if COUNTRY_REGION[p.country] == region]
        return same[0] if same else 0
    best, best_d = 0, math.inf
    for j, p in enumerate(among):
        d = _km(site, p)
        if d < best_d:
            best, best_d = j, d
    return best


def _numbered(raw: list[tuple[int, int, list[str]]], prefix: str) -> list[list[str]]:
    """Rows sorted by (day, draw order), then given ids ``PREFIX-00001``... in that order."""
    raw.sort(key=lambda t: (t[0], t[1]))
    width = max(5, len(str(len(raw))))
    rows = []
    for k, (_, _, row) in enumerate(raw):
        row[0] = f"{prefix}-{k + 1:0{width}d}"
        rows.append(row)
    return rows


# --- purchases -----------------------------------------------------------------------


def _quantity(rng: random.Random, mat: MaterialSpec, site: Site) -> tuple[float, str, str]:
    """(kg, quantity text, unit): tonnes for bulk lines, kilograms for parts, grams for fine
    materials, and pounds for half of the US suppliers."""
    if mat.size == "bulk":
        kg = rng.uniform(2.0, 120.0) * 1000.0
        unit = "t" if rng.random() < 0.7 else "kg"
    elif mat.size == "part":
        kg = rng.uniform(50.0, 8000.0)
        unit = "t" if kg >= 1000.0 and rng.random() < 0.1 else "kg"
    else:
        kg = rng.uniform(0.5, 60.0)
        unit = "g" if rng.random() < 0.6 else "kg"
    if site.country == "US" and rng.random() < 0.5:
        unit = "lb"
    if unit == "t":
        qty = f"{kg / 1000.0:.3f}"
    elif unit == "kg":
        qty = f"{kg:.1f}"
    elif unit == "g":
        qty = f"{kg * 1000.0:.0f}"
    else:
        qty = f"{kg / 0.45359237:.1f}"
    return kg, qty, unit


def _mode(rng: random.Random, site: Site, buyer: Site, mat: MaterialSpec) -> tuple[str, float | None]:
    """(transport mode, distance in km or None): road or rail at short range, sea across
    continents, some air for electronics and rail between Asia and Europe."""
    if site.lat is None or site.lon is None:
        mode = "road" if COUNTRY_REGION[site.country] == COUNTRY_REGION[buyer.country] else "sea"
        return mode, None
    dist = _km(site, buyer)
    r = rng.random()
    if dist < 800:
        mode = "road" if r < 0.85 else "rail"
    elif dist < 3500 and COUNTRY_REGION[site.country] == COUNTRY_REGION[buyer.country]:
        if COUNTRY_REGION[site.country] == "Europe" and r < 0.08:
            mode = "inland_waterway"
        else:
            mode = "road" if r < 0.65 else "rail"
    elif mat.family == "electronics" and r < 0.35:
        mode = "air"
    elif r < 0.08:
        mode = "rail" if {COUNTRY_REGION[site.country], COUNTRY_REGION[buyer.country]} == {"Asia", "Europe"} \
            else "air"
    else:
        mode = "sea"
    return mode, dist


def _lead_time(rng: random.Random, mode: str, dist: float | None) -> int:
    """Lead time in days from the mode and the distance (6,000 km when it is unknown)."""
    d = dist if dist is not None else 6000.0
    if mode == "road":
        return 1 + int(d / 700) + rng.randint(0, 4)
    if mode == "rail":
        return 3 + int(d / 600) + rng.randint(0, 5)
    if mode == "inland_waterway":
        return 4 + int(d / 200) + rng.randint(0, 3)
    if mode == "air":
        return 2 + rng.randint(1, 5)
    return 10 + int(d / 550) + rng.randint(0, 10)


def _purchase(rng: random.Random, parties: Parties, si: int, home_plant: int) -> list[str]:
    """One purchase line (id left empty) from supplier site ``si``, or, for 2 %, recyclate
    bought back from a recycler."""
    if rng.random() < 0.02:  # recyclate bought back from a recycler
        site = parties.recyclers[rng.randrange(len(parties.recyclers))]
        mat = MATERIAL_BY_ID[rng.choice(RECYCLATES)]
        recycled, reused = _share(rng, 0.9, 1.0), 0
    else:
        site = parties.suppliers[si]
        mat = MATERIAL_BY_ID[rng.choice(site.materials)]
        recycled = _share(rng, *mat.recycled)
        reused = min(_share(rng, *mat.reused), 1000 - recycled)
    r = rng.random()
    if r < 0.08 and mat.family == "packaging":
        buyer = parties.warehouses[rng.randrange(len(parties.warehouses))]
    elif r < 0.60 and site.kind == "supplier_site":
        buyer = parties.plants[home_plant]
    else:
        buyer = parties.plants[rng.randrange(len(parties.plants))]
    kg, qty, unit = _quantity(rng, mat, site)
    if rng.random() < 0.03:
        spend = currency = ""
    else:
        currency = _currency(rng, site.country)
        eur = kg * mat.price * rng.uniform(0.85, 1.2)
        spend = f"{eur / FX_RATES[currency]:.2f}"
    mode, dist = _mode(rng, site, buyer, mat)
    lead = _lead_time(rng, mode, dist)
    mode_s = "" if rng.random() < 0.03 else mode
    lead_s = "" if rng.random() < 0.04 else str(lead)
    return ["", "", buyer.id, site.id, mat.id, qty, unit, spend, currency,
            f"{recycled / 1000:.3f}", f"{reused / 1000:.3f}", mode_s, lead_s]


def _purchases(rng: random.Random, n: int, parties: Parties) -> list[list[str]]:
    """About ``PURCHASES_PER_SUPPLIER`` lines per supplier, mostly to the nearest plant."""
    suppliers = parties.suppliers
    home_plant = [_nearest(s, parties.plants) for s in suppliers]
    n_purchases = round(n * PURCHASES_PER_SUPPLIER)
    # Pareto-like supplier weights: a few suppliers carry much of the volume, as in real spend data.
    site_cum = cumulative(rng.paretovariate(1.6) for _ in suppliers)
    chosen = rng.choices(list(range(len(suppliers))), cum_weights=site_cum, k=n_purchases)
    raw: list[tuple[int, int, list[str]]] = []
    for seq, si in enumerate(chosen):
        day = rng.randrange(_DAYS)
        row = _purchase(rng, parties, si, home_plant[si])
        row[1] = _DATES[day]
        raw.append((day, seq, row))
    return _numbered(raw, "PO")


# --- loops, upstream chains, candidates ------------------------------------------------


def _sites_by_material(suppliers: Sequence[Site]) -> dict[str, list[int]]:
    """Material id -> indexes of the supplier sites that sell it (every catalogue material)."""
    by_material: dict[str, list[int]] = {m.id: [] for m in MATERIALS}
    for j, s in enumerate(suppliers):
        for m in s.materials:
            by_material[m].append(j)
    return by_material


def _loop_target(rng: random.Random, strategy: str, origin: Site, near_recycler: Site,
                 suppliers_of: Sequence[int], parties: Parties) -> Site:
    """Where a loop flow goes: recyclers for recycle/recover/dispose, suppliers or other
    buyer sites for reuse, suppliers or the nearby recycler for repair and remanufacture."""
    r = rng.random()
    if strategy in ("recycle", "recover", "dispose"):
        if r < 0.75:
            return near_recycler
        return parties.recyclers[rng.randrange(len(parties.recyclers))]
    if strategy == "reuse":
        if r < 0.5 and suppliers_of:
            return parties.suppliers[rng.choice(suppliers_of)]
        others = [b for b in parties.buyer_sites if b.id != origin.id]
        return rng.choice(others)
    if strategy in ("repair", "refurbish", "remanufacture"):
        if r < 0.6 and suppliers_of:
            return parties.suppliers[rng.choice(suppliers_of)]
        return near_recycler
    # repurpose
    target = near_recycler if r < 0.5 else parties.plants[rng.randrange(len(parties.plants))]
    return near_recycler if target.id == origin.id else target


def _loops(rng: random.Random, n_purchases: int, parties: Parties,
           by_material: Mapping[str, Sequence[int]]) -> list[list[str]]:
    """About one loop flow per ten purchases, from the buyer's sites, by R-strategy."""
    buyer_sites = parties.buyer_sites
    recyclers = parties.recyclers
    plant_recycler = [_nearest(p, [r for r in recyclers if r.lat is not None] or recyclers) for p in buyer_sites]
    located_recyclers = [r for r in recyclers if r.lat is not None] or recyclers
    strat_names = [s for s, _ in STRATEGY_WEIGHTS]
    strat_cum = cumulative(w for _, w in STRATEGY_WEIGHTS)
    n_plants, n_warehouses = len(parties.plants), len(parties.warehouses)
    raw: list[tuple[int, int, list[str]]] = []
    for seq in range(max(1, round(n_purchases / 10))):
        day = rng.randrange(_DAYS)
        fi = rng.randrange(n_plants) if rng.random() < 0.9 else n_plants + rng.randrange(n_warehouses)
        origin = buyer_sites[fi]
        strategy = rng.choices(strat_names, cum_weights=strat_cum)[0]
        mat_id = rng.choice(LOOP_MATERIALS[strategy])
        target = _loop_target(rng, strategy, origin, located_recyclers[plant_recycler[fi]], by_material[mat_id],
                              parties)
        kg = rng.uniform(20.0, 20000.0)
        if kg > 5000 and rng.random() < 0.6:
            qty, unit = f"{kg / 1000:.3f}", "t"
        else:
            qty, unit = f"{kg:.1f}", "kg"
        raw.append((day, seq, ["", _DATES[day], origin.id, target.id, mat_id, strategy, qty, unit]))
    return _numbered(raw, "L")


def _upstream(rng: random.Random, n: int, suppliers: Sequence[Site],
              by_material: Mapping[str, Sequence[int]]) -> list[list[str]]:
    """Upstream chains of 2-3 tiers among suppliers of one material; acyclic because every
    edge goes to a higher random rank."""
    ranks = list(range(len(suppliers)))
    rng.shuffle(ranks)
    upstream: dict[tuple[str, str, str], None] = {}  # an ordered set: duplicates drawn twice count once
    chain_mats = [m.id for m in MATERIALS if len(by_material[m.id]) >= 3]
    for _ in range(max(3, n // 40) if chain_mats else 0):
        mat_id = rng.choice(chain_mats)
        members = by_material[mat_id]
        depth = 2 if rng.random() < 0.6 else 3
        k = min(depth + 1, len(members))
        chain = sorted(rng.sample(members, k), key=lambda j: ranks[j])
        for a, b in zip(chain, chain[1:]):
            upstream[(suppliers[a].id, suppliers[b].id, mat_id)] = None
    return [list(k) for k in upstream]


def _candidates(rng: random.Random, plants: Sequence[Site], suppliers: Sequence[Site],
                by_material: Mapping[str, Sequence[int]]) -> list[list[str]]:
    """Nearshoring and reshoring candidates: for four strategic or bulk materials per plant,
    one supplier in the plant's country and one elsewhere in its M49 region."""
    by_country: dict[str, list[int]] = {}
    by_region: dict[str, list[int]] = {}
    for j, s in enumerate(suppliers):
        by_country.setdefault(s.country, []).append(j)
        by_region.setdefault(COUNTRY_REGION[s.country], []).append(j)
    candidates: dict[tuple[str, str], list[str]] = {}
    for p in plants:
        for mat_id in rng.sample(CANDIDATE_MATERIALS, 4):
            mat = MATERIAL_BY_ID[mat_id]
            region = COUNTRY_REGION[p.country]
            mat_sites = set(by_material[mat_id])
            domestic = by_country.get(p.country, [])
            regional = [j for j in by_region.get(region, []) if suppliers[j].country != p.country]
            for pool in (domestic, regional):
                if not pool:
                    continue
                preferred = [j for j in pool if j in mat_sites]
                j = rng.choice(preferred or pool)
                s = suppliers[j]
                key = (s.id, mat_id)
                if key in candidates:
                    continue
                currency = _currency(rng, s.country)
                scale = 1000.0 if mat.size == "bulk" else 20.0 if mat.size == "part" else 0.2
                capacity = round(rng.uniform(50.0, 5000.0) * scale)
                price = mat.price * rng.uniform(0.9, 1.3) / FX_RATES[currency]
                lead = rng.randint(2, 12) if s.country == p.country else rng.randint(5, 30)
                candidates[key] = [s.id, mat_id, str(capacity), f"{price:.4f}", currency, str(lead)]
    return list(candidates.values())


# --- the whole data set --------------------------------------------------------------


def _product_rows(products: Sequence[ProductSpec]) -> tuple[list[list[str]], list[list[str]]]:
    """(products.csv rows, bom.csv rows)."""
    product_rows = [[p.id, p.name, _num(p.lifetime_years), _num(p.industry_lifetime_years), _num(p.use_intensity),
                     _num(p.industry_use_intensity), _num(p.collection_recycling_share),
                     _num(p.collection_reuse_share), _num(p.recycling_efficiency_eol),
                     _num(p.recycling_efficiency_feedstock), p.category] for p in products]
    bom_rows = [[p.id, m, _num(kg)] for p in products for m, kg in p.bom]
    return product_rows, bom_rows


def generate(out_dir: Path, suppliers: int, seed: int = 0) -> GenerateSummary:
    """Write a complete, referentially consistent data set for ``suppliers`` supplier organisations.

    Deterministic in ``(suppliers, seed)``: the files are byte-identical across runs and
    platforms. ``out_dir`` is created if needed; existing contract files are replaced
    atomically. Raises ValueError for ``suppliers < 1``.

    The steps draw from one ``random.Random(seed)`` in this order (parties, purchases, loops,
    upstream chains, candidates); reordering them changes every file after the first moved step.
    """
    if suppliers < 1:
        raise ValueError("suppliers must be at least 1")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    n = suppliers
    parties = draw_parties(rng, n)
    purchase_rows = _purchases(rng, n, parties)
    by_material = _sites_by_material(parties.suppliers)
    loop_rows = _loops(rng, len(purchase_rows), parties, by_material)
    upstream_rows = _upstream(rng, n, parties.suppliers, by_material)
    candidate_rows = _candidates(rng, parties.plants, parties.suppliers, by_material)

    all_sites = parties.buyer_sites + parties.recyclers + parties.suppliers
    site_rows = ([s.id, s.org, s.name, s.country, _fmt_coord(s.lat), _fmt_coord(s.lon), s.kind] for s in all_sites)
    products = PRODUCTS[:2 + min(3, n // 5000)]
    product_rows, bom_rows = _product_rows(products)
    _write(out_dir, "organisations.csv", parties.orgs)
    _write(out_dir, "sites.csv", site_rows)
    _write(out_dir, "materials.csv", ([m.id, m.name, m.cls] for m in MATERIALS))
    _write(out_dir, "products.csv", product_rows)
    _write(out_dir, "bom.csv", bom_rows)
    _write(out_dir, "purchases.csv", purchase_rows)
    _write(out_dir, "loops.csv", loop_rows)
    _write(out_dir, "upstream.csv", upstream_rows)
    _write(out_dir, "candidates.csv", candidate_rows)
    _write(out_dir, "fx.csv", ([c, f"{r:g}"] for c, r in FX_RATES.items()))
    return GenerateSummary(
        organisations=len(parties.orgs), sites=len(all_sites), materials=len(MATERIALS), products=len(products),
        bom=len(bom_rows), purchases=len(purchase_rows), loops=len(loop_rows), upstream=len(upstream_rows),
        candidates=len(candidate_rows), fx=len(FX_RATES),
    )


def _num(v: float | None) -> str:
    """Shortest exact-looking decimal for a number; empty for None (optional columns)."""
    if v is None:
        return ""
    return f"{v:.6f}".rstrip("0").rstrip(".")


def _write(out_dir: Path, name: str, rows: Iterable[Sequence[object]]) -> None:
    """Write one contract file atomically (files.atomic_write)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CONTRACT_COLUMNS[name])
    writer.writerows(rows)
    atomic_write(out_dir / name, buf.getvalue())
