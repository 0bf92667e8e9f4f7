"""A remote SPARQL 1.1 endpoint as a :class:`GraphStore` (``--endpoint QUERY_URL``).

Everything goes through the SPARQL 1.1 Protocol, so any conforming server works (tested
against ``oxigraph serve`` and Virtuoso):

* queries: POST ``query=`` with one ``default-graph-uri`` and ``named-graph-uri`` per loopsource
  graph (its current generation: pointers.py), so that a query sees their union as its default
  graph (as on the embedded store) and ``GRAPH <…/meta>`` works. Results are parsed and
  re-serialised by pyoxigraph, so both stores give byte-identical output.
* parameters: bound by the same rewrite as on the embedded store
  (:func:`loopsource.rdf.sparql.substitute`): variable tokens become the terms' N-Triples
  form as pyoxigraph escapes it, so the query means what it would with the values written in
  by hand, and no value can change the query's structure.
* writes: POST ``update=`` to the update URL. :meth:`RemoteStore.replace_graphs` loads each
  graph into a fresh temporary graph, through the Graph Store Protocol where the server has
  one at a known place (``oxigraph serve``: :meth:`RemoteStore.graph_store_url`), otherwise
  with ``INSERT DATA`` in batches of ``BATCH`` triples (blank nodes that share a triple stay in
  one batch, so they stay one node), then swaps all graphs in *one* update request, which a
  transactional server such as Oxigraph applies all or nothing: the asserted and inferred
  graphs are loaded as a new generation and the swap rewrites their pointers, in constant time
  (``pointers.py``); the small ontology and meta graphs are moved (``MOVE``), given time in
  proportion to the triples moved (:meth:`RemoteStore.swap_timeout`).

Credentials come only from the environment (``LOOPSOURCE_ENDPOINT_USER`` and
``LOOPSOURCE_ENDPOINT_PASSWORD`` for HTTP basic, or ``LOOPSOURCE_ENDPOINT_TOKEN`` for a
bearer token); they are never logged, printed or put in a message.
"""
from __future__ import annotations

import base64
import http.client
import logging
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence

import pyoxigraph as ox

from ..errors import EndpointError, StoreError
from ..files import kill_point
from ..rdf.sparql import declared_prefixes, query_form, rename_graphs, substitute
from .base import GraphStore, SelectResult, Term, move_ops, solution_rows
from . import pointers, virtuoso
from .batches import batches as _batches, insert_text as _insert_text
from ..rdf.vocab import GRAPHS, PREFIXES

log = logging.getLogger(__name__)

# Triples per INSERT DATA request: a few hundred KB. Not more: Virtuoso 7.2's SPARQL parser runs out
# of memory on a request of 10,000 triples ("SP030: SPARQL compiler, line 4992: memory exhausted").
BATCH = 2_000
SWAP_RATE = 2_500.0  # triples a second a server is assumed to move or drop at least (swap_timeout)
GSP_BODY = 8 << 20  # bytes of N-Triples per Graph Store Protocol request (graph_store_url)
_ALL_GRAPHS = (GRAPHS.ontology, GRAPHS.asserted, GRAPHS.inferred, GRAPHS.meta)
_JSON = "application/sparql-results+json"
# Triples per chunk of export_chunks: 100,000 (the first choice) held some 100 MB of term objects
# at a time; 20,000 hold a fifth of that, for the same speed (export at 1 M: measured both).
_EXPORT_BATCH = 20_000
_NT = "application/n-triples"


def _scaled(wait: float, timeout: float) -> str:
    """How a wait longer than --timeout was set, for the message."""
    return "" if wait == timeout else f" {timeout:g} s, plus the time the server may need to move the graphs"


def _redact(url: str) -> str:
    """A URL without any user:password part, for messages."""
    parts = urllib.parse.urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        if parts.port:
            host += f":{parts.port}"
        parts = parts._replace(netloc=host)
    return urllib.parse.urlunsplit(parts)


class RemoteStore(GraphStore):
    """A SPARQL 1.1 Protocol endpoint (query URL, optional update URL)."""

    def __init__(self, query_url: str, update_url: str | None = None, *, timeout: float = 60.0):
        for url in (query_url, update_url):
            if url is not None and urllib.parse.urlsplit(url).scheme not in ("http", "https"):
                raise StoreError(f"{_redact(url)}: an endpoint must be an http:// or https:// URL")
        self.query_url = query_url
        self.update_url = update_url
        self.timeout = timeout
        self.server = ""  # the HTTP Server header of the last answer (Virtuoso is corrected: virtuoso.py)
        # graph -> its current generation (pointers.py); read once per command, kept by own switches
        self._pointers: dict[str, str] | None = None

    @property
    def description(self) -> str:
        return _redact(self.query_url)

    # ------------------------------------------------------------------ HTTP
    def _headers(self, accept: str) -> dict[str, str]:
        headers = {"Accept": accept, "User-Agent": "loopsource"}
        token = os.environ.get("LOOPSOURCE_ENDPOINT_TOKEN")
        user = os.environ.get("LOOPSOURCE_ENDPOINT_USER")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        elif user is not None:
            password = os.environ.get("LOOPSOURCE_ENDPOINT_PASSWORD", "")
            headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        return headers

    def _post(self, url: str, form: Sequence[tuple[str, str]], accept: str, timeout: float | None = None) -> bytes:
        return b"".join(self._post_chunks(url, form, accept, size=None, timeout=timeout))

    def _post_chunks(self, url: str, form: Sequence[tuple[str, str]], accept: str,
                     size: int | None = 1 << 22, timeout: float | None = None) -> Iterator[bytes]:
        """The response body in chunks of ``size`` bytes (None: one chunk), as it arrives: a large
        CONSTRUCT is read without holding it whole. ``timeout``: seconds to wait (default --timeout)."""
        body = urllib.parse.urlencode(form).encode("utf-8")
        return self._request(url, body, "application/x-www-form-urlencoded", accept, size, timeout)

    def _request(self, url: str, body: bytes, content_type: str, accept: str,
                 size: int | None, timeout: float | None = None) -> Iterator[bytes]:
        wait = self.timeout if timeout is None else timeout
        headers = self._headers(accept)
        headers["Content-Type"] = content_type
        req = urllib.request.Request(url, data=body, headers=headers, method="POST")
        where = _redact(url)
        try:
            with urllib.request.urlopen(req, timeout=wait) as resp:
                self.server = resp.headers.get("Server", "") or ""
                if size is None:
                    yield resp.read()
                    return
                while chunk := resp.read(size):
                    yield chunk
        except urllib.error.HTTPError as e:
            detail = _first_line(e.read())
            if e.code in (401, 403):
                raise EndpointError(
                    f"{where}: HTTP {e.code} {e.reason}: the endpoint refused the credentials; set "
                    "LOOPSOURCE_ENDPOINT_USER and LOOPSOURCE_ENDPOINT_PASSWORD, or LOOPSOURCE_ENDPOINT_TOKEN") from None
            raise EndpointError(f"{where}: HTTP {e.code} {e.reason}{': ' + detail if detail else ''}") from None
        except urllib.error.URLError as e:
            reason = e.reason
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise EndpointError(f"{where}: no answer within {wait:g} s (--timeout{_scaled(wait, self.timeout)})") from None
            if isinstance(reason, ConnectionRefusedError):
                raise EndpointError(f"{where}: connection refused; is the SPARQL server running?") from None
            if isinstance(reason, socket.gaierror):
                raise EndpointError(f"{where}: unknown host") from None
            raise EndpointError(f"{where}: cannot connect: {reason}") from None
        except (TimeoutError, socket.timeout):
            raise EndpointError(f"{where}: no answer within {wait:g} s (--timeout{_scaled(wait, self.timeout)})") from None
        except (ConnectionError, http.client.HTTPException, OSError) as e:
            raise EndpointError(f"{where}: connection failed: {type(e).__name__}: {e}") from None

    # ------------------------------------------------------------------ generations
    def _generations(self) -> dict[str, str]:
        """Each generational graph's current generation where a pointer names one (pointers.py)."""
        if self._pointers is None:
            data = self._post(self.query_url, [("query", pointers.POINTERS_QUERY)], _JSON)
            res = _parse_results(data, self.description)
            self._pointers = pointers.read(
                (str(row[0].value), str(row[1].value)) for row in res  # type: ignore[union-attr]
                if isinstance(row[0], ox.NamedNode) and isinstance(row[1], ox.NamedNode))
        return self._pointers

    def physical(self, graph: str) -> str:
        """The server graph that holds ``graph`` now (itself when it has no generations)."""
        return self._generations().get(graph, graph)

    def new_generation(self, graph: str) -> str:
        return pointers.new_generation(graph) if graph in pointers.GENERATIONAL else super().new_generation(graph)

    def promote(self, generations: Mapping[str, str], also: Sequence[str] = ()) -> None:
        """One update request: each generational graph's pointer rewritten (constant time), any
        other graph replaced by ``MOVE``, then the operations ``also``; afterwards the previous
        generations are dropped (a failed drop is left to the next build: pointers.leftovers)."""
        old = {g: self.physical(g) for g in generations if g in pointers.GENERATIONAL}
        moved = {g: s for g, s in generations.items() if g not in pointers.GENERATIONAL}
        ops = pointers.repoint({g: generations[g] for g in old})
        ops += move_ops(moved)
        self._post(self._update_url(), [("update", " ;\n".join([*ops, *also]))], "*/*",
                   timeout=self.swap_timeout([*moved, *moved.values()]))
        self._pointers = {**self._generations(), **{g: generations[g] for g in old}}
        stale = [p for p in old.values() if p not in self._pointers.values()]
        try:
            if stale:
                self._post(self._update_url(), [("update", " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in stale))],
                           "*/*", timeout=self.swap_timeout(stale))
        except EndpointError as e:
            log.warning("the previous generation(s) %s were not removed (%s); the next build removes them",
                        ", ".join(stale), e)

    def _dataset(self, graphs: Sequence[str] | None) -> list[tuple[str, str]]:
        default = list(graphs) if graphs is not None else list(_ALL_GRAPHS)
        return ([("default-graph-uri", self.physical(g)) for g in default]
                + [("named-graph-uri", self.physical(g)) for g in _ALL_GRAPHS])

    def _renamed(self, text: str) -> str:
        """``text`` with the generational graphs' IRIs, where they name a graph, written as their
        current generations' (rdf.sparql.rename_graphs)."""
        return rename_graphs(text, {g: p for g, p in self._generations().items() if p != g})

    def _prepare(self, query: str, substitutions: Mapping[str, Term] | None) -> str:
        if substitutions:
            query = substitute(query, substitutions)
        query = self._renamed(query)
        # the embedded store offers vocab.PREFIXES to every query; declare the missing ones
        declared = declared_prefixes(query)
        missing = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items() if p not in declared)
        return missing + query

    def _query(self, query: str, substitutions: Mapping[str, Term] | None, graphs: Sequence[str] | None,
               accept: str) -> bytes:
        text = self._prepare(query, substitutions)
        return self._post(self.query_url, [("query", text), *self._dataset(graphs)], accept)

    def _form(self, query: str) -> str:
        return query_form(query)

    def _results(self, query: str, substitutions: Mapping[str, Term] | None,
                 graphs: Sequence[str] | None) -> bytes:
        """SPARQL JSON results of a SELECT or ASK, with Virtuoso's inexact numbers made exact.

        Virtuoso 7.2.5 writes doubles with six digits in every results format but Turtle
        (``virtuoso.py``): when its JSON answer holds any, the same query is asked again for the
        Turtle result set and the exact values are taken from there; booleans it writes as
        ``"1"``/``"0"`` are written ``true``/``false``. Other servers' answers pass unchanged."""
        data = self._query(query, substitutions, graphs, _JSON)
        if not virtuoso.is_virtuoso(self.server):
            return data
        import json

        try:
            doc = json.loads(data)
        except ValueError:
            return data  # _parse_results says what is wrong
        virtuoso.canonical_booleans(doc)
        if virtuoso.has_inexact(doc):
            turtle = self._query(query, substitutions, graphs, virtuoso.TURTLE)
            try:
                virtuoso.precise_doubles(doc, turtle)
            except (ValueError, SyntaxError) as e:
                raise EndpointError(f"{self.description}: Virtuoso's doubles could not be read exactly "
                                    f"(docs/remote.md): {e}") from None
        return json.dumps(doc).encode("utf-8")

    # ------------------------------------------------------------------ reads
    def select(self, query, substitutions=None, graphs=None) -> SelectResult:
        data = self._results(query, substitutions, graphs)
        res = _parse_results(data, self.description)
        if not isinstance(res, ox.QuerySolutions):
            raise StoreError("expected a SELECT query")
        variables = tuple(v.value for v in res.variables)
        return SelectResult(variables, solution_rows(res))

    def ask(self, query, substitutions=None) -> bool:
        res = _parse_results(self._results(query, substitutions, None), self.description)
        return bool(res)

    def construct(self, query, substitutions=None, graphs=None) -> list[ox.Triple]:
        triples = self._ntriples(self._query(query, substitutions, graphs, _NT))
        if virtuoso.is_virtuoso(self.server) and any(virtuoso.is_inexact(t.object) for t in triples):
            # Virtuoso's N-Triples hold six-digit doubles: the exact ones from its Turtle (virtuoso.py)
            turtle = self._query(query, substitutions, graphs, virtuoso.TURTLE_GRAPH)
            triples = self._precise(triples, turtle, complete=True)
        return triples

    def _ntriples(self, data: bytes) -> list[ox.Triple]:
        try:
            return [q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
        except SyntaxError as e:
            raise EndpointError(f"{self.description}: the endpoint sent unreadable N-Triples: {e}") from None

    def _precise(self, triples: Sequence[ox.Triple], turtle: bytes, *, complete: bool) -> list[ox.Triple]:
        try:
            return virtuoso.precise_triples(triples, turtle, complete=complete)
        except (ValueError, SyntaxError) as e:
            raise EndpointError(f"{self.description}: Virtuoso's doubles could not be read exactly "
                                f"(docs/remote.md): {e}") from None

    def _graph(self, graph: str) -> list[ox.Triple]:
        triples = self._ntriples(self._query(_graph_query(graph), None, None, _NT))
        return self._exact_doubles(graph, triples)

    def _exact_doubles(self, graph: str, triples: list[ox.Triple]) -> list[ox.Triple]:
        """``triples`` of ``graph`` with Virtuoso's six-digit doubles and floats made exact: their
        exact values come from a Turtle CONSTRUCT of those triples only (``virtuoso.py``), not of
        the whole graph again. Other servers' triples pass unchanged."""
        if not virtuoso.is_virtuoso(self.server):
            return triples
        inexact = [t for t in triples if virtuoso.is_inexact(t.object)]
        if not inexact:
            return triples
        turtle = self._query(_graph_query(graph, inexact_only=True), None, None, virtuoso.TURTLE_GRAPH)
        return [t for t in triples if not virtuoso.is_inexact(t.object)] + self._precise(inexact, turtle,
                                                                                          complete=False)

    def triples(self, s, p, o, graphs):
        """The pattern's triples, parsed as the answer arrives (the validation index reads every
        triple of a predicate: at 10 M asserted triples a whole answer and its rows held at once
        were hundreds of MB). Virtuoso's answers are corrected whole first (``_results``)."""
        self._generations()  # a first request, if none was made yet: it records the Server header
        if virtuoso.is_virtuoso(self.server):
            yield from super().triples(s, p, o, graphs)
            return
        subs = {k: v for k, v in (("s", s), ("p", p), ("o", o)) if v is not None}
        form = [("query", self._prepare("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", subs)), *self._dataset(graphs)]
        try:
            for sol in ox.parse_query_results(_Reader(self._post_chunks(self.query_url, form, _JSON)),
                                              format=ox.QueryResultsFormat.JSON):
                yield tuple(subs.get(k, sol[i]) for i, k in enumerate("spo"))
        except SyntaxError as e:
            raise EndpointError(f"{self.description}: the endpoint sent unreadable results: {e}") from None

    def raw_query(self, query, substitutions, result_format):
        if self._form(query) in ("CONSTRUCT", "DESCRIBE"):
            triples = self.construct(query, substitutions)
            return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        res = _parse_results(self._results(query, substitutions, None), self.description)
        # re-serialised by pyoxigraph, so that both stores write the same bytes
        return res.serialize(format=result_format)

    def export(self, graph: str | None, fmt: ox.RdfFormat) -> bytes:
        if graph is not None:
            return ox.serialize(self._graph(graph), format=fmt) or b""
        quads: list[ox.Quad] = []
        for g in _ALL_GRAPHS:
            node = ox.NamedNode(g)
            quads += [ox.Quad(t.subject, t.predicate, t.object, node) for t in self._graph(g)]
        return ox.serialize(quads, format=fmt) or b""

    def export_chunks(self, graph: str) -> Iterator[bytes]:
        """The graph by one CONSTRUCT whose answer is parsed as it arrives and written again as
        canonical N-Triples, ``_EXPORT_BATCH`` triples a chunk (the same triples :meth:`export` gives; from
        Virtuoso, its doubles and floats come exact in the last chunk: ``_exact_doubles``)."""
        query = self._prepare(_graph_query(graph), None)
        body = _Reader(self._post_chunks(self.query_url, [("query", query), *self._dataset(None)], _NT))
        batch: list[ox.Triple] = []
        held: list[ox.Triple] = []
        try:
            for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES):
                if virtuoso.is_inexact(q.object) and virtuoso.is_virtuoso(self.server):
                    held.append(q.triple)
                    continue
                batch.append(q.triple)
                if len(batch) >= _EXPORT_BATCH:
                    yield ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES) or b""
                    batch = []
        except SyntaxError as e:
            raise EndpointError(f"{self.description}: the endpoint sent unreadable N-Triples: {e}") from None
        batch += self._exact_doubles(graph, held) if held else []
        if batch:
            yield ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES) or b""

    def count(self, graph: str) -> int:
        res = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return int(res.rows[0][0].value)  # type: ignore[union-attr]

    # ------------------------------------------------------------------ writes
    def _update_url(self) -> str:
        if not self.update_url:
            raise StoreError(f"{self.description}: writing needs --update-endpoint UPDATE_URL")
        return self.update_url

    def update(self, sparql_update: str, *, moves: Sequence[str] = ()) -> None:
        declared = _declared(sparql_update)
        missing = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items() if p not in declared)
        self._post(self._update_url(), [("update", missing + self._renamed(sparql_update))], "*/*",
                   timeout=self.swap_timeout(moves) if moves else None)

    def staging_graphs(self) -> list[str]:
        """Graphs no query reads: staging graphs (``GRAPH#loading-...``) and pointers.leftovers."""
        data = self._post(self.query_url, [("query", "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")], _JSON)
        res = _parse_results(data, self.description)
        names = [row[0].value for row in res if isinstance(row[0], ox.NamedNode)]  # type: ignore[union-attr]
        self._pointers = None  # read them again: another process may have switched since
        staging = [n for n in names if n.split("#loading-")[0] in _ALL_GRAPHS and "#loading-" in n]
        return sorted(staging + pointers.leftovers(names, self._generations()))

    def graph_store_url(self) -> str | None:
        """The SPARQL 1.1 Graph Store HTTP Protocol endpoint that loads go to, when the server is
        known to have one at a known place: ``oxigraph serve`` (``Server: Oxigraph/…``) at
        ``…/store`` beside ``…/query``. None: loads are ``INSERT DATA`` requests.

        Why: ``INSERT DATA`` in requests of 2,000 triples (what Virtuoso's parser takes) loaded
        1 M triples into ``oxigraph serve`` in about 130 s; one POST of N-Triples per 8 MB is
        parsed by the server's own loader."""
        if not self.server:
            self.staging_graphs()  # any request: it records the Server header
        base = self.query_url.rstrip("/")
        if self.server.lower().startswith("oxigraph") and base.endswith("/query"):
            return base[: -len("/query")] + "/store"
        return None

    def _load_by_graph_store(self, url: str, graph: str, parts: Iterable[tuple[str, ox.RdfFormat]]) -> None:
        """POST ``parts`` to ``graph`` through the Graph Store Protocol: consecutive N-Triples
        parts without blank nodes together, up to ``GSP_BODY`` bytes a request; any other part
        alone and whole, as N-Triples, so that its blank nodes stay one node each (a request's
        blank-node labels are its own)."""
        target = f"{url}?graph={urllib.parse.quote(graph, safe='')}"
        pending: list[bytes] = []
        size = 0
        for text, fmt in parts:
            text = text() if callable(text) else text
            data = text.encode("utf-8") if isinstance(text, str) else text
            if fmt == ox.RdfFormat.N_TRIPLES and b"_:" not in data:
                pending.append(data if not data or data.endswith(b"\n") else data + b"\n")
                size += len(data)
                if size >= GSP_BODY:
                    self._send(target, b"".join(pending), _NT)
                    pending, size = [], 0
                continue
            if pending:
                self._send(target, b"".join(pending), _NT)
                pending, size = [], 0
            # parsed here, as INSERT DATA batches are (pyoxigraph's parsers: no entities, no
            # local files), and sent as one N-Triples document
            self._send(target, ox.serialize(_triples([(data.decode("utf-8"), fmt)]),
                                            format=ox.RdfFormat.N_TRIPLES) or b"", _NT)
        if pending:
            self._send(target, b"".join(pending), _NT)

    def _send(self, url: str, body: bytes, content_type: str) -> None:
        for _ in self._request(url, body, content_type, "*/*", None):
            pass

    def swap_timeout(self, graphs: Sequence[str]) -> float:
        """Seconds to wait for an update that moves or drops ``graphs``: --timeout, plus the time
        the server may take to copy and delete their triples one by one.

        SPARQL has no graph rename: ``MOVE`` copies every triple and ``DROP`` deletes every
        triple, in one transaction. Measured on `oxigraph serve` 0.5.13 with 1.17 M triples:
        ``MOVE`` 147 s (7,900 triples a second), ``DROP`` 47 s; ``SWAP_RATE`` assumes a third
        of that. A fixed --timeout of 60 s failed every build of about a million triples at
        this last step, after the whole load (bench/README.md)."""
        # count_graph, not count: count's dataset names the loopsource graphs only, not a staging graph
        return self.timeout + sum(self.count_graph(g) for g in graphs) / SWAP_RATE

    def replace_graphs(self, graphs: Mapping[str, Iterable[tuple[str, ox.RdfFormat]]]) -> None:
        url = self._update_url()
        # Staging graphs of an interrupted load are never seen by loopsource's queries (they
        # name their graphs), but a client with a union default graph would count them twice:
        # remove them first. Two builds into one endpoint at a time are not supported.
        leftover = self.staging_graphs()
        if leftover:
            log.warning("removing %d staging graph(s) of an interrupted load", len(leftover))
            self._post(url, [("update", " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in leftover))], "*/*")
        tag = uuid.uuid4().hex
        staging = {g: self.new_generation(g) if g in pointers.GENERATIONAL else f"{g}#loading-{tag}" for g in graphs}
        store_url = self.graph_store_url()
        try:
            for g, parts in graphs.items():
                if store_url is not None:
                    self._load_by_graph_store(store_url, staging[g], parts)
                    continue
                # part by part (a part may be one chunk of a stream, or made only now: a callable)
                for part in parts:
                    for batch in _batches(_triples([part]), BATCH):
                        self._post(url, [("update", _insert_text(staging[g], batch))], "*/*")
            kill_point("remote:loaded")
            # one request: a transactional server swaps every graph at once or not at all
            self.promote(staging)
        except BaseException:
            try:
                self._post(url, [("update", " ;\n".join(f"DROP SILENT GRAPH <{s}>" for s in staging.values()))],
                           "*/*")
            except EndpointError:
                log.warning("could not remove the temporary graphs %s", ", ".join(staging.values()))
            raise


_INEXACT_FILTER = (" FILTER(isLiteral(?o) && datatype(?o) IN (<http://www.w3.org/2001/XMLSchema#double>, "
                   "<http://www.w3.org/2001/XMLSchema#float>))")


def _graph_query(graph: str, inexact_only: bool = False) -> str:
    """The CONSTRUCT of a whole graph (or of its xsd:double and xsd:float triples only)."""
    return f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o{_INEXACT_FILTER if inexact_only else ''} }} }}"


def _declared(text: str) -> set[str]:
    return declared_prefixes(text)


def _first_line(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    return text.splitlines()[0][:300] if text else ""


def _bnode_labels(data: bytes) -> bytes:
    """SPARQL JSON results with blank-node values made valid labels.

    Virtuoso 7.2 sends blank nodes as ``{"type": "bnode", "value": "nodeID://b10007"}``, which
    is no blank node label; pyoxigraph refuses the whole result. The value becomes ``b10007``
    (any character outside [A-Za-z0-9_] replaced by ``_``), the same label every time.
    """
    import json
    import re

    doc = json.loads(data)
    for row in doc.get("results", {}).get("bindings", []):
        for value in row.values():
            if value.get("type") == "bnode":
                label = value["value"].removeprefix("nodeID://").removeprefix("_:")
                value["value"] = re.sub(r"[^A-Za-z0-9_]", "_", label) or "b"
    return json.dumps(doc).encode("utf-8")


def _parse_results(data: bytes, where: str) -> ox.QuerySolutions | ox.QueryBoolean:
    if b'"bnode"' in data:
        try:
            data = _bnode_labels(data)
        except (ValueError, AttributeError, KeyError):
            pass  # not what it looked like: the parser below says what is wrong
    try:
        return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
    except (SyntaxError, ValueError) as e:
        raise EndpointError(f"{where}: the endpoint sent unreadable SPARQL JSON results: {e}") from None


def _triples(parts: Iterable[tuple[str, ox.RdfFormat]]) -> list[ox.Triple]:
    out: list[ox.Triple] = []
    for text, fmt in parts:
        text = text() if callable(text) else text
        try:
            out += [q.triple for q in ox.parse(text, format=fmt)]
        except SyntaxError as e:
            raise StoreError(f"cannot parse data for the endpoint: {e}") from None
    return out


class _Reader:
    """A file-like view of a stream of byte chunks (what ``ox.parse`` reads from)."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks = iter(chunks)
        self._buf = b""
        self._pos = 0

    def read(self, n: int = -1) -> bytes:
        if self._pos >= len(self._buf):
            self._buf, self._pos = next(self._chunks, b""), 0
        if n < 0:
            out = self._buf[self._pos:] + b"".join(self._chunks)
            self._buf, self._pos = b"", 0
            return out
        out = self._buf[self._pos:self._pos + n]  # at most n bytes, never more than one chunk's rest
        self._pos += len(out)
        return out
