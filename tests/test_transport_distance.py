"""ISO 14083 distance rules (loopsource.transport_distance), by hand and against a published distance.

Sources of the rules: ISO 14083:2023 via the CLECAT/UBA *Guide to ISO 14083* (2024), Table 3:
air actual = GCD + 95 km, road actual = SFD x 1.05, sea actual = SFD x 1.15, rail / inland
waterway / pipeline no adjustment. The road SFD is estimated as GCD x 1.2 (circuity).
"""
from __future__ import annotations

import pytest

from loopsource.geo import haversine_km
from loopsource.network.model import DEFAULT_ROAD_CIRCUITY
from loopsource.network.model import ISO14083_DAF as NETWORK_DAF
from loopsource.transport_distance import ISO14083_DAF, ROAD_CIRCUITY, leg, sea_route_km

LYON, PARIS = (45.7597, 4.8422), (48.8567, 2.3508)
LYON_PARIS_GCD = 392.2172595594006  # published in the `haversine` package README (R = 6371.0088 km)


def test_road_air_rail_by_hand() -> None:
    """Lyon -> Paris, great circle 392.2172595594006 km (the haversine README's published value):

    * road: 392.2172595594006 x 1.2 (circuity: estimated SFD) = 470.66071147128072; x 1.05 (DAF)
      = 494.19374704484476 km;
    * air: 392.2172595594006 + 95 = 487.2172595594006 km (additive, not a percentage);
    * rail, inland waterway, pipeline: 392.2172595594006 km (no DAF, no network: the great circle).
    """
    road = leg("road", *LYON, *PARIS)
    assert road.great_circle_km == pytest.approx(LYON_PARIS_GCD, rel=1e-15)
    assert road.basis_km == pytest.approx(470.66071147128072, rel=1e-12)
    assert road.actual_km == pytest.approx(494.19374704484476, rel=1e-12)
    assert "estimated SFD" in road.method and "1.05" in road.method
    air = leg("air", *LYON, *PARIS)
    assert (air.basis_km, air.actual_km) == (pytest.approx(LYON_PARIS_GCD), pytest.approx(487.2172595594006))
    for mode in ("rail", "inland_waterway", "pipeline"):
        lg = leg(mode, *LYON, *PARIS)
        assert lg.basis_km == lg.actual_km == pytest.approx(LYON_PARIS_GCD), mode


def test_zero_distance_stays_zero() -> None:
    """Both sites at one point: no leg, so no +95 km for air and 0 for every mode."""
    for mode in ISO14083_DAF:
        assert leg(mode, *LYON, *LYON).actual_km == 0.0, mode


def test_sea_route_against_a_published_port_distance() -> None:
    """Rotterdam (51.95 N, 4.05 E) -> Shanghai (31.23 N, 121.49 E) via Suez: searoute gives about
    10,572 nm; the published port-to-port distance is about 10,600 nm (porteconomicsmanagement.org,
    quoted in the facts sheet, section 1). Tolerance 2 % (about 210 nm), because published
    distances are rounded to the nearest 50-100 nm and depend on the berths chosen, while marnet
    is a simplified lane network (straight segments between nodes, points snapped to the nearest
    node): the routes agree to 0.3 % here, a wrong passage (round the Cape: about 13,800 nm) or a
    great circle (about 4,830 nm) would be far outside it. Actual sea distance = route x 1.15."""
    nm = sea_route_km(51.95, 4.05, 31.23, 121.49) / 1.852
    assert nm == pytest.approx(10_600, rel=0.02)
    lg = leg("sea", 51.95, 4.05, 31.23, 121.49)
    assert lg.actual_km == pytest.approx(lg.basis_km * 1.15, rel=1e-15)
    assert lg.basis_km > 2 * lg.great_circle_km and "searoute" in lg.method


def test_sea_route_is_searoutes_own() -> None:
    """The shortest-path tree per destination gives searoute.searoute's own length (public API,
    Northwest Passage closed) for routes through Suez, Panama, the Cape and the Pacific; two points
    that snap to the same marnet nodes give the same route; a route is never shorter than the
    great circle."""
    import searoute

    for a, b in (((51.95, 4.05), (40.68, -74.04)), ((48.1, 11.6), (-33.9, 18.4)), ((35.7, 139.7), (37.8, -122.4)),
                 ((51.1, 17.03), (36.1, 114.39)), ((45.76, 4.84), (-12.05, -77.15))):
        want = searoute.searoute([a[1], a[0]], [b[1], b[0]], units="km", restrictions=["northwest"])
        got = sea_route_km(*a, *b)
        assert got == pytest.approx(want["properties"]["length"], rel=1e-12), (a, b)
        assert got >= haversine_km(*a, *b)
    assert sea_route_km(51.95, 4.05, 40.68, -74.04) == sea_route_km(51.9501, 4.0501, 40.6801, -74.0401)


def test_one_definition_of_the_constants() -> None:
    """The network design prices legs with the same DAFs and road circuity (no second copy)."""
    assert NETWORK_DAF is ISO14083_DAF and DEFAULT_ROAD_CIRCUITY == ROAD_CIRCUITY == 1.2
    assert dict(ISO14083_DAF) == {"road": (1.05, 0.0), "sea": (1.15, 0.0), "air": (1.0, 95.0), "rail": (1.0, 0.0),
                                  "inland_waterway": (1.0, 0.0), "pipeline": (1.0, 0.0)}


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="hovercraft"):
        leg("hovercraft", *LYON, *PARIS)
