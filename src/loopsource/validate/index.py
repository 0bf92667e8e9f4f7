"""The triples validation needs, read once per predicate (or class) from the store."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import XSD

from ..rdf.vocab import GRAPHS, LS
from ..store import GraphStore
from .terms import RDF_TYPE, SUBCLASS

_NUMERIC = {str(XSD[n]) for n in ("decimal", "integer", "double", "float", "int", "long", "short", "byte",
                                  "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
                                  "unsignedInt", "unsignedLong")}


_LITERAL_TABLE = 20_000  # distinct literals of one predicate kept once each, at most (fetch)
_NONE = object()


class _Values(dict):
    """Subject -> its values of one predicate, read as a tuple. A single value (loopsource's own
    properties are single-valued: most entries) is held bare: its 1-tuple, made when it is read,
    was 48 bytes a value, some 27 MB at 1 M asserted triples."""

    __slots__ = ()

    def get(self, key: Any, default: Any = None) -> Any:
        v = dict.get(self, key, _NONE)
        return default if v is _NONE else v if type(v) is tuple else (v,)

    def __getitem__(self, key: Any) -> tuple[Any, ...]:
        v = dict.__getitem__(self, key)
        return v if type(v) is tuple else (v,)

    def items(self):  # type: ignore[override]
        return ((k, v if type(v) is tuple else (v,)) for k, v in dict.items(self))

    def values(self):  # type: ignore[override]
        return (v if type(v) is tuple else (v,) for v in dict.values(self))


class Index:
    """The triples validation needs, read once per predicate (or class) from the store.

    Why not SPARQL: on a 10^6-triple Oxigraph store every query that joins over all
    purchases costs seconds (measured ~10 s for a 5-pattern COUNT over 50,000 purchases on
    the bench machine), and validation would need one per constraint. Reading the
    quads of each predicate the shapes mention once, and answering from Python dicts, is one
    pass over the relevant data for all constraints and all aggregates together."""

    def __init__(self, store: GraphStore, graphs: list[str]):
        self.store, self.graphs = store, graphs
        self.out: dict[str, dict[Any, list[Any]]] = {}
        self.inv: dict[str, dict[Any, list[Any]]] = {}
        # node -> the fetched classes it is an instance of, as a tuple: most nodes have one, and a
        # set of one is 216 bytes against a 1-tuple's 56 (about 140 MB at 10 M asserted triples)
        self.types: dict[Any, tuple[str, ...]] = {}
        self._instances: dict[str, set[Any]] = {}
        self.super: dict[str, set[str]] = defaultdict(set)  # class -> direct superclasses
        self.sub: dict[str, set[str]] = defaultdict(set)
        self.subclass_triples: list[tuple[Any, Any, Any]] = []
        for s, p, o in self.pattern(None, ox.NamedNode(SUBCLASS), None):
            if isinstance(s, ox.NamedNode) and isinstance(o, ox.NamedNode):
                self.super[s.value].add(o.value)
                self.sub[o.value].add(s.value)
                self.subclass_triples.append((s, p, o))
        self.patterns = 0
        # One Python object per IRI or blank node read: each pattern makes new term objects, and
        # a purchase node named by a dozen fetched predicates was a dozen objects, each with its
        # own copy of the IRI (validate at 1 M: 408 -> 315 MB peak with this). Literals: see fetch.
        self._nodes: dict[Any, Any] = {}
        # Types come from the ontology and asserted graphs only: the OWL 2 RL closure types
        # every object of ls:buyerSite as an ls:Site (rdfs:range), so with inferred types every
        # reference check (sh:class) would pass whatever the data says. SHACL is closed-world;
        # pySHACL follows rdfs:subClassOf itself, so superclasses are not lost.
        self.type_graphs = [g for g in graphs if g != GRAPHS.inferred]

    def pattern(self, s: Any, p: Any, o: Any, graphs: list[str] | None = None) -> Iterable[tuple[Any, Any, Any]]:
        return self.store.triples(s, p, o, self.graphs if graphs is None else graphs)

    def fetch(self, p: str) -> dict[Any, list[Any]]:
        if p not in self.out:
            self.patterns += 1
            shared = self._nodes.setdefault
            # Literals of a predicate whose values repeat (dates, shares) are kept once each, too:
            # 185 bytes a literal object, some 25 MB at 1 M asserted triples. A predicate with more
            # than _LITERAL_TABLE distinct values (masses, ids, names) stops sharing: its table
            # would cost more than it saves.
            lits: dict[Any, Any] | None = {}
            d = _Values()
            raw_get = dict.get
            for s, _p, o in self.pattern(None, ox.NamedNode(p), None):
                if not isinstance(o, ox.Literal):
                    o = shared(o, o)
                elif lits is not None:
                    o = lits.setdefault(o, o)
                    if len(lits) > _LITERAL_TABLE:
                        lits = None
                s = shared(s, s)
                held = raw_get(d, s, _NONE)
                d[s] = o if held is _NONE else (*held, o) if type(held) is tuple else (held, o)
            self.out[p] = d
        return self.out[p]

    def inverse(self, p: str) -> dict[Any, list[Any]]:
        if p not in self.inv:
            d: dict[Any, list[Any]] = defaultdict(list)
            for s, objs in self.fetch(p).items():
                for o in objs:
                    d[o].append(s)
            self.inv[p] = d
        return self.inv[p]

    def subclasses(self, c: str) -> set[str]:
        return {c} | _closure(c, self.sub)

    def superclasses(self, c: str) -> set[str]:
        return {c} | _closure(c, self.super)

    def instances(self, cls: str) -> set[Any]:
        """SHACL instances of cls: typed with cls or one of its subclasses (any fetched graph)."""
        if cls not in self._instances:
            out: set[Any] = set()
            for c in self.subclasses(cls):
                if c in self._instances and c != cls:
                    out |= self._instances[c]
                    continue
                self.patterns += 1
                for s, _p, _o in self.pattern(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(c), self.type_graphs):
                    s = self._nodes.setdefault(s, s)
                    out.add(s)
                    known = self.types.get(s, ())
                    if c not in known:
                        self.types[s] = (*known, c)
            self._instances[cls] = out
        return self._instances[cls]

    def classes_of(self, node: Any) -> set[str]:
        """Every class of one node (its types and their superclasses)."""
        out: set[str] = set()
        for _s, _p, o in self.pattern(node, ox.NamedNode(RDF_TYPE), None, self.type_graphs):
            if isinstance(o, ox.NamedNode):
                out |= self.superclasses(o.value)
        return out

    def release(self) -> None:
        """Drop what was read (every value of every predicate read, the types of every node):
        at 10^7 triples gigabytes, while the facts computed from them are a fraction of it. The
        index still answers afterwards, reading the store again."""
        self.out, self.inv, self._instances, self._nodes, self.types = {}, {}, {}, {}, {}

    def one(self, p: str, s: Any) -> Any:
        v = self.fetch(p).get(s)
        return v[0] if v else None


def _closure(c: str, sub: Mapping[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(sub.get(c, ()))
    while todo:
        x = todo.pop()
        if x not in seen:
            seen.add(x)
            todo.extend(sub.get(x, ()))
    return seen


def numeric(t: Any) -> float | None:
    """The value of a numeric literal (any XSD numeric datatype), else None."""
    if isinstance(t, ox.Literal) and t.datatype.value in _NUMERIC:
        try:
            return float(t.value)
        except ValueError:
            return None
    return None


def node_id(index: Index, node: Any) -> str:
    """The node's CSV id (ls:id) where it has one, else its IRI."""
    v = index.one(LS + "id", node)
    return v.value if v is not None else (node.value if isinstance(node, ox.NamedNode) else str(node))
