"""Great-circle distance: the one haversine every stage uses (the generator and the metrics).

A foundation module (no imports from the package) because geometry belongs to no stage:
the data generator, which comes before analysis in the import order, needs it as much as
the metrics do. The SPARQL catalogue computes the same formula in plain SPARQL arithmetic
(queries/*.rq).

Formula (haversine): a = sin²(Δφ/2) + cos φ1 · cos φ2 · sin²(Δλ/2), d = 2R · asin(√a).
R is the IUGG mean Earth radius R1 = (2a + b) / 3 of the GRS 80 / WGS 84 ellipsoid,
6371.0088 km (H. Moritz, "Geodetic Reference System 1980", Journal of Geodesy 74 (2000)
128-133; the same constant as the PyPI package ``haversine``, whose published Lyon-Paris
distance 392.2172595594006 km tests/analysis/test_metrics.py reproduces). A sphere is off the
ellipsoid by up to about 0.5 %: enough to tell hyperlocal from domestic from global.
"""
from __future__ import annotations

import math

#: IUGG mean Earth radius R1 in km (Moritz 2000, GRS 80; WGS 84 gives the same to 0.1 m).
EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float,
                 radius_km: float = EARTH_RADIUS_KM) -> float:
    """Great-circle distance in km between two points given in degrees, on a sphere of
    ``radius_km`` (the IUGG mean radius unless a caller must reproduce another sphere)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius_km * math.asin(math.sqrt(min(1.0, a)))


__all__ = ["EARTH_RADIUS_KM", "haversine_km"]
