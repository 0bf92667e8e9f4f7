"""Generations on a remote endpoint: replacing asserted or inferred rewrites a pointer, never
copies the graph (store/pointers.py); queries and updates that name a graph reach its current
generation; an endpoint written without pointers reads as before."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from loopsource.cli import main
from loopsource.rdf.sparql import rename_graphs
from loopsource.rdf.vocab import GRAPH, GRAPHS
from loopsource.store import pointers
from loopsource.reason import read_graph
from loopsource.store import EmbeddedStore
from loopsource.store.remote import RemoteStore

from ..conftest import DEMO, FIXTURES
from .servers import STARTERS, Server

A, I = GRAPHS.asserted, GRAPHS.inferred
NEW = A + "#gen-1"


def cli(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.stdout, r.stderr


# ----------------------------------------------------------------------------- rename_graphs
@pytest.mark.parametrize("text, expected", [
    (f"SELECT * WHERE {{ GRAPH <{A}> {{ ?s ?p ?o }} }}", f"SELECT * WHERE {{ GRAPH <{NEW}> {{ ?s ?p ?o }} }}"),
    (f"SELECT * FROM <{A}> FROM NAMED <{A}> WHERE {{ }}", f"SELECT * FROM <{NEW}> FROM NAMED <{NEW}> WHERE {{ }}"),
    (f"INSERT {{ GRAPH <x:t> {{ ?s ?p ?o }} }} USING <{A}> USING NAMED <{A}> WHERE {{ ?s ?p ?o }}",
     f"INSERT {{ GRAPH <x:t> {{ ?s ?p ?o }} }} USING <{NEW}> USING NAMED <{NEW}> WHERE {{ ?s ?p ?o }}"),
    (f"WITH <{A}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}", f"WITH <{NEW}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}"),
    (f"MOVE SILENT <x:a> TO <{A}>", f"MOVE SILENT <x:a> TO <{NEW}>"),
    (f"DROP SILENT GRAPH <{A}> ; LOAD <file:x> INTO GRAPH <{A}>", f"DROP SILENT GRAPH <{NEW}> ; LOAD <file:x> INTO GRAPH <{NEW}>"),
    (f"COPY <{A}> TO GRAPH <x:b>", f"COPY <{NEW}> TO GRAPH <x:b>"),
    # a graph IRI as a term of a pattern, a value, in a string or a comment is the IRI, not the graph
    (f"SELECT * WHERE {{ GRAPH <x:m> {{ <{A}> ?p ?o }} VALUES ?g {{ <{A}> }} FILTER(?o != \"GRAPH <{A}>\") }} # GRAPH <{A}>",
     f"SELECT * WHERE {{ GRAPH <x:m> {{ <{A}> ?p ?o }} VALUES ?g {{ <{A}> }} FILTER(?o != \"GRAPH <{A}>\") }} # GRAPH <{A}>"),
    # a comment between the keyword and the IRI does not hide the position
    (f"SELECT * WHERE {{ GRAPH # the data\n <{A}> {{ ?s ?p ?o }} }}", f"SELECT * WHERE {{ GRAPH # the data\n <{NEW}> {{ ?s ?p ?o }} }}"),
])
def test_rename_graphs_rewrites_only_graph_positions(text: str, expected: str) -> None:
    assert rename_graphs(text, {A: NEW}) == expected
    assert rename_graphs(text, {}) == text


# ----------------------------------------------------------------------------- pointers
def test_pointers_only_name_own_generations_and_leftovers_are_the_unread_graphs() -> None:
    gen_a, gen_i, old_a = A + "#gen-2", I + "#gen-3", A + "#gen-1"
    read = pointers.read([(A, gen_a), (I, gen_i), (GRAPHS.meta, GRAPHS.meta + "#gen-4"), (A + "x", A + "x#gen-5"),
                          ("x:other", "x:other#gen-1")])
    assert read == {A: gen_a, I: gen_i}
    assert pointers.read([(A, I + "#gen-9")]) == {}  # a pointer to another graph's generation is not followed
    names = [GRAPHS.ontology, GRAPHS.meta, pointers.POINTERS, A, gen_a, old_a, gen_i, I + "#loading-x", "x:other#gen-1"]
    # the previous generation, and asserted under its own name now that a pointer names another graph
    assert pointers.leftovers(names, read) == sorted([A, old_a])
    assert pointers.leftovers(names, {}) == sorted([gen_a, old_a, gen_i])  # no pointers: every generation unread
    assert pointers.is_generation(pointers.new_generation(A)) and not pointers.is_generation(A)
    assert not pointers.is_generation(GRAPHS.meta + "#gen-1")


# ----------------------------------------------------------------------------- on the servers
@pytest.fixture(scope="module", params=sorted(STARTERS))
def server(request: pytest.FixtureRequest, server_pool) -> Server:
    """Each real SPARQL server in turn, its own instance: these tests empty and rebuild it, which
    must not reach another module's data on the shared ``sparql_server``."""
    return server_pool(request.param, "generations")


def _graphs(server: Server) -> set[str]:
    res = json.loads(server.post({"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"}))
    return {b["g"]["value"] for b in res["results"]["bindings"] if b["g"]["value"].startswith(GRAPH)}


def test_rebuild_switches_pointers_and_drops_the_previous_generation(server: Server, monkeypatch) -> None:
    """On oxigraph serve and Virtuoso: build, reason, build again. Each replacement of asserted
    or inferred is a pointer switch (no update request moves or copies them), the previous
    generation is gone afterwards, and queries naming the graph read the current generation."""
    server.reset()
    q, u = server.query_url, server.update_url
    ep = ["--endpoint", q, "--update-endpoint", u, "--timeout", "300"]
    sent: list[str] = []
    real = RemoteStore._post

    def spy(self, url, form, accept, timeout=None):
        sent.extend(v for k, v in form if k == "update")
        return real(self, url, form, accept, timeout)

    monkeypatch.setattr(RemoteStore, "_post", spy)
    assert cli("build", str(FIXTURES / "query"), *ep)[0] == 0
    first = RemoteStore(q, u)
    gen_a = first.physical(A)
    assert pointers.is_generation(gen_a)
    n = first.count(A)
    assert n > 100
    assert cli("reason", *ep)[0] == 0
    gen_i = RemoteStore(q, u).physical(I)
    assert pointers.is_generation(gen_i) and RemoteStore(q, u).count(I) > 100
    assert cli("build", str(FIXTURES / "query"), *ep)[0] == 0
    now = RemoteStore(q, u)
    assert now.physical(A) not in (gen_a, A) and now.count(A) == n
    assert _graphs(server) == {GRAPHS.ontology, GRAPHS.meta, pointers.POINTERS, now.physical(A)}
    # no request ever moved, copied or added a generational graph: the switches are pointer updates
    big = (A, I)
    for text in sent:
        for op in ("MOVE", "COPY", "ADD"):
            assert not any(f"{op} SILENT GRAPH <{g}" in text or f"TO GRAPH <{g}" in text for g in big), text
    # a user's query and update that name the graph reach the current generation
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{A}> {{ ?s ?p ?o }} }}"
    assert int(now.select(count).rows[0][0].value) == n  # type: ignore[union-attr]
    now.update(f"INSERT DATA {{ GRAPH <{A}> {{ <urn:x:s> <urn:x:p> <urn:x:o> }} }}")
    assert RemoteStore(q, u).count(A) == n + 1
    assert json.loads(server.post({"query": f"ASK {{ GRAPH <{now.physical(A)}> {{ <urn:x:s> ?p ?o }} }}"}))["boolean"]


def test_an_endpoint_written_without_pointers_reads_as_before_and_is_taken_over(server: Server) -> None:
    """Graphs under their own names and no pointer graph (what loopsource wrote before
    generations): read as they are; the next build loads a generation and removes the old graph."""
    server.reset()
    q, u = server.query_url, server.update_url
    raw = RemoteStore(q, u)
    raw._post(u, [("update", f"INSERT DATA {{ GRAPH <{A}> {{ <urn:x:a> <urn:x:p> \"1\" . <urn:x:b> <urn:x:p> \"2\" }} }}")],
              "*/*")
    old = RemoteStore(q, u)
    assert old.physical(A) == A and old.count(A) == 2
    assert old.staging_graphs() == []  # nothing to remove while no pointer names another generation
    assert cli("build", str(FIXTURES / "query"), "--endpoint", q, "--update-endpoint", u, "--timeout", "300")[0] == 0
    new = RemoteStore(q, u)
    assert pointers.is_generation(new.physical(A)) and new.count(A) > 100
    assert A not in _graphs(server)  # the old graph was dropped after the switch


def test_reasoning_after_a_rebuild_gives_the_embedded_closure(server: Server, tmp_path) -> None:
    """build, reason, build, reason on each server: the second inferred graph is the embedded
    rules engine's, triple for triple. Regression: once the first asserted generation had been
    dropped, Virtuoso 7.2.5's FILTER NOT EXISTS stopped matching a literal bound by VALUES, and
    cls-hv1 re-derived five asserted triples (M-GRAPH ls:grade "battery", ...); the literal is
    now a constant of its statement (reason/sparql_engine.py, docs/remote.md)."""
    server.reset()
    ep = ["--endpoint", server.query_url, "--update-endpoint", server.update_url, "--timeout", "300"]
    root = tmp_path / "emb"
    assert cli("build", str(DEMO), "--store", str(root))[0] == 0 and cli("reason", "--store", str(root))[0] == 0
    local = set(read_graph(EmbeddedStore(root, read_only=True), I))
    for _ in range(2):
        assert cli("build", str(DEMO), *ep)[0] == 0
        code, out, err = cli("reason", *ep)
        assert code == 0, err
        remote = set(read_graph(RemoteStore(server.query_url, server.update_url), I))
        assert remote == local, (sorted(remote - local)[:5], sorted(local - remote)[:5])
