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
* given and derived triples are kept in one insertion-ordered dict instead of a closure set
  plus a set of the given triples: the given ones come first, so the inferred triples are
  the entries after them, written out as they are read (no sorted copy).

The closure is the same as :meth:`RulesEngine.infer` gives (tests compare them on generated
data and on the W3C OWL 2 RL cases); a schema outside what the rules engine supports makes
:func:`infer_stream` return None and the caller uses the in-memory path (owlrl).
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from ..rdf.stream import triples
from ..rdf.terms import Triple
from .engine import _UNSUPPORTED, TYPE, RulesEngine, _Chainer, _Tables, is_noise, is_schema

# Text that every schema triple and every unsupported construct contains (OWL, RDFS, RDF lists,
# blank nodes): a chunk of N-Triples without any of them holds only data triples.
_MARKERS = ("/2002/07/owl#", "/2000/01/rdf-schema#", "22-rdf-syntax-ns#first", "22-rdf-syntax-ns#rest", "_:")

Source = Callable[[], Iterable[bytes]]  # a fresh stream of N-Triples chunks at each call


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
    derives = ({q for qs in t.sup_props.values() for q in qs} | {q for qs in t.inverse.values() for q in qs}
               | {hp for hp, _ in t.hv_by_restriction.values()}
               | {prop for steps in t.chains.values() for prop, _, _ in steps} | {p for _, p, _ in tbox})
    return frozenset(reads | derives | {TYPE})


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
    keep = kept_predicates(tables, tbox)
    chainer = _Chainer(tables)
    add, intern = chainer.add, sys.intern
    for s, p, o in ontology:
        add(s, p, o)
    n, onto = 0, len(chainer.all)
    for s, p, o in triples(asserted()):
        n += 1
        if p in keep:
            add(intern(s), intern(p), intern(o))
    given = len(chainer.all)
    for s, p, o in tbox:
        add(s, p, o)
    chainer.run()
    inferred = (t for t in islice(chainer.all, given, None) if not is_noise(*t))
    return StreamInference(inferred, n, given - onto, time.perf_counter() - t0, eng.name, eng.version)


__all__ = ["StreamInference", "infer_stream", "kept_predicates"]
