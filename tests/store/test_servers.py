"""Every command against real SPARQL servers - ``oxigraph serve`` and Virtuoso Open Source 7 -
compared with the embedded store, on data/demo.

build and reason go through the CLI with ``--endpoint`` (reason with its default there, the
``sparql`` engine: the rules run inside the server); validate, report, scenario and every
catalogue query are then compared with the embedded store built and reasoned (``rules``
engine) from the same data. Rows are compared as multisets of values, floats to 1e-9
relative: servers type numbers differently (Virtuoso answers xsd:decimal where Oxigraph
answers xsd:double) but must agree on the numbers.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from loopsource.cli import main
from loopsource.errors import EndpointError
from loopsource.query import bind, catalogue
from loopsource.rdf.vocab import GRAPHS
from loopsource.reason import read_graph
from loopsource.store import EmbeddedStore, RemoteStore

from ..conftest import DEMO
from .servers import Server

pytestmark = pytest.mark.server

# Catalogue queries that still fail on Virtuoso 7.2.5, with its error: asserted to fail, so that
# a fix shows up here (docs/remote.md, "Known server bugs").
VIRTUOSO_FAILS: dict[str, str] = {
    # the zero-numerator guard IF(?x = 0, 0.0, ?x / ?total) overflows a Virtuoso decimal temporary
    "loops-by-strategy": "SR128",
    # EXISTS with a property path (the material's cycle) inside an aggregated query: every form
    # tried (BIND(EXISTS ...), IF(EXISTS ...), a sub-SELECT per material) fails to compile (SQ156
    # or SQ074) or, without DISTINCT, double counts; docs/remote.md
    "esrs-e5-inflows": "SQ156",
}
# Catalogue queries that bring the Virtuoso 7.2.5 server down or overflow its decimals (SR128, then
# its connection closes and every later request is refused), so they are not sent to it: the four
# queries with the accurate haversine block (tests/test_one_definition.py) and circular-inflow's
# UNION-per-grouping form (fast on Oxigraph). A Virtuoso-friendly form of both is open work in
# issue #12 (docs/remote.md); listed here, not silently dropped.
VIRTUOSO_CRASHES = {"hyperlocal-candidates", "local-sourcing-tiers", "sourcing-mix-by-year", "source-distance",
                    "circular-inflow"}
# Catalogue queries whose rows still differ on Virtuoso 7.2.5: asserted to differ, so that a fix shows up.
VIRTUOSO_DIFFERS = {
    "concentration": "Virtuoso rounds the quotient of two xsd:decimal sums (HHI 5000.01 instead of 5000.0077)",
}
# Rows that differ on some fresh Virtuoso servers and not on others (same data): neither asserted equal
# nor different; the bug is recorded in docs/remote.md.
VIRTUOSO_UNSTABLE = {"supply-exposure"}
ALTERNATIVES = {"hyperlocal_km": "10", "km": "300", "plant": "P2", "by": "supplier", "region": "region:m49-002"}


def cli(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("embedded") / "store"
    assert cli("build", str(DEMO), "--store", str(root))[0] == 0
    assert cli("reason", "--store", str(root))[0] == 0
    return root


@pytest.fixture(scope="module")
def served(sparql_server: Server) -> RemoteStore:
    """data/demo built and reasoned on the server through the CLI (once per server)."""
    sparql_server.reset()
    q, u = sparql_server.query_url, sparql_server.update_url
    code, _, err = cli("build", str(DEMO), "--endpoint", q, "--update-endpoint", u, "--timeout", "300")
    assert code == 0, err
    code, out, err = cli("reason", "--endpoint", q, "--update-endpoint", u, "--timeout", "300")
    assert code == 0, err
    assert "with sparql" in err and "reasoned with sparql" in out  # in the server, no download
    return RemoteStore(q, u, timeout=300)


def normalised(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return float(value)


def same_rows(a: list[dict[str, object]], b: list[dict[str, object]]) -> bool:
    """Multisets of rows equal, numbers to 1e-9 relative."""
    if len(a) != len(b):
        return False
    key = lambda r: json.dumps({k: (round(v, 6) if isinstance(v, float) else v)  # noqa: E731
                                for k, v in sorted((k, normalised(v)) for k, v in r.items())}, default=str)
    left, right = sorted(a, key=key), sorted(b, key=key)
    for x, y in zip(left, right):
        if x.keys() != y.keys():
            return False
        for k in x:
            u, v = normalised(x[k]), normalised(y[k])
            if isinstance(u, float) and isinstance(v, float):
                if not math.isclose(u, v, rel_tol=1e-9, abs_tol=1e-9):
                    return False
            elif u != v:
                return False
    return True


def test_graphs_are_the_same_and_the_sparql_engine_matches_the_rules_engine(served: RemoteStore, embedded: Path,
                                                                            sparql_server: Server) -> None:
    emb = EmbeddedStore(embedded, read_only=True)
    for g in (GRAPHS.ontology, GRAPHS.asserted):
        assert served.count(g) == emb.count(g), g
    # the inferred graph made inside the server by the sparql engine == the rules engine's, triple for triple
    remote, local = set(read_graph(served, GRAPHS.inferred)), set(read_graph(emb, GRAPHS.inferred))
    if sparql_server.name == "virtuoso":
        # Known Virtuoso 7.2.5 behaviour, seen in some full-suite runs and not in others: cls-hv2 re-derives
        # an asserted plain literal (M-LIOH ls:grade "battery") because Virtuoso's FILTER NOT EXISTS does
        # not always match it against the asserted copy. Such triples are no new facts: they are allowed
        # only when they are asserted triples, and nothing else may differ (docs/remote.md).
        asserted = set(read_graph(emb, GRAPHS.asserted))
        remote = {t for t in remote if t not in asserted or t in local}
    assert remote == local, (sorted(remote - local)[:5], sorted(local - remote)[:5])
    assert len(local) > 5000
    graphs = json.loads(sparql_server.post({"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"}))
    names = {b["g"]["value"] for b in graphs["results"]["bindings"]}
    assert not {g for g in names if g.startswith(GRAPHS.inferred + "#")}  # no staging or work graph left behind


def test_every_catalogue_query_same_as_embedded(served: RemoteStore, embedded: Path, sparql_server: Server) -> None:
    emb = EmbeddedStore(embedded, read_only=True)
    checked: set[str] = set()
    known: dict[str, list[bool]] = {}
    for name, q in catalogue().items():
        for params in ([], *([(p.name, ALTERNATIVES[p.name])] for p in q.params if p.name in ALTERNATIVES)):
            subs = bind(q, params)
            if sparql_server.name == "virtuoso" and name in VIRTUOSO_CRASHES:
                continue
            if sparql_server.name == "virtuoso" and name in VIRTUOSO_FAILS:
                with pytest.raises(EndpointError, match=VIRTUOSO_FAILS[name]):
                    served.select(q.text, subs)
                continue
            same = same_rows(served.select(q.text, subs).values(), emb.select(q.text, subs).values())
            if sparql_server.name == "virtuoso" and name in VIRTUOSO_UNSTABLE:
                continue
            if sparql_server.name == "virtuoso" and name in VIRTUOSO_DIFFERS:
                known.setdefault(name, []).append(same)
                continue
            assert same, (name, params)
            checked.add(name)
    for name, sames in known.items():
        assert not all(sames), f"{name} is now right on Virtuoso: remove it from VIRTUOSO_DIFFERS"
    skipped = set(VIRTUOSO_FAILS) | set(VIRTUOSO_DIFFERS) | VIRTUOSO_UNSTABLE | VIRTUOSO_CRASHES if sparql_server.name == "virtuoso" else set()
    # oxigraph serve: every query; Virtuoso: the ones not listed above (3 of 11 today; issue #12)
    assert checked == set(catalogue()) - skipped and len(checked) >= 3


def _json_without(text: str, *keys: str) -> dict:
    doc = json.loads(text)
    for key in keys:
        doc.pop(key, None)
    return doc


def test_validate_same_as_embedded(served: RemoteStore, embedded: Path) -> None:
    a = cli("validate", "--store", str(embedded), "--format", "json")
    b = cli("validate", "--endpoint", served.query_url, "--format", "json", "--timeout", "300")
    assert a[0] == b[0] and a[0] in (0, 1), (a[2], b[2])
    ja, jb = (_json_without(x[1], "store", "generated", "generated_at") for x in (a, b))
    assert ja == jb


def test_report_metrics_same_as_embedded(served: RemoteStore, embedded: Path, sparql_server: Server) -> None:
    a = cli("report", "--store", str(embedded), "--format", "json")
    b = cli("report", "--endpoint", served.query_url, "--format", "json", "--timeout", "300")
    assert a[0] == b[0] == 0, (a[2], b[2])
    ja, jb = (_json_without(x[1], "store", "generated", "generated_at", "source") for x in (a, b))
    if sparql_server.name == "virtuoso":  # known: the report reads the queries that still differ there
        assert ja != jb, "the report is now right on Virtuoso: make this an equality"
        return
    assert ja == jb


def test_scenario_same_as_embedded(served: RemoteStore, embedded: Path) -> None:
    scenario = str(DEMO / "scenarios" / "nearshore.yaml")
    a = cli("scenario", scenario, "--store", str(embedded), "--format", "json")
    b = cli("scenario", scenario, "--endpoint", served.query_url, "--format", "json", "--timeout", "300")
    assert a[0] == b[0] == 0, (a[2], b[2])
    ja, jb = (_json_without(x[1], "store", "generated", "generated_at", "source") for x in (a, b))
    assert ja == jb
