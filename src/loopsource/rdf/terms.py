"""RDF terms as N-Triples text: writing, reading and splitting, in one place.

loopsource moves whole graphs as pyoxigraph's canonical N-Triples (one space between terms,
`` .`` at the end of a line) because comparing and hashing terms as text is what makes the
rules engine and the snapshot fast. Every component that writes or reads such text uses the
functions here, so a literal has one spelling whichever component wrote it.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from .vocab import XSD

Triple = tuple[str, str, str]  # N-Triples terms: '<iri>', '_:b0', '"lex"^^<dt>'

# The same escapes as pyoxigraph's canonical N-Triples output.
_ESC = {i: f"\\u{i:04X}" for i in (*range(0x20), 0x7F)}
_ESC.update({ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t",
             ord("\b"): "\\b", ord("\f"): "\\f"})
DECIMAL_SUFFIX = "^^<" + XSD + "decimal>"
DATE_SUFFIX = "^^<" + XSD + "date>"
_SIMPLE = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_UNESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")


# ----------------------------------------------------------------------------- writing
def string_literal(value: str) -> str:
    """A plain string literal, escaped for N-Triples (and so for Turtle, whose escapes are a superset)."""
    return '"' + value.translate(_ESC) + '"'


def decimal_literal(value: Decimal) -> str:
    """An xsd:decimal literal with one lexical form per value ("2000", "0.3"), so equal numbers are equal terms."""
    text = format(value.normalize(), "f")
    return '"' + ("0" if text in ("-0", "") else text) + '"' + DECIMAL_SUFFIX


def iri(value: str) -> str:
    return "<" + value + ">"


def to_ntriples(triples: Iterable[Triple]) -> str:
    return "".join(f"{s} {p} {o} .\n" for s, p, o in triples)


# ----------------------------------------------------------------------------- reading
def parse_ntriples(text: str) -> list[Triple]:
    """Split pyoxigraph's canonical N-Triples output (one space between terms, ' .' at the end)."""
    out = []
    for line in text.splitlines():
        if not line or line[0] == "#":
            continue
        s, p, o = line[:-2].split(" ", 2)
        out.append((s, p, o))
    return out


def _unescape_one(m: re.Match[str]) -> str:
    x = m.group(1)
    return chr(int(x[1:], 16)) if x[0] in "uU" and len(x) > 1 else _SIMPLE.get(x, x)


def unescape(lex: str) -> str:
    """Undo N-Triples string escapes."""
    if "\\" not in lex:
        return lex
    return _UNESCAPE.sub(_unescape_one, lex)


def lexical(term: str | None) -> str | None:
    """The lexical form of an N-Triples literal term (None stays None)."""
    if term is None:
        return None
    end = term.rfind('"')
    return unescape(term[1:end])


def number(term: str | None) -> float | None:
    v = lexical(term)
    return None if v is None else float(v)


def iri_value(term: str) -> str:
    """'<http://x>' -> 'http://x'."""
    return term[1:-1]


def local_name(iri_text: str) -> str:
    """The part after the last '#' or '/' (for IDs and class names in messages)."""
    return iri_text.rsplit("#", 1)[-1].rsplit("/", 1)[-1].rstrip(">")
