"""The reason stage: replace a store's inferred graph with the clean OWL 2 RL closure of its
ontology and asserted graphs, atomically, and record the run in the meta graph."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

import pyoxigraph as ox

from ..errors import LoopsourceError
from ..rdf.terms import Triple, decimal_literal, parse_ntriples, to_ntriples
from ..rdf.vocab import GRAPHS
from ..store import GraphStore
from ..store.meta import activity_triples, without_activity
from .engine import DEFAULT_ENGINE, get_engine


@dataclass(frozen=True)
class ReasonResult:
    engine: str
    engine_version: str
    seconds: float
    asserted: int
    inferred: int
    note: str


def read_graph(store: GraphStore, graph: str) -> list[Triple]:
    return parse_ntriples(store.export(graph, ox.RdfFormat.N_TRIPLES).decode("utf-8"))


def reason(store: GraphStore, engine: str = DEFAULT_ENGINE) -> ReasonResult:
    """Replace the inferred graph with the clean closure of ontology + asserted, atomically."""
    started = datetime.now(timezone.utc)
    eng = get_engine(engine)
    ontology = read_graph(store, GRAPHS.ontology)
    asserted = read_graph(store, GRAPHS.asserted)
    if not ontology:
        raise LoopsourceError(f"{store.description}: the ontology graph is empty; run 'loopsource build' first")
    result = eng.infer(ontology, asserted)
    ended = datetime.now(timezone.utc)
    meta = activity_triples(
        "reason", "current", started, ended, generated=True,
        counts={"asserted": len(asserted), "inferred": len(result.triples)},
        details={"engine": result.engine, "engineVersion": result.engine_version,
                 "seconds": decimal_literal(Decimal(f"{result.seconds:.3f}"))})  # one lexical form: the store's
    meta_text = to_ntriples(without_activity(read_graph(store, GRAPHS.meta), "reason")) + "\n".join(meta) + "\n"
    store.replace_graphs({
        GRAPHS.inferred: [(to_ntriples(sorted(result.triples)), ox.RdfFormat.N_TRIPLES)],
        GRAPHS.meta: [(meta_text, ox.RdfFormat.N_TRIPLES)],
    })
    return ReasonResult(result.engine, result.engine_version, result.seconds, len(asserted), len(result.triples),
                        result.note)
