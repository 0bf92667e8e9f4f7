"""A tender's bids.csv: checked like every input file, turned into triples and typed records.

Bids refer to the sites and materials of a store (the ids are handed in); a bid's supplier
site may be new, described by the optional columns ``organisation``, ``site_name``,
``country``, ``lat``, ``lon``; it then becomes an ``ls:SupplierSite`` of the bid graph, so the
figures computed for purchases (distance, tier, emissions) apply to it unchanged.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from ..errors import InputError, Problem
from ..rdf.terms import decimal_literal, iri, string_literal
from ..rdf.vocab import GEO, LS, ORG, RDF_TYPE, SCHEMA, entity_iri
from .contract import BIDS
from .compliance import purchase_columns
from .loader import Loader
from .rows import Row

#: Certifications a bid may name (certifications column, separated by ';'): environmental and
#: energy management systems, product circularity certification, sustainability ratings.
CERTIFICATIONS: tuple[str, ...] = (
    "ISO 14001", "EMAS", "ISO 50001", "ISO 45001",
    "Cradle to Cradle Certified", "Cradle to Cradle Certified Bronze", "Cradle to Cradle Certified Silver",
    "Cradle to Cradle Certified Gold", "Cradle to Cradle Certified Platinum",
    "EcoVadis Bronze", "EcoVadis Silver", "EcoVadis Gold", "EcoVadis Platinum",
)
_BOOLEANS = {"true": True, "false": False}


@dataclass(frozen=True)
class Bid:
    """One checked row of bids.csv (masses in kg, prices as given)."""

    tender: str
    lot: str
    id: str
    line: int
    supplier_site: str
    material: str
    quantity: float
    unit: str  # the unit as written (kg, t, g, lb)
    mass_kg: float
    unit_price: float  # per kg, in ``currency`` (as unit_price in candidates.csv)
    currency: str
    recycled_share: float | None
    pre_consumer_share: float | None
    post_consumer_share: float | None
    chain_of_custody: str | None
    certificate: str | None
    take_back: bool
    lead_time_days: float | None
    certifications: tuple[str, ...]
    transport_mode: str | None
    warranty_years: float | None
    iri: str

    @property
    def price_per_kg(self) -> float:
        """The bid's price per kg, in its currency (unit_price is per kg, as in candidates.csv)."""
        return self.unit_price


@dataclass(frozen=True)
class BidFile:
    """The checked bids, the N-Triples that put them (and new sites) into a graph, and notes."""

    bids: tuple[Bid, ...]
    ntriples: str
    new_sites: tuple[str, ...]
    warnings: tuple[str, ...]


def lot_bids_class(tender: str, lot: str) -> str:
    """The class of the bids of one lot: the target of the lot's generated knock-out shapes."""
    return entity_iri("lot", tender, lot) + "#bids"


class _BidLoader(Loader):
    """The data-directory loader's row checks, for one bids file read against known ids."""

    def __init__(self, path: Path, sites: Mapping[str, str], materials: Iterable[str], organisations: Iterable[str]):
        super().__init__(path.parent)
        self.spec = replace(BIDS, name=path.name)
        self.known_sites = dict(sites)  # site id -> organisation id ('' when none)
        for kind, ids in (("site", sites), ("material", materials), ("org", organisations)):
            self.index.valid[kind] = {i: 0 for i in ids}
        self.bids: list[Bid] = []
        self.new_sites: dict[str, tuple[str, ...]] = {}  # site id -> its describing values, for consistency
        self.lots: set[tuple[str | None, str]] = set()

    def run_bids(self) -> BidFile:
        if not (self.dir / self.spec.name).is_file():
            raise InputError(Problem(str(self.dir / self.spec.name), None, None, "bids file does not exist"))
        records = self._read(self.spec)
        for row in records or ():
            self.bid(row)
        problems = list(self.fatal) + [p for r in self.rejected for p in r.problems]
        if problems:
            raise InputError(problems)
        return BidFile(tuple(self.bids), "".join(self.out), tuple(self.new_sites), tuple(self.warnings))

    def _site(self, row: Row) -> str | None:
        """The supplier site: a known one, or a new one described by the optional columns."""
        sid = row.text("supplier_site")
        if sid is None:
            return None
        if sid in self.known_sites:
            return entity_iri("site", sid)
        country = row.choice("country", self.codes.countries, "country code (ISO 3166-1 alpha-2)", required=False)
        if country is None:
            if not row.values.get("country", "").strip():
                row.bad("supplier_site", f"unknown site {sid!r}: a new supplier site needs its country "
                                         "(and lat, lon) in the columns country, lat, lon")
            return None
        lat = row.number("lat", required=False, lo=Decimal(-90), hi=Decimal(90))
        lon = row.number("lon", required=False, lo=Decimal(-180), hi=Decimal(180))
        if (lat is None) != (lon is None):
            row.bad("lat" if lat is None else "lon", "lat and lon must be given together or both left empty")
        org = row.text("organisation", required=False)
        name = row.text("site_name", required=False) or sid
        described = (country, str(lat), str(lon), org or "", name)
        first = self.new_sites.setdefault(sid, described)
        if first != described:
            row.bad("supplier_site", f"new site {sid!r} is described differently on an earlier line")
            return None
        site = entity_iri("site", sid)
        if first is described and not row.problems:
            self._new_site_triples(site, sid, country, lat, lon, org, name)
        return site

    def _new_site_triples(self, site: str, sid: str, country: str, lat: Decimal | None, lon: Decimal | None,
                          org: str | None, name: str) -> None:
        lines = [(iri(RDF_TYPE), iri(LS + "SupplierSite")), (iri(LS + "id"), string_literal(sid)),
                 (iri(SCHEMA + "name"), string_literal(name)), (iri(LS + "locatedIn"), iri(country))]
        if lat is not None and lon is not None:
            lines += [(iri(GEO + "lat"), decimal_literal(lat)), (iri(GEO + "long"), decimal_literal(lon))]
        if org:
            org_iri = entity_iri("org", org)
            lines.append((iri(ORG + "siteOf"), iri(org_iri)))
            if org not in self.index.valid["org"]:
                self.index.valid["org"][org] = 0
                self.out += [f"<{org_iri}> {p} {o} .\n" for p, o in (
                    (iri(RDF_TYPE), iri(LS + "Supplier")), (iri(LS + "id"), string_literal(org)),
                    (iri(SCHEMA + "name"), string_literal(org)), (iri(LS + "country"), iri(country)))]
        self.out += [f"<{site}> {p} {o} .\n" for p, o in lines]

    def bid(self, row: Row) -> None:
        """One row: every column checked, problems collected, triples of a valid row kept."""
        tender, lot, bid = row.text("tender"), row.text("lot"), row.text("bid")
        if tender and bid and self.index.register("bid", f"{tender}\x00{bid}", row, "bid"):
            row.subject = entity_iri("bid", tender, bid)
        site = self._site(row)
        material = self._ref(row, "material", "material", "material")
        self._quantity(row)
        price = row.number("unit_price", positive=True)
        currency = row.text("currency")
        if currency is not None and (len(currency) != 3 or not currency.isalpha() or not currency.isupper()):
            row.bad("currency", f"{currency!r} is not an ISO 4217 code (three capital letters)")
        recycled = row.number("recycled_share", required=False, share=True)
        # the same evidence columns, checked the same way, as purchases.csv (one definition)
        purchase_columns(row, self.codes, recycled, None)
        take_back = self._boolean(row, "take_back")
        lead = row.number("lead_time_days", required=False, non_negative=True)
        warranty = row.number("warranty_years", required=False, non_negative=True)
        mode = row.choice("transport_mode", self.codes.transport_modes, "transport mode", required=False)
        certs = self._certifications(row)
        if not row.subject:
            self._finish(row)  # tender or bid is missing or a duplicate: reported already
            return
        lot_iri = entity_iri("lot", tender or "", lot or "")
        if lot and (tender, lot) not in self.lots and not row.problems:
            self.lots.add((tender, lot))
            tender_iri = entity_iri("tender", tender or "")
            self.out += [f"<{lot_iri}> <{RDF_TYPE}> <{LS}Lot> .\n", f"<{lot_iri}> <{LS}id> {string_literal(lot)} .\n",
                         f"<{lot_iri}> <{LS}inTender> <{tender_iri}> .\n",
                         f"<{tender_iri}> <{RDF_TYPE}> <{LS}Tender> .\n",
                         f"<{tender_iri}> <{LS}id> {string_literal(tender or '')} .\n"]
        row.emit(iri(RDF_TYPE), iri(LS + "Bid"))
        row.emit(iri(RDF_TYPE), iri(lot_bids_class(tender or "", lot or "")))
        row.emit(iri(LS + "id"), string_literal(bid or ""))
        row.emit(iri(LS + "forLot"), iri(lot_iri))
        for p, v in (("offeredFrom", site), ("material", material), ("offeredTransportMode", mode)):
            if v:
                row.emit(iri(LS + p), iri(v))
        for p, d in (("offeredUnitPrice", price), ("offeredRecycledShare", recycled), ("leadTimeDays", lead),
                     ("warrantyYears", warranty)):
            if d is not None:
                row.emit(iri(LS + p), decimal_literal(d))
        if currency:
            row.emit(iri(LS + "currency"), string_literal(currency))
        if take_back is not None:
            row.emit(iri(LS + "takeBack"), f'"{str(take_back).lower()}"^^<http://www.w3.org/2001/XMLSchema#boolean>')
        for c in certs:
            row.emit(iri(LS + "certification"), string_literal(c))
        if self._finish(row):
            self._record(row, take_back, certs)

    @staticmethod
    def _boolean(row: Row, column: str) -> bool | None:
        raw = row.text(column)
        if raw is None:
            return None
        if raw.lower() not in _BOOLEANS:
            row.bad(column, f"{raw!r} is not true or false")
            return None
        return _BOOLEANS[raw.lower()]

    def _certifications(self, row: Row) -> tuple[str, ...]:
        raw = row.text("certifications", required=False)
        if raw is None:
            return ()
        folded = {" ".join(c.lower().split()): c for c in CERTIFICATIONS}
        out = []
        for part in (p.strip() for p in raw.split(";")):
            if not part:
                continue
            canonical = folded.get(" ".join(part.lower().split()))
            if canonical is None:
                row.bad("certifications", f"unknown certification {part!r} (one of {'; '.join(CERTIFICATIONS)})")
            elif canonical not in out:
                out.append(canonical)
        return tuple(out)

    def _record(self, row: Row, take_back: bool | None, certs: tuple[str, ...]) -> None:
        v = {k: x.strip() for k, x in row.values.items()}

        def num(column: str) -> float | None:
            return float(v[column]) if v.get(column) else None
        unit = v["unit"]
        mass = float(Decimal(v["quantity"]) * self.codes.units[unit][1])
        self.bids.append(Bid(
            tender=v["tender"], lot=v["lot"], id=v["bid"], line=row.line, supplier_site=v["supplier_site"],
            material=v["material"], quantity=float(v["quantity"]), unit=unit, mass_kg=mass,
            unit_price=float(v["unit_price"]), currency=v["currency"], recycled_share=num("recycled_share"),
            pre_consumer_share=num("recycled_pre_consumer_share"),
            post_consumer_share=num("recycled_post_consumer_share"),
            chain_of_custody=v.get("chain_of_custody") or None, certificate=v.get("certificate") or None,
            take_back=bool(take_back), lead_time_days=num("lead_time_days"), certifications=certs,
            transport_mode=v.get("transport_mode") or None, warranty_years=num("warranty_years"),
            iri=row.subject))


def load_bids(path: Path, *, sites: Mapping[str, str], materials: Iterable[str],
              organisations: Iterable[str] = ()) -> BidFile:
    """Check ``path`` (bids.csv) against the known site ids (-> organisation), material and
    organisation ids; raise InputError with every problem (``FILE:LINE: column: reason``)."""
    return _BidLoader(Path(path), sites, materials, organisations).run_bids()


__all__ = ["Bid", "BidFile", "CERTIFICATIONS", "load_bids", "lot_bids_class"]
