"""Reading the CSV files of a data directory: contract files as they are, exports through a mapping.

One reader for both, so that every row reaches the loader's contract checks as a
:class:`~loopsource.load.rows.Row` named by the file and physical line it came from (an export's
own name and line, not a converted copy's). What it adds before the checks:

* comment lines: lines starting with ``#`` *before the header row* are skipped (the templates
  of ``loopsource init`` explain each column that way); a ``#`` in a record is data;
* a mapping's conventions and columns (load/mapping.py): the export's delimiter and encoding,
  its column names, code values, decimal and thousands separators, date format and percent
  values become contract values; rows the mapping skips (SAP deletion flags) are left out;
* problems named as such: a file written with ``;`` is one "the delimiter is ';'" problem, not a
  dozen missing columns; a file that is not UTF-8 names the line, the byte, and the encoding it
  reads as.
"""
from __future__ import annotations

import csv
import difflib
import io
import string
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import InputError, Problem
from ..files import MAX_CSV_BYTES, read_input
from .contract import CONTRACT, FileSpec
from .mapping import CONTRACT_CONVENTIONS, Conventions, ExportMapping, FileMapping, convert_cell
from .rows import Row

# Limits of one CSV record (docs/security.md); far above real exports.
MAX_LINE_CHARS = 1024 * 1024
MAX_FIELD_CHARS = 64 * 1024
# The entity kind each file defines: when a file cannot be read at all, references to its
# kind are not reported again row by row (one root cause, not a thousand follow-on errors).
DEFINES = {"organisations.csv": "org", "sites.csv": "site", "materials.csv": "material",
           "products.csv": "product", "purchases.csv": "purchase", "loops.csv": "loop"}
_DELIMITERS = (",", ";", "\t", "|")


class LineTooLong(Exception):
    def __init__(self, line: int):
        self.line = line


def bounded_lines(text: str, first: int = 1) -> Iterator[str]:
    """The physical lines of ``text`` (numbered from ``first``), refusing one longer than :data:`MAX_LINE_CHARS`."""
    for n, line in enumerate(io.StringIO(text, newline=""), first):
        if len(line) > MAX_LINE_CHARS:
            raise LineTooLong(n)
        yield line


def csv_reason(e: Exception) -> str:
    if isinstance(e, LineTooLong):
        return f"line {e.line} is longer than {MAX_LINE_CHARS:,} characters"
    text = str(e)
    if "field larger than field limit" in text:
        return f"a field is longer than {MAX_FIELD_CHARS:,} characters"
    return text


def _shown(delimiter: str) -> str:
    return "tab" if delimiter == "\t" else repr(delimiter)


def decode(raw: bytes, label: str, encoding: str = "utf-8", declared: str | None = None) -> str:
    """``raw`` decoded; a byte the encoding cannot read is an :class:`InputError` naming the line,
    the byte and the encoding the file does read as (a UTF-16 byte-order mark, else Windows-1252)."""
    try:
        return raw.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        guess = guess_encoding(raw)
        byte = raw[e.start]
        seen = ""
        if guess not in ("utf-16", "utf-8"):
            seen = f" (where 0x{byte:02x} is {bytes([byte]).decode(guess)!r})"
        name = "UTF-8" if encoding == "utf-8" else encoding
        where = f", as declared in {declared}" if declared else ""
        fix = (f"; it reads as {guess}{seen}: declare encoding: {guess} for it in a mapping (--mapping FILE; "
               "docs/own-data.md) or save it as UTF-8") if guess != encoding else "; save it as UTF-8"
        raise InputError(Problem(label, line, None, f"file is not {name} (byte 0x{byte:02x}{where}){fix}")) from None


def guess_encoding(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"  # Excel's "Unicode text": UTF-16 with a byte-order mark, tab-delimited
    for candidate in ("utf-8", "cp1252"):
        try:
            raw.decode(candidate)
            return candidate
        except UnicodeDecodeError:
            continue
    return "latin-1"


def sniff_delimiter(header: str, expected: Iterable[str]) -> str | None:
    """The delimiter under which the header line holds the most of the ``expected`` names."""
    want = set(expected)
    best, hits = None, 0
    for d in _DELIMITERS:
        fields = {f.strip() for f in next(csv.reader([header], delimiter=d), [])}
        if len(fields & want) > hits:
            best, hits = d, len(fields & want)
    return best


class Sources:
    """The CSV files of one data directory, read through ``mapping`` where it covers them.

    Problems that stop a whole file go to ``fatal`` (and its entity kind to ``broken``), notes to
    ``warnings``; the loader owns the three collections."""

    def __init__(self, data_dir: Path, mapping: ExportMapping | None, fatal: list[Problem], warnings: list[str],
                 broken: set[str]):
        self.dir = data_dir
        self.mapping = mapping
        self.fatal = fatal
        self.warnings = warnings
        self.broken = broken
        self._reported: set[tuple[str, str]] = set()  # (contract file, column) collapsed into one problem

    def exports(self) -> dict[str, str]:
        """Export file name -> the contract file it stands for (not 'ignored' when met in the folder)."""
        return {f.source: f.contract for f in self.mapping.files} if self.mapping else {}

    def _exports_hint(self) -> str:
        """For a missing contract file: the folder's other CSV files, which may be ERP exports."""
        if self.mapping is not None:
            return ""
        known = {s.name for s in CONTRACT}
        others = sorted(p.name for p in self.dir.glob("*.csv") if p.name not in known)[:5]
        if not others:
            return ""
        return (f"; {', '.join(others)} {'is' if len(others) == 1 else 'are'} not contract files: if they are ERP "
                "exports, read them with --mapping FILE (docs/own-data.md)")

    def text(self, path: Path, label: str, limit: int, conventions: Conventions = CONTRACT_CONVENTIONS) -> str | None:
        """A regular file's text within ``limit`` bytes, or None with the reason in ``fatal``."""
        try:
            raw = read_input(path, label, limit=limit)
            declared = dict(conventions.where).get("encoding")
            return decode(raw, label, conventions.encoding, declared)
        except InputError as e:
            self.fatal.extend(e.problems)
            return None

    def rows(self, spec: FileSpec) -> Iterator[Row] | None:
        """The records of one contract file as rows to check, or None when there are none to read."""
        fm = self.mapping.for_file(spec.name) if self.mapping else None
        name = fm.source if fm else spec.name
        path = self.dir / name
        kind = DEFINES.get(spec.name, "")
        if not path.exists() and not path.is_symlink():
            if spec.required:
                self.broken.add(kind)
                named = f" (the export {fm.where} names)" if fm else self._exports_hint()
                self.fatal.append(Problem(name, None, None, f"required file is missing from {self.dir}{named}"))
            return None
        if fm is None and self.mapping and name in self.exports():
            self.warnings.append(f"{name}: read as the export of {self.exports()[name]}, not as {name}")
            return None
        if fm is not None and fm.source != spec.name and (self.dir / spec.name).exists():
            self.warnings.append(f"{spec.name}: not read: the mapping reads {spec.name[:-4]} from {fm.source}")
        conv = fm.conventions if fm else CONTRACT_CONVENTIONS
        text = self.text(path, name, limit=MAX_CSV_BYTES, conventions=conv)
        if text is None:
            self.broken.add(kind)
            return None
        first = _comment_lines(text)
        reader = csv.reader(bounded_lines(text[first[1]:], first[0] + 1), delimiter=conv.delimiter)
        header_line = first[0] + 1
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            self.fatal.append(Problem(name, header_line, None, "file is empty: a header row is required"))
            return None
        except (csv.Error, LineTooLong) as e:
            self.broken.add(kind)
            self.fatal.append(Problem(name, header_line, None, f"not a readable CSV header: {csv_reason(e)}"))
            return None
        raw_header = text[first[1]:].split("\n", 1)[0]
        if fm is not None and fm.columns is not None:
            plan = self._export_plan(spec, fm, header, header_line, raw_header)
            if plan is None:
                self.broken.add(kind)
                return None
            return self._mapped(spec, fm, reader, header_line, plan)
        if not self._contract_header(spec, name, header, header_line, raw_header, conv):
            self.broken.add(kind)
            return None
        return self._records(spec, name, reader, header, header_line, fm)

    # ------------------------------------------------------------------ headers
    def _delimiter_problem(self, name: str, line: int, raw_header: str, expected: Iterable[str],
                           conv: Conventions) -> bool:
        found = sniff_delimiter(raw_header, expected)
        if found is None or found == conv.delimiter:
            return False
        origin = dict(conv.where).get("delimiter")
        said = (f"but {origin} says {_shown(conv.delimiter)}" if origin else
                f"not the contract's {_shown(conv.delimiter)}: declare delimiter: "
                f"{'tab' if found == chr(9) else repr(found)} for it in a mapping (--mapping FILE; docs/own-data.md)")
        self.fatal.append(Problem(name, line, None, f"the delimiter is {_shown(found)}, {said}"))
        return True

    def _contract_header(self, spec: FileSpec, name: str, header: list[str], line: int, raw_header: str,
                         conv: Conventions) -> bool:
        missing = [col for col in spec.columns if col not in header]
        if missing and self._delimiter_problem(name, line, raw_header, spec.columns + spec.optional_columns, conv):
            return False
        problems = []
        for col in missing:
            close = difflib.get_close_matches(col, header, n=1)
            hint = f" (found {close[0]!r}: column names are exact)" if close else ""
            problems.append(Problem(name, line, col, f"missing column{hint}"))
        for d in sorted({h for h in header if header.count(h) > 1}):
            problems.append(Problem(name, line, d, "column appears more than once"))
        self.fatal.extend(problems)
        if problems:
            return False
        extra = [h for h in header if h not in spec.columns and h not in spec.optional_columns]
        if extra:
            self.warnings.append(f"{name}: column(s) {', '.join(extra)} ignored (not in the input contract)")
        return True

    def _export_plan(self, spec: FileSpec, fm: FileMapping, header: list[str], line: int,
                     raw_header: str) -> dict[str, int] | None:
        """Export column -> index, for the columns the mapping reads; None (problems noted) when
        the header lacks one of them."""
        assert self.mapping is not None and fm.columns is not None
        wanted: dict[str, list[tuple[int | None, str]]] = {}
        for col in fm.columns:
            for name in col.export_columns():
                wanted.setdefault(name, []).append((col.line, col.path))
        stem = fm.contract[: -len(".csv")]
        for name, _values in fm.skip:
            wanted.setdefault(name, []).append((None, f"files.{stem}.skip.{name}"))
        missing = [n for n in wanted if n not in header]
        if missing and self._delimiter_problem(fm.source, line, raw_header, wanted, fm.conventions):
            return None
        problems = []
        for n in missing:
            close = difflib.get_close_matches(n, header, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            for key_line, path in wanted[n]:
                problems.append(Problem(self.mapping.label, key_line, None, f"{path}: export column {n!r} is not in "
                                        f"the header of {fm.source} (line {line}){hint}"))
        for n in sorted({h for h in header if header.count(h) > 1 and h in wanted}):
            problems.append(Problem(fm.source, line, n, "column appears more than once"))
        self.fatal.extend(problems)
        return None if problems else {n: header.index(n) for n in wanted}

    # ------------------------------------------------------------------ records
    def _lines(self, name: str, reader: Iterator[list[str]], header_line: int,
               required: bool) -> Iterator[tuple[int, list[str]]]:
        """(physical line, fields) of each record after the header; blank lines skipped."""
        start, records = header_line + 1, 0
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                if records == 0 and required:
                    self.fatal.append(Problem(name, None, None, "the file has a header but no records; "
                                                                "a required file needs at least one"))
                return
            except (csv.Error, LineTooLong) as e:
                # the rest of the file cannot be split into records: stop here, and let
                # references into this file go unreported (they would all be follow-ons)
                self.broken.add(DEFINES.get(name, ""))
                at = e.line if isinstance(e, LineTooLong) else start
                self.fatal.append(Problem(name, at, None, f"unreadable CSV record: {csv_reason(e)}"))
                return
            records += 1
            line, start = start, header_line + reader.line_num  # type: ignore[attr-defined]
            if fields and fields != [""]:
                yield line, fields

    def _records(self, spec: FileSpec, name: str, reader: Iterator[list[str]], header: list[str],
                 header_line: int, fm: FileMapping | None) -> Iterator[Row]:
        width = len(header)
        wanted = spec.columns + spec.optional_columns
        for line, fields in self._lines(name, reader, header_line, spec.required):
            values = {h: "" for h in wanted}
            values.update(zip(header, fields))
            row: Row = Row(name, line, values) if fm is None else MappedRow(name, line, values, {})
            if len(fields) != width:
                row.bad(None, f"record has {len(fields)} fields, the header has {width}")
            if fm is not None:
                _convert(row, fm.conventions, wanted)  # conventions only: the contract's own columns
            yield row

    def _mapped(self, spec: FileSpec, fm: FileMapping, reader: Iterator[list[str]], header_line: int,
                plan: dict[str, int]) -> Iterator[Row]:
        assert fm.columns is not None
        wanted = spec.columns + spec.optional_columns
        labels = {c.target: c.label() for c in fm.columns}
        skipped = 0
        for line, fields in self._lines(fm.source, reader, header_line, spec.required):
            cell = {n: (fields[i] if i < len(fields) else "") for n, i in plan.items()}
            if any(cell[col].strip() in values for col, values in fm.skip):
                skipped += 1
                continue
            values = {c: "" for c in wanted}
            for col in fm.columns:
                values[col.target] = _value(col, cell)
            row = MappedRow(fm.source, line, values, labels, self, fm)
            _convert(row, fm.conventions, [c.target for c in fm.columns])
            yield row
        if skipped:
            rules = "; ".join(f"{c} in {', '.join(sorted(v))}" for c, v in fm.skip)
            self.warnings.append(f"{fm.source}: {skipped} row(s) left out by the mapping ({rules})")

    def unmapped_required(self, fm: FileMapping, column: str, row: Row) -> None:
        """A contract column the mapping leaves out but the contract needs in every row: one
        problem for the mapping, not one per row."""
        if (fm.contract, column) in self._reported or self.mapping is None:
            return
        self._reported.add((fm.contract, column))
        stem = fm.contract[: -len(".csv")]
        self.fatal.append(Problem(self.mapping.label, fm.columns_line, None, (
            f"columns.{stem}.{column}: not mapped, but {fm.contract} needs a value in every row (first at "
            f"{row.file}:{row.line}); map it to a column of {fm.source}, or give a constant: "
            f"{column}: {{value: ...}}")))


def _comment_lines(text: str) -> tuple[int, int]:
    """(number of leading '#' comment lines, offset of the first line after them)."""
    n = pos = 0
    while text.startswith("#", pos):
        end = text.find("\n", pos)
        if end < 0:
            return n + 1, len(text)
        n, pos = n + 1, end + 1
    return n, pos


def _value(col, cell: dict[str, str]) -> str:
    if col.value is not None:
        raw = col.value
    elif col.source is not None:
        raw = cell[col.source]
    else:  # not str.format: an export column named "Qty." or "No.[1]" is a plain name here
        raw = "".join(lit + (cell[f].strip() if f else "") for lit, f, _, _ in string.Formatter().parse(col.template))
    if col.values:
        return dict(col.values).get(raw.strip(), raw if col.default is None else col.default)
    return raw


def _convert(row: Row, conv: Conventions, columns: Iterable[str]) -> None:
    """Apply the export's conventions to the contract columns given; a cell they cannot read is
    reported once here (the contract's own check of the column then stays silent)."""
    if conv is CONTRACT_CONVENTIONS:
        return
    for c in columns:
        value, problem = convert_cell(c, row.values.get(c, ""), conv)
        row.values[c] = value
        if problem:
            row.bad(c, problem)
            if isinstance(row, MappedRow):
                row.reported.add(c)


class MappedRow(Row):
    """A row read through a mapping: problems name the export column behind a contract column
    (``column quantity (MENGE)``), a cell the conventions rejected is reported once, and a
    contract column the mapping leaves out is reported once for the whole file."""

    __slots__ = ("labels", "reported", "sources", "fm")

    def __init__(self, file: str, line: int, values: dict[str, str], labels: dict[str, str],
                 sources: Sources | None = None, fm: FileMapping | None = None):
        super().__init__(file, line, values)
        self.labels = labels
        self.reported: set[str] = set()
        self.sources = sources
        self.fm = fm

    def bad(self, column: str | None, reason: str) -> None:
        if column is not None and column in self.reported:
            return
        if (column is not None and self.fm is not None and self.sources is not None and column not in self.labels
                and reason == "value is required"):
            self.sources.unmapped_required(self.fm, column, self)
            self.follow_on = True  # rejected; the one problem is the mapping's
            return
        if column is not None and column in self.labels:
            column = f"{column} ({self.labels[column]})"
        super().bad(column, reason)
