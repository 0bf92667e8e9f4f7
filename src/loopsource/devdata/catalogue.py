"""The fixed tables the generator draws from: materials, products, loops, places and names.

Kept apart from the drawing code (generate.py) because they are data, not steps: a material's
price, recycled-share range, size class and producing countries; product templates with their
circularity parameters and bills of materials; which materials go round which loop; where the
buyer's plants are; and the word lists organisation names are made of. Changing any entry
changes the generated files, so each table is in a fixed order (tuples, insertion-ordered dicts).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .cities import CITIES, City

# ---------------------------------------------------------------------------------------
# Materials, products and loops
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


def cumulative(weights: Iterable[float]) -> list[float]:
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
MATERIAL_BY_ID: dict[str, MaterialSpec] = {m.id: m for m in MATERIALS}

#: Materials a recycling facility sells back as recyclate.
RECYCLATES = ("M-AL-ING", "M-PET", "M-HDPE", "M-CU-CATH", "M-STEEL", "M-COSO4", "M-NISO4", "M-CARTON")

#: Which materials go round which loop, by strategy (EoL / production-scrap flows).
LOOP_MATERIALS: dict[str, tuple[str, ...]] = {
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
STRATEGY_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("recycle", 45), ("reuse", 15), ("recover", 10), ("dispose", 8), ("remanufacture", 7),
    ("repair", 6), ("refurbish", 5), ("repurpose", 4),
)
#: Materials whose sourcing is worth a nearshoring what-if (strategic and bulk lines).
CANDIDATE_MATERIALS = (
    "M-LIOH", "M-COSO4", "M-NISO4", "M-MNSO4", "M-GRAPH", "M-AL-EXT", "M-CU-FOIL",
    "M-SI", "M-PET", "M-STEEL", "M-PCBA", "M-NDFEB",
)


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
                0.80, 0.85, "packaging_plastic_other",
                (("M-HDPE", 0.068), ("M-PP", 0.006), ("M-PAPER", 0.002), ("M-CARTON", 0.004))),
    ProductSpec("P-EMOT-150", "Electric drive motor, 150 kW", 15, 12, 1.0, 1.0, 0.90, 0.05, 0.85, 0.90,
                "other", (("M-STEEL", 42.0), ("M-CU-CATH", 9.5), ("M-NDFEB", 1.6), ("M-AL-ING", 14.0),
                                   ("M-SS", 1.2), ("M-PCBA", 0.9), ("M-PA66", 0.8), ("M-PVC", 0.6))),
    ProductSpec("P-ESS-200", "Stationary storage cabinet, 200 kWh LFP", 20, 15, 0.9, 1.0, 0.85, 0.05, 0.70, 0.90,
                "industrial_battery", (("M-LI2CO3", 110.0), ("M-GRAPH", 190.0), ("M-AL-FOIL", 28.0),
                                       ("M-CU-FOIL", 60.0), ("M-STEEL-HDG", 420.0), ("M-PCBA", 6.0),
                                       ("M-ELYTE", 105.0), ("M-CABLE", 12.0), ("M-ABS", 8.0))),
)

# ---------------------------------------------------------------------------------------
# Places and names
# ---------------------------------------------------------------------------------------

CITIES_BY_COUNTRY: dict[str, tuple[City, ...]] = {}
for _c in CITIES:
    CITIES_BY_COUNTRY.setdefault(_c.country, ())
    CITIES_BY_COUNTRY[_c.country] += (_c,)
CITY_BY_NAME: dict[str, City] = {c.name: c for c in CITIES}

#: Countries where a supplier with no material-specific origin tends to be (general industry).
GENERAL_COUNTRIES: tuple[tuple[str, float], ...] = _src(
    "DE:10 CN:12 US:8 FR:5 IT:5 PL:5 ES:3 MX:4 JP:4 KR:4 IN:5 TR:3 CZ:3 NL:2 BE:2 AT:2 SE:2 FI:1 "
    "GB:3 HU:2 SK:1 RO:2 PT:1 BR:3 CA:2 TW:2 TH:2 VN:2 MY:2 ID:1 ZA:1 MA:1 AU:1 CH:1 DK:1 NO:1 AR:1 CL:1"
)

GENERAL_CUM = cumulative(w for _, w in GENERAL_COUNTRIES)

#: Plant locations, in order: the first three mirror the demo (France, Poland, Mexico).
PLANT_CITIES = (
    "Lyon", "Wrocław", "Monterrey", "Leipzig", "Zaragoza", "San Antonio", "Suzhou", "Pune",
    "Curitiba", "Brno", "Turin", "Győr", "Bursa", "Durban", "Melbourne", "Querétaro",
    "Gliwice", "Valenciennes", "Rayong", "Cheongju",
)

#: Organisation names: prefix + stem, then a sector word and the country's legal form.
NAME_PREFIXES = (
    "Nord", "Alpen", "Baltic", "Atlas", "Vega", "Orion", "Terra", "Aurora", "Delta", "Sigma",
    "Nova", "Polar", "Iber", "Danub", "Cascad", "Sierra", "Pacif", "Andes", "Savann", "Jade",
    "Lotus", "Hana", "Indus", "Karoo", "Zambe", "Sahel", "Tasman", "Maple", "Prairie", "Bajío",
    "Pampa", "Fjord", "Rhen", "Vistul", "Carpat", "Adria", "Helios", "Boreal", "Meridi", "Crest",
)
NAME_STEMS = (
    "ion", "ex", "ara", "ium", "tek", "via", "lux", "mont", "berg", "stone", "field", "gate",
    "line", "core", "forge", "well", "ora", "ano", "ica", "o",
)
SECTOR_WORDS = {
    "battery": ("Battery Materials", "Advanced Materials", "Energy Materials"),
    "metal": ("Metals", "Metalworks", "Alloys"), "polymer": ("Polymers", "Plastics", "Compounds"),
    "packaging": ("Packaging", "Pack", "Converting"), "electronics": ("Electronics", "Systems", "Circuits"),
    "chemical": ("Chemicals", "Specialty Chemicals", "Chemie"),
    "mineral": ("Minerals", "Industrial Minerals", "Resources"),
}
LEGAL_FORMS = {
    "DE": "GmbH", "AT": "GmbH", "CH": "AG", "FR": "SAS", "BE": "NV", "NL": "B.V.", "PL": "Sp. z o.o.",
    "CZ": "s.r.o.", "SK": "s.r.o.", "ES": "S.L.", "IT": "S.p.A.", "PT": "Lda.", "MX": "S.A. de C.V.",
    "US": "Inc.", "CA": "Inc.", "GB": "Ltd", "IE": "Ltd", "SE": "AB", "FI": "Oy", "NO": "AS", "DK": "A/S",
    "CN": "Co., Ltd.", "JP": "K.K.", "KR": "Co., Ltd.", "TW": "Co., Ltd.", "AU": "Pty Ltd",
    "ZA": "(Pty) Ltd", "BR": "Ltda.", "AR": "S.A.", "CL": "SpA", "IN": "Pvt. Ltd.", "TR": "A.Ş.",
    "HU": "Kft.", "RO": "S.R.L.", "ID": "PT", "MY": "Sdn. Bhd.", "TH": "Co., Ltd.", "VN": "JSC",
}
#: The word a supplier site's name ends with, by material family.
SITE_WORDS = {
    "battery": "refinery", "metal": "works", "polymer": "plant", "packaging": "mill",
    "electronics": "factory", "chemical": "plant", "mineral": "operations",
}
