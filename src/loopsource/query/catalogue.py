"""Query stage: the catalogue of named SPARQL queries, their headers, safe parameters and result formats.

A catalogue query is a ``.rq`` file that starts with a header of ``#+ `` comment lines
holding YAML (title, description, params, tags). The header is a SPARQL comment, so the
file stays valid SPARQL and can be pasted into any SPARQL client as it is.

Parameters are converted to RDF terms of their declared type and bound by
:func:`loopsource.rdf.sparql.substitute`, the same rewrite on the embedded store and on a
remote endpoint: the query means exactly what it would mean with the typed value written into
its text by hand, in every position (triple patterns, FILTER, BIND, expressions, BOUND,
OPTIONAL, sub-SELECTs, GROUP BY, ORDER BY, aggregates). The rewrite works on SPARQL tokens,
so strings, IRIs and comments are never touched, and writes each term in the N-Triples form
pyoxigraph escapes, so a value can never change the query's structure.

A parameter need not be projected. It must be read by the query, and never assigned
(``AS ?p``, ``VALUES ?p``): both are errors naming the file and line when the header is read.
"""
from __future__ import annotations

import math
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox
import yaml

from .. import resources
from ..errors import InputError, QueryError, QueryTimeout, UsageError
from ..files import MAX_QUERY_BYTES, YamlLimitError, load_yaml, read_text_input
from ..load.rows import NUMBER
from ..rdf.sparql import (check_nesting, query_form, read_only_violation, select_clauses, significant, substitute,
                          tokenize)
from ..store import GraphStore, SelectResult, Term
from ..rdf.regions import region_iri, suggestion, unknown_region
from ..rdf.vocab import PREFIXES, XSD

T = TypeVar("T")

PARAM_TYPES = ("string", "integer", "decimal", "boolean", "date", "iri")
HEADER_KEYS = {"title", "description", "params", "tags"}
PARAM_KEYS = {"type", "default", "description", "values"}
RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV,
}
OUTPUT_FORMATS = ("table", *RESULT_FORMATS)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# ----------------------------------------------------------------------------- catalogue
@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None  # lexical form; None: the parameter is required
    description: str
    values: tuple[str, ...] = ()  # allowed values, when the parameter is an enumeration


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    tags: tuple[str, ...]
    text: str
    source: str  # file the query came from, for messages
    form: str  # SELECT, ASK, CONSTRUCT, DESCRIBE, UPDATE

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def _header(text: str, source: str) -> tuple[dict[str, object], int]:
    """The YAML of the leading '#+' lines, and the number of header lines."""
    lines = text.splitlines()
    body: list[str] = []
    for line in lines:
        if line.startswith("#+ ") or line.rstrip() == "#+":
            body.append(line[3:] if line.startswith("#+ ") else "")
        else:
            break
    if not body:
        return {}, 0
    try:
        data = load_yaml("\n".join(body), source)
    except YamlLimitError as e:
        raise QueryError(f"{source}: malformed query header: refused: {e}") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(e, "problem", None) or str(e)
        raise QueryError(f"{source}:{line}: malformed query header: {problem}") from None
    if data is None:
        return {}, len(body)
    if not isinstance(data, dict):
        raise QueryError(f"{source}:1: malformed query header: expected 'key: value' lines")
    return data, len(body)


def _header_line(text: str, key: str, default: int = 1) -> int:
    """Line of a header key, so that messages point at it."""
    pat = re.compile(r"^#\+\s+" + re.escape(key) + r"\s*:")
    for n, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#+"):
            break
        if pat.match(line):
            return n
    return default


def parse_query(text: str, source: str, name: str | None = None) -> NamedQuery:
    """Parse and check a query file: header, parameters declared and used, form."""
    data, nheader = _header(text, source)
    name = name or Path(source).stem
    unknown = set(data) - HEADER_KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise QueryError(f"{source}:{_header_line(text, key)}: unknown header key {key!r} "
                         f"(expected {', '.join(sorted(HEADER_KEYS))})")
    if nheader and not isinstance(data.get("title"), str):
        raise QueryError(f"{source}:1: the query header needs a 'title' (text)")
    for key in ("description",):
        if key in data and not isinstance(data[key], str):
            raise QueryError(f"{source}:{_header_line(text, key)}: '{key}' must be text")
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise QueryError(f"{source}:{_header_line(text, 'tags')}: 'tags' must be a list of words")
    raw_params = data.get("params") or {}
    if not isinstance(raw_params, dict):
        raise QueryError(f"{source}:{_header_line(text, 'params')}: 'params' must map names to "
                         "{type, default, description}")
    params = []
    for pname, spec in raw_params.items():
        line = _header_line(text, str(pname), _header_line(text, "params"))
        params.append(_param(str(pname), spec, f"{source}:{line}"))
    form = query_form(text)
    _check_param_use(text, params, source, form)
    return NamedQuery(name=name, title=str(data.get("title") or name), description=str(data.get("description") or ""),
                      params=tuple(params), tags=tuple(tags), text=text, source=source, form=form)


def _param(name: str, spec: object, where: str) -> Param:
    if not _NAME.match(name):
        raise QueryError(f"{where}: parameter name {name!r} is not a SPARQL variable name")
    if not isinstance(spec, dict):
        raise QueryError(f"{where}: parameter {name!r} needs a mapping with 'type' (and 'default', 'description')")
    unknown = set(spec) - PARAM_KEYS
    if unknown:
        raise QueryError(f"{where}: parameter {name!r}: unknown key {sorted(unknown)[0]!r}")
    ptype = spec.get("type")
    if ptype not in PARAM_TYPES:
        raise QueryError(f"{where}: parameter {name!r}: type must be one of {', '.join(PARAM_TYPES)}, not {ptype!r}")
    values = spec.get("values") or []
    if not isinstance(values, list):
        raise QueryError(f"{where}: parameter {name!r}: 'values' must be a list")
    default = spec.get("default")
    if isinstance(default, bool):  # YAML reads true/false as booleans; keep the SPARQL spelling
        default = "true" if default else "false"
    param = Param(name, ptype, None if default is None else str(default), str(spec.get("description") or ""),
                  tuple(str(v) for v in values))
    if param.default is not None:
        try:
            to_term(param, param.default)
        except QueryError as e:
            raise QueryError(f"{where}: default of {e}") from None
    return param


def _check_param_use(text: str, params: Sequence[Param], source: str, form: str) -> None:
    """Every declared parameter is read by the query, and never assigned (``AS ?p``, ``VALUES ?p``):
    it stands for a constant. It need not be projected: binding writes the value into every
    position (see :func:`loopsource.rdf.sparql.substitute`)."""
    if not params:
        return
    tokens = tokenize(text)
    sig = [tokens[i] for i in significant(tokens)]
    # a bare ?p in the top-level projection only echoes the value: something else must read it
    echo = set(select_clauses(sig)[0].projected) if form == "SELECT" else set()
    used = {t.text[1:] for i, t in enumerate(sig) if t.kind == "var" and i not in echo}
    for p in params:
        if p.name not in used:
            raise QueryError(f"{source}:{_header_line(text, p.name)}: parameter {p.name!r} is declared "
                             f"but the query does not use ?{p.name}")
    violation = read_only_violation(sig, {p.name for p in params})
    if violation is not None:
        raise QueryError(f"{source}:{violation[0]}: {violation[1]}")


def catalogue() -> dict[str, NamedQuery]:
    """Every query shipped in queries/, by name."""
    folder = resources.queries_dir()
    out: dict[str, NamedQuery] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            name = entry.name[:-3]
            out[name] = parse_query(entry.read_text(encoding="utf-8"), f"queries/{entry.name}", name)
    return out


def resolve(name_or_file: str) -> NamedQuery:
    """A catalogue name, or a path to a .rq file of the user's own."""
    path = Path(name_or_file)
    cat = catalogue()
    # A catalogue name wins over a file of that name in the current folder; a file is meant
    # when the argument ends with .rq/.ru/.sparql or names a folder (contains a separator).
    as_file = name_or_file.endswith((".rq", ".ru", ".sparql")) or os.sep in name_or_file or "/" in name_or_file
    if not as_file and name_or_file in cat:
        return cat[name_or_file]
    if as_file or path.is_file():
        try:
            text = read_text_input(path, name_or_file, limit=MAX_QUERY_BYTES)
        except InputError as e:
            raise UsageError(f"cannot read the query file: {e.problems[0]}") from None
        check_nesting(text, str(path))
        return parse_query(text, str(path), path.stem)
    raise UsageError(f"unknown query {name_or_file!r}; 'loopsource queries' lists them "
                     f"({', '.join(cat)}), or give a .rq file")


# ----------------------------------------------------------------------------- parameters
def to_term(param: Param, value: str) -> Term:
    """The RDF term of a parameter value, checked against the declared type."""
    def bad(why: str) -> QueryError:
        return QueryError(f"parameter {param.name!r} ({param.type}): {value!r} {why}")

    if param.values and value not in param.values:
        raise bad(f"is not one of {', '.join(param.values)}")
    t = param.type
    if t == "string":
        return ox.Literal(value)
    if t == "integer":
        # ASCII digits, at most 18 (Oxigraph's xsd:integer is 64 bits)
        if not re.fullmatch(r"[+-]?[0-9]{1,18}", value.strip()):
            raise bad("is not an integer (at most 18 digits 0-9)")
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
    if t == "decimal":
        # the CSV number grammar and bounds: what Oxigraph's 128-bit decimals hold
        if not NUMBER.fullmatch(value.strip()):
            raise bad("is not a decimal number")
        d = Decimal(value.strip())
        if abs(d) > Decimal("1e18") or (d and -d.normalize().as_tuple().exponent > 18):  # type: ignore[operator]
            raise bad("is outside the decimal range (at most 1e18, 18 decimal places)")
        text = format(d, "f")
        return ox.Literal(text if "." in text else text + ".0", datatype=ox.NamedNode(XSD + "decimal"))
    if t == "boolean":
        v = value.strip().lower()
        if v not in ("true", "false", "1", "0"):
            raise bad("is not a boolean (true or false)")
        return ox.Literal("true" if v in ("true", "1") else "false", datatype=ox.NamedNode(XSD + "boolean"))
    if t == "date":
        try:
            d = date.fromisoformat(value.strip())
        except ValueError:
            raise bad("is not a date (YYYY-MM-DD)") from None
        return ox.Literal(d.isoformat(), datatype=ox.NamedNode(XSD + "date"))
    if t == "iri":
        v = value.strip()
        if v.startswith("<") and v.endswith(">"):
            v = v[1:-1]
        prefix, sep, local = v.partition(":")
        if sep and prefix in PREFIXES and not local.startswith("//"):
            v = PREFIXES[prefix] + local  # region:CN, ls:Lithium
        if not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", v):
            region = region_iri(v)  # a bare country or region: CN, CHN, 156, Eastern Asia, EU
            if region is None:
                raise bad(f"is not an absolute IRI (or a prefixed name with one of {', '.join(sorted(PREFIXES))}), "
                          f"nor a known country or region code or name{suggestion(v)}")
            v = region
        why = unknown_region(v)
        if why:
            raise bad(why)
        try:
            return ox.NamedNode(v)
        except ValueError as e:
            raise bad(f"is not a valid IRI: {e}") from None
    raise bad("has an unknown type")  # pragma: no cover - types are checked when the header is read


def bind(query: NamedQuery, given: Sequence[tuple[str, str]]) -> dict[str, Term]:
    """Terms for every parameter: the given values, else the defaults. Unknown or missing: an error."""
    values: dict[str, str] = {}
    for name, value in given:
        if query.param(name) is None:
            known = ", ".join(p.name for p in query.params) or "none"
            raise QueryError(f"query {query.name!r} has no parameter {name!r} (parameters: {known})")
        if name in values:
            raise QueryError(f"parameter {name!r} is given twice")
        values[name] = value
    out: dict[str, Term] = {}
    for p in query.params:
        value = values.get(p.name, p.default)
        if value is None:
            raise QueryError(f"query {query.name!r} needs a value for parameter {p.name!r} ({p.type}): "
                             f"-p {p.name} VALUE")
        out[p.name] = to_term(p, value)
    return out


# ----------------------------------------------------------------------------- running
@dataclass(frozen=True)
class QueryOutput:
    data: bytes
    rows: int | None  # SELECT rows, for the summary line; None for other forms


def run(store: GraphStore, query: NamedQuery, substitutions: Mapping[str, Term], fmt: str,
        timeout: float | None = None) -> QueryOutput:
    """Run a read-only query and serialise its result (``table`` or a SPARQL 1.1 results format).

    With ``timeout``, the query runs in a worker thread (pyoxigraph releases the GIL while it
    evaluates) and :class:`QueryTimeout` is raised when it is not done in time; Ctrl-C reaches
    the caller at once too. The abandoned evaluation is left to the ending process: a library
    caller that goes on should not pass a timeout.
    """
    if timeout is None:
        return _run(store, query, substitutions, fmt)
    return bounded(lambda: _run(store, query, substitutions, fmt), timeout)


def bounded(fn: Callable[[], T], timeout: float) -> T:
    """``fn()`` in a daemon thread, waited for in short steps (so KeyboardInterrupt is seen)."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = e

    worker = threading.Thread(target=work, name="query", daemon=True)
    worker.start()
    deadline = time.monotonic() + timeout
    while worker.is_alive():
        left = deadline - time.monotonic()
        if left <= 0:
            raise QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped (--timeout SECONDS)")
        worker.join(min(0.1, left))
    if "error" in box:
        raise box["error"]
    return box["value"]


def _run(store: GraphStore, query: NamedQuery, substitutions: Mapping[str, Term], fmt: str) -> QueryOutput:
    if query.form == "UPDATE":
        raise UsageError(f"{query.source} is a SPARQL Update; queries are read-only unless --update is given")
    if fmt not in OUTPUT_FORMATS:
        raise UsageError(f"unknown format {fmt!r}: one of {', '.join(OUTPUT_FORMATS)}")
    if query.form == "SELECT" and fmt == "table":
        res = store.select(query.text, substitutions)
        return QueryOutput(format_table(res).encode("utf-8"), len(res.rows))
    if query.form == "ASK" and fmt == "table":
        return QueryOutput(b"true\n" if store.ask(query.text, substitutions) else b"false\n", None)
    rf = RESULT_FORMATS.get(fmt, ox.QueryResultsFormat.JSON)
    data = store.raw_query(query.text, substitutions, rf)
    return QueryOutput(data.encode("utf-8") if isinstance(data, str) else bytes(data), None)


def run_update(store: GraphStore, query: NamedQuery, given: Sequence[tuple[str, str]]) -> None:
    if query.form != "UPDATE":
        raise UsageError(f"{query.source} is a {query.form} query, not a SPARQL Update: drop --update")
    if given or query.params:
        raise UsageError("parameters cannot be bound into a SPARQL Update; write the values into the update")
    store.update(query.text)


def _short(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        v = term.value
        for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
            if v.startswith(ns) and re.fullmatch(r"[\w\-.]*", v[len(ns):]):
                return f"{prefix}:{v[len(ns):]}"
        return f"<{v}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    dt = term.datatype.value
    if dt in (XSD + "double", XSD + "float", XSD + "decimal"):
        try:
            x = float(term.value)
        except ValueError:
            return term.value
        if math.isfinite(x):
            # arithmetic gives 17-18 digits; a table shows what a person reads (json/csv keep all)
            return f"{x:.6f}".rstrip("0").rstrip(".") if abs(x) < 1e15 else f"{x:.6g}"
    return term.value


def format_table(result: SelectResult) -> str:
    """A plain text table: IRIs shortened with the usual prefixes, doubles to 6 decimals."""
    header = list(result.variables)
    rows = [[_printable(_short(t)) for t in row] for row in result.rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    numeric = [all(_is_num(r[i]) or r[i] == "" for r in rows) and rows != [] for i in range(len(header))]

    def fmt(cells: Iterable[str]) -> str:
        return "  ".join(c.rjust(w) if n else c.ljust(w) for c, w, n in zip(cells, widths, numeric)).rstrip()

    lines = [fmt(header), "  ".join("-" * w for w in widths)]
    lines += [fmt(r) for r in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


# Control characters (C0, DEL, C1: terminal escape sequences) and bidirectional overrides in
# data are shown escaped in a table: a value must not move the cursor, retitle the terminal or
# reorder what is printed around it. json/csv/xml/tsv output keeps the data as it is.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _printable(text: str) -> str:
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _is_num(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


__all__ = ["NamedQuery", "Param", "catalogue", "resolve", "parse_query", "bind", "to_term", "substitute", "run",
           "run_update", "format_table", "tokenize", "query_form", "RESULT_FORMATS", "OUTPUT_FORMATS"]
