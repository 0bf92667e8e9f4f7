"""A small network-design data set (two plants, three supplier flows, two markets, two hubs).

All purchases in 2024, so the yearly flows are the purchased masses. Costs convert to EUR with
fx.csv (USD 0.9): road 0.1272 x 0.9 = 0.11448 EUR per t-km, rail 0.0206 x 0.9 = 0.01854.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from ..builders import write_csvs

PLANT_A, PLANT_B = (45.0, 5.0), (51.0, 17.0)   # near Lyon, near Wrocław
S1, S2 = (45.0, 6.0), (50.0, 10.0)             # FR supplier, DE supplier
H1, H2 = (49.5, 9.0), (52.2, 20.0)             # sourcing hub near S2, distribution hub near K2
K1, K2 = (45.5, 5.5), (52.0, 19.0)             # markets near plant A and near plant B


def network_files(market_name: str = "Lyon market") -> dict[str, list[dict[str, object]]]:
    product = {"id": "P1", "name": "Pack", "lifetime_years": 10, "industry_lifetime_years": 10, "use_intensity": "",
               "industry_use_intensity": "", "collection_recycling_share": 0.5, "collection_reuse_share": 0,
               "recycling_efficiency_eol": 0.7, "recycling_efficiency_feedstock": 0.8, "category": "", "plant": ""}
    return {
        "organisations.csv": [
            {"id": "O-B", "name": "Buyer", "role": "buyer", "country": "FR"},
            {"id": "O-S1", "name": "Supplier One", "role": "supplier", "country": "FR"},
            {"id": "O-S2", "name": "Supplier Two", "role": "supplier", "country": "DE"}],
        "sites.csv": [
            {"id": "PL-A", "organisation": "O-B", "name": "Plant A", "country": "FR", "lat": PLANT_A[0],
             "lon": PLANT_A[1], "kind": "plant"},
            {"id": "PL-B", "organisation": "O-B", "name": "Plant B", "country": "PL", "lat": PLANT_B[0],
             "lon": PLANT_B[1], "kind": "plant"},
            {"id": "S1", "organisation": "O-S1", "name": "Site One", "country": "FR", "lat": S1[0], "lon": S1[1],
             "kind": "supplier_site"},
            {"id": "S2", "organisation": "O-S2", "name": "Site Two", "country": "DE", "lat": S2[0], "lon": S2[1],
             "kind": "supplier_site"}],
        "materials.csv": [{"id": "M1", "name": "Aluminium sheet", "class": "Aluminium"}],
        "products.csv": [product],
        "bom.csv": [{"product": "P1", "material": "M1", "mass_kg": 2}],
        "purchases.csv": [
            {"id": "PO-1", "date": "2024-02-01", "buyer_site": "PL-A", "supplier_site": "S1", "material": "M1",
             "quantity": 1000, "unit": "kg", "spend": 100, "currency": "EUR", "recycled_share": 0,
             "reused_share": 0, "transport_mode": "road", "lead_time_days": 2},
            {"id": "PO-2", "date": "2024-03-01", "buyer_site": "PL-B", "supplier_site": "S2", "material": "M1",
             "quantity": 4000, "unit": "kg", "spend": 400, "currency": "EUR", "recycled_share": 0,
             "reused_share": 0, "transport_mode": "rail", "lead_time_days": 3},
            {"id": "PO-3", "date": "2024-04-01", "buyer_site": "PL-A", "supplier_site": "S2", "material": "M1",
             "quantity": 3000, "unit": "kg", "spend": 300, "currency": "EUR", "recycled_share": 0,
             "reused_share": 0, "transport_mode": "road", "lead_time_days": 3}],
        "fx.csv": [{"currency": "EUR", "rate": 1}, {"currency": "USD", "rate": 0.9}],
        "plant_products.csv": [
            {"plant": "PL-A", "product": "P1", "capacity_units_per_year": 1000},
            {"plant": "PL-B", "product": "P1", "capacity_units_per_year": ""}],
        "markets.csv": [
            {"id": "K1", "name": market_name, "country": "FR", "lat": K1[0], "lon": K1[1], "product": "P1",
             "units_per_year": 100},
            {"id": "K2", "name": "Warsaw market", "country": "PL", "lat": K2[0], "lon": K2[1], "product": "P1",
             "units_per_year": 200}],
        "hubs.csv": [
            {"id": "H1", "name": "Rhine hub", "country": "DE", "lat": H1[0], "lon": H1[1], "kind": "sourcing_hub",
             "fixed_cost_per_year": 10, "currency": "EUR", "capacity_kg": ""},
            {"id": "H2", "name": "Warsaw DC", "country": "PL", "lat": H2[0], "lon": H2[1],
             "kind": "distribution_hub", "fixed_cost_per_year": 5, "currency": "EUR", "capacity_kg": ""}],
    }


@pytest.fixture
def network_dir(tmp_path: Path) -> Path:
    return write_csvs(tmp_path / "net", network_files())


def built(data_dir: Path) -> Path:
    """Build a store beside data_dir and return its folder (no store object left open)."""
    from loopsource.load.build import build

    build(data_dir, data_dir.parent / (data_dir.name + "-store"))
    return data_dir.parent / (data_dir.name + "-store")


@pytest.fixture
def network_store(network_dir: Path) -> Path:
    """A store built from network_dir (not reasoned: the network reads asserted data)."""
    return built(network_dir)
