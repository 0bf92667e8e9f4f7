"""IRIs of the loopsource vocabulary, the named graphs, and the CSV code lists.

Code lists (units, strategies, transport modes, material classes, countries) are read from
the ontology files themselves, so that the ontology is the single source of truth.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache
from urllib.parse import quote

import pyoxigraph as ox

from .. import resources

LS = "https://w3id.org/loopsource/ontology#"
ID = "https://w3id.org/loopsource/id/"
REGION = "https://w3id.org/loopsource/region/"
SOURCE = "https://w3id.org/loopsource/source/"
RUN = "https://w3id.org/loopsource/run/"
GRAPH = "https://w3id.org/loopsource/graph/"

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
QUDT = "http://qudt.org/schema/qudt/"
UNIT = "http://qudt.org/vocab/unit/"
DCTERMS = "http://purl.org/dc/terms/"


@dataclass(frozen=True)
class Graphs:
    """Named graphs of a loopsource store. Inferred triples never enter ``asserted``."""

    ontology: str = GRAPH + "ontology"
    asserted: str = GRAPH + "asserted"
    inferred: str = GRAPH + "inferred"
    meta: str = GRAPH + "meta"

    def by_name(self, name: str) -> str:
        return {"ontology": self.ontology, "asserted": self.asserted, "inferred": self.inferred, "meta": self.meta}[name]


GRAPHS = Graphs()

# Prefixes offered to every query (catalogue files still declare their own).
PREFIXES: dict[str, str] = {
    "ls": LS, "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdfs": RDFS, "owl": OWL, "xsd": XSD,
    "skos": SKOS, "schema": SCHEMA, "org": ORG, "prov": PROV, "geo": GEO, "qudt": QUDT, "unit": UNIT,
    "dcterms": DCTERMS, "region": REGION,
}

def xsd_datetime(moment: datetime) -> str:
    """The lexical form Oxigraph keeps for an xsd:dateTime (whole seconds, UTC as Z), so that a
    graph's N-Triples copy and the database say the same."""
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def entity_iri(kind: str, *ids: str) -> str:
    """IRI of a CSV entity. Ids are percent-encoded so that any CSV id gives a valid IRI."""
    return ID + kind + "/" + "/".join(quote(i, safe="-._~") for i in ids)


@dataclass(frozen=True)
class CodeLists:
    """Values the CSV contract accepts, mapped to ontology IRIs."""

    units: dict[str, tuple[str, Decimal]]  # csv value -> (unit IRI, kg per unit)
    strategies: dict[str, str]  # csv value -> strategy concept IRI, in R-ladder order (ls:rank)
    circular_strategies: frozenset[str]  # csv values of R3-R8
    strategy_notations: dict[str, str]  # csv value -> skos:notation ("R3" ... "R9", "D")
    transport_modes: dict[str, str]
    material_classes: dict[str, str]  # local name -> class IRI
    countries: dict[str, str]  # ISO alpha-2 -> region IRI
    roles: dict[str, str]
    site_kinds: dict[str, str]
    # Compliance vocabularies (vocabularies.ttl): csv value -> concept IRI.
    product_categories: dict[str, str] = field(default_factory=dict)
    chains_of_custody: dict[str, str] = field(default_factory=dict)
    grades: dict[str, str] = field(default_factory=dict)
    # Units of a count (csv value -> unit IRI): no kg multiplier; the loader converts a quantity
    # in pieces with a unit mass (materials.csv / purchases.csv unit_mass_kg).
    count_units: dict[str, str] = field(default_factory=dict)


def _parse(name: str) -> list[ox.Triple]:
    text = resources.read_text(resources.ontology_dir(), name)
    return [q.triple for q in ox.parse(text, format=ox.RdfFormat.TURTLE)]


@cache
def code_lists() -> CodeLists:
    vocab = _parse("vocabularies.ttl")
    csv_value: dict[str, str] = {}
    multiplier: dict[str, Decimal] = {}
    types: dict[str, set[str]] = {}
    rank: dict[str, int] = {}
    notation: dict[str, str] = {}
    for t in vocab:
        s = t.subject.value
        if t.predicate.value == LS + "csvValue":
            csv_value[s] = t.object.value
        elif t.predicate.value == LS + "rank":
            rank[s] = int(t.object.value)
        elif t.predicate.value == SKOS + "notation":
            notation[s] = t.object.value
        elif t.predicate.value == QUDT + "conversionMultiplier":
            multiplier[s] = Decimal(t.object.value)
        elif t.predicate.value == RDF_TYPE:
            types.setdefault(s, set()).add(t.object.value)
    units, strategies, modes, circular, counts = {}, {}, {}, set(), {}
    extra: dict[str, dict[str, str]] = {LS + "ProductCategory": {}, LS + "ChainOfCustodyModel": {}, LS + "Grade": {}}
    for iri, value in sorted(csv_value.items(), key=lambda kv: rank.get(kv[0], 0)):
        kinds = types.get(iri, set())
        if QUDT + "Unit" in kinds and iri in multiplier:
            units[value] = (iri, multiplier[iri])
        elif QUDT + "Unit" in kinds:
            counts[value] = iri
        elif LS + "TransportMode" in kinds:
            modes[value] = iri
        elif kinds & {LS + "CircularStrategy", LS + "NonCircularStrategy", LS + "Strategy"}:
            strategies[value] = iri
            if LS + "CircularStrategy" in kinds:
                circular.add(value)
        for kind in kinds & set(extra):
            extra[kind][value] = iri
    classes = {}
    for t in _parse("materials.ttl"):
        if t.predicate.value == RDF_TYPE and t.object.value == OWL + "Class" and t.subject.value.startswith(LS):
            classes[t.subject.value[len(LS):]] = t.subject.value
    for core in ("Material",):
        classes[core] = LS + core
    countries = {}
    for t in _parse("regions.ttl"):
        if t.predicate.value == LS + "iso3166Alpha2":
            countries[t.object.value] = t.subject.value
    return CodeLists(
        units=units,
        strategies=strategies,
        circular_strategies=frozenset(circular),
        strategy_notations={value: notation[iri] for value, iri in strategies.items()},
        transport_modes=modes,
        material_classes=classes,
        countries=countries,
        roles={"buyer": LS + "Buyer", "supplier": LS + "Supplier", "recycler": LS + "Recycler"},
        site_kinds={"plant": LS + "Plant", "warehouse": LS + "Warehouse",
                    "supplier_site": LS + "SupplierSite", "recycling_facility": LS + "RecyclingFacility"},
        product_categories=extra[LS + "ProductCategory"],
        chains_of_custody=extra[LS + "ChainOfCustodyModel"],
        grades=extra[LS + "Grade"],
        count_units=counts,
    )
