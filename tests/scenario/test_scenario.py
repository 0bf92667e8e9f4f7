"""Scenarios: each operation against hand-computed deltas on a small fixture, plus errors.

Fixture (all 2024, all EUR, plant P1 in Paris):
  PO-1  2000 kg Aluminium  from S-FR1 (Lyon, FR)        spend 5000  recycled 0.3   road  lead 5
  PO-2   500 kg Lithium    from S-CN  (CN, no coords)   spend 9000  recycled 0.05  sea   lead 40
  PO-3  1000 kg Aluminium  from S-CN                    spend 2000  recycled 0     sea   lead 35
  PO-4   100 kg PET        from S-DE  (Berlin)          spend  300  recycled 0     road  lead 7
Candidates for Aluminium: S-FR2 (Lille, FR) 600 kg at 2.4 EUR/kg, lead 4; S-PL (Warsaw) 10 t at 2.0, lead 10.
No candidate for Lithium. Total mass 3600 kg; baseline lead time 65700 / 3600 = 18.25 days.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ..builders import write_csvs
from ..render.pages import check_only_our_script
from loopsource.analysis import metrics
from loopsource.cli import main
from loopsource.errors import ScenarioError
from loopsource.render.scenario import render_html
from loopsource.scenario import apply_scenario, compare, crma, indicators, load_factors, load_scenario
from loopsource.analysis.snapshot import read_snapshot

PARIS = (48.8567, 2.3508)
ORGS = [
    {"id": "O-BUY", "name": "Buyer", "role": "buyer", "country": "FR"},
    {"id": "O-FR1", "name": "Lyon Metals", "role": "supplier", "country": "FR"},
    {"id": "O-FR2", "name": "Lille Alu", "role": "supplier", "country": "FR"},
    {"id": "O-CN", "name": "<script>alert(1)</script>", "role": "supplier", "country": "CN"},
    {"id": "O-DE", "name": "Berlin Plastics", "role": "supplier", "country": "DE"},
    {"id": "O-PL", "name": "Warsaw Alu", "role": "supplier", "country": "PL"},
    {"id": "O-REC", "name": "Recyclo", "role": "recycler", "country": "DE"},
]
SITES = [
    {"id": "P1", "organisation": "O-BUY", "name": "Paris plant", "country": "FR", "lat": 48.8567, "lon": 2.3508,
     "kind": "plant"},
    {"id": "S-FR1", "organisation": "O-FR1", "name": "Lyon works", "country": "FR", "lat": 45.7597, "lon": 4.8422,
     "kind": "supplier_site"},
    {"id": "S-FR2", "organisation": "O-FR2", "name": "Lille works", "country": "FR", "lat": 50.6292, "lon": 3.0573,
     "kind": "supplier_site"},
    {"id": "S-CN", "organisation": "O-CN", "name": "Shanghai works", "country": "CN", "lat": "", "lon": "",
     "kind": "supplier_site"},
    {"id": "S-DE", "organisation": "O-DE", "name": "Berlin works", "country": "DE", "lat": 52.52, "lon": 13.405,
     "kind": "supplier_site"},
    {"id": "S-PL", "organisation": "O-PL", "name": "Warsaw works", "country": "PL", "lat": 52.2297, "lon": 21.0122,
     "kind": "supplier_site"},
    {"id": "S-REC", "organisation": "O-REC", "name": "Berlin recycling", "country": "DE", "lat": 52.5, "lon": 13.4,
     "kind": "recycling_facility"},
]
MATERIALS = [
    {"id": "M-AL", "name": "Aluminium sheet", "class": "Aluminium", "grade": ""},
    {"id": "M-LI", "name": "Lithium, battery grade", "class": "Lithium", "grade": "battery"},
    {"id": "M-PET", "name": "PET granulate", "class": "PET"},
]


def _po(i: int, sup: str, mat: str, kg: float, spend: float, rec: float, mode: str, lead: float) -> dict:
    return {"id": f"PO-{i}", "date": "2024-03-01", "buyer_site": "P1", "supplier_site": sup, "material": mat,
            "quantity": kg, "unit": "kg", "spend": spend, "currency": "EUR", "recycled_share": rec,
            "reused_share": 0, "transport_mode": mode, "lead_time_days": lead}


PURCHASES = [
    _po(1, "S-FR1", "M-AL", 2000, 5000, 0.3, "road", 5),
    _po(2, "S-CN", "M-LI", 500, 9000, 0.05, "sea", 40),
    _po(3, "S-CN", "M-AL", 1000, 2000, 0, "sea", 35),
    _po(4, "S-DE", "M-PET", 100, 300, 0, "road", 7),
]
CANDIDATES = [
    {"site": "S-FR2", "material": "M-AL", "capacity_kg": 600, "unit_price": 2.4, "currency": "EUR",
     "lead_time_days": 4},
    {"site": "S-PL", "material": "M-AL", "capacity_kg": 10000, "unit_price": 2.0, "currency": "EUR",
     "lead_time_days": 10},
]
PRODUCTS = [{"id": "P-BAT", "name": "Battery pack", "lifetime_years": 10, "industry_lifetime_years": 8,
             "use_intensity": "", "industry_use_intensity": "", "collection_recycling_share": 0.5,
             "collection_reuse_share": 0, "recycling_efficiency_eol": 0.9, "recycling_efficiency_feedstock": 0.8,
             "category": "ev_battery"}]
BOM = [{"product": "P-BAT", "material": "M-LI", "mass_kg": 5}, {"product": "P-BAT", "material": "M-AL", "mass_kg": 20}]
LOOPS = [
    {"id": "L-1", "date": "2024-06-01", "from_site": "P1", "to_site": "S-REC", "material": "M-AL",
     "strategy": "recycle", "quantity": 300, "unit": "kg"},
    {"id": "L-2", "date": "2024-07-01", "from_site": "P1", "to_site": "S-REC", "material": "M-PET",
     "strategy": "recover", "quantity": 50, "unit": "kg"},
]


@pytest.fixture(scope="module")
def snap(tmp_path_factory: pytest.TempPathFactory):
    from loopsource.load.build import build
    from loopsource.store import EmbeddedStore

    d = write_csvs(tmp_path_factory.mktemp("glocal") / "data", {
        "organisations.csv": ORGS, "sites.csv": SITES, "materials.csv": MATERIALS, "purchases.csv": PURCHASES,
        "candidates.csv": CANDIDATES, "products.csv": PRODUCTS, "bom.csv": BOM, "loops.csv": LOOPS})
    root = d.parent / "store"
    build(d, root)
    return read_snapshot(EmbeddedStore(root))


@pytest.fixture(scope="module")
def factors():
    return load_factors()


def scenario(tmp_path: Path, body: str, name: str = "s.yaml") -> Path:
    p = tmp_path / name
    p.write_text(body, encoding="utf-8")
    return p


def run(snap, tmp_path: Path, ops: str):
    sc = load_scenario(scenario(tmp_path, "name: t\noperations:\n" + ops), snap)
    return apply_scenario(sc, snap)


def by_id(result) -> dict:
    return {p.id: p for p in result.snapshot.purchases}


def km(a: str, b: str, snap) -> float:
    pa, pb = metrics.site_position(snap.sites[a]), metrics.site_position(snap.sites[b])
    return metrics.haversine_km(*pa, *pb)


def test_baseline(snap, factors):
    ind = indicators(snap, factors)
    assert ind["total_mass_kg"] == 3600
    assert ind["lead_time"]["mass_weighted_days"] == pytest.approx(65700 / 3600)
    assert ind["spend"]["total"] == pytest.approx(16300)
    assert ind["tiers"]["global"]["mass_share"] == pytest.approx(1500 / 3600)
    # country HHI of aluminium: FR 2/3, CN 1/3
    assert ind["resilience"]["country_hhi"]["M-AL"] == pytest.approx(10000 * (4 / 9 + 1 / 9))
    sea_km = km("S-CN", "P1", snap)
    assert ind["transport"]["tonne_km"]["sea"] == pytest.approx(1.5 * sea_km)
    assert ind["transport"]["emissions_kg_co2e"]["sea"] == pytest.approx(1.5 * sea_km * 15.36 / 1000)
    # CRMA: lithium is 100 % from CN; aluminium 1/3 from CN
    # keyed by Annex I entry (validate.crma); element class, so contained = purchased mass
    assert ind["crma"]["BatteryGradeLithium"]["2024"] == {"country": "CN", "share": 1.0, "exceeds": True}
    assert ind["crma"]["Aluminium"]["2024"]["share"] == pytest.approx(1 / 3)
    assert ind["crma_breaches"] == 1


def test_shift(snap, factors, tmp_path):
    r = run(snap, tmp_path, "  - {op: shift, material: M-AL, from_country: CN, to: S-PL, share: 0.5}\n")
    p = by_id(r)
    assert p["PO-3"].mass_kg == 500 and p["PO-3"].spend == 1000
    moved = p["PO-3~1"]
    assert (moved.supplier_site, moved.mass_kg, moved.spend, moved.lead_time_days, moved.transport_mode) == \
        ("S-PL", 500, 1000, 10, "road")  # candidate price 2.0 x 500; same M49 region -> road
    base, new = indicators(snap, factors), indicators(r.snapshot, factors)
    assert new["lead_time"]["mass_weighted_days"] - base["lead_time"]["mass_weighted_days"] == \
        pytest.approx((500 * 10 - 500 * 35) / 3600)
    assert new["spend"]["total"] == pytest.approx(16300)
    assert new["tiers"]["global"]["mass_share"] - base["tiers"]["global"]["mass_share"] == pytest.approx(-500 / 3600)
    assert new["tiers"]["regional"]["mass_kg"] == 600
    # aluminium countries FR 2000, CN 500, PL 500 of 3000
    assert new["resilience"]["country_hhi"]["M-AL"] - base["resilience"]["country_hhi"]["M-AL"] == \
        pytest.approx(10000 * ((4 / 9 + 1 / 36 + 1 / 36) - (4 / 9 + 1 / 9)))
    assert new["transport"]["tonne_km"]["sea"] - base["transport"]["tonne_km"]["sea"] == \
        pytest.approx(-0.5 * km("S-CN", "P1", snap))
    assert new["transport"]["tonne_km"]["road"] - base["transport"]["tonne_km"]["road"] == \
        pytest.approx(0.5 * km("S-PL", "P1", snap))
    assert r.operations[0].moved_kg == 500
    assert snap.purchases[2].mass_kg == 1000  # the snapshot itself is untouched


def test_add_source_capped_by_capacity(snap, factors, tmp_path):
    r = run(snap, tmp_path, "  - op: add-source\n    material: M-AL\n    candidate: S-FR2\n    share: 0.25\n")
    # wanted 0.25 x 3000 = 750 kg, capacity 600 -> every aluminium purchase gives up 0.2
    p = by_id(r)
    assert p["PO-1"].mass_kg == pytest.approx(1600) and p["PO-3"].mass_kg == pytest.approx(800)
    assert sum(x.mass_kg for x in p.values() if x.supplier_site == "S-FR2") == pytest.approx(600)
    assert r.operations[0].notes and "capacity" in r.operations[0].notes[0]
    base, new = indicators(snap, factors), indicators(r.snapshot, factors)
    assert new["spend"]["total"] - base["spend"]["total"] == pytest.approx(600 * 2.4 - 1000 - 400)
    assert new["resilience"]["supplier_hhi"]["M-AL"] == pytest.approx(
        10000 * ((1600 / 3000) ** 2 + (800 / 3000) ** 2 + (600 / 3000) ** 2))
    assert new["resilience"]["supplier_hhi"]["M-AL"] - base["resilience"]["supplier_hhi"]["M-AL"] == \
        pytest.approx(3955.5555555555557 - 5555.555555555556)
    assert new["lead_time"]["mass_weighted_days"] - base["lead_time"]["mass_weighted_days"] == \
        pytest.approx((400 * (4 - 5) + 200 * (4 - 35)) / 3600)


def test_reshore_within_capacity(snap, factors, tmp_path):
    r = run(snap, tmp_path, "  - {op: reshore, material: M-AL}\n")
    p = by_id(r)
    # only S-FR2 is a French candidate: 600 of the 1000 kg from CN come home, 400 stay
    assert p["PO-3"].mass_kg == pytest.approx(400)
    assert p["PO-3~1"].supplier_site == "S-FR2" and p["PO-3~1"].mass_kg == pytest.approx(600)
    assert "400 kg stays outside" in r.operations[0].notes[0]
    base, new = indicators(snap, factors), indicators(r.snapshot, factors)
    assert new["tiers"]["domestic"]["mass_kg"] - base["tiers"]["domestic"]["mass_kg"] == pytest.approx(600)
    assert new["local_share"] - base["local_share"] == pytest.approx(600 / 3600)
    assert new["spend"]["total"] - base["spend"]["total"] == pytest.approx(600 * 2.4 - 1200)


def test_nearshore_nearest_first_then_capacity(snap, factors, tmp_path):
    r = run(snap, tmp_path, "  - {op: nearshore, material: M-AL}\n")
    p = by_id(r)
    assert "PO-3" not in p  # all 1000 kg moved: Lille (nearest) 600, then Warsaw 400
    moved = sorted((x.supplier_site, x.mass_kg) for x in p.values() if x.id.startswith("PO-3~"))
    assert moved == [("S-FR2", pytest.approx(600)), ("S-PL", pytest.approx(400))]
    base, new = indicators(snap, factors), indicators(r.snapshot, factors)
    assert new["tiers"]["global"]["mass_kg"] - base["tiers"]["global"]["mass_kg"] == pytest.approx(-1000)
    assert new["lead_time"]["mass_weighted_days"] - base["lead_time"]["mass_weighted_days"] == \
        pytest.approx((600 * 4 + 400 * 10 - 1000 * 35) / 3600)
    assert new["transport"]["tonne_km"]["road"] - base["transport"]["tonne_km"]["road"] == pytest.approx(
        0.6 * km("S-FR2", "P1", snap) + 0.4 * km("S-PL", "P1", snap))


def test_disrupt_leaves_lithium_without_source(snap, factors, tmp_path):
    r = run(snap, tmp_path, "  - {op: disrupt, country: CN}\n")
    op = r.operations[0]
    assert op.removed_kg == 1500 and op.moved_kg == pytest.approx(1000) and op.unmet_kg == pytest.approx(500)
    assert [(u.material, u.plant, u.kg, u.remaining_sources) for u in r.unmet_demand] == [("M-LI", "P1", 500, 0)]
    assert not any(p.material == "M-LI" for p in r.snapshot.purchases)
    base, new = indicators(snap, factors, ()), indicators(r.snapshot, factors, r.unmet_demand)
    assert new["unmet_demand_kg"] == 500
    assert new["total_mass_kg"] - base["total_mass_kg"] == pytest.approx(-500)
    assert new["crma_breaches"] == 0 and "BatteryGradeLithium" not in new["crma"]
    assert new["tiers"]["global"]["mass_kg"] == 0
    without_resupply = run(snap, tmp_path, "  - {op: disrupt, country: CN, resupply: false}\n")
    assert [(u.material, u.kg) for u in without_resupply.unmet_demand] == [("M-AL", 1000), ("M-LI", 500)]


def test_disrupt_by_region(snap, tmp_path):
    r = run(snap, tmp_path, "  - {op: disrupt, region: Asia}\n")
    assert r.operations[0].removed_kg == 1500


def _mci(c_r: float) -> float:
    # P-BAT: 20 kg aluminium (F_R = 600/3000 = 0.2), 5 kg lithium (F_R = 0.05); E_F 0.8, E_C 0.9, X = 10/8
    v = 20 * 0.8 + 5 * 0.95
    w0 = 25 * (1 - c_r)
    wc = 25 * 0.1 * c_r
    wf = 20 * 0.2 * 0.2 / 0.8 + 5 * 0.2 * 0.05 / 0.8
    lfi = (v + w0 + (wf + wc) / 2) / (50 + (wf - wc) / 2)
    return 1 - lfi * 0.9 / 1.25


def test_loop_product_material_and_outflow(snap, factors, tmp_path):
    r = run(snap, tmp_path, "  - {op: loop, product: P-BAT, collection_recycling_share: 0.9}\n"
                            "  - {op: loop, material: M-PET, recycled_share: 0.5}\n"
                            "  - {op: loop, material: M-PET, outflow_from: recover, outflow_to: recycle,"
                            " outflow_share: 1}\n")
    base, new = indicators(snap, factors), indicators(r.snapshot, factors)
    assert base["circularity"]["mci"]["P-BAT"] == pytest.approx(_mci(0.5))
    assert new["circularity"]["mci"]["P-BAT"] - base["circularity"]["mci"]["P-BAT"] == \
        pytest.approx(_mci(0.9) - _mci(0.5))
    assert new["circularity"]["circular_inflow_share"] - base["circularity"]["circular_inflow_share"] == \
        pytest.approx(50 / 3600)
    assert base["circularity"]["circular_outflow_share"] == pytest.approx(300 / 350)
    assert new["circularity"]["circular_outflow_share"] == pytest.approx(1.0)


def test_compare_json_html_and_scorecard(snap, factors, tmp_path):
    a = load_scenario(scenario(tmp_path, "name: Nearshore\noperations:\n  - {op: nearshore, material: M-AL}\n",
                               "a.yaml"), snap)
    b = load_scenario(scenario(tmp_path, "name: <b>China shock</b>\noperations:\n  - {op: disrupt, country: CN}\n",
                               "b.yaml"), snap)
    doc = compare(snap, [a, b], factors)
    json.dumps(doc, allow_nan=False)
    card = {r["indicator"]: r for r in doc["scenarios"][0]["scorecard"]}
    assert card["mass-weighted lead time"]["verdict"] == "better"
    assert card["weighted average source distance"]["verdict"] == "better"
    assert doc["scenarios"][1]["delta"]["unmet_demand_kg"] == 500
    html = render_html(doc)
    assert "&lt;b&gt;China shock&lt;/b&gt;" in html and "<b>China" not in html
    check_only_our_script(html)  # the download script only, allowed by its hash
    for section in ("scorecard", "crma", "unmet", "transport"):
        assert f'id="{section}"' in html


def test_crma_ignores_eu_countries(snap):
    assert crma(snap)["Aluminium"]["2024"]["country"] == "CN"


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("body, line, words", [
    ("name: x\noperations:\n  - op: shift\n    material: M-AL\n    from_country: CN\n    to: S-NOPE\n"
     "    share: 0.5\n", 6, "unknown site 'S-NOPE'"),
    ("name: x\noperations:\n  - op: shift\n    material: M-AL\n    from_country: CN\n    to: S-PL\n"
     "    share: 1.5\n", 7, "above 1"),
    ("name: x\noperations:\n  - op: add-source\n    material: M-AL\n    candidate: S-FR2\n    share: -0.1\n",
     6, "below 0"),
    ("name: x\noperations:\n  - {op: disrupt, country: CN}\n  - op: teleport\n    material: M-AL\n", 4,
     "unknown operation 'teleport'"),
    ("name: x\noperations:\n  - op: shift\n    from_country: CN\n    to: S-PL\n    share: 0.5\n", 3,
     "missing field 'material'"),
    ("name: x\noperations:\n  - {op: disrupt, country: ZZ}\n", 3, "unknown country 'ZZ'"),
    ("name: x\noperations:\n  - {op: disrupt, region: Atlantis}\n", 3, "unknown region 'Atlantis'"),
    ("name: x\noperations:\n  - {op: nearshore, material: M-NOPE}\n", 3, "unknown material 'M-NOPE'"),
    ("name: x\noperations:\n  - {op: loop, product: P-NOPE, collection_recycling_share: 0.5}\n", 3,
     "unknown product 'P-NOPE'"),
    ("name: x\noperations:\n  - {op: add-source, material: M-LI, candidate: S-PL, share: 0.5}\n", 3,
     "not a candidate"),
    ("name: x\noperations:\n  - {op: shift, material: M-AL, from_country: CN, to: S-PL, share: 0.5, typo: 1}\n", 3,
     "unknown field 'typo'"),
    ("name: x\noperations: [\n", 3, "not valid YAML"),
])
def test_malformed_scenario_names_file_and_line(snap, tmp_path, body, line, words):
    path = scenario(tmp_path, body, "bad.yaml")
    with pytest.raises(ScenarioError) as e:
        load_scenario(path, snap)
    assert str(e.value).startswith(f"{path}:{line}: "), str(e.value)
    assert words in str(e.value)


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from loopsource.load.build import build

    d = write_csvs(tmp_path_factory.mktemp("glocal-cli") / "data", {
        "organisations.csv": ORGS, "sites.csv": SITES, "materials.csv": MATERIALS, "purchases.csv": PURCHASES,
        "candidates.csv": CANDIDATES, "products.csv": PRODUCTS, "bom.csv": BOM, "loops.csv": LOOPS})
    build(d, d.parent / "store")
    return d.parent / "store"


@pytest.mark.parametrize("body, line, words", [
    ("name: x\noperations:\n  - op: shift\n    material: M-AL\n    from_country: CN\n    to: S-NOPE\n"
     "    share: 0.5\n", 6, "unknown site"),
    ("name: x\noperations:\n  - op: shift\n    material: M-AL\n    from_country: CN\n    to: S-PL\n"
     "    share: 1.2\n", 7, "above 1"),
    ("name: x\noperations:\n  - op: teleport\n", 3, "unknown operation"),
])
def test_cli_malformed_exit_2(store_dir, tmp_path, body, line, words):
    path = scenario(tmp_path, body, "bad.yaml")
    res = CliRunner().invoke(main, ["scenario", str(path), "--store", str(store_dir), "--format", "json"])
    assert res.exit_code == 2, res.output
    assert f"{path}:{line}:" in res.output and words in res.output
    assert "Traceback" not in res.output


def test_cli_two_scenarios_and_factors(store_dir, tmp_path):
    a = scenario(tmp_path, "name: A\noperations:\n  - {op: reshore, material: M-AL}\n", "a.yaml")
    b = scenario(tmp_path, "name: B\noperations:\n  - {op: disrupt, country: CN}\n", "b.yaml")
    f = scenario(tmp_path, "modes:\n  sea: 10\n  inland_waterway: {g_per_tkm: 30, source: test}\n", "f.yaml")
    out = tmp_path / "out" / "s.json"
    res = CliRunner().invoke(main, ["scenario", str(a), str(b), "--store", str(store_dir), "-o", str(out),
                                    "--factors", str(f)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    assert [s["name"] for s in doc["scenarios"]] == ["A", "B"]
    assert doc["emission_factors"]["g_per_tkm"]["sea"] == 10
    assert doc["emission_factors"]["g_per_tkm"]["road"] == 123.66
    html = tmp_path / "s.html"
    res = CliRunner().invoke(main, ["scenario", str(a), "--store", str(store_dir), "-o", str(html)])
    assert res.exit_code == 0 and html.read_text().startswith("<!DOCTYPE html>")
    bad = scenario(tmp_path, "modes:\n  hovercraft: 10\n", "badf.yaml")
    res = CliRunner().invoke(main, ["scenario", str(a), "--store", str(store_dir), "--factors", str(bad)])
    assert res.exit_code == 2 and f"{bad}:2:" in res.output
