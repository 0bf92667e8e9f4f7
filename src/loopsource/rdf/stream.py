"""N-Triples read as a stream of chunks: large graphs are never held whole as text or as a list.

A store hands a graph over in chunks (``GraphStore.export_chunks``: a side-car file read
4 MiB at a time, or a server's response); these functions cut the chunks into lines and
canonical N-Triples lines (pyoxigraph's: one space between terms, `` .`` at the end) into
triples of terms, as :func:`loopsource.rdf.terms.parse_ntriples` does for a whole text.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from .terms import Triple


def lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """The lines of an N-Triples stream, whatever the chunk boundaries (UTF-8 is cut at newlines only)."""
    rest = b""
    for chunk in chunks:
        if not chunk:
            continue
        data = rest + chunk if rest else chunk
        cut = data.rfind(b"\n") + 1
        rest = data[cut:]
        if cut:
            yield from data[:cut].decode("utf-8").splitlines()
    if rest:
        yield from rest.decode("utf-8").splitlines()


def triples(chunks: Iterable[bytes]) -> Iterator[Triple]:
    """Canonical N-Triples as triples of terms (comment and empty lines skipped)."""
    for line in lines(chunks):
        if line and line[0] != "#":
            s, p, o = line[:-2].split(" ", 2)
            yield s, p, o


__all__ = ["lines", "triples"]
