"""Metrics against hand-computed values, including ../shared/reference/metrics.md section 11."""
from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import pytest

from loopsource.errors import UsageError
from loopsource.period import NoDataError
from loopsource.analysis.metrics import (
    EARTH_RADIUS_KM, compute, distance_km, haversine_km, hhi, lfi_mci, material_terms, mci, tier,
)
from loopsource.analysis.snapshot import Loop, Material, Site, read_snapshot

from ..builders import product, purchase, site, snapshot

KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180  # along the equator


# ----------------------------------------------------------------------------- hand-made snapshots
# site(), purchase(), product(), snapshot(): tests/builders.py
def equator_site(id: str, km: float, **kw) -> Site:
    """A site on the equator ``km`` east of (0, 0): its haversine distance to (0, 0) is exactly ``km``."""
    return site(id, lat=0.0, lon=km / KM_PER_DEGREE, **kw)


# ----------------------------------------------------------------------------- TV-5 haversine
def test_haversine_lyon_paris_published_value():
    assert haversine_km(45.7597, 4.8422, 48.8567, 2.3508) == pytest.approx(392.2172595594006, abs=1e-9)


def test_haversine_berlin_munich_and_symmetry():
    d = haversine_km(52.5200, 13.4050, 48.1351, 11.5820)
    assert d == pytest.approx(504.4160281285079, abs=1e-9)
    assert haversine_km(48.1351, 11.5820, 52.5200, 13.4050) == pytest.approx(d, abs=1e-9)
    assert haversine_km(10, 20, 10, 20) == 0.0


# ----------------------------------------------------------------------------- TV-4 HHI
def test_hhi_doj_example_and_country_example():
    assert hhi([0.30, 0.30, 0.20, 0.20]) == pytest.approx(2600)
    assert hhi([0.5, 0.3, 0.2]) == pytest.approx(3800)
    assert hhi([1.0]) == pytest.approx(10000)
    pre, post = hhi([.4, .2, .1, .1, .1, .1]), hhi([.4, .3, .1, .1, .1])
    assert (pre, post, post - pre) == (pytest.approx(2400), pytest.approx(2800), pytest.approx(400))


# ----------------------------------------------------------------------------- TV-1 / TV-2 MCI
def _tv1(L: float = 1.0, Lav: float = 1.0):
    p = product((("M1", 100.0),), c_r=0.5, e_c=0.9, e_f=0.8, L=L, Lav=Lav)
    snap = snapshot([site("B"), site("S")], [purchase("PO1", "S", 1000.0, rec=0.3)], [p])
    return mci(p, snap)


def test_mci_tv1_single_material():
    r = _tv1()
    assert (r.virgin_kg, r.waste_kg) == (pytest.approx(70), pytest.approx(50))
    assert r.waste_collection_kg == pytest.approx(5)
    assert r.waste_feedstock_kg == pytest.approx(7.5)
    assert r.unrecoverable_kg == pytest.approx(56.25)
    assert r.lfi == pytest.approx(126.25 / 201.25)
    assert r.mci == pytest.approx(0.435404, abs=1e-6)
    assert round(r.mci, 3) == 0.435
    assert r.methodology == "EMF-MCI-2015"


def test_mci_tv1_utility_two():
    r = _tv1(L=10, Lav=5)
    assert r.utility == pytest.approx(2)
    assert r.mci == pytest.approx(0.717702, abs=1e-6)


def test_mci_tv2_two_materials_sum_then_ratio():
    # steel 80 kg (F_R 0.5, E_F 0.9, C_R 0.9, E_C 0.95) + plastic 20 kg (virgin, landfilled), X = 1
    steel = material_terms(80, 0.5, 0, 0.9, 0, 0.95, 0.9)
    plastic = material_terms(20, 0, 0, 0, 0, 0, 0)
    v, w0, w_c, w_f = (a + b for a, b in zip(steel, plastic))
    assert (v, w0) == (pytest.approx(60), pytest.approx(28))
    assert (w_c, w_f) == (pytest.approx(3.6), pytest.approx(4.444444, abs=1e-6))
    lfi, value = lfi_mci(100, v, w0, w_c, w_f, 1.0)
    assert lfi == pytest.approx(0.459142, abs=1e-6)
    assert value == pytest.approx(0.586772, abs=1e-6)
    assert round(value, 3) == 0.587


def test_mci_two_material_product_uses_purchases_per_material():
    # product-level C/E, two materials with different feedstock: sum per material then ratio
    p = product((("AL", 20.0), ("LI", 5.0)), c_r=0.5, e_c=0.9, e_f=0.8, L=10, Lav=8)
    snap = snapshot([site("B"), site("S")], [purchase("1", "S", 2000, "AL", rec=0.3),
                                             purchase("2", "S", 500, "LI", rec=0.05)], [p])
    r = mci(p, snap)
    assert r.mass_kg == 25
    assert r.virgin_kg == pytest.approx(18.75)
    assert r.waste_feedstock_kg == pytest.approx(1.5625)
    assert r.lfi == pytest.approx(32.65625 / 50.15625)
    assert r.mci == pytest.approx(1 - (32.65625 / 50.15625) * 0.9 / 1.25)


def test_mci_feedstock_is_mass_weighted_and_missing_shares_count_as_zero():
    p = product((("M1", 10.0),), e_f=1.0)
    snap = snapshot([site("B"), site("S")], [purchase("1", "S", 300, rec=0.4, reu=0.1),
                                             purchase("2", "S", 100, rec=None, reu=None)], [p])
    r = mci(p, snap)
    assert r.materials[0].recycled_feedstock == pytest.approx(120 / 400)
    assert r.materials[0].reused_feedstock == pytest.approx(30 / 400)


def test_mci_boundaries():
    virgin = product((("M1", 100.0),))
    snap = snapshot([site("B"), site("S")], [purchase("1", "S", 10)], [virgin])
    assert mci(virgin, snap).mci == pytest.approx(0.1)
    half = product((("M1", 100.0),), L=1, Lav=2)
    assert mci(half, snap).mci == 0.0  # MCI* = -0.8, clamped
    full = product((("M1", 100.0),), c_r=1, e_c=1, e_f=1)
    snap_full = snapshot([site("B"), site("S")], [purchase("1", "S", 10, rec=1.0)], [full])
    assert mci(full, snap_full).mci == pytest.approx(1.0)
    # use intensities: empty means ratio 1; given means U/U_av
    used = product((("M1", 100.0),), U=2, Uav=1)
    assert mci(used, snap).utility == pytest.approx(2)
    assert mci(used, snap).mci == pytest.approx(1 - 0.9 / 2)


def test_mci_no_bom_and_no_purchase_are_noted():
    empty = product(())
    snap = snapshot([site("B"), site("S")], [purchase("1", "S", 10)], [empty])
    r = mci(empty, snap)
    assert r.mci is None and any("M = 0" in n for n in r.notes)
    p = product((("NOBODY", 5.0),))
    r = mci(p, snap)
    assert r.mci == pytest.approx(0.1) and any("no purchase of NOBODY" in n for n in r.notes)


# ----------------------------------------------------------------------------- tiers and distances
def test_tiers():
    buyer = site("B", "FR", "150", 48.8567, 2.3508, kind="plant")
    sites = [
        buyer,
        site("NEAR", "DE", "150", 48.8567, 3.70),  # ~99 km, other country: still hyperlocal
        site("FAR", "FR", "150", 45.7597, 4.8422),  # Lyon: 392 km, same country
        site("NOCOORD", "FR", "150", centroid=(48.86, 2.36)),  # centroid next door but never hyperlocal
        site("EU", "DE", "150", 52.52, 13.405),
        site("CN", "CN", "142", centroid=(35.0, 103.0)),
    ]
    ps = {s.id: purchase(s.id, s.id, 1) for s in sites[1:]}
    snap = snapshot(sites, list(ps.values()))
    assert haversine_km(48.8567, 2.3508, 48.8567, 3.70) < 100
    assert tier(ps["NEAR"], snap) == "hyperlocal"
    assert tier(ps["FAR"], snap) == "domestic"
    assert tier(ps["NOCOORD"], snap) == "domestic"
    assert distance_km(ps["NOCOORD"], snap) == pytest.approx(haversine_km(48.8567, 2.3508, 48.86, 2.36))
    assert tier(ps["EU"], snap) == "regional"
    assert tier(ps["CN"], snap) == "global"
    assert distance_km(ps["CN"], snap) == pytest.approx(haversine_km(48.8567, 2.3508, 35.0, 103.0))


def test_hyperlocal_boundary_is_inclusive():
    sites = [site("B", lat=0.0, lon=0.0), equator_site("A", 100.0), equator_site("C", 100.001)]
    snap = snapshot(sites, [purchase("a", "A", 1), purchase("c", "C", 1)])
    assert tier(snap.purchases[0], snap) == "hyperlocal"
    assert tier(snap.purchases[1], snap) == "domestic"


def test_weighted_average_source_distance_tv6():
    # 100 kg from 50 km + 300 kg from 500 km -> 387.5 km
    sites = [site("B", lat=0.0, lon=0.0, kind="plant"), equator_site("S50", 50), equator_site("S500", 500)]
    snap = snapshot(sites, [purchase("1", "S50", 100), purchase("2", "S500", 300)])
    m = compute(snap)
    assert m["local_sourcing"]["weighted_average_source_distance_km"] == pytest.approx(387.5, abs=1e-6)
    assert m["local_sourcing"]["by_site"]["B"]["weighted_average_source_distance_km"] == pytest.approx(387.5, abs=1e-6)
    assert m["local_sourcing"]["by_tier"]["hyperlocal"]["mass_share"] == pytest.approx(0.25)
    assert m["local_sourcing"]["by_tier"]["domestic"]["mass_share"] == pytest.approx(0.75)


# ----------------------------------------------------------------------------- spend
def _spend_snapshot(fx=None):
    sites = [site("B", lat=0.0, lon=0.0), equator_site("N", 10), site("X", "US", "019", 40.0, -74.0)]
    ps = [purchase("1", "N", 100, spend=1000, currency="EUR"), purchase("2", "X", 100, spend=1000, currency="USD"),
          purchase("3", "X", 100, spend=None)]
    return snapshot(sites, ps, fx=fx)


def test_spend_in_several_currencies_without_fx_is_null_with_warning():
    m = compute(_spend_snapshot())
    assert all(v["spend_share"] is None for v in m["local_sourcing"]["by_tier"].values())
    assert any("EUR" in w and "USD" in w for w in m["warnings"])
    assert m["local_sourcing"]["by_tier"]["global"]["mass_share"] == pytest.approx(2 / 3)


def test_spend_converted_with_fx():
    # rate = reporting-currency units per unit: 1000 USD * 0.9 = 900 EUR
    m = compute(_spend_snapshot({"EUR": 1.0, "USD": 0.9}))
    t = m["local_sourcing"]["by_tier"]
    assert t["hyperlocal"]["spend_share"] == pytest.approx(1000 / 1900)
    assert t["global"]["spend_share"] == pytest.approx(900 / 1900)
    assert not m["warnings"]
    # the reporting currency itself may be absent from fx.csv
    m2 = compute(_spend_snapshot({"USD": 0.9}))
    assert m2["local_sourcing"]["by_tier"]["global"]["spend_share"] == pytest.approx(900 / 1900)
    # a currency fx.csv does not cover, besides the reporting one: null again
    m3 = compute(_spend_snapshot({"GBP": 1.2}))
    assert m3["local_sourcing"]["by_tier"]["global"]["spend_share"] is None


def test_single_currency_spend_share():
    sites = [site("B", lat=0.0, lon=0.0), equator_site("N", 10), equator_site("F", 1000)]
    m = compute(snapshot(sites, [purchase("1", "N", 1, spend=300, currency="EUR"),
                                 purchase("2", "F", 1, spend=100, currency="EUR")]))
    assert m["local_sourcing"]["by_tier"]["hyperlocal"]["spend_share"] == pytest.approx(0.75)
    assert m["local_sourcing"]["by_tier"]["domestic"]["spend_share"] == pytest.approx(0.25)
    assert m["local_sourcing"]["by_tier"]["regional"]["spend_share"] == 0.0


# ----------------------------------------------------------------------------- resilience, circularity
def test_resilience_hhi_single_source_and_critical():
    sites = [site("B", lat=0.0, lon=0.0), site("S1", "DE", org="O1"), site("S2", "PL", org="O2"),
             site("S3", "DE", org="O3"), site("S4", "CN", "142", org="O4"), site("S5", "CN", "142", org="O4")]
    ps = [purchase("1", "S1", 30, "M1"), purchase("2", "S2", 30, "M1"), purchase("3", "S3", 20, "M1"),
          purchase("4", "S4", 20, "M1"),
          purchase("5", "S4", 70, "LI"), purchase("6", "S5", 30, "LI")]
    mats = {"M1": Material("M1", "steel", "Steel", False, False, False),
            "LI": Material("LI", "lithium", "Lithium", True, True, False)}
    m = compute(snapshot(sites, ps, materials=mats))
    r = m["resilience"]
    assert r["supplier_hhi"]["M1"] == pytest.approx(2600)
    assert r["country_hhi"]["M1"] == pytest.approx(50 ** 2 + 30 ** 2 + 20 ** 2)
    assert r["single_source_materials"] == ["LI"]  # two sites, one organisation
    assert r["supplier_hhi"]["LI"] == pytest.approx(10000)
    assert r["critical_inflow_share"] == pytest.approx(100 / 200)


def test_circularity_inflow_outflow():
    sites = [site("B", lat=0.0, lon=0.0), site("S")]
    ps = [purchase("1", "S", 1000, "M1", rec=0.2, reu=0.1), purchase("2", "S", 900, "M2", rec=None, reu=None),
          purchase("3", "S", 100, "M2", rec=0.5, reu=None)]
    loops = [Loop("L1", date(2024, 1, 1), "B", "S", "M1", "reuse", 100),
             Loop("L2", date(2024, 1, 1), "B", "S", "M1", "recycle", 300),
             Loop("L3", date(2024, 1, 1), "B", "S", "M1", "recover", 500),
             Loop("L4", date(2024, 1, 1), "B", "S", "M1", "dispose", 100)]
    m = compute(snapshot(sites, ps, loops=loops))
    c = m["circularity"]
    assert c["circular_inflow_share"] == pytest.approx((300 + 50) / 2000)
    assert c["by_material"]["M1"]["circular_inflow_share"] == pytest.approx(0.3)
    assert c["by_material"]["M2"]["circular_inflow_share"] == pytest.approx(50 / 1000)
    assert c["circular_outflow_share"] == pytest.approx(0.4)
    assert c["outflow_by_strategy"]["recover"] == 500 and c["outflow_by_strategy"]["repair"] == 0
    gaps = {g["code"]: g for g in m["data_gaps"]}
    # a gap is a purchase declaring neither share (2); 3 declares a recycled share, its reused share counts as 0
    assert gaps["missing_circular_shares"]["count"] == 1 and gaps["missing_circular_shares"]["examples"] == ["2"]


def test_filters_and_unknown_site():
    sites = [site("B", lat=0.0, lon=0.0), site("B2", lat=1.0, lon=1.0), site("S")]
    ps = [purchase("1", "S", 10, day=date(2023, 3, 1)), purchase("2", "S", 30, day=date(2024, 3, 1)),
          purchase("3", "S", 50, buyer="B2", day=date(2024, 3, 1))]
    snap = snapshot(sites, ps)
    assert compute(snap, year=2024)["meta"]["purchased_mass_kg"] == 80
    assert compute(snap, year=2024, site="B")["meta"]["purchased_mass_kg"] == 30
    assert list(compute(snap, site="B2")["local_sourcing"]["by_site"]) == ["B2"]
    with pytest.raises(NoDataError, match=r"dated in 1999 \(the data covers 2023-03-01 to 2024-03-01\)"):
        compute(snap, year=1999)  # no figures for a period without data
    with pytest.raises(UsageError):
        compute(snap, site="NOPE")


# ----------------------------------------------------------------------------- the mini fixture, end to end
def test_mini_fixture_metrics_json(mini_dir: Path, build_store):
    snap = read_snapshot(build_store(mini_dir))
    m = compute(snap)
    json.dumps(m, allow_nan=False)  # valid JSON
    assert {"local_sourcing", "circularity", "resilience", "compliance"} <= set(m)
    ls = m["local_sourcing"]
    assert set(ls["by_tier"]) == {"hyperlocal", "domestic", "regional", "global"}
    for t in ls["by_tier"].values():
        assert set(t) == {"mass_kg", "mass_share", "spend_share"}
    # PO-1 2 t Al Lyon->Paris (domestic), PO-2 500 kg Li from CN (no coordinates: centroid, global),
    # PO-3 100 kg PET Lyon->Paris (domestic)
    assert ls["by_tier"]["domestic"]["mass_kg"] == 2100
    assert ls["by_tier"]["global"]["mass_kg"] == 500
    assert ls["by_tier"]["domestic"]["mass_share"] == pytest.approx(2100 / 2600)
    assert ls["by_tier"]["hyperlocal"]["mass_share"] == 0
    assert ls["by_tier"]["domestic"]["spend_share"] is None  # EUR and USD, no fx.csv
    assert any("EUR" in w and "USD" in w for w in m["warnings"])
    cn = snap.sites["S-SUP2"]
    d_cn = haversine_km(48.8567, 2.3508, cn.centroid_lat, cn.centroid_lon)
    assert ls["weighted_average_source_distance_km"] == pytest.approx((2100 * 392.2172595594006 + 500 * d_cn) / 2600)
    assert list(ls["by_site"]) == ["S-PLANT"]
    c = m["circularity"]
    assert c["circular_inflow_share"] == pytest.approx((2000 * 0.3 + 500 * 0.05) / 2600)
    assert c["by_material"]["M-PET"]["circular_inflow_share"] == 0
    assert c["circular_outflow_share"] == pytest.approx(300 / 350)
    assert c["outflow_by_strategy"]["recycle"] == 300 and c["outflow_by_strategy"]["recover"] == 50
    # P-BAT: Al 20 kg (F_R .3) + Li 5 kg (F_R .05); C_R .5, E_C .9, E_F .8, L/Lav 10/8, no use intensity
    v, w0, w_c, w_f = 18.75, 12.5, 1.25, 1.5625
    lfi = (v + w0 + (w_f + w_c) / 2) / (50 + (w_f - w_c) / 2)
    assert c["mci"]["P-BAT"] == pytest.approx(1 - lfi * 0.9 / 1.25)
    r = m["resilience"]
    assert r["single_source_materials"] == ["M-AL", "M-LI", "M-PET"]
    assert r["supplier_hhi"] == {"M-AL": 10000, "M-LI": 10000, "M-PET": 10000}
    assert r["country_hhi"]["M-LI"] == 10000
    assert r["critical_inflow_share"] == pytest.approx(2500 / 2600)
    # not validated: the contract keys say so; the keys beside them are empty (no as-of given)
    assert m["compliance"] == {"conforms": None, "by_profile": {}, "as_of": None, "period": None,
                               "not_checked": {}, "context": {}}
    assert m["readiness"] is None
    gaps = {g["code"]: g for g in m["data_gaps"]}
    assert gaps["site_without_coordinates"]["examples"] == ["S-SUP2"]
    assert gaps["missing_circular_shares"]["examples"] == ["PO-3"]
