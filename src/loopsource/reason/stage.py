"""The reason stage: replace a store's inferred graph with the clean OWL 2 RL closure of its
ontology and asserted graphs, atomically, and record the run in the meta graph."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

import pyoxigraph as ox

from ..errors import LoopsourceError
from ..progress import Progress, Tick, silent
from ..rdf.terms import Triple, decimal_literal, parse_ntriples, to_ntriples
from ..rdf.vocab import GRAPHS
from ..store import EmbeddedStore, GraphStore
from ..store.meta import activity_triples, without_activity
from .engine import DEFAULT_ENGINE, RulesEngine, get_engine, is_schema
from .stream import infer_stream
from .sparql_engine import SparqlEngine, run_plan, schema_queries, unsupported_query


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


def default_engine(store: GraphStore) -> str:
    """``rules`` for the embedded store; ``sparql`` (reasoning inside the server, no download)
    for a SPARQL endpoint."""
    return DEFAULT_ENGINE if isinstance(store, EmbeddedStore) else SparqlEngine.name


def reason(store: GraphStore, engine: str | None = None, *, on_progress: Progress = silent,
           progress: Callable[[str], None] = lambda _m: None) -> ReasonResult:
    """Replace the inferred graph with the clean closure of ontology + asserted, atomically
    (on a remote store: as atomically as the server applies one update request). ``on_progress``
    hears each step with its triple count (loopsource.progress); ``progress`` takes log lines."""
    engine = engine or default_engine(store)
    if engine == SparqlEngine.name:
        return _reason_in_store(store, progress)
    if engine == RulesEngine.name and isinstance(store, EmbeddedStore):
        streamed = _reason_streaming(store, on_progress)
        if streamed is not None:
            return streamed
    return _reason_in_python(store, engine, on_progress=on_progress)


def _reason_streaming(store: EmbeddedStore, on_progress: Progress) -> ReasonResult | None:
    """The ``rules`` engine over the asserted graph as a stream (reason/stream.py), its inferred
    triples written straight into the new generation's file and bulk-loaded from there. None
    when the schema needs owlrl (then the in-memory path hands the job over)."""
    started = datetime.now(timezone.utc)
    ontology = read_graph(store, GRAPHS.ontology)
    if not ontology:
        raise LoopsourceError(f"{store.description}: the ontology graph is empty; run 'loopsource build' first")
    on_progress(Tick("reason", "inferring (rules), streamed", 0, None, "triples"))
    result = infer_stream(ontology, lambda: store.export_chunks(GRAPHS.asserted))
    if result is None:
        return None
    box: list[int] = []

    def produce(write) -> None:
        n, buf = 0, []
        for s, p, o in result.inferred:
            buf.append(f"{s} {p} {o} .\n")
            if len(buf) >= 100_000:
                n += len(buf)
                write("".join(buf).encode("utf-8"))
                buf = []
                on_progress(Tick("reason", "writing the inferred graph", n, None, "triples"))
        n += len(buf)
        write("".join(buf).encode("utf-8"))
        box.append(n)

    on_progress(Tick("reason", "writing the inferred graph"))
    meta_kept = without_activity(read_graph(store, GRAPHS.meta), "reason")

    def meta() -> bytes:  # after the inferred graph is written: its count and the end time are true
        lines = activity_triples(
            "reason", "current", started, datetime.now(timezone.utc), generated=True,
            counts={"asserted": result.asserted, "inferred": box[0]},
            details={"engine": result.engine, "engineVersion": result.engine_version,
                     "seconds": decimal_literal(Decimal(f"{result.seconds:.3f}"))})
        return (to_ntriples(meta_kept) + "\n".join(lines) + "\n").encode("utf-8")

    store.replace_streamed(GRAPHS.inferred, produce, {GRAPHS.meta: meta})
    on_progress(Tick("reason", "writing the inferred graph", box[0], None, "triples", final=True))
    return ReasonResult(result.engine, result.engine_version, result.seconds, result.asserted, box[0], "")


def _reason_in_python(store: GraphStore, engine: str, note: str = "", *,
                      on_progress: Progress = silent) -> ReasonResult:
    """The graphs read into Python, the engine run there, the inferred graph written back."""
    started = datetime.now(timezone.utc)
    eng = get_engine(engine)
    on_progress(Tick("reason", "reading graphs", 0, None, "triples"))
    ontology = read_graph(store, GRAPHS.ontology)
    asserted = read_graph(store, GRAPHS.asserted)
    on_progress(Tick("reason", "reading graphs", len(ontology) + len(asserted), None, "triples", final=True))
    if not ontology:
        raise LoopsourceError(f"{store.description}: the ontology graph is empty; run 'loopsource build' first")
    on_progress(Tick("reason", f"inferring ({engine})", 0, None, "triples"))
    result = eng.infer(ontology, asserted)
    on_progress(Tick("reason", f"inferring ({engine})", len(result.triples), None, "triples", final=True))
    ended = datetime.now(timezone.utc)
    meta = activity_triples(
        "reason", "current", started, ended, generated=True,
        counts={"asserted": len(asserted), "inferred": len(result.triples)},
        details={"engine": result.engine, "engineVersion": result.engine_version,
                 "seconds": decimal_literal(Decimal(f"{result.seconds:.3f}"))})  # one lexical form: the store's
    meta_text = to_ntriples(without_activity(read_graph(store, GRAPHS.meta), "reason")) + "\n".join(meta) + "\n"
    on_progress(Tick("reason", "writing the inferred graph"))
    store.replace_graphs({
        GRAPHS.inferred: [(to_ntriples(sorted(result.triples)), ox.RdfFormat.N_TRIPLES)],
        GRAPHS.meta: [(meta_text, ox.RdfFormat.N_TRIPLES)],
    })
    on_progress(Tick("reason", "writing the inferred graph", len(result.triples), None, "triples", final=True))
    return ReasonResult(result.engine, result.engine_version, result.seconds, len(asserted), len(result.triples),
                        "; ".join(x for x in (note, result.note) if x))


_READ = (GRAPHS.ontology, GRAPHS.asserted)


def _reason_in_store(store: GraphStore, progress: Callable[[str], None]) -> ReasonResult:
    """The ``sparql`` engine: rules compiled to SPARQL Update and run inside the store."""
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    eng = SparqlEngine()
    # the graphs as values: by the names the store holds them under (a server's generations)
    graph_values = "VALUES ?g { " + " ".join(f"<{store.physical(g)}>" for g in _READ) + " }"
    unsupported = sorted(str(r[0]) for r in store.select(unsupported_query(graph_values)).rows)
    if unsupported:
        return _reason_in_python(store, "rules", f"schema uses {', '.join(unsupported)}: the sparql engine "
                                                 "handed the job to the rules engine (the graphs are read)")
    if store.count_graph(GRAPHS.ontology) == 0:
        raise LoopsourceError(f"{store.description}: the ontology graph is empty; run 'loopsource build' first")
    rows = [row for q in schema_queries(graph_values) for row in store.select(q).rows]
    schema = sorted({t for t in ((str(s), str(p), str(o)) for s, p, o in rows) if is_schema(t)})
    asserted = store.count_graph(GRAPHS.asserted)
    meta_kept = without_activity(read_graph(store, GRAPHS.meta), "reason")
    # the embedded store applies everything at once: write straight into the inferred graph;
    # a server gets a new generation of it, made current by one last update request (promote)
    plan = eng.plan(schema, _READ, staging=GRAPHS.inferred if store.applies_atomically
                    else store.new_generation(GRAPHS.inferred))

    def work(writer) -> tuple[int, int]:
        try:
            if store.applies_atomically:
                writer.update(f"DROP SILENT GRAPH <{GRAPHS.inferred}>")
            rounds = run_plan(plan, writer, progress)
            inferred = writer.count_graph(plan.staging)
            meta = activity_triples(
                "reason", "current", started, datetime.now(timezone.utc), generated=True,
                counts={"asserted": asserted, "inferred": inferred},
                details={"engine": eng.name, "engineVersion": eng.version,
                         "seconds": decimal_literal(Decimal(f"{time.perf_counter() - t0:.3f}"))})
            writer.update(f"DROP SILENT GRAPH <{plan.work}>", moves=[plan.work])
            meta_ops = _meta_rewrite(to_ntriples(meta_kept) + "\n".join(meta) + "\n")
            if plan.staging == GRAPHS.inferred:
                writer.update(" ;\n".join(meta_ops))
            else:  # one request: a transactional server switches inferred and meta together
                writer.promote({GRAPHS.inferred: plan.staging}, also=meta_ops)
            return rounds, inferred
        except BaseException:
            _drop_quietly(writer, plan.staging, plan.work)
            raise

    kwargs = {"keep_sidecars": _READ} if isinstance(store, EmbeddedStore) else {}
    rounds, inferred = store.apply(work, **kwargs)
    progress(f"reasoned in the store: {rounds} rounds of {len(plan.rules)} SPARQL Update rules (semi-naive)")
    return ReasonResult(eng.name, eng.version, time.perf_counter() - t0, asserted, inferred, "")


def _meta_rewrite(meta_nt: str) -> list[str]:
    """Update operations that replace the meta graph with ``meta_nt``."""
    return [f"DROP SILENT GRAPH <{GRAPHS.meta}>", f"INSERT DATA {{ GRAPH <{GRAPHS.meta}> {{\n{meta_nt}}} }}"]


def _drop_quietly(writer, *graphs: str) -> None:
    try:
        writer.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs))
    except LoopsourceError:
        pass
