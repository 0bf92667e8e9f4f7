"""The ``rules`` engine over a stream of asserted triples, for large stores.

The in-memory path (:meth:`RulesEngine.infer`) parses the whole asserted graph into a list,
keeps a set of every given triple beside the closure and returns the inferred triples as
one frozenset: at 1.16 M asserted triples that was 1 GB, and it grows with the data (about
15 GB at 10 M). This path computes the same closure with less held in memory:

* the asserted N-Triples are read twice as a stream (a file of the embedded store, a
  response of a server): first for schema triples and constructs the engine does not
  support (a chunk without an OWL, RDFS, RDF-list or blank-node term is skipped whole),
  then for the data;
* an asserted triple whose predicate no rule reads and no rule can derive (ids, names,
  dates, quantities, masses, ... : about half the triples of a purchase) is counted and
  dropped: it fires nothing, and since nothing derives it, it can never be an inferred
  triple that has to be left out as given. What remains is chained as before
  (:class:`engine._Chainer`), with terms interned;
* of the chained triples, only those a rule could also derive (rdf:type, super-, inverse,
  symmetric, transitive and chain properties) are remembered, in one dict with a flag for
  "given": a derived triple that the data also gives is not inferred. The others (masses,
  dates, shares: read by prp-dom and let go) were half of what the engine held;
* the chainer runs every 100,000 data triples, so its work list stays short (the rules do
  not depend on the order in which triples come).

The closure is the same as :meth:`RulesEngine.infer` gives (tests compare them on generated
data and on the W3C OWL 2 RL cases); a schema outside what the rules engine supports makes
:func:`infer_stream` return None and the caller uses the in-memory path (owlrl).
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ..rdf.stream import triples
from ..rdf.terms import Triple
from .engine import _UNSUPPORTED, TYPE, RulesEngine, _Chainer, _Tables, is_noise, is_schema

# Text that every schema triple and every unsupported construct contains (OWL, RDFS, RDF lists,
# blank nodes): a chunk of N-Triples without any of them holds only data triples.
_MARKERS = ("/2002/07/owl#", "/2000/01/rdf-schema#", "22-rdf-syntax-ns#first", "22-rdf-syntax-ns#rest", "_:")

Source = Callable[[], Iterable[bytes]]  # a fresh stream of N-Triples chunks at each call
_BATCH = 100_000  # data triples between two runs of the chainer


def _schema_scan(chunks: Iterable[bytes]) -> tuple[list[Triple], set[str]]:
    """(schema triples, unsupported constructs) of a stream, skipping chunks of plain data."""
    schema: list[Triple] = []
    unsupported: set[str] = set()

    def scan(text: str) -> None:
        for line in text.splitlines():
            if not line or line[0] == "#" or not any(m in line for m in _MARKERS):
                continue
            s, p, o = line[:-2].split(" ", 2)
            if is_schema((s, p, o)):
                schema.append((s, p, o))
            unsupported.update(x for x in (p, o) if x in _UNSUPPORTED)

    rest = ""
    for chunk in chunks:
        text = rest + chunk.decode("utf-8", errors="surrogateescape")
        cut = text.rfind("\n") + 1
        rest = text[cut:]
        if any(m in text[:cut] for m in _MARKERS):
            scan(text[:cut])
    scan(rest)
    return schema, unsupported


def kept_predicates(tables: _Tables, tbox: Iterable[Triple]) -> frozenset[str]:
    """Predicates a rule reads or derives (with rdf:type and the schema's own): the others are inert."""
    t = tables
    reads = (set(t.sup_props) | set(t.domains) | set(t.ranges) | set(t.inverse) | t.symmetric | t.transitive
             | set(t.svf_by_prop) | set(t.avf_by_prop) | set(t.chains) | {p for p, _ in t.hv_by_prop_value})
    return frozenset(reads | derivable_predicates(tables, tbox))


def derivable_predicates(tables: _Tables, tbox: Iterable[Triple]) -> frozenset[str]:
    """Predicates a triple can have and still be derived: rdf:type, the properties that
    prp-spo1/2, prp-eqp, prp-inv, prp-symp, prp-trp and cls-hv1 derive, and the schema's own
    (the schema closure adds triples with them)."""
    t = tables
    return frozenset({q for qs in t.sup_props.values() for q in qs} | {q for qs in t.inverse.values() for q in qs}
                     | t.symmetric | t.transitive | {hp for hp, _ in t.hv_by_restriction.values()}
                     | {prop for steps in t.chains.values() for prop, _, _ in steps} | {p for _, p, _ in tbox}
                     | {TYPE})


@dataclass(frozen=True)
class StreamInference:
    """The inferred triples (iterate once, while the result is alive) and what was counted."""

    inferred: Iterator[Triple]
    asserted: int  # asserted triples read
    kept: int  # of which chained (the rest are inert)
    seconds: float  # the engine's own time: reading and chaining
    engine: str
    engine_version: str


def infer_stream(ontology: list[Triple], asserted: Source, engine: RulesEngine | None = None) -> StreamInference | None:
    """The clean closure of ``ontology`` + the asserted stream, or None when the schema needs owlrl."""
    t0 = time.perf_counter()
    eng = engine or RulesEngine()
    schema, unsupported = _schema_scan(asserted())
    schema += [t for t in ontology if is_schema(t)]
    unsupported.update(x for _, p, o in ontology for x in (p, o) if x in _UNSUPPORTED)
    if unsupported:
        return None
    tbox = eng.schema_closure(schema)
    tables = _Tables(tbox)
    keep, derivable = kept_predicates(tables, tbox), derivable_predicates(tables, tbox)
    chainer = _Chainer(tables)
    given, intern = chainer.given, sys.intern
    for s, p, o in ontology:
        given(s, p, o, derivable)
    n = kept = 0
    for s, p, o in triples(asserted()):
        n += 1
        if p in keep:
            kept += 1
            given(intern(s), intern(p), intern(o), derivable)
            if kept % _BATCH == 0:
                chainer.run()  # the rules are order-free: chaining as the triples come keeps the work list short
    for s, p, o in tbox:
        chainer.add(s, p, o)
    chainer.run()
    inferred = (t for t, was_given in chainer.all.items() if not was_given and not is_noise(*t))
    return StreamInference(inferred, n, kept, time.perf_counter() - t0, eng.name, eng.version)


__all__ = ["StreamInference", "derivable_predicates", "infer_stream", "kept_predicates"]
