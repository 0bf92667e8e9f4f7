"""Load stage: a directory of CSV exports (and the user's own RDF files) to asserted triples.

The loader checks every row against the input contract and collects every problem before
it stops, so a user fixes a file in one pass. Output is N-Triples text, because that is
what the store bulk-loads fastest; nothing here touches a store.
"""
from __future__ import annotations

import csv
import difflib
import io
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox

from ..errors import InputError, Problem
from .compliance import material_columns, product_columns, purchase_columns
from .flows import loop_columns, material_flow_columns
from .contract import CONTRACT, RDF_SUFFIXES, FileSpec
from .network import NetworkRows
from ..files import MAX_CSV_BYTES, MAX_RDF_BYTES, read_input
from .jsonld import inline_known_contexts
from .rows import MAX_VALUE, IdIndex, Row
from ..rdf.terms import DATE_SUFFIX, decimal_literal, iri, string_literal
from ..rdf.vocab import GEO, LS, ORG, PROV, RDF_TYPE, SCHEMA, SOURCE, CodeLists, code_lists, entity_iri

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RejectedRow:
    file: str
    line: int
    problems: tuple[Problem, ...]
    values: dict[str, str]


@dataclass(frozen=True)
class LoadResult:
    """What the load stage hands to the store: asserted triples and an account of the input."""

    ntriples: str  # CSV-derived triples, N-Triples
    user_rdf: tuple[tuple[str, str, ox.RdfFormat], ...]  # (file name, text, format) of the user's own RDF
    rows: dict[str, int]  # file -> rows accepted
    rejected: tuple[RejectedRow, ...]
    warnings: tuple[str, ...]
    triples: int  # CSV-derived triple count


_CURRENCY = re.compile(r"^[A-Z]{3}$")

# Tighter physical bounds of some columns (the rest: rows.MAX_VALUE). Documented in
# docs/security.md; products of two bounded figures stay inside Oxigraph's decimals.
MAX_YEARS = Decimal(1000)  # a product lifetime
MAX_INTENSITY = Decimal(1_000_000)  # uses per year
MAX_DAYS = Decimal(36_500)  # a lead time: a hundred years
MAX_RATE = Decimal(1_000_000)  # an exchange rate, a unit price per kg

# Limits of one CSV record and one user RDF file (docs/security.md); far above real exports.
MAX_LINE_CHARS = 1024 * 1024
MAX_FIELD_CHARS = 64 * 1024
MAX_LITERAL_CHARS = 1024 * 1024
MAX_LIST_ITEMS = 1_000
RDF_FIRST = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first"
RDF_REST = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest"
# The entity kind each file defines: when a file cannot be read at all, references to its
# kind are not reported again row by row (one root cause, not a thousand follow-on errors).
_DEFINES = {"organisations.csv": "org", "sites.csv": "site", "materials.csv": "material",
            "products.csv": "product", "purchases.csv": "purchase", "loops.csv": "loop"}


class _LineTooLong(Exception):
    def __init__(self, line: int):
        self.line = line


def _bounded_lines(text: str) -> Iterator[str]:
    """The physical lines of ``text``, refusing one longer than :data:`MAX_LINE_CHARS`."""
    for n, line in enumerate(io.StringIO(text, newline=""), 1):
        if len(line) > MAX_LINE_CHARS:
            raise _LineTooLong(n)
        yield line


T_TYPE = iri(RDF_TYPE)
T_ID = iri(LS + "id")
T_NAME = iri(SCHEMA + "name")
T_PROV = iri(PROV + "wasDerivedFrom")


class Loader(NetworkRows):
    """Checks and converts one data directory. Use :func:`load_directory`.

    The network-design files (plant_products, markets, hubs) are handled by NetworkRows."""

    def __init__(self, data_dir: Path, *, skip_invalid: bool = False, codes: CodeLists | None = None,
                 sink: Callable[[bytes], None] | None = None):
        self.dir = data_dir
        self.sink = sink
        self.flushed = 0
        self.skip_invalid = skip_invalid
        self.codes = codes or code_lists()
        self.index = IdIndex()
        self.fatal: list[Problem] = []
        self.rejected: list[RejectedRow] = []
        self.warnings: list[str] = []
        self.out: list[str] = []
        self.rows: dict[str, int] = {}
        self.site_kind: dict[str, str] = {}
        self.broken: set[str] = set()  # entity kinds whose file could not be read

    # -------------------------------------------------------------- files
    def _read(self, spec: FileSpec) -> Iterator[Row] | None:
        path = self.dir / spec.name
        if not path.exists() and not path.is_symlink():
            if spec.required:
                self.broken.add(_DEFINES.get(spec.name, ""))
                self.fatal.append(Problem(spec.name, None, None, f"required file is missing from {self.dir}"))
            return None
        text = self._text(path, spec.name, MAX_CSV_BYTES)
        if text is None:
            self.broken.add(_DEFINES.get(spec.name, ""))
            return None
        reader = csv.reader(_bounded_lines(text))
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            self.fatal.append(Problem(spec.name, 1, None, "file is empty: a header row is required"))
            return None
        except (csv.Error, _LineTooLong) as e:
            self.broken.add(_DEFINES.get(spec.name, ""))
            self.fatal.append(Problem(spec.name, 1, None, f"not a readable CSV header: {_csv_reason(e)}"))
            return None
        problems = []
        for col in spec.columns:
            if col not in header:
                close = difflib.get_close_matches(col, header, n=1)
                hint = f" (found {close[0]!r}: column names are exact)" if close else ""
                problems.append(Problem(spec.name, 1, col, f"missing column{hint}"))
        dups = {h for h in header if header.count(h) > 1}
        for d in sorted(dups):
            problems.append(Problem(spec.name, 1, d, "column appears more than once"))
        if problems:
            self.broken.add(_DEFINES.get(spec.name, ""))
            self.fatal.extend(problems)
            return None
        extra = [h for h in header if h not in spec.columns and h not in spec.optional_columns]
        if extra:
            self.warnings.append(f"{spec.name}: column(s) {', '.join(extra)} ignored (not in the input contract)")
        return self._records(spec, reader, header)

    def _records(self, spec: FileSpec, reader: Iterator[list[str]], header: list[str]) -> Iterator[Row]:
        width = len(header)
        wanted = spec.columns + spec.optional_columns
        start, records = 2, 0
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                if records == 0 and spec.required:
                    self.fatal.append(Problem(spec.name, None, None, "the file has a header but no records; "
                                                                     "a required file needs at least one"))
                return
            except (csv.Error, _LineTooLong) as e:
                # the rest of the file cannot be split into records: stop here, and let
                # references into this file go unreported (they would all be follow-ons)
                self.broken.add(_DEFINES.get(spec.name, ""))
                line = e.line if isinstance(e, _LineTooLong) else start
                self.fatal.append(Problem(spec.name, line, None, f"unreadable CSV record: {_csv_reason(e)}"))
                return
            records += 1
            line, start = start, reader.line_num + 1  # type: ignore[attr-defined]
            if not fields or fields == [""]:
                continue
            values = {h: "" for h in wanted}
            values.update(zip(header, fields))
            row = Row(spec.name, line, values)
            if len(fields) != width:
                row.bad(None, f"record has {len(fields)} fields, the header has {width}")
            yield row

    def _finish(self, row: Row) -> bool:
        if row.problems or row.follow_on:
            self.rejected.append(RejectedRow(row.file, row.line, tuple(row.problems), dict(row.values)))
            return False
        row.emit(T_PROV, iri(f"{SOURCE}{row.file}#L{row.line}"))
        self.out.extend(row.lines)
        self.rows[row.file] = self.rows.get(row.file, 0) + 1
        return True

    def _ref(self, row: Row, column: str, kind: str, what: str, required: bool = True) -> str | None:
        """Resolve a reference; ids of rows that were rejected only resolve when nothing is built anyway."""
        key = row.text(column, required)
        if key is None:
            return None
        if kind in self.broken:
            row.follow_on = True  # its file is unreadable: that one problem is reported already
            return None
        if key in self.index.valid.get(kind, {}):
            return entity_iri(kind, key)
        seen = self.index.seen.get(kind, {})
        if key in seen:
            if not self.skip_invalid:
                return entity_iri(kind, key)  # the referenced row's own problem is reported already
            row.bad(column, f"{what} {key!r} was rejected (line {seen[key]} of its file)")
            return None
        close = difflib.get_close_matches(key, list(self.index.valid.get(kind, {})), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        row.bad(column, f"unknown {what} {key!r}{hint}")
        return None

    def _entity(self, row: Row, kind: str, cls: str | None) -> str | None:
        key = row.text("id")
        if key is None:
            return None
        if not self.index.register(kind, key, row, "id"):
            return None
        row.subject = entity_iri(kind, key)
        if cls:
            row.emit(T_TYPE, iri(cls))
        row.emit(T_ID, string_literal(key))
        return key

    def _accept(self, row: Row, kind: str, key: str | None) -> None:
        if self._finish(row) and key is not None:
            self.index.valid.setdefault(kind, {})[key] = row.line

    # -------------------------------------------------------------- one function per file
    def organisations(self, row: Row) -> None:
        role = row.choice("role", self.codes.roles, "role")
        key = self._entity(row, "org", role)
        name = row.text("name")
        country = row.choice("country", self.codes.countries, "country code (ISO 3166-1 alpha-2)")
        if name is not None:
            row.emit(T_NAME, string_literal(name))
        if country:
            row.emit(iri(LS + "country"), iri(country))
        self._accept(row, "org", key)

    def sites(self, row: Row) -> None:
        kind = row.choice("kind", self.codes.site_kinds, "site kind")
        key = self._entity(row, "site", kind)
        if key is not None:
            self.site_kind[key] = row.values["kind"].strip()
        org = self._ref(row, "organisation", "org", "organisation")
        name = row.text("name")
        country = row.choice("country", self.codes.countries, "country code (ISO 3166-1 alpha-2)")
        lat = row.number("lat", required=False, lo=Decimal(-90), hi=Decimal(90))
        lon = row.number("lon", required=False, lo=Decimal(-180), hi=Decimal(180))
        if (row.values["lat"].strip() == "") != (row.values["lon"].strip() == ""):
            row.bad("lat" if row.values["lat"].strip() == "" else "lon", "lat and lon must be given together or both left empty")
        if org:
            row.emit(iri(ORG + "siteOf"), iri(org))
        if name is not None:
            row.emit(T_NAME, string_literal(name))
        if country:
            row.emit(iri(LS + "locatedIn"), iri(country))
        if lat is not None and lon is not None:
            row.emit(iri(GEO + "lat"), decimal_literal(lat))
            row.emit(iri(GEO + "long"), decimal_literal(lon))
        self._accept(row, "site", key)

    def materials(self, row: Row) -> None:
        cls = row.choice("class", self.codes.material_classes, "material class")
        key = self._entity(row, "material", cls)
        name = row.text("name")
        if name is not None:
            row.emit(T_NAME, string_literal(name))
        material_columns(row, self.codes)
        material_flow_columns(row)
        self._accept(row, "material", key)

    _PRODUCT_NUMBERS = (
        ("lifetime_years", "lifetimeYears", dict(positive=True, hi=MAX_YEARS)),
        ("industry_lifetime_years", "industryLifetimeYears", dict(positive=True, hi=MAX_YEARS)),
        ("use_intensity", "useIntensity", dict(positive=True, required=False, hi=MAX_INTENSITY)),
        ("industry_use_intensity", "industryUseIntensity", dict(positive=True, required=False, hi=MAX_INTENSITY)),
        ("collection_recycling_share", "collectionRecyclingShare", dict(share=True)),
        ("collection_reuse_share", "collectionReuseShare", dict(share=True)),
        ("recycling_efficiency_eol", "recyclingEfficiencyEol", dict(share=True)),
        ("recycling_efficiency_feedstock", "recyclingEfficiencyFeedstock", dict(share=True)),
    )

    def products(self, row: Row) -> None:
        key = self._entity(row, "product", LS + "Product")
        name = row.text("name")
        if name is not None:
            row.emit(T_NAME, string_literal(name))
        got: dict[str, Decimal] = {}
        for column, prop, opts in self._PRODUCT_NUMBERS:
            d = row.number(column, **opts)  # type: ignore[arg-type]
            if d is not None:
                got[column] = d
                row.emit(iri(LS + prop), decimal_literal(d))
        if got.get("collection_recycling_share", 0) + got.get("collection_reuse_share", 0) > 1:
            row.bad("collection_reuse_share", "collection_recycling_share + collection_reuse_share is more than 1")
        product_columns(row, self.codes, lambda r, c: self._plant_ref(r, c, required=False))
        self._accept(row, "product", key)

    def bom(self, row: Row) -> None:
        product = self._ref(row, "product", "product", "product")
        material = self._ref(row, "material", "material", "material")
        mass = row.number("mass_kg", positive=True)
        key = None
        if product and material:
            pid, mid = row.values["product"].strip(), row.values["material"].strip()
            if self.index.register("bom", f"{pid}\x00{mid}", row, "material"):
                key = f"{pid}\x00{mid}"
            row.subject = entity_iri("bom", pid, mid)
            row.emit(T_TYPE, iri(LS + "BomLine"))
            row.emit(iri(LS + "bomLineOf"), iri(product))
            row.emit(iri(LS + "material"), iri(material))
        if mass is not None:
            row.emit(iri(LS + "massKg"), decimal_literal(mass))
        self._accept(row, "bom", key)

    def _quantity(self, row: Row) -> None:
        q = row.number("quantity", positive=True)
        unit = row.choice("unit", {k: v[0] for k, v in self.codes.units.items()}, "unit")
        if q is not None and unit is not None:
            factor = self.codes.units[row.values["unit"].strip()][1]
            if q * factor > MAX_VALUE:
                row.bad("quantity", f"{row.values['quantity'].strip()} {row.values['unit'].strip()} is "
                                    f"{q * factor:,.0f} kg, beyond the bound of {MAX_VALUE:,.0f} kg (docs/security.md)")
                return
            row.emit(iri(LS + "quantity"), decimal_literal(q))
            row.emit(iri(LS + "unit"), iri(unit))
            row.emit(iri(LS + "massKg"), decimal_literal(q * factor))

    def purchases(self, row: Row) -> None:
        key = self._entity(row, "purchase", LS + "Purchase")
        day = row.day("date")
        buyer = self._ref(row, "buyer_site", "site", "site")
        supplier = self._ref(row, "supplier_site", "site", "site")
        if buyer and buyer == supplier:
            row.bad("supplier_site", "a site cannot buy from itself (buyer_site and supplier_site are the same)")
        material = self._ref(row, "material", "material", "material")
        self._quantity(row)
        spend = row.number("spend", required=False, non_negative=True)
        currency = row.text("currency", required=False)
        if currency is not None and not _CURRENCY.match(currency):
            row.bad("currency", f"{currency!r} is not an ISO 4217 code (three capital letters)")
        if spend is not None and currency is None:
            row.bad("currency", "spend is given without a currency")
        rec = row.number("recycled_share", required=False, share=True)
        reu = row.number("reused_share", required=False, share=True)
        if rec is not None and reu is not None and rec + reu > 1:
            row.bad("reused_share", f"recycled_share + reused_share = {rec + reu} is more than 1")
        rec = purchase_columns(row, self.codes, rec, reu)
        mode = row.choice("transport_mode", self.codes.transport_modes, "transport mode", required=False)
        lead = row.number("lead_time_days", required=False, non_negative=True, hi=MAX_DAYS)
        if day:
            row.emit(iri(LS + "date"), '"' + day.isoformat() + '"' + DATE_SUFFIX)
        for p, v in (("buyerSite", buyer), ("supplierSite", supplier), ("material", material), ("transportMode", mode)):
            if v:
                row.emit(iri(LS + p), iri(v))
        for p, d in (("spend", spend), ("recycledShare", rec), ("reusedShare", reu), ("leadTimeDays", lead)):
            if d is not None:
                row.emit(iri(LS + p), decimal_literal(d))
        if currency:
            row.emit(iri(LS + "currency"), string_literal(currency))
        self._accept(row, "purchase", key)

    def loops(self, row: Row) -> None:
        key = self._entity(row, "loop", LS + "Loop")
        day = row.day("date")
        src = self._ref(row, "from_site", "site", "site")
        dst = self._ref(row, "to_site", "site", "site")
        material = self._ref(row, "material", "material", "material")
        strategy = row.choice("strategy", self.codes.strategies, "strategy")
        self._quantity(row)
        loop_columns(row)
        if day:
            row.emit(iri(LS + "date"), '"' + day.isoformat() + '"' + DATE_SUFFIX)
        for p, v in (("fromSite", src), ("toSite", dst), ("material", material), ("strategy", strategy)):
            if v:
                row.emit(iri(LS + p), iri(v))
        self._accept(row, "loop", key)

    def upstream(self, row: Row) -> None:
        site = self._ref(row, "site", "site", "site")
        up = self._ref(row, "upstream_site", "site", "site")
        material = self._ref(row, "material", "material", "material")
        key = None
        if site and up and material:
            ids = (row.values["site"].strip(), row.values["upstream_site"].strip(), row.values["material"].strip())
            if ids[0] == ids[1]:
                row.bad("upstream_site", "a site cannot be its own upstream supplier")
            if self.index.register("upstream", "\x00".join(ids), row, "material"):
                key = "\x00".join(ids)
            row.subject = entity_iri("upstream", *ids)
            row.emit(T_TYPE, iri(LS + "UpstreamSupply"))
            row.emit(iri(LS + "site"), iri(site))
            row.emit(iri(LS + "upstreamSite"), iri(up))
            row.emit(iri(LS + "material"), iri(material))
            row.lines.append(f"<{site}> <{LS}upstreamSupplier> <{up}> .\n")
        self._accept(row, "upstream", key)

    def candidates(self, row: Row) -> None:
        site = self._ref(row, "site", "site", "site")
        material = self._ref(row, "material", "material", "material")
        cap = row.number("capacity_kg", positive=True)
        price = row.number("unit_price", required=False, non_negative=True, hi=MAX_RATE)
        currency = row.text("currency", required=False)
        if currency is not None and not _CURRENCY.match(currency):
            row.bad("currency", f"{currency!r} is not an ISO 4217 code (three capital letters)")
        if price is not None and currency is None:
            row.bad("currency", "unit_price is given without a currency")
        lead = row.number("lead_time_days", required=False, non_negative=True, hi=MAX_DAYS)
        key = None
        if site and material:
            ids = (row.values["site"].strip(), row.values["material"].strip())
            if self.index.register("candidate", "\x00".join(ids), row, "material"):
                key = "\x00".join(ids)
            row.subject = entity_iri("candidate", *ids)
            row.emit(T_TYPE, iri(LS + "Candidate"))
            row.emit(iri(LS + "site"), iri(site))
            row.emit(iri(LS + "material"), iri(material))
            for p, d in (("capacityKg", cap), ("unitPrice", price), ("leadTimeDays", lead)):
                if d is not None:
                    row.emit(iri(LS + p), decimal_literal(d))
            if currency:
                row.emit(iri(LS + "currency"), string_literal(currency))
        self._accept(row, "candidate", key)

    def fx(self, row: Row) -> None:
        currency = row.text("currency")
        rate = row.number("rate", positive=True, hi=MAX_RATE)
        key = None
        if currency is not None:
            if not _CURRENCY.match(currency):
                row.bad("currency", f"{currency!r} is not an ISO 4217 code (three capital letters)")
            elif self.index.register("fx", currency, row, "currency"):
                key = currency
            row.subject = entity_iri("fx", currency)
            row.emit(T_TYPE, iri(LS + "ExchangeRate"))
            row.emit(iri(LS + "currency"), string_literal(currency))
        if rate is not None:
            row.emit(iri(LS + "rate"), decimal_literal(rate))
        self._accept(row, "fx", key)

    # -------------------------------------------------------------- driver
    def run(self) -> LoadResult:
        if not self.dir.is_dir():
            raise InputError(Problem(str(self.dir), None, None, "data directory does not exist or is not a directory"))
        handlers: dict[str, Callable[[Row], None]] = {
            "organisations.csv": self.organisations, "sites.csv": self.sites, "materials.csv": self.materials,
            "products.csv": self.products, "bom.csv": self.bom, "purchases.csv": self.purchases,
            "loops.csv": self.loops, "upstream.csv": self.upstream, "candidates.csv": self.candidates,
            "fx.csv": self.fx, "plant_products.csv": self.plant_products, "markets.csv": self.markets,
            "hubs.csv": self.hubs,
        }
        previous = csv.field_size_limit(MAX_FIELD_CHARS)
        try:
            self._read_all(handlers)
        finally:
            csv.field_size_limit(previous)
        known = {s.name for s in CONTRACT}
        user_rdf = []
        for path in sorted(self.dir.iterdir()):
            # not is_file(): a user RDF file that is a FIFO or a link to a device is reported
            if path.suffix in RDF_SUFFIXES and not path.is_dir():
                user_rdf.append(self._user_rdf(path))
            elif path.suffix == ".csv" and path.name not in known:
                self.warnings.append(f"{path.name}: file ignored (not in the input contract)")
        problems = list(self.fatal)
        if not self.skip_invalid:
            problems.extend(p for r in self.rejected for p in r.problems)
        if problems:
            raise InputError(problems)
        self._flush()
        return LoadResult(
            ntriples="".join(self.out),
            user_rdf=tuple(u for u in user_rdf if u is not None),
            rows=dict(self.rows),
            rejected=tuple(self.rejected),
            warnings=tuple(self.warnings),
            triples=self.flushed + len(self.out),
        )

    def _read_all(self, handlers: dict[str, Callable[[Row], None]]) -> None:
        for spec in CONTRACT:
            records = self._read(spec)
            if records is None:
                continue
            handler = handlers[spec.name]
            for row in records:
                handler(row)
                if self.sink is not None and len(self.out) >= 100_000:
                    self._flush()
            self._flush()

    def _flush(self) -> None:
        """Hand the triples made so far to the sink (the store loads them while we go on)."""
        if self.sink is None or not self.out:
            return
        self.sink("".join(self.out).encode("utf-8"))
        self.flushed += len(self.out)
        self.out.clear()

    def _user_rdf(self, path: Path) -> tuple[str, str, ox.RdfFormat] | None:
        fmt = RDF_SUFFIXES[path.suffix]
        text = self._text(path, path.name, MAX_RDF_BYTES)
        if text is None:
            return None
        if fmt == ox.RdfFormat.JSON_LD:
            text = inline_known_contexts(text)  # product passports: their two context URLs, offline
        rest: dict[ox.NamedNode | ox.BlankNode, object] = {}
        try:
            # Parsed here to report syntax errors with a position and to hold the limits;
            # pyoxigraph's parsers resolve no external entities, fetch no remote JSON-LD
            # contexts and read no files.
            for quad in ox.parse(text, format=fmt, base_iri=f"{SOURCE}{path.name}"):
                o = quad.object
                if isinstance(o, ox.Literal) and len(o.value) > MAX_LITERAL_CHARS:
                    self.fatal.append(Problem(path.name, None, None, f"a literal of {len(o.value):,} characters "
                                              f"(subject {quad.subject}); at most {MAX_LITERAL_CHARS:,} are accepted"))
                    return None
                if quad.predicate.value == RDF_REST:
                    rest[quad.subject] = o
        except SyntaxError as e:
            self.fatal.append(Problem(path.name, _line_of(e), None, f"not valid RDF: {e}"))
            return None
        except MemoryError:  # pyoxigraph's parser refuses one token over 16 MB
            self.fatal.append(Problem(path.name, None, None, "a literal or IRI over the parser's limit of 16 MB; "
                                      f"at most {MAX_LITERAL_CHARS:,} characters are accepted"))
            return None
        longest = _longest_list(rest)
        if longest > MAX_LIST_ITEMS:
            self.fatal.append(Problem(path.name, None, None, f"an RDF list (rdf:rest chain) of {longest:,} items; "
                                      f"at most {MAX_LIST_ITEMS:,} are accepted (reasoning over lists is quadratic)"))
            return None
        return (path.name, text, fmt)

    def _text(self, path: Path, label: str, limit: int) -> str | None:
        """A regular file's text within ``limit`` bytes, or None with the reason in ``fatal``."""
        try:
            raw = read_input(path, label, limit=limit)
        except InputError as e:
            self.fatal.extend(e.problems)
            return None
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            line = raw[: e.start].count(b"\n") + 1
            self.fatal.append(Problem(label, line, None,
                                      f"file is not UTF-8 (byte 0x{raw[e.start]:02x}); save it as UTF-8"))
            return None


def _csv_reason(e: Exception) -> str:
    if isinstance(e, _LineTooLong):
        return f"line {e.line} is longer than {MAX_LINE_CHARS:,} characters"
    text = str(e)
    if "field larger than field limit" in text:
        return f"a field is longer than {MAX_FIELD_CHARS:,} characters"
    return text


def _longest_list(rest: dict) -> int:
    """Items of the longest rdf:rest chain (each node walked once; a cycle stops the walk)."""
    length: dict[object, int] = {}
    longest = 0
    for start in rest:
        chain, node = [], start
        while node in rest and node not in length and len(chain) <= len(rest):
            length[node] = 0  # in progress: a cycle ends here
            chain.append(node)
            node = rest[node]
        n = length.get(node, 0)
        for item in reversed(chain):
            n += 1
            length[item] = n
        longest = max(longest, n)
    return longest


def _line_of(error: SyntaxError) -> int | None:
    m = re.search(r"line (\d+)", str(error))
    if m:
        return int(m.group(1))
    return getattr(error, "lineno", None)


def load_directory(data_dir: Path, *, skip_invalid: bool = False,
                   sink: Callable[[bytes], None] | None = None) -> LoadResult:
    """Check and convert a data directory. Raises InputError with every problem found,
    unless ``skip_invalid``, in which case bad rows come back in ``rejected``.

    With ``sink``, CSV-derived N-Triples are handed over in chunks as they are made (and
    ``ntriples`` comes back empty), so that a store can load them while the rest is checked.
    """
    return Loader(Path(data_dir), skip_invalid=skip_invalid, sink=sink).run()
