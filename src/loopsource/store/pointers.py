"""Generations of the big graphs on a remote endpoint, and the pointer graph that names the
current one.

SPARQL has no graph rename: ``MOVE`` copies every triple and ``DROP`` deletes every triple.
On ``oxigraph serve`` 0.5.13 moving 1.17 M triples took 147 s (bench/README.md), so a build of
11.6 M triples spent some 25 minutes copying its own load from the staging graph. So on a
remote endpoint the asserted and inferred graphs are written once, under a *generation* name
(``<.../graph/asserted#gen-HEX>``), and the pointer graph ``<.../graph/generations>`` says which
generation each one is::

    <.../graph/asserted> ls:currentGeneration <.../graph/asserted#gen-HEX> .

Replacing a graph is then one small update that rewrites its pointer (with the meta graph, in
the same request, so a transactional server applies both or neither), whatever the graph's
size. :class:`~loopsource.store.remote.RemoteStore` reads the pointers once per command and
writes every query's dataset and every graph IRI in a query or update (``GRAPH <...>``,
``USING <...>``, :func:`loopsource.rdf.sparql.rename_graphs`) with the current generation's
name. The previous generation is dropped after the switch; if that fails, or a load is cut off
before it, the next build removes it (:func:`leftovers`). A graph without a pointer is its own
generation, so an endpoint written by an older loopsource reads as before.

The ontology and meta graphs are small (a few thousand triples) and keep their names.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping

from ..rdf.vocab import GRAPH, GRAPHS, LS

POINTERS = GRAPH + "generations"
CURRENT = LS + "currentGeneration"
#: The graphs held as generations; the others are replaced by MOVE (they are small).
GENERATIONAL = (GRAPHS.asserted, GRAPHS.inferred)
_MARK = "#gen-"

POINTERS_QUERY = f"SELECT ?g ?p WHERE {{ GRAPH <{POINTERS}> {{ ?g <{CURRENT}> ?p }} }}"


def new_generation(graph: str) -> str:
    """A fresh name for a new generation of ``graph``."""
    return f"{graph}{_MARK}{uuid.uuid4().hex}"


def is_generation(name: str) -> bool:
    return name.split(_MARK)[0] in GENERATIONAL and _MARK in name


def read(rows: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The pointers, from the rows of :data:`POINTERS_QUERY` (graph, generation); only those of
    the generational graphs to names of their own generations count."""
    return {g: p for g, p in rows if g in GENERATIONAL and p.startswith(g + _MARK)}


def repoint(generations: Mapping[str, str]) -> list[str]:
    """Update operations that make each generation current for its graph."""
    ops = []
    for graph, generation in generations.items():
        ops.append(f"DELETE {{ GRAPH <{POINTERS}> {{ <{graph}> <{CURRENT}> ?x }} }} "
                   f"WHERE {{ GRAPH <{POINTERS}> {{ <{graph}> <{CURRENT}> ?x }} }}")
        ops.append(f"INSERT DATA {{ GRAPH <{POINTERS}> {{ <{graph}> <{CURRENT}> <{generation}> }} }}")
    return ops


def leftovers(names: Iterable[str], pointers: Mapping[str, str]) -> list[str]:
    """Graphs on the endpoint that no query reads any more: generations no pointer names (a
    load or reasoning cut off before its switch, or a previous generation whose drop failed),
    and a generational graph under its own name once a pointer names another generation."""
    current = set(pointers.values())
    return sorted(n for n in names
                  if (is_generation(n) and n not in current) or (n in pointers and pointers[n] != n))
