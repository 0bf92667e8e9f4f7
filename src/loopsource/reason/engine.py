"""Reason stage: the OWL 2 RL closure of ontology + asserted data, kept in its own graph.

Two engines behind one small interface (:class:`Engine`):

* ``owlrl`` - the reference: the owlrl package on an rdflib graph. Correct and slow
  (minutes at 10^5 triples). When owlrl moves into rdflib 8, only :class:`OwlrlEngine`
  changes.
* ``rules`` - the default: owlrl computes the closure of the *schema* only (a few hundred
  triples, cached on disk), and the data-level OWL 2 RL rules that this schema needs
  (cax-sco, cax-eqc, prp-dom, prp-rng, prp-spo1, prp-eqp, prp-inv, prp-symp, prp-trp,
  prp-spo2, cls-svf1, cls-hv1/2, cls-int1/2, cls-avf) run as a worklist forward chainer over
  N-Triples terms. A schema that uses anything else (equality, cardinality, keys,
  functional properties, disjointness, complements, ...) makes the engine hand the whole job
  to owlrl, with a warning, rather than give a different answer.

Both return the *clean* closure: only new triples, and none of the noise OWL 2 RL produces
(literal subjects, reflexive owl:sameAs, axiomatic and datatype triples, typing with
owl:Thing / rdfs:Resource / other built-in classes, blank nodes).
"""
from __future__ import annotations

import hashlib
import logging
import os
import time
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from importlib.metadata import version as _pkg_version
from pathlib import Path

import pyoxigraph as ox

from ..errors import UsageError
from ..files import atomic_write
from ..rdf.terms import Triple, parse_ntriples, to_ntriples
from ..rdf.vocab import OWL, RDF_TYPE, RDFS, XSD

log = logging.getLogger(__name__)

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
BUILTIN = tuple("<" + ns for ns in (RDF, RDFS, OWL, XSD))  # IRIs of the built-in vocabularies
TYPE = f"<{RDF_TYPE}>"

_SCHEMA_PREDICATES = {f"<{ns}{n}>" for ns, names in (
    (RDFS, ("subClassOf", "subPropertyOf", "domain", "range")),
    (OWL, ("equivalentClass", "equivalentProperty", "inverseOf", "propertyChainAxiom", "onProperty",
           "someValuesFrom", "allValuesFrom", "hasValue", "intersectionOf", "unionOf", "complementOf",
           "disjointWith", "propertyDisjointWith", "hasKey", "maxCardinality", "maxQualifiedCardinality",
           "cardinality", "minCardinality", "qualifiedCardinality", "onClass", "oneOf", "members",
           "distinctMembers", "disjointUnionOf", "sameAs", "differentFrom", "AllDifferent", "onDataRange",
           "sourceIndividual", "assertionProperty", "targetIndividual", "targetValue")),
    (RDF, ("first", "rest"))) for n in names}
_SCHEMA_TYPES = {f"<{OWL}{n}>" for n in (
    "TransitiveProperty", "SymmetricProperty", "FunctionalProperty", "InverseFunctionalProperty",
    "IrreflexiveProperty", "AsymmetricProperty", "ReflexiveProperty", "Restriction", "AllDisjointClasses",
    "AllDisjointProperties", "NegativePropertyAssertion", "AllDifferent")}
# Schema constructs the rules engine does not implement: with them, owlrl does the whole job.
_UNSUPPORTED = {f"<{OWL}{n}>" for n in (
    "sameAs", "differentFrom", "complementOf", "disjointWith", "propertyDisjointWith", "hasKey", "maxCardinality",
    "maxQualifiedCardinality", "cardinality", "minCardinality", "qualifiedCardinality", "oneOf", "members",
    "distinctMembers", "disjointUnionOf", "FunctionalProperty", "InverseFunctionalProperty", "IrreflexiveProperty",
    "AsymmetricProperty", "ReflexiveProperty", "AllDisjointClasses", "AllDisjointProperties",
    "NegativePropertyAssertion", "AllDifferent", "sourceIndividual")}


def is_noise(s: str, p: str, o: str) -> bool:
    """True for triples that OWL 2 RL derives but no user needs (see module docstring)."""
    if s[0] != "<" or o[0] == "_" or s[0] == "_":
        return True  # literal or blank-node subjects, blank-node objects (restriction membership)
    if s.startswith(BUILTIN):
        return True  # axiomatic and datatype-axiom triples about the built-in vocabulary
    if p == TYPE and o.startswith(BUILTIN):
        return True  # typing with owl:Thing, rdfs:Resource, owl:Class, rdf:Property, ...
    if s == o and p in _REFLEXIVE_NOISE:
        return True
    if o in (f"<{OWL}Thing>", f"<{RDFS}Resource>") or s == f"<{OWL}Nothing>":
        return True  # X subClassOf owl:Thing, owl:Nothing subClassOf X
    return False


_REFLEXIVE_NOISE = {f"<{OWL}sameAs>", f"<{RDFS}subClassOf>", f"<{OWL}equivalentClass>",
                    f"<{RDFS}subPropertyOf>", f"<{OWL}equivalentProperty>"}


@dataclass(frozen=True)
class Inference:
    """An engine's answer: the clean inferred triples (none of them asserted)."""

    triples: frozenset[Triple]
    engine: str
    engine_version: str
    seconds: float
    note: str = ""


class Engine(ABC):
    """The interface every reasoning engine implements."""

    name: str
    version: str

    @abstractmethod
    def closure(self, schema_and_data: list[Triple]) -> set[Triple]:
        """All triples entailed (asserted ones included); noise is filtered by the caller."""

    def infer(self, ontology: list[Triple], asserted: list[Triple]) -> Inference:
        t0 = time.perf_counter()
        given = ontology + asserted
        full = self.closure(given)
        given_set = set(given)
        clean = frozenset(t for t in full if t not in given_set and not is_noise(*t))
        return Inference(clean, self.name, self.version, time.perf_counter() - t0, getattr(self, "note", ""))


# ---------------------------------------------------------------------------- owlrl
def _rdflib_graph(triples: Iterable[Triple]):
    import rdflib

    g = rdflib.Graph()
    g.parse(data=to_ntriples(triples), format="nt")
    return g


def _from_rdflib(g) -> set[Triple]:
    text = g.serialize(format="nt", encoding="utf-8").decode("utf-8")
    # Literal subjects (OWL 2 RL datatype rules) are not RDF 1.1: drop them before parsing.
    text = "\n".join(line for line in text.splitlines() if not line.startswith('"'))
    # Round-trip through pyoxigraph so that both engines speak the same canonical N-Triples.
    canon = ox.serialize(ox.parse(text, format=ox.RdfFormat.N_TRIPLES, lenient=True), format=ox.RdfFormat.N_TRIPLES)
    return set(parse_ntriples(canon.decode("utf-8")))


def _owlrl_expand(triples: Iterable[Triple]) -> set[Triple]:
    import owlrl

    g = _rdflib_graph(triples)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(g)
    return _from_rdflib(g)


class OwlrlEngine(Engine):
    """The reference engine (owlrl on rdflib)."""

    name = "owlrl"

    def __init__(self) -> None:
        self.version = _pkg_version("owlrl")

    def closure(self, schema_and_data: list[Triple]) -> set[Triple]:
        # owlrl's literal proxies turn literal objects into blank nodes and back; literal
        # subjects that survive are dropped by rdflib's N-Triples writer or by is_noise.
        return _owlrl_expand(schema_and_data)


# ---------------------------------------------------------------------------- rules
def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "loopsource"


def is_schema(t: Triple) -> bool:
    s, p, o = t
    return p in _SCHEMA_PREDICATES or s[0] == "_" or (p == TYPE and o in _SCHEMA_TYPES)


class _Tables:
    """What the data-level rules need to know of the schema closure."""

    def __init__(self, tbox: set[Triple]):
        self.sup_classes: dict[str, set[str]] = defaultdict(set)
        self.sup_props: dict[str, set[str]] = defaultdict(set)
        self.domains: dict[str, set[str]] = defaultdict(set)
        self.ranges: dict[str, set[str]] = defaultdict(set)
        self.inverse: dict[str, set[str]] = defaultdict(set)
        self.symmetric: set[str] = set()
        self.transitive: set[str] = set()
        # Axioms read through a blank node (restrictions, lists) are first collected per
        # predicate, then resolved: a restriction's parts may come in any order.
        self._by_pred: dict[str, dict[str, str]] = defaultdict(dict)
        for s, p, o in tbox:
            self._read(s, p, o)
        self._restrictions()
        self._lists()
        self.thing = f"<{OWL}Thing>"

    _PAIRS = {f"<{RDFS}subClassOf>": ("sup_classes", False), f"<{OWL}equivalentClass>": ("sup_classes", True),
              f"<{RDFS}subPropertyOf>": ("sup_props", False), f"<{OWL}equivalentProperty>": ("sup_props", True)}
    _COLLECTED = {f"<{OWL}{n}>" for n in ("onProperty", "someValuesFrom", "allValuesFrom", "hasValue",
                                          "intersectionOf", "propertyChainAxiom")} | {f"<{RDF}first>", f"<{RDF}rest>"}

    def _read(self, s: str, p: str, o: str) -> None:
        """One schema triple into the tables (cax-sco, cax-eqc, prp-spo1, prp-eqp, prp-dom, prp-rng, prp-inv, ...)."""
        if p in self._PAIRS:
            if s != o:
                table, both = self._PAIRS[p]
                getattr(self, table)[s].add(o)
                if both:
                    getattr(self, table)[o].add(s)
        elif p == f"<{RDFS}domain>":
            self.domains[s].add(o)
        elif p == f"<{RDFS}range>":
            self.ranges[s].add(o)
        elif p == f"<{OWL}inverseOf>":
            self.inverse[s].add(o)
            self.inverse[o].add(s)
        elif p == TYPE and o == f"<{OWL}SymmetricProperty>":
            self.symmetric.add(s)
        elif p == TYPE and o == f"<{OWL}TransitiveProperty>":
            self.transitive.add(s)
        elif p in self._COLLECTED:
            self._by_pred[p][s] = o

    def _get(self, name: str) -> dict[str, str]:
        return self._by_pred.get(f"<{OWL}{name}>", {})

    def _items(self, head: str) -> list[str]:
        first, rest = self._by_pred.get(f"<{RDF}first>", {}), self._by_pred.get(f"<{RDF}rest>", {})
        out = []
        while head in first:
            out.append(first[head])
            head = rest.get(head, f"<{RDF}nil>")
        return out

    def _restrictions(self) -> None:
        """Restriction r: (property, filler), indexed the ways cls-svf1, cls-avf and cls-hv1/2 look them up."""
        svf, avf, hv = self._get("someValuesFrom"), self._get("allValuesFrom"), self._get("hasValue")
        self.svf_by_prop: dict[str, list[tuple[str, str]]] = defaultdict(list)  # p -> [(r, filler)]
        self.svf_by_filler: dict[str, list[tuple[str, str]]] = defaultdict(list)  # filler -> [(r, p)]
        self.avf_by_restriction: dict[str, tuple[str, str]] = {}  # r -> (p, filler)
        self.avf_by_prop: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.hv_by_restriction: dict[str, tuple[str, str]] = {}  # r -> (p, value)
        self.hv_by_prop_value: dict[tuple[str, str], list[str]] = defaultdict(list)
        for r, p in self._get("onProperty").items():
            if r in svf:
                self.svf_by_prop[p].append((r, svf[r]))
                self.svf_by_filler[svf[r]].append((r, p))
            if r in avf:
                self.avf_by_restriction[r] = (p, avf[r])
                self.avf_by_prop[p].append((r, avf[r]))
            if r in hv:
                self.hv_by_restriction[r] = (p, hv[r])
                self.hv_by_prop_value[(p, hv[r])].append(r)

    def _lists(self) -> None:
        """Intersections (cls-int1/2) and property chains (prp-spo2), read from their RDF lists."""
        self.intersections: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)  # conjunct -> [(C, all)]
        self.conjuncts: dict[str, list[str]] = {}
        for c, head in self._get("intersectionOf").items():
            parts = self._items(head)
            self.conjuncts[c] = parts
            for part in parts:
                self.intersections[part].append((c, parts))
        self.chains: dict[str, list[tuple[str, list[str], int]]] = defaultdict(list)  # p_i -> [(P, chain, i)]
        for prop, head in self._get("propertyChainAxiom").items():
            steps = self._items(head)
            for i, step in enumerate(steps):
                self.chains[step].append((prop, steps, i))


class _Chainer:
    """Worklist forward chaining: every new triple is matched once against every rule."""

    def __init__(self, tables: _Tables):
        self.t = tables
        # every triple in, with whether the data gave it (True) or a rule derived it (False);
        # reason/stream.py gives only the triples a rule could also derive (see given)
        self.all: dict[Triple, bool] = {}
        self.out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))  # p -> s -> {o}
        self.inn: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))  # p -> o -> {s}
        self.types: dict[str, set[str]] = defaultdict(set)
        self.todo: list[Triple] = []
        # Only predicates that some join rule looks up are indexed: most data triples (ids,
        # names, quantities) are matched one at a time and never joined, and indexing them
        # was half the engine's time.
        joined = set(tables.transitive) | set(tables.svf_by_prop) | set(tables.avf_by_prop)
        for steps in tables.chains.values():
            joined.update(step for _, chain, _ in steps for step in chain)
        self.indexed = frozenset(joined)

    def given(self, s: str, p: str, o: str, derivable: frozenset[str]) -> None:
        """A triple of the data. It is remembered only when its predicate is in ``derivable``
        (a rule could derive it too, and a derived copy must not count as inferred); any other
        is matched against the rules once and let go: at 10^7 triples those (masses, dates,
        shares: read by prp-dom) were half of what the engine held."""
        t = (s, p, o)
        if p in derivable:
            seen = self.all.get(t)
            self.all[t] = True
            if seen is not None:
                return  # given twice, or derived before it came: matched already
        self._enter(t)

    def add(self, s: str, p: str, o: str) -> None:
        t = (s, p, o)
        if t in self.all:
            return
        self.all[t] = False
        self._enter(t)

    def _enter(self, t: Triple) -> None:
        """A new triple into the join indexes and the work list."""
        s, p, o = t
        if p in self.indexed:
            self.out[p][s].add(o)
            self.inn[p][o].add(s)
        if p == TYPE:
            self.types[s].add(o)
        self.todo.append(t)

    def run(self) -> None:
        t = self.t
        add = self.add
        while self.todo:
            s, p, o = self.todo.pop()
            literal = o[0] == '"'
            if p == TYPE:
                for d in t.sup_classes.get(o, ()):
                    add(s, TYPE, d)
                if o in t.hv_by_restriction:  # cls-hv1
                    hp, v = t.hv_by_restriction[o]
                    add(s, hp, v)
                for c, parts in t.intersections.get(o, ()):  # cls-int1
                    if all(x in self.types[s] for x in parts):
                        add(s, TYPE, c)
                for part in t.conjuncts.get(o, ()):  # cls-int2
                    add(s, TYPE, part)
                for r, rp in t.svf_by_filler.get(o, ()):  # cls-svf1, filler side
                    for x in list(self.inn[rp].get(s, ())):
                        add(x, TYPE, r)
                if o in t.avf_by_restriction:  # cls-avf, restriction side
                    ap, filler = t.avf_by_restriction[o]
                    for y in list(self.out[ap].get(s, ())):
                        if y[0] != '"':
                            add(y, TYPE, filler)
            for q in t.sup_props.get(p, ()):  # prp-spo1, prp-eqp
                add(s, q, o)
            for c in t.domains.get(p, ()):  # prp-dom
                add(s, TYPE, c)
            if not literal:
                for c in t.ranges.get(p, ()):  # prp-rng
                    add(o, TYPE, c)
                for q in t.inverse.get(p, ()):  # prp-inv1/2
                    add(o, q, s)
                if p in t.symmetric:  # prp-symp
                    add(o, p, s)
                if p in t.transitive:  # prp-trp
                    for z in list(self.out[p].get(o, ())):
                        add(s, p, z)
                    for w in list(self.inn[p].get(s, ())):
                        add(w, p, o)
                for r, filler in t.svf_by_prop.get(p, ()):  # cls-svf1, property side
                    if filler == t.thing or filler in self.types.get(o, ()):
                        add(s, TYPE, r)
                for r, filler in t.avf_by_prop.get(p, ()):  # cls-avf, property side
                    if r in self.types.get(s, ()):
                        add(o, TYPE, filler)
                for chain_prop, steps, i in t.chains.get(p, ()):  # prp-spo2
                    for x in self._walk(s, steps[:i][::-1], self.inn):
                        for z in self._walk(o, steps[i + 1:], self.out):
                            add(x, chain_prop, z)
            for r in t.hv_by_prop_value.get((p, o), ()):  # cls-hv2
                add(s, TYPE, r)

    def _walk(self, start: str, steps: list[str], index: dict[str, dict[str, set[str]]]) -> set[str]:
        frontier = {start}
        for step in steps:
            nxt: set[str] = set()
            for n in frontier:
                nxt.update(index[step].get(n, ()))
            frontier = nxt
            if not frontier:
                break
        return frontier


class RulesEngine(Engine):
    """The default engine: owlrl on the schema (cached), compiled data rules on the rest."""

    name = "rules"

    def __init__(self) -> None:
        from .. import __version__

        self.version = f"loopsource {__version__} (schema closure by owlrl {_pkg_version('owlrl')})"
        self.note = ""

    def schema_closure(self, schema: list[Triple]) -> set[Triple]:
        key = hashlib.sha256(("\n".join(sorted(f"{s} {p} {o}" for s, p, o in schema)) + self.version).encode()).hexdigest()
        cache = _cache_dir() / f"schema-{key[:32]}.nt"
        try:
            return set(parse_ntriples(cache.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            pass
        closure = _owlrl_expand(schema)
        try:
            atomic_write(cache, to_ntriples(sorted(closure)))
        except OSError as e:  # a read-only home is no reason to fail
            log.debug("schema closure not cached: %s", e)
        return closure

    def closure(self, schema_and_data: list[Triple]) -> set[Triple]:
        schema = [t for t in schema_and_data if is_schema(t)]
        unsupported = sorted({x for s, p, o in schema_and_data for x in (p, o) if x in _UNSUPPORTED})
        if unsupported:
            self.note = f"schema uses {', '.join(unsupported)}: the rules engine handed the job to owlrl"
            log.warning(self.note)
            return _owlrl_expand(schema_and_data)
        tbox = self.schema_closure(schema)
        chainer = _Chainer(_Tables(tbox))
        for s, p, o in tbox:
            chainer.add(s, p, o)
        for s, p, o in schema_and_data:
            chainer.add(s, p, o)
        chainer.run()
        return set(chainer.all)


# the ``sparql`` engine (sparql_engine.py, built on this module) adds itself here
ENGINES: dict[str, type[Engine]] = {"rules": RulesEngine, "owlrl": OwlrlEngine}
DEFAULT_ENGINE = "rules"


def get_engine(name: str) -> Engine:
    try:
        return ENGINES[name]()
    except KeyError:
        raise UsageError(f"unknown reasoning engine {name!r}: one of {', '.join(ENGINES)}") from None
