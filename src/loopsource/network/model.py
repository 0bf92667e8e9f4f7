"""The network-design instance: plants, supplier flows, candidate hubs, markets, modes, settings.

Everything here is a frozen dataclass with plain numbers, so that the optimisation core in
:mod:`loopsource.network.solve` does not depend on the store, the CLI or the CSV layout; the
integration that reads those builds these objects.

Distances. ``great_circle_km`` is :func:`loopsource.geo.haversine_km` (the project's one
haversine, IUGG mean Earth radius 6371.0088 km) on two Points. Transport activity
(tonne-km) uses the *adjusted* distance of each leg, following ISO 14083:2023 as summarised in
the CLECAT/UBA guide, Table 3 (facts sheet section 1):

* air: actual = GCD + 95 km (additive, per leg; air always works on great-circle distance);
* road: actual = SFD x 1.05, and as we have no road network the shortest feasible distance
  (SFD) is *estimated* as GCD x a circuity factor (default 1.2: about 1.2 urban (Newell
  1980), 1.26 South Korea (Kim et al. 2015); facts sheet section 1). The circuity factor is
  not the 1.05 distance adjustment factor; both apply;
* sea: actual = SFD x 1.15 (Clean Cargo). The network design uses GCD for SFD (circuity 1.0):
  it prices thousands of candidate hub legs per solve, too many to route each by sea (the
  purchase-flow figures of the report and scenarios do route by sea: loopsource.transport_distance).
  Sea lanes are 1.03-2.44 x GCD (searoute tests, facts sheet), so network sea tonne-km are an
  underestimate; set ``circuity`` if you have a better figure;
* rail, inland waterway, pipeline: no adjustment (circuity 1.0 by default; no sourced value).

So ``adjusted_km = GCD x circuity x daf_multiplier + daf_add_km``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, Mapping

from ..geo import haversine_km  # the one haversine
from ..transport_distance import ISO14083_DAF as _DAF
from ..transport_distance import ROAD_CIRCUITY

HubKind = Literal["sourcing_hub", "distribution_hub"]
Objective = Literal["cost", "emissions", "distance", "weighted"]
OBJECTIVES: tuple[str, ...] = ("cost", "emissions", "distance", "weighted")
HUB_KINDS: tuple[str, ...] = ("sourcing_hub", "distribution_hub")

# The ISO 14083 distance adjustment factors (mode -> (multiplier, additive km)) and the road
# circuity: the one definition, loopsource.transport_distance (constants cited there).
DEFAULT_ROAD_CIRCUITY = ROAD_CIRCUITY
ISO14083_DAF: Mapping[str, tuple[float, float]] = _DAF


@dataclass(frozen=True, slots=True)
class Point:
    """WGS84 latitude and longitude in decimal degrees."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (-90.0 <= self.lat <= 90.0 and -180.0 <= self.lon <= 180.0):
            raise ValueError(f"not a WGS84 point: lat {self.lat}, lon {self.lon}")


def great_circle_km(a: Point, b: Point) -> float:
    """Haversine distance in km on a sphere of radius 6371.0088 km: the one haversine, loopsource.geo."""
    return haversine_km(a.lat, a.lon, b.lat, b.lon)


@dataclass(frozen=True, slots=True)
class Plant:
    id: str
    point: Point
    country: str
    region: str


@dataclass(frozen=True, slots=True)
class SupplierFlow:
    """Yearly mass of one material from one supplier site to one plant (already aggregated)."""

    id: str
    supplier_site: str
    plant: str
    material: str
    mass_kg_per_year: float
    point: Point
    country: str
    region: str
    mode: str
    supplier: str = ""  # supplier organisation (for the supplier HHI); "" counts the site as its own supplier


@dataclass(frozen=True, slots=True)
class Hub:
    """A candidate hub. ``capacity_kg`` is yearly throughput; None means unlimited."""

    id: str
    point: Point
    kind: HubKind
    fixed_cost_per_year: float
    capacity_kg: float | None
    country: str
    region: str

    def __post_init__(self) -> None:
        if self.kind not in HUB_KINDS:
            raise ValueError(f"hub {self.id}: kind must be one of {HUB_KINDS}, not {self.kind!r}")


@dataclass(frozen=True, slots=True)
class Market:
    """Yearly demand of one product at one place."""

    id: str
    point: Point
    country: str
    product: str
    units_per_year: float
    region: str = ""  # UN M49 region code (per-region local share)


@dataclass(frozen=True, slots=True)
class PlantProduct:
    """A plant can make a product; capacity in units per year (None: unlimited)."""

    plant: str
    product: str
    capacity_units_per_year: float | None
    unit_mass_kg: float


@dataclass(frozen=True, slots=True)
class ModeFactors:
    """Cost and emission intensity of one transport mode, and how its distance is adjusted.

    ``kgco2e_per_tkm`` is kg CO2e per tonne-km on the basis of the factors supplied: the
    project's factor table (data/transport_factors.yaml, DESNZ 2026) gives well-to-wheel
    factors per mode (loopsource.emission_factors: ``g_per_tkm`` is WTW). The distance of a leg is
    ``GCD x circuity x daf_multiplier + daf_add_km`` (see the module docstring).
    """

    mode: str
    cost_per_tkm: float
    kgco2e_per_tkm: float
    daf_multiplier: float = 1.0
    daf_add_km: float = 0.0
    circuity: float = 1.0

    def adjusted_km(self, gcd_km: float) -> float:
        """Transport distance of one leg whose great-circle distance is ``gcd_km``."""
        if gcd_km <= 0.0:
            return 0.0  # a hub at the plant: no leg, no air uplift
        return gcd_km * self.circuity * self.daf_multiplier + self.daf_add_km


def iso14083_mode(mode: str, cost_per_tkm: float, kgco2e_per_tkm: float,
                  road_circuity: float = DEFAULT_ROAD_CIRCUITY) -> ModeFactors:
    """ModeFactors with the ISO 14083 distance adjustment of ``mode`` (module docstring)."""
    if mode not in ISO14083_DAF:
        raise ValueError(f"no ISO 14083 distance adjustment known for mode {mode!r}")
    mult, add = ISO14083_DAF[mode]
    circuity = road_circuity if mode == "road" else 1.0
    return ModeFactors(mode, cost_per_tkm, kgco2e_per_tkm, mult, add, circuity)


@dataclass(frozen=True, slots=True)
class Settings:
    """What to optimise and under which limits.

    ``weights`` (objective ``weighted``) weigh cost, emissions and distance, each divided by
    its value in the baseline network, so that 1.0 means "as today" (see solve.py).
    ``report_service_km`` is the distance the share of demand within service distance is
    reported for when ``service_km`` (the constraint) is not set (None: not reported).
    ``service_km`` is the largest great-circle distance from a market to the plant or
    distribution hub that serves it. ``consolidated_mode`` carries hub->plant and
    plant->distribution-hub legs; ``outbound_mode`` carries plant->market and hub->market legs.
    ``max_hub_options`` and ``max_market_hub_options`` are the candidate reduction (solve.py).
    """

    objective: Objective = "cost"
    weights: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType({"cost": 1.0, "emissions": 1.0, "distance": 1.0}))
    max_hubs: int | None = None
    service_km: float | None = None
    time_limit_s: float = 60.0
    mip_rel_gap: float = 1e-4
    consolidated_mode: str = "rail"
    outbound_mode: str = "road"
    max_hub_options: int | None = 5
    max_market_hub_options: int | None = 10
    report_service_km: float | None = None

    def __post_init__(self) -> None:
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {OBJECTIVES}, not {self.objective!r}")
        bad = set(self.weights) - {"cost", "emissions", "distance"}
        if bad or any(w < 0 for w in self.weights.values()):
            raise ValueError(f"weights are cost/emissions/distance >= 0, got {dict(self.weights)}")
        if self.max_hubs is not None and self.max_hubs < 0:
            raise ValueError("max_hubs must be >= 0")
        if self.service_km is not None and self.service_km < 0:
            raise ValueError("service_km must be >= 0")
        if self.time_limit_s <= 0 or self.mip_rel_gap < 0:
            raise ValueError("time_limit_s must be > 0 and mip_rel_gap >= 0")


@dataclass(frozen=True)
class Instance:
    """One network-design problem: the data the model is built from."""

    plants: tuple[Plant, ...]
    flows: tuple[SupplierFlow, ...]
    hubs: tuple[Hub, ...]
    markets: tuple[Market, ...]
    plant_products: tuple[PlantProduct, ...]
    modes: Mapping[str, ModeFactors]
