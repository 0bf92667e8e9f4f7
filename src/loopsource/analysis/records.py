"""The plain frozen records a :class:`~loopsource.analysis.snapshot.Snapshot` is made of: one per
organisation, site, material, purchase, loop, product and network row. Slotted: at 10^7 triples
there are hundreds of thousands of purchases and sites, and a per-instance dict was most of
each record's size."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Organisation:
    id: str
    name: str
    role: str  # buyer | supplier | recycler
    country: str  # ISO alpha-2


@dataclass(frozen=True, slots=True)
class Site:
    id: str
    name: str
    organisation: str  # organisation id
    kind: str  # plant | warehouse | supplier_site | recycling_facility
    country: str  # ISO alpha-2
    region: str | None  # UN M49 region code (002 Africa, 019 Americas, 142 Asia, 150 Europe, 009 Oceania)
    region_name: str | None
    subregion: str | None  # UN M49 sub-region code
    in_eu: bool
    lat: float | None
    lon: float | None
    centroid_lat: float | None  # the country's centroid, used for distances when lat/lon are empty
    centroid_lon: float | None


@dataclass(frozen=True, slots=True)
class Material:
    id: str
    name: str
    material_class: str  # local name of the asserted class, e.g. "Lithium"
    strategic: bool  # Regulation (EU) 2024/1252 Annex I (by entry and grade: validate.crma)
    critical: bool  # Annex II
    plastic: bool
    crma_entry: str | None = None  # key of its Annex I entry (e.g. BatteryGradeLithium), when strategic
    element_share: float = 1.0  # mass fraction of its class's element (validate.crma.element_share)
    biological: bool = False  # its class is under ls:BiologicalMaterial (renewable: wood, paper, cotton)
    cycle: str | None = None  # biological | technical | None (rdf.resource_flows.cycle_of)
    hazardous: bool | None = None  # hazardous waste when looped (materials.csv 'hazardous'; None: not stated)


@dataclass(frozen=True, slots=True)
class Purchase:
    id: str
    date: dt.date
    buyer_site: str
    supplier_site: str
    material: str
    quantity: float
    unit: str  # QUDT unit IRI
    mass_kg: float
    spend: float | None
    currency: str | None
    recycled_share: float | None
    reused_share: float | None
    transport_mode: str | None  # csv value: road, rail, sea, air, inland_waterway, pipeline
    lead_time_days: float | None
    # recycled-content evidence (optional columns, see load/compliance.py)
    recycled_pre_consumer_share: float | None = None
    recycled_post_consumer_share: float | None = None
    chain_of_custody: str | None = None
    certificate: str | None = None


@dataclass(frozen=True, slots=True)
class Loop:
    id: str
    date: dt.date
    from_site: str
    to_site: str
    material: str
    strategy: str  # csv value: reuse ... dispose, incinerate, landfill, other_disposal
    mass_kg: float
    hazardous: bool | None = None  # loops.csv 'hazardous' (None: not stated; the material's flag applies)


@dataclass(frozen=True)
class BomLine:
    """One bill-of-materials line with its own end-of-use inputs (bom.csv optional columns; None:
    not given on the line, the product's value applies -- see analysis.mci2019)."""

    material: str
    mass_kg: float  # per unit of product
    collection_recycling_share: float | None = None  # C_R
    collection_reuse_share: float | None = None  # C_U
    recycling_efficiency_eol: float | None = None  # E_C
    recycling_efficiency_feedstock: float | None = None  # E_F
    collection_composting_share: float | None = None  # C_C (biological materials, MCI 2019)
    collection_energy_recovery_share: float | None = None  # C_E (biological materials, MCI 2019)
    recovery_potential: float | None = None  # WBCSD CTI v4.0


@dataclass(frozen=True)
class Sale:
    """Units of a product sold in a calendar year (sales.csv)."""

    product: str
    year: int
    units: float
    revenue: float | None = None
    currency: str | None = None


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    category: str | None
    lifetime_years: float
    industry_lifetime_years: float
    use_intensity: float | None
    industry_use_intensity: float | None
    collection_recycling_share: float
    collection_reuse_share: float
    recycling_efficiency_eol: float
    recycling_efficiency_feedstock: float
    bom: tuple[tuple[str, float], ...]  # (material id, kg per unit)
    plant: str | None = None  # products.csv 'plant': the one plant (site id) that makes it
    capacity_kwh: float | None = None  # batteries: rated energy (products.csv capacity_kwh)
    bom_lines: tuple[BomLine, ...] = ()  # the bill of materials with each line's own inputs, by material
    recovery_potential: float | None = None  # WBCSD CTI v4.0 (products.csv recovery_potential)


@dataclass(frozen=True)
class Market:
    """Yearly demand for one product at one place (markets.csv)."""

    id: str
    name: str
    country: str  # ISO alpha-2
    region: str | None  # UN M49 region code
    lat: float
    lon: float
    product: str
    units_per_year: float


@dataclass(frozen=True)
class Hub:
    """A candidate hub (hubs.csv); capacity_kg None: unlimited."""

    id: str
    name: str
    kind: str  # sourcing_hub | distribution_hub
    country: str
    region: str | None
    lat: float
    lon: float
    fixed_cost_per_year: float
    currency: str
    capacity_kg: float | None


@dataclass(frozen=True)
class PlantProduct:
    """A plant can make a product (plant_products.csv); capacity None: unlimited."""

    plant: str
    product: str
    capacity_units_per_year: float | None


@dataclass(frozen=True)
class Candidate:
    site: str
    material: str
    capacity_kg: float
    unit_price: float | None
    currency: str | None
    lead_time_days: float | None


@dataclass(frozen=True)
class Upstream:
    site: str
    upstream_site: str
    material: str
