"""Critical Raw Materials Act (Regulation (EU) 2024/1252): which materials are strategic or
critical, and the single third-country concentration of each strategic raw material. One
definition, used by validate (eu-crma), metrics.json and the report, and scenarios; the
catalogue query ``critical-materials-by-country`` mirrors it in SPARQL over the same ontology
facts (a test checks that its rows are these rows).

* **Strategic** (Annex I, Section 1): a material belongs to an entry (``ls:crmaStrategicEntry``)
  when its class is the entry's class or under it, or, for the grade-specific entries
  (battery-grade lithium, manganese, nickel and graphite, metallurgy-grade boron, magnesium
  metal), when its class is under the element class (``ls:crmaGradeOf``) and its ``ls:grade`` is
  the entry's grade (``ls:crmaGrade``). Silicon metal and titanium metal are classes of their own.
* **Critical** (Annex II, Section 1): under ``ls:CriticalRawMaterial`` (natural graphite, any
  lithium, magnesium, manganese, boron, ...) or strategic (every Annex I entry is on Annex II
  or, for battery-grade graphite, treated alike by the ontology).
* **Contained element mass**: purchased mass x the material's element share (materials.csv
  ``element_share``, else the class's ``ls:elementMassFraction``, else 1: the element or metal
  itself). LiOH·H2O is 16.54 % lithium.
* **Concentration** (Art. 5(1)(d), a benchmark for the Union by 2030, used as a risk indicator):
  per strategic entry and calendar year, each supplier-site country's share of the contained
  element mass; the largest share of one third country (not an EU member state) against
  ``ls:crmaBenchmarkMaxShare`` (0.65; vocabularies.ttl). Exactly 65 % meets the benchmark.
* **Supply-chain mapping** (Art. 24(1)): a direct supplier site of a strategic material with no
  upstream site for it in upstream.csv, and not a recycling facility, has no known origin
  beyond a trader: the mapping of where the material is extracted, processed or recycled is
  incomplete.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox

from .. import resources
from ..rdf.vocab import LS

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"


@dataclass(frozen=True)
class CrmaEntry:
    """One entry of Annex I, Section 1."""

    iri: str
    key: str  # the class's local name, e.g. BatteryGradeLithium
    annex: str  # e.g. I(h)
    label: str  # e.g. lithium, battery grade
    grade_of: str | None  # element class IRI of a grade-specific entry
    grade: str | None


@dataclass(frozen=True)
class OntologyFacts:
    entries: dict[str, CrmaEntry]  # entry class IRI -> entry
    element_fraction: dict[str, float]  # compound class IRI -> element mass fraction
    benchmark: float  # Art. 5(1)(d)
    graded_bases: frozenset[str]  # element classes whose strategic entry needs a grade


def _props(name: str) -> dict[str, dict[str, list[str]]]:
    text = resources.read_text(resources.ontology_dir(), name)
    out: dict[str, dict[str, list[str]]] = {}
    for q in ox.parse(text, format=ox.RdfFormat.TURTLE):
        t = q.triple if isinstance(q, ox.Quad) else q
        if isinstance(t.subject, ox.NamedNode):
            out.setdefault(t.subject.value, {}).setdefault(t.predicate.value, []).append(t.object.value)
    return out


@cache
def ontology_facts() -> OntologyFacts:
    """The annex entries, element fractions and the benchmark, read once from the ontology."""
    mats = _props("materials.ttl")
    entries: dict[str, CrmaEntry] = {}
    fractions: dict[str, float] = {}
    for s, p in mats.items():
        if LS + "crmaStrategicEntry" in p:
            grade_of = p.get(LS + "crmaGradeOf", [None])[0]
            entries[s] = CrmaEntry(s, s[len(LS):], p[LS + "crmaStrategicEntry"][0], p.get(LABEL, [s])[0],
                                   grade_of, p.get(LS + "crmaGrade", [None])[0])
        if LS + "elementMassFraction" in p:
            fractions[s] = float(p[LS + "elementMassFraction"][0])
    vocab = _props("vocabularies.ttl")
    benchmark = float(vocab[LS + "StrategicRawMaterial"][LS + "crmaBenchmarkMaxShare"][0])
    return OntologyFacts(entries, fractions, benchmark,
                         frozenset(e.grade_of for e in entries.values() if e.grade_of))


def benchmark() -> float:
    return ontology_facts().benchmark


def strategic_entry(classes: Iterable[str], grade: str | None) -> CrmaEntry | None:
    """The Annex I entry of a material with these classes (all ancestors included) and grade."""
    facts = ontology_facts()
    cls = set(classes)
    for iri in sorted(facts.entries):
        e = facts.entries[iri]
        if iri in cls or (e.grade_of is not None and e.grade_of in cls and grade == e.grade):
            return e
    return None


def is_critical(classes: Iterable[str], grade: str | None) -> bool:
    cls = set(classes)
    return LS + "CriticalRawMaterial" in cls or strategic_entry(cls, grade) is not None


def needs_grade(classes: Iterable[str], grade: str | None) -> str | None:
    """The element class whose strategic status depends on a grade the material does not give."""
    if grade is not None:
        return None
    hit = sorted(set(classes) & ontology_facts().graded_bases)
    return hit[0] if hit else None


def element_share(classes: Iterable[str], own: float | None) -> float:
    """Mass fraction of the element of the material's class (own value first, then the class's)."""
    if own is not None:
        return own
    fractions = ontology_facts().element_fraction
    known = sorted(fractions[c] for c in classes if c in fractions)
    return known[0] if known else 1.0


# ---------------------------------------------------------------------------- concentration
@dataclass(frozen=True)
class CrmaFlow:
    """One purchase of a strategic raw material, as the concentration sees it."""

    entry: CrmaEntry
    year: int
    country: str  # ISO 3166-1 alpha-2 of the supplier site
    third_country: bool  # not an EU member state
    element_kg: float
    purchase: str
    material: str


@dataclass(frozen=True)
class CountryRow:
    """Contained element mass of one strategic entry from one country in one year (a row of
    the catalogue query critical-materials-by-country)."""

    entry: str
    annex: str
    label: str
    year: int
    country: str
    third_country: bool
    element_kg: float
    share: float
    above_benchmark: bool  # a third country above the benchmark


@dataclass(frozen=True)
class Concentration:
    """The largest single third-country share of one strategic entry in one year."""

    entry: str
    annex: str
    label: str
    year: int
    total_kg: float
    top_country: str | None  # None: all from EU member states
    top_kg: float
    top_share: float
    benchmark: float
    materials: tuple[str, ...]
    purchases: tuple[str, ...]

    @property
    def exceeds(self) -> bool:
        return self.top_share > self.benchmark

    @property
    def focus(self) -> str:
        return f"{self.entry}/{self.year}"


def country_rows(flows: Iterable[CrmaFlow]) -> list[CountryRow]:
    """Per entry, year and country: contained element mass and share, largest first."""
    bench = benchmark()
    mass: dict[tuple[str, int], dict[tuple[str, bool], float]] = defaultdict(lambda: defaultdict(float))
    entries: dict[str, CrmaEntry] = {}
    for f in flows:
        entries[f.entry.key] = f.entry
        mass[(f.entry.key, f.year)][(f.country, f.third_country)] += f.element_kg
    rows = []
    for (key, year), by_country in sorted(mass.items()):
        total = sum(by_country.values())
        e = entries[key]
        for (cc, third), kg in sorted(by_country.items(), key=lambda kv: (-kv[1], kv[0][0])):
            share = kg / total if total > 0 else 0.0
            rows.append(CountryRow(key, e.annex, e.label, year, cc, third, kg, share, third and share > bench))
    return rows


def concentration(flows: Sequence[CrmaFlow]) -> list[Concentration]:
    """Per strategic entry and year: the largest third-country share against the benchmark."""
    bench = benchmark()
    ids: dict[tuple[str, int], tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for f in flows:
        mats, pos = ids[(f.entry.key, f.year)]
        mats.add(f.material)
        pos.add(f.purchase)
    by_key: dict[tuple[str, int], list[CountryRow]] = defaultdict(list)
    for r in country_rows(flows):
        by_key[(r.entry, r.year)].append(r)
    out = []
    for (key, year), rows in sorted(by_key.items()):
        total = sum(r.element_kg for r in rows)
        third = [r for r in rows if r.third_country]
        top = max(third, key=lambda r: (r.element_kg, r.country), default=None)
        mats, pos = ids[(key, year)]
        out.append(Concentration(key, rows[0].annex, rows[0].label, year, total, top.country if top else None,
                                 top.element_kg if top else 0.0, top.share if top else 0.0, bench,
                                 tuple(sorted(mats)), tuple(sorted(pos))))
    return out


# ---------------------------------------------------------------------------- Art. 24 mapping
@dataclass(frozen=True)
class Mapping24:
    """Where one strategic material's supply is known to come from (Art. 24(1))."""

    material: str
    entry: str
    sites: tuple[str, ...]  # direct supplier sites
    unmapped: tuple[str, ...]  # direct supplier sites with no known origin beyond them
    unmapped_kg: float
    total_kg: float
    origin_countries: tuple[str, ...]  # countries of the most upstream sites known


def supply_mapping(bought: Iterable[tuple[str, str, str, float]], upstream: Mapping[tuple[str, str], Sequence[str]],
                   recyclers: set[str], country: Mapping[str, str], entry_of: Mapping[str, str]) -> list[Mapping24]:
    """``bought``: (material, entry key, supplier site, kg) of strategic purchases; ``upstream``:
    (site, material) -> its upstream sites (upstream.csv); ``recyclers``: recycling-facility sites."""
    per: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for material, _entry, site, kg in bought:
        per[material][site] += kg
    out = []
    for material, sites in sorted(per.items()):
        unmapped = sorted(s for s in sites if s not in recyclers and not upstream.get((s, material)))
        origins: set[str] = set()
        for s in sites:
            origins |= {country.get(x, "") for x in _leaves(s, material, upstream)}
        out.append(Mapping24(material, entry_of[material], tuple(sorted(sites)), tuple(unmapped),
                             sum(sites[s] for s in unmapped), sum(sites.values()),
                             tuple(sorted(o for o in origins if o))))
    return out


def _leaves(site: str, material: str, upstream: Mapping[tuple[str, str], Sequence[str]]) -> set[str]:
    """The most upstream sites known for ``site``'s ``material`` (the site itself when none)."""
    seen, todo, leaves = {site}, [site], set()
    while todo:
        s = todo.pop()
        ups = [u for u in upstream.get((s, material), ()) if u not in seen]
        if not upstream.get((s, material)):
            leaves.add(s)
        seen.update(ups)
        todo.extend(ups)
    return leaves
