"""The client-side corrections of Virtuoso's SPARQL results (store/virtuoso.py), on answers a
Virtuoso 7.2.5 server gave (copied here, so that this runs without the server; the server tests
in test_servers.py check the whole path)."""
from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from loopsource.store import virtuoso

XSD = "http://www.w3.org/2001/XMLSchema#"

# Virtuoso 7.2.5, SELECT ?m ?hhi ?n ?ok WHERE { VALUES (?m ?hhi ?n ?ok) { ("a" 5000.0077e0 1 true)
# ("b" 3510.7919454320213e0 2 false) ("b" 3510.7919454320213e0 2 false) ("c" 5000.0078e0 3 true) } },
# Accept: application/sparql-results+json (the rows here in another order than the Turtle's) ...
JSON = {"head": {"link": [], "vars": ["m", "hhi", "n", "ok"]}, "results": {"distinct": False, "ordered": True, "bindings": [
    {"m": {"type": "literal", "value": "c"}, "hhi": {"type": "typed-literal", "datatype": XSD + "double", "value": "5000.01"},
     "n": {"type": "typed-literal", "datatype": XSD + "integer", "value": "3"},
     "ok": {"type": "typed-literal", "datatype": XSD + "boolean", "value": "1"}},
    {"m": {"type": "literal", "value": "a"}, "hhi": {"type": "typed-literal", "datatype": XSD + "double", "value": "5000.01"},
     "n": {"type": "typed-literal", "datatype": XSD + "integer", "value": "1"},
     "ok": {"type": "typed-literal", "datatype": XSD + "boolean", "value": "1"}},
    *[{"m": {"type": "literal", "value": "b"}, "hhi": {"type": "typed-literal", "datatype": XSD + "double", "value": "3510.79"},
       "n": {"type": "typed-literal", "datatype": XSD + "integer", "value": "2"},
       "ok": {"type": "typed-literal", "datatype": XSD + "boolean", "value": "0"}}] * 2]}}
# ... and Accept: text/turtle (verbatim)
TURTLE = b"""@prefix res: <http://www.w3.org/2005/sparql-results#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
_:_ a res:ResultSet .
_:_ res:resultVariable "m" , "hhi" , "n" , "ok" .
@prefix xsd:	<http://www.w3.org/2001/XMLSchema#> .
_:_ res:solution [
      res:binding [ res:variable "m" ; res:value "a" ] ;
      res:binding [ res:variable "hhi" ; res:value 5000.0077000000001135 ] ;
      res:binding [ res:variable "n" ; res:value 1 ] ;
      res:binding [ res:variable "ok" ; res:value "true"^^xsd:boolean ] ] .
_:_ res:solution [
      res:binding [ res:variable "m" ; res:value "b" ] ;
      res:binding [ res:variable "hhi" ; res:value 3510.7919454320212935 ] ;
      res:binding [ res:variable "n" ; res:value 2 ] ;
      res:binding [ res:variable "ok" ; res:value "false"^^xsd:boolean ] ] .
_:_ res:solution [
      res:binding [ res:variable "m" ; res:value "b" ] ;
      res:binding [ res:variable "hhi" ; res:value 3510.7919454320212935 ] ;
      res:binding [ res:variable "n" ; res:value 2 ] ;
      res:binding [ res:variable "ok" ; res:value "false"^^xsd:boolean ] ] .
_:_ res:solution [
      res:binding [ res:variable "m" ; res:value "c" ] ;
      res:binding [ res:variable "hhi" ; res:value 5000.0078000000003158 ] ;
      res:binding [ res:variable "n" ; res:value 3 ] ;
      res:binding [ res:variable "ok" ; res:value "true"^^xsd:boolean ] ] .
"""


def rows(doc: dict) -> list[tuple]:
    res = ox.parse_query_results(json.dumps(doc).encode(), format=ox.QueryResultsFormat.JSON)
    return [tuple(s[v] for v in ("m", "hhi", "n", "ok")) for s in res]


def test_doubles_exact_rows_matched_by_their_other_values() -> None:
    """5000.0077 and 5000.0078 both read 5000.01 in Virtuoso's JSON; the rows are told apart by ?m
    (not by position: the two answers list them in different orders), and the duplicate row stays
    two rows."""
    doc = json.loads(json.dumps(JSON))
    assert virtuoso.is_virtuoso("Virtuoso/07.20.3229 (Linux) x86_64-pc-linux-gnu  ")
    assert not virtuoso.is_virtuoso("Oxigraph/0.5.2") and not virtuoso.is_virtuoso(None)
    assert virtuoso.has_inexact(doc)
    virtuoso.canonical_booleans(doc)
    assert virtuoso.precise_doubles(doc, TURTLE) == 4
    d = lambda x: ox.Literal(repr(x), datatype=ox.NamedNode(XSD + "double"))  # noqa: E731
    assert rows(doc) == [(ox.Literal("c"), d(5000.0078), ox.Literal(3), ox.Literal(True)),
                         (ox.Literal("a"), d(5000.0077), ox.Literal(1), ox.Literal(True)),
                         (ox.Literal("b"), d(3510.7919454320213), ox.Literal(2), ox.Literal(False)),
                         (ox.Literal("b"), d(3510.7919454320213), ox.Literal(2), ox.Literal(False))]


def test_unmatched_rows_are_an_error_not_a_guess() -> None:
    doc = json.loads(json.dumps(JSON))
    doc["results"]["bindings"][0]["m"]["value"] = "z"  # no such row in the Turtle answer
    with pytest.raises(ValueError, match="no row"):
        virtuoso.precise_doubles(doc, TURTLE)
    doc = json.loads(json.dumps(JSON))
    doc["results"]["bindings"][1]["hhi"]["value"] = "5000.02"  # the six digits disagree
    with pytest.raises(ValueError):
        virtuoso.precise_doubles(doc, TURTLE)
    doc = json.loads(json.dumps(JSON))
    doc["results"]["bindings"].pop()
    with pytest.raises(ValueError, match="rows"):
        virtuoso.precise_doubles(doc, TURTLE)


def test_results_without_doubles_are_left_alone() -> None:
    doc = {"head": {"vars": ["n"]}, "results": {"bindings": [{"n": {"type": "typed-literal", "datatype": XSD + "decimal",
                                                                     "value": "0.155919799590377"}}]}}
    assert not virtuoso.has_inexact(doc)
    virtuoso.canonical_booleans(doc)
    assert doc["results"]["bindings"][0]["n"]["value"] == "0.155919799590377"


# Virtuoso 7.2.5, SELECT ?stream ?year ?units ?kg WHERE { { SELECT ("loops" AS ?stream) ?year (SUM(?x) AS ?kg)
# WHERE { VALUES (?year ?x) { (2024 1.5e0) (2024 0.1e0) (2025 2.0000001e0) } } GROUP BY ?year } }: rows with
# an unbound ?units (as cti-circular-outflow's loops rows), Accept: application/sparql-results+json ...
JSON_UNBOUND = {"head": {"link": [], "vars": ["stream", "year", "units", "kg"]}, "results": {"bindings": [
    {"stream": {"type": "literal", "value": "loops"}, "year": {"type": "typed-literal", "datatype": XSD + "integer", "value": "2025"},
     "kg": {"type": "typed-literal", "datatype": XSD + "double", "value": "2.0"}},
    {"stream": {"type": "literal", "value": "loops"}, "year": {"type": "typed-literal", "datatype": XSD + "integer", "value": "2024"},
     "kg": {"type": "typed-literal", "datatype": XSD + "double", "value": "1.6"}}]}}
# ... Accept: application/x-nice-turtle (verbatim; the Turtle result set loopsource asks for) ...
NICE_TURTLE_UNBOUND = b"""@prefix res: <http://www.w3.org/2005/sparql-results#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
_:_ a res:ResultSet .
_:_ res:resultVariable "stream" , "year" , "units" , "kg" .
@prefix xsd:	<http://www.w3.org/2001/XMLSchema#> .
_:_ res:solution [
      res:binding [ res:variable "stream" ; res:value "loops" ] ;
      res:binding [ res:variable "year" ; res:value 2025 ] ;
      res:binding [ res:variable "kg" ; res:value 2.0000000999999998363 ] ] .
_:_ res:solution [
      res:binding [ res:variable "stream" ; res:value "loops" ] ;
      res:binding [ res:variable "year" ; res:value 2024 ] ;
      res:binding [ res:variable "kg" ; res:value 1.6000000000000000888 ] ] .
"""
# ... and Accept: text/turtle: one row of two (its writer is an aggregate compiled into the query, and
# the grouped sub-SELECT swallows it), what made loopsource refuse cti-circular-outflow before.
TEXT_TURTLE_UNBOUND = NICE_TURTLE_UNBOUND[:NICE_TURTLE_UNBOUND.index(b"_:_ res:solution [\n      res:binding [ res:variable \"stream\" ; res:value \"loops\" ] ;\n      res:binding [ res:variable \"year\" ; res:value 2024")]


def test_rows_with_unbound_values_read_exactly_from_the_nice_turtle_result_set() -> None:
    """An unbound value is a missing res:binding in the Turtle result set and a missing key in the
    JSON: the rows match (2.0000001 and 1.5 + 0.1 = 1.6000000000000001, both shown rounded in JSON).
    The text/turtle answer of the same query has one row of the two, and is refused."""
    assert virtuoso.TURTLE == "application/x-nice-turtle"
    doc = json.loads(json.dumps(JSON_UNBOUND))
    assert virtuoso.precise_doubles(doc, NICE_TURTLE_UNBOUND) == 2
    kg = [float(r["kg"]["value"]) for r in doc["results"]["bindings"]]
    assert kg == [2.0000001, 1.5 + 0.1] and all("units" not in r for r in doc["results"]["bindings"])
    with pytest.raises(ValueError, match="1 rows, the JSON result 2"):
        virtuoso.precise_doubles(json.loads(json.dumps(JSON_UNBOUND)), TEXT_TURTLE_UNBOUND)


# Virtuoso 7.2.5, CONSTRUCT { <urn:a> <urn:p> ?o . <urn:b> <urn:p> ?o2 } WHERE { VALUES (?o ?o2) {
# (1.5 "1278.226721106636"^^xsd:double) ("1.5"^^xsd:double "1278.2267211066362"^^xsd:double)
# ("1.0000001"^^xsd:double "0.1"^^xsd:float) (1.0000002 "INF"^^xsd:double) (2 "1.0e-7"^^xsd:double) } },
# Accept: application/n-triples (six-digit doubles; the two distances both read 1278.23) ...
CONSTRUCT_NT = """<urn:b>\t<urn:p>\t"INF"^^<http://www.w3.org/2001/XMLSchema#double> .
<urn:a>\t<urn:p>\t"1.0"^^<http://www.w3.org/2001/XMLSchema#double> .
<urn:a>\t<urn:p>\t"1.0000002"^^<http://www.w3.org/2001/XMLSchema#decimal> .
<urn:a>\t<urn:p>\t"1.5"^^<http://www.w3.org/2001/XMLSchema#decimal> .
<urn:a>\t<urn:p>\t"2"^^<http://www.w3.org/2001/XMLSchema#integer> .
<urn:b>\t<urn:p>\t"0.1"^^<http://www.w3.org/2001/XMLSchema#float> .
<urn:b>\t<urn:p>\t"1e-07"^^<http://www.w3.org/2001/XMLSchema#double> .
<urn:a>\t<urn:p>\t"1.5"^^<http://www.w3.org/2001/XMLSchema#double> .
<urn:b>\t<urn:p>\t"1278.23"^^<http://www.w3.org/2001/XMLSchema#double> .
<urn:b>\t<urn:p>\t"1278.23"^^<http://www.w3.org/2001/XMLSchema#double> .
"""
# ... and Accept: text/turtle (verbatim: exact, but a double and a decimal both read as decimals)
CONSTRUCT_TTL = b"""@prefix xsd:\t<http://www.w3.org/2001/XMLSchema#> .
@prefix ns1:\t<urn:> .
ns1:b\tns1:p\t"INF"^^xsd:double ,
\t\t"0.10000000149011611938"^^xsd:float ,
\t\t9.9999999999999995475e-08 ,
\t\t1278.2267211066362051 ,
\t\t1278.2267211066359778 .
ns1:a\tns1:p\t1.0000001000000000584 ,
\t\t1.0000002 ,
\t\t1.5 ,
\t\t2 ,
\t\t1.5 .
"""


def _lit(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))


def test_construct_doubles_exact_types_kept() -> None:
    """Each double gets the Turtle number of its subject and predicate that rounds to its six digits,
    after the decimals and integers have taken theirs: the decimal 1.0000002 is not taken for the
    double shown as 1.0 (1.0000001), the double 1.5 keeps its type beside the decimal 1.5, the two
    distances shown as 1278.23 get 1278.226721106636 and 1278.2267211066362, the float 0.1 its
    float32 value's shortest form, INF stays INF."""
    triples = [q.triple for q in ox.parse(CONSTRUCT_NT.encode(), format=ox.RdfFormat.N_TRIPLES)]
    assert sum(virtuoso.is_inexact(t.object) for t in triples) == 7
    exact = virtuoso.precise_triples(triples, CONSTRUCT_TTL)
    a, b, p = ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.NamedNode("urn:p")
    assert sorted(map(str, exact)) == sorted(map(str, [
        ox.Triple(b, p, _lit("INF", "double")), ox.Triple(a, p, _lit(repr(1.0000001), "double")),
        ox.Triple(a, p, _lit("1.0000002", "decimal")), ox.Triple(a, p, _lit("1.5", "decimal")),
        ox.Triple(a, p, _lit("2", "integer")), ox.Triple(b, p, _lit("0.1", "float")),
        ox.Triple(b, p, _lit(repr(1e-7), "double")), ox.Triple(a, p, _lit(repr(1.5), "double")),
        ox.Triple(b, p, _lit(repr(1278.226721106636), "double")), ox.Triple(b, p, _lit(repr(1278.2267211066362), "double"))]))


def test_construct_of_the_inexact_triples_only() -> None:
    """complete=False (what a graph export asks: the Turtle holds only the doubles and floats): every
    number must be used; a number left over, or a double with none, is an error."""
    triples = [q.triple for q in ox.parse(CONSTRUCT_NT.encode(), format=ox.RdfFormat.N_TRIPLES)]
    b_only = [t for t in triples if t.subject.value == "urn:b"]
    ttl = CONSTRUCT_TTL[:CONSTRUCT_TTL.index(b"ns1:a")]
    got = virtuoso.precise_triples(b_only, ttl, complete=False)
    assert sorted(t.object.value for t in got) == sorted(["INF", "0.1", repr(1e-7), repr(1278.226721106636),
                                                          repr(1278.2267211066362)])
    with pytest.raises(ValueError, match="match no triple"):
        virtuoso.precise_triples(b_only[1:], ttl, complete=False)
    wrong = [ox.Triple(t.subject, t.predicate, _lit("1278.24", "double")) if t.object.value == "1278.23" else t
             for t in b_only]
    with pytest.raises(ValueError, match="no number"):
        virtuoso.precise_triples(wrong, ttl, complete=False)
