"""Rows of the network-design files (issue 17): plant_products.csv, markets.csv, hubs.csv, and the
``plant`` column of products.csv.

A mixin of :class:`loopsource.load.loader.Loader` (it uses the loader's row helpers and id
index), kept apart so that the loader stays one screenful per file kind. The triples:

* ``products.csv`` ``plant``: ``<product> ls:madeAt <site>`` (the one plant that makes it);
* ``plant_products.csv``: ``<plantproduct/PLANT/PRODUCT> a ls:PlantProduct ; ls:plant ;
  ls:product ; ls:capacityUnitsPerYear?`` (empty capacity: unlimited);
* ``markets.csv``: ``<market/ID> a ls:Market ; ls:id ; schema:name ; ls:inCountry ; geo:lat ;
  geo:long ; ls:product ; ls:unitsPerYear``;
* ``hubs.csv``: ``<hub/ID> a ls:SourcingHub|ls:DistributionHub ; ls:id ; schema:name ;
  ls:inCountry ; geo:lat ; geo:long ; ls:fixedCostPerYear ; ls:currency ;
  ls:throughputCapacityKg?`` (empty capacity: unlimited).

A plant reference must name a site of kind ``plant``: the network model makes products only
there. Markets and hubs need coordinates (distances are the point of the model).
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ..rdf.terms import decimal_literal, iri, string_literal
from ..rdf.vocab import GEO, LS, RDF_TYPE, SCHEMA, entity_iri
from .rows import Row

_CURRENCY = re.compile(r"^[A-Z]{3}$")
HUB_KINDS: dict[str, str] = {"sourcing_hub": LS + "SourcingHub", "distribution_hub": LS + "DistributionHub"}


class NetworkRows:
    """Handlers of the network-design files; mixed into Loader."""

    # provided by Loader (this class only adds handlers to it)
    site_kind: dict[str, str]  # site id -> csv kind, filled by Loader.sites
    index: Any
    codes: Any
    _ref: Any
    _entity: Any
    _accept: Any

    def _plant_ref(self, row: Row, column: str, required: bool = True) -> str | None:
        """A reference to a site of kind plant."""
        target = self._ref(row, column, "site", "site", required)
        key = row.values[column].strip()
        if target is not None and self.site_kind.get(key, "plant") != "plant":
            row.bad(column, f"site {key!r} is a {self.site_kind[key]}, not a plant")
            return None
        return target

    def product_plant(self, row: Row) -> None:
        """The optional ``plant`` column of products.csv (called by Loader.products)."""
        plant = self._plant_ref(row, "plant", required=False)
        if plant:
            row.emit(iri(LS + "madeAt"), iri(plant))

    def plant_products(self, row: Row) -> None:
        plant = self._plant_ref(row, "plant")
        product = self._ref(row, "product", "product", "product")
        cap = row.number("capacity_units_per_year", required=False, positive=True)
        key = None
        if plant and product:
            ids = (row.values["plant"].strip(), row.values["product"].strip())
            if self.index.register("plantproduct", "\x00".join(ids), row, "product"):
                key = "\x00".join(ids)
            row.subject = entity_iri("plantproduct", *ids)
            row.emit(iri(RDF_TYPE), iri(LS + "PlantProduct"))
            row.emit(iri(LS + "plant"), iri(plant))
            row.emit(iri(LS + "product"), iri(product))
            if cap is not None:
                row.emit(iri(LS + "capacityUnitsPerYear"), decimal_literal(cap))
        self._accept(row, "plantproduct", key)

    def _place(self, row: Row) -> None:
        """name, country, lat, lon of a market or hub (coordinates required)."""
        name = row.text("name")
        country = row.choice("country", self.codes.countries, "country code (ISO 3166-1 alpha-2)")
        lat = row.number("lat", lo=Decimal(-90), hi=Decimal(90))
        lon = row.number("lon", lo=Decimal(-180), hi=Decimal(180))
        if name is not None:
            row.emit(iri(SCHEMA + "name"), string_literal(name))
        if country:
            row.emit(iri(LS + "inCountry"), iri(country))
        if lat is not None and lon is not None:
            row.emit(iri(GEO + "lat"), decimal_literal(lat))
            row.emit(iri(GEO + "long"), decimal_literal(lon))

    def markets(self, row: Row) -> None:
        key = self._entity(row, "market", LS + "Market")
        self._place(row)
        product = self._ref(row, "product", "product", "product")
        units = row.number("units_per_year", positive=True)
        if product:
            row.emit(iri(LS + "product"), iri(product))
        if units is not None:
            row.emit(iri(LS + "unitsPerYear"), decimal_literal(units))
        self._accept(row, "market", key)

    def hubs(self, row: Row) -> None:
        kind = row.choice("kind", HUB_KINDS, "hub kind")
        key = self._entity(row, "hub", kind)
        self._place(row)
        fixed = row.number("fixed_cost_per_year", non_negative=True)
        currency = row.text("currency")
        if currency is not None and not _CURRENCY.match(currency):
            row.bad("currency", f"{currency!r} is not an ISO 4217 code (three capital letters)")
            currency = None
        cap = row.number("capacity_kg", required=False, positive=True)
        if fixed is not None:
            row.emit(iri(LS + "fixedCostPerYear"), decimal_literal(fixed))
        if currency:
            row.emit(iri(LS + "currency"), string_literal(currency))
        if cap is not None:
            row.emit(iri(LS + "throughputCapacityKg"), decimal_literal(cap))
        self._accept(row, "hub", key)
