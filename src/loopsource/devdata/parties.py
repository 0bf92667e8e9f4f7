"""The organisations and sites of a generated data set: the buyer with its plants and
warehouses, recyclers, and suppliers placed at real cities (``cities.py``).

The first step of ``generate.generate``: it draws from the generator's one ``random.Random``
before every other step, so its draws must stay in this order (buyer sites, recyclers,
suppliers) for the files to stay byte-identical.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

from .catalogue import (CITIES_BY_COUNTRY, CITY_BY_NAME, GENERAL_COUNTRIES, GENERAL_CUM, LEGAL_FORMS, MATERIALS,
                        NAME_PREFIXES, NAME_STEMS, PLANT_CITIES, RECYCLATES, SECTOR_WORDS, SITE_WORDS,
                        MaterialSpec, cumulative)
from .cities import City

#: Share of supplier organisations that run a second site.
SECOND_SITE_SHARE = 0.25
#: Share of generated sites (suppliers, recyclers) left without coordinates.
MISSING_COORDS_SHARE = 0.02
#: Maximum jitter applied to a city centre, in km (sites never sit exactly on top of each other).
MAX_JITTER_KM = 25.0
#: The buyer organisation (id, name, role, country); its plants and warehouses are generated.
BUYER_ORG = ("ORG-BUYER", "Calderon Varga Manufacturing Group SE", "buyer", "FR")


@dataclass(frozen=True, slots=True)
class Site:
    """A generated site; ``materials`` and ``family`` are what a supplier site sells (empty
    for the buyer's sites)."""

    id: str
    org: str
    name: str
    country: str
    lat: float | None
    lon: float | None
    kind: str
    materials: tuple[str, ...] = ()
    family: str = ""


OrgRow = tuple[str, str, str, str]  # id, name, role, country


@dataclass(frozen=True, slots=True)
class Parties:
    """Every organisation and site, each list in the order its rows are written."""

    orgs: tuple[OrgRow, ...]
    plants: tuple[Site, ...]
    warehouses: tuple[Site, ...]
    recyclers: tuple[Site, ...]
    suppliers: tuple[Site, ...]

    @property
    def buyer_sites(self) -> tuple[Site, ...]:
        return self.plants + self.warehouses


def _jitter(rng: random.Random, city: City, max_km: float) -> tuple[float, float]:
    """A point within ``max_km`` of the city centre, so sites of one city are distinct."""
    r = max_km * math.sqrt(rng.random())
    theta = rng.random() * 2 * math.pi
    lat = city.lat + (r * math.cos(theta)) / 111.32
    lon = city.lon + (r * math.sin(theta)) / (111.32 * max(0.2, math.cos(math.radians(city.lat))))
    return round(max(-90.0, min(90.0, lat)), 4), round(((lon + 180.0) % 360.0) - 180.0, 4)


def _buyer_sites(rng: random.Random, n_plants: int) -> tuple[list[Site], list[Site]]:
    """The buyer's plants (at ``PLANT_CITIES`` in order) and one warehouse per three plants."""
    plants: list[Site] = []
    for i in range(n_plants):
        city = CITY_BY_NAME[PLANT_CITIES[i % len(PLANT_CITIES)]]
        lat, lon = _jitter(rng, city, 12.0)
        plants.append(Site(f"S-PLT-{i + 1:03d}", BUYER_ORG[0], f"{city.name} assembly plant {i + 1}",
                           city.country, lat, lon, "plant"))
    warehouses: list[Site] = []
    for i in range(max(1, n_plants // 3)):
        anchor = plants[(i * 3) % n_plants]
        city = CITY_BY_NAME[PLANT_CITIES[((i * 3) % n_plants) % len(PLANT_CITIES)]]
        lat, lon = _jitter(rng, city, 20.0)
        warehouses.append(Site(f"S-WH-{i + 1:03d}", BUYER_ORG[0], f"{city.name} distribution warehouse",
                               anchor.country, lat, lon, "warehouse"))
    return plants, warehouses


def _recyclers(rng: random.Random, n: int, n_plants: int) -> tuple[list[OrgRow], list[Site]]:
    """One recycler next to every plant, plus a few elsewhere (one per 2,000 suppliers)."""
    orgs: list[OrgRow] = []
    recyclers: list[Site] = []
    n_recyclers = n_plants + max(0, n // 2000)
    for i in range(n_recyclers):
        if i < n_plants:
            city = CITY_BY_NAME[PLANT_CITIES[i % len(PLANT_CITIES)]]
        else:
            country = rng.choices([c for c, _ in GENERAL_COUNTRIES], cum_weights=GENERAL_CUM)[0]
            city = rng.choice(CITIES_BY_COUNTRY[country])
        org_id = f"ORG-R-{i + 1:04d}"
        orgs.append((org_id, f"{rng.choice(NAME_PREFIXES)}{rng.choice(NAME_STEMS)} Recycling "
                             f"{LEGAL_FORMS.get(city.country, 'Ltd')}", "recycler", city.country))
        lat, lon = _jitter(rng, city, MAX_JITTER_KM)
        if i >= n_plants and rng.random() < MISSING_COORDS_SHARE:
            lat = lon = None
        recyclers.append(Site(f"S-RF-{i + 1:04d}", org_id, f"{city.name} recovery centre", city.country,
                              lat, lon, "recycling_facility", RECYCLATES))
    return orgs, recyclers


def _supplier_city(rng: random.Random, main: MaterialSpec, n_plants: int) -> City:
    """Where a supplier is: near a plant (5 %), in a country producing its main material
    (65 %), or anywhere industry is (30 %)."""
    r = rng.random()
    if r < 0.05:  # local cluster around a plant: makes hyperlocal sourcing visible
        return CITY_BY_NAME[PLANT_CITIES[rng.randrange(n_plants) % len(PLANT_CITIES)]]
    if r < 0.70:
        country = rng.choices([c for c, _ in main.sources], weights=[w for _, w in main.sources])[0]
    else:
        country = rng.choices([c for c, _ in GENERAL_COUNTRIES], cum_weights=GENERAL_CUM)[0]
    return rng.choice(CITIES_BY_COUNTRY[country])


def _suppliers(rng: random.Random, n: int, n_plants: int) -> tuple[list[OrgRow], list[Site]]:
    """``n`` supplier organisations with 1-2 sites each, a main material and 0-2 related ones."""
    width = max(5, len(str(n)))
    orgs: list[OrgRow] = []
    sites: list[Site] = []
    mat_cum = cumulative(m.weight for m in MATERIALS)
    family_members: dict[str, list[str]] = {}
    for m in MATERIALS:
        family_members.setdefault(m.family, []).append(m.id)
    for i in range(n):
        main = rng.choices(MATERIALS, cum_weights=mat_cum)[0]
        mats = [main.id]
        r = rng.random()
        extra = 2 if r < 0.15 else 1 if r < 0.5 else 0
        pool = family_members[main.family]
        for _ in range(extra):
            cand = rng.choice(pool)
            if cand not in mats:
                mats.append(cand)
        city = _supplier_city(rng, main, n_plants)
        org_id = f"ORG-S-{i + 1:0{width}d}"
        short = f"{rng.choice(NAME_PREFIXES)}{rng.choice(NAME_STEMS)}"
        orgs.append((org_id, f"{short} {rng.choice(SECTOR_WORDS[main.family])} {LEGAL_FORMS.get(city.country, 'Ltd')}",
                     "supplier", city.country))
        n_sites = 2 if rng.random() < SECOND_SITE_SHARE else 1
        for k in range(n_sites):
            if k == 1:  # the second site: same country, or another producing country
                if rng.random() < 0.5:
                    city = rng.choice(CITIES_BY_COUNTRY[city.country])
                else:
                    country = rng.choices([c for c, _ in main.sources], weights=[w for _, w in main.sources])[0]
                    city = rng.choice(CITIES_BY_COUNTRY[country])
            lat, lon = _jitter(rng, city, MAX_JITTER_KM)
            if rng.random() < MISSING_COORDS_SHARE:
                lat = lon = None
            sites.append(Site(f"S-{i + 1:0{width}d}-{k + 1}", org_id,
                              f"{short} {city.name} {SITE_WORDS[main.family]}", city.country,
                              lat, lon, "supplier_site", tuple(mats), main.family))
    return orgs, sites


def parties(rng: random.Random, n: int) -> Parties:
    """The buyer with its plants and warehouses, then recyclers, then suppliers (draw order)."""
    n_plants = max(3, n // 2000)
    plants, warehouses = _buyer_sites(rng, n_plants)
    recycler_orgs, recyclers = _recyclers(rng, n, n_plants)
    supplier_orgs, suppliers = _suppliers(rng, n, n_plants)
    return Parties((BUYER_ORG, *recycler_orgs, *supplier_orgs), tuple(plants), tuple(warehouses),
                   tuple(recyclers), tuple(suppliers))


__all__ = ["Site", "Parties", "OrgRow", "parties", "BUYER_ORG", "SECOND_SITE_SHARE", "MISSING_COORDS_SHARE",
           "MAX_JITTER_KM"]
