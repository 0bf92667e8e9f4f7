"""Transport distances by the rules of ISO 14083:2023: the one definition every output uses.

A foundation module (like :mod:`loopsource.geo`, whose haversine it uses) because the build
stores the distance of each purchase flow in the graph (so that a catalogue query can read
it: SPARQL cannot route a ship), while the metrics, scenarios, tenders and passports compute
the same figure for flows the graph does not hold (a scenario's moved volume).

Rules (ISO 14083:2023 as summarised by the CLECAT/UBA *Guide to ISO 14083*, ifeu + Fraunhofer
IML 2024, Table 3; facts sheet ``facts-transport-compliance-passports.md`` section 1, [S]).
``gcd`` is the haversine great-circle distance (R = 6371.0088 km, :mod:`loopsource.geo`)
between the two sites' positions (a site's lat/lon, else its country's centroid):

=================  ==============================================  =========================
mode               basis distance                                  actual distance (DAF)
=================  ==============================================  =========================
road               estimated shortest feasible distance (SFD) =    basis x 1.05
                   gcd x ROAD_CIRCUITY (1.2; no road network)
sea                sea route: ``searoute`` (Eurostat marnet)        basis x 1.15
                   between the network nodes nearest the sites
air                gcd (airport to airport; air always uses GCD)   basis + 95 km
rail               gcd (no rail network at hand; no DAF)           basis
inland_waterway    gcd (no waterway network at hand; no DAF)       basis
pipeline           gcd (no DAF, CLECAT Table 3 lists pipelines      basis
                   with rail and inland waterway)
=================  ==============================================  =========================

* The 1.05 / 1.15 / +95 km figures are the distance adjustment factors (DAF) of ISO 14083
  (CLECAT Table 3): they turn the planned shortest distance into the actually driven /
  sailed / flown one. The road *circuity* factor is a different thing: our estimate of the
  shortest feasible road distance from the great circle, because loopsource has no road
  network. 1.2 is the low end of the literature range: about 1.2 urban (Newell 1980); 1.26
  South Korea, below Japan and the EU and above the USA (Kim et al. 2015) (facts sheet
  section 1, [S]). The result is labelled "estimated SFD".
* Rail and inland waterway: ISO 14083 applies no DAF; without a network we can only use the
  great circle, which *under*-states the real line length (documented, not hidden).
* Sea: ``searoute`` 1.6 (Apache-2.0; network data from Eurostat marnet, shipped in its
  wheel, so it works offline) routes between the marnet nodes nearest to each site; the
  Northwest Passage is closed (searoute's default), Suez and Panama are open. The legs from
  an inland site to its port are not modelled (a purchase has one transport mode). Where no
  sea route exists (searoute returns an infinite length) the great circle is used and the
  method says so.
* Zero distance (both sites at the same point) stays zero: no +95 km for a flight of 0 km.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Mapping

from .geo import haversine_km

#: ISO 14083 distance adjustment factors (CLECAT/UBA Guide Table 3): mode -> (multiplier, additive km).
ISO14083_DAF: Mapping[str, tuple[float, float]] = MappingProxyType({
    "road": (1.05, 0.0),
    "sea": (1.15, 0.0),
    "air": (1.0, 95.0),
    "rail": (1.0, 0.0),
    "inland_waterway": (1.0, 0.0),
    "pipeline": (1.0, 0.0),
})
#: Estimated shortest feasible road distance = great circle x this (Newell 1980; Kim et al. 2015).
ROAD_CIRCUITY = 1.2
#: searoute's passages to keep closed (its default: the Northwest Passage is not a freight route).
SEA_RESTRICTIONS: tuple[str, ...] = ("northwest",)
MODES: tuple[str, ...] = tuple(ISO14083_DAF)


@dataclass(frozen=True, slots=True)
class Leg:
    """One transport chain element's distance, km. ``actual_km`` is what tonne-km use."""

    mode: str
    great_circle_km: float
    basis_km: float  # SFD estimate (road), sea route (sea), GCD (air, rail, inland waterway, pipeline)
    actual_km: float  # basis with the ISO 14083 distance adjustment
    method: str  # how basis_km was obtained, in words (stored in the graph, shown in the query)


def method_of(mode: str, sea_routed: bool = True) -> str:
    """The words that describe how a leg of ``mode`` was measured (the graph's ls:distanceMethod)."""
    mult, add = ISO14083_DAF[mode]
    if mode == "road":
        return f"estimated SFD = great circle x {ROAD_CIRCUITY:g} (circuity); x {mult:g} (ISO 14083 DAF)"
    if mode == "sea":
        if sea_routed:
            return f"searoute {searoute_version()} marnet sea route; x {mult:g} (ISO 14083 DAF)"
        return f"great circle (no sea route found); x {mult:g} (ISO 14083 DAF)"
    if mode == "air":
        return f"great circle + {add:g} km (ISO 14083 DAF)"
    return "great circle (no network at hand; ISO 14083: no DAF)"


def leg(mode: str, lat1: float, lon1: float, lat2: float, lon2: float) -> Leg:
    """The ISO 14083 distance of one leg from (lat1, lon1) to (lat2, lon2) by ``mode``."""
    if mode not in ISO14083_DAF:
        raise ValueError(f"no ISO 14083 distance rule for transport mode {mode!r}; known: {', '.join(MODES)}")
    gcd = haversine_km(lat1, lon1, lat2, lon2)
    mult, add = ISO14083_DAF[mode]
    routed = True
    if gcd <= 0.0:
        basis = 0.0
    elif mode == "road":
        basis = gcd * ROAD_CIRCUITY
    elif mode == "sea":
        sea = sea_route_km(lat1, lon1, lat2, lon2)
        routed = sea is not None
        basis = sea if sea is not None else gcd
    else:
        basis = gcd
    actual = 0.0 if basis <= 0.0 else basis * mult + add
    return Leg(mode, gcd, basis, actual, method_of(mode, routed))


_LOCK = threading.RLock()  # searoute's graphs are built lazily: one caller at a time (re-entrant: _tree calls _marnet)


@lru_cache(maxsize=1)
def searoute_version() -> str:
    from importlib.metadata import version  # reads the package's METADATA file: once

    return version("searoute")


def _marnet() -> Any:
    # imported on first use: loading the network takes about a second
    from searoute import setup_M

    with _LOCK:
        return setup_M()


@lru_cache(maxsize=65536)
def _snap(lat: float, lon: float) -> tuple[float, float]:
    """The marnet node searoute starts from for this point (its own k-d tree look-up)."""
    node = _marnet().kdtree.query((lon, lat))
    return float(node[0]), float(node[1])


def sea_route_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float | None:
    """Length in km of the sea route from the marnet node nearest (lat1, lon1) to the node nearest
    (lat2, lon2); None where no route avoids the closed passages.

    The route is searoute's: the shortest path over marnet by its edge weights (km, rounded to
    0.1), with closed passages weighted infinite, measured as searoute measures it (its
    ``process_route`` and ``distance_length``: haversine segments, R = 6371.0088 km). The path is
    read from one shortest-path tree per destination node, so a plant's thousands of supplier
    legs cost one Dijkstra run (0.1-0.2 s) instead of one each; the tree from the destination
    gives the same length as ``searoute.searoute`` up to ties between equally long paths
    (tests/test_transport_distance.py compares them)."""
    return _route(_snap(lat1, lon1), _snap(lat2, lon2))


@lru_cache(maxsize=65536)
def _route(a: tuple[float, float], b: tuple[float, float]) -> float | None:
    if a == b:
        return 0.0
    dist, paths = _tree(b)
    if a not in paths or not math.isfinite(dist[a]):
        return None
    from searoute.utils import distance_length, process_route

    line, _ = process_route(list(reversed(paths[a])), _marnet(), False)
    length = float(distance_length(line, units="km"))
    return length if math.isfinite(length) and length > 0.0 else None


@lru_cache(maxsize=256)
def _tree(root: tuple[float, float]) -> tuple[dict[Any, float], dict[Any, list[Any]]]:
    """Shortest-path tree over marnet from ``root`` (networkx Dijkstra, searoute's weights)."""
    import networkx as nx

    closed, inf = frozenset(SEA_RESTRICTIONS), float("inf")

    def weight(_u: Any, _v: Any, data: dict[str, Any]) -> float:
        return inf if data.get("passage") in closed else data.get("weight")

    with _LOCK:
        return nx.single_source_dijkstra(_marnet(), root, weight=weight)


__all__ = ["ISO14083_DAF", "ROAD_CIRCUITY", "SEA_RESTRICTIONS", "MODES", "Leg", "leg", "method_of",
           "sea_route_km", "searoute_version"]
