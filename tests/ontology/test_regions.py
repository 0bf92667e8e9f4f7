"""The generated UN M49 / ISO 3166-1 region reference data (ontology/regions.ttl)."""

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, Namespace

ROOT = Path(__file__).resolve().parents[2]
REGIONS_TTL = ROOT / "ontology" / "regions.ttl"
SCRIPT = ROOT / "data" / "reference" / "make_regions.py"

LS = Namespace("https://w3id.org/loopsource/ontology#")
R = Namespace("https://w3id.org/loopsource/region/")
SCHEMA = Namespace("https://schema.org/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")


@pytest.fixture(scope="module")
def g() -> Graph:
    graph = Graph()
    graph.parse(REGIONS_TTL, format="turtle")
    return graph


def m49_parents(g, area):
    """Direct ls:withinRegion parents other than the EU."""
    return {p for p in g.objects(area, LS.withinRegion) if p != R.EU}


def chain(g, area):
    """Follow the single direct M49 parent up to the world; return the parents' local names."""
    out = []
    while True:
        parents = m49_parents(g, area)
        if not parents:
            return out
        assert len(parents) == 1, (area, parents)
        (area,) = parents
        out.append(str(area)[len(str(R)):])


@pytest.mark.parametrize("country, expected", [
    ("DE", ["m49-155", "m49-150", "m49-001"]),
    ("NG", ["m49-011", "m49-202", "m49-002", "m49-001"]),
    ("BR", ["m49-005", "m49-419", "m49-019", "m49-001"]),
    ("JE", ["m49-830", "m49-154", "m49-150", "m49-001"]),
    ("GB", ["m49-154", "m49-150", "m49-001"]),
    ("AQ", ["m49-001"]),
])
def test_direct_containment_chain(g, country, expected):
    assert chain(g, R[country]) == expected


def test_eu_membership(g):
    assert (R.FR, LS.withinRegion, R.EU) in g
    assert (R.GR, LS.withinRegion, R.EU) in g
    assert (R.CH, LS.withinRegion, R.EU) not in g
    assert (R.GB, LS.withinRegion, R.EU) not in g
    assert len(set(g.subjects(LS.withinRegion, R.EU))) == 27
    assert (R.EU, RDF.type, LS.EconomicUnion) in g


def test_every_country_has_exactly_one_m49_parent(g):
    countries = set(g.subjects(RDF.type, LS.Country))
    bad = {c: m49_parents(g, c) for c in countries if len(m49_parents(g, c)) != 1}
    assert not bad


def test_region_names(g):
    names = {str(n) for r in g.subjects(RDF.type, LS.M49Region) for n in g.objects(r, SCHEMA.name)}
    assert names == {"Africa", "Americas", "Asia", "Europe", "Oceania"}


def test_country_count_and_codes(g):
    countries = set(g.subjects(RDF.type, LS.Country))
    assert len(countries) >= 240
    assert (R.FR, SKOS.notation, Literal("250")) in g
    assert (R.AF, SKOS.notation, Literal("004")) in g      # leading zeros kept
    assert (R["m49-002"], SKOS.notation, Literal("002")) in g
    assert (R.FR, LS.iso3166Alpha3, Literal("FRA")) in g


def test_france_centroid_in_bounding_box(g):
    lat = g.value(R.FR, GEO.lat).toPython()
    long = g.value(R.FR, GEO.long).toPython()
    assert isinstance(lat, Decimal) and isinstance(long, Decimal)
    assert Decimal("41.3") <= lat <= Decimal("51.1")       # metropolitan France
    assert Decimal("-5.2") <= long <= Decimal("9.6")


def test_generated_file_is_current():
    result = subprocess.run([sys.executable, str(SCRIPT), "--check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
