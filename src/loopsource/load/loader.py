"""Load stage: a directory of CSV exports (and the user's own RDF files) to asserted triples.

The loader checks every row against the input contract and collects every problem before
it stops, so a user fixes a file in one pass. Output is N-Triples text, because that is
what the store bulk-loads fastest; nothing here touches a store.
"""
from __future__ import annotations

import csv
import difflib
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox

from ..errors import InputError, Problem
from .circularity import CircularityRows
from .compliance import material_columns, product_columns, purchase_columns
from .flows import loop_columns, material_flow_columns
from .contract import CONTRACT, RDF_SUFFIXES, FileSpec
from .network import NetworkRows
from ..files import MAX_RDF_BYTES
from .classes import class_index
from .mapping import ExportMapping
from .source import MAX_FIELD_CHARS, Sources
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

# Limits of one user RDF file (docs/security.md; those of a CSV record are in source.py).
MAX_LITERAL_CHARS = 1024 * 1024
MAX_LIST_ITEMS = 1_000
RDF_FIRST = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first"
RDF_REST = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest"


T_TYPE = iri(RDF_TYPE)
T_ID = iri(LS + "id")
T_NAME = iri(SCHEMA + "name")
T_PROV = iri(PROV + "wasDerivedFrom")


class Loader(NetworkRows, CircularityRows):
    """Checks and converts one data directory. Use :func:`load_directory`. Mixins: NetworkRows
    (plant_products, markets, hubs), CircularityRows (sales.csv, circularity columns)."""

    def __init__(self, data_dir: Path, *, skip_invalid: bool = False, codes: CodeLists | None = None,
                 sink: Callable[[bytes], None] | None = None, mapping: ExportMapping | None = None):
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
        self.sources = Sources(data_dir, mapping, self.fatal, self.warnings, self.broken)
        self.unit_mass: dict[str, Decimal] = {}  # material id -> kg per piece (materials.csv unit_mass_kg)

    # -------------------------------------------------------------- files
    def _read(self, spec: FileSpec) -> Iterator[Row] | None:
        return self.sources.rows(spec)

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
        cls, why = None, None
        raw = row.text("class")
        if raw is not None:
            cls, why = class_index().resolve(raw)
            if why:
                row.bad("class", why)
        key = self._entity(row, "material", cls)
        name = row.text("name")
        if name is not None:
            row.emit(T_NAME, string_literal(name))
        material_columns(row, self.codes)
        unit_mass = row.number("unit_mass_kg", required=False, positive=True)
        if unit_mass is not None:
            row.emit(iri(LS + "unitMassKg"), decimal_literal(unit_mass))
            if key is not None:
                self.unit_mass[key] = unit_mass
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
        self.product_circularity(row)
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
        self.bom_circularity(row)
        self._accept(row, "bom", key)

    def _quantity(self, row: Row) -> None:
        q = row.number("quantity", positive=True)
        options = {k: v[0] for k, v in self.codes.units.items()} | self.codes.count_units
        unit = row.choice("unit", options, "unit")
        own = row.number("unit_mass_kg", required=False, positive=True) if "unit_mass_kg" in row.values else None
        if q is None or unit is None:
            return
        code = row.values["unit"].strip()
        if code in self.codes.count_units:
            factor = own if own is not None else self.unit_mass.get(row.values["material"].strip())
            if factor is None:
                here = " on this line or" if "unit_mass_kg" in row.values else ""
                row.bad("unit_mass_kg" if here else "unit", f"a quantity in pieces ({code}) needs the mass of one "
                        f"piece: give unit_mass_kg{here} on material {row.values['material'].strip()!r} in materials.csv")
                return
        else:
            factor = self.codes.units[code][1]
        if own is not None:
            row.emit(iri(LS + "unitMassKg"), decimal_literal(own))
        if q * factor > MAX_VALUE:
            row.bad("quantity", f"{row.values['quantity'].strip()} {code} is {q * factor:,.0f} kg, beyond the "
                                f"bound of {MAX_VALUE:,.0f} kg (docs/security.md)")
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
            "hubs.csv": self.hubs, "sales.csv": self.sales,
        }
        previous = csv.field_size_limit(MAX_FIELD_CHARS)
        try:
            self._read_all(handlers)
        finally:
            csv.field_size_limit(previous)
        known = {s.name for s in CONTRACT} | set(self.sources.exports())
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
        text = self.sources.text(path, path.name, MAX_RDF_BYTES)
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


def load_directory(data_dir: Path, *, skip_invalid: bool = False, sink: Callable[[bytes], None] | None = None,
                   mapping: ExportMapping | None = None) -> LoadResult:
    """Check and convert a data directory. Raises InputError with every problem found,
    unless ``skip_invalid``, in which case bad rows come back in ``rejected``.

    With ``sink``, CSV-derived N-Triples are handed over in chunks as they are made (and
    ``ntriples`` comes back empty), so that a store can load them while the rest is checked.
    With ``mapping`` (load/mapping.py), the exports it names are read in place of contract files.
    """
    return Loader(Path(data_dir), skip_invalid=skip_invalid, sink=sink, mapping=mapping).run()
