"""Build: load a data directory and write ontology + asserted graphs into a store.

The inferred graph is emptied and marked stale by every build; ``loopsource reason``
fills it again.
"""
from __future__ import annotations

import csv
import io
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox

from .. import resources
from ..files import atomic_write, removed_on_failure
from ..progress import Progress, Tick, counting, silent
from ..rdf.vocab import GRAPHS
from ..store import EmbeddedStore, GraphStore, Stream, as_ntriples
from ..store.meta import activity_triples
from ..emission_factors import FactorTable, packaged_table
from .loader import LoadResult, load_directory
from .mapping import ExportMapping
from .transport import TransportCollector

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildResult:
    store: str
    rows: dict[str, int]
    rejected: int
    rejected_file: str | None
    warnings: tuple[str, ...]
    triples: dict[str, int]  # graph name -> triples
    seconds: float


#: The build's one long step, as progress reports name it.
STEP = "checking CSV and loading triples"


def ontology_graph_parts() -> list[tuple[str, ox.RdfFormat]]:
    return [(text, ox.RdfFormat.TURTLE) for _, text in resources.ontology_texts()]


def build(data_dir: Path, store: GraphStore | Path, *, skip_invalid: bool = False,
          on_progress: Progress = silent, mapping: ExportMapping | None = None,
          emission_factors: FactorTable | None = None) -> BuildResult:
    """Load ``data_dir`` and replace the store's ontology and asserted graphs (inferred: emptied, stale).

    ``on_progress`` hears the CSV-derived triples as they are loaded (loopsource.progress);
    ``mapping`` reads ERP exports in place of contract files (load/mapping.py).
    The asserted graph also gets each purchase's ISO 14083 transport distance and the
    emission factors in use (``emission_factors``, default the packaged table; load/transport.py)."""
    t0 = time.perf_counter()
    table = emission_factors if emission_factors is not None else packaged_table()
    legs = TransportCollector()
    started = datetime.now(timezone.utc)
    onto = ontology_graph_parts()
    box: list[LoadResult] = []

    def meta() -> str:
        # Evaluated after the asserted graph is loaded, so the counts and end time are true.
        return "\n".join(activity_triples("build", "stale", started, datetime.now(timezone.utc),
                                          counts={"asserted": box[0].triples})) + "\n"

    on_progress(Tick("build", STEP, 0, None, "triples"))
    loaded_triples = counting(on_progress, "build", STEP, "triples")
    if isinstance(store, Path):
        # Embedded: the store bulk-loads CSV-derived triples while the loader checks the rest.
        def produce(write) -> None:
            def counted(chunk: bytes) -> None:  # one N-Triples line per triple
                write(chunk)
                legs.feed(chunk.decode("utf-8"))
                loaded_triples(chunk.count(b"\n"))

            box.append(load_directory(Path(data_dir), skip_invalid=skip_invalid, sink=counted, mapping=mapping))
            for text in legs.ntriples_chunks(table):  # a chunk at a time (held whole: 300 MB at 10 M)
                write(text.encode("utf-8"))
            for _, text, fmt in box[0].user_rdf:
                write(as_ntriples(text, fmt))

        graphs = {GRAPHS.ontology: onto, GRAPHS.inferred: [], GRAPHS.meta: [(meta, ox.RdfFormat.N_TRIPLES)]}
        with removed_on_failure(store):  # a failed first build leaves no empty store folder
            gs: GraphStore = EmbeddedStore.create(store, graphs, Stream(GRAPHS.asserted, produce))
        loaded = box[0]
    else:
        # A server gets the triples in batches as the loader makes them (never held whole).
        def produce_remote(write) -> None:
            box.append(load_directory(Path(data_dir), skip_invalid=skip_invalid, sink=write, mapping=mapping))

        def asserted_parts():
            for chunk in pulled(produce_remote):
                loaded_triples(chunk.count(b"\n"))
                legs.feed(chunk.decode("utf-8"))
                yield chunk, ox.RdfFormat.N_TRIPLES
            yield from ((text, ox.RdfFormat.N_TRIPLES) for text in legs.ntriples_chunks(table))  # their legs
            yield from ((text, fmt) for _, text, fmt in box[0].user_rdf)

        gs = store
        gs.replace_graphs({
            GRAPHS.ontology: onto,
            GRAPHS.asserted: asserted_parts(),
            GRAPHS.inferred: [],
            GRAPHS.meta: [(meta, ox.RdfFormat.N_TRIPLES)],
        })
        loaded = box[0]
    on_progress(Tick("build", STEP, loaded.triples, None, "triples", final=True))
    log.info("loaded %d CSV-derived triples from %s in %.2fs", loaded.triples, data_dir, time.perf_counter() - t0)
    rejected_file = None
    if loaded.rejected:
        rejected_file = write_rejected(gs, loaded)
    triples = {name: gs.count(GRAPHS.by_name(name)) for name in ("ontology", "asserted", "inferred")}
    return BuildResult(
        store=gs.description,
        rows=loaded.rows,
        rejected=len(loaded.rejected),
        rejected_file=rejected_file,
        warnings=loaded.warnings,
        triples=triples,
        seconds=time.perf_counter() - t0,
    )


def pulled(produce: Callable[[Callable[[bytes], None]], object], depth: int = 4) -> Iterator[bytes]:
    """The chunks ``produce(write)`` writes, pulled one by one: the producer runs in a thread and
    waits while ``depth`` chunks are not taken yet; its exception is raised here."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    failure: list[BaseException] = []
    stop = threading.Event()

    def put(chunk: bytes) -> None:
        while not stop.is_set():
            try:
                q.put(chunk, timeout=0.5)
                return
            except queue.Full:
                continue
        raise BrokenPipeError("the consumer stopped")

    def run() -> None:
        try:
            produce(put)
        except BaseException as e:  # noqa: BLE001 - raised again in the consumer's thread
            failure.append(e)
        finally:
            while not stop.is_set():
                try:
                    q.put(done, timeout=0.5)
                    break
                except queue.Full:
                    continue

    thread = threading.Thread(target=run, name="load-producer", daemon=True)
    thread.start()
    try:
        while (item := q.get()) is not done:
            yield item
    finally:
        stop.set()
        thread.join()
    if failure and not isinstance(failure[0], BrokenPipeError):
        raise failure[0]


def write_rejected(store: GraphStore, loaded: LoadResult) -> str:
    """Rejected rows go to a CSV beside the store: file, line, column, reason, and the row itself."""
    if isinstance(store, EmbeddedStore):
        target = store.root.with_name(store.root.name + ".rejected.csv")
    else:
        target = Path("loopsource.rejected.csv")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["file", "line", "column", "reason", "row"])
    for r in loaded.rejected:
        raw = ",".join(f"{k}={v}" for k, v in r.values.items())
        for p in r.problems:
            w.writerow([r.file, r.line, p.column or "", p.reason, raw])
    atomic_write(target, buf.getvalue().encode("utf-8"))
    return str(target)
