"""The CSV input contract: which files a data directory holds and their columns.

One definition, read by the loader (which checks it) and by the data generator (which writes
it), so the two cannot drift apart. The README's input-contract table documents it.
"""
from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

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
    FileSpec("materials.csv", True, ("id", "name", "class"), MATERIAL_COLUMNS + MATERIAL_FLOW_COLUMNS),
    FileSpec("products.csv", False, (
        "id", "name", "lifetime_years", "industry_lifetime_years", "use_intensity", "industry_use_intensity",
        "collection_recycling_share", "collection_reuse_share", "recycling_efficiency_eol",
        "recycling_efficiency_feedstock"), PRODUCT_COLUMNS),
    FileSpec("bom.csv", False, ("product", "material", "mass_kg")),
    # Network design (issue 17): which plants make which product, where the demand is, and the
    # candidate hubs. Read after sites and products, whose ids they reference.
    FileSpec("plant_products.csv", False, ("plant", "product", "capacity_units_per_year")),
    FileSpec("markets.csv", False, ("id", "name", "country", "lat", "lon", "product", "units_per_year")),
    FileSpec("hubs.csv", False, ("id", "name", "country", "lat", "lon", "kind", "fixed_cost_per_year", "currency",
                                 "capacity_kg")),
    FileSpec("purchases.csv", True, (
        "id", "date", "buyer_site", "supplier_site", "material", "quantity", "unit", "spend", "currency",
        "recycled_share", "reused_share", "transport_mode"), ("lead_time_days", *PURCHASE_COLUMNS)),
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


def columns(name: str) -> tuple[str, ...]:
    """Every column of a contract file, required first, in the contract's order."""
    spec = next(s for s in CONTRACT if s.name == name)
    return spec.columns + spec.optional_columns
