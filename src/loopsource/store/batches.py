"""Batches of triples for ``INSERT`` requests to a SPARQL server (store/remote.py): blank nodes
linked by triples stay in one request, and batches with blank nodes take the form every server
accepts."""
from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

BNODE_BATCH = 500  # triples per request for batches with blank nodes (INSERT {} WHERE {}, see insert_text)


def has_bnode(t: ox.Triple) -> bool:
    return isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)


def insert_text(graph: str, batch: list[ox.Triple]) -> str:
    """The update that adds one batch to ``graph``.

    Virtuoso 7.2 refuses blank nodes in ``INSERT DATA`` ("SP031: Blank node '_:b' is not
    allowed in a constant clause"), although SPARQL 1.1 Update allows them; a batch with
    blank nodes is therefore sent as ``INSERT { ... } WHERE {}``, which every server
    accepts and which, like INSERT DATA, makes one fresh node per label for the request.
    Batches without blank nodes stay ``INSERT DATA`` (cheaper to parse for every server).
    """
    body = (ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")
    if any(has_bnode(t) for t in batch):
        return f"INSERT {{ GRAPH <{graph}> {{\n{body}}} }} WHERE {{}}"
    return f"INSERT DATA {{ GRAPH <{graph}> {{\n{body}}} }}"


def batches(triples: list[ox.Triple], size: int) -> Iterable[list[ox.Triple]]:
    """Batches of about ``size`` triples in which blank nodes linked by triples stay together.

    Each request makes fresh blank nodes, so a blank node split over two requests would
    become two nodes (an OWL restriction would lose its property). Triples with blank nodes
    go in batches of their own of at most ``BNODE_BATCH`` triples (or one linked group),
    sent as ``INSERT {} WHERE {}`` (see :func:`insert_text`): Virtuoso compiles such a
    template into one SQL statement, and templates of thousands of triples take it seconds.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def bnodes(t: ox.Triple) -> list[str]:
        return [n.value for n in (t.subject, t.object) if isinstance(n, ox.BlankNode)]

    for t in triples:
        bs = bnodes(t)
        for b in bs[1:]:
            parent[find(b)] = find(bs[0])
        if bs:
            find(bs[0])
    groups: dict[str, list[ox.Triple]] = {}
    batch: list[ox.Triple] = []
    for t in triples:
        bs = bnodes(t)
        if bs:
            groups.setdefault(find(bs[0]), []).append(t)
        else:
            batch.append(t)
            if len(batch) >= size:
                yield batch
                batch = []
    if batch:
        yield batch
        batch = []
    for group in groups.values():
        if batch and len(batch) + len(group) > min(size, BNODE_BATCH):
            yield batch
            batch = []
        batch += group
    if batch:
        yield batch
