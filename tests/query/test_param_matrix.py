"""Query parameters mean what the typed value written into the text by hand would mean, in every
position a query can read them, on the embedded store and on a real `oxigraph serve` alike.

Each case is a query template with placeholders for the positions of one parameter ``?p``:

* ``$P``     a read of the value (pattern, expression):  bound ``?p``         by hand ``VALUE``
* ``$PROJ``  a projection:                                bound ``?p``         by hand ``(VALUE AS ?p)``
* ``$KEY``   a GROUP BY / ORDER BY key:                   bound ``?p``         by hand ``(VALUE)``
* ``$BOUND`` ``BOUND(?p)``:                               bound ``BOUND(?p)``  by hand ``true``

The bound query goes through the catalogue (header check, typed conversion with ``-p``-style
text) and the store's binding; the hand-written query is made here by plain string replacement
with the value's SPARQL syntax as a person would type it (``42``, ``2.5``, ``true``, ``<urn:..>``,
an escaped string), and runs with no parameters. Both must give the same variables and rows.
"""
from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from loopsource.errors import QueryError
from loopsource.query import bind, parse_query
from loopsource.rdf.vocab import GRAPHS
from loopsource.store import EmbeddedStore, GraphStore, SelectResult
from loopsource.store.remote import RemoteStore

XSD = "http://www.w3.org/2001/XMLSchema#"
INJECTION = 'x" } ; DROP ALL ; INSERT DATA { <urn:a> <urn:b> "c" } #'

# (id, declared type, the value as given on the command line, the value in SPARQL syntax by hand)
VALUES = [
    ("string", "string", 'say "hi"\\ then\nnext: ü ☃ 😀', r'"say \"hi\"\\ then\nnext: ü ☃ 😀"'),
    ("integer", "integer", "42", "42"),
    ("decimal", "decimal", "2.5", "2.5"),
    ("date", "date", "2024-02-29", f'"2024-02-29"^^<{XSD}date>'),
    ("iri", "iri", "urn:ex:a", "<urn:ex:a>"),
    ("boolean", "boolean", "true", "true"),
]

# Items i1..i6 each hold one of the values above, i7..i12 a value of the same type that differs,
# so that a pattern or FILTER on the value picks exactly one item.
DATA = f"""
@prefix ex: <urn:ex:> .
@prefix xsd: <{XSD}> .
ex:i1 ex:val "say \\"hi\\"\\\\ then\\nnext: ü ☃ 😀" ; ex:n 1 ; ex:g "a" .
ex:i2 ex:val 42 ; ex:n 2 ; ex:g "a" .
ex:i3 ex:val 2.5 ; ex:n 3 ; ex:g "b" .
ex:i4 ex:val "2024-02-29"^^xsd:date ; ex:n 4 ; ex:g "b" .
ex:i5 ex:val ex:a ; ex:n 5 ; ex:g "c" .
ex:i6 ex:val true ; ex:n 6 ; ex:g "c" .
ex:i7 ex:val "other" ; ex:n 7 ; ex:g "a" .
ex:i8 ex:val 7 ; ex:n 8 ; ex:g "b" .
ex:i9 ex:val 3.25 ; ex:n 9 ; ex:g "c" .
ex:i10 ex:val "2023-01-01"^^xsd:date ; ex:n 10 .
ex:i11 ex:val ex:b ; ex:n 11 .
ex:i12 ex:val false ; ex:n 12 .
ex:a ex:label "A" ; ex:n 13 .
"""

PREFIX = "PREFIX ex: <urn:ex:>\n"
# (id, template, whether row order is part of the answer)
POSITIONS = [
    ("subject", "SELECT ?l ?n WHERE { $P ex:label ?l ; ex:n ?n }", False),
    ("object", "SELECT ?s WHERE { ?s ex:val $P }", False),
    ("filter", "SELECT ?s ?v WHERE { ?s ex:val ?v FILTER(?v = $P || STR(?v) = STR($P)) }", False),
    ("bind-expression", 'SELECT ?s ?x WHERE { ?s ex:n ?n BIND(CONCAT(STR($P), "/", STR(?n)) AS ?x) }', False),
    ("bind-bare-alias", "SELECT ?s ?x WHERE { ?s ex:n ?n BIND($P AS ?x) }", False),
    ("arithmetic", "SELECT ?s ?x WHERE { ?s ex:n ?n BIND(IF(isNumeric($P), ?n * $P + 1, STRLEN(STR($P)) * ?n) AS ?x) }",
     False),
    ("bind-bare-alias-projected", "SELECT ?s ?x $PROJ WHERE { ?s ex:n ?n BIND($P AS ?x) }", False),
    ("bound", "SELECT ?s ?b WHERE { ?s ex:n ?n FILTER($BOUND && ?n > 10) BIND($BOUND AS ?b) }", False),
    ("bound-projected", "SELECT ?s $PROJ WHERE { ?s ex:n ?n FILTER($BOUND && ?n > 10) }", False),
    ("sub-select-projected", "SELECT ?s ?p WHERE { ?s ex:n ?n { SELECT ?s $PROJ WHERE { ?s ex:val $P } } }", False),
    ("sub-select-not-projected",
     "SELECT ?s ?n WHERE { ?s ex:n ?n { SELECT ?s WHERE { ?s ex:val ?v FILTER(?v != $P) } } }", False),
    ("nested-sub-selects",
     "SELECT ?s ?p ?k WHERE { { SELECT ?s ?p (?n + 1 AS ?k) WHERE { ?s ex:n ?n { SELECT ?s $PROJ WHERE { ?s ex:val ?v "
     "FILTER(sameTerm(?v, $P)) } } } } }", False),
    ("optional", 'SELECT ?s ?hit WHERE { ?s ex:n ?n OPTIONAL { ?s ex:val $P BIND("yes" AS ?hit) } }', False),
    ("group-by", "SELECT $PROJ (COUNT(?s) AS ?c) (SUM(?n) AS ?total) WHERE { ?s ex:n ?n } GROUP BY $KEY", False),
    ("group-by-second-key", "SELECT ?g $PROJ (COUNT(?s) AS ?c) WHERE { ?s ex:n ?n ; ex:g ?g } GROUP BY ?g $KEY", False),
    ("having", "SELECT ?g (COUNT(?s) AS ?c) WHERE { ?s ex:g ?g } GROUP BY ?g HAVING(COUNT(?s) >= 3 && STRLEN(STR($P)) > 4)",
     False),
    ("aggregate", "SELECT (SUM(IF(isNumeric($P), $P, 1)) AS ?sum) (COUNT(DISTINCT $P) AS ?c) "
                  "(MAX(STR($P)) AS ?m) (COUNT(*) AS ?rows) WHERE { ?s ex:n ?n }", False),
    ("aggregate-grouped-sub-select", "SELECT ?g ?p ?c WHERE { { SELECT ?g $PROJ (COUNT(?s) AS ?c) WHERE "
                                     "{ ?s ex:g ?g FILTER(STR($P) != \"\") } GROUP BY ?g $KEY } }", False),
    ("order-by", "SELECT ?s ?n WHERE { ?s ex:n ?n } ORDER BY $KEY DESC(?n)", True),
    ("order-by-expression", "SELECT ?s ?n WHERE { ?s ex:n ?n } ORDER BY ASC($P) ASC(?n * IF(isNumeric($P), -1, 1))", True),
    ("projection", "SELECT ?s $PROJ WHERE { ?s ex:val ?v FILTER(sameTerm(?v, $P)) }", False),
    ("projection-only-with-expression", "SELECT ?s $PROJ (STR($P) AS ?text) WHERE { ?s ex:val $P }", False),
    ("select-star", "SELECT * WHERE { ?s ex:val $P ; ex:n ?n }", False),
    ("no-projection-ask", "ASK { $P ex:label ?l }", False),
    ("exists", "SELECT ?s WHERE { ?s ex:n ?n FILTER NOT EXISTS { ?s ex:val $P } }", False),
    ("graph-union-minus", "SELECT ?s WHERE { { ?s ex:val $P } UNION { ?s ex:label ?l } MINUS { ?s ex:n 13 } }", False),
]


def bound_text(template: str) -> str:
    return (template.replace("$PROJ", "?p").replace("$KEY", "?p").replace("$BOUND", "BOUND(?p)")
            .replace("$P", "?p"))


def hand_text(template: str, syntax: str) -> str:
    return (template.replace("$PROJ", f"({syntax} AS ?p)").replace("$KEY", f"({syntax})")
            .replace("$BOUND", "true").replace("$P", syntax))


def header(ptype: str) -> str:
    return f"#+ title: matrix\n#+ params:\n#+   p: {{type: {ptype}, description: the value}}\n"


# ----------------------------------------------------------------------------- stores
@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore.create(tmp_path_factory.mktemp("matrix") / "store",
                                 {GRAPHS.asserted: [(DATA, ox.RdfFormat.TURTLE)]})
    yield store
    store.close()


@pytest.fixture(scope="module")
def remote(oxigraph_server: str) -> Iterator[RemoteStore]:
    """The session's `oxigraph serve` (tests/conftest.py: a failure, not a skip, in CI without
    the binary), emptied and loaded with the same data."""
    store = RemoteStore(f"{oxigraph_server}/query", f"{oxigraph_server}/update")
    store.update("DROP ALL")
    store.replace_graphs({GRAPHS.asserted: [(DATA, ox.RdfFormat.TURTLE)]})
    yield store
    store.update("DROP ALL")


STORES = ["embedded", pytest.param("remote", marks=pytest.mark.server)]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> GraphStore:
    return request.getfixturevalue(request.param)


def answer(store: GraphStore, text: str, subs: dict | None, ordered: bool) -> object:
    """An ASK's boolean, or a SELECT's variables and rows (sorted unless their order is the answer)."""
    if text.splitlines()[-1].startswith("ASK"):
        return store.ask(text, subs)
    res = store.select(text, subs)
    rows = list(res.rows) if ordered else sorted(res.rows, key=lambda r: [str(t) for t in r])
    return res.variables, rows


# ----------------------------------------------------------------------------- the matrix
@pytest.mark.parametrize("value", VALUES, ids=[v[0] for v in VALUES])
@pytest.mark.parametrize("position", POSITIONS, ids=[p[0] for p in POSITIONS])
def test_bound_parameter_means_the_value_written_by_hand(store: GraphStore, position: tuple, value: tuple) -> None:
    _, template, ordered = position
    _, ptype, given, syntax = value
    q = parse_query(header(ptype) + PREFIX + bound_text(template), "matrix.rq")
    by_hand = PREFIX + hand_text(template, syntax)
    assert "$" not in by_hand
    got = answer(store, q.text, bind(q, [("p", given)]), ordered)
    expected = answer(store, by_hand, None, ordered)
    assert got == expected


def test_the_matrix_is_not_vacuous(embedded: EmbeddedStore) -> None:
    """The answers depend on the value, except where the position cannot tell values apart
    (BOUND of a constant is true, ordering by a constant keeps the next key's order)."""
    for name, template, ordered in POSITIONS:
        answers = {repr(answer(embedded, PREFIX + hand_text(template, syntax), None, ordered))
                   for _, _, _, syntax in VALUES}
        assert (len(answers) == 1) == (name in ("bound", "order-by")), name


# ----------------------------------------------------------------------------- errors
ASSIGNMENTS = [
    ("bind-target", "SELECT ?s WHERE { ?s ex:n ?n\n BIND(?n AS ?p) }", 2, "assigned with AS"),
    ("select-target", "SELECT ?s\n (1 AS ?p) WHERE { ?s ex:val ?p }", 2, "assigned with AS"),
    ("group-by-target", "SELECT ?p (COUNT(*) AS ?c) WHERE { ?s ex:val ?o FILTER(?o != ?p) }\nGROUP BY (?s AS ?p)", 2,
     "assigned with AS"),
    ("values", "SELECT ?s WHERE {\n VALUES ?p { 1 2 } ?s ex:val ?p }", 2, "listed in VALUES"),
    ("values-list", "SELECT ?s WHERE { ?s ex:val ?p }\n\nVALUES (?s ?p) { (ex:i1 1) }", 3, "listed in VALUES"),
]


@pytest.mark.parametrize("text, line, message", [a[1:] for a in ASSIGNMENTS], ids=[a[0] for a in ASSIGNMENTS])
def test_assigning_a_parameter_is_refused_when_the_header_is_read(text: str, line: int, message: str) -> None:
    with pytest.raises(QueryError) as e:
        parse_query(header("integer") + PREFIX + text, "mine.rq")
    assert f"mine.rq:{line + 4}: parameter ?p is {message}; a parameter can only be read" == str(e.value)


@pytest.mark.parametrize("text, line, message", [a[1:] for a in ASSIGNMENTS], ids=[a[0] for a in ASSIGNMENTS])
def test_assigning_a_parameter_is_refused_when_bound(store: GraphStore, text: str, line: int, message: str) -> None:
    with pytest.raises(QueryError) as e:
        store.select(PREFIX + text, {"p": ox.Literal("1", datatype=ox.NamedNode(XSD + "integer"))})
    assert f"line {line + 1}: parameter ?p is {message}; a parameter can only be read" == str(e.value)


def test_a_blank_node_cannot_be_bound(store: GraphStore) -> None:
    with pytest.raises(QueryError, match="a blank node cannot be bound"):
        store.select(PREFIX + "SELECT ?s WHERE { ?s ex:val ?p }", {"p": ox.BlankNode()})


def test_a_parameter_need_not_be_projected_but_must_be_read() -> None:
    q = parse_query(header("string") + "SELECT ?s WHERE { ?s ?x ?p }", "mine.rq")
    assert [p.name for p in q.params] == ["p"]
    with pytest.raises(QueryError, match=r"mine.rq:3: parameter 'p' is declared but the query does not use \?p"):
        parse_query(header("string") + "SELECT ?p ?s WHERE { ?s ?x ?o } # ?p", "mine.rq")


# ----------------------------------------------------------------------------- injection
INJECTED = [
    ("bare-alias", "SELECT ?x (STRLEN(?p) AS ?n) WHERE { BIND(?p AS ?x) }"),
    ("projection", "SELECT ?p (STRLEN(?p) AS ?n) WHERE { OPTIONAL { ?s ex:never ?p } }"),
    ("sub-select", "SELECT ?p ?n WHERE { { SELECT ?p (STRLEN(?p) AS ?n) WHERE { FILTER(BOUND(?p)) } } }"),
]


@pytest.mark.parametrize("text", [i[1] for i in INJECTED], ids=[i[0] for i in INJECTED])
def test_injection_round_trips_as_a_literal(store: GraphStore, text: str) -> None:
    q = parse_query(header("string") + PREFIX + text, "echo.rq")
    before = sorted(store.export(None, ox.RdfFormat.N_QUADS).splitlines())
    res: SelectResult = store.select(q.text, bind(q, [("p", INJECTION)]))
    assert res.rows == ((ox.Literal(INJECTION), ox.Literal(str(len(INJECTION)), datatype=ox.NamedNode(XSD + "integer"))),)
    assert sorted(store.export(None, ox.RdfFormat.N_QUADS).splitlines()) == before
    assert not store.ask("ASK { <urn:a> <urn:b> ?c }")


def test_fixture_data_is_what_the_matrix_expects(store: GraphStore) -> None:
    assert store.count(GRAPHS.asserted) == 35  # 9 x 3 + 3 x 2 + 2 triples
    assert store.select(PREFIX + "SELECT ?v WHERE { ex:i1 ex:val ?v }").rows[0][0] == ox.Literal(
        'say "hi"\\ then\nnext: ü ☃ 😀')
