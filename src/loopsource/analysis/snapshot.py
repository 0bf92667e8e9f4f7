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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import pyoxigraph as ox

from ..rdf.stream import triples as stream_triples
from ..rdf.terms import iri_value, lexical, local_name, number, parse_ntriples
from ..store import GraphStore
from ..rdf.vocab import GEO, GRAPHS, LS, PROV, RDF_TYPE, REGION, code_lists
from ..rdf.resource_flows import cycle_of
from ..validate import crma
from ..emission_factors import FactorTable
from ..transport_distance import Leg
from .transport_graph import LEG_PREDICATES, TRANSPORT_PREDICATES, LegKey, leg_of, read_factors
from .records import (Organisation, Site, Material, Purchase, Loop, BomLine, Sale, Product, Market, Hub, PlantProduct, Candidate, Upstream)  # re-exported: callers import them from here

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
    markets: tuple[Market, ...] = ()
    hubs: tuple[Hub, ...] = ()
    plant_products: tuple[PlantProduct, ...] = ()
    sales: tuple[Sale, ...] = ()  # sales.csv, sorted by (product, year)
    # ISO 14083 legs the build stored (load/transport.py), by (buyer site, supplier site, mode),
    # and the emission factors it stored; None: the graph holds none (the packaged table applies)
    transport_legs: dict[LegKey, Leg] = field(default_factory=dict)
    emission_factors: FactorTable | None = None



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
    """Everything the metrics need, from the ontology and asserted graphs (the asserted graph
    read as a stream: see :class:`_Pivot`)."""
    onto = parse_ntriples(store.export(GRAPHS.ontology, ox.RdfFormat.N_TRIPLES).decode("utf-8"))
    return snapshot_from_stream(onto, stream_triples(store.export_chunks(GRAPHS.asserted)))


# N-Triples spellings of the terms the snapshot reads (terms are compared as text: fast).
L = "<" + LS
TYPE, SUB = f"<{RDF_TYPE}>", "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
ID, NAME = L + "id>", "<https://schema.org/name>"
NOTATION = "<http://www.w3.org/2004/02/skos/core#notation>"
LAT, LONG = f"<{GEO}lat>", f"<{GEO}long>"
ROLES = {L + "Buyer>": "buyer", L + "Supplier>": "supplier", L + "Recycler>": "recycler"}
HUB_KINDS = {L + "SourcingHub>": "sourcing_hub", L + "DistributionHub>": "distribution_hub"}
KINDS = {L + "Plant>": "plant", L + "Warehouse>": "warehouse", L + "SupplierSite>": "supplier_site",
         L + "RecyclingFacility>": "recycling_facility"}
_REGION_TYPES = (L + "M49Region>", L + "M49SubRegion>", L + "Country>")
_NO_COUNTRY = ("", None, None, None, False, None, None)
PURCHASE = L + "Purchase>"
# Every property a purchase record reads (_purchase): a purchase with only these is compacted.
PURCHASE_KEYS = tuple(L + n + ">" for n in (
    "id", "date", "buyerSite", "supplierSite", "material", "quantity", "unit", "massKg", "spend", "currency",
    "recycledShare", "reusedShare", "transportMode", "leadTimeDays", "recycledPreConsumerShare",
    "recycledPostConsumerShare", "chainOfCustody", "certificate"))
# A compacted purchase keeps these terms: its record's, then its transport leg's (load/transport.py).
_COMPACT_KEYS = PURCHASE_KEYS + LEG_PREDICATES
# What a purchase may have besides them and still be compacted: properties no record reads (the
# CSV row each subject was made from). Compaction drops them.
_UNREAD = frozenset({f"<{PROV}wasDerivedFrom>"})
_PURCHASE_SET = frozenset(_COMPACT_KEYS) | _UNREAD
# The compacted purchase literals whose values repeat from purchase to purchase (kept once each;
# IRIs such as the unit are one object already, through the stream's table).
_REPEATED = frozenset(L + n + ">" for n in (
    "date", "currency", "recycledShare", "reusedShare", "leadTimeDays", "recycledPreConsumerShare",
    "recycledPostConsumerShare", "distanceMethod"))
_CYCLE_TYPES = (L + "BiologicalMaterial>", L + "TechnicalMaterial>")


class _Pivot:
    """The triples pivoted by subject: the first value of each property (loopsource's own
    properties are single-valued), the types, and the parents (superclasses, containing regions).

    Triples come in with :meth:`add` (all of them, then :meth:`finish`). A purchase whose
    triples are all read (the stream moved on to another subject) and that has nothing but
    the properties a purchase record reads is kept as one tuple of its terms, literals without
    their datatypes (:meth:`compact`, :func:`_short`),
    instead of a dict: at 10^7 triples the per-subject dicts of the purchases were most of the
    snapshot's memory. A compacted purchase that shows up again in the stream is expanded
    first, so the first-value rule sees its triples in the same order as before.
    """

    def __init__(self, triples: Iterable[tuple[str, str, str]] = ()):
        self.props: dict[str, dict[str, str]] = defaultdict(dict)
        self.types: dict[str, list[str]] = defaultdict(list)
        self.parents: dict[str, list[str]] = defaultdict(list)  # class -> superclasses, region -> containing regions
        self.compacted: dict[str, tuple[str | None, ...]] = {}
        # one string per distinct value of the purchase literals that repeat (dates, currencies,
        # shares, distance methods), and one id string per node (ident): at 10 M asserted
        # triples (430,000 purchases) a copy of each per purchase was some 150 MB
        self._shared: dict[str, str] = {}
        self._idents: dict[str, str] = {}
        self._dates: dict[str, date] = {}
        for s, p, o in triples:
            self.add(s, p, o)
        self.finish()

    def add(self, s: str, p: str, o: str) -> None:
        if p in _UNREAD:  # no record reads it: one string and one dict slot per subject saved
            self.props[s]  # noqa: B018 -- an empty entry: the subject is known (snapshot_from_stream)
            return
        if s in self.compacted:
            self._expand(s)
        if p == TYPE:
            self.types[s].append(o)
        elif p == SUB or p == L + "withinRegion>":
            self.parents[s].append(o)
        else:
            self.props[s].setdefault(p, o)

    def compact(self, s: str) -> None:
        """Keep purchase ``s`` as a tuple of its terms, when that loses nothing (see the class)."""
        if self.types.get(s) != [PURCHASE] or s in self.parents or not self.props.get(s, {}).keys() <= _PURCHASE_SET:
            return
        v = self.props.pop(s, {})
        del self.types[s]
        shared = self._shared.setdefault
        self.compacted[s] = tuple(shared(t, t) if k in _REPEATED and t is not None else t
                                  for k, t in zip(_COMPACT_KEYS, (_short(v.get(k)) for k in _COMPACT_KEYS)))

    def _expand(self, s: str) -> None:
        terms = self.compacted.pop(s)
        self.types[s].append(PURCHASE)
        self.props[s].update((k, t) for k, t in zip(_COMPACT_KEYS, terms) if t is not None)

    def view(self, s: str) -> tuple[Sequence[str], dict[str, str]]:
        """(types, first values) of subject ``s``; a compacted purchase is given back as a dict
        once and forgotten (its record is made once)."""
        if s in self.compacted:
            terms = self.compacted.pop(s)
            return (PURCHASE,), {k: t for k, t in zip(_COMPACT_KEYS, terms) if t is not None}
        return self.types.get(s, ()), self.props.get(s, {})

    def finish(self) -> None:
        """The look-ups made once every triple is in: code-list values, region kinds."""
        self.csv_value = {s: lexical(v[L + "csvValue>"]) for s, v in self.props.items() if L + "csvValue>" in v}
        self.region_kind: dict[str, str] = {}
        for s, ts in self.types.items():
            for t in ts:
                if t in _REGION_TYPES:
                    self.region_kind[s] = t
        self._countries: dict[str, tuple] = {}

    def is_a(self, cls: str, sup: str) -> bool:
        return cls == sup or sup in _ancestors(cls, self.parents)

    def ident(self, term: str | None) -> str:
        """The CSV id of the node ``term`` names ('' for none); one string per node."""
        if not term:
            return ""
        got = self._idents.get(term)
        if got is None:
            got = self._idents[term] = lexical(self.props.get(term, {}).get(ID)) or ""
        return got

    def date(self, term: str) -> date:
        """The date of an xsd:date literal; one object per distinct date."""
        got = self._dates.get(term)
        if got is None:
            got = self._dates[term] = date.fromisoformat(lexical(term) or "")
        return got

    def shared(self, value: str | None) -> str | None:
        """``value`` as the one string kept for it (see ``_shared``)."""
        return None if value is None else self._shared.setdefault(value, value)

    def country(self, c: str) -> tuple:
        """(alpha-2, M49 region code, region name, sub-region code, in EU, centroid lat, centroid lon)."""
        if c not in self._countries:
            up = _ancestors(c, self.parents)
            reg = next((r for r in up if self.region_kind.get(r) == L + "M49Region>"), None)
            sub = next((r for r in up if self.region_kind.get(r) == L + "M49SubRegion>"), None)
            pc = self.props.get(c, {})
            self._countries[c] = (
                lexical(pc.get(L + "iso3166Alpha2>")) or "",
                lexical(self.props[reg].get(NOTATION)) if reg else None,
                lexical(self.props[reg].get(NAME)) if reg else None,
                lexical(self.props[sub].get(NOTATION)) if sub else None,
                f"<{REGION}EU>" in up,
                number(pc.get(LAT)), number(pc.get(LONG)))
        return self._countries[c]


def _short(term: str | None) -> str | None:
    """A literal without its datatype or language tag (``"3015.1"^^<…#decimal>`` -> ``"3015.1"``);
    other terms as they are.

    Why: a compacted purchase keeps about ten literals, and their datatype IRIs (45 characters
    each, one string per literal) were most of its size at 10^7 triples. Everything a purchase
    record reads of a literal (:func:`lexical`, :func:`number`) is the text between the quotes,
    which this keeps; the datatypes were checked by SHACL (``sh:datatype``) before."""
    if term is None or term[0] != '"':
        return term
    return term[:term.rfind('"') + 1]


@dataclass
class _Records:
    """What the snapshot collects while it reads the data subjects (then sorted into a Snapshot)."""

    orgs: dict[str, Organisation] = field(default_factory=dict)
    sites: dict[str, Site] = field(default_factory=dict)
    materials: dict[str, Material] = field(default_factory=dict)
    purchases: list[Purchase] = field(default_factory=list)
    loops: list[Loop] = field(default_factory=list)
    products_raw: list[str] = field(default_factory=list)
    bom: dict[str, list[tuple[str, float]]] = field(default_factory=lambda: defaultdict(list))
    bom_lines: dict[str, list[BomLine]] = field(default_factory=lambda: defaultdict(list))
    sales: list[Sale] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    upstream: list[Upstream] = field(default_factory=list)
    fx: dict[str, float] = field(default_factory=dict)
    markets: list[Market] = field(default_factory=list)
    hubs: list[Hub] = field(default_factory=list)
    plant_products: list[PlantProduct] = field(default_factory=list)
    legs: dict[LegKey, Leg] = field(default_factory=dict)  # the purchases' stored legs (a later one wins)


def _chain_of_custody(term: str | None) -> str | None:
    """The CSV value (``mass_balance``) of a chain-of-custody model IRI (``ls:MassBalance``)."""
    if term is None:
        return None
    by_iri = {v: k for k, v in code_lists().chains_of_custody.items()}
    return by_iri.get(iri_value(term), local_name(term))


def snapshot_from_triples(onto: list[tuple[str, str, str]], data: list[tuple[str, str, str]]) -> Snapshot:
    """The snapshot of N-Triples terms: every record of the data graph, typed with the ontology's help."""
    return snapshot_from_stream(onto, iter(data))


def snapshot_from_stream(onto: list[tuple[str, str, str]], data: Iterable[tuple[str, str, str]]) -> Snapshot:
    """:func:`snapshot_from_triples` of a stream of data triples, read once."""
    px = _Pivot(onto)
    # the data subjects in reading order: a subject is new when the pivot holds nothing of it yet
    # (a list, not a dict used as an ordered set: 60 MB less at 10 M asserted triples)
    subjects: list[str] = []
    known = (px.props, px.types, px.parents, px.compacted)
    in_onto = {x for table in known for x in table}  # the ontology's subjects (held already)
    onto_seen: set[str] = set()  # those of them the data has triples of too
    last = None
    # one string per IRI read, by a table of this call's own: sys.intern's table never shrinks
    # (at 10 M asserted triples it kept tens of MB for the rest of the process)
    one = {}.setdefault
    # the emission factor nodes the build stored, kept aside as the stream passes (the pivot
    # compacts purchases; a subject's triples may come in several runs); the legs are read with
    # the purchases (_read_subject)
    transport: list[tuple[str, str, str]] = []
    factor_type = (f"<{RDF_TYPE}>", L + "EmissionFactor>")
    for s, p, o in data:
        if s != last:
            if last is not None:
                px.compact(last)
            s = last = one(s, s)
            if s in in_onto:
                if s not in onto_seen:
                    onto_seen.add(s)
                    subjects.append(s)
            elif not any(s in table for table in known):
                subjects.append(s)
        if p in TRANSPORT_PREDICATES or (p, o) == factor_type:
            transport.append((s, p, o))
        px.add(s, one(p, p), one(o, o) if o[0] == "<" else o)
    px.finish()
    # a factor node's ls:id (ids are not kept aside: every subject has one)
    transport += [(s, ID, px.props[s][ID]) for s in {t[0] for t in transport if (t[1], t[2]) == factor_type}
                  if ID in px.props.get(s, {})]
    rec = _Records()
    for s in subjects:
        _read_subject(px, s, rec)
    products = {}
    for s in rec.products_raw:
        product = _product(px.props[s], rec.bom, px.ident(px.props[s].get(L + "madeAt>")) or None)
        products[product.id] = replace(product, bom_lines=tuple(sorted(rec.bom_lines.get(product.id, ()),
                                                                       key=lambda b: b.material)),
                                       recovery_potential=number(px.props[s].get(L + "recoveryPotential>")))
    factor_table = read_factors(transport)
    return Snapshot(
        organisations=dict(sorted(rec.orgs.items())), sites=dict(sorted(rec.sites.items())),
        materials=dict(sorted(rec.materials.items())), purchases=tuple(sorted(rec.purchases, key=lambda p: p.id)),
        loops=tuple(sorted(rec.loops, key=lambda x: x.id)), products=dict(sorted(products.items())),
        candidates=tuple(sorted(rec.candidates, key=lambda c: (c.site, c.material))),
        upstream=tuple(sorted(rec.upstream, key=lambda u: (u.site, u.upstream_site, u.material))),
        fx=dict(sorted(rec.fx.items())), markets=tuple(sorted(rec.markets, key=lambda m: m.id)),
        hubs=tuple(sorted(rec.hubs, key=lambda h: h.id)),
        plant_products=tuple(sorted(rec.plant_products, key=lambda p: (p.product, p.plant))),
        sales=tuple(sorted(rec.sales, key=lambda x: (x.product, x.year))),
        transport_legs=rec.legs, emission_factors=factor_table)


def _read_subject(px: _Pivot, s: str, rec: _Records) -> None:
    """One data subject into its record: the first of its types that names a record kind wins;
    a subject of none of them is a material when one of its types is a material class."""
    ts, v = px.view(s)
    for t in ts:
        if t == L + "Purchase>":
            purchase = _purchase(px, v)
            rec.purchases.append(purchase)
            leg = leg_of(purchase, v)
            if leg is not None:
                rec.legs[leg[0]] = leg[1]
        elif t == L + "Loop>":
            rec.loops.append(Loop(
                lexical(v[ID]) or "", date.fromisoformat(lexical(v[L + "date>"]) or ""), px.ident(v.get(L + "fromSite>")),
                px.ident(v.get(L + "toSite>")), px.ident(v.get(L + "material>")),
                px.csv_value.get(v.get(L + "strategy>", ""), "") or "", number(v[L + "massKg>"]) or 0.0,
                hazardous=_flag(v.get(L + "hazardous>"))))
        elif t in KINDS:  # ids: the one string per node that the purchases naming it share (ident)
            site = _site(px, v, KINDS[t], px.ident(s))
            rec.sites[site.id] = site
        elif t in ROLES:
            c = v.get(L + "country>")
            oid = px.ident(s)
            rec.orgs[oid] = Organisation(oid, lexical(v.get(NAME)) or "", ROLES[t], px.country(c)[0] if c else "")
        elif t == L + "Product>":
            rec.products_raw.append(s)
        elif t == L + "BomLine>":
            line = _bom_line(px, v)
            rec.bom[px.ident(v.get(L + "bomLineOf>"))].append((line.material, line.mass_kg))
            rec.bom_lines[px.ident(v.get(L + "bomLineOf>"))].append(line)
        elif t == L + "Sale>":
            rec.sales.append(Sale(px.ident(v.get(L + "product>")), int(number(v.get(L + "salesYear>")) or 0),
                                  number(v.get(L + "unitsSold>")) or 0.0, number(v.get(L + "revenue>")),
                                  lexical(v.get(L + "currency>"))))
        elif t == L + "Candidate>":
            rec.candidates.append(Candidate(px.ident(v.get(L + "site>")), px.ident(v.get(L + "material>")),
                                            number(v[L + "capacityKg>"]) or 0.0, number(v.get(L + "unitPrice>")),
                                            lexical(v.get(L + "currency>")), number(v.get(L + "leadTimeDays>"))))
        elif t == L + "UpstreamSupply>":
            rec.upstream.append(Upstream(px.ident(v.get(L + "site>")), px.ident(v.get(L + "upstreamSite>")),
                                         px.ident(v.get(L + "material>"))))
        elif t == L + "ExchangeRate>":
            rec.fx[lexical(v[L + "currency>"]) or ""] = number(v[L + "rate>"]) or 0.0
        elif not _read_network_subject(px, t, v, rec):
            continue
        return
    material = _material(px, ts, v)
    if material is not None:
        rec.materials[material.id] = material


def _bom_line(px: _Pivot, v: dict[str, str]) -> BomLine:
    """A BOM line with the end-of-use inputs it gives itself (ontology/circularity.ttl)."""
    def n(name: str) -> float | None:
        return number(v.get(L + name + ">"))
    return BomLine(px.ident(v.get(L + "material>")), number(v[L + "massKg>"]) or 0.0,
                   n("lineCollectionRecyclingShare"), n("lineCollectionReuseShare"), n("lineRecyclingEfficiencyEol"),
                   n("lineRecyclingEfficiencyFeedstock"), n("collectionCompostingShare"),
                   n("collectionEnergyRecoveryShare"), n("recoveryPotential"))


def _read_network_subject(px: _Pivot, t: str, v: dict[str, str], rec: _Records) -> bool:
    """A market, hub or plant product (the network-design files) into its record; False for
    a subject of none of these types."""
    if t == L + "Market>":
        cc, reg = _place_country(px, v)
        rec.markets.append(Market(lexical(v[ID]) or "", lexical(v.get(NAME)) or "", cc, reg,
                                  number(v.get(LAT)) or 0.0, number(v.get(LONG)) or 0.0,
                                  px.ident(v.get(L + "product>")), number(v.get(L + "unitsPerYear>")) or 0.0))
    elif t in HUB_KINDS:
        cc, reg = _place_country(px, v)
        rec.hubs.append(Hub(lexical(v[ID]) or "", lexical(v.get(NAME)) or "", HUB_KINDS[t], cc, reg,
                            number(v.get(LAT)) or 0.0, number(v.get(LONG)) or 0.0,
                            number(v.get(L + "fixedCostPerYear>")) or 0.0, lexical(v.get(L + "currency>")) or "",
                            number(v.get(L + "throughputCapacityKg>"))))
    elif t == L + "PlantProduct>":
        rec.plant_products.append(PlantProduct(px.ident(v.get(L + "plant>")), px.ident(v.get(L + "product>")),
                                               number(v.get(L + "capacityUnitsPerYear>"))))
    else:
        return False
    return True


def _place_country(px: _Pivot, v: dict[str, str]) -> tuple[str, str | None]:
    """(ISO alpha-2, M49 region code) of a market or hub."""
    c = v.get(L + "inCountry>")
    cc, reg, *_ = px.country(c) if c else _NO_COUNTRY
    return cc, reg


def _purchase(px: _Pivot, v: dict[str, str]) -> Purchase:
    return Purchase(
        id=lexical(v[ID]) or "", date=px.date(v[L + "date>"]),
        buyer_site=px.ident(v.get(L + "buyerSite>")), supplier_site=px.ident(v.get(L + "supplierSite>")),
        material=px.ident(v.get(L + "material>")), quantity=number(v[L + "quantity>"]) or 0.0,
        unit=px.shared(iri_value(v[L + "unit>"])) or "", mass_kg=number(v[L + "massKg>"]) or 0.0,
        spend=number(v.get(L + "spend>")), currency=px.shared(lexical(v.get(L + "currency>"))),
        recycled_share=number(v.get(L + "recycledShare>")), reused_share=number(v.get(L + "reusedShare>")),
        transport_mode=px.csv_value.get(v.get(L + "transportMode>", "")),
        lead_time_days=number(v.get(L + "leadTimeDays>")),
        recycled_pre_consumer_share=number(v.get(L + "recycledPreConsumerShare>")),
        recycled_post_consumer_share=number(v.get(L + "recycledPostConsumerShare>")),
        chain_of_custody=_chain_of_custody(v.get(L + "chainOfCustody>")), certificate=lexical(v.get(L + "certificate>")))


def _site(px: _Pivot, v: dict[str, str], kind: str, sid: str) -> Site:
    c = v.get(L + "locatedIn>")
    cc, reg, regname, sub, eu, clat, clon = px.country(c) if c else _NO_COUNTRY
    return Site(
        id=sid, name=lexical(v.get(NAME)) or "",
        organisation=px.ident(v.get("<http://www.w3.org/ns/org#siteOf>")), kind=kind, country=cc,
        region=reg, region_name=regname, subregion=sub, in_eu=eu,
        lat=number(v.get(LAT)), lon=number(v.get(LONG)), centroid_lat=clat, centroid_lon=clon)


def _material(px: _Pivot, ts: Sequence[str], v: dict[str, str]) -> Material | None:
    """A material (an instance of a material class with an id), else None."""
    classes = [x for x in ts if px.is_a(x, L + "Material>")]
    if not classes or ID not in v:
        return None
    # the most specific loopsource class names the material class; a cycle type asserted from
    # materials.csv 'cycle' (ls:TechnicalMaterial beside ls:Rubber) never does, and ties are
    # broken by IRI so that every store gives the same answer whatever its triple order
    named = [x for x in classes if x not in _CYCLE_TYPES] or classes
    cls = max(named, key=lambda x: (x.startswith(L), len(_ancestors(x, px.parents)), x))
    closure = {c[1:-1] for x in ts for c in ({x} | _ancestors(x, px.parents))}
    grade = lexical(v.get(L + "grade>"))
    entry = crma.strategic_entry(closure, grade)
    return Material(
        lexical(v[ID]) or "", lexical(v.get(NAME)) or "", local_name(cls),
        entry is not None, crma.is_critical(closure, grade), any(px.is_a(x, L + "Plastic>") for x in ts),
        entry.key if entry else None, crma.element_share(closure, number(v.get(L + "elementShare>"))),
        any(px.is_a(x, L + "BiologicalMaterial>") for x in ts),
        cycle=cycle_of(closure), hazardous=_flag(v.get(L + "hazardous>")))


def _flag(term: str | None) -> bool | None:
    """An xsd:boolean literal as a bool (None when absent)."""
    value = lexical(term)
    return None if value is None else value in ("true", "1")


def _product(v: dict[str, str], bom: dict[str, list[tuple[str, float]]], plant: str | None) -> Product:
    """A product with its bill of materials; a missing lifetime counts as 1 year, a missing share as 0."""
    pid = lexical(v[ID]) or ""

    def n(name: str, default: float | None = None) -> float | None:
        x = number(v.get(L + name + ">"))
        return default if x is None else x
    return Product(
        id=pid, name=lexical(v.get(NAME)) or "", category=lexical(v.get(L + "category>")),
        lifetime_years=n("lifetimeYears", 1.0), industry_lifetime_years=n("industryLifetimeYears", 1.0),  # type: ignore[arg-type]
        use_intensity=n("useIntensity"), industry_use_intensity=n("industryUseIntensity"),
        collection_recycling_share=n("collectionRecyclingShare", 0.0),  # type: ignore[arg-type]
        collection_reuse_share=n("collectionReuseShare", 0.0),  # type: ignore[arg-type]
        recycling_efficiency_eol=n("recyclingEfficiencyEol", 0.0),  # type: ignore[arg-type]
        recycling_efficiency_feedstock=n("recyclingEfficiencyFeedstock", 0.0),  # type: ignore[arg-type]
        bom=tuple(sorted(bom.get(pid, ()))), plant=plant, capacity_kwh=n("capacityKwh"))


__all__ = ["Snapshot", "Organisation", "Site", "Material", "Purchase", "Loop", "Product", "BomLine", "Sale",
           "Candidate", "Upstream",
           "Market", "Hub", "PlantProduct",
           "read_snapshot", "snapshot_from_stream", "snapshot_from_triples"]
