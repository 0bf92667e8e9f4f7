"""Read the graph into plain frozen records, for the stages that compute numbers.

Reports and scenarios need every purchase with its sites, countries and regions at hand;
one set of SPARQL SELECTs (which work the same on the embedded store and on a remote
endpoint) gives them that, and the arithmetic then runs in Python, where it is easy to test
against hand-computed values. Region membership is read with property paths over the
asserted and ontology graphs, so a snapshot does not depend on the inferred graph being
current.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .store import GraphStore, python_value
from .vocab import LS

_PREFIXES = f"""PREFIX ls: <{LS}>
PREFIX schema: <https://schema.org/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


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


def _f(v: object) -> float | None:
    return None if v is None else float(v)  # type: ignore[arg-type]


def _local(iri: object) -> str:
    s = str(iri)
    return s.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _rows(store: GraphStore, body: str) -> list[dict[str, object]]:
    return store.select(_PREFIXES + body).values()


def read_snapshot(store: GraphStore) -> Snapshot:
    """Everything the metrics need, in one pass of SELECT queries."""
    orgs = {}
    for r in _rows(store, """SELECT ?id ?name ?role ?cc WHERE {
        ?o a ?role ; ls:id ?id . VALUES ?role { ls:Buyer ls:Supplier ls:Recycler }
        OPTIONAL { ?o schema:name ?name } OPTIONAL { ?o ls:country/ls:iso3166Alpha2 ?cc } }"""):
        orgs[r["id"]] = Organisation(str(r["id"]), str(r["name"] or ""), _local(r["role"]).lower(), str(r["cc"] or ""))
    kinds = {"Plant": "plant", "Warehouse": "warehouse", "SupplierSite": "supplier_site",
             "RecyclingFacility": "recycling_facility"}
    sites = {}
    for r in _rows(store, """SELECT ?id ?name ?org ?kind ?cc ?lat ?lon ?clat ?clon ?reg ?regname ?sub ?eu WHERE {
        ?s a ?kind ; ls:id ?id ; ls:locatedIn ?c . VALUES ?kind { ls:Plant ls:Warehouse ls:SupplierSite ls:RecyclingFacility }
        ?c ls:iso3166Alpha2 ?cc .
        OPTIONAL { ?s schema:name ?name } OPTIONAL { ?s org:siteOf/ls:id ?org }
        OPTIONAL { ?s geo:lat ?lat ; geo:long ?lon }
        OPTIONAL { ?c geo:lat ?clat ; geo:long ?clon }
        OPTIONAL { ?c ls:withinRegion+ ?r . ?r a ls:M49Region ; skos:notation ?reg . OPTIONAL { ?r schema:name ?regname } }
        OPTIONAL { ?c ls:withinRegion+ ?sr . ?sr a ls:M49SubRegion ; skos:notation ?sub }
        BIND(EXISTS { ?c ls:withinRegion <https://w3id.org/loopsource/region/EU> } AS ?eu) }"""):
        sites[r["id"]] = Site(
            id=str(r["id"]), name=str(r["name"] or ""), organisation=str(r["org"] or ""), kind=kinds[_local(r["kind"])],
            country=str(r["cc"]), region=r["reg"], region_name=r["regname"], subregion=r["sub"],  # type: ignore[arg-type]
            in_eu=bool(r["eu"]), lat=_f(r["lat"]), lon=_f(r["lon"]), centroid_lat=_f(r["clat"]), centroid_lon=_f(r["clon"]))
    materials = {}
    for r in _rows(store, """SELECT ?id ?name ?cls ?srm ?crm ?plastic WHERE {
        ?m ls:id ?id . GRAPH <https://w3id.org/loopsource/graph/asserted> { ?m a ?cls }
        ?cls rdfs:subClassOf* ls:Material .
        OPTIONAL { ?m schema:name ?name }
        BIND(EXISTS { ?cls rdfs:subClassOf* ls:StrategicRawMaterial } AS ?srm)
        BIND(EXISTS { ?cls rdfs:subClassOf* ls:CriticalRawMaterial } AS ?crm)
        BIND(EXISTS { ?cls rdfs:subClassOf* ls:Plastic } AS ?plastic) }"""):
        materials[r["id"]] = Material(str(r["id"]), str(r["name"] or ""), _local(r["cls"]), bool(r["srm"]),
                                      bool(r["crm"]), bool(r["plastic"]))
    purchases = []
    for r in _rows(store, """SELECT ?id ?date ?buyer ?supplier ?mat ?q ?unit ?kg ?spend ?cur ?rec ?reu ?mode ?lead WHERE {
        ?p a ls:Purchase ; ls:id ?id ; ls:date ?date ; ls:buyerSite/ls:id ?buyer ; ls:supplierSite/ls:id ?supplier ;
           ls:material/ls:id ?mat ; ls:quantity ?q ; ls:unit ?unit ; ls:massKg ?kg .
        OPTIONAL { ?p ls:spend ?spend } OPTIONAL { ?p ls:currency ?cur }
        OPTIONAL { ?p ls:recycledShare ?rec } OPTIONAL { ?p ls:reusedShare ?reu }
        OPTIONAL { ?p ls:transportMode/ls:csvValue ?mode } OPTIONAL { ?p ls:leadTimeDays ?lead } } ORDER BY ?id"""):
        purchases.append(Purchase(
            id=str(r["id"]), date=date.fromisoformat(str(r["date"])), buyer_site=str(r["buyer"]),
            supplier_site=str(r["supplier"]), material=str(r["mat"]), quantity=float(r["q"]),  # type: ignore[arg-type]
            unit=str(r["unit"]), mass_kg=float(r["kg"]), spend=_f(r["spend"]),  # type: ignore[arg-type]
            currency=r["cur"], recycled_share=_f(r["rec"]), reused_share=_f(r["reu"]),  # type: ignore[arg-type]
            transport_mode=r["mode"], lead_time_days=_f(r["lead"])))  # type: ignore[arg-type]
    loops = []
    for r in _rows(store, """SELECT ?id ?date ?from ?to ?mat ?strategy ?kg WHERE {
        ?l a ls:Loop ; ls:id ?id ; ls:date ?date ; ls:fromSite/ls:id ?from ; ls:toSite/ls:id ?to ;
           ls:material/ls:id ?mat ; ls:strategy/ls:csvValue ?strategy ; ls:massKg ?kg } ORDER BY ?id"""):
        loops.append(Loop(str(r["id"]), date.fromisoformat(str(r["date"])), str(r["from"]), str(r["to"]),
                          str(r["mat"]), str(r["strategy"]), float(r["kg"])))  # type: ignore[arg-type]
    bom: dict[str, list[tuple[str, float]]] = {}
    for r in _rows(store, """SELECT ?prod ?mat ?kg WHERE {
        ?b a ls:BomLine ; ls:bomLineOf/ls:id ?prod ; ls:material/ls:id ?mat ; ls:massKg ?kg } ORDER BY ?prod ?mat"""):
        bom.setdefault(str(r["prod"]), []).append((str(r["mat"]), float(r["kg"])))  # type: ignore[arg-type]
    products = {}
    for r in _rows(store, """SELECT * WHERE {
        ?p a ls:Product ; ls:id ?id . OPTIONAL { ?p schema:name ?name } OPTIONAL { ?p ls:category ?category }
        OPTIONAL { ?p ls:lifetimeYears ?L } OPTIONAL { ?p ls:industryLifetimeYears ?Lav }
        OPTIONAL { ?p ls:useIntensity ?U } OPTIONAL { ?p ls:industryUseIntensity ?Uav }
        OPTIONAL { ?p ls:collectionRecyclingShare ?CR } OPTIONAL { ?p ls:collectionReuseShare ?CU }
        OPTIONAL { ?p ls:recyclingEfficiencyEol ?EC } OPTIONAL { ?p ls:recyclingEfficiencyFeedstock ?EF } }"""):
        products[str(r["id"])] = Product(
            id=str(r["id"]), name=str(r["name"] or ""), category=r["category"],  # type: ignore[arg-type]
            lifetime_years=float(r["L"] or 1), industry_lifetime_years=float(r["Lav"] or 1),  # type: ignore[arg-type]
            use_intensity=_f(r["U"]), industry_use_intensity=_f(r["Uav"]),
            collection_recycling_share=float(r["CR"] or 0), collection_reuse_share=float(r["CU"] or 0),  # type: ignore[arg-type]
            recycling_efficiency_eol=float(r["EC"] or 0), recycling_efficiency_feedstock=float(r["EF"] or 0),  # type: ignore[arg-type]
            bom=tuple(bom.get(str(r["id"]), ())))
    candidates = tuple(
        Candidate(str(r["site"]), str(r["mat"]), float(r["cap"]), _f(r["price"]), r["cur"], _f(r["lead"]))  # type: ignore[arg-type]
        for r in _rows(store, """SELECT ?site ?mat ?cap ?price ?cur ?lead WHERE {
            ?c a ls:Candidate ; ls:site/ls:id ?site ; ls:material/ls:id ?mat ; ls:capacityKg ?cap .
            OPTIONAL { ?c ls:unitPrice ?price } OPTIONAL { ?c ls:currency ?cur } OPTIONAL { ?c ls:leadTimeDays ?lead } }
            ORDER BY ?site ?mat"""))
    upstream = tuple(
        Upstream(str(r["site"]), str(r["up"]), str(r["mat"]))
        for r in _rows(store, """SELECT ?site ?up ?mat WHERE {
            ?u a ls:UpstreamSupply ; ls:site/ls:id ?site ; ls:upstreamSite/ls:id ?up ; ls:material/ls:id ?mat }
            ORDER BY ?site ?up ?mat"""))
    fx = {str(r["cur"]): float(r["rate"]) for r in _rows(store, """SELECT ?cur ?rate WHERE {
        ?x a ls:ExchangeRate ; ls:currency ?cur ; ls:rate ?rate }""")}  # type: ignore[arg-type]
    return Snapshot(orgs, sites, materials, tuple(purchases), tuple(loops), products, candidates, upstream, fx)


__all__ = ["Snapshot", "Organisation", "Site", "Material", "Purchase", "Loop", "Product", "Candidate", "Upstream",
           "read_snapshot", "python_value"]
