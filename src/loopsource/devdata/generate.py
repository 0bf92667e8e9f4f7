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
"""
from __future__ import annotations

import csv
import io
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path

from .cities import CITIES, COUNTRY_REGION, City
from ..files import atomic_write

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
#: Share of supplier organisations that run a second site.
SECOND_SITE_SHARE = 0.25
#: Share of generated sites (suppliers, recyclers) left without coordinates.
MISSING_COORDS_SHARE = 0.02
#: Maximum jitter applied to a city centre, in km (sites never sit exactly on top of each other).
MAX_JITTER_KM = 25.0
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


# ---------------------------------------------------------------------------------------
# Catalogue: materials and products
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MaterialSpec:
    """A catalogue material with what makes its purchases look real.

    ``price`` is EUR per kg; ``recycled``/``reused`` are (low, high) share ranges;
    ``size`` drives quantities and units (bulk: tonnes, part: kilograms, fine: grams);
    ``sources`` are typical producing countries with weights; ``weight`` is how often
    the material is a supplier's main line of business.
    """

    id: str
    name: str
    cls: str
    family: str
    price: float
    recycled: tuple[float, float]
    reused: tuple[float, float]
    size: str
    weight: float
    sources: tuple[tuple[str, float], ...]


def _cum(weights: Iterable[float]) -> list[float]:
    """Cumulative weights, for fast repeated ``rng.choices``."""
    out, acc = [], 0.0
    for w in weights:
        acc += w
        out.append(acc)
    return out


def _src(spec: str) -> tuple[tuple[str, float], ...]:
    """Parse ``"CL:4 AU:3"`` into ``(("CL", 4.0), ("AU", 3.0))``."""
    return tuple((c, float(w)) for c, w in (item.split(":") for item in spec.split()))


_M = MaterialSpec
MATERIALS: tuple[MaterialSpec, ...] = (
    _M("M-LIOH", "Lithium hydroxide monohydrate, battery grade", "Lithium", "battery", 12.0,
       (0.0, 0.08), (0.0, 0.0), "bulk", 2.0, _src("CL:4 AU:3 CN:4 AR:2 US:1 DE:1")),
    _M("M-LI2CO3", "Lithium carbonate, battery grade", "Lithium", "battery", 10.5,
       (0.0, 0.05), (0.0, 0.0), "bulk", 1.5, _src("CL:5 AR:3 CN:3 AU:1")),
    _M("M-COSO4", "Cobalt sulphate heptahydrate", "Cobalt", "battery", 6.5,
       (0.1, 0.2), (0.0, 0.0), "bulk", 1.5, _src("CD:4 CN:4 FI:2 BE:1 ZM:1")),
    _M("M-NISO4", "Nickel sulphate hexahydrate", "Nickel", "battery", 4.2,
       (0.05, 0.15), (0.0, 0.0), "bulk", 1.8, _src("ID:5 CN:3 FI:2 AU:1 CA:1 NC:1")),
    _M("M-MNSO4", "Manganese sulphate monohydrate", "Manganese", "battery", 1.4,
       (0.0, 0.1), (0.0, 0.0), "bulk", 1.2, _src("ZA:4 CN:4 GA:1 CZ:1 AU:1")),
    _M("M-GRAPH", "Spherical graphite, anode grade", "Graphite", "battery", 7.0,
       (0.0, 0.05), (0.0, 0.0), "bulk", 1.8, _src("CN:7 NO:1 CA:1 JP:1 KR:1")),
    _M("M-NATGR", "Natural flake graphite concentrate", "NaturalGraphite", "mineral", 1.1,
       (0.0, 0.0), (0.0, 0.0), "bulk", 0.6, _src("CN:5 MZ:3 MG:2 BR:1")),
    _M("M-ELYTE", "Electrolyte, LiPF6 in carbonate solvents", "Chemical", "battery", 7.5,
       (0.0, 0.0), (0.0, 0.0), "part", 1.2, _src("CN:5 KR:3 JP:2 DE:1")),
    _M("M-AL-EXT", "Aluminium extrusions, 6xxx alloy", "Aluminium", "metal", 3.9,
       (0.2, 0.5), (0.0, 0.0), "bulk", 3.0, _src("DE:2 FR:1 PL:1 NO:1 ES:1 CN:2 TR:1 US:1 MX:1")),
    _M("M-AL-FOIL", "Aluminium foil, cathode current collector", "Aluminium", "metal", 5.6,
       (0.1, 0.3), (0.0, 0.0), "bulk", 1.5, _src("DE:2 CN:3 KR:1 IT:1 JP:1")),
    _M("M-AL-ING", "Aluminium casting alloy ingot", "Aluminium", "metal", 2.7,
       (0.3, 0.8), (0.0, 0.0), "bulk", 1.5, _src("NO:1 FR:1 AE:2 CA:1 IN:1 CN:2")),
    _M("M-CU-FOIL", "Electrodeposited copper foil", "Copper", "metal", 11.0,
       (0.05, 0.3), (0.0, 0.0), "bulk", 1.5, _src("CN:4 KR:2 JP:2 PL:1 TW:1")),
    _M("M-CU-BUS", "Copper busbars, tin plated", "Copper", "metal", 12.0,
       (0.3, 0.5), (0.0, 0.0), "part", 1.5, _src("DE:2 PL:1 IT:1 CN:2 MX:1 US:1")),
    _M("M-CU-CATH", "Copper cathode, grade A", "Copper", "metal", 8.8,
       (0.0, 0.3), (0.0, 0.0), "bulk", 1.0, _src("CL:4 PE:2 CD:2 PL:1 ZM:1 CN:2")),
    _M("M-STEEL", "Cold-rolled steel coil", "Steel", "metal", 0.85,
       (0.15, 0.4), (0.0, 0.0), "bulk", 3.0, _src("DE:2 PL:2 FR:1 IT:1 CN:3 IN:2 KR:1 TR:1 US:1 MX:1 BR:1")),
    _M("M-STEEL-HDG", "Hot-dip galvanised steel sheet", "Steel", "metal", 1.0,
       (0.15, 0.35), (0.0, 0.0), "bulk", 1.5, _src("DE:2 AT:1 BE:1 CN:2 KR:1 US:1")),
    _M("M-SS", "Stainless steel sheet, 304", "StainlessSteel", "metal", 3.2,
       (0.4, 0.7), (0.0, 0.0), "bulk", 1.2, _src("FI:1 AT:1 IT:1 CN:3 IN:1 KR:1 US:1")),
    _M("M-ZN", "Zinc ingot, special high grade", "Zinc", "metal", 2.8,
       (0.1, 0.3), (0.0, 0.0), "bulk", 0.6, _src("CN:3 PE:2 AU:1 ES:1 FI:1")),
    _M("M-TIN", "Tin-silver-copper solder wire", "Tin", "metal", 30.0,
       (0.1, 0.4), (0.0, 0.0), "fine", 0.5, _src("MY:3 ID:2 CN:2 PE:1")),
    _M("M-SI", "Silicon metal, chemical grade", "SiliconMetal", "metal", 2.6,
       (0.0, 0.05), (0.0, 0.0), "bulk", 0.6, _src("CN:5 NO:2 BR:1 FR:1 ES:1")),
    _M("M-MG", "Magnesium alloy ingot", "Magnesium", "metal", 3.4,
       (0.05, 0.2), (0.0, 0.0), "bulk", 0.5, _src("CN:8 US:1 IL:1")),
    _M("M-NDFEB", "NdFeB magnet alloy", "RareEarthMagnetElements", "metal", 80.0,
       (0.0, 0.05), (0.0, 0.0), "part", 0.6, _src("CN:8 JP:2 EE:1")),
    _M("M-PGM", "Platinum group metal catalyst concentrate", "PlatinumGroupMetals", "metal", 28000.0,
       (0.3, 0.6), (0.0, 0.0), "fine", 0.3, _src("ZA:6 US:1 CA:1 BE:1")),
    _M("M-TI", "Titanium sheet, grade 2", "TitaniumMetal", "metal", 24.0,
       (0.1, 0.3), (0.0, 0.0), "part", 0.4, _src("CN:3 JP:2 KZ:1 US:1")),
    _M("M-W", "Tungsten carbide powder", "Tungsten", "metal", 40.0,
       (0.1, 0.4), (0.0, 0.0), "fine", 0.3, _src("CN:6 AT:1 VN:1")),
    _M("M-GA", "Gallium metal, 6N", "Gallium", "metal", 350.0,
       (0.0, 0.05), (0.0, 0.0), "fine", 0.2, _src("CN:9 JP:1 DE:1")),
    _M("M-PET", "PET resin, bottle grade", "PET", "polymer", 1.3,
       (0.1, 0.3), (0.0, 0.0), "bulk", 3.0, _src("CN:2 US:2 ES:1 PL:1 MX:1 KR:1 IN:1 TH:1")),
    _M("M-HDPE", "HDPE, blow-moulding grade", "HDPE", "polymer", 1.4,
       (0.1, 0.3), (0.0, 0.0), "bulk", 2.0, _src("US:2 SA:2 BE:1 DE:1 NL:1 KR:1")),
    _M("M-LDPE", "LDPE stretch film", "LDPE", "packaging", 1.7,
       (0.05, 0.3), (0.0, 0.0), "part", 2.0, _src("DE:1 PL:1 NL:1 IT:1 ES:1 MX:1 US:1 TR:1")),
    _M("M-PP", "Polypropylene homopolymer", "PP", "polymer", 1.3,
       (0.05, 0.25), (0.0, 0.0), "bulk", 2.5, _src("DE:1 BE:1 NL:1 SA:2 CN:2 KR:1 US:1")),
    _M("M-PA66", "Polyamide 66, glass-fibre reinforced", "Polyamide", "polymer", 3.8,
       (0.0, 0.15), (0.0, 0.0), "part", 1.5, _src("DE:3 FR:1 CN:2 US:1 JP:1")),
    _M("M-PC", "Polycarbonate, flame retardant", "Polycarbonate", "polymer", 3.2,
       (0.0, 0.1), (0.0, 0.0), "part", 1.0, _src("DE:2 BE:1 CN:2 KR:1 TW:1 US:1")),
    _M("M-ABS", "ABS moulding compound", "ABS", "polymer", 2.2,
       (0.0, 0.15), (0.0, 0.0), "part", 1.0, _src("KR:2 TW:2 CN:2 DE:1")),
    _M("M-PVC", "PVC cable compound", "PVC", "polymer", 1.1,
       (0.0, 0.2), (0.0, 0.0), "part", 0.8, _src("DE:1 PL:1 TR:1 CN:2 US:1")),
    _M("M-PAPER", "Paper label stock, wet-strength", "Paper", "packaging", 1.2,
       (0.3, 0.7), (0.0, 0.0), "part", 1.5, _src("FI:2 SE:2 DE:1 FR:1 PL:1 BR:1")),
    _M("M-CARTON", "Corrugated cardboard boxes", "Cardboard", "packaging", 0.75,
       (0.6, 0.9), (0.0, 0.1), "part", 3.0, _src("DE:1 FR:1 PL:1 ES:1 IT:1 MX:1 US:1 CN:1 BR:1")),
    _M("M-WOOD", "Wooden pallets, EPAL", "Wood", "packaging", 0.35,
       (0.0, 0.2), (0.2, 0.6), "part", 2.0, _src("PL:3 DE:1 CZ:1 FR:1 MX:1 US:1")),
    _M("M-GLASS", "Glass fibre mat", "Glass", "mineral", 1.9,
       (0.1, 0.3), (0.0, 0.0), "part", 0.6, _src("DE:1 CZ:1 CN:2 US:1")),
    _M("M-RUBBER", "EPDM rubber seals", "Rubber", "polymer", 4.5,
       (0.0, 0.1), (0.0, 0.0), "part", 1.0, _src("TR:1 DE:1 CZ:1 TH:2 MY:2 CN:1")),
    _M("M-PCBA", "Printed circuit board assemblies, BMS", "Electronics", "electronics", 140.0,
       (0.0, 0.02), (0.0, 0.0), "part", 2.0, _src("CN:4 TW:2 DE:1 MX:1 MY:1 VN:1 HU:1 CZ:1")),
    _M("M-CABLE", "Wire harness assemblies", "Electronics", "electronics", 28.0,
       (0.0, 0.05), (0.0, 0.0), "part", 1.5, _src("MX:2 RO:1 PL:1 MA:1 TN:1 CN:2")),
    _M("M-ADH", "Structural adhesive, polyurethane", "Chemical", "chemical", 6.0,
       (0.0, 0.0), (0.0, 0.0), "part", 1.0, _src("DE:2 FR:1 BE:1 US:1 CN:1")),
    _M("M-CERAMIC", "Ceramic-fibre thermal barrier sheet", "Ceramic", "mineral", 9.0,
       (0.0, 0.05), (0.0, 0.0), "part", 0.6, _src("DE:1 CZ:1 JP:1 CN:2")),
)
_MAT_BY_ID: dict[str, MaterialSpec] = {m.id: m for m in MATERIALS}

#: Materials a recycling facility sells back as recyclate.
_RECYCLATES = ("M-AL-ING", "M-PET", "M-HDPE", "M-CU-CATH", "M-STEEL", "M-COSO4", "M-NISO4", "M-CARTON")

#: Which materials go round which loop, by strategy (EoL / production-scrap flows).
_LOOP_MATERIALS: dict[str, tuple[str, ...]] = {
    "reuse": ("M-WOOD", "M-CARTON", "M-HDPE", "M-LDPE"),
    "repair": ("M-PCBA", "M-CABLE", "M-WOOD"),
    "refurbish": ("M-PCBA", "M-CABLE"),
    "remanufacture": ("M-PCBA", "M-CU-BUS", "M-AL-EXT"),
    "repurpose": ("M-PCBA", "M-AL-EXT", "M-STEEL"),
    "recycle": ("M-AL-EXT", "M-AL-FOIL", "M-CU-FOIL", "M-CU-BUS", "M-STEEL", "M-SS", "M-PET", "M-HDPE",
                "M-PP", "M-CARTON", "M-LDPE", "M-COSO4", "M-NISO4", "M-PAPER"),
    "recover": ("M-PP", "M-PA66", "M-WOOD", "M-PAPER", "M-LDPE", "M-PVC"),
    "dispose": ("M-ADH", "M-CERAMIC", "M-RUBBER", "M-GLASS", "M-PVC"),
}
_STRATEGY_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("recycle", 45), ("reuse", 15), ("recover", 10), ("dispose", 8), ("remanufacture", 7),
    ("repair", 6), ("refurbish", 5), ("repurpose", 4),
)
#: Materials whose sourcing is worth a nearshoring what-if (strategic and bulk lines).
_CANDIDATE_MATERIALS = ("M-LIOH", "M-COSO4", "M-NISO4", "M-MNSO4", "M-GRAPH", "M-AL-EXT", "M-CU-FOIL",
                        "M-SI", "M-PET", "M-STEEL", "M-PCBA", "M-NDFEB")


@dataclass(frozen=True, slots=True)
class ProductSpec:
    """A product template: circularity parameters (MCI inputs) and its bill of materials."""

    id: str
    name: str
    lifetime_years: float
    industry_lifetime_years: float
    use_intensity: float | None
    industry_use_intensity: float | None
    collection_recycling_share: float
    collection_reuse_share: float
    recycling_efficiency_eol: float
    recycling_efficiency_feedstock: float
    category: str
    bom: tuple[tuple[str, float], ...]


PRODUCTS: tuple[ProductSpec, ...] = (
    ProductSpec("P-EVB-75", "EV battery pack, 75 kWh NMC811", 12, 10, 1.1, 1.0, 0.80, 0.10, 0.70, 0.90,
                "ev_battery", (("M-LIOH", 36.0), ("M-NISO4", 58.0), ("M-COSO4", 9.0), ("M-MNSO4", 6.5),
                               ("M-GRAPH", 68.0), ("M-AL-EXT", 62.0), ("M-AL-FOIL", 9.5), ("M-CU-FOIL", 21.0),
                               ("M-CU-BUS", 6.0), ("M-STEEL", 34.0), ("M-PA66", 9.0), ("M-PP", 4.0),
                               ("M-PCBA", 3.2), ("M-CABLE", 4.5), ("M-ELYTE", 38.0), ("M-SI", 1.8),
                               ("M-CERAMIC", 2.6), ("M-ADH", 3.4), ("M-RUBBER", 1.2))),
    ProductSpec("P-PET-500", "PET food container, 500 ml, with paper label", 0.1, 0.1, None, None, 0.55, 0.0,
                0.75, 0.85, "packaging_pet_contact_sensitive",
                (("M-PET", 0.0215), ("M-PAPER", 0.0012), ("M-ADH", 0.0002), ("M-CARTON", 0.0021),
                 ("M-LDPE", 0.0003))),
    ProductSpec("P-HDPE-2L", "HDPE detergent bottle, 2 l, with PP cap", 0.3, 0.3, None, None, 0.60, 0.0,
                0.80, 0.85, "packaging_plastic_non_contact_sensitive",
                (("M-HDPE", 0.068), ("M-PP", 0.006), ("M-PAPER", 0.002), ("M-CARTON", 0.004))),
    ProductSpec("P-EMOT-150", "Electric drive motor, 150 kW", 15, 12, 1.0, 1.0, 0.90, 0.05, 0.85, 0.90,
                "electric_motor", (("M-STEEL", 42.0), ("M-CU-CATH", 9.5), ("M-NDFEB", 1.6), ("M-AL-ING", 14.0),
                                   ("M-SS", 1.2), ("M-PCBA", 0.9), ("M-PA66", 0.8), ("M-PVC", 0.6))),
    ProductSpec("P-ESS-200", "Stationary storage cabinet, 200 kWh LFP", 20, 15, 0.9, 1.0, 0.85, 0.05, 0.70, 0.90,
                "industrial_battery", (("M-LI2CO3", 110.0), ("M-GRAPH", 190.0), ("M-AL-FOIL", 28.0),
                                       ("M-CU-FOIL", 60.0), ("M-STEEL-HDG", 420.0), ("M-PCBA", 6.0),
                                       ("M-ELYTE", 105.0), ("M-CABLE", 12.0), ("M-ABS", 8.0))),
)

# ---------------------------------------------------------------------------------------
# Geography
# ---------------------------------------------------------------------------------------

_CITIES_BY_COUNTRY: dict[str, tuple[City, ...]] = {}
for _c in CITIES:
    _CITIES_BY_COUNTRY.setdefault(_c.country, ())
    _CITIES_BY_COUNTRY[_c.country] += (_c,)
_CITY_BY_NAME: dict[str, City] = {c.name: c for c in CITIES}

#: Countries where a supplier with no material-specific origin tends to be (general industry).
_GENERAL_COUNTRIES: tuple[tuple[str, float], ...] = _src(
    "DE:10 CN:12 US:8 FR:5 IT:5 PL:5 ES:3 MX:4 JP:4 KR:4 IN:5 TR:3 CZ:3 NL:2 BE:2 AT:2 SE:2 FI:1 "
    "GB:3 HU:2 SK:1 RO:2 PT:1 BR:3 CA:2 TW:2 TH:2 VN:2 MY:2 ID:1 ZA:1 MA:1 AU:1 CH:1 DK:1 NO:1 AR:1 CL:1"
)

_GENERAL_CUM = _cum(w for _, w in _GENERAL_COUNTRIES)

#: Plant locations, in order: the first three mirror the demo (France, Poland, Mexico).
_PLANT_CITIES = ("Lyon", "Wrocław", "Monterrey", "Leipzig", "Zaragoza", "San Antonio", "Suzhou", "Pune",
                 "Curitiba", "Brno", "Turin", "Győr", "Bursa", "Durban", "Melbourne", "Querétaro",
                 "Gliwice", "Valenciennes", "Rayong", "Cheongju")

_PREFIXES = ("Nord", "Alpen", "Baltic", "Atlas", "Vega", "Orion", "Terra", "Aurora", "Delta", "Sigma",
             "Nova", "Polar", "Iber", "Danub", "Cascad", "Sierra", "Pacif", "Andes", "Savann", "Jade",
             "Lotus", "Hana", "Indus", "Karoo", "Zambe", "Sahel", "Tasman", "Maple", "Prairie", "Bajío",
             "Pampa", "Fjord", "Rhen", "Vistul", "Carpat", "Adria", "Helios", "Boreal", "Meridi", "Crest")
_STEMS = ("ion", "ex", "ara", "ium", "tek", "via", "lux", "mont", "berg", "stone", "field", "gate",
          "line", "core", "forge", "well", "ora", "ano", "ica", "o")
_SECTOR = {"battery": ("Battery Materials", "Advanced Materials", "Energy Materials"),
           "metal": ("Metals", "Metalworks", "Alloys"), "polymer": ("Polymers", "Plastics", "Compounds"),
           "packaging": ("Packaging", "Pack", "Converting"), "electronics": ("Electronics", "Systems", "Circuits"),
           "chemical": ("Chemicals", "Specialty Chemicals", "Chemie"), "mineral": ("Minerals", "Industrial Minerals",
                                                                                  "Resources")}
_LEGAL = {"DE": "GmbH", "AT": "GmbH", "CH": "AG", "FR": "SAS", "BE": "NV", "NL": "B.V.", "PL": "Sp. z o.o.",
          "CZ": "s.r.o.", "SK": "s.r.o.", "ES": "S.L.", "IT": "S.p.A.", "PT": "Lda.", "MX": "S.A. de C.V.",
          "US": "Inc.", "CA": "Inc.", "GB": "Ltd", "IE": "Ltd", "SE": "AB", "FI": "Oy", "NO": "AS", "DK": "A/S",
          "CN": "Co., Ltd.", "JP": "K.K.", "KR": "Co., Ltd.", "TW": "Co., Ltd.", "AU": "Pty Ltd",
          "ZA": "(Pty) Ltd", "BR": "Ltda.", "AR": "S.A.", "CL": "SpA", "IN": "Pvt. Ltd.", "TR": "A.Ş.",
          "HU": "Kft.", "RO": "S.R.L.", "ID": "PT", "MY": "Sdn. Bhd.", "TH": "Co., Ltd.", "VN": "JSC"}
_SITE_WORD = {"battery": "refinery", "metal": "works", "polymer": "plant", "packaging": "mill",
              "electronics": "factory", "chemical": "plant", "mineral": "operations"}


def _haversine_km(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    """Great-circle distance; good enough to tell hyperlocal from domestic from global."""
    p1, p2 = math.radians(a_lat), math.radians(b_lat)
    dphi, dlmb = p2 - p1, math.radians(b_lon - a_lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlmb / 2) ** 2
    return 12742.0 * math.asin(min(1.0, math.sqrt(h)))


def _jitter(rng: random.Random, city: City, max_km: float) -> tuple[float, float]:
    """A point within ``max_km`` of the city centre, so sites of one city are distinct."""
    r = max_km * math.sqrt(rng.random())
    theta = rng.random() * 2 * math.pi
    lat = city.lat + (r * math.cos(theta)) / 111.32
    lon = city.lon + (r * math.sin(theta)) / (111.32 * max(0.2, math.cos(math.radians(city.lat))))
    return round(max(-90.0, min(90.0, lat)), 4), round(((lon + 180.0) % 360.0) - 180.0, 4)


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


@dataclass(slots=True)
class _Site:
    id: str
    org: str
    name: str
    country: str
    lat: float | None
    lon: float | None
    kind: str
    materials: tuple[str, ...] = ()
    family: str = ""


def _fmt_coord(v: float | None) -> str:
    return "" if v is None else f"{v:.4f}"


def _share(rng: random.Random, lo: float, hi: float) -> int:
    """A share in thousandths, so that rounding never breaks recycled + reused <= 1."""
    if hi <= lo:
        return round(lo * 1000)
    return round(rng.uniform(lo, hi) * 1000)


def generate(out_dir: Path, suppliers: int, seed: int = 0) -> GenerateSummary:
    """Write a complete, referentially consistent data set for ``suppliers`` supplier organisations.

    Deterministic in ``(suppliers, seed)``: the files are byte-identical across runs and
    platforms. ``out_dir`` is created if needed; existing contract files are replaced
    atomically. Raises ValueError for ``suppliers < 1``.
    """
    if suppliers < 1:
        raise ValueError("suppliers must be at least 1")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    n = suppliers

    # --- buyer, plants, warehouses -------------------------------------------------------
    buyer_org = "ORG-BUYER"
    orgs: list[tuple[str, str, str, str]] = [(buyer_org, "Calderon Varga Manufacturing Group SE", "buyer", "FR")]
    n_plants = max(3, n // 2000)
    plants: list[_Site] = []
    for i in range(n_plants):
        city = _CITY_BY_NAME[_PLANT_CITIES[i % len(_PLANT_CITIES)]]
        lat, lon = _jitter(rng, city, 12.0)
        plants.append(_Site(f"S-PLT-{i + 1:03d}", buyer_org, f"{city.name} assembly plant {i + 1}",
                            city.country, lat, lon, "plant"))
    warehouses: list[_Site] = []
    for i in range(max(1, n_plants // 3)):
        anchor = plants[(i * 3) % n_plants]
        city = _CITY_BY_NAME[_PLANT_CITIES[((i * 3) % n_plants) % len(_PLANT_CITIES)]]
        lat, lon = _jitter(rng, city, 20.0)
        warehouses.append(_Site(f"S-WH-{i + 1:03d}", buyer_org, f"{city.name} distribution warehouse",
                                anchor.country, lat, lon, "warehouse"))
    buyer_sites = plants + warehouses

    # --- recyclers: one next to every plant, plus a few elsewhere ---------------------
    recyclers: list[_Site] = []
    n_recyclers = n_plants + max(0, n // 2000)
    for i in range(n_recyclers):
        if i < n_plants:
            city = _CITY_BY_NAME[_PLANT_CITIES[i % len(_PLANT_CITIES)]]
        else:
            country = rng.choices([c for c, _ in _GENERAL_COUNTRIES], cum_weights=_GENERAL_CUM)[0]
            city = rng.choice(_CITIES_BY_COUNTRY[country])
        org_id = f"ORG-R-{i + 1:04d}"
        orgs.append((org_id, f"{rng.choice(_PREFIXES)}{rng.choice(_STEMS)} Recycling {_LEGAL.get(city.country, 'Ltd')}",
                     "recycler", city.country))
        lat, lon = _jitter(rng, city, MAX_JITTER_KM)
        if i >= n_plants and rng.random() < MISSING_COORDS_SHARE:
            lat = lon = None
        recyclers.append(_Site(f"S-RF-{i + 1:04d}", org_id, f"{city.name} recovery centre", city.country,
                               lat, lon, "recycling_facility", _RECYCLATES))

    # --- suppliers ---------------------------------------------------------------------
    width = max(5, len(str(n)))
    supplier_sites: list[_Site] = []
    mat_cum = _cum(m.weight for m in MATERIALS)
    family_members: dict[str, list[str]] = {}
    for m in MATERIALS:
        family_members.setdefault(m.family, []).append(m.id)
    for i in range(n):
        main = rng.choices(MATERIALS, cum_weights=mat_cum)[0]
        mats = [main.id]
        r = rng.random()
        extra = 2 if r < 0.15 else 1 if r < 0.5 else 0
        pool = family_members[main.family]
        for _ in range(extra):
            cand = rng.choice(pool)
            if cand not in mats:
                mats.append(cand)
        r = rng.random()
        if r < 0.05:  # local cluster around a plant: makes hyperlocal sourcing visible
            city = _CITY_BY_NAME[_PLANT_CITIES[rng.randrange(n_plants) % len(_PLANT_CITIES)]]
        else:
            if r < 0.70:
                country = rng.choices([c for c, _ in main.sources], weights=[w for _, w in main.sources])[0]
            else:
                country = rng.choices([c for c, _ in _GENERAL_COUNTRIES], cum_weights=_GENERAL_CUM)[0]
            city = rng.choice(_CITIES_BY_COUNTRY[country])
        org_id = f"ORG-S-{i + 1:0{width}d}"
        short = f"{rng.choice(_PREFIXES)}{rng.choice(_STEMS)}"
        orgs.append((org_id, f"{short} {rng.choice(_SECTOR[main.family])} {_LEGAL.get(city.country, 'Ltd')}",
                     "supplier", city.country))
        n_sites = 2 if rng.random() < SECOND_SITE_SHARE else 1
        for k in range(n_sites):
            if k == 1:
                if rng.random() < 0.5:
                    city = rng.choice(_CITIES_BY_COUNTRY[city.country])
                else:
                    country = rng.choices([c for c, _ in main.sources], weights=[w for _, w in main.sources])[0]
                    city = rng.choice(_CITIES_BY_COUNTRY[country])
            lat, lon = _jitter(rng, city, MAX_JITTER_KM)
            if rng.random() < MISSING_COORDS_SHARE:
                lat = lon = None
            supplier_sites.append(_Site(f"S-{i + 1:0{width}d}-{k + 1}", org_id,
                                        f"{short} {city.name} {_SITE_WORD[main.family]}", city.country,
                                        lat, lon, "supplier_site", tuple(mats), main.family))

    # --- nearest plant per site (drives buyer choice and loop targets) ---------------
    def nearest(site: _Site, among: Sequence[_Site]) -> int:
        if site.lat is None or site.lon is None:
            same = [j for j, p in enumerate(among) if p.country == site.country]
            if same:
                return same[0]
            region = COUNTRY_REGION[site.country]
            same = [j for j, p in enumerate(among) if COUNTRY_REGION[p.country] == region]
            return same[0] if same else 0
        best, best_d = 0, math.inf
        for j, p in enumerate(among):
            d = _haversine_km(site.lat, site.lon, p.lat, p.lon)  # type: ignore[arg-type]
            if d < best_d:
                best, best_d = j, d
        return best

    home_plant = [nearest(s, plants) for s in supplier_sites]

    # --- purchases ---------------------------------------------------------------------
    n_purchases = round(n * PURCHASES_PER_SUPPLIER)
    # Pareto-like supplier weights: a few suppliers carry much of the volume, as in real spend data.
    site_cum = _cum(rng.paretovariate(1.6) for _ in supplier_sites)
    site_idx = list(range(len(supplier_sites)))
    chosen = rng.choices(site_idx, cum_weights=site_cum, k=n_purchases)
    raw_purchases: list[tuple[int, int, list[str]]] = []
    for seq, si in enumerate(chosen):
        day = rng.randrange(_DAYS)
        if rng.random() < 0.02:  # recyclate bought back from a recycler
            site = recyclers[rng.randrange(len(recyclers))]
            mat = _MAT_BY_ID[rng.choice(_RECYCLATES)]
            recycled, reused = _share(rng, 0.9, 1.0), 0
        else:
            site = supplier_sites[si]
            mat = _MAT_BY_ID[rng.choice(site.materials)]
            recycled = _share(rng, *mat.recycled)
            reused = min(_share(rng, *mat.reused), 1000 - recycled)
        r = rng.random()
        if r < 0.08 and mat.family == "packaging":
            buyer = warehouses[rng.randrange(len(warehouses))]
        elif r < 0.60 and site.kind == "supplier_site":
            buyer = plants[home_plant[si]]
        else:
            buyer = plants[rng.randrange(n_plants)]
        # quantity and unit
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
        # spend
        if rng.random() < 0.03:
            spend = currency = ""
        else:
            currency = _currency(rng, site.country)
            eur = kg * mat.price * rng.uniform(0.85, 1.2)
            spend = f"{eur / FX_RATES[currency]:.2f}"
        # transport mode and lead time
        if site.lat is None or site.lon is None:
            dist = None
            mode = "road" if COUNTRY_REGION[site.country] == COUNTRY_REGION[buyer.country] else "sea"
        else:
            dist = _haversine_km(site.lat, site.lon, buyer.lat, buyer.lon)  # type: ignore[arg-type]
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
        d = dist if dist is not None else 6000.0
        if mode == "road":
            lead = 1 + int(d / 700) + rng.randint(0, 4)
        elif mode == "rail":
            lead = 3 + int(d / 600) + rng.randint(0, 5)
        elif mode == "inland_waterway":
            lead = 4 + int(d / 200) + rng.randint(0, 3)
        elif mode == "air":
            lead = 2 + rng.randint(1, 5)
        else:
            lead = 10 + int(d / 550) + rng.randint(0, 10)
        mode_s = "" if rng.random() < 0.03 else mode
        lead_s = "" if rng.random() < 0.04 else str(lead)
        raw_purchases.append((day, seq, [
            "", _DATES[day], buyer.id, site.id, mat.id, qty, unit, spend, currency,
            f"{recycled / 1000:.3f}", f"{reused / 1000:.3f}", mode_s, lead_s]))
    raw_purchases.sort(key=lambda t: (t[0], t[1]))
    pwidth = max(5, len(str(n_purchases)))
    purchase_rows = []
    for k, (_, _, row) in enumerate(raw_purchases):
        row[0] = f"PO-{k + 1:0{pwidth}d}"
        purchase_rows.append(row)

    # --- loops -------------------------------------------------------------------------
    by_material: dict[str, list[int]] = {m.id: [] for m in MATERIALS}
    for j, s in enumerate(supplier_sites):
        for m in s.materials:
            by_material[m].append(j)
    plant_recycler = [nearest(p, [r for r in recyclers if r.lat is not None] or recyclers) for p in buyer_sites]
    located_recyclers = [r for r in recyclers if r.lat is not None] or recyclers
    strat_names = [s for s, _ in _STRATEGY_WEIGHTS]
    strat_cum = _cum(w for _, w in _STRATEGY_WEIGHTS)
    n_loops = max(1, round(n_purchases / 10))
    raw_loops: list[tuple[int, int, list[str]]] = []
    for seq in range(n_loops):
        day = rng.randrange(_DAYS)
        fi = rng.randrange(n_plants) if rng.random() < 0.9 else n_plants + rng.randrange(len(warehouses))
        origin = buyer_sites[fi]
        strategy = rng.choices(strat_names, cum_weights=strat_cum)[0]
        mat_id = rng.choice(_LOOP_MATERIALS[strategy])
        r = rng.random()
        suppliers_of = by_material[mat_id]
        if strategy in ("recycle", "recover", "dispose"):
            target = located_recyclers[plant_recycler[fi]] if r < 0.75 else recyclers[rng.randrange(len(recyclers))]
        elif strategy == "reuse":
            if r < 0.5 and suppliers_of:
                target = supplier_sites[rng.choice(suppliers_of)]
            else:
                others = [b for b in buyer_sites if b.id != origin.id]
                target = rng.choice(others)
        elif strategy in ("repair", "refurbish", "remanufacture"):
            if r < 0.6 and suppliers_of:
                target = supplier_sites[rng.choice(suppliers_of)]
            else:
                target = located_recyclers[plant_recycler[fi]]
        else:  # repurpose
            target = located_recyclers[plant_recycler[fi]] if r < 0.5 else plants[rng.randrange(n_plants)]
            if target.id == origin.id:
                target = located_recyclers[plant_recycler[fi]]
        kg = rng.uniform(20.0, 20000.0)
        if kg > 5000 and rng.random() < 0.6:
            qty, unit = f"{kg / 1000:.3f}", "t"
        else:
            qty, unit = f"{kg:.1f}", "kg"
        raw_loops.append((day, seq, ["", _DATES[day], origin.id, target.id, mat_id, strategy, qty, unit]))
    raw_loops.sort(key=lambda t: (t[0], t[1]))
    lwidth = max(5, len(str(n_loops)))
    loop_rows = []
    for k, (_, _, row) in enumerate(raw_loops):
        row[0] = f"L-{k + 1:0{lwidth}d}"
        loop_rows.append(row)

    # --- upstream chains (acyclic: every edge goes to a higher random rank) ------------
    ranks = list(range(len(supplier_sites)))
    rng.shuffle(ranks)
    upstream: dict[tuple[str, str, str], None] = {}
    chain_mats = [m.id for m in MATERIALS if len(by_material[m.id]) >= 3]
    for _ in range(max(3, n // 40) if chain_mats else 0):
        mat_id = rng.choice(chain_mats)
        members = by_material[mat_id]
        depth = 2 if rng.random() < 0.6 else 3
        k = min(depth + 1, len(members))
        chain = sorted(rng.sample(members, k), key=lambda j: ranks[j])
        for a, b in zip(chain, chain[1:]):
            upstream[(supplier_sites[a].id, supplier_sites[b].id, mat_id)] = None

    # --- nearshoring / reshoring candidates --------------------------------------------
    by_country: dict[str, list[int]] = {}
    by_region: dict[str, list[int]] = {}
    for j, s in enumerate(supplier_sites):
        by_country.setdefault(s.country, []).append(j)
        by_region.setdefault(COUNTRY_REGION[s.country], []).append(j)
    candidates: dict[tuple[str, str], list[str]] = {}
    for p in plants:
        for mat_id in rng.sample(_CANDIDATE_MATERIALS, 4):
            mat = _MAT_BY_ID[mat_id]
            region = COUNTRY_REGION[p.country]
            mat_sites = set(by_material[mat_id])
            domestic = by_country.get(p.country, [])
            regional = [j for j in by_region.get(region, []) if supplier_sites[j].country != p.country]
            for pool in (domestic, regional):
                if not pool:
                    continue
                preferred = [j for j in pool if j in mat_sites]
                j = rng.choice(preferred or pool)
                s = supplier_sites[j]
                key = (s.id, mat_id)
                if key in candidates:
                    continue
                currency = _currency(rng, s.country)
                scale = 1000.0 if mat.size == "bulk" else 20.0 if mat.size == "part" else 0.2
                capacity = round(rng.uniform(50.0, 5000.0) * scale)
                price = mat.price * rng.uniform(0.9, 1.3) / FX_RATES[currency]
                lead = rng.randint(2, 12) if s.country == p.country else rng.randint(5, 30)
                candidates[key] = [s.id, mat_id, str(capacity), f"{price:.4f}", currency, str(lead)]

    # --- write -------------------------------------------------------------------------
    all_sites = buyer_sites + recyclers + supplier_sites
    site_rows = ([s.id, s.org, s.name, s.country, _fmt_coord(s.lat), _fmt_coord(s.lon), s.kind] for s in all_sites)
    material_rows = ([m.id, m.name, m.cls] for m in MATERIALS)
    n_products = 2 + min(3, n // 5000)
    products = PRODUCTS[:n_products]
    product_rows = ([p.id, p.name, _num(p.lifetime_years), _num(p.industry_lifetime_years), _num(p.use_intensity),
                     _num(p.industry_use_intensity), _num(p.collection_recycling_share),
                     _num(p.collection_reuse_share), _num(p.recycling_efficiency_eol),
                     _num(p.recycling_efficiency_feedstock), p.category] for p in products)
    bom_rows = [[p.id, m, _num(kg)] for p in products for m, kg in p.bom]
    fx_rows = ([c, f"{r:g}"] for c, r in FX_RATES.items())

    _write(out_dir, "organisations.csv", orgs)
    _write(out_dir, "sites.csv", site_rows)
    _write(out_dir, "materials.csv", material_rows)
    _write(out_dir, "products.csv", product_rows)
    _write(out_dir, "bom.csv", bom_rows)
    _write(out_dir, "purchases.csv", purchase_rows)
    _write(out_dir, "loops.csv", loop_rows)
    _write(out_dir, "upstream.csv", [list(k) for k in upstream])
    _write(out_dir, "candidates.csv", candidates.values())
    _write(out_dir, "fx.csv", fx_rows)
    return GenerateSummary(
        organisations=len(orgs), sites=len(all_sites), materials=len(MATERIALS), products=len(products),
        bom=len(bom_rows), purchases=len(purchase_rows), loops=len(loop_rows), upstream=len(upstream),
        candidates=len(candidates), fx=len(FX_RATES),
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
