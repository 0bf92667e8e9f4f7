"""Read the graph into plain frozen records, for the stages that compute numbers.

Reports and scenarios need every purchase with its sites, countries and regions at hand.
The snapshot reads the ontology and asserted graphs whole, as N-Triples (a file read on the
embedded store, one CONSTRUCT or Graph Store GET on a remote endpoint), and pivots them in
Python: at 10^6 triples that took a few seconds, where SELECTs with a dozen joins per
purchase took 40 s or more on Oxigraph's on-disk store. Region membership and class
ancestry are followed over the asserted and ontology graphs, so a snapshot does not depend
on the inferred graph being current.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import pyoxigraph as ox

from ..rdf.terms import iri_value, lexical, local_name, number, parse_ntriples
from ..store import GraphStore
from ..rdf.vocab import GEO, GRAPHS, LS, RDF_TYPE, REGION

@dataclass(frozen=True)
class Organisation:
    id: str
    name: str
    role: str  # buyer | supplier | recycler
    country: str  # ISO alpha-2


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Material:
    id: str
    name: str
    material_class: str  # local name of the asserted class, e.g. "Lithium"
    strategic: bool  # Regulation (EU) 2024/1252 Annex I
    critical: bool  # Annex II
    plastic: bool


@dataclass(frozen=True)
class Purchase:
    id: str
    date: date
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


@dataclass(frozen=True)
class Loop:
    id: str
    date: date
    from_site: str
    to_site: str
    material: str
    strategy: str  # csv value: reuse ... dispose
    mass_kg: float


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


@dataclass(frozen=True)
class Snapshot:
    organisations: dict[str, Organisation]
    sites: dict[str, Site]
    materials: dict[str, Material]
    purchases: tuple[Purchase, ...]
    loops: tuple[Loop, ...]
    products: dict[str, Product]
    candidates: tuple[Candidate, ...] = ()
    upstream: tuple[Upstream, ...] = ()
    fx: dict[str, float] = field(default_factory=dict)  # currency -> reporting-currency units per unit



def _ancestors(start: str, parents: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for p in parents.get(todo.pop(), ()):
            if p not in seen:
                seen.add(p)
                todo.append(p)
    return seen


def read_snapshot(store: GraphStore) -> Snapshot:
    """Everything the metrics need, from the ontology and asserted graphs."""
    onto = parse_ntriples(store.export(GRAPHS.ontology, ox.RdfFormat.N_TRIPLES).decode("utf-8"))
    data = parse_ntriples(store.export(GRAPHS.asserted, ox.RdfFormat.N_TRIPLES).decode("utf-8"))
    return snapshot_from_triples(onto, data)


def snapshot_from_triples(onto: list[tuple[str, str, str]], data: list[tuple[str, str, str]]) -> Snapshot:
    L = "<" + LS
    TYPE, SUB = f"<{RDF_TYPE}>", "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
    props: dict[str, dict[str, str]] = defaultdict(dict)
    types: dict[str, list[str]] = defaultdict(list)
    parents: dict[str, list[str]] = defaultdict(list)  # class -> superclasses, region -> containing regions
    for s, p, o in onto + data:
        if p == TYPE:
            types[s].append(o)
        elif p == SUB or p == L + "withinRegion>":
            parents[s].append(o)
        else:
            props[s].setdefault(p, o)  # loopsource's own properties are single-valued

    def is_a(cls: str, sup: str) -> bool:
        return cls == sup or sup in _ancestors(cls, parents)

    ID, NAME = L + "id>", "<https://schema.org/name>"
    csv_value = {s: lexical(v[L + "csvValue>"]) for s, v in props.items() if L + "csvValue>" in v}

    # regions: for each country its alpha-2, centroid, M49 region and sub-region, EU membership
    region_kind: dict[str, str] = {}
    for s, ts in types.items():
        for t in ts:
            if t in (L + "M49Region>", L + "M49SubRegion>", L + "Country>"):
                region_kind[s] = t
    country_info: dict[str, tuple] = {}

    def country(c: str) -> tuple:
        if c not in country_info:
            up = _ancestors(c, parents)
            reg = next((r for r in up if region_kind.get(r) == L + "M49Region>"), None)
            sub = next((r for r in up if region_kind.get(r) == L + "M49SubRegion>"), None)
            pc = props.get(c, {})
            country_info[c] = (
                lexical(pc.get(L + "iso3166Alpha2>")) or "",
                lexical(props[reg].get("<http://www.w3.org/2004/02/skos/core#notation>")) if reg else None,
                lexical(props[reg].get(NAME)) if reg else None,
                lexical(props[sub].get("<http://www.w3.org/2004/02/skos/core#notation>")) if sub else None,
                f"<{REGION}EU>" in up,
                number(pc.get(f"<{GEO}lat>")), number(pc.get(f"<{GEO}long>")))
        return country_info[c]

    def ident(term: str | None) -> str:
        return lexical(props.get(term, {}).get(ID)) or "" if term else ""

    orgs: dict[str, Organisation] = {}
    sites: dict[str, Site] = {}
    materials: dict[str, Material] = {}
    purchases: list[Purchase] = []
    loops: list[Loop] = []
    products_raw: list[str] = []
    bom: dict[str, list[tuple[str, float]]] = defaultdict(list)
    candidates: list[Candidate] = []
    upstream: list[Upstream] = []
    fx: dict[str, float] = {}
    roles = {L + "Buyer>": "buyer", L + "Supplier>": "supplier", L + "Recycler>": "recycler"}
    kinds = {L + "Plant>": "plant", L + "Warehouse>": "warehouse", L + "SupplierSite>": "supplier_site",
             L + "RecyclingFacility>": "recycling_facility"}
    material_root, strategic_root = L + "Material>", L + "StrategicRawMaterial>"
    critical_root, plastic_root = L + "CriticalRawMaterial>", L + "Plastic>"
    data_subjects = {s for s, _, _ in data}
    for s in data_subjects:
        ts = types.get(s, ())
        v = props.get(s, {})
        for t in ts:
            if t == L + "Purchase>":
                purchases.append(Purchase(
                    id=lexical(v[ID]) or "", date=date.fromisoformat(lexical(v[L + "date>"]) or ""),
                    buyer_site=ident(v.get(L + "buyerSite>")), supplier_site=ident(v.get(L + "supplierSite>")),
                    material=ident(v.get(L + "material>")), quantity=number(v[L + "quantity>"]) or 0.0,
                    unit=iri_value(v[L + "unit>"]), mass_kg=number(v[L + "massKg>"]) or 0.0,
                    spend=number(v.get(L + "spend>")), currency=lexical(v.get(L + "currency>")),
                    recycled_share=number(v.get(L + "recycledShare>")), reused_share=number(v.get(L + "reusedShare>")),
                    transport_mode=csv_value.get(v.get(L + "transportMode>", "")),
                    lead_time_days=number(v.get(L + "leadTimeDays>"))))
                break
            if t == L + "Loop>":
                loops.append(Loop(
                    lexical(v[ID]) or "", date.fromisoformat(lexical(v[L + "date>"]) or ""), ident(v.get(L + "fromSite>")),
                    ident(v.get(L + "toSite>")), ident(v.get(L + "material>")),
                    csv_value.get(v.get(L + "strategy>", ""), "") or "", number(v[L + "massKg>"]) or 0.0))
                break
            if t in kinds:
                c = v.get(L + "locatedIn>")
                cc, reg, regname, sub, eu, clat, clon = country(c) if c else ("", None, None, None, False, None, None)
                sites[lexical(v[ID]) or ""] = Site(
                    id=lexical(v[ID]) or "", name=lexical(v.get(NAME)) or "",
                    organisation=ident(v.get("<http://www.w3.org/ns/org#siteOf>")), kind=kinds[t], country=cc,
                    region=reg, region_name=regname, subregion=sub, in_eu=eu,
                    lat=number(v.get(f"<{GEO}lat>")), lon=number(v.get(f"<{GEO}long>")), centroid_lat=clat,
                    centroid_lon=clon)
                break
            if t in roles:
                c = v.get(L + "country>")
                orgs[lexical(v[ID]) or ""] = Organisation(lexical(v[ID]) or "", lexical(v.get(NAME)) or "", roles[t],
                                                       country(c)[0] if c else "")
                break
            if t == L + "Product>":
                products_raw.append(s)
                break
            if t == L + "BomLine>":
                bom[ident(v.get(L + "bomLineOf>"))].append((ident(v.get(L + "material>")), number(v[L + "massKg>"]) or 0.0))
                break
            if t == L + "Candidate>":
                candidates.append(Candidate(ident(v.get(L + "site>")), ident(v.get(L + "material>")),
                                            number(v[L + "capacityKg>"]) or 0.0, number(v.get(L + "unitPrice>")),
                                            lexical(v.get(L + "currency>")), number(v.get(L + "leadTimeDays>"))))
                break
            if t == L + "UpstreamSupply>":
                upstream.append(Upstream(ident(v.get(L + "site>")), ident(v.get(L + "upstreamSite>")),
                                         ident(v.get(L + "material>"))))
                break
            if t == L + "ExchangeRate>":
                fx[lexical(v[L + "currency>"]) or ""] = number(v[L + "rate>"]) or 0.0
                break
        else:  # no record type matched: a material is an instance of a material class
            classes = [x for x in ts if is_a(x, material_root)]
            if classes and ID in v:
                # the most specific loopsource class names the material class
                cls = max(classes, key=lambda x: (x.startswith(L), len(_ancestors(x, parents))))
                materials[lexical(v[ID]) or ""] = Material(
                    lexical(v[ID]) or "", lexical(v.get(NAME)) or "", local_name(cls),
                    any(is_a(x, strategic_root) for x in ts), any(is_a(x, critical_root) for x in ts),
                    any(is_a(x, plastic_root) for x in ts))
    products = {}
    for s in products_raw:
        v = props[s]
        pid = lexical(v[ID]) or ""

        def n(name: str, default: float | None = None) -> float | None:
            x = number(v.get(L + name + ">"))
            return default if x is None else x
        products[pid] = Product(
            id=pid, name=lexical(v.get(NAME)) or "", category=lexical(v.get(L + "category>")),
            lifetime_years=n("lifetimeYears", 1.0), industry_lifetime_years=n("industryLifetimeYears", 1.0),  # type: ignore[arg-type]
            use_intensity=n("useIntensity"), industry_use_intensity=n("industryUseIntensity"),
            collection_recycling_share=n("collectionRecyclingShare", 0.0),  # type: ignore[arg-type]
            collection_reuse_share=n("collectionReuseShare", 0.0),  # type: ignore[arg-type]
            recycling_efficiency_eol=n("recyclingEfficiencyEol", 0.0),  # type: ignore[arg-type]
            recycling_efficiency_feedstock=n("recyclingEfficiencyFeedstock", 0.0),  # type: ignore[arg-type]
            bom=tuple(sorted(bom.get(pid, ()))))
    return Snapshot(
        organisations=dict(sorted(orgs.items())), sites=dict(sorted(sites.items())),
        materials=dict(sorted(materials.items())), purchases=tuple(sorted(purchases, key=lambda p: p.id)),
        loops=tuple(sorted(loops, key=lambda x: x.id)), products=dict(sorted(products.items())),
        candidates=tuple(sorted(candidates, key=lambda c: (c.site, c.material))),
        upstream=tuple(sorted(upstream, key=lambda u: (u.site, u.upstream_site, u.material))), fx=fx)


__all__ = ["Snapshot", "Organisation", "Site", "Material", "Purchase", "Loop", "Product", "Candidate", "Upstream",
           "read_snapshot", "snapshot_from_triples"]
