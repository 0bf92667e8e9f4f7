"""Network moves as scenario operations (open-hub, serve-market, make-at), hand-computed.

Data: tests/network/conftest.py. Today's network: K1 (100 units) made and served by plant A,
K2 (200 units) by plant B; one year of purchases, so yearly flows are the purchased masses.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from loopsource.analysis.snapshot import Snapshot, read_snapshot
from loopsource.errors import ScenarioError
from loopsource.geo import haversine_km
from loopsource.scenario import apply_scenario, compare, load_factors, parse_scenario
from loopsource.scenario.indicators import SCORECARD
from loopsource.scenario.parse import check_scenario
from loopsource.store import open_store

from .conftest import H1, H2, K1, K2, PLANT_A, PLANT_B, S1, S2

ROAD = 0.1272 * 0.9 * 1.2 * 1.05   # EUR per great-circle t-km by road: cost x fx x circuity x ISO 14083 DAF
RAIL = 0.0206 * 0.9                # rail: no adjustment


@pytest.fixture
def snap(network_store: Path) -> Snapshot:
    return read_snapshot(open_store(network_store, None, None, read_only=True))


def scenario(tmp_path: Path, body: str, snap: Snapshot):
    path = tmp_path / "s.yaml"
    path.write_text("name: t\noperations:\n" + body, encoding="utf-8")
    sc = parse_scenario(path)
    check_scenario(sc, snap)
    return sc


def network(doc_indicators: dict) -> dict:
    return doc_indicators["network"]


def test_make_at_moves_units_and_materials(tmp_path: Path, snap: Snapshot) -> None:
    """make-at P1 at PL-B for K1: 100 units x 2 kg of M1 x 1 year = 200 kg of M1 move from plant A
    (which bought 1000 kg from S1 and 3000 kg from S2: 4000 kg) to plant B, the same fraction
    200 / 4000 = 0.05 of each purchase: 50 kg from S1 and 150 kg from S2; A keeps 950 and 2850.
    K1 is then made and served by B: demand-weighted km (100 d(B,K1) + 200 d(B,K2)) / 300; all
    product mass is made in PL, so the production country HHI is 10,000."""
    sc = scenario(tmp_path, "  - op: make-at\n    product: P1\n    plant: PL-B\n    market: K1\n", snap)
    res = apply_scenario(sc, snap)
    kg = {}
    for p in res.snapshot.purchases:
        kg[(p.buyer_site, p.supplier_site)] = kg.get((p.buyer_site, p.supplier_site), 0.0) + p.mass_kg
    assert kg == pytest.approx({("PL-A", "S1"): 950.0, ("PL-A", "S2"): 2850.0, ("PL-B", "S1"): 50.0,
                                ("PL-B", "S2"): 4150.0})
    assert res.operations[0].moved_kg == pytest.approx(200.0) and res.operations[0].changed == 1
    assert res.network.production == {"K1": "PL-B", "K2": "PL-B"}
    assert res.network.assignment == {"K1": "PL-B", "K2": "PL-B"}
    doc = compare(snap, [sc], load_factors())
    net = network(doc["scenarios"][0]["indicators"])
    want = (100 * haversine_km(*PLANT_B, *K1) + 200 * haversine_km(*PLANT_B, *K2)) / 300
    assert net["demand_weighted_km"] == pytest.approx(want, rel=1e-12)
    assert net["production_country_hhi"] == pytest.approx(10000.0)
    # baseline: K1 100 units x 2 kg = 200 kg made in FR, K2 200 x 2 = 400 kg in PL: shares 1/3 and 2/3
    assert doc["baseline"]["network"]["production_country_hhi"] == pytest.approx(
        (100 * 200 / 600) ** 2 + (100 * 400 / 600) ** 2)


def test_serve_market_from_distribution_hub(tmp_path: Path, snap: Snapshot) -> None:
    """serve-market K2 from H2: H2 opens (fixed cost 5 EUR), K2 is still made at B. Distance:
    (100 d(A,K1) + 200 d(H2,K2)) / 300. Within 500 km: both (68 km and 72 km) -> share 1."""
    sc = scenario(tmp_path, "  - op: serve-market\n    market: K2\n    from: H2\n", snap)
    doc = compare(snap, [sc], load_factors())
    net = network(doc["scenarios"][0]["indicators"])
    assert net["open_hubs"] == ["H2"] and net["hub_fixed_cost"] == pytest.approx(5.0)
    want = (100 * haversine_km(*PLANT_A, *K1) + 200 * haversine_km(*H2, *K2)) / 300
    assert net["demand_weighted_km"] == pytest.approx(want, rel=1e-12)
    assert net["share_within_service"] == 1.0
    # baseline: K2 is 177.6 km from plant B, also within 500 km
    assert doc["baseline"]["network"]["share_within_service"] == 1.0
    rows = {r["indicator"]: r for r in doc["scenarios"][0]["scorecard"]}
    assert rows["demand-weighted distance to markets"]["verdict"] == "better"


def test_serve_market_from_plant_moves_production(tmp_path: Path, snap: Snapshot) -> None:
    sc = scenario(tmp_path, "  - op: serve-market\n    market: K1\n    from: PL-B\n", snap)
    res = apply_scenario(sc, snap)
    assert res.network.assignment["K1"] == "PL-B" and res.network.production["K1"] == "PL-B"
    assert res.network.open_hubs == set()


def test_open_sourcing_hub_routes_the_cheaper_flows(tmp_path: Path, snap: Snapshot) -> None:
    """open-hub H1 for M1: a flow goes through H1 when its leg to H1 at its own mode plus rail
    from H1 to its plant costs less than its direct leg. By hand (EUR per kg / 1000 x km):
    S1->A road direct vs S1->H1 road + H1->A rail; S2->A road direct vs S2->H1 road + H1->A rail;
    S2->B rail direct vs S2->H1 rail + H1->B rail (a detour by the same mode: never cheaper)."""
    sc = scenario(tmp_path, "  - op: open-hub\n    hub: H1\n    material: M1\n", snap)
    res = apply_scenario(sc, snap)

    def d(a: tuple[float, float], b: tuple[float, float]) -> float:
        return haversine_km(*a, *b)

    want = set()
    if d(S1, H1) * ROAD + d(H1, PLANT_A) * RAIL < d(S1, PLANT_A) * ROAD:
        want.add("S1>PL-A>M1")
    if d(S2, H1) * ROAD + d(H1, PLANT_A) * RAIL < d(S2, PLANT_A) * ROAD:
        want.add("S2>PL-A>M1")
    if d(S2, H1) * RAIL + d(H1, PLANT_B) * RAIL < d(S2, PLANT_B) * RAIL:
        want.add("S2>PL-B>M1")
    assert want == {"S2>PL-A>M1"}  # the hand computation itself: only S2's road flow to A gains
    assert set(res.network.flow_routes) == want and set(res.network.flow_routes.values()) == {"H1"}
    assert res.operations[0].moved_kg == pytest.approx(3000.0)
    doc = compare(snap, [sc], load_factors())
    net = network(doc["scenarios"][0]["indicators"])
    assert net["flows_via_hub"] == 1 and net["open_hubs"] == ["H1"]
    saving = 3.0 * (d(S2, PLANT_A) * ROAD - d(S2, H1) * ROAD - d(H1, PLANT_A) * RAIL)
    assert doc["baseline"]["network"]["transport_cost"] - net["transport_cost"] == pytest.approx(saving, rel=1e-9)


def test_open_distribution_hub_serves_nearer_markets(tmp_path: Path, snap: Snapshot) -> None:
    """open-hub H2: K2 is 71.8 km from H2 and 177.6 km from plant B (its server): served by H2;
    K1 is nearer to plant A than to H2: unchanged."""
    sc = scenario(tmp_path, "  - op: open-hub\n    hub: H2\n", snap)
    res = apply_scenario(sc, snap)
    assert res.network.assignment == {"K1": "PL-A", "K2": "H2"} and res.operations[0].changed == 1


@pytest.mark.parametrize("body,line,words", [
    ("  - op: open-hub\n    hub: H1\n    product: P1\n", 5, "'product' does not apply to a sourcing_hub"),
    ("  - op: open-hub\n    hub: H9\n", 4, "unknown hub (hubs.csv) 'H9'"),
    ("  - op: serve-market\n    market: K1\n    from: S1\n", 5, "neither a distribution hub nor a plant"),
    ("  - op: serve-market\n    market: K1\n    from: H1\n", 5, "is a sourcing hub"),
    ("  - op: make-at\n    product: P1\n    plant: S2\n", 5, "does not make P1"),
    ("  - op: make-at\n    product: P1\n", 3, "missing field 'plant'"),
])
def test_errors_name_the_line(tmp_path: Path, snap: Snapshot, body: str, line: int, words: str) -> None:
    with pytest.raises(ScenarioError) as e:
        scenario(tmp_path, body, snap)
    assert f"s.yaml:{line}: " in str(e.value) and words in str(e.value)


def test_scorecard_has_the_network_rows() -> None:
    paths = {path for _, _, path, _, _ in SCORECARD}
    assert {("network", "demand_weighted_km"), ("network", "share_within_service"),
            ("network", "made_in_region_share"), ("network", "total_cost")} <= paths
