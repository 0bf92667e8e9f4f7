"""The CSV input contract: which files a data directory holds and their columns.

One definition, read by the loader (which checks it) and by the data generator (which writes
it), so the two cannot drift apart. The README's input-contract table documents it.
"""
from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from .circularity import BOM_COLUMNS, PRODUCT_CIRCULARITY_COLUMNS, SALES_COLUMNS, SALES_OPTIONAL_COLUMNS
from .compliance import MATERIAL_COLUMNS, PRODUCT_COLUMNS, PURCHASE_COLUMNS
from .flows import LOOP_COLUMNS, MATERIAL_FLOW_COLUMNS


@dataclass(frozen=True)
class FileSpec:
    name: str
    required: bool
    columns: tuple[str, ...]
    optional_columns: tuple[str, ...] = ()


# Recycled-content evidence, the same columns in purchases.csv (optional) and bids.csv.

# The input contract. Column names are exact; order in the file does not matter.
CONTRACT: tuple[FileSpec, ...] = (
    FileSpec("organisations.csv", True, ("id", "name", "role", "country")),
    FileSpec("sites.csv", True, ("id", "organisation", "name", "country", "lat", "lon", "kind")),
    FileSpec("materials.csv", True, ("id", "name", "class"), (*MATERIAL_COLUMNS, "unit_mass_kg", *MATERIAL_FLOW_COLUMNS)),
    FileSpec("products.csv", False, (
        "id", "name", "lifetime_years", "industry_lifetime_years", "use_intensity", "industry_use_intensity",
        "collection_recycling_share", "collection_reuse_share", "recycling_efficiency_eol",
        "recycling_efficiency_feedstock"), PRODUCT_COLUMNS + PRODUCT_CIRCULARITY_COLUMNS),
    # bom.csv: per-material MCI inputs and CTI recovery potential (issue 16; load/circularity.py).
    FileSpec("bom.csv", False, ("product", "material", "mass_kg"), tuple(c for c, _ in BOM_COLUMNS)),
    # Products sold per calendar year (issue 16): CTI product outflow, company-level MCI weights.
    FileSpec("sales.csv", False, SALES_COLUMNS, SALES_OPTIONAL_COLUMNS),
    # Network design (issue 17): which plants make which product, where the demand is, and the
    # candidate hubs. Read after sites and products, whose ids they reference.
    FileSpec("plant_products.csv", False, ("plant", "product", "capacity_units_per_year")),
    FileSpec("markets.csv", False, ("id", "name", "country", "lat", "lon", "product", "units_per_year")),
    FileSpec("hubs.csv", False, ("id", "name", "country", "lat", "lon", "kind", "fixed_cost_per_year", "currency",
                                 "capacity_kg")),
    FileSpec("purchases.csv", True, (
        "id", "date", "buyer_site", "supplier_site", "material", "quantity", "unit", "spend", "currency",
        "recycled_share", "reused_share", "transport_mode"), ("lead_time_days", *PURCHASE_COLUMNS, "unit_mass_kg")),
    FileSpec("loops.csv", False, ("id", "date", "from_site", "to_site", "material", "strategy", "quantity", "unit"),
             LOOP_COLUMNS),
    FileSpec("upstream.csv", False, ("site", "upstream_site", "material")),
    FileSpec("candidates.csv", False, ("site", "material", "capacity_kg", "unit_price", "currency", "lead_time_days")),
    FileSpec("fx.csv", False, ("currency", "rate")),
)
# A tender's bids (``loopsource tender BIDS.csv``): not part of a data directory, read against a
# store. The optional columns describe a supplier site the store does not know yet.
BIDS = FileSpec("bids.csv", True, (
    "tender", "lot", "bid", "supplier_site", "material", "quantity", "unit", "unit_price", "currency",
    "recycled_share", *PURCHASE_COLUMNS, "take_back", "lead_time_days", "certifications", "transport_mode",
    "warranty_years"), ("organisation", "site_name", "country", "lat", "lon"))
RDF_SUFFIXES = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".jsonld": ox.RdfFormat.JSON_LD}


# What a column holds, where it is more than text: how a mapping's conventions (decimal comma,
# thousands separator, date format, percent values; load/mapping.py) convert an export's cells
# before the contract checks them. A column name means the same in every file.
NUMBER_COLUMNS = frozenset({
    "lat", "lon", "unit_mass_kg", "lifetime_years", "industry_lifetime_years", "use_intensity",
    "industry_use_intensity", "capacity_kwh", "mass_kg", "capacity_units_per_year", "units_per_year",
    "fixed_cost_per_year", "capacity_kg", "quantity", "spend", "lead_time_days", "unit_price", "rate"})
SHARE_COLUMNS = frozenset({
    "element_share", "collection_recycling_share", "collection_reuse_share", "recycling_efficiency_eol",
    "recycling_efficiency_feedstock", "recycled_share", "reused_share", "recycled_pre_consumer_share",
    "recycled_post_consumer_share"})
DATE_COLUMNS = frozenset({"date"})


def column_kind(column: str) -> str:
    """'number', 'share' (a fraction in [0, 1]), 'date' or 'text'."""
    if column in NUMBER_COLUMNS:
        return "number"
    if column in SHARE_COLUMNS:
        return "share"
    return "date" if column in DATE_COLUMNS else "text"


def spec(name: str) -> FileSpec:
    """The contract's file of that name (``purchases.csv``)."""
    return next(s for s in CONTRACT if s.name == name)


def columns(name: str) -> tuple[str, ...]:
    """Every column of a contract file, required first, in the contract's order."""
    spec = next(s for s in CONTRACT if s.name == name)
    return spec.columns + spec.optional_columns
