"""What pySHACL sees: a targeted subgraph of candidate focus nodes, or the whole data.

Converting a 10^6-triple store into an rdflib graph costs more than a minute, and pySHACL
on the pyoxigraph store is ~50x slower than on rdflib (bench/README.md, "Validation"). So
pySHACL gets the candidate focus nodes, found from the index by rules compiled from the
shapes (a sound over-approximation: every node that can violate a constraint is a candidate;
constraints not understood here make every focus node of the shape a candidate), described
with the predicates the shapes mention, closed over the nodes they point to, plus
rdfs:subClassOf. pySHACL then gives the exact answer on that subgraph. Shapes that
SHACL-SPARQL, SHACL-AF rules or closed shapes make non-local need the whole graph instead.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD

from ..rdf.vocab import GRAPHS, LS
from ..store import GraphStore
from .index import Index, numeric
from .terms import DCT_SOURCE, IN_FORCE_FROM, IN_FORCE_UNTIL, OWL_CLASS, RDF_TYPE, RULE_CODE, to_ox, to_rdflib

_SPARQL_FEATURES = (SH.sparql, SH.select, SH.ask, SH.target, SH.rule, SH.SPARQLTarget, SH.SPARQLConstraint,
                    SH.js, SH.jsFunctionName)
_PAIR_PREDICATES = (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals)
_LEXICAL = {str(XSD.decimal): re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)"), str(XSD.integer): re.compile(r"[+-]?\d+"),
            str(XSD.boolean): re.compile(r"true|false|1|0"),
            str(XSD.double): re.compile(r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF)|-INF|NaN"),
            str(XSD.date): re.compile(r"-?\d{4,}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?")}
_NODE_KINDS = {SH.IRI: (ox.NamedNode,), SH.Literal: (ox.Literal,), SH.BlankNode: (ox.BlankNode,),
               SH.BlankNodeOrIRI: (ox.BlankNode, ox.NamedNode), SH.BlankNodeOrLiteral: (ox.BlankNode, ox.Literal),
               SH.IRIOrLiteral: (ox.NamedNode, ox.Literal)}
_RANGES = ((SH.minInclusive, ">="), (SH.maxInclusive, "<="), (SH.minExclusive, ">"), (SH.maxExclusive, "<"))

Values = Callable[[Any], list[Any]]  # focus node -> its value nodes along a shape's path
Check = Callable[[Any], bool]  # value node -> True when it may break a constraint


def needs_full_graph(shapes: rdflib.Graph) -> str | None:
    """Why the shapes cannot be checked on a targeted subgraph (None: they can)."""
    for p in _SPARQL_FEATURES:
        if (None, p, None) in shapes or (None, RDF.type, p) in shapes:
            return f"the shapes use {shapes.namespace_manager.normalizeUri(p)}"
    if (None, SH.closed, Literal(True)) in shapes:
        return "the shapes use sh:closed"
    return None


def _path_iris(shapes: rdflib.Graph, path: Any, seen: set[Any] | None = None) -> tuple[set[str], set[str]]:
    """(forward predicates, inverse predicates) a path can traverse."""
    seen = set() if seen is None else seen
    fwd: set[str] = set()
    inv: set[str] = set()
    if path in seen:
        return fwd, inv
    seen.add(path)
    if isinstance(path, URIRef):
        return {str(path)}, inv
    ip = shapes.value(path, SH.inversePath)
    if ip is not None:
        f, i = _path_iris(shapes, ip, seen)
        return i, f  # an inverse path swaps directions
    for p in (SH.alternativePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath):
        o = shapes.value(path, p)
        if o is not None:
            for it in (list(Collection(shapes, o)) if p == SH.alternativePath else [o]):
                f, i = _path_iris(shapes, it, seen)
                fwd |= f
                inv |= i
            return fwd, inv
    if (path, RDF.first, None) in shapes:  # sequence path
        for it in Collection(shapes, path):
            f, i = _path_iris(shapes, it, seen)
            fwd |= f
            inv |= i
    return fwd, inv


def referenced_predicates(shapes: rdflib.Graph) -> tuple[set[str], set[str]]:
    """(forward, inverse) predicates the shapes can read: what the subgraph describes nodes with."""
    fwd: set[str] = {LS + "id"}
    inv: set[str] = set()
    for path in shapes.objects(None, SH.path):
        f, i = _path_iris(shapes, path)
        fwd |= f
        inv |= i
    for p in _PAIR_PREDICATES:
        fwd |= {str(o) for o in shapes.objects(None, p) if isinstance(o, URIRef)}
    fwd |= {str(o) for o in shapes.objects(None, SH.targetSubjectsOf) if isinstance(o, URIRef)}
    inv |= {str(o) for o in shapes.objects(None, SH.targetObjectsOf) if isinstance(o, URIRef)}
    fwd.discard(RDF_TYPE)  # types come from the classes the shapes name (see Index.instances)
    return fwd, inv


def target_only_inverse(shapes: rdflib.Graph) -> frozenset[str]:
    """Inverse predicates read only to find the focus nodes of ``sh:targetObjectsOf``.

    The subgraph keeps their triples (pySHACL needs them to target the objects) but does not
    describe the subjects they lead to: at 10^6 triples ``targetObjectsOf ls:supplierSite``
    otherwise pulled every purchase into pySHACL's data graph (validated in vain: a node that
    is not a candidate conforms). Such a subject, undescribed, has no type in the subgraph,
    so no class target selects it. A predicate that an inverse path or ``sh:targetSubjectsOf``
    also reads is not target-only: the subjects it reaches may be value or focus nodes there.
    A forward path on it does not matter: its subjects are focus nodes only through their
    own targets, and a candidate is described in full anyway.
    """
    targets = {str(o) for o in shapes.objects(None, SH.targetObjectsOf) if isinstance(o, URIRef)}
    read: set[str] = {str(o) for o in shapes.objects(None, SH.targetSubjectsOf) if isinstance(o, URIRef)}
    for path in shapes.objects(None, SH.path):
        read |= _path_iris(shapes, path)[1]
    return frozenset(targets - read)


_LIMITS: dict[Any, float | None] = {}


def _compare(v: Any, lim: Any, op: str) -> bool:
    """v op lim for numbers or dates; False when not comparable (then the node is a candidate)."""
    if lim not in _LIMITS:
        _LIMITS[lim] = numeric(to_ox(lim))
    a, b = numeric(v), _LIMITS[lim]
    if a is None or b is None:
        if isinstance(v, ox.Literal) and isinstance(lim, Literal) and v.datatype.value == str(lim.datatype) \
                and v.datatype.value in (str(XSD.date), str(XSD.dateTime)):
            a, b = v.value, str(lim)  # type: ignore[assignment]
        else:
            return False
    return {">=": a >= b, "<=": a <= b, ">": a > b, "<": a < b}[op]  # type: ignore[operator]


def _count_candidates(cons: dict[Any, list[Any]], focus: set[Any], have: set[Any] | None,
                      values: Values) -> set[Any]:
    """Focus nodes that may break sh:minCount, sh:maxCount or sh:hasValue. Set arithmetic over
    the nodes that have values (``have``; None for a node shape's own value), because most
    focus nodes have exactly the values they should."""
    out: set[Any] = set()
    for n in cons.get(SH.minCount, []):
        if int(n) > 0:
            out |= (focus - have) if have is not None else set()
            if int(n) > 1:
                out |= {x for x in focus if len(set(values(x))) < int(n)}
    for n in cons.get(SH.maxCount, []):
        out |= {x for x in (have if have is not None else focus) if len(set(values(x))) > int(n)}
    for hv in cons.get(SH.hasValue, []):
        want = to_ox(hv)
        out |= {x for x in focus if want not in values(x)}
    return out


class Candidates:
    """Focus nodes that *may* violate a shape, answered from the index. Sound: a node that
    violates a constraint is always a candidate; constraints not understood here make every
    focus node of the shape a candidate, and pySHACL decides."""

    _SIMPLE = {SH.minCount, SH.maxCount, SH.datatype, SH["class"], SH.minInclusive, SH.maxInclusive,
               SH.minExclusive, SH.maxExclusive, SH["in"], SH.hasValue, SH.nodeKind, SH.minLength, SH.maxLength,
               SH.pattern, SH.flags}
    _IGNORED = {SH.path, SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group, SH.defaultValue,
                RDF.type, SH.property, SH.deactivated, RULE_CODE, DCT_SOURCE, IN_FORCE_FROM, IN_FORCE_UNTIL,
                SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, RDFS.comment,
                RDFS.label, SH.ignoredProperties}

    def __init__(self, index: Index, shapes: rdflib.Graph):
        self.ix, self.g = index, shapes

    def focus(self, shape: Any) -> set[Any]:
        g = self.g
        out: set[Any] = set()
        classes = set(g.objects(shape, SH.targetClass))
        if isinstance(shape, URIRef) and ((shape, RDF.type, RDFS.Class) in g or (shape, RDF.type, OWL_CLASS) in g):
            classes.add(shape)  # implicit class target
        for c in classes:
            out |= self.ix.instances(str(c))
        out |= {to_ox(o) for o in g.objects(shape, SH.targetNode) if to_ox(o) is not None}
        for p in g.objects(shape, SH.targetSubjectsOf):
            out |= set(self.ix.fetch(str(p)))
        for p in g.objects(shape, SH.targetObjectsOf):
            out |= set(self.ix.inverse(str(p)))
        return out

    def candidates(self, shape: Any) -> set[Any]:
        focus = self.focus(shape)
        found = self._shape(shape, focus, 0) if focus else set()
        return focus if found is None else found

    def _shape(self, shape: Any, focus: set[Any], depth: int) -> set[Any] | None:
        """None means: every focus node is a candidate."""
        g = self.g
        if depth > 8 or (shape, SH.deactivated, Literal(True)) in g:
            return None if depth > 8 else set()
        out: set[Any] = set()
        for p in set(g.predicates(shape, None)) - self._IGNORED - self._SIMPLE:
            if p in (SH["or"], SH["and"]):
                members = [self._shape(m, focus, depth + 1) for m in Collection(g, g.value(shape, p))]
                if g.value(shape, SH.path) is not None or any(m is None for m in members):
                    return None
                if p == SH["or"]:  # a node violates sh:or only if it violates every member
                    inter = set(focus)
                    for m in members:
                        inter &= m  # type: ignore[operator]
                    out |= inter
                else:
                    for m in members:
                        out |= m  # type: ignore[operator]
                continue
            if p == SH["not"] and g.value(shape, SH.path) is None:
                for operand in g.objects(shape, p):  # a node violates sh:not S when it conforms to S
                    may = self._may_conform(operand, focus)
                    if may is None:
                        return None
                    out |= may
                continue
            return None  # sh:node, sh:xone, qualified shapes, sh:equals, ...: let pySHACL decide
        for ps in g.objects(shape, SH.property):
            s = self._shape(ps, focus, depth + 1)
            if s is None:
                return None
            out |= s
        s = self._values_check(shape, focus)
        if s is None:
            return None
        return out | s

    def _may_conform(self, shape: Any, focus: set[Any]) -> set[Any] | None:
        """Focus nodes that may conform to ``shape`` (None: cannot tell), for sh:not. Understood:
        a property shape with sh:minCount n >= 1: a conforming node has n values along the path,
        each an instance of every sh:class (instances as the index types them, which are the
        types pySHACL's subgraph holds). Its other constraints are ignored: they only remove
        conforming nodes, so the set stays a superset. At 10^6 triples this keeps the 15,000
        supplier sites of lsdq:BuyerSiteSells out of pySHACL's subgraph (those without a buyer)."""
        g = self.g
        path, least = g.value(shape, SH.path), max((int(n) for n in g.objects(shape, SH.minCount)), default=0)
        values = self._values_along(path) if path is not None and least >= 1 else None
        if values is None:
            return None
        classes = [self.ix.instances(str(c)) for c in g.objects(shape, SH["class"])]
        out: set[Any] = set()
        for x in focus:
            vs = set(values(x))
            if len(vs) >= least and all(v in inst for inst in classes for v in vs):
                out.add(x)
        return out

    def _values_check(self, shape: Any, focus: set[Any]) -> set[Any] | None:
        """Focus nodes that may break one of the shape's simple constraints (None: cannot tell)."""
        g = self.g
        cons = {p: list(g.objects(shape, p)) for p in self._SIMPLE}
        cons = {p: v for p, v in cons.items() if v}
        if not cons:
            return set()
        path = g.value(shape, SH.path)
        values = self._values_along(path)
        if values is None:
            return None
        have = None if path is None else {x for x in focus if values(x)}
        out = _count_candidates(cons, focus, have, values)
        checks = self._value_checks(shape, cons)
        if checks is None:
            return None
        if checks:
            for x in (have if have is not None else focus):
                for v in values(x):
                    if any(check(v) for check in checks):
                        out.add(x)
                        break
        return out

    def _values_along(self, path: Any) -> Values | None:
        """How to read a focus node's values: itself (no path), a predicate or an inverse predicate."""
        if path is None:
            return lambda x: [x]
        if isinstance(path, URIRef):
            d = self.ix.fetch(str(path))
        else:
            ip = self.g.value(path, SH.inversePath)
            if not isinstance(ip, URIRef):
                return None
            d = self.ix.inverse(str(ip))
        return lambda x: d.get(x, [])

    def _value_checks(self, shape: Any, cons: dict[Any, list[Any]]) -> list[Check] | None:
        """One test per value constraint (datatype, class, range, in, length, pattern, node kind)."""
        checks: list[Check] = []
        for dt in cons.get(SH.datatype, []):
            lex = _LEXICAL.get(str(dt))
            checks.append(lambda v, dt=str(dt), lex=lex: not isinstance(v, ox.Literal) or v.datatype.value != dt
                          or (lex is not None and not lex.fullmatch(v.value)))
        for c in cons.get(SH["class"], []):
            inst = self.ix.instances(str(c))
            checks.append(lambda v, inst=inst: v not in inst)
        for p, op in _RANGES:
            for lim in cons.get(p, []):
                checks.append(lambda v, lim=lim, op=op: not _compare(v, lim, op))
        for lst in cons.get(SH["in"], []):
            allowed = {to_ox(m) for m in Collection(self.g, lst)}
            checks.append(lambda v, allowed=allowed: v not in allowed)
        for n in cons.get(SH.minLength, []):
            checks.append(lambda v, n=int(n): isinstance(v, ox.BlankNode) or len(v.value) < n)
        for n in cons.get(SH.maxLength, []):
            checks.append(lambda v, n=int(n): isinstance(v, ox.BlankNode) or len(v.value) > n)
        for pat in cons.get(SH.pattern, []):
            flags = str(self.g.value(shape, SH.flags) or "")
            try:
                rx = re.compile(str(pat), (re.I if "i" in flags else 0) | (re.S if "s" in flags else 0)
                                | (re.M if "m" in flags else 0) | (re.X if "x" in flags else 0))
            except re.error:
                return None
            checks.append(lambda v, rx=rx: isinstance(v, ox.BlankNode) or not rx.search(v.value))
        for k in cons.get(SH.nodeKind, []):
            if k not in _NODE_KINDS:
                return None
            checks.append(lambda v, ok=_NODE_KINDS[k]: not isinstance(v, ok))
        return checks


def subgraph(index: Index, nodes: set[Any], fwd: set[str], inv: set[str],
             leaf_inv: frozenset[str] = frozenset(), target_nodes: frozenset[Any] = frozenset()) -> rdflib.Graph:
    """The candidates described with the referenced predicates, closed over the IRIs they reach,
    with the types the shapes ask about and the class hierarchy. Subjects reached over a
    ``leaf_inv`` predicate (:func:`target_only_inverse`) are not described further unless they
    are candidates themselves or some shape's ``sh:targetNode``."""
    data = rdflib.Graph()
    bnodes: dict[str, BNode] = {}
    add = data.add
    conv = to_rdflib
    for s, p, o in index.subclass_triples:
        add((conv(s, bnodes), conv(p, bnodes), conv(o, bnodes)))
    done: set[Any] = set()
    todo = set(nodes)
    type_ = RDF.type
    while todo:
        x = todo.pop()
        if x in done:
            continue
        done.add(x)
        rx = conv(x, bnodes)
        for c in index.types.get(x, ()):
            add((rx, type_, URIRef(c)))
        for p in fwd:
            for o in index.fetch(p).get(x, ()):
                add((rx, URIRef(p), conv(o, bnodes)))
                if not isinstance(o, ox.Literal) and o not in done:
                    todo.add(o)
        for p in inv:
            for s in index.inverse(p).get(x, ()):
                add((conv(s, bnodes), URIRef(p), rx))
                if s not in done and (p not in leaf_inv or s in target_nodes):
                    todo.add(s)
    return data


def full_graph(store: GraphStore, graphs: list[str]) -> rdflib.Graph:
    """The whole union of ``graphs`` as one rdflib graph (the slow path)."""
    g = rdflib.Graph()
    for name in graphs:
        text = store.export(name, ox.RdfFormat.N_TRIPLES).decode("utf-8")
        if name == GRAPHS.inferred:  # types from asserted data only (see Index.type_graphs)
            text = "\n".join(line for line in text.splitlines() if f" <{RDF_TYPE}> " not in line)
        g.parse(data=text, format="nt")
    return g
