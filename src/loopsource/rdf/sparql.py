"""SPARQL text handling: a tokenizer (strings, IRIs and comments are never mistaken for
variables), the query form, declared prefixes, and binding RDF terms to variables as text.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from ..errors import QueryError

UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
QUERY_KEYWORDS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
Term = ox.NamedNode | ox.BlankNode | ox.Literal


# ----------------------------------------------------------------------------- tokenizer
@dataclass(frozen=True)
class Token:
    kind: str  # ws, comment, string, iri, var, num, word, punct
    text: str
    line: int  # 1-based line of the token's first character

    @property
    def upper(self) -> str:
        return self.text.upper()


# One alternative per SPARQL lexical class that can *contain* characters that would
# otherwise look like syntax ({ } # ? ") - strings, IRIs, comments - plus variables.
_TOKEN = re.compile(r"""
  (?P<ws>\s+)
| (?P<comment>\#[^\n\r]*)
| (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
            |'''(?:[^'\\]|\\.|'(?!''))*'''
            |"(?:[^"\\\n\r]|\\.)*"
            |'(?:[^'\\\n\r]|\\.)*')
| (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
| (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
| (?P<num>\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
| (?P<word>(?:[^\W\d]|_)[\w\-.\u00B7]*(?::(?:[\w\-.:%\u00B7]|\\.)*)?|:(?:[\w\-.:%\u00B7]|\\.)*)
| (?P<punct>.)
""", re.X | re.S)


def tokenize(text: str) -> list[Token]:
    """SPARQL tokens with their lines. Unterminated strings fall through to punctuation."""
    out: list[Token] = []
    line = 1
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "punct"
        s = m.group()
        if kind == "word" and s.endswith(".") and len(s) > 1:
            # a prefixed name cannot end with '.': 'ls:id.' is 'ls:id' then the triple's dot
            stripped = s.rstrip(".")
            out.append(Token(kind, stripped, line))
            out.extend(Token("punct", ".", line) for _ in range(len(s) - len(stripped)))
        else:
            out.append(Token(kind, s, line))
        line += s.count("\n")
    return out


def significant(tokens: Sequence[Token]) -> list[int]:
    return [i for i, t in enumerate(tokens) if t.kind not in ("ws", "comment")]


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT, DESCRIBE, or UPDATE (any SPARQL Update operation)."""
    for t in tokenize(text):
        if t.kind == "word" and t.upper in QUERY_KEYWORDS:
            return t.upper
        if t.kind == "word" and t.upper in UPDATE_KEYWORDS:
            return "UPDATE"
    raise QueryError("not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE found")


def declared_prefixes(text: str) -> set[str]:
    all_tokens = tokenize(text)
    toks = [all_tokens[i] for i in significant(all_tokens)]
    return {toks[i + 1].text.split(":", 1)[0] for i, t in enumerate(toks[:-1])
            if t.kind == "word" and t.upper == "PREFIX" and toks[i + 1].kind == "word"}


# ----------------------------------------------------------------------------- substitution
@dataclass(frozen=True)
class _Projection:
    variables: frozenset[str]
    star: bool
    open_brace: int  # index (in the significant-token list) of the WHERE group's '{'


def top_projection(sig: Sequence[Token], start: int = 0) -> _Projection | None:
    """Projection of the SELECT at or after ``start`` (None when there is none)."""
    i = start
    while i < len(sig) and not (sig[i].kind == "word" and sig[i].upper == "SELECT"):
        i += 1
    if i == len(sig):
        return None
    depth = 0
    variables: set[str] = set()
    star = False
    j = i + 1
    while j < len(sig):
        t = sig[j]
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        elif depth == 0 and (t.text == "{" or (t.kind == "word" and t.upper in ("WHERE", "FROM"))):
            break
        elif depth == 0 and t.kind == "var":
            variables.add(t.text[1:])
        elif depth == 0 and t.text == "*":
            star = True
        elif depth > 0 and t.kind == "var" and j >= 1 and sig[j - 1].kind == "word" and sig[j - 1].upper == "AS":
            variables.add(t.text[1:])
        j += 1
    while j < len(sig) and sig[j].text != "{":
        j += 1
    return _Projection(frozenset(variables), star, j)


def _match(sig: Sequence[Token], open_index: int) -> int:
    depth = 0
    for k in range(open_index, len(sig)):
        if sig[k].text == "{":
            depth += 1
        elif sig[k].text == "}":
            depth -= 1
            if depth == 0:
                return k
    raise QueryError("unbalanced braces in the query")


def substitute(text: str, substitutions: Mapping[str, Term]) -> str:
    """The query with each variable bound to its term, with Oxigraph's (SEP-0007) semantics, as text.

    Only variable *tokens* are rewritten, to the term's N-Triples form (escaped by pyoxigraph).
    In a SELECT the variable must be projected; its occurrences in the WHERE clause become the
    term, and a final ``BIND(term AS ?v)`` keeps it bound for the projection, GROUP BY and
    ORDER BY. Sub-SELECTs that do not project the variable have their own variable of that
    name and are left alone. A substituted query is re-tokenised and checked before use.
    """
    if not substitutions:
        return text
    tokens = tokenize(text)
    idx = significant(tokens)
    sig = [tokens[i] for i in idx]
    terms = {name: str(term) for name, term in substitutions.items()}
    for name, term in substitutions.items():
        if isinstance(term, ox.BlankNode):
            raise QueryError(f"parameter {name!r}: a blank node cannot be bound into a query text")
    repl: dict[int, str] = {}  # significant index -> replacement text
    append: dict[int, str] = {}  # significant index of a '}' -> text to insert before it
    form = query_form(text)
    if form == "UPDATE":
        raise QueryError("parameters cannot be bound into a SPARQL Update")
    for s, t in enumerate(sig):
        if t.kind == "var" and t.text[1:] in terms and s and sig[s - 1].kind == "word" and sig[s - 1].upper == "AS":
            raise QueryError(f"line {t.line}: parameter ?{t.text[1:]} is assigned with AS; a parameter can only be read")

    def scope(lo: int, hi: int, names: set[str]) -> set[str]:
        """Replace variables in sig[lo:hi]; recurse into sub-SELECTs. Returns names a sub-SELECT projects."""
        exported: set[str] = set()
        k = lo
        while k < hi:
            t = sig[k]
            if t.text == "{" and k + 1 < hi and sig[k + 1].kind == "word" and sig[k + 1].upper == "SELECT":
                end = _match(sig, k)
                proj = top_projection(sig, k + 1)
                assert proj is not None
                inner = {n for n in names if proj.star or n in proj.variables}
                if inner:
                    select_scope(proj, inner)
                    exported |= {n for n in inner if n in proj.variables or proj.star}
                k = end + 1
                continue
            if t.kind == "var" and t.text[1:] in names:
                repl[k] = " " + terms[t.text[1:]] + " "
            k += 1
        return exported

    def select_scope(proj: _Projection, names: set[str]) -> None:
        if proj.open_brace >= len(sig):
            raise QueryError("the SELECT query has no WHERE group")
        close = _match(sig, proj.open_brace)
        exported = scope(proj.open_brace + 1, close, names)
        binds = "".join(f" BIND({terms[n]} AS ?{n})" for n in sorted(names - exported))
        if binds:
            append[close] = append.get(close, "") + binds + " "

    if form == "SELECT":
        proj = top_projection(sig)
        assert proj is not None
        missing = [n for n in terms if not proj.star and n not in proj.variables]
        if missing:
            raise QueryError(f"the query does not contain variable ?{missing[0]} in its SELECT projection")
        select_scope(proj, set(terms))
    else:
        first = next(k for k, t in enumerate(sig) if t.kind == "word" and t.upper == form)
        scope(first + 1, len(sig), set(terms))
    out: list[str] = []
    pos = {i: s for s, i in enumerate(idx)}
    for i, tok in enumerate(tokens):
        s = pos.get(i)
        if s is not None and s in append:
            out.append(append[s])
        out.append(repl.get(s, tok.text) if s is not None else tok.text)
    result = "".join(out)
    _check_substituted(result, terms)
    return result


def _check_substituted(text: str, terms: Mapping[str, str]) -> None:
    """Defence in depth: each term is one string or IRI token (plus ^^<datatype> or @lang), and the
    substituted query still has balanced braces, so no value can change the query's structure."""
    for term_text in terms.values():
        toks = [t for t in tokenize(term_text) if t.kind != "ws"]
        kinds = [t.kind for t in toks]
        ok = (kinds == ["iri"] or kinds == ["string"] or kinds == ["string", "punct", "punct", "iri"]
              or (kinds[:2] == ["string", "punct"] and toks[1].text == "@" and len(toks) == 3))
        if not ok or "".join(t.text for t in toks) != term_text:
            raise QueryError(f"cannot bind {term_text!r}: not a single RDF term")
    depth = 0
    for t in tokenize(text):
        depth += (t.text == "{") - (t.text == "}")
        if depth < 0:
            break
    if depth:
        raise QueryError("binding the parameters would change the query structure")


# ----------------------------------------------------------------------------- nesting limit
# Oxigraph's SPARQL parser is recursive: a query of a few thousand nested braces overflows the
# stack (the embedded store segfaults, the server aborts). Such a query is refused before any
# parser sees it. Real queries nest a few levels; the catalogue's deepest is 6.
MAX_NESTING = 64
_NEST = re.compile(r"""
  "(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'
| <[^<>"{}|^`\\\x00-\x20]*>
| \#[^\n\r]*
| (?P<open>[{(\[])|(?P<close>[})\]])
| (?P<unary>(?:[!+\-]\s*){2,})
""", re.X | re.S)


def nesting_depth(text: str) -> int:
    """How deep brackets (``{ ( [``) nest in a SPARQL text, a run of unary operators
    (``!!!x``, ``- - x``) counting one level each; strings, IRIs and comments are skipped."""
    depth = deepest = 0
    for m in _NEST.finditer(text):
        if m.group("open"):
            depth += 1
            deepest = max(deepest, depth)
        elif m.group("close"):
            depth -= 1
        elif m.group("unary"):
            deepest = max(deepest, depth + len(re.sub(r"\s", "", m.group("unary"))))
    return deepest


def check_nesting(text: str, source: str = "query") -> None:
    """Refuse a query or update nested deeper than :data:`MAX_NESTING` (QueryError)."""
    depth = nesting_depth(text)
    if depth > MAX_NESTING:
        raise QueryError(f"{source}: nested {depth} levels deep; at most {MAX_NESTING} levels of "
                         "{ }, ( ) and [ ] (and of repeated unary operators) are accepted")
