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
