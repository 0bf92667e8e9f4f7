"""What a Virtuoso Open Source 7 server gets wrong in SPARQL results, and how the client corrects it.

Virtuoso 7.2.5 writes every ``xsd:double`` and ``xsd:float`` value with six significant digits
(C's ``%g``: ``8959253.69075575`` comes back as ``8.95925e+06``) in every SPARQL results format
it offers - JSON, XML, CSV, TSV - (openlink/virtuoso-opensource#1006) and in N-Triples (and
RDF/JSON, 16 digits) for CONSTRUCT: an HHI of 5000.0077 reads as 5000.01 and a distance of
6.491143411766085 km as 6.49114. ``STR()`` of a double has 16 digits, not always enough either.
Its Turtle writes the same values with 20 significant digits (exact), but as untyped Turtle
numbers, so a double reads as a decimal and a boolean as an integer. :class:`~loopsource.store.
remote.RemoteStore` therefore takes each double and float from a Turtle answer of the same query
and keeps the types of the first answer:

* SELECT and ASK (:func:`precise_doubles`): when a JSON result holds doubles or floats, the query
  is asked again for a Turtle result set (the DAWG ``res:`` vocabulary), as
  ``application/x-nice-turtle`` (:data:`TURTLE`). Not ``text/turtle``: for that type Virtuoso
  compiles its result-set writer into the query as an aggregate (``define output:format "TTL"``,
  ``DB.DBA.RDF_FORMAT_RESULT_SET_AS_TTL``), and with a grouped sub-SELECT inside it returns one
  row per group of the sub-SELECT instead of every row (``SELECT ?y ?n WHERE { { SELECT ?y
  (COUNT(*) AS ?n) ... GROUP BY ?y } }``: one row of two; ``cti-circular-outflow``: 6 rows of
  11). ``application/x-nice-turtle`` is written from the rows the query returned, with the same
  20 digits. The rows of the two answers are matched by their other values (never by position
  alone), and each double must round to what the JSON said.
* CONSTRUCT (:func:`precise_triples`): when the N-Triples answer holds doubles or floats, their
  exact values are taken from a Turtle answer, matched by subject and predicate and the
  N-Triples' six digits (Virtuoso writes a stored blank node with the same label in both).

A result that cannot be matched raises ``ValueError``: an error, never a guess. Virtuoso also
types a boolean it casts as ``"1"^^xsd:boolean``; :func:`canonical_booleans` writes ``true``
and ``false`` (the same values), so that both stores serialise the same text.
"""
from __future__ import annotations

import math
import struct
from collections.abc import Iterator, Sequence
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

_XSD = "http://www.w3.org/2001/XMLSchema#"
INEXACT = frozenset({_XSD + "double", _XSD + "float"})
_NUMERIC = INEXACT | {_XSD + t for t in ("decimal", "integer", "int", "long", "short", "byte", "nonNegativeInteger",
                                         "positiveInteger", "nonPositiveInteger", "negativeInteger",
                                         "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}
_RES = "http://www.w3.org/2005/sparql-results#"
# The Turtle result set written from the fetched rows (not text/turtle: see the module docstring).
TURTLE = "application/x-nice-turtle"
# Turtle for CONSTRUCT: a triple dictionary, written after the query (no rows lost there).
TURTLE_GRAPH = "text/turtle"


def is_virtuoso(server_header: str | None) -> bool:
    """Whether an HTTP ``Server`` header names Virtuoso (``Virtuoso/07.20.3229 (Linux) ...``)."""
    return bool(server_header) and server_header.lower().startswith("virtuoso")  # type: ignore[union-attr]


def _cells(doc: dict) -> Iterator[dict]:
    for row in doc.get("results", {}).get("bindings", []):
        yield from row.values()


def has_inexact(doc: dict) -> bool:
    """Whether a SPARQL JSON result holds an xsd:double or xsd:float value."""
    return any(c.get("datatype") in INEXACT for c in _cells(doc))


def canonical_booleans(doc: dict) -> None:
    """``"1"``/``"0"`` typed xsd:boolean become ``"true"``/``"false"`` (same value, canonical text)."""
    for c in _cells(doc):
        if c.get("datatype") == _XSD + "boolean" and c.get("value") in ("1", "0"):
            c["value"] = "true" if c["value"] == "1" else "false"


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _json_key(cell: dict | None) -> tuple:
    if cell is None:
        return ("unbound",)
    if cell.get("type") == "bnode":
        return ("bnode",)
    if cell.get("type") == "uri":
        return ("uri", cell["value"])
    value = cell["value"]
    if cell.get("datatype") == _XSD + "boolean":
        return ("number", 1.0 if value in ("1", "true") else 0.0)
    if cell.get("datatype") in _NUMERIC:
        return ("number", _number(value))
    return ("literal", value)


def _ttl_key(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> tuple:
    if term is None:
        return ("unbound",)
    if isinstance(term, ox.BlankNode):
        return ("bnode",)
    if isinstance(term, ox.NamedNode):
        return ("uri", term.value)
    if term.datatype.value in _NUMERIC or term.datatype.value == _XSD + "boolean":
        return ("number", _number(term.value) if term.value not in ("true", "false") else float(term.value == "true"))
    return ("literal", term.value)


def turtle_rows(turtle: bytes) -> tuple[list[str], list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]]]:
    """The variables and the solutions, in document order, of a Turtle result set (``res:``)."""
    variables: list[str] = []
    order: list[ox.BlankNode | ox.NamedNode] = []
    bindings: dict[object, list[object]] = {}
    var_of: dict[object, str] = {}
    value_of: dict[object, object] = {}
    for t in ox.parse(turtle, format=ox.RdfFormat.TURTLE):
        p = t.predicate.value
        if p == _RES + "resultVariable":
            variables.append(t.object.value)
        elif p == _RES + "solution":
            order.append(t.object)
        elif p == _RES + "binding":
            bindings.setdefault(t.subject, []).append(t.object)
        elif p == _RES + "variable":
            var_of[t.subject] = t.object.value
        elif p == _RES + "value":
            value_of[t.subject] = t.object
    rows = [{var_of[b]: value_of[b] for b in bindings.get(s, []) if b in var_of and b in value_of} for s in order]
    return variables, rows  # type: ignore[return-value]


def precise_doubles(doc: dict, turtle: bytes) -> int:
    """Put the exact value of every xsd:double/xsd:float of ``doc`` (SPARQL JSON, changed in place)
    from ``turtle`` (the same query's Turtle result set); the number of values replaced.

    Rows are matched by all their values other than doubles and floats (a bag: a row is used
    once), and among those by the doubles, which must agree with the JSON's six digits."""
    json_rows = doc.get("results", {}).get("bindings", [])
    variables, ttl_rows = turtle_rows(turtle)
    if len(ttl_rows) != len(json_rows):
        raise ValueError(f"the Turtle result has {len(ttl_rows)} rows, the JSON result {len(json_rows)}")
    names = list(doc.get("head", {}).get("vars", variables))
    inexact = {v for row in json_rows for v, c in row.items() if c.get("datatype") in INEXACT}
    exact = [v for v in names if v not in inexact]
    pool: dict[tuple, list[dict]] = {}
    for row in ttl_rows:
        pool.setdefault(tuple(_ttl_key(row.get(v)) for v in exact), []).append(row)
    replaced = 0
    for row in json_rows:
        candidates = pool.get(tuple(_json_key(row.get(v)) for v in exact), [])
        match = next((c for c in candidates if _agrees(row, c, inexact)), None)
        if match is None:
            raise ValueError(f"no row of the Turtle result matches {row}")
        candidates.remove(match)
        for v in inexact:
            cell, term = row.get(v), match.get(v)
            if cell is None or cell.get("datatype") not in INEXACT or not isinstance(term, ox.Literal):
                continue
            exact_value = _number(term.value)
            if exact_value is not None and math.isfinite(exact_value):
                cell["value"] = repr(exact_value)
                replaced += 1
    return replaced


def _agrees(row: dict, candidate: dict, inexact: set[str]) -> bool:
    """The candidate's values for the inexact variables, written with six significant digits as
    Virtuoso writes them in JSON, are the row's."""
    for v in inexact:
        cell, term = row.get(v), candidate.get(v)
        if (cell is None) != (term is None):
            return False
        if cell is None or cell.get("datatype") not in INEXACT:
            continue
        shown, exact_value = _number(cell["value"]), _number(term.value) if isinstance(term, ox.Literal) else None
        if shown is None or exact_value is None:
            if cell["value"] != getattr(term, "value", None):
                return False
            continue
        if math.isfinite(exact_value) and float(f"{exact_value:.6g}") != shown:  # what %g wrote
            return False
    return True


def is_inexact(term: object) -> bool:
    """Whether a term is an xsd:double or xsd:float literal (what Virtuoso writes with six digits)."""
    return isinstance(term, ox.Literal) and term.datatype.value in INEXACT


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _shows(exact: float, shown: float | None) -> bool:
    """``exact`` written with six significant digits (Virtuoso's %g) is ``shown``."""
    if shown is None:
        return False
    if math.isnan(exact) or math.isnan(shown):
        return math.isnan(exact) and math.isnan(shown)
    if not math.isfinite(exact):
        return exact == shown
    return float(f"{exact:.6g}") == shown


def _lexical(value: float, datatype: str) -> str:
    """The shortest lexical form that reads back as ``value`` in ``datatype`` (a float32 for
    xsd:float), with XSD's INF, -INF and NaN."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    if datatype == _XSD + "float":
        packed = struct.pack("<f", value)
        for digits in range(1, 10):
            text = f"{value:.{digits}g}"
            if struct.pack("<f", float(text)) == packed:
                return text
    return repr(value)


def precise_triples(triples: Sequence[ox.Triple], turtle: bytes, *, complete: bool = True) -> list[ox.Triple]:
    """``triples`` (a CONSTRUCT answer in N-Triples) with each xsd:double/xsd:float object replaced
    by its exact value from ``turtle``: the same query's answer in Turtle (``complete``), or the
    answer of a query that gave only these triples (``complete=False``; then every number of
    ``turtle`` must be used).

    Turtle numbers are matched by subject and predicate. In a complete answer the numbers of the
    exact (decimal, integer) objects of the same subject and predicate are set aside first; a
    double then takes a number that is no xsd:float and rounds to the N-Triples' six digits, a
    float an xsd:float that does. Numbers that tie (same subject, predicate and six digits) are
    interchangeable: any assignment gives the same triples."""
    pool: dict[tuple, list[ox.Literal]] = {}
    for q in ox.parse(turtle, format=ox.RdfFormat.TURTLE):
        o = q.object
        if isinstance(o, ox.Literal) and o.datatype.value in _NUMERIC:
            pool.setdefault((q.subject, q.predicate), []).append(o)
    if complete:
        for t in triples:
            o = t.object
            if isinstance(o, ox.Literal) and o.datatype.value in _NUMERIC and o.datatype.value not in INEXACT:
                numbers, value = pool.get((t.subject, t.predicate), []), _decimal(o.value)
                same = next((c for c in numbers if c.datatype.value != _XSD + "float"
                             and value is not None and _decimal(c.value) == value), None)
                if same is not None:
                    numbers.remove(same)
    out: list[ox.Triple] = []
    for t in triples:
        o = t.object
        if not is_inexact(o):
            out.append(t)
            continue
        datatype = o.datatype.value  # type: ignore[union-attr]
        numbers, shown = pool.get((t.subject, t.predicate), []), _number(o.value)  # type: ignore[union-attr]
        match = next((c for c in numbers if (c.datatype.value == _XSD + "float") == (datatype == _XSD + "float")
                      and _number(c.value) is not None and _shows(_number(c.value), shown)), None)  # type: ignore[arg-type]
        if match is None:
            raise ValueError(f"no number of the Turtle answer matches {t}")
        numbers.remove(match)
        exact = _number(match.value)
        out.append(ox.Triple(t.subject, t.predicate, ox.Literal(_lexical(exact, datatype),  # type: ignore[arg-type]
                                                                datatype=ox.NamedNode(datatype))))
    if not complete:
        left = sum(len(v) for v in pool.values())
        if left:
            raise ValueError(f"{left} number(s) of the Turtle answer match no triple")
    return out


__all__ = ["INEXACT", "TURTLE", "TURTLE_GRAPH", "is_virtuoso", "has_inexact", "is_inexact", "canonical_booleans",
           "turtle_rows", "precise_doubles", "precise_triples"]
