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


EX = "http://example.org/deep#"
_DEEP = f"""
@prefix ex: <{EX}> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:within a owl:TransitiveProperty .
ex:locatedAt owl:propertyChainAxiom ( ex:locatedAt ex:within ) ; rdfs:subPropertyOf ex:relatedTo .
ex:relatedTo rdfs:domain ex:Thingy , ex:Entity .
ex:Thingy rdfs:subClassOf ex:Entity .
ex:Entity rdfs:subClassOf [ a owl:Restriction ; owl:onProperty ex:hasTag ; owl:hasValue ex:tagged ] .
ex:hasTag owl:inverseOf ex:tagOf .
ex:s ex:locatedAt ex:a . ex:a ex:within ex:b . ex:b ex:within ex:c . ex:c ex:within ex:d .
"""


def test_semi_naive_rounds_reach_the_rules_engine_closure() -> None:
    """Each round after the first joins only with the previous round's new triples. This schema
    needs one round per step (chain, sub-property, domain, superclass, hasValue, inverse); the
    result must be the rules engine's closure, and the rounds' own graphs must be gone."""
    import pyoxigraph as ox

    from loopsource.rdf.terms import parse_ntriples
    from loopsource.reason.engine import is_schema
    from loopsource.reason.sparql_engine import _OxWriter, run_plan

    g = ox.Store()
    g.load(_DEEP.encode(), ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(GRAPHS.asserted))
    triples = parse_ntriples(g.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(GRAPHS.asserted)).decode())
    schema = [t for t in triples if is_schema(t)]
    plan = SparqlEngine().plan(schema, [GRAPHS.asserted], "deep")
    lines: list[str] = []
    rounds = run_plan(plan, _OxWriter(g), lines.append)
    got = set(parse_ntriples(g.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(plan.staging)).decode()))
    want = RulesEngine().infer(schema, [t for t in triples if not is_schema(t)]).triples
    assert got == set(want), (sorted(set(want) - got), sorted(got - set(want)))
    tag, tagged, s = f"<{EX}tagOf>", f"<{EX}tagged>", f"<{EX}s>"
    assert (tagged, tag, s) in got and (s, f"<{EX}locatedAt>", f"<{EX}d>") in got
    assert rounds >= 5 and lines[-1] == f"reasoning round {rounds}: 0 new triples"
    assert {n.value for n in g.named_graphs()} <= {GRAPHS.asserted, plan.staging, plan.work}  # no round graphs


def test_domains_keep_the_most_specific_classes_only() -> None:
    """prp-dom reads one row per property and narrowest class (cax-sco adds the wider ones);
    equivalent classes both stay, since neither is strictly narrower."""
    from loopsource.reason.engine import _Tables
    from loopsource.reason.sparql_engine import _most_specific, _Router

    sub, eq = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>", "<http://www.w3.org/2002/07/owl#equivalentClass>"
    t = _Tables({("<urn:C>", sub, "<urn:D>"), ("<urn:E>", eq, "<urn:F>")})
    rows = [("<urn:p>", "<urn:C>"), ("<urn:p>", "<urn:D>"), ("<urn:q>", "<urn:E>"), ("<urn:q>", "<urn:F>"),
            ("<urn:r>", "<urn:D>")]
    assert sorted(_most_specific(rows, t, _Router(t))) == [("<urn:p>", "<urn:C>"), ("<urn:q>", "<urn:E>"),
                                                            ("<urn:q>", "<urn:F>"), ("<urn:r>", "<urn:D>")]
