"""Transport legs and emission factors as data in the asserted graph (ISO 14083:2023).

SPARQL cannot route a ship, so the build computes the distance of each purchase flow once,
by the one definition (:mod:`loopsource.transport_distance`), and stores it beside the
purchase with its method; it also stores the emission factors the run uses (packaged DESNZ
table, overridden by the user's ``--emission-factors`` file). The catalogue query
``transport-emissions`` then reads both, and the report reads the same triples through the
snapshot: one figure, three outputs.

Per purchase with a transport mode and two positioned sites (a site's lat/lon, else its
country's centroid from the ontology's region data)::

    <purchase> ls:greatCircleDistanceKm "…"^^xsd:double ;      # haversine, R = 6371.0088 km
               ls:transportDistanceBasisKm "…"^^xsd:double ;   # est. SFD (road), sea route (sea), else GCD
               ls:transportDistanceKm "…"^^xsd:double ;        # basis with the ISO 14083 DAF: used for t-km
               ls:distanceMethod "…" .

Per factor a transport mode uses::

    <id/emission-factor/KEY> a ls:EmissionFactor ; ls:id "KEY" ; ls:usedForMode ls:Road ;
        ls:ttwKgCo2ePerTkm … ; ls:wttKgCo2ePerTkm … ; ls:wtwKgCo2ePerTkm … ; ls:factorTableVersion "…" ;
        ls:vehicleClass "…" ; dcterms:source "…" ; ls:factorTable "…" ; ls:factorYear "…" ;
        dcterms:license "…" ; ls:verification "…" .

The collector reads the CSV-derived N-Triples as the loader streams them (only the lines of
the six predicates it needs), so the build reads no file twice.
"""
from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from functools import cache

from .. import resources
from ..emission_factors import FactorTable
from ..rdf.terms import iri, string_literal
from ..rdf.vocab import DCTERMS, GEO, LS, RDF_TYPE, XSD, code_lists, entity_iri
from ..transport_distance import Leg, leg

_WANTED = re.compile(
    r"^(<[^>]*>) <(" + re.escape(LS) + r"(?:buyerSite|supplierSite|transportMode|locatedIn)|"
    + re.escape(GEO) + r"(?:lat|long))> (\S+) \.$", re.M)
DOUBLE = "^^<" + XSD + "double>"


def double_literal(value: float) -> str:
    """An xsd:double whose lexical form is Python's shortest round-trip repr (read back exactly)."""
    return '"' + repr(float(value)) + '"' + DOUBLE


def _lexical_number(term: str) -> float:
    return float(term[1:term.index('"', 1)])


@cache
def centroids() -> dict[str, tuple[float, float]]:
    """Country region IRI -> (lat, lon) of its centroid (ontology/regions.ttl)."""
    import pyoxigraph as ox

    text = resources.read_text(resources.ontology_dir(), "regions.ttl")
    lat: dict[str, float] = {}
    lon: dict[str, float] = {}
    for q in ox.parse(text, format=ox.RdfFormat.TURTLE):
        if q.predicate.value == GEO + "lat":
            lat[q.subject.value] = float(q.object.value)
        elif q.predicate.value == GEO + "long":
            lon[q.subject.value] = float(q.object.value)
    countries = set(code_lists().countries.values())
    return {c: (lat[c], lon[c]) for c in countries if c in lat and c in lon}


class TransportCollector:
    """Gathers the purchases' sites and modes and the sites' positions from N-Triples text.

    Held per purchase: its IRI and one list of three shared (interned) IRIs; at 10 M asserted
    triples (430,000 purchases) a dict of three strings each was some 280 MB of the remote
    build's memory, and the legs' N-Triples made as one string another 300 MB
    (:meth:`ntriples_chunks` makes them a chunk at a time)."""

    _SLOT = {"buyerSite": 0, "supplierSite": 1, "transportMode": 2, "lat": 0, "long": 1, "locatedIn": 2}

    def __init__(self) -> None:
        self.purchases: dict[str, list[str | None]] = {}
        self.sites: dict[str, list[str | None]] = {}  # site IRI -> [lat, long, locatedIn]

    def feed(self, text: str) -> None:
        intern = sys.intern
        for m in _WANTED.finditer(text):
            s, p, o = m.group(1), m.group(2), m.group(3)
            name = p.rpartition("#")[2]
            held = self.sites if p.startswith(GEO) or name == "locatedIn" else self.purchases
            v = held.get(s)
            if v is None:
                v = held[s] = [None, None, None]
            v[self._SLOT[name]] = intern(o) if o[0] == "<" else o

    def _position(self, site: str) -> tuple[float, float] | None:
        v = self.sites.get(site)
        if v is None:
            return None
        lat, long, country = v
        if lat is not None and long is not None:
            return _lexical_number(lat), _lexical_number(long)
        return centroids().get((country or "")[1:-1])

    def _legs(self) -> Iterator[tuple[str, Leg]]:
        """(purchase IRI in N-Triples form, its leg) in IRI order; each leg computed once per
        (buyer, supplier, mode)."""
        modes = {iri(v): k for k, v in code_lists().transport_modes.items()}
        cache_: dict[tuple[str, str, str], Leg | None] = {}
        for s in sorted(self.purchases):
            buyer, supplier, mode_iri = self.purchases[s]
            mode = modes.get(mode_iri or "")
            if mode is None or buyer is None or supplier is None:
                continue
            key = (buyer, supplier, mode)
            if key not in cache_:
                a, b = self._position(supplier), self._position(buyer)
                cache_[key] = None if a is None or b is None else leg(mode, a[0], a[1], b[0], b[1])
            lg = cache_[key]
            if lg is not None:
                yield s, lg

    def legs(self) -> dict[str, Leg]:
        """Purchase IRI (N-Triples form) -> its leg."""
        return dict(self._legs())

    def ntriples_chunks(self, table: FactorTable, size: int = 20_000) -> Iterator[str]:
        """The legs (``size`` purchases a chunk) and then the factors in use, as N-Triples for
        the asserted graph."""
        lines: list[str] = []
        for n, (s, lg) in enumerate(self._legs(), 1):
            lines += [f"{s} <{LS}greatCircleDistanceKm> {double_literal(lg.great_circle_km)} .\n",
                      f"{s} <{LS}transportDistanceBasisKm> {double_literal(lg.basis_km)} .\n",
                      f"{s} <{LS}transportDistanceKm> {double_literal(lg.actual_km)} .\n",
                      f"{s} <{LS}distanceMethod> {string_literal(lg.method)} .\n"]
            if n % size == 0:
                yield "".join(lines)
                lines = []
        yield "".join(lines) + "".join(line + "\n" for line in factor_lines(table))

    def ntriples(self, table: FactorTable) -> str:
        """:meth:`ntriples_chunks` as one text."""
        return "".join(self.ntriples_chunks(table))


def factor_lines(table: FactorTable) -> list[str]:
    """N-Triples lines of the factors each transport mode uses (one node per factor key)."""
    modes = code_lists().transport_modes
    used: dict[str, list[str]] = {}
    for mode, key in table.modes.items():
        if key is not None and mode in modes:
            used.setdefault(key, []).append(mode)
    lines = []
    for key, for_modes in sorted(used.items()):
        f = table.factors[key]
        s = iri(entity_iri("emission-factor", key))
        lines += [f"{s} <{RDF_TYPE}> <{LS}EmissionFactor> .", f"{s} <{LS}id> {string_literal(key)} .",
                  f"{s} <{LS}factorTableVersion> {string_literal(table.version)} ."]
        lines += [f"{s} <{LS}usedForMode> {iri(modes[m])} ." for m in sorted(for_modes)]
        for p, value in (("ttwKgCo2ePerTkm", f.ttw), ("wttKgCo2ePerTkm", f.wtt), ("wtwKgCo2ePerTkm", f.wtw)):
            if value is not None:
                lines.append(f"{s} <{LS}{p}> {double_literal(value)} .")
        for p, text in ((LS + "vehicleClass", f.vehicle_class), (DCTERMS + "source", f.source),
                        (LS + "factorTable", f.table), (LS + "factorYear", f.year), (DCTERMS + "license", f.licence),
                        (LS + "verification", f.verified)):
            if text:
                lines.append(f"{s} <{p}> {string_literal(text)} .")
    return lines


__all__ = ["TransportCollector", "factor_lines", "centroids", "double_literal"]
