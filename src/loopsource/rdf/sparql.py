"""SPARQL text handling: a tokenizer (strings, IRIs and comments are never mistaken for
variables), the query form, declared prefixes, the SELECT clauses of a query, and binding
parameters.

Binding is one text rewrite, used by the embedded store and a remote endpoint alike: the
query means exactly what it would mean with each parameter's typed value written into the
text by hand (:func:`substitute`). Oxigraph's own ``substitutions`` (SEP-0007) are not used
for parameters: they bind only variables the top-level SELECT projects, leave a bare
``BIND(?p AS ?x)`` unbound and ignore sub-SELECTs, and no remote endpoint has them.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from ..errors import QueryError

UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
QUERY_KEYWORDS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
Term = ox.NamedNode | ox.BlankNode | ox.Literal


# ----------------------------------------------------------------------------- tokenizer
@dataclass(frozen=True, slots=True)
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
        if kind in ("ws", "string", "punct"):  # the only tokens that can hold a line break
            line += s.count("\n")
    return out


def significant(tokens: Sequence[Token]) -> list[int]:
    return [i for i, t in enumerate(tokens) if t.kind not in ("ws", "comment")]


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT, DESCRIBE, or UPDATE (any SPARQL Update operation)."""
    return _form(tokenize(text))


def _form(tokens: Sequence[Token]) -> str:
    for t in tokens:
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


# ----------------------------------------------------------------------------- query structure
@dataclass(frozen=True)
class SelectClause:
    """One SELECT of a query (the query's own or a sub-SELECT), as indexes into the list of
    significant tokens, so that a parameter can be given the syntax its position needs."""

    keyword: int  # the SELECT token
    projected: tuple[int, ...]  # bare variables of the projection (not those inside '(... AS ?v)')
    star: bool
    where: tuple[int, int]  # its WHERE group's '{' and the matching '}'
    end: int  # end (exclusive) of its solution modifiers: the sub-SELECT's closing '}', or the text's end
    parent: int | None  # position in the clause list of the SELECT whose WHERE group holds this one
    hidden: bool  # inside an EXISTS or MINUS of its parent: its variables are not in the parent's scope


def _brace_pairs(sig: Sequence[Token]) -> dict[int, int]:
    """Index of each '{' -> index of its matching '}' (one pass)."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for k, t in enumerate(sig):
        if t.text == "{":
            stack.append(k)
        elif t.text == "}":
            if not stack:
                raise QueryError(f"line {t.line}: unbalanced braces in the query")
            pairs[stack.pop()] = k
    if stack:
        raise QueryError(f"line {sig[stack[-1]].line}: unbalanced braces in the query")
    return pairs


def select_clauses(sig: Sequence[Token]) -> list[SelectClause]:
    """Every SELECT of the query in text order (a query's own SELECT, if any, first)."""
    match = _brace_pairs(sig)
    hiding = [(i + 1, match[i + 1]) for i, t in enumerate(sig[:-1])
              if t.kind == "word" and t.upper in ("EXISTS", "MINUS") and sig[i + 1].text == "{"]
    out: list[SelectClause] = []
    for k, t in enumerate(sig):
        if not (t.kind == "word" and t.upper == "SELECT"):
            continue
        j = k + 1
        while j < len(sig) and sig[j].kind == "word" and sig[j].upper in ("DISTINCT", "REDUCED"):
            j += 1
        depth, projected, star = 0, [], False
        while j < len(sig):
            tok = sig[j]
            if tok.text == "(":
                depth += 1
            elif tok.text == ")":
                depth -= 1
            elif depth == 0 and (tok.text == "{" or (tok.kind == "word" and tok.upper in ("WHERE", "FROM"))):
                break
            elif depth == 0 and tok.kind == "var":
                projected.append(j)
            elif depth == 0 and tok.text == "*":
                star = True
            j += 1
        while j < len(sig) and sig[j].text != "{":
            j += 1  # WHERE, FROM <iri>, FROM NAMED <iri>
        if j == len(sig):
            raise QueryError(f"line {t.line}: the SELECT has no WHERE group")
        where = (j, match[j])
        end = match[k - 1] if k > 0 and sig[k - 1].text == "{" else len(sig)
        parent = next((n for n in range(len(out) - 1, -1, -1) if out[n].where[0] < k < out[n].where[1]), None)
        hidden = parent is not None and any(out[parent].where[0] < lo < k < hi for lo, hi in hiding)
        out.append(SelectClause(k, tuple(projected), star, where, end, parent, hidden))
    return out


def _in_scope(clauses: Sequence[SelectClause], sig: Sequence[Token], n: int, name: str) -> bool:
    """Whether ``?name`` is in scope in the WHERE group of clause ``n`` once every other use of
    it is a constant: that is, whether a sub-SELECT there (not in EXISTS or MINUS) projects it."""
    for m, c in enumerate(clauses):
        if c.parent == n and not c.hidden and (
                any(sig[j].text[1:] == name for j in c.projected) or (c.star and _in_scope(clauses, sig, m, name))):
            return True
    return False


def read_only_violation(sig: Sequence[Token], names: Collection[str]) -> tuple[int, str] | None:
    """(line, message) of the first place where the query (its significant tokens) assigns one
    of ``names`` (``AS ?p`` in a BIND, a projection or GROUP BY; a VALUES variable list), else
    None. A parameter stands for a constant: it can be read anywhere, assigned nowhere."""
    for i, t in enumerate(sig):
        if t.kind != "var" or t.text[1:] not in names:
            continue
        if i and sig[i - 1].kind == "word" and sig[i - 1].upper == "AS":
            return t.line, f"parameter ?{t.text[1:]} is assigned with AS; a parameter can only be read"
        j = i - 1
        while j >= 0 and (sig[j].kind == "var" or sig[j].text == "("):
            j -= 1
        if j >= 0 and sig[j].kind == "word" and sig[j].upper == "VALUES":
            return t.line, f"parameter ?{t.text[1:]} is listed in VALUES; a parameter can only be read"
    return None


# ----------------------------------------------------------------------------- substitution
def substitute(text: str, substitutions: Mapping[str, Term]) -> str:
    """The query as if each term had been written into its text by hand in place of its variable.

    This is the one way parameters are bound, for the embedded store and a remote endpoint alike.
    Only variable *tokens* are rewritten (strings, IRIs and comments never), each to the term's
    N-Triples form as pyoxigraph escapes it, in every scope of the query: triple patterns,
    FILTER, BIND, expressions and aggregates, OPTIONAL, sub-SELECTs. Where SPARQL's grammar
    wants a variable, the rewrite writes what a person would write:

    * a projected ``?p`` becomes ``(TERM AS ?p)``, in the query's SELECT and in sub-SELECTs;
      where a sub-SELECT inside already projects ``?p`` (so it is in scope and may not be
      assigned again) ``?p`` is kept and carries that sub-SELECT's constant;
    * ``GROUP BY ?p`` and ``ORDER BY ?p`` become the bracketed expression ``(TERM)`` (kept
      likewise when ``?p`` is in scope, so that a projected ``?p`` stays a grouping key);
    * ``BOUND(?p)`` becomes ``true``.

    A parameter cannot be assigned (``AS ?p``, ``VALUES ?p``), a blank node cannot be bound
    (its label would mean a fresh variable), and an update cannot take parameters: each is a
    QueryError. The result is re-tokenised and checked before use (:func:`_check_substituted`).
    """
    if not substitutions:
        return text
    for name, term in substitutions.items():
        if isinstance(term, ox.BlankNode):
            raise QueryError(f"parameter {name!r}: a blank node cannot be bound into a query text")
    tokens = tokenize(text)
    idx = significant(tokens)
    sig = [tokens[i] for i in idx]
    if _form(sig) == "UPDATE":
        raise QueryError("parameters cannot be bound into a SPARQL Update")
    violation = read_only_violation(sig, substitutions.keys())
    if violation is not None:
        raise QueryError(f"line {violation[0]}: {violation[1]}")
    terms = {name: str(term) for name, term in substitutions.items()}
    repl = {idx[s]: new for s, new in _replacements(sig, terms).items()}  # token index -> new text
    result = "".join(repl.get(i, tok.text) for i, tok in enumerate(tokens))
    _check_substituted(result, terms)
    return result


_DECIMAL_SUFFIX = "^^<http://www.w3.org/2001/XMLSchema#decimal>"


def _projected(term: str) -> str:
    """A bound term as a projected expression. An xsd:decimal is written ``TERM + 0`` (the same
    decimal on every store): Virtuoso 7.2.5 gives a bare decimal constant in the result of an
    ORDER BY query a DECIMAL(0,0) sort column and fails with "SR128: Numeric value out of range
    for <temporary space column>" (docs/remote.md, "Known server bugs")."""
    return f"{term} + 0" if term.endswith(_DECIMAL_SUFFIX) else term


def _replacements(sig: Sequence[Token], terms: Mapping[str, str]) -> dict[int, str]:
    """Significant-token index -> its new text, for every token of a parameter (and BOUND's)."""
    clauses = select_clauses(sig)
    repl: dict[int, str] = {}
    for n, c in enumerate(clauses):
        for j in c.projected:
            name = sig[j].text[1:]
            if name in terms and not _in_scope(clauses, sig, n, name):
                repl[j] = f" ({_projected(terms[name])} AS {sig[j].text}) "
            elif name in terms:
                repl[j] = sig[j].text
    for j in _modifier_variables(sig):
        name = sig[j].text[1:]
        if name not in terms:
            continue
        owner = max((n for n, c in enumerate(clauses) if c.where[1] < j < c.end),
                    key=lambda n: clauses[n].where[1], default=None)
        in_scope = owner is not None and _in_scope(clauses, sig, owner, name)
        repl[j] = sig[j].text if in_scope else f" ({terms[name]}) "
    for k in range(len(sig) - 3):
        if (sig[k].kind == "word" and sig[k].upper == "BOUND" and sig[k + 1].text == "("
                and sig[k + 2].kind == "var" and sig[k + 2].text[1:] in terms and sig[k + 3].text == ")"):
            repl.update({k: " true ", k + 1: "", k + 2: "", k + 3: ""})
    for j, t in enumerate(sig):
        if j not in repl and t.kind == "var" and t.text[1:] in terms:
            repl[j] = f" {terms[t.text[1:]]} "
    return repl


def _modifier_variables(sig: Sequence[Token]) -> list[int]:
    """Bare variables of every GROUP BY and ORDER BY list (not those inside brackets, ASC(), ...)."""
    out: list[int] = []
    stop = {"HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES", "GROUP"}
    for k in range(len(sig) - 1):
        if not (sig[k].kind == "word" and sig[k].upper in ("GROUP", "ORDER")
                and sig[k + 1].kind == "word" and sig[k + 1].upper == "BY"):
            continue
        depth = 0
        for j in range(k + 2, len(sig)):
            t = sig[j]
            if t.text == "(":
                depth += 1
            elif t.text == ")":
                depth -= 1
            elif depth == 0 and (t.text in ("{", "}") or (t.kind == "word" and t.upper in stop)):
                break
            elif depth == 0 and t.kind == "var":
                out.append(j)
    return out


def _check_substituted(text: str, terms: Mapping[str, str]) -> None:
    """Defence in depth: each term is one string or IRI token (plus ^^<datatype> or @lang), and the
    substituted query still has balanced braces, so no value can change the query's structure."""
    for term_text in terms.values():
        toks = [t for t in tokenize(term_text) if t.kind != "ws"]
        kinds = [t.kind for t in toks]
        ok = (kinds == ["iri"] or kinds == ["string"]
              or (kinds == ["string", "punct", "punct", "iri"] and toks[1].text + toks[2].text == "^^")
              or (kinds == ["string", "punct", "word"] and toks[1].text == "@"))
        if not ok or "".join(t.text for t in toks) != term_text:
            raise QueryError(f"cannot bind {term_text!r}: not a single RDF term")
    depth = 0
    for t in tokenize(text):
        depth += (t.text == "{") - (t.text == "}")
        if depth < 0:
            break
    if depth:
        raise QueryError("binding the parameters would change the query structure")


# ----------------------------------------------------------------------------- graph names
# The keywords after which an IRI names a graph: GRAPH <g>, FROM (NAMED) <g>, USING (NAMED) <g>,
# WITH <g>, INTO (GRAPH) <g>, and the graph operations' short forms (MOVE/COPY/ADD [SILENT] <g> TO <g>).
_GRAPH_POSITION = {"GRAPH", "FROM", "NAMED", "USING", "WITH", "INTO", "TO", "MOVE", "COPY", "ADD", "SILENT"}


def rename_graphs(text: str, names: Mapping[str, str]) -> str:
    """The query or update with each graph IRI in ``names`` written as the IRI it maps to, where
    the IRI names a graph (after GRAPH, FROM, NAMED, USING, WITH, INTO, TO and the graph
    operations), never where it is a term of a triple pattern or inside a string.

    Why: on a remote endpoint a loopsource graph is held under a generation name (the store's
    pointer graph says which), so that replacing it is a pointer update, not a copy
    (``store/remote.py``); a query or update that names ``<.../graph/asserted>`` then reads or
    writes the current generation, as it would on the embedded store."""
    if not names:
        return text
    tokens = tokenize(text)
    out: list[str] = []
    previous = ""
    for tok in tokens:
        if tok.kind == "iri" and previous in _GRAPH_POSITION and tok.text[1:-1] in names:
            out.append(f"<{names[tok.text[1:-1]]}>")
        else:
            out.append(tok.text)
        if tok.kind not in ("ws", "comment"):
            previous = tok.upper
    return "".join(out)


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
