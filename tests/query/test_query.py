"""Catalogue queries on tests/fixtures/query, against hand-computed rows.

The fixture (see the CSV files): plants P1 (Paris) and P2 (Lyon); supplier sites SA1
(Versailles, FR), SG1 (Saint-Etienne, FR, no purchases), SB1 (Berlin), SC1 (Shanghai, no
coordinates), SF1 (Lille), upstream chain SB1 -> SC1 -> SD1 (Perth) -> SE1 (Kolwezi).
Distances are recomputed here with math.sin/asin (R = 6371.0088 km), independently of the
arithmetic-only haversine in the queries.
"""
from __future__ import annotations

import math
from pathlib import Path

import pyoxigraph as ox
import pytest

from loopsource.query import bind, catalogue, resolve, run
from loopsource.store import EmbeddedStore

from ..conftest import FIXTURES, REPO

R = 6371.0088
SITES = {"P1": (48.8567, 2.3508), "P2": (45.7597, 4.8422), "SA1": (48.8049, 2.1204), "SG1": (45.4397, 4.3872),
         "SB1": (52.52, 13.405), "SF1": (50.6292, 3.0573)}


def hav(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    x = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    return 2 * R * math.asin(math.sqrt(x))


def cn_centroid() -> tuple[float, float]:
    text = (REPO / "ontology" / "regions.ttl").read_text(encoding="utf-8")
    g = {(t.subject.value, t.predicate.value): t.object.value for t in (q.triple for q in ox.parse(text, format=ox.RdfFormat.TURTLE))}
    cn = "https://w3id.org/loopsource/region/CN"
    geo = "http://www.w3.org/2003/01/geo/wgs84_pos#"
    return float(g[(cn, geo + "lat")]), float(g[(cn, geo + "long")])


@pytest.fixture(scope="module", params=[False, True], ids=["asserted-only", "reasoned"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> EmbeddedStore:
    """The fixture store, before and after reasoning: answers must not depend on it."""
    from loopsource.load.build import build
    from loopsource.reason import reason

    root = tmp_path_factory.mktemp("qstore") / "store"
    build(FIXTURES / "query", root)
    s = EmbeddedStore(root)
    if request.param:
        reason(s)
    return s


def rows(store: EmbeddedStore, name: str, **params: str) -> list[dict[str, object]]:
    q = resolve(name)
    return store.select(q.text, bind(q, list(params.items()))).values()


def approx(x: float) -> object:
    return pytest.approx(x, rel=1e-9, abs=1e-6)


def test_local_sourcing_tiers(store: EmbeddedStore) -> None:
    got = [(r["plant"], r["tier"], r["purchases"], r["mass_kg"], r["mass_share"]) for r in rows(store, "local-sourcing-tiers")]
    assert got == [
        ("P1", "hyperlocal", 1, 1000, approx(1000 / 5500)),  # SA1 is 17.8 km away
        ("P1", "domestic", 1, 1000, approx(1000 / 5500)),  # Lille, 204 km
        ("P1", "regional", 1, 3000, approx(3000 / 5500)),  # Berlin, Europe
        ("P1", "global", 1, 500, approx(500 / 5500)),  # Shanghai
        ("P2", "domestic", 1, 200, approx(0.25)),  # SA1 from Lyon: 396 km
        ("P2", "regional", 2, 600, approx(0.75)),
    ]
    assert hav(SITES["P1"], SITES["SA1"]) < 100 < hav(SITES["P1"], SITES["SF1"])
    # a smaller radius makes Versailles domestic
    small = rows(store, "local-sourcing-tiers", hyperlocal_km="10")
    assert [(r["plant"], r["tier"], r["mass_kg"]) for r in small][:2] == [("P1", "domestic", 2000), ("P1", "regional", 3000)]
    assert small[0]["hyperlocal_km"] == 10


def test_sourcing_mix_by_year(store: EmbeddedStore) -> None:
    got = [(r["year"], r["tier"], r["mass_kg"], r["mass_share"]) for r in rows(store, "sourcing-mix-by-year")]
    assert got == [
        (2023, "hyperlocal", 1000, approx(0.25)), (2023, "regional", 3000, approx(0.75)),
        (2024, "domestic", 1200, approx(1200 / 2300)), (2024, "regional", 600, approx(600 / 2300)),
        (2024, "global", 500, approx(500 / 2300)),
    ]


def test_source_distance(store: EmbeddedStore) -> None:
    d = {k: v for k, v in SITES.items()}
    cn = cn_centroid()
    got = {(r["plant"], r["material"]): (r["mass_kg"], r["wasd_km"], r["centroid_purchases"])
           for r in rows(store, "source-distance")}
    al = (1000 * hav(d["P1"], d["SA1"]) + 3000 * hav(d["P1"], d["SB1"]) + 1000 * hav(d["P1"], d["SF1"])) / 5000
    assert got == {
        ("P1", "M-AL"): (5000, approx(al), 0),
        ("P1", "M-LI"): (500, approx(hav(d["P1"], cn)), 1),
        ("P2", "M-CO"): (100, approx(hav(d["P2"], d["SB1"])), 0),
        ("P2", "M-LI"): (500, approx(hav(d["P2"], d["SB1"])), 0),
        ("P2", "M-PET"): (200, approx(hav(d["P2"], d["SA1"])), 0),
    }


def test_haversine_vectors(tmp_path: Path, build_store, ) -> None:
    """metrics.md TV-5: Lyon-Paris 392.2172595594006 km, Berlin-Munich 504.416 km; also antipodes."""
    from ..builders import write_csvs

    data = write_csvs(tmp_path / "d", {
        "organisations.csv": [{"id": "B", "name": "B", "role": "buyer", "country": "FR"},
                              {"id": "S", "name": "S", "role": "supplier", "country": "FR"}],
        "sites.csv": [
            {"id": "PAR", "organisation": "B", "name": "Paris", "country": "FR", "lat": 48.8567, "lon": 2.3508, "kind": "plant"},
            {"id": "BER", "organisation": "B", "name": "Berlin", "country": "DE", "lat": 52.52, "lon": 13.405, "kind": "plant"},
            {"id": "LYO", "organisation": "S", "name": "Lyon", "country": "FR", "lat": 45.7597, "lon": 4.8422, "kind": "supplier_site"},
            {"id": "MUC", "organisation": "S", "name": "Munich", "country": "DE", "lat": 48.1351, "lon": 11.582, "kind": "supplier_site"},
            {"id": "ANTI", "organisation": "S", "name": "Antipode", "country": "NZ", "lat": -48.8567, "lon": -177.6492, "kind": "supplier_site"}],
        "materials.csv": [{"id": "M", "name": "m", "class": "Steel"}],
        "purchases.csv": "id,date,buyer_site,supplier_site,material,quantity,unit,spend,currency,recycled_share,"
                         "reused_share,transport_mode\n1,2024-01-01,PAR,LYO,M,1,kg,,,,,\n2,2024-01-01,BER,MUC,M,1,kg,,,,,\n"
                         "3,2024-01-01,PAR,ANTI,M,1,kg,,,,,\n",
    })
    s = build_store(data, reason=False)
    got = {(r["plant"]): r["wasd_km"] for r in s.select(resolve("source-distance").text).values() if r["plant"] == "BER"}
    assert got["BER"] == pytest.approx(504.4160281285079, abs=1e-6)
    par = [r for r in s.select(resolve("hyperlocal-candidates").text, bind(resolve("hyperlocal-candidates"), [("km", "30000")])).values()
           if r["plant_site"] == "PAR"]
    assert par[0]["distance_km"] == pytest.approx(392.2172595594006, abs=1e-6)
    assert par[-1]["distance_km"] == pytest.approx(math.pi * R, abs=1e-6)  # the antipode


def test_circular_inflow(store: EmbeddedStore) -> None:
    by_material = {r["id"]: (r["mass_kg"], r["circular_kg"], r["circular_inflow_share"], r["undeclared"])
                   for r in rows(store, "circular-inflow")}
    assert by_material == {
        "M-AL": (5000, approx(1400), approx(0.28), 0),  # 1000 x 0.5 + 3000 x (0.2 + 0.1)
        "M-CO": (100, approx(16), approx(0.16), 0),
        "M-LI": (1000, approx(50), approx(0.05), 0),
        "M-PET": (200, approx(0), approx(0), 1),
    }
    by_supplier = {r["id"]: r["circular_inflow_share"] for r in rows(store, "circular-inflow", by="supplier")}
    assert by_supplier == {"SUPA": approx(500 / 1200), "SUPB": approx(916 / 3600), "SUPC": approx(0.1), "SUPF": approx(0)}
    by_plant = {r["id"]: (r["mass_kg"], r["circular_inflow_share"]) for r in rows(store, "circular-inflow", by="plant")}
    assert by_plant == {"P1": (5500, approx(1450 / 5500)), "P2": (800, approx(16 / 800))}


def test_loops_by_strategy(store: EmbeddedStore) -> None:
    got = [(r["strategy"], r["notation"], r["circular"], r["mass_kg"], r["mass_share"], r["circular_outflow_share"])
           for r in rows(store, "loops-by-strategy")]
    assert got == [
        ("reuse", "R3", True, 150, approx(0.15), approx(0.45)),
        ("recycle", "R8", True, 300, approx(0.30), approx(0.45)),
        ("recover", "R9", False, 50, approx(0.05), approx(0.45)),
        ("dispose", "D", False, 500, approx(0.50), approx(0.45)),
    ]


def test_single_source_materials(store: EmbeddedStore) -> None:
    got = [(r["material"], r["supplier"], r["purchases"], r["mass_kg"]) for r in rows(store, "single-source-materials")]
    assert got == [("M-CO", "SUPB", 1, 100), ("M-PET", "SUPA", 1, 200)]


def test_concentration(store: EmbeddedStore) -> None:
    got = {r["material"]: (r["suppliers"], r["supplier_hhi"], r["countries"], r["country_hhi"])
           for r in rows(store, "concentration")}
    assert got == {
        "M-AL": (3, approx(4400), 2, approx(5200)),  # 20/60/20 by supplier; FR 40 / DE 60 by country
        "M-LI": (2, approx(5000), 2, approx(5000)),
        "M-CO": (1, approx(10000), 1, approx(10000)),
        "M-PET": (1, approx(10000), 1, approx(10000)),
    }


def test_concentration_large_masses(tmp_path: Path, build_store) -> None:
    """HHI stays defined for masses of millions of kg (xsd:decimal products overflowed in Oxigraph)."""
    from ..builders import write_csvs

    data = write_csvs(tmp_path / "d", {
        "organisations.csv": [{"id": "B", "name": "B", "role": "buyer", "country": "FR"},
                              {"id": "S1", "name": "S1", "role": "supplier", "country": "FR"},
                              {"id": "S2", "name": "S2", "role": "supplier", "country": "DE"}],
        "sites.csv": [
            {"id": "PAR", "organisation": "B", "name": "Paris", "country": "FR", "lat": 48.8567, "lon": 2.3508, "kind": "plant"},
            {"id": "LYO", "organisation": "S1", "name": "Lyon", "country": "FR", "lat": 45.7597, "lon": 4.8422, "kind": "supplier_site"},
            {"id": "MUC", "organisation": "S2", "name": "Munich", "country": "DE", "lat": 48.1351, "lon": 11.582, "kind": "supplier_site"}],
        "materials.csv": [{"id": "M", "name": "m", "class": "Steel"}],
        "purchases.csv": "id,date,buyer_site,supplier_site,material,quantity,unit,spend,currency,recycled_share,"
                         "reused_share,transport_mode\n1,2024-01-01,PAR,LYO,M,200000000.25,kg,,,,,\n"
                         "2,2024-01-01,PAR,MUC,M,300000000.125,kg,,,,,\n3,2024-02-01,PAR,MUC,M,500000000.5,kg,,,,,\n",
    })
    s = build_store(data, reason=False)
    (r,) = s.select(resolve("concentration").text, bind(resolve("concentration"), [])).values()
    total = 1_000_000_000.875
    hhi = 10000 * ((200_000_000.25 / total) ** 2 + (800_000_000.625 / total) ** 2)
    assert (r["suppliers"], r["countries"]) == (2, 2)
    assert r["supplier_hhi"] == pytest.approx(hhi, rel=1e-12) and r["country_hhi"] == pytest.approx(hhi, rel=1e-12)
    assert r["mass_kg"] == pytest.approx(total, rel=1e-12)


def test_critical_materials_by_country(store: EmbeddedStore) -> None:
    """Contained element mass per Annex I entry, year and country (validate/crma.py).

    Lithium carbonate, battery grade: 500 kg x 0.1879 (ls:elementMassFraction) = 93.95 kg
    of lithium from CN and from DE each in 2024: 0.5 each, CN a third country below 0.65.
    Aluminium (element share 1): 2023 DE 3,000 kg (0.75), FR 1,000 kg (0.25); 2024 FR 1,000 kg.
    Cobalt 2024: DE 100 kg, an EU member state, so never above the benchmark."""
    got = [(r["entry"], r["annex"], r["year"], r["country"], r["third_country"], r["element_kg"], r["share"],
            r["above_benchmark"]) for r in rows(store, "critical-materials-by-country")]
    assert got == [
        ("Aluminium", "I(a)", 2023, "DE", False, approx(3000), approx(0.75), False),
        ("Aluminium", "I(a)", 2023, "FR", False, approx(1000), approx(0.25), False),
        ("Aluminium", "I(a)", 2024, "FR", False, approx(1000), approx(1.0), False),
        ("BatteryGradeLithium", "I(h)", 2024, "CN", True, approx(93.95), approx(0.5), False),
        ("BatteryGradeLithium", "I(h)", 2024, "DE", False, approx(93.95), approx(0.5), False),
        ("Cobalt", "I(d)", 2024, "DE", False, approx(100), approx(1.0), False),
    ]  # PET is not a critical raw material


def test_hyperlocal_candidates(store: EmbeddedStore) -> None:
    got = [(r["plant_site"], r["supplier_site"], r["distance_km"], r["already_supplies"])
           for r in rows(store, "hyperlocal-candidates")]
    # R1 is 1 km from P2 but a recycling facility, not a supplier site
    assert got == [("P1", "SA1", approx(hav(SITES["P1"], SITES["SA1"])), True),
                   ("P2", "SG1", approx(hav(SITES["P2"], SITES["SG1"])), False)]
    assert [r["supplier_site"] for r in rows(store, "hyperlocal-candidates", plant="P2")] == ["SG1"]
    assert [r["supplier_site"] for r in rows(store, "hyperlocal-candidates", km="20")] == ["SA1"]
    far = [(r["plant_site"], r["supplier_site"]) for r in rows(store, "hyperlocal-candidates", km="300", plant="P1")]
    assert far == [("P1", "SA1"), ("P1", "SF1")]
    # 210 km: latitude bands 1.89 degrees wide put Paris (48.86) in band 25 and Lille (50.63,
    # 204 km away) in band 26; the neighbouring band is searched too
    assert [r["supplier_site"] for r in rows(store, "hyperlocal-candidates", km="210", plant="P1")] == ["SA1", "SF1"]
    assert [r["supplier_site"] for r in rows(store, "hyperlocal-candidates", km="203", plant="P1")] == ["SA1"]
    assert rows(store, "hyperlocal-candidates", km="0") == []


def test_supply_exposure(store: EmbeddedStore) -> None:
    cn = [(r["product"], r["material"], r["supplier_site"], r["exposed_site"], r["via"]) for r in rows(store, "supply-exposure")]
    assert cn == [("PR-BAT", "M-AL", "SB1", "SC1", "upstream"), ("PR-BAT", "M-CO", "SB1", "SC1", "upstream"),
                  ("PR-BAT", "M-LI", "SB1", "SC1", "upstream"), ("PR-BAT", "M-LI", "SC1", "SC1", "direct")]
    # Africa (M49 002): Kolwezi is three and four tiers up
    africa = [(r["material"], r["supplier_site"], r["exposed_site"], r["exposed_country"])
              for r in rows(store, "supply-exposure", region="region:m49-002")]
    assert africa == [("M-AL", "SB1", "SE1", "CD"), ("M-CO", "SB1", "SE1", "CD"), ("M-LI", "SB1", "SE1", "CD"),
                      ("M-LI", "SC1", "SE1", "CD")]
    eu = {(r["product"], r["supplier_site"], r["via"]) for r in rows(store, "supply-exposure", region="region:EU")}
    assert ("PR-PACK", "SA1", "direct") in eu and all(v == "direct" for _, _, v in eu)
    assert rows(store, "supply-exposure", region="region:US") == []


def test_data_gaps(store: EmbeddedStore) -> None:
    got = [(r["gap"], r["id"], r["detail"]) for r in rows(store, "data-gaps")]
    assert got == [("purchase without recycled/reused declaration", "PO-4", "M-PET from SA1"),
                   ("site without coordinates", "SC1", "Shanghai works (CN)")]


def test_esrs_e5_waste(store: EmbeddedStore) -> None:
    """loops.csv: L-1 recycle 300 kg hazardous (loop flag), L-2 recover 50 kg non-hazardous, L-3
    reuse 150 kg (no flag on the loop or M-AL: unknown), L-4 dispose 0.5 t (no flag, M-PET none:
    unknown). Operations: reuse -> preparation for reuse 37(b)(i), recycle -> recycling
    37(b)(ii), recover -> other recovery 37(b)(iii), dispose -> disposal of unstated treatment 37(c)."""
    got = [(r["operation"], r["paragraph"], r["diverted"], r["hazard"], r["loops"], r["mass_kg"])
           for r in rows(store, "esrs-e5-waste")]
    assert got == [("preparation_for_reuse", "37(b)(i)", True, "unknown", 1, 150),
                   ("recycling", "37(b)(ii)", True, "hazardous", 1, 300),
                   ("other_recovery", "37(b)(iii)", True, "non_hazardous", 1, 50),
                   ("disposal_unsplit", "37(c)", False, "unknown", 1, 500)]


def test_esrs_e5_inflows(store: EmbeddedStore) -> None:
    """Every fixture material is technical (Aluminium, LithiumCarbonate, Cobalt, PET): one row.
    Mass 1000 + 3000 + 500 + 200 + 500 + 100 + 1000 = 6,300 kg; secondary 1000x0.5 + 3000x0.3 +
    500x0.1 + 100x0.16 = 500 + 900 + 50 + 16 = 1,466 kg (PO-4 undeclared counts 0); nothing
    biological, so nothing sustainably sourced."""
    got = [(r["cycle"], r["purchases"], r["mass_kg"], r["secondary_kg"], r["certified_kg"])
           for r in rows(store, "esrs-e5-inflows")]
    assert got == [("technical", 7, 6300, approx(1466), 0)]


def test_every_catalogue_query_has_a_test() -> None:
    tested = {"local-sourcing-tiers", "sourcing-mix-by-year", "source-distance", "circular-inflow", "loops-by-strategy",
              "single-source-materials", "concentration", "critical-materials-by-country", "hyperlocal-candidates",
              "supply-exposure", "data-gaps", "esrs-e5-waste", "esrs-e5-inflows",
              # tests/load/test_circularity_inputs.py (hand-computed) and tests/test_one_definition.py
              "cti-circular-inflow", "cti-circular-outflow", "mci",
              "transport-emissions"}  # tests/analysis/test_transport.py, tests/test_one_definition_transport.py
    assert set(catalogue()) == tested


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv", "table"])
def test_result_formats(store: EmbeddedStore, fmt: str) -> None:
    q = resolve("single-source-materials")
    out = run(store, q, bind(q, []), fmt).data
    if fmt == "table":
        assert b"M-CO" in out and b"(2 rows)" in out
        return
    if fmt == "csv":  # pyoxigraph does not read CSV results back (the format is lossy)
        import csv
        import io

        table = list(csv.reader(io.StringIO(out.decode("utf-8"))))
        assert table[0][:2] == ["material", "name"] and len(table) == 3
        return
    res = ox.parse_query_results(out, format={"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
                                              "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}[fmt])
    assert [v.value for v in res.variables][:2] == ["material", "name"]
    assert len(list(res)) == 2


def test_distance_block_is_the_same_in_every_query() -> None:
    """The haversine in SPARQL arithmetic is copied into each distance query (a catalogue query is
    one self-contained file); the copies must not drift. The block is its head (the comment and the
    SELECT DISTINCT openings of its steps, up to "# ---- distance input"), the query's own input
    rows, then its steps (from "# ---- distance step 1" to "# ---- end of distance"). Head and steps
    are the same in every query; only the first BIND may differ (it may skip pairs that are too far
    apart in latitude)."""
    blocks = {}
    for name, q in catalogue().items():
        if "# ---- great-circle distance" not in q.text:
            continue
        text = q.text
        head = text[text.index("# ---- great-circle distance"):text.index("# ---- distance input")]
        steps = text[text.index("AS ?_p1)") + len("AS ?_p1)"):text.index("# ---- end of distance")]
        assert head.count("{ SELECT DISTINCT * WHERE {") == steps.count("} }") == 5, name
        blocks[name] = [" ".join(line.split()) for line in (head + steps).splitlines()]
    assert set(blocks) == {"hyperlocal-candidates", "local-sourcing-tiers", "source-distance", "sourcing-mix-by-year"}
    assert len({tuple(b) for b in blocks.values()}) == 1
