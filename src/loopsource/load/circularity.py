"""Rows of the circularity inputs (issue 16): sales.csv, the optional per-material columns of
bom.csv and the optional ``recovery_potential`` of products.csv.

A mixin of :class:`loopsource.load.loader.Loader` (it uses the loader's row helpers and id
index), like :mod:`loopsource.load.network`. The triples (ontology/circularity.ttl):

* ``sales.csv``: ``<sale/PRODUCT/YEAR> a ls:Sale ; ls:product ; ls:salesYear ; ls:unitsSold ;
  ls:revenue? ; ls:currency?`` -- one row per product and calendar year;
* ``bom.csv``: ``ls:lineCollectionRecyclingShare``, ``ls:lineCollectionReuseShare``,
  ``ls:lineRecyclingEfficiencyEol``, ``ls:lineRecyclingEfficiencyFeedstock`` (C_R, C_U, E_C, E_F
  of that material; empty: the product's), ``ls:collectionCompostingShare`` (C_C),
  ``ls:collectionEnergyRecoveryShare`` (C_E), ``ls:recoveryPotential`` on the BOM line;
* ``products.csv``: ``ls:recoveryPotential`` on the product.

How the figures use them: docs/methodology.md.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ..rdf.terms import decimal_literal, iri, string_literal
from ..rdf.vocab import LS, RDF_TYPE, entity_iri
from .rows import Row

#: Optional columns of bom.csv (column, property), shares in [0, 1].
BOM_COLUMNS: tuple[tuple[str, str], ...] = (
    ("collection_recycling_share", "lineCollectionRecyclingShare"),
    ("collection_reuse_share", "lineCollectionReuseShare"),
    ("recycling_efficiency_eol", "lineRecyclingEfficiencyEol"),
    ("recycling_efficiency_feedstock", "lineRecyclingEfficiencyFeedstock"),
    ("collection_composting_share", "collectionCompostingShare"),
    ("collection_energy_recovery_share", "collectionEnergyRecoveryShare"),
    ("recovery_potential", "recoveryPotential"),
)
#: The end-of-use fates of one line, which cannot add up to more than the whole mass.
_FATES = ("collection_recycling_share", "collection_reuse_share", "collection_composting_share",
          "collection_energy_recovery_share")
PRODUCT_CIRCULARITY_COLUMNS: tuple[str, ...] = ("recovery_potential",)
SALES_COLUMNS: tuple[str, ...] = ("product", "year", "units")
SALES_OPTIONAL_COLUMNS: tuple[str, ...] = ("revenue", "currency")
MIN_YEAR, MAX_YEAR = 1900, 2200
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_MAX_UNITS = Decimal("1e12")


class CircularityRows:
    """Handlers of sales.csv and the circularity columns of bom.csv and products.csv; mixed into Loader."""

    # provided by Loader
    index: Any
    _ref: Any
    _accept: Any

    def product_circularity(self, row: Row) -> None:
        """products.csv ``recovery_potential`` (called by Loader.products)."""
        rp = row.number("recovery_potential", required=False, share=True)
        if rp is not None:
            row.emit(iri(LS + "recoveryPotential"), decimal_literal(rp))

    def bom_circularity(self, row: Row) -> None:
        """The optional per-material columns of one bom.csv row (called by Loader.bom): shares in
        [0, 1]; the fates given on the line (C_R + C_U + C_C + C_E) at most 1."""
        got: dict[str, Decimal] = {}
        for column, prop in BOM_COLUMNS:
            d = row.number(column, required=False, share=True)
            if d is not None:
                got[column] = d
                row.emit(iri(LS + prop), decimal_literal(d))
        fates = sum((got.get(c, Decimal(0)) for c in _FATES), Decimal(0))
        if fates > 1:
            given = " + ".join(c for c in _FATES if c in got)
            row.bad(next(c for c in reversed(_FATES) if c in got), f"{given} = {fates} is more than 1")

    def sales(self, row: Row) -> None:
        """One sales.csv row: units of a product sold in a calendar year, optionally its revenue."""
        product = self._ref(row, "product", "product", "product")
        year = row.number("year", lo=Decimal(MIN_YEAR), hi=Decimal(MAX_YEAR))
        if year is not None and year != year.to_integral_value():
            row.bad("year", f"{row.values['year'].strip()} is not a calendar year (a whole number such as 2025)")
            year = None
        units = row.number("units", positive=True, hi=_MAX_UNITS)
        revenue = row.number("revenue", required=False, non_negative=True)
        currency = row.text("currency", required=False)
        if currency is not None and not _CURRENCY.match(currency):
            row.bad("currency", f"{currency!r} is not an ISO 4217 code (three capital letters)")
        if revenue is not None and currency is None:
            row.bad("currency", "revenue is given without a currency")
        key = None
        if product and year is not None:
            ids = (row.values["product"].strip(), str(int(year)))
            # product/year: readable in the duplicate message, unambiguous (the year has no '/')
            if self.index.register("sale", "/".join(ids), row, "year"):
                key = "/".join(ids)
            row.subject = entity_iri("sale", *ids)
            row.emit(iri(RDF_TYPE), iri(LS + "Sale"))
            row.emit(iri(LS + "product"), iri(product))
            row.emit(iri(LS + "salesYear"), f'"{int(year)}"^^<http://www.w3.org/2001/XMLSchema#integer>')
            if units is not None:
                row.emit(iri(LS + "unitsSold"), decimal_literal(units))
            if revenue is not None:
                row.emit(iri(LS + "revenue"), decimal_literal(revenue))
            if currency:
                row.emit(iri(LS + "currency"), string_literal(currency))
        self._accept(row, "sale", key)
