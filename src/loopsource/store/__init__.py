"""Graph stores: the interface (base), the embedded Oxigraph store (embedded), a SPARQL 1.1
endpoint (remote) and the meta graph protocol (meta). ``open_store`` turns command-line
options into a store.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from ..rdf.vocab import GRAPHS
from .base import DEFAULT_STORE, GraphStore, SelectResult, Term, python_value
from .embedded import EmbeddedStore, Stream, as_ntriples, database_dir, drop_graph_copies
from .remote import RemoteStore

__all__ = ["DEFAULT_STORE", "EmbeddedStore", "GraphStore", "RemoteStore", "SelectResult", "Stream", "Term",
           "as_ntriples", "database_dir", "drop_graph_copies", "graph_name", "open_store", "python_value"]


def open_store(store: Path | None = None, endpoint: str | None = None, update_endpoint: str | None = None,
               *, must_exist: bool = True, timeout: float = 60.0, read_only: bool = False) -> GraphStore:
    """The one place that turns ``--store`` / ``--endpoint`` options into a store."""
    if endpoint:
        if store is not None:
            raise UsageError("give either --store or --endpoint, not both")
        return RemoteStore(endpoint, update_endpoint, timeout=timeout)
    if update_endpoint:
        raise UsageError("--update-endpoint needs --endpoint")
    # Reading commands open the database read-only: RocksDB allows one writer, and any number
    # of readers beside it, so several queries and reports can run at once.
    if store is None:
        from .current import default_store

        store = default_store().path
    return EmbeddedStore(store, must_exist=must_exist, read_only=read_only)


def graph_name(name: str) -> str:
    try:
        return GRAPHS.by_name(name)
    except KeyError:
        raise UsageError(f"unknown graph {name!r}: one of ontology, asserted, inferred, meta, all") from None
