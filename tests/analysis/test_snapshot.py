"""read_snapshot, field by field, on tests/fixtures/mini built and reasoned into a store.

Every expected value below was read by hand from the fixture's CSV files (quoted next to each
assertion) or computed by hand from them; none was copied from the code's output.
"""
from __future__ import annotations

from datetime import date

import pytest

from loopsource.analysis.snapshot import Loop, Snapshot, read_snapshot

KG = "http://qudt.org/vocab/unit/KiloGM"
TONNE = "http://qudt.org/vocab/unit/TONNE"


@pytest.fixture
def snap(mini_dir, build_store) -> Snapshot:
    return read_snapshot(build_store(mini_dir))


def test_organisations(snap):
    """organisations.csv: ORG-BUY,Acme Buyer,buyer,FR ... ORG-REC,Recyclo,recycler,DE."""
    got = {o.id: (o.name, o.role, o.country) for o in snap.organisations.values()}
    assert got == {"ORG-BUY": ("Acme Buyer", "buyer", "FR"), "ORG-SUP1": ("Lyon Metals", "supplier", "FR"),
                   "ORG-SUP2": ("Li Mining Co", "supplier", "CN"), "ORG-REC": ("Recyclo", "recycler", "DE")}


def test_site_with_coordinates(snap):
    """sites.csv: S-SUP1,ORG-SUP1,Lyon works,FR,45.7597,4.8422,supplier_site. France is in UN M49
    region 150 (Europe), sub-region 155 (Western Europe), and in the EU."""
    s = snap.sites["S-SUP1"]
    assert (s.name, s.organisation, s.kind, s.country) == ("Lyon works", "ORG-SUP1", "supplier_site", "FR")
    assert (s.region, s.region_name, s.subregion, s.in_eu) == ("150", "Europe", "155", True)
    assert (s.lat, s.lon) == (45.7597, 4.8422)
    r = snap.sites["S-REC"]  # S-REC,ORG-REC,Berlin recycling,DE,52.52,13.405,recycling_facility
    assert (r.kind, r.country, r.region, r.in_eu, r.lat, r.lon) == ("recycling_facility", "DE", "150", True,
                                                                    52.52, 13.405)
    assert snap.sites["S-PLANT"].kind == "plant"


def test_site_without_coordinates_has_its_country_centroid(snap):
    """sites.csv: S-SUP2,ORG-SUP2,Shanghai works,CN,,,supplier_site: no lat/lon, so distances use
    China's centroid, which lies inside China's bounding box (18-54 N, 73-135 E). China is in
    region 142 (Asia), sub-region 030 (Eastern Asia), not in the EU."""
    s = snap.sites["S-SUP2"]
    assert (s.country, s.region, s.region_name, s.subregion, s.in_eu) == ("CN", "142", "Asia", "030", False)
    assert (s.lat, s.lon) == (None, None)
    assert 18 < s.centroid_lat < 54 and 73 < s.centroid_lon < 135


def test_purchase_in_tonnes_is_converted_to_kg(snap):
    """purchases.csv: PO-1,2024-03-01,S-PLANT,S-SUP1,M-AL,2,t,5000,EUR,0.3,0,road -> 2 t = 2,000 kg."""
    p = {p.id: p for p in snap.purchases}["PO-1"]
    assert (p.date, p.buyer_site, p.supplier_site, p.material) == (date(2024, 3, 1), "S-PLANT", "S-SUP1", "M-AL")
    assert (p.quantity, p.unit, p.mass_kg) == (2.0, TONNE, 2000.0)
    assert (p.spend, p.currency, p.recycled_share, p.reused_share, p.transport_mode) == (5000.0, "EUR", 0.3, 0.0,
                                                                                          "road")
    assert (p.lead_time_days, p.chain_of_custody, p.certificate) == (None, None, None)


def test_purchase_in_kg_and_empty_cells(snap):
    """PO-2,...,M-LI,500,kg,9000,USD,0.05,0,sea -> 500 kg; PO-3,2024-05-01,S-PLANT,S-SUP1,M-PET,100,kg,,,,,
    -> 100 kg and every empty cell None (unknown), never 0."""
    by_id = {p.id: p for p in snap.purchases}
    assert set(by_id) == {"PO-1", "PO-2", "PO-3"}
    p2 = by_id["PO-2"]
    assert (p2.quantity, p2.unit, p2.mass_kg, p2.spend, p2.currency, p2.recycled_share, p2.transport_mode) == (
        500.0, KG, 500.0, 9000.0, "USD", 0.05, "sea")
    p3 = by_id["PO-3"]
    assert (p3.mass_kg, p3.unit) == (100.0, KG)
    assert (p3.spend, p3.currency, p3.recycled_share, p3.reused_share, p3.transport_mode) == (None,) * 5


def test_materials_classes_and_critical_flags(snap):
    """materials.csv: M-LI,Lithium carbonate,LithiumCarbonate,battery; M-AL,Aluminium sheet,Aluminium;
    M-PET,PET granulate,PET. Regulation (EU) 2024/1252: battery-grade lithium and aluminium are in
    Annex I (strategic) and Annex II (critical); PET is neither, and a plastic. Li2CO3 contains
    2 x 6.941 / 73.891 = 0.1879 lithium by mass."""
    li, al, pet = snap.materials["M-LI"], snap.materials["M-AL"], snap.materials["M-PET"]
    assert (li.name, li.material_class, li.strategic, li.critical, li.plastic, li.crma_entry) == (
        "Lithium carbonate", "LithiumCarbonate", True, True, False, "BatteryGradeLithium")
    assert li.element_share == pytest.approx(2 * 6.941 / 73.891, abs=1e-4)
    assert (al.material_class, al.strategic, al.critical, al.plastic, al.element_share) == (
        "Aluminium", True, True, False, 1.0)
    assert (pet.material_class, pet.strategic, pet.critical, pet.plastic, pet.crma_entry) == (
        "PET", False, False, True, None)


def test_product_and_its_bom(snap):
    """products.csv: P-BAT,Battery pack,10,8,,,0.5,0,0.9,0.8,ev_battery; bom.csv: P-BAT,M-LI,5 and
    P-BAT,M-AL,20 (kg per unit)."""
    assert set(snap.products) == {"P-BAT"}
    p = snap.products["P-BAT"]
    assert (p.name, p.category, p.lifetime_years, p.industry_lifetime_years) == ("Battery pack", "ev_battery",
                                                                                 10.0, 8.0)
    assert (p.use_intensity, p.industry_use_intensity) == (None, None)
    assert (p.collection_recycling_share, p.collection_reuse_share, p.recycling_efficiency_eol,
            p.recycling_efficiency_feedstock) == (0.5, 0.0, 0.9, 0.8)
    assert dict(p.bom) == {"M-LI": 5.0, "M-AL": 20.0} and len(p.bom) == 2


def test_loops_and_no_fx(snap):
    """loops.csv: L-1,2024-06-01,S-PLANT,S-REC,M-AL,recycle,300,kg and L-2,...,M-PET,recover,50,kg;
    no fx.csv, so no exchange rates."""
    assert set(snap.loops) == {Loop("L-1", date(2024, 6, 1), "S-PLANT", "S-REC", "M-AL", "recycle", 300.0),
                               Loop("L-2", date(2024, 7, 1), "S-PLANT", "S-REC", "M-PET", "recover", 50.0)}
    assert snap.fx == {}
