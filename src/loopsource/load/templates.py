"""Blank templates of the input contract and a commented mapping file (``loopsource init DIR``).

Each contract file is written as comment lines -- one per column, saying what it holds -- then
the header row. The loader skips ``#`` lines before the header (load/source.py), so a template
is a valid contract file as written: fill in records below the header. ``COLUMN_HELP`` is the
one description of every contract column (a test checks that none is missing).
"""
from __future__ import annotations

from .contract import CONTRACT, FileSpec

FILE_HELP = {
    "organisations.csv": "the companies: you (buyer), your suppliers and recyclers",
    "sites.csv": "their places: your plants and warehouses, supplier sites, recycling facilities",
    "materials.csv": "what you buy, each with its ontology class ('loopsource classes' lists them)",
    "products.csv": "what you make (circularity indicator inputs, regulatory category)",
    "bom.csv": "bill of materials: kg of each material in one unit of a product",
    "plant_products.csv": "which plants can make which product (network design)",
    "markets.csv": "yearly demand per place and product (network design)",
    "hubs.csv": "candidate hubs (network design)",
    "purchases.csv": "one row per purchase-order line",
    "loops.csv": "material sent back into a loop (reuse, repair, ..., recycle) or disposed of",
    "upstream.csv": "a supplier site's own suppliers, to any depth",
    "candidates.csv": "sites that could supply a material (scenarios)",
    "fx.csv": "exchange rates into your reporting currency",
    "sales.csv": "units of each product sold per calendar year (CTI circular outflow, company-level MCI)",
}

_ID = "your id of the row (any text, unique in the file)"
_SITE = "a site id of sites.csv"
_SHARE = "a fraction from 0 to 1 (0.25 for 25 %)"
# Column -> description; "file:column" where a column means something particular in one file.
COLUMN_HELP = {
    "id": _ID, "name": "a name for people",
    "organisations.csv:role": "buyer, supplier or recycler",
    "country": "ISO 3166-1 alpha-2 code, e.g. DE, FR, CN",
    "organisation": "an organisation id of organisations.csv",
    "lat": "latitude, WGS84 decimal degrees (empty: unknown)", "lon": "longitude, WGS84 decimal degrees (empty: unknown)",
    "sites.csv:kind": "plant, warehouse, supplier_site or recycling_facility",
    "hubs.csv:kind": "sourcing_hub or distribution_hub",
    "class": "a material class, label or synonym of the ontology, e.g. Aluminium, PET, stainless steel",
    "grade": "optional: battery, metallurgy, metal or other, where a CRMA annex names a grade",
    "element_share": "optional: mass fraction of the class's element (default from the class)",
    "materials.csv:unit_mass_kg": "optional: kg of one piece, for purchases in pieces (unit pc)",
    "purchases.csv:unit_mass_kg": "optional: kg of one piece for this line (overrides the material's)",
    "lifetime_years": "years a product is used", "industry_lifetime_years": "industry average lifetime, years",
    "use_intensity": "optional: uses per year", "industry_use_intensity": "optional: industry average uses per year",
    "collection_recycling_share": "share collected for recycling at end of life, " + _SHARE,
    "collection_reuse_share": "share collected for reuse at end of life, " + _SHARE,
    "recycling_efficiency_eol": "efficiency of recycling the product at end of life, " + _SHARE,
    "recycling_efficiency_feedstock": "efficiency of making the recycled feedstock, " + _SHARE,
    "category": "optional: regulatory category, e.g. ev_battery, packaging_beverage_bottle, other",
    "products.csv:plant": "optional: the plant (site id) that makes the product",
    "capacity_kwh": "optional: battery capacity in kWh",
    "external_storage_only": "optional: true or false (batteries for external storage only)",
    "product": "a product id of products.csv", "material": "a material id of materials.csv",
    "mass_kg": "kg of the material in one unit of the product",
    "plant_products.csv:plant": "a site id of kind plant",
    "capacity_units_per_year": "units per year (empty: unlimited)",
    "units_per_year": "units of the product demanded per year",
    "fixed_cost_per_year": "fixed cost of the hub per year, in its currency",
    "currency": "ISO 4217 code, e.g. EUR, USD",
    "hubs.csv:capacity_kg": "kg per year (empty: unlimited)", "candidates.csv:capacity_kg": "kg per year the site could supply",
    "purchases.csv:date": "the ORDER date (SAP BEDAT), ISO 8601 YYYY-MM-DD: the year a purchase counts in",
    "loops.csv:date": "the date the material left, ISO 8601 YYYY-MM-DD",
    "buyer_site": "your receiving site: " + _SITE, "supplier_site": "the supplying site: " + _SITE,
    "quantity": "amount in the unit of the next column (greater than 0)",
    "unit": "kg, t, g, lb, or pc (pieces: needs unit_mass_kg)",
    "spend": "net order value (may be empty)", "recycled_share": "recycled content, " + _SHARE + " (empty: undeclared)",
    "reused_share": "reused content, " + _SHARE + " (empty: undeclared)",
    "transport_mode": "road, rail, sea, air, inland_waterway or pipeline (may be empty)",
    "lead_time_days": "optional: days from order to delivery",
    "recycled_pre_consumer_share": "optional: pre-consumer part of recycled_share, " + _SHARE,
    "recycled_post_consumer_share": "optional: post-consumer part of recycled_share, " + _SHARE,
    "chain_of_custody": "optional: identity_preserved, segregated, controlled_blending, mass_balance or book_and_claim",
    "certificate": "optional: SCHEME:ID of the evidence, e.g. ISCC-PLUS:EU-123",
    "from_site": "the site the material leaves: " + _SITE, "to_site": "the site it goes to: " + _SITE,
    "strategy": "reuse, repair, refurbish, remanufacture, repurpose, recycle, recover (incineration with energy "
                "recovery), dispose (landfill or incineration, not said which), incinerate (without energy "
                "recovery), landfill or other_disposal",
    "cycle": "optional: biological or technical, only where the material class leaves it open (e.g. Chemical, "
             "Rubber, Textile)",
    "materials.csv:hazardous": "optional: true or false, hazardous as waste (the default for its loops)",
    "loops.csv:hazardous": "optional: true or false, this loop's waste is hazardous (wins over the material's)",
    "site": _SITE, "upstream_site": "its supplier: " + _SITE,
    "recovery_potential": "optional: share of the mass that can be recovered at end of use (WBCSD CTI v4.0), " + _SHARE,
    "bom.csv:recovery_potential": "optional: recovery potential of this material in the product (empty: the product's), "
                                  + _SHARE,
    "collection_composting_share": "optional: share of a biological material collected for composting or "
                                   "anaerobic digestion (MCI 2019), " + _SHARE,
    "collection_energy_recovery_share": "optional: share of a biological material collected for energy recovery "
                                        "(MCI 2019), " + _SHARE,
    "bom.csv:collection_recycling_share": "optional: this material's collection for recycling (empty: the product's), "
                                          + _SHARE,
    "bom.csv:collection_reuse_share": "optional: this material's collection for reuse (empty: the product's), " + _SHARE,
    "bom.csv:recycling_efficiency_eol": "optional: this material's end-of-life recycling efficiency (empty: the "
                                        "product's), " + _SHARE,
    "bom.csv:recycling_efficiency_feedstock": "optional: this material's feedstock recycling efficiency (empty: the "
                                              "product's), " + _SHARE,
    "year": "calendar year, e.g. 2025", "units": "units of the product sold in that year",
    "revenue": "optional: revenue from those units, in the currency column (revenue-weighted company MCI)",
    "unit_price": "price per kg (may be empty)", "rate": "units of your reporting currency per one unit of currency",
}


def column_help(file: str, column: str) -> str:
    """The description of one contract column (file-specific where there is one)."""
    return COLUMN_HELP.get(f"{file}:{column}") or COLUMN_HELP[column]


def template(spec: FileSpec) -> str:
    """A blank contract file: a comment per column, then the header row."""
    width = max(len(c) for c in spec.columns + spec.optional_columns)
    need = "required" if spec.required else "optional"
    lines = [f"# {spec.name} ({need} file): {FILE_HELP[spec.name]}.",
             "# Lines starting with # above the header are comments; write one record per line below it.",
             "# Columns (docs/own-data.md; README 'Input contract'):"]
    for c in spec.columns:
        lines.append(f"#   {c:<{width}}  {column_help(spec.name, c)}")
    for c in spec.optional_columns:
        text = column_help(spec.name, c).removeprefix("optional: ")
        lines.append(f"#   {c:<{width}}  (optional column) {text}")
    lines.append(",".join(spec.columns + spec.optional_columns))
    return "\n".join(lines) + "\n"


MAPPING_TEMPLATE = """\
# loopsource mapping file: how your ERP export stands for the contract files (docs/own-data.md).
# Use it with:  loopsource build DIR --mapping mapping.yaml   (or run DIR --mapping ...).
# As written it maps nothing (every contract file is read as it is); uncomment and edit.
# Ready-made ones: data/mappings/sap-po.yaml (SAP EKKO/EKPO, MARA) and generic-erp.yaml.
version: 1

# How the exports are written (defaults: the contract's: ',' UTF-8, '.' decimals, ISO dates).
# conventions:
#   delimiter: ";"            # ',', ';', tab or '|'
#   encoding: cp1252          # utf-8, cp1252 (Windows), latin-1, utf-16 (Excel "Unicode text")
#   decimal: ","              # 1.234,56
#   thousands: "."            # '.', ',', ' ', "'" or '' (none)
#   date_format: "%d.%m.%Y"   # 02.01.2024; '%m/%d/%Y' for 01/02/2024, '%Y%m%d' for 20240102
#   percent: percent          # shares written 22 mean 22 %; 'fraction': 0.22 (22% is read either way)

# Which export file stands for which contract file (default: the contract's name), rows to leave out,
# and conventions for one file only.
# files:
#   purchases:
#     file: EKKO_EKPO.csv
#     skip: {LOEKZ: [L, S]}   # export column: values whose rows are left out
#   materials:
#     file: MARA.csv

# Contract column: export column, or {column: ..., values: {export code: contract value}, default: ...},
# {template: "{EBELN}-{EBELP}"} (export columns in braces) or {value: constant}.
# columns:
#   purchases:
#     id: {template: "{EBELN}-{EBELP}"}
#     date: BEDAT                     # the order date
#     buyer_site: {column: WERKS, values: {"1000": S-PLANT-1}}
#     supplier_site: {column: LIFNR, values: {"0000100234": S-SUPPLIER-1}}
#     material: MATNR
#     quantity: MENGE
#     unit: {column: MEINS, values: {KG: kg, TO: t, G: g, ST: pc, PC: pc}}
#     spend: NETWR
#     currency: WAERS
#   materials:
#     id: MATNR
#     name: MAKTX
#     class: {column: MATKL, values: {R100: Aluminium, R200: polyethylene terephthalate}}
#     unit_mass_kg: NTGEW
"""


def templates() -> dict[str, str]:
    """File name -> text of everything ``loopsource init`` writes."""
    out = {spec.name: template(spec) for spec in CONTRACT}
    out["mapping.yaml"] = MAPPING_TEMPLATE
    return out
