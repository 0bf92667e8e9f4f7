"""The store interface every stage talks to (never pyoxigraph or HTTP directly), so the same
commands work on one machine (store.embedded) and against a SPARQL 1.1 server (store.remote).
"""
from __future__ import annotations

import gc
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox

Term = ox.NamedNode | ox.BlankNode | ox.Literal
T = TypeVar("T")
DEFAULT_STORE = Path(".loopsource")


def move_ops(generations: Mapping[str, str]) -> list[str]:
    """Update operations that make each new graph (value) the graph it replaces (key): the old
    one dropped, the new one moved onto its name (SPARQL has no rename: the server copies it)."""
    return [op for g, new in generations.items() for op in (f"DROP SILENT GRAPH <{g}>", f"MOVE SILENT GRAPH <{new}> TO GRAPH <{g}>")]


def solution_rows(solutions: ox.QuerySolutions) -> tuple[tuple[Term | None, ...], ...]:
    """Every row of ``solutions`` as a tuple of terms (None for unbound), with the cyclic garbage
    collector paused while they are made.

    Why: a large result is hundreds of thousands of new tuples and terms, and each allocation
    burst starts a collection that walks the whole heap. In a process that already holds much
    (a report at scale, the query bench) that added 0.4 s to the 43,250 rows of
    ``transport-emissions`` at 1 M triples (1.7 s → 2.1 s). The tuples hold no cycles, so
    nothing is lost by collecting after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return tuple(tuple(sol) for sol in solutions)
    finally:
        if was_enabled:
            gc.enable()


@dataclass(frozen=True)
class SelectResult:
    """Rows of a SELECT query as pyoxigraph terms (None for unbound)."""

    variables: tuple[str, ...]
    rows: tuple[tuple[Term | None, ...], ...]

    def values(self) -> list[dict[str, object]]:
        """Rows with literals converted to Python values (numbers, strings), IRIs as strings."""
        return [{v: python_value(t) for v, t in zip(self.variables, r)} for r in self.rows]


def python_value(term: Term | None) -> object:
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        x = term.value
        try:
            if dt.endswith(("#integer", "#int", "#long", "#nonNegativeInteger")):
                return int(x)
            if dt.endswith(("#decimal", "#double", "#float")):
                return float(x)
            if dt.endswith("#boolean"):
                return x in ("true", "1")
        except ValueError:
            return x
        return x
    return term.value


class GraphStore(ABC):
    """What every stage needs from a store. Queries see the union of all named graphs.

    ``substitutions`` bind query parameters (name -> term) on every store by the one rewrite,
    :func:`loopsource.rdf.sparql.substitute`: the query means what it would mean with each
    value written into its text by hand.
    """

    @abstractmethod
    def select(self, query: str, substitutions: Mapping[str, Term] | None = None,
               graphs: Sequence[str] | None = None) -> SelectResult: ...

    @abstractmethod
    def ask(self, query: str, substitutions: Mapping[str, Term] | None = None) -> bool: ...

    @abstractmethod
    def construct(self, query: str, substitutions: Mapping[str, Term] | None = None,
                  graphs: Sequence[str] | None = None) -> list[ox.Triple]: ...

    @abstractmethod
    def raw_query(self, query: str, substitutions: Mapping[str, Term] | None,
                  result_format: ox.QueryResultsFormat | None) -> bytes | str:
        """Run a query and serialise its result in a SPARQL results format (or N-Triples for graphs)."""

    @abstractmethod
    def update(self, sparql_update: str, *, moves: Sequence[str] = ()) -> None:
        """Run a SPARQL Update. ``moves``: graphs it copies or drops whole (``MOVE``, ``DROP``),
        so that a server is given time in proportion to their size (RemoteStore.swap_timeout)."""

    @abstractmethod
    def replace_graphs(self, graphs: Mapping[str, Iterable[tuple[str, ox.RdfFormat]]]) -> None:
        """Replace each named graph with the given serialisations, all or nothing where the store allows."""

    def physical(self, graph: str) -> str:
        """The name under which the store holds ``graph`` now, for a query that names it as a
        value (``VALUES ?g { ... }``) rather than after GRAPH, FROM or USING. Here: itself."""
        return graph

    def new_generation(self, graph: str) -> str:
        """A fresh graph to write a new version of ``graph`` into, made ``graph`` by :meth:`promote`."""
        return f"{graph}#loading-{uuid.uuid4().hex}"

    def promote(self, generations: Mapping[str, str], also: Sequence[str] = ()) -> None:
        """Make each new generation (from :meth:`new_generation`) the graph it replaces, and run the
        update operations ``also``, in one update. Here by ``MOVE``; a remote store rewrites a
        pointer instead for its large graphs (store/pointers.py)."""
        self.update(" ;\n".join([*move_ops(generations), *also]), moves=[*generations, *generations.values()])

    @abstractmethod
    def export(self, graph: str | None, fmt: ox.RdfFormat) -> bytes:
        """Serialise one named graph (or, for None, all graphs as N-Quads/TriG)."""

    def export_chunks(self, graph: str) -> Iterable[bytes]:
        """One named graph as N-Triples, in chunks: a store that can streams it, so that a reader
        of a large graph never holds it whole. The default is the whole export as one chunk."""
        yield self.export(graph, ox.RdfFormat.N_TRIPLES)

    @abstractmethod
    def count(self, graph: str) -> int: ...

    def triples(self, s: Term | None, p: Term | None, o: Term | None,
                graphs: Sequence[str]) -> Iterable[tuple[Term, Term, Term]]:
        """Triples matching a pattern (None = any) in the given graphs. The default asks a SELECT,
        its given positions bound as parameters (the one rewrite of rdf.sparql.substitute, so a
        blank node cannot be given); the embedded store overrides it with a direct index scan."""
        subs = {k: v for k, v in (("s", s), ("p", p), ("o", o)) if v is not None}
        rows = self.select("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", substitutions=subs, graphs=graphs).rows
        for row in rows:
            yield tuple(subs.get(k, row[i]) for i, k in enumerate("spo"))  # type: ignore[misc]

    def count_graph(self, graph: str) -> int:
        """Triples in any named graph (also one outside the four loopsource graphs, such as a
        staging graph): the graph is the query's default graph."""
        res = self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", graphs=[graph])
        return int(res.rows[0][0].value)  # type: ignore[union-attr]

    #: True when :meth:`apply` is all or nothing (the embedded store); a remote store applies
    #: each update as it comes, so a caller that needs atomicity stages and swaps graphs itself.
    applies_atomically = False

    def apply(self, work: Callable[[Any], T]) -> T:
        """Run ``work(writer)``: several updates (``writer.update``) and counts
        (``writer.count_graph``) as one write. The default runs them on the store itself."""
        return work(self)

    @property
    @abstractmethod
    def description(self) -> str: ...

    def close(self) -> None:  # pragma: no cover - default no-op
        pass
