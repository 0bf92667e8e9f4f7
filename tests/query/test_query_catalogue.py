"""Query headers, parameter binding (types, injection), the substitution rewrite, CLI.

The full matrix of parameter positions x stores is in tests/query/test_param_matrix.py."""
from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from loopsource.cli import main
from loopsource.errors import QueryError
from loopsource.query import PARAM_TYPES, Param, bind, catalogue, parse_query, resolve, to_term
from loopsource.rdf.sparql import query_form, substitute
from loopsource.store import EmbeddedStore
from loopsource.rdf.vocab import GRAPHS, PREFIXES

from ..conftest import FIXTURES

INJECTION = 'x" } ; DROP ALL ; INSERT DATA { <urn:a> <urn:b> "c" } #'


def test_every_catalogue_header() -> None:
    cat = catalogue()
    assert len(cat) >= 11
    for name, q in cat.items():
        assert q.form == "SELECT", name
        assert q.title and q.description and q.tags, name
        assert q.text.startswith("#+ title:"), name
        for p in q.params:
            assert p.type in PARAM_TYPES and p.description, (name, p.name)
            if p.default is not None:
                to_term(p, p.default)
        # the file is valid SPARQL as it is (the header is a comment)
        ox.Store().query(q.text, substitutions={ox.Variable(p.name): to_term(p, p.default or "x")
                                                for p in q.params} or None)


def header(body: str, query: str = "SELECT ?x WHERE { ?s ?p ?x }") -> str:
    return "".join(f"#+ {line}\n" for line in body.splitlines()) + query


@pytest.mark.parametrize("text, message", [
    (header("title: [unclosed"), "t.rq:1: malformed query header"),
    (header("title: ok\nparams:\n  y: {type: string}"), "t.rq:3: parameter 'y' is declared but the query does not use ?y"),
    (header("title: ok\nparams:\n  x: {type: color}"), "t.rq:3: parameter 'x': type must be one of"),
    (header("title: ok\nparams:\n  x: {type: integer, default: abc}"), "t.rq:3: default of parameter 'x'"),
    (header("title: ok\nauthor: me"), "t.rq:2: unknown header key 'author'"),
    (header("description: no title"), "t.rq:1: the query header needs a 'title'"),
    (header("title: ok\nparams:\n  y: {type: string}", "SELECT ?x WHERE { VALUES ?y { 1 } ?s ?p ?x }"),
     "t.rq:4: parameter ?y is listed in VALUES"),
    (header("title: ok\nparams:\n  x: {type: string}", "SELECT ?x WHERE { ?s ?p ?o BIND(?o AS ?x) }"),
     "t.rq:4: parameter ?x is assigned with AS"),
    (header("title: ok\nparams:\n  y: {type: string}", "SELECT ?x ?y WHERE { ?s ?p ?x } # ?y only here"),
     "does not use ?y"),
])
def test_malformed_headers(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=None) as e:
        parse_query(text, "t.rq")
    assert message in str(e.value)


def test_header_is_optional_for_user_files(tmp_path: Path) -> None:
    f = tmp_path / "mine.rq"
    f.write_text("SELECT (1 AS ?one) WHERE {}", encoding="utf-8")
    q = resolve(str(f))
    assert q.name == "mine" and q.params == () and q.form == "SELECT"


@pytest.mark.parametrize("ptype, value, expected", [
    ("string", "a b", ox.Literal("a b")),
    ("integer", "+42", ox.Literal("42", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
    ("decimal", "2.50", ox.Literal("2.50", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))),
    ("decimal", "100", ox.Literal("100.0", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))),
    ("boolean", "TRUE", ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))),
    ("date", "2024-02-29", ox.Literal("2024-02-29", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))),
    ("iri", "region:CN", ox.NamedNode("https://w3id.org/loopsource/region/CN")),
    ("iri", "<urn:x>", ox.NamedNode("urn:x")),
])
def test_parameter_types(ptype: str, value: str, expected: object) -> None:
    assert to_term(Param("v", ptype, None, ""), value) == expected


@pytest.mark.parametrize("ptype, value", [
    ("integer", "4.5"), ("integer", "ten"), ("decimal", "NaN"), ("decimal", "1,5"), ("boolean", "yes"),
    ("date", "2024-02-30"), ("iri", "not an iri"), ("iri", "http://a b"), ("iri", "region"),
])
def test_parameter_values_that_do_not_fit(ptype: str, value: str) -> None:
    with pytest.raises(QueryError, match="parameter 'v'"):
        to_term(Param("v", ptype, None, ""), value)


def test_bind_unknown_missing_and_enumerations() -> None:
    q = resolve("circular-inflow")
    with pytest.raises(QueryError, match="has no parameter 'colour'"):
        bind(q, [("colour", "red")])
    with pytest.raises(QueryError, match="is not one of material, supplier, plant"):
        bind(q, [("by", "country")])
    req = parse_query(header("title: t\nparams:\n  x: {type: string}"), "t.rq")
    with pytest.raises(QueryError, match="needs a value for parameter 'x'"):
        bind(req, [])


@pytest.fixture(scope="module")
def mini_store(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedStore:
    from loopsource.load.build import build

    root = tmp_path_factory.mktemp("mini") / "store"
    build(FIXTURES / "query", root)
    return EmbeddedStore(root)


ECHO = header("title: echo\nparams:\n  x: {type: string}",
              "SELECT ?x (STRLEN(?x) AS ?n) WHERE { OPTIONAL { ?s <urn:never> ?x } }")


def test_injection_value_is_a_literal_on_the_embedded_store(mini_store: EmbeddedStore) -> None:
    q = parse_query(ECHO, "echo.rq")
    before = mini_store.export(None, ox.RdfFormat.N_QUADS)
    res = mini_store.select(q.text, bind(q, [("x", INJECTION)]))
    assert res.rows[0][0] == ox.Literal(INJECTION)
    assert res.rows[0][1].value == str(len(INJECTION))
    assert mini_store.export(None, ox.RdfFormat.N_QUADS) == before
    assert mini_store.count(GRAPHS.asserted) > 0


def test_catalogue_queries_give_what_oxigraph_substitutions_gave(mini_store: EmbeddedStore) -> None:
    """The catalogue's queries project each parameter in every SELECT that reads it, so for them
    the meaning of a value written in by hand is also what Oxigraph's SEP-0007 substitutions gave
    (which the embedded store used before): the same rows, in the same order."""
    native = mini_store.store  # pyoxigraph itself, only to compare with its substitutions
    for name, q in catalogue().items():
        subs = bind(q, [])
        old = native.query(q.text, prefixes=PREFIXES, use_default_graph_as_union=True,
                           substitutions={ox.Variable(k): v for k, v in subs.items()} or None)
        assert isinstance(old, ox.QuerySolutions)
        old_rows = tuple(tuple(sol[i] for i in range(len(old.variables))) for sol in old)
        new = mini_store.select(q.text, subs)
        assert (tuple(v.value for v in old.variables), old_rows) == (new.variables, new.rows), name
        assert mini_store.select(substitute(q.text, subs)) == new, name
    q = parse_query(ECHO, "echo.rq")
    text = substitute(q.text, bind(q, [("x", INJECTION)]))
    assert "DROP ALL" in text and query_form(text) == "SELECT"


@pytest.mark.parametrize("query, expected", [
    # every scope: a sub-SELECT reads the value too, whether it projects ?x or not
    ("SELECT ?x ?s WHERE { { SELECT ?s WHERE { ?s <urn:p> ?x } } }",
     'SELECT ("v" AS ?x) ?s WHERE { { SELECT ?s WHERE { ?s <urn:p> "v" } } }'),
    # projected where a sub-SELECT already binds it: kept, it carries the sub-SELECT's constant
    ("SELECT ?x ?s WHERE { { SELECT ?x ?s WHERE { ?s <urn:p> ?x } } }",
     'SELECT ?x ?s WHERE { { SELECT ("v" AS ?x) ?s WHERE { ?s <urn:p> "v" } } }'),
    ("SELECT * WHERE { ?s <urn:p> ?x }", 'SELECT * WHERE { ?s <urn:p> "v" }'),
    ("ASK { ?s <urn:p> ?x # ?x in a comment\n FILTER(?x != '?x' && BOUND(?x)) }",
     """ASK { ?s <urn:p> "v" # ?x in a comment\n FILTER("v" != '?x' && true) }"""),
    ("SELECT ?x (COUNT(*) AS ?n) WHERE { ?s <urn:p> ?x } GROUP BY ?x ORDER BY ?x DESC(?x)",
     'SELECT ("v" AS ?x) (COUNT(*) AS ?n) WHERE { ?s <urn:p> "v" } GROUP BY ("v") ORDER BY ("v") DESC("v")'),
    ("SELECT ?y WHERE { BIND(?x AS ?y) }", 'SELECT ?y WHERE { BIND("v" AS ?y) }'),
])
def test_substitute_rewrites_each_position(query: str, expected: str) -> None:
    out = substitute(query, {"x": ox.Literal("v")})
    assert " ".join(out.replace("( ", "(").replace(" )", ")").split()) == " ".join(expected.split())
    s = ox.Store()
    s.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("v")))
    s.add(ox.Quad(ox.NamedNode("urn:t"), ox.NamedNode("urn:p"), ox.Literal("w")))
    mine, by_hand = s.query(out), s.query(expected)
    if isinstance(by_hand, ox.QueryBoolean):
        assert bool(mine) == bool(by_hand)
    else:
        assert sorted(str(list(r)) for r in mine) == sorted(str(list(r)) for r in by_hand)


def test_substitute_refuses_what_it_cannot_bind() -> None:
    with pytest.raises(QueryError, match=r"line 2: parameter \?x is assigned with AS"):
        substitute("SELECT ?s\nWHERE { BIND(1 AS ?x) }", {"x": ox.Literal("v")})
    with pytest.raises(QueryError, match=r"line 1: parameter \?x is listed in VALUES"):
        substitute("SELECT ?s WHERE { VALUES (?s ?x) { (1 2) } }", {"x": ox.Literal("v")})
    with pytest.raises(QueryError, match="SPARQL Update"):
        substitute("DELETE WHERE { ?s ?p ?x }", {"x": ox.Literal("v")})
    with pytest.raises(QueryError, match="blank node"):
        substitute("SELECT ?s WHERE { ?s ?p ?x }", {"x": ox.BlankNode()})


# ----------------------------------------------------------------------------- CLI
@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store that no object of this process keeps open (RocksDB allows one opener)."""
    from loopsource.load.build import build

    root = tmp_path_factory.mktemp("cli") / "store"
    build(FIXTURES / "query", root)
    return root


def cli(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_cli_queries_lists_the_catalogue() -> None:
    code, out, _ = cli("queries")
    assert code == 0
    for name, q in catalogue().items():
        assert f"{name}: {q.title}" in out
    assert "-p hyperlocal_km DECIMAL  (default 100)" in out
    code, out, _ = cli("queries", "supply-exposure")
    assert code == 0 and "upstreamSupplier" in out and "-p region IRI" in out


def test_cli_query_formats_and_output(store_dir: Path, tmp_path: Path) -> None:
    code, out, _ = cli("query", "concentration", "--store", str(store_dir))
    assert code == 0 and "M-AL" in out and "4400" in out
    code, out, _ = cli("query", "concentration", "--store", str(store_dir), "--format", "json")
    data = json.loads(out)
    assert data["head"]["vars"][0] == "material"
    target = tmp_path / "out.csv"
    code, _, err = cli("query", "loops-by-strategy", "--store", str(store_dir), "--format", "csv", "-o", str(target))
    assert code == 0 and target.read_text().startswith("strategy,notation") and "wrote" in err


def test_cli_injection_round_trip(store_dir: Path, tmp_path: Path) -> None:
    f = tmp_path / "echo.rq"
    f.write_text(ECHO, encoding="utf-8")
    before = EmbeddedStore(store_dir).export(None, ox.RdfFormat.N_QUADS)
    code, out, _ = cli("query", str(f), "-p", "x", INJECTION, "--store", str(store_dir), "--format", "json")
    assert code == 0
    assert json.loads(out)["results"]["bindings"][0]["x"]["value"] == INJECTION
    assert EmbeddedStore(store_dir).export(None, ox.RdfFormat.N_QUADS) == before


@pytest.mark.parametrize("args, message", [
    (["query", "no-such-query"], "unknown query 'no-such-query'"),
    (["query", "circular-inflow", "-p", "colour", "red"], "has no parameter 'colour'"),
    (["query", "hyperlocal-candidates", "-p", "km", "ten"], "parameter 'km' (decimal): 'ten' is not a decimal"),
    (["query", "supply-exposure", "-p", "region", "not an iri"], "is not an absolute IRI"),
])
def test_cli_usage_errors_exit_2(store_dir: Path, args: list[str], message: str) -> None:
    code, out, err = cli(*args, "--store", str(store_dir))
    assert code == 2, (out, err)
    assert message in err and "Traceback" not in err


def test_cli_update_needs_the_flag(store_dir: Path, tmp_path: Path) -> None:
    f = tmp_path / "drop.ru"
    f.write_text("DROP ALL", encoding="utf-8")
    before = EmbeddedStore(store_dir).count(GRAPHS.asserted)
    code, _, err = cli("query", str(f), "--store", str(store_dir))
    assert code == 2 and "--update" in err
    assert EmbeddedStore(store_dir).count(GRAPHS.asserted) == before
    g = tmp_path / "add.ru"
    g.write_text('INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> "c" } }', encoding="utf-8")
    code, _, err = cli("query", str(g), "--store", str(store_dir), "--update")
    assert code == 0, err
    assert EmbeddedStore(store_dir).count("urn:g") == 1


def test_cli_bad_header_exits_2(tmp_path: Path, store_dir: Path) -> None:
    f = tmp_path / "bad.rq"
    f.write_text("#+ title: [\nSELECT * WHERE {}", encoding="utf-8")
    code, _, err = cli("query", str(f), "--store", str(store_dir))
    assert code == 2 and f"{f}:1: malformed query header" in err
