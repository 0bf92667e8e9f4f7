"""Mapping files: how an ERP export stands for the files of the input contract.

A mapping (YAML, read with a safe loader; ``--mapping FILE`` on ``build`` and ``run``) says,
for each contract file it covers, which export file holds it (``files``), how that export is
written (``conventions``: delimiter, encoding, decimal and thousands separators, date format,
percent values) and which export column, template or constant gives each contract column, with
code values translated (``columns``: SAP ``KG`` -> ``kg``, plant ``1000`` -> a site id, material
group -> an ontology class). The format is documented in docs/own-data.md; ``loopsource init``
writes a commented one.

This module reads and checks the mapping file itself. Every problem names the mapping file, the
line and the key (``mapping.yaml:14: columns.purchases.quantity: ...``), all at once, with a
did-you-mean for unknown keys. Scalars are taken as written (the YAML text, not YAML's reading of
it), so a vendor number ``0000100234`` keeps its zeros and ``1000`` stays a plant code.
Applying a mapping to an export's rows is ``load/source.py``'s job, before the contract checks.
"""
from __future__ import annotations

import codecs
import difflib
import re
import string
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputError, Problem
from ..files import MAX_YAML_BYTES, YamlLimitError, compose_yaml_bounded, read_text_input
from .contract import CONTRACT, column_kind

VERSION = "1"
_TOP = ("version", "conventions", "files", "columns")
_CONVENTIONS = ("delimiter", "encoding", "decimal", "thousands", "date_format", "percent")
_FILE_KEYS = ("file", "skip", "conventions")
_ENTRY_KEYS = ("column", "template", "value", "values", "default")
# Spelled-out names for characters that are awkward to write in YAML.
_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
_THOUSANDS = {"": "", "none": "", ".": ".", ",": ",", " ": " ", "space": " ", "'": "'", "\u2019": "\u2019",
              "\u00a0": "\u00a0", "\u202f": "\u202f"}
_PERCENT = ("fraction", "percent")
_COMMON_ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1", "iso-8859-15", "cp850")


@dataclass(frozen=True)
class Conventions:
    """How an export writes its cells. The defaults are the contract's own (UTF-8, comma, ISO dates)."""

    delimiter: str = ","
    encoding: str = "utf-8"
    decimal: str = "."
    thousands: str = ""
    date_format: str | None = None  # None: ISO 8601 (YYYY-MM-DD), as the contract
    percent: str = "fraction"  # share columns: 0.22 (fraction) or 22 (percent); "22%" is percent either way
    where: tuple[tuple[str, str], ...] = ()  # key -> "mapping.yaml:4 (conventions.decimal)", for messages

    def origin(self, key: str) -> str:
        return dict(self.where).get(key, "the contract's default")


CONTRACT_CONVENTIONS = Conventions()


@dataclass(frozen=True)
class Column:
    """Where one contract column's value comes from: an export column, a template over export
    columns, or a constant; then through the code table ``values`` (export value -> contract value)."""

    target: str
    source: str | None = None
    template: str | None = None
    value: str | None = None
    values: tuple[tuple[str, str], ...] = ()
    default: str | None = None  # for a code not in ``values``; None: the code passes unchanged
    line: int | None = None  # of its key in the mapping file
    path: str = ""  # its key path: columns.purchases.quantity

    def export_columns(self) -> tuple[str, ...]:
        if self.source is not None:
            return (self.source,)
        if self.template is not None:
            return tuple(dict.fromkeys(f for _, f, _, _ in string.Formatter().parse(self.template) if f))
        return ()

    def label(self) -> str:
        """How the value is made, for messages: ``MENGE``, ``EBELN-EBELP``, ``constant``."""
        return self.source or self.template or "constant"


@dataclass(frozen=True)
class FileMapping:
    """One contract file read from an export."""

    contract: str  # purchases.csv
    source: str  # the export's file name in the data directory
    conventions: Conventions
    columns: tuple[Column, ...] | None  # None: the export has the contract's own column names
    skip: tuple[tuple[str, frozenset[str]], ...] = ()  # export column -> values whose rows are left out
    where: str = ""  # "mapping.yaml:9 (files.purchases)", or of columns.purchases
    columns_line: int | None = None

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns or () if c.target == name), None)


@dataclass(frozen=True)
class ExportMapping:
    """A whole mapping file: the contract files it covers, by contract file name."""

    label: str  # the mapping file as the user named it
    files: tuple[FileMapping, ...] = field(default=())

    def for_file(self, contract: str) -> FileMapping | None:
        return next((f for f in self.files if f.contract == contract), None)


# ----------------------------------------------------------------------------- reading YAML
@dataclass(frozen=True)
class _N:
    """A YAML value as written: str (or None for null), list or dict of _N, with its line."""

    value: Any
    line: int


def _compose(text: str, label: str) -> _N | None:
    try:
        node, loader = compose_yaml_bounded(text, label)
    except YamlLimitError as e:
        raise InputError(Problem(label, None, None, f"refused: {e}")) from None
    except yaml.YAMLError as e:
        raise InputError(_yaml_problem(e, label)) from None
    try:
        return None if node is None else _tree(node, label)
    finally:
        loader.dispose()


def _yaml_problem(e: yaml.YAMLError, label: str) -> Problem:
    if isinstance(e, yaml.MarkedYAMLError):
        mark = e.problem_mark or e.context_mark
        return Problem(label, mark.line + 1 if mark else None, None, f"not valid YAML: {e.problem or e.context}")
    return Problem(label, None, None, f"not valid YAML: {e}")


def _tree(node: yaml.Node, label: str) -> _N:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, _N] = {}
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode):
                raise InputError(Problem(label, k.start_mark.line + 1, None, "keys must be plain text"))
            if k.value in out:
                raise InputError(Problem(label, k.start_mark.line + 1, None, f"key {k.value!r} is given twice"))
            child = _tree(v, label)
            out[k.value] = _N(child.value, k.start_mark.line + 1)  # a key's problems name the key's line
        return _N(out, line)
    if isinstance(node, yaml.SequenceNode):
        return _N([_tree(c, label) for c in node.value], line)
    null = node.tag == "tag:yaml.org,2002:null" and node.value in ("", "~", "null", "Null", "NULL")
    return _N(None if null else node.value, line)


class _Checker:
    """Collects the problems of one mapping file, each naming its line and key path."""

    def __init__(self, label: str):
        self.label = label
        self.problems: list[Problem] = []

    def bad(self, node: _N | None, path: str, reason: str) -> None:
        self.problems.append(Problem(self.label, node.line if node else None, None, f"{path}: {reason}"))

    def where(self, node: _N, path: str) -> str:
        return f"{self.label}:{node.line} ({path})"

    def mapping(self, node: _N, path: str, allowed: tuple[str, ...] | None = None) -> dict[str, _N]:
        if not isinstance(node.value, dict):
            self.bad(node, path, f"must be a mapping of keys to values, not {_what(node)}")
            return {}
        if allowed is not None:
            for key, child in node.value.items():
                if key not in allowed:
                    self.bad(child, f"{path}.{key}" if path else key, f"unknown key{_hint(key, allowed)}")
        return {k: v for k, v in node.value.items() if allowed is None or k in allowed}

    def text(self, node: _N, path: str, *, empty: bool = False) -> str | None:
        if isinstance(node.value, (dict, list)) or node.value is None:
            self.bad(node, path, f"must be a single value, not {_what(node)}")
            return None
        if not empty and not node.value.strip():
            self.bad(node, path, "must not be empty")
            return None
        return node.value


def _what(node: _N) -> str:
    if node.value is None:
        return "empty"
    return {dict: "a mapping", list: "a list"}.get(type(node.value), repr(node.value))


def _hint(key: str, allowed: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    if not close:
        folded = {a.lower(): a for a in allowed}
        close = [folded[key.lower()]] if key.lower() in folded else []
    return f"; did you mean {close[0]!r}?" if close else f" (one of {', '.join(allowed)})"


# ----------------------------------------------------------------------------- the sections
def _conventions(c: _Checker, node: _N | None, path: str, base: Conventions) -> Conventions:
    if node is None:
        return base
    got = dict(base.__dict__)
    where = dict(base.where)
    for key, child in c.mapping(node, path, _CONVENTIONS).items():
        p = f"{path}.{key}"
        raw = c.text(child, p, empty=key == "thousands")
        if raw is None:
            continue
        value = _convention(c, child, p, key, raw)
        if value is not None:
            got[key] = value
            where[key] = c.where(child, p)
    if got["decimal"] == got["thousands"]:
        c.bad(node, path, f"decimal and thousands separators are both {got['decimal']!r}")
    got["where"] = tuple(where.items())
    return Conventions(**got)


def _convention(c: _Checker, node: _N, path: str, key: str, raw: str) -> str | None:
    """One convention's value, checked; None (with the problem noted) when it is not usable."""
    if key == "delimiter":
        value = _DELIMITER_NAMES.get(raw.lower(), raw)
        if len(value) != 1 or value in "\"\r\n":
            c.bad(node, path, f"{raw!r} is not one character (write ';', ',', '|' or tab)")
            return None
        return value
    if key == "encoding":
        try:
            return codecs.lookup(raw).name
        except LookupError:
            c.bad(node, path, f"unknown encoding {raw!r}{_hint(raw, _COMMON_ENCODINGS)}")
            return None
    if key == "decimal":
        if raw not in (".", ","):
            c.bad(node, path, f"{raw!r}: the decimal separator is '.' or ','")
            return None
        return raw
    if key == "thousands":
        if raw not in _THOUSANDS:
            c.bad(node, path, f"{raw!r}: the thousands separator is one of '.', ',', ' ', \"'\" or '' (none)")
            return None
        return _THOUSANDS[raw]
    if key == "percent":
        if raw not in _PERCENT:
            c.bad(node, path, f"{raw!r}{_hint(raw, _PERCENT)}: 'fraction' reads 0.22 as 22 %, 'percent' reads 22 "
                              "as 22 % (a value written with '%' is a percentage either way)")
            return None
        return raw
    return _date_format(c, node, path, raw)


def _date_format(c: _Checker, node: _N, path: str, raw: str) -> str | None:
    probe = date(2024, 11, 23)
    try:
        back = datetime.strptime(probe.strftime(raw), raw).date()
    except ValueError:
        back = None
    if back != probe:
        c.bad(node, path, f"{raw!r} is not a strptime date format with day, month and year (e.g. '%d.%m.%Y' "
                          "for 02.01.2024, '%Y%m%d' for 20240102, '%m/%d/%Y' for 01/02/2024)")
        return None
    return raw


_STEMS = {s.name[: -len(".csv")]: s for s in CONTRACT}


def _files(c: _Checker, node: _N | None, conventions: Conventions) -> dict[str, tuple[str, Conventions, tuple, str]]:
    out: dict[str, tuple[str, Conventions, tuple, str]] = {}
    if node is None:
        return out
    for stem, child in c.mapping(node, "files", tuple(_STEMS)).items():
        path = f"files.{stem}"
        spec = c.mapping(child, path, _FILE_KEYS) if child.value is not None else {}
        source = f"{stem}.csv"
        if "file" in spec:
            name = c.text(spec["file"], f"{path}.file")
            if name is not None and (Path(name).name != name or name in (".", "..")):
                c.bad(spec["file"], f"{path}.file", f"{name!r}: name a file in the data directory (no folders)")
            elif name is not None:
                source = name
        conv = _conventions(c, spec.get("conventions"), f"{path}.conventions", conventions)
        out[stem] = (source, conv, _skip(c, spec.get("skip"), f"{path}.skip"), c.where(child, path))
    sources: dict[str, str] = {}
    for stem, (source, *_rest) in out.items():
        if source in sources:
            c.bad(node.value[stem], f"files.{stem}.file",
                  f"{source!r} is already the export of files.{sources[source]}; one export per contract file")
        sources.setdefault(source, stem)
    return out


def _skip(c: _Checker, node: _N | None, path: str) -> tuple[tuple[str, frozenset[str]], ...]:
    out = []
    if node is None:
        return ()
    for column, values in c.mapping(node, path).items():
        items = values.value if isinstance(values.value, list) else [values]
        texts = [c.text(v, f"{path}.{column}", empty=True) for v in items]
        out.append((column, frozenset(t.strip() for t in texts if t is not None)))
    return tuple(out)


def _columns(c: _Checker, stem: str, node: _N) -> tuple[Column, ...]:
    spec = _STEMS[stem]
    allowed = spec.columns + spec.optional_columns
    out = []
    for target, child in c.mapping(node, f"columns.{stem}", allowed).items():
        entry = _entry(c, child, f"columns.{stem}.{target}", target)
        if entry is not None:
            out.append(entry)
    return tuple(out)


def _entry(c: _Checker, node: _N, path: str, target: str) -> Column | None:
    """One contract column's entry: ``EXPORT_COLUMN`` or ``{column|template|value, values}``."""
    if not isinstance(node.value, dict):
        source = c.text(node, path)
        return None if source is None else Column(target, source=source.strip(), line=node.line, path=path)
    spec = c.mapping(node, path, _ENTRY_KEYS)
    given = [k for k in ("column", "template", "value") if k in spec]
    if len(given) != 1:
        c.bad(node, path, "give exactly one of column (an export column), template (e.g. '{EBELN}-{EBELP}') or "
                          f"value (a constant){'; found ' + ', '.join(given) if given else ''}")
        return None
    kind = given[0]
    raw = c.text(spec[kind], f"{path}.{kind}", empty=kind == "value")
    if raw is None:
        return None
    if kind == "template" and not _template_ok(c, spec[kind], f"{path}.template", raw):
        return None
    values: list[tuple[str, str]] = []
    if "values" in spec:
        if kind == "value":
            c.bad(spec["values"], f"{path}.values", "a constant has no code values to translate")
        for code, to in c.mapping(spec["values"], f"{path}.values").items():
            text = c.text(to, f"{path}.values.{code}", empty=True)
            if text is not None:
                values.append((code.strip(), text.strip()))
    default = None
    if "default" in spec:
        if "values" not in spec:
            c.bad(spec["default"], f"{path}.default", "a default goes with values (for the codes they do not list)")
        default = c.text(spec["default"], f"{path}.default", empty=True)
    fields = {"column": "source", "template": "template", "value": "value"}
    return Column(target, **{fields[kind]: raw.strip() if kind == "column" else raw}, values=tuple(values),
                  default=default, line=node.line, path=path)


def _template_ok(c: _Checker, node: _N, path: str, raw: str) -> bool:
    try:
        parts = list(string.Formatter().parse(raw))
    except ValueError as e:
        c.bad(node, path, f"{raw!r} is not a template: {e} (write export columns in braces: '{{EBELN}}-{{EBELP}}')")
        return False
    if not any(f for _, f, _, _ in parts):
        c.bad(node, path, f"{raw!r} names no export column (write them in braces: '{{EBELN}}-{{EBELP}}')")
        return False
    if any(spec or conv for _, f, spec, conv in parts if f):
        c.bad(node, path, f"{raw!r}: write plain {{COLUMN}} fields, without format specs or conversions")
        return False
    return True


def parse_mapping(text: str, label: str) -> ExportMapping:
    """Check a mapping's text; raises :class:`InputError` with every problem found."""
    root = _compose(text, label)
    c = _Checker(label)
    if root is None:
        return ExportMapping(label)
    top = c.mapping(root, "", _TOP)
    if "version" in top and c.text(top["version"], "version") not in (VERSION, None):
        c.bad(top["version"], "version", f"{top['version'].value!r}: this loopsource reads mapping version {VERSION}")
    conventions = _conventions(c, top.get("conventions"), "conventions", CONTRACT_CONVENTIONS)
    files = _files(c, top.get("files"), conventions)
    columns: dict[str, tuple[tuple[Column, ...], int]] = {}
    if "columns" in top:
        for stem, child in c.mapping(top["columns"], "columns", tuple(_STEMS)).items():
            columns[stem] = (_columns(c, stem, child), child.line)
    out = []
    for stem in _STEMS:
        if stem not in files and stem not in columns:
            continue
        source, conv, skip, where = files.get(stem, (f"{stem}.csv", conventions, (), ""))
        cols, line = columns.get(stem, (None, None))
        out.append(FileMapping(f"{stem}.csv", source, conv, cols, skip,
                               where or f"{label}:{line} (columns.{stem})", line))
    if c.problems:
        raise InputError(c.problems)
    return ExportMapping(label, tuple(out))


def read_mapping(path: Path) -> ExportMapping:
    """The mapping file at ``path`` (a regular file within the YAML size limit), checked."""
    return parse_mapping(read_text_input(Path(path), str(path), limit=MAX_YAML_BYTES), str(path))


# ----------------------------------------------------------------------------- cells
_PLAIN = re.compile(r"[+-]?[0-9]+(?:\.[0-9]*)?")


def convert_cell(column: str, raw: str, conv: Conventions) -> tuple[str, str | None]:
    """(value for the contract, problem or None) of one export cell of a contract column, by the
    column's kind (contract.column_kind) and the export's conventions. Text passes unchanged; a
    cell the conventions cannot read comes back as written, with the reason."""
    kind = column_kind(column)
    text = raw.strip()
    if not text or kind == "text":
        return raw, None
    if kind == "date":
        if conv.date_format is None:
            return raw, None
        try:
            return datetime.strptime(text, conv.date_format).date().isoformat(), None
        except ValueError:
            example = date(2024, 1, 2).strftime(conv.date_format)
            return raw, (f"{text!r} is not a date in the format {conv.date_format} (e.g. {example}; "
                         f"declared in {conv.origin('date_format')})")
    percent = kind == "share" and (text.endswith("%") or conv.percent == "percent")
    number = text[:-1].rstrip() if kind == "share" and text.endswith("%") else text
    plain = _plain_number(number, conv)
    if plain is None:
        if conv.decimal == "." and not conv.thousands:
            return raw, None  # the contract's own grammar (exponents too): its check says what is wrong
        seps = f"decimal {conv.decimal!r}" + (f", thousands {conv.thousands!r}" if conv.thousands else "")
        return raw, f"{text!r} is not a number written with {seps} (declared in {conv.origin('decimal')})"
    if not percent:
        return plain, None
    try:
        return format(Decimal(plain) / 100, "f"), None
    except InvalidOperation:  # pragma: no cover - _plain_number admits only digits
        return raw, f"{text!r} is not a percentage"


def _plain_number(text: str, conv: Conventions) -> str | None:
    """``1.234,56`` -> ``1234.56`` under decimal ',' and thousands '.'; None when it does not fit."""
    t, d = conv.thousands, conv.decimal
    sign = text[0] if text[:1] in "+-" else ""
    body = text[len(sign):]
    whole, _, frac = body.partition(d)
    if t and t in whole:
        groups = whole.split(t)
        if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
            return None
        whole = "".join(groups)
    candidate = sign + whole + ("." + frac if d in body else "")
    return candidate if _PLAIN.fullmatch(candidate) else None
