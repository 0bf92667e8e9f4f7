"""The sparql engine (OWL 2 RL rules compiled to SPARQL Update, run in the store) gives exactly
the rules engine's inferred graph: in memory, in the embedded store (``reason --engine sparql``)
and on ``oxigraph serve`` (its default there), on data/demo and on generated data."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from loopsource.cli import main
from loopsource.rdf.vocab import GRAPHS
from loopsource.reason import RulesEngine, SparqlEngine, default_engine, read_graph
from loopsource.reason.sparql_engine import SKOLEM
from loopsource.store import EmbeddedStore, RemoteStore

from ..conftest import DEMO


def cli(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_in_memory_same_as_rules_on_demo(build_store) -> None:
    store = build_store(DEMO, reason=False)
    onto, data = read_graph(store, GRAPHS.ontology), read_graph(store, GRAPHS.asserted)
    fast, compiled = RulesEngine().infer(onto, data).triples, SparqlEngine().infer(onto, data).triples
    assert compiled == fast, (sorted(compiled - fast)[:5], sorted(fast - compiled)[:5])
    assert len(compiled) == 7482  # README: 7,482 inferred triples on data/demo


@pytest.mark.parametrize("seed", [1, 2])
def test_embedded_reason_engine_sparql_same_as_rules(seed: int, tmp_path: Path) -> None:
    from loopsource.devdata.generate import generate

    generate(tmp_path / "gen", suppliers=10, seed=seed)
    graphs = {}
    for engine in ("rules", "sparql"):
        root = tmp_path / engine
        assert cli("build", str(tmp_path / "gen"), "--store", str(root))[0] == 0
        code, out, err = cli("reason", "--store", str(root), "--engine", engine)
        assert code == 0, err
        assert f"reasoned with {engine}" in out
        store = EmbeddedStore(root, read_only=True)
        graphs[engine] = set(read_graph(store, GRAPHS.inferred))
        rows = store.select(f"SELECT ?n WHERE {{ GRAPH <{GRAPHS.meta}> {{ ?run ls:engine ?e ; ls:triplesInferred ?n }} "
                            f"FILTER(STR(?e) = '{engine}') }}").values()
        assert rows and rows[0]["n"] == len(graphs[engine])
        assert {g.value for g in store.store.named_graphs()} == {GRAPHS.ontology, GRAPHS.asserted, GRAPHS.inferred,
                                                                  GRAPHS.meta}
    assert graphs["sparql"] == graphs["rules"] and graphs["rules"]
    assert not [t for t in graphs["sparql"] if SKOLEM in "".join(t)]  # restriction memberships stay in the work graph


def test_default_engine_is_sparql_for_an_endpoint_only(tmp_path: Path) -> None:
    assert default_engine(RemoteStore("http://127.0.0.1:9/query")) == "sparql"
    root = tmp_path / "s"
    assert cli("build", str(DEMO), "--store", str(root))[0] == 0
    assert default_engine(EmbeddedStore(root, read_only=True)) == "rules"


@pytest.mark.server
def test_generated_data_on_oxigraph_serve(endpoint: tuple[str, str], tmp_path: Path) -> None:
    from loopsource.devdata.generate import generate

    generate(tmp_path / "gen", suppliers=12, seed=7)
    q, u = endpoint
    assert cli("build", str(tmp_path / "gen"), "--endpoint", q, "--update-endpoint", u)[0] == 0
    code, out, err = cli("reason", "--endpoint", q, "--update-endpoint", u)
    assert code == 0 and "reasoned with sparql" in out, err
    root = tmp_path / "emb"
    assert cli("build", str(tmp_path / "gen"), "--store", str(root))[0] == 0
    assert cli("reason", "--store", str(root))[0] == 0
    remote = set(read_graph(RemoteStore(q, u), GRAPHS.inferred))
    assert remote == set(read_graph(EmbeddedStore(root, read_only=True), GRAPHS.inferred)) and remote
