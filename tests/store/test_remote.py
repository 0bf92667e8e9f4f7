"""The remote store against a real `oxigraph serve`, and `loopsource serve` for other SPARQL clients."""
from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from loopsource.cli import main
from loopsource.errors import EndpointError
from loopsource.query import bind, catalogue, parse_query
from loopsource.store.remote import RemoteStore
from loopsource.store.batches import batches as _batches
from loopsource.store import EmbeddedStore
from loopsource.rdf.vocab import GRAPHS

from ..conftest import FIXTURES, _free_port
from ..query.test_query_catalogue import ECHO, INJECTION

pytestmark = pytest.mark.server


def cli(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture(scope="module")
def embedded_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("emb") / "store"
    assert cli("build", str(FIXTURES / "query"), "--store", str(root))[0] == 0
    assert cli("reason", "--store", str(root))[0] == 0
    return root


@pytest.fixture(scope="module")
def remote(oxigraph_server: str) -> RemoteStore:
    """The session server, emptied, then built and reasoned through the CLI with --endpoint (once per module;
    the tests here only read, or check that nothing changed)."""
    q, u = f"{oxigraph_server}/query", f"{oxigraph_server}/update"
    RemoteStore(q, u).update("DROP ALL")
    code, out, err = cli("build", str(FIXTURES / "query"), "--endpoint", q, "--update-endpoint", u)
    assert code == 0, err
    code, out, err = cli("reason", "--endpoint", q, "--update-endpoint", u)
    assert code == 0, err
    return RemoteStore(q, u)


def test_build_and_reason_give_the_same_graphs(remote: RemoteStore, embedded_root: Path) -> None:
    emb = EmbeddedStore(embedded_root)
    for g in (GRAPHS.ontology, GRAPHS.asserted, GRAPHS.inferred):
        assert remote.count(g) == emb.count(g), g
    # blank nodes of OWL restrictions survived the batched load as single nodes
    ask = ("ASK { GRAPH <%s> { ls:CircularLoop owl:equivalentClass [ owl:onProperty ls:strategy ; "
           "owl:someValuesFrom ls:CircularStrategy ] } }" % GRAPHS.ontology)
    assert remote.ask(ask) and emb.ask(ask)


def test_every_catalogue_query_same_as_embedded(remote: RemoteStore, embedded_root: Path) -> None:
    emb = EmbeddedStore(embedded_root)
    for name, q in catalogue().items():
        for params in ([], *([(p.name, alt)] for p, alt in _alternatives(q))):
            subs = bind(q, params)
            assert remote.select(q.text, subs) == emb.select(q.text, subs), (name, params)
    del emb


def _alternatives(q):
    alt = {"hyperlocal_km": "10", "km": "300", "plant": "P2", "by": "supplier", "region": "region:m49-002"}
    return [(p, alt[p.name]) for p in q.params if p.name in alt]


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv", "table"])
def test_cli_query_output_is_byte_identical(remote: RemoteStore, embedded_root: Path, fmt: str) -> None:
    a = cli("query", "local-sourcing-tiers", "--store", str(embedded_root), "--format", fmt, "-p", "hyperlocal_km", "50")
    b = cli("query", "local-sourcing-tiers", "--endpoint", remote.query_url, "--format", fmt, "-p", "hyperlocal_km", "50")
    assert a[0] == b[0] == 0, (a[2], b[2])
    assert a[1] == b[1]


def test_injection_on_the_remote_store(remote: RemoteStore, tmp_path: Path) -> None:
    q = parse_query(ECHO, "echo.rq")
    before = remote.export(None, ox.RdfFormat.N_QUADS)
    res = remote.select(q.text, bind(q, [("x", INJECTION)]))
    assert res.rows[0][0] == ox.Literal(INJECTION)
    assert int(res.rows[0][1].value) == len(INJECTION)
    f = tmp_path / "echo.rq"
    f.write_text(ECHO, encoding="utf-8")
    code, out, err = cli("query", str(f), "-p", "x", INJECTION, "--endpoint", remote.query_url,
                         "--update-endpoint", remote.update_url or "", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["results"]["bindings"][0]["x"]["value"] == INJECTION
    after = remote.export(None, ox.RdfFormat.N_QUADS)
    assert sorted(after.splitlines()) == sorted(before.splitlines())
    assert not remote.ask("ASK { <urn:a> <urn:b> ?c }")
    assert remote.count(GRAPHS.asserted) > 0


def test_queries_see_the_union_of_the_loopsource_graphs(remote: RemoteStore) -> None:
    """The server has no union default graph: default-graph-uri parameters make one."""
    total = sum(remote.count(g) for g in (GRAPHS.ontology, GRAPHS.asserted, GRAPHS.inferred, GRAPHS.meta))
    n = remote.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0]
    assert int(n.value) == total  # type: ignore[union-attr]
    assert remote.select("SELECT ?s WHERE { ?s ls:id \"P1\" }").rows


def test_update_through_the_cli_needs_the_flag(remote: RemoteStore, tmp_path: Path) -> None:
    f = tmp_path / "drop.ru"
    f.write_text("DROP ALL", encoding="utf-8")
    code, _, err = cli("query", str(f), "--endpoint", remote.query_url, "--update-endpoint", remote.update_url or "")
    assert code == 2 and "--update" in err
    assert remote.count(GRAPHS.asserted) > 0


def test_report_same_as_embedded(remote: RemoteStore, embedded_root: Path) -> None:
    a = cli("report", "--store", str(embedded_root), "--format", "json")
    b = cli("report", "--endpoint", remote.query_url, "--format", "json")
    assert a[0] == b[0] == 0, (a[2], b[2])
    ja, jb = json.loads(a[1]), json.loads(b[1])
    for j in (ja, jb):  # where the report came from and when may differ, the numbers may not
        for key in ("store", "generated", "generated_at", "source"):
            j.pop(key, None)
    assert ja == jb


# ----------------------------------------------------------------------------- errors
def test_refused_connection_is_a_clear_error() -> None:
    url = f"http://127.0.0.1:{_free_port()}/query"
    with pytest.raises(EndpointError, match="connection refused"):
        RemoteStore(url).select("SELECT * WHERE { ?s ?p ?o }")
    code, _, err = cli("query", "data-gaps", "--endpoint", url)
    assert code == 2 and "connection refused" in err and "Traceback" not in err


def test_timeout_is_a_clear_error() -> None:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(5)  # accepts connections, never answers
    url = f"http://127.0.0.1:{srv.getsockname()[1]}/query"
    try:
        code, _, err = cli("query", "data-gaps", "--endpoint", url, "--timeout", "0.5")
        assert code == 2 and "no answer within 0.5 s" in err
    finally:
        srv.close()


class _Recorder(http.server.BaseHTTPRequestHandler):
    status = 401
    seen: list[dict[str, str]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        type(self).seen.append(dict(self.headers))
        self.send_response(self.status)
        self.end_headers()
        self.wfile.write(b"go away\n")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_server() -> Iterator[tuple[str, type[_Recorder]]]:
    handler = type("H", (_Recorder,), {"seen": [], "status": 401})
    httpd = http.server.HTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/query", handler
    httpd.shutdown()


def test_auth_failure_and_credentials_from_the_environment(fake_server, monkeypatch: pytest.MonkeyPatch) -> None:
    url, handler = fake_server
    monkeypatch.setenv("LOOPSOURCE_ENDPOINT_TOKEN", "s3cret-token")
    code, out, err = cli("query", "data-gaps", "--endpoint", url)
    assert code == 2 and "HTTP 401" in err and "LOOPSOURCE_ENDPOINT_TOKEN" in err
    assert "s3cret-token" not in err + out
    assert handler.seen[-1]["Authorization"] == "Bearer s3cret-token"
    monkeypatch.delenv("LOOPSOURCE_ENDPOINT_TOKEN")
    monkeypatch.setenv("LOOPSOURCE_ENDPOINT_USER", "ana")
    monkeypatch.setenv("LOOPSOURCE_ENDPOINT_PASSWORD", "pw")
    cli("query", "data-gaps", "--endpoint", url)
    assert handler.seen[-1]["Authorization"] == "Basic YW5hOnB3"  # base64("ana:pw")
    handler.status = 500
    code, _, err = cli("query", "data-gaps", "--endpoint", url)
    assert code == 2 and "HTTP 500" in err and "go away" in err and "pw" not in err.replace("pw", "", 0)


def test_bad_query_on_the_server_is_an_http_error(remote: RemoteStore) -> None:
    with pytest.raises(EndpointError, match="HTTP 400"):
        remote.select("SELECT * WHERE { ?s ?p }")


def test_batches_keep_blank_nodes_together() -> None:
    b = [ox.BlankNode(f"b{i}") for i in range(4)]
    p = ox.NamedNode("urn:p")
    triples = [ox.Triple(ox.NamedNode(f"urn:s{i}"), p, ox.Literal(str(i))) for i in range(5)]
    triples += [ox.Triple(b[0], p, b[1]), ox.Triple(b[1], p, ox.Literal("x")), ox.Triple(b[2], p, b[3]),
                ox.Triple(ox.NamedNode("urn:z"), p, b[0])]
    batches = list(_batches(triples, 2))
    assert sorted(map(str, (t for bt in batches for t in bt))) == sorted(map(str, triples))
    for bt in batches:
        labels = {n.value for t in bt for n in (t.subject, t.object) if isinstance(n, ox.BlankNode)}
        for other in batches:
            if other is not bt:
                assert not labels & {n.value for t in other for n in (t.subject, t.object) if isinstance(n, ox.BlankNode)}


# ----------------------------------------------------------------------------- loopsource serve
def test_serve_answers_a_sparql_client(tmp_path: Path) -> None:
    from ..conftest import oxigraph_binary

    if oxigraph_binary() is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("the oxigraph server binary is missing in CI")
        pytest.skip("oxigraph binary not installed")
    root = tmp_path / "store"
    assert cli("build", str(FIXTURES / "query"), "--store", str(root))[0] == 0
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2] / "src"))
    proc = subprocess.Popen([sys.executable, "-c", "from loopsource.cli import main; main()", "serve",
                             "--store", str(root), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        line = proc.stdout.readline().decode()  # type: ignore[union-attr]
        assert f"http://127.0.0.1:{port}/query" in line
        url = f"http://127.0.0.1:{port}/query"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2).read()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read().decode()  # type: ignore
                time.sleep(0.1)
        try:
            from SPARQLWrapper import JSON, SPARQLWrapper
        except ImportError:  # plain HTTP is a SPARQL client too
            body = urllib.request.urlopen(url + "?query=" + urllib.request.quote(
                'PREFIX ls: <https://w3id.org/loopsource/ontology#> SELECT ?id WHERE { ?p a ls:Purchase ; ls:id ?id } ORDER BY ?id'),
                timeout=10).read()
            ids = [b["id"]["value"] for b in json.loads(body)["results"]["bindings"]]
        else:
            client = SPARQLWrapper(url)
            client.setQuery('PREFIX ls: <https://w3id.org/loopsource/ontology#> '
                            'SELECT ?id WHERE { ?p a ls:Purchase ; ls:id ?id } ORDER BY ?id')
            client.setReturnFormat(JSON)
            ids = [b["id"]["value"] for b in client.query().convert()["results"]["bindings"]]  # type: ignore[index]
        assert ids == [f"PO-{i}" for i in range(1, 8)]
        # read-only by default
        data = urllib.parse.urlencode({"update": "DROP ALL"}).encode()
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/update", data=data), timeout=10)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


import urllib.error  # noqa: E402
import urllib.parse  # noqa: E402


def test_loads_go_through_the_graph_store_protocol_on_oxigraph(remote: RemoteStore) -> None:
    """`oxigraph serve` is loaded by Graph Store POSTs at …/store (its Server header names it);
    a server not known to have one at a known place gets INSERT DATA (None)."""
    assert remote.graph_store_url() == remote.query_url.rsplit("/query", 1)[0] + "/store"
    assert remote.server.startswith("Oxigraph")
    other = RemoteStore("http://127.0.0.1:9/sparql", "http://127.0.0.1:9/sparql")
    other.server = "Virtuoso/07.20.3229 (Linux) x86_64-pc-linux-gnu"
    assert other.graph_store_url() is None
    other = RemoteStore("http://127.0.0.1:9/ds/sparql", "http://127.0.0.1:9/ds/update")
    other.server = "Oxigraph/0.5.3"  # behind a proxy at another path: where its /store is, is unknown
    assert other.graph_store_url() is None


def test_graph_store_requests_group_ntriples_and_keep_blank_node_documents_whole(monkeypatch) -> None:
    import loopsource.store.remote as remote_mod

    sent: list[tuple[str, bytes, str]] = []
    store = RemoteStore("http://127.0.0.1:9/query", "http://127.0.0.1:9/update")
    monkeypatch.setattr(store, "_send", lambda url, body, ctype: sent.append((url, body, ctype)))
    monkeypatch.setattr(remote_mod, "GSP_BODY", 60)
    a = '<http://ex/a> <http://ex/p> "1" .\n'  # 35 bytes
    bnode = '_:b <http://ex/p> "2" .\n_:b <http://ex/q> "3" .\n'
    turtle = '@prefix ex: <http://ex/> . ex:c ex:p [ ex:q 1 ] .\n'
    parts = [(a, ox.RdfFormat.N_TRIPLES), (a.rstrip("\n"), ox.RdfFormat.N_TRIPLES), (bnode, ox.RdfFormat.N_TRIPLES),
             (a, ox.RdfFormat.N_TRIPLES), (lambda: turtle, ox.RdfFormat.TURTLE), (a, ox.RdfFormat.N_TRIPLES)]
    store._load_by_graph_store("http://h/store", "http://g/x#loading-1", parts)
    target = "http://h/store?graph=http%3A%2F%2Fg%2Fx%23loading-1"
    turtle_sent = sent.pop(3)  # Turtle: parsed here, sent alone as N-Triples (its blank node relabelled)
    assert sent == [
        (target, (a + a).encode(), "application/n-triples"),  # two parts, 70 bytes >= 60: one request
        (target, bnode.encode(), "application/n-triples"),  # blank nodes: alone and whole
        (target, a.encode(), "application/n-triples"),  # the pending part first, order kept
        (target, a.encode(), "application/n-triples"),
    ]
    assert turtle_sent[0] == target and turtle_sent[2] == "application/n-triples"
    got = sorted(ox.parse(turtle_sent[1], format=ox.RdfFormat.N_TRIPLES), key=lambda t: str(t.predicate))
    assert [str(t.predicate) for t in got] == ["<http://ex/p>", "<http://ex/q>"]
    assert got[0].object == got[1].subject and isinstance(got[0].object, ox.BlankNode)  # one node
    sent.insert(3, turtle_sent)
    # every request parses on its own, and together they are the parts' triples
    total = [t for _, body, _ctype in sent for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
    assert len(total) == 4 + 2 + 2


def test_a_swap_is_given_time_in_proportion_to_the_graphs_it_moves(remote: RemoteStore) -> None:
    from loopsource.store.remote import SWAP_RATE

    n = remote.count(GRAPHS.asserted) + remote.count(GRAPHS.inferred)
    assert n > 0
    assert remote.swap_timeout([GRAPHS.asserted, GRAPHS.inferred]) == pytest.approx(remote.timeout + n / SWAP_RATE)
    assert remote.swap_timeout([]) == remote.timeout
    # a staging graph, which no loopsource query names, is counted too
    staging = f"{GRAPHS.asserted}#loading-test"
    remote.update(f"INSERT DATA {{ GRAPH <{staging}> {{ <urn:a> <urn:b> <urn:c> }} }}")
    try:
        assert remote.swap_timeout([staging]) == pytest.approx(remote.timeout + 1 / SWAP_RATE)
    finally:
        remote.update(f"DROP GRAPH <{staging}>")


def test_triples_streamed_equal_the_whole_answer(remote: RemoteStore) -> None:
    """The pattern's triples parsed as the answer arrives are those of the whole SELECT answer
    (the base implementation), bound positions included."""
    from loopsource.rdf.vocab import LS
    from loopsource.store.base import GraphStore

    for s, p, o in ((None, ox.NamedNode(LS + "massKg"), None), (None, None, ox.NamedNode(LS + "Purchase")),
                    (None, ox.NamedNode(LS + "material"), None)):
        streamed = list(remote.triples(s, p, o, [GRAPHS.asserted]))
        whole = list(GraphStore.triples(remote, s, p, o, [GRAPHS.asserted]))
        assert len(streamed) >= 7 and sorted(map(str, streamed)) == sorted(map(str, whole))
