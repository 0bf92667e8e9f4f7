"""Transport emissions per purchase flow (ISO 14083), computed by hand on a small data set.

Fixture: plant S-PLANT in Lyon (45.7597, 4.8422); suppliers S-PAR and S-PAR2 in Paris (48.8567,
2.3508; both of organisation O-A), S-DE in Berlin (52.52, 13.405), S-CN without coordinates
(China's centroid stands in). Packaged factors (kg CO2e per tonne-km, DESNZ 2026): road WTW
0.10356 + 0.02359 = 0.12715, TTW 0.10356; air 0.53130 + 0.13516 = 0.66646, TTW 0.53130; rail
0.02583 + 0.00691 = 0.03274; sea 0.01612 + 0.00365 = 0.01977; pipeline none.

  PO-1 S-PAR  road      2 t   km = 392.2172595594006 x 1.2 x 1.05 = 494.19374704484476
                              t-km = 988.38749408968952; WTW 125.67347... (x 0.12715); TTW 102.35740... (x 0.10356)
  PO-2 S-PAR  air     0.5 t   km = 392.2172595594006 + 95 = 487.2172595594006; t-km = 243.6086297797003
  PO-3 S-PAR2 pipeline  1 t   km = 392.2172595594006 (no DAF); t-km 392.2172595594006; no factor: not computable
  PO-4 S-CN   sea       3 t   km = searoute(China centroid -> Lyon) x 1.15
  PO-5 S-DE   rail      4 t   km = haversine(Berlin, Lyon) (no DAF)
  PO-6 S-DE   (no mode) 1 t   no distance: not computable
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

from ..builders import material_row, org_row, purchase_row, site_row, write_csvs
from loopsource.analysis import transport
from loopsource.analysis.snapshot import read_snapshot
from loopsource.cli import main
from loopsource.emission_factors import load_table
from loopsource.geo import haversine_km
from loopsource.load.build import build
from loopsource.query import bind, resolve
from loopsource.store import EmbeddedStore
from loopsource.transport_distance import sea_route_km

LYON, PARIS, BERLIN = (45.7597, 4.8422), (48.8567, 2.3508), (52.52, 13.405)
ROAD_WTW, ROAD_TTW, AIR_WTW, AIR_TTW = 0.10356 + 0.02359, 0.10356, 0.53130 + 0.13516, 0.53130
RAIL_WTW, SEA_WTW = 0.02583 + 0.00691, 0.01612 + 0.00365


def data(tmp_path: Path) -> Path:
    return write_csvs(tmp_path / "data", {
        "organisations.csv": [org_row("O-BUY", role="buyer"), org_row("O-A"), org_row("O-CN", country="CN"),
                              org_row("O-DE", country="DE")],
        "sites.csv": [site_row("S-PLANT", organisation="O-BUY", kind="plant", lat=LYON[0], lon=LYON[1]),
                      site_row("S-PAR", organisation="O-A", lat=PARIS[0], lon=PARIS[1]),
                      site_row("S-PAR2", organisation="O-A", lat=PARIS[0], lon=PARIS[1]),
                      site_row("S-CN", organisation="O-CN", country="CN"),
                      site_row("S-DE", organisation="O-DE", country="DE", lat=BERLIN[0], lon=BERLIN[1])],
        "materials.csv": [material_row("M1")],
        "purchases.csv": [purchase_row("PO-1", supplier_site="S-PAR", material="M1", quantity=2, transport_mode="road"),
                          purchase_row("PO-2", supplier_site="S-PAR", material="M1", quantity=0.5, transport_mode="air"),
                          purchase_row("PO-3", supplier_site="S-PAR2", material="M1", quantity=1,
                                       transport_mode="pipeline"),
                          purchase_row("PO-4", supplier_site="S-CN", material="M1", quantity=3, transport_mode="sea"),
                          purchase_row("PO-5", supplier_site="S-DE", material="M1", quantity=4, transport_mode="rail"),
                          purchase_row("PO-6", supplier_site="S-DE", material="M1", quantity=1)],
    })


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedStore:
    root = tmp_path_factory.mktemp("transport")
    build(data(root), root / "store")
    return EmbeddedStore(root / "store", read_only=True)


def cn_sea_km(snap) -> float:
    cn = snap.sites["S-CN"]
    return sea_route_km(cn.centroid_lat, cn.centroid_lon, *LYON) * 1.15


def test_per_purchase_by_hand(store: EmbeddedStore) -> None:
    snap = read_snapshot(store)
    doc = transport.section(snap)
    rows = doc["by_purchase"]
    assert rows["PO-1"]["distance_km"] == pytest.approx(494.19374704484476, rel=1e-12)
    assert rows["PO-1"]["tonne_km"] == pytest.approx(988.38749408968952, rel=1e-12)
    assert rows["PO-1"]["wtw_kg_co2e"] == pytest.approx(988.38749408968952 * ROAD_WTW, rel=1e-12)
    assert rows["PO-1"]["ttw_kg_co2e"] == pytest.approx(988.38749408968952 * ROAD_TTW, rel=1e-12)
    assert rows["PO-1"]["factor"] == "desnz-2026-hgv-average"
    assert rows["PO-2"]["tonne_km"] == pytest.approx(243.6086297797003, rel=1e-12)
    assert rows["PO-2"]["wtw_kg_co2e"] == pytest.approx(243.6086297797003 * AIR_WTW, rel=1e-12)
    assert rows["PO-2"]["ttw_kg_co2e"] == pytest.approx(243.6086297797003 * AIR_TTW, rel=1e-12)
    assert rows["PO-3"]["tonne_km"] == pytest.approx(392.2172595594006, rel=1e-12)
    assert (rows["PO-3"]["factor"], rows["PO-3"]["wtw_kg_co2e"], rows["PO-3"]["ttw_kg_co2e"]) == (None, None, None)
    sea = cn_sea_km(snap)
    assert rows["PO-4"]["tonne_km"] == pytest.approx(3 * sea, rel=1e-12)
    assert rows["PO-4"]["wtw_kg_co2e"] == pytest.approx(3 * sea * SEA_WTW, rel=1e-12)
    assert "searoute" in rows["PO-4"]["distance_method"]
    rail = haversine_km(*BERLIN, *LYON)
    assert rows["PO-5"]["tonne_km"] == pytest.approx(4 * rail, rel=1e-12)
    assert rows["PO-5"]["wtw_kg_co2e"] == pytest.approx(4 * rail * RAIL_WTW, rel=1e-12)
    assert rows["PO-6"]["tonne_km"] is None and rows["PO-6"]["distance_km"] is None


def test_aggregates_by_mode_plant_and_supplier(store: EmbeddedStore) -> None:
    """Supplier O-A (S-PAR and S-PAR2): t-km 988.387... + 243.608... + 392.217... = 1624.2133834288; WTW
    of PO-1 and PO-2 only, PO-3's 392.217 t-km without a factor. Totals: 6 purchases, 11.5 t, the
    1 t of PO-6 without distance; pipeline listed as not computable."""
    doc = transport.section(read_snapshot(store))
    a = doc["by_supplier"]["O-A"]
    assert a["purchases"] == 3 and a["mass_kg"] == pytest.approx(3500)
    assert a["tonne_km"] == pytest.approx(988.38749408968952 + 243.6086297797003 + 392.2172595594006, rel=1e-12)
    assert a["wtw_kg_co2e"] == pytest.approx(988.38749408968952 * ROAD_WTW + 243.6086297797003 * AIR_WTW, rel=1e-12)
    assert a["tonne_km_without_wtw_factor"] == pytest.approx(392.2172595594006, rel=1e-12)
    rows = doc["by_purchase"]
    assert doc["wtw_kg_co2e"] == pytest.approx(sum(r["wtw_kg_co2e"] or 0 for r in rows.values()), rel=1e-12)
    assert doc["by_plant"]["S-PLANT"]["tonne_km"] == pytest.approx(doc["tonne_km"], rel=1e-12)
    assert doc["by_mode"]["road"]["tonne_km"] == pytest.approx(988.38749408968952, rel=1e-12)
    assert doc["by_mode"]["unknown"]["mass_kg_without_distance"] == pytest.approx(1000)
    assert doc["mass_kg"] == pytest.approx(11500) and doc["mass_kg_without_distance"] == pytest.approx(1000)
    assert doc["not_computable"]["purchases_without_mode"] == 1
    assert doc["not_computable"]["modes_without_factor"][0].startswith("pipeline: needs a factor")


def test_query_reads_what_the_build_stored(store: EmbeddedStore) -> None:
    """transport-emissions rows = metrics.json by_purchase, to the last bit (same double operations)."""
    q = resolve("transport-emissions")
    got = {r["purchase"]: r for r in store.select(q.text, bind(q, [])).values()}
    want = transport.section(read_snapshot(store))["by_purchase"]
    assert set(got) == set(want)
    for pid, w in want.items():
        g = got[pid]
        for k in ("distance_km", "tonne_km", "wtw_kg_co2e", "ttw_kg_co2e", "factor", "mode", "distance_method"):
            assert g.get(k) == w[k], (pid, k, g.get(k), w[k])


def test_moved_flow_is_computed_by_the_same_rule(store: EmbeddedStore) -> None:
    """A scenario that moves PO-1 to S-DE (road): the stored Paris leg must not be reused; the
    Berlin leg is haversine(Berlin, Lyon) x 1.26."""
    snap = read_snapshot(store)
    assert ("S-PLANT", "S-PAR", "road") in snap.transport_legs
    moved = dataclasses.replace(snap, purchases=tuple(dataclasses.replace(p, supplier_site="S-DE")
                                                      if p.id == "PO-1" else p for p in snap.purchases))
    row = transport.section(moved)["by_purchase"]["PO-1"]
    assert row["distance_km"] == pytest.approx(haversine_km(*BERLIN, *LYON) * 1.2 * 1.05, rel=1e-12)


def test_user_factors_at_build_reach_report_and_query(tmp_path: Path) -> None:
    """build --emission-factors: a pipeline factor 0.02 + 0.005 makes PO-3 computable (392.217 t-km
    x 0.025 = 9.80543...), and the stored table is what the snapshot and the query read."""
    f = tmp_path / "mine.csv"
    f.write_text("key,mode,ttw,wtt,wtw,source,use_for_mode\nmy-pipe,pipeline,0.02,0.005,,meter,true\n",
                 encoding="utf-8")
    res = CliRunner().invoke(main, ["build", str(data(tmp_path)), "--store", str(tmp_path / "s"),
                                    "--emission-factors", str(f)])
    assert res.exit_code == 0, res.output
    gs = EmbeddedStore(tmp_path / "s", read_only=True)
    snap = read_snapshot(gs)
    assert snap.emission_factors is not None and snap.emission_factors.for_mode("pipeline").key == "my-pipe"
    assert snap.emission_factors.version == "desnz-2026 overridden by mine.csv"
    row = transport.section(snap)["by_purchase"]["PO-3"]
    assert row["wtw_kg_co2e"] == pytest.approx(392.2172595594006 * 0.025, rel=1e-12)
    q = resolve("transport-emissions")
    got = {r["purchase"]: r for r in gs.select(q.text, bind(q, [])).values()}
    assert got["PO-3"]["factor"] == "my-pipe" and got["PO-3"]["wtw_kg_co2e"] == row["wtw_kg_co2e"]
    assert load_table(f).for_mode("pipeline").wtw == pytest.approx(0.025)


def test_bad_factor_file_is_exit_2_before_the_store_is_touched(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("factors:\n  k: {mode: road, ttw: lots}\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["build", str(data(tmp_path)), "--store", str(tmp_path / "s"),
                                    "--emission-factors", str(bad)])
    assert res.exit_code == 2 and f"{bad}:2: column factors.k.ttw: 'lots' is not a number" in res.output
    assert not (tmp_path / "s").exists()
    res = CliRunner().invoke(main, ["run", str(data(tmp_path)), "--out", str(tmp_path / "out"),
                                    "--emission-factors", str(bad)])
    assert res.exit_code == 2 and "'lots' is not a number" in res.output
