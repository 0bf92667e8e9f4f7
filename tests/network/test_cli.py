"""loopsource network through the command line: JSON and HTML, every objective, infeasible settings.

Data: tests/network/conftest.py (two plants, three flows, two markets, one sourcing and one
distribution hub; costs in EUR through fx.csv).
"""
from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from loopsource.cli import main
from loopsource.geo import haversine_km

from .conftest import H2, K1, K2, PLANT_A, PLANT_B, built, network_files

from ..builders import write_csvs


def run(*args: str):
    return CliRunner().invoke(main, ["network", *args])


@pytest.mark.parametrize("objective", ["cost", "emissions", "distance", "weighted"])
def test_json_each_objective(network_store: Path, objective: str) -> None:
    """stdout is the JSON document alone (the solver's own output goes elsewhere), with baseline and
    optimised networks measured the same way, and the solver's status and gap.

    Baseline by hand: K1 and K2 are served directly by their nearest plant (A and B), so the
    demand-weighted distance is (100 x d(A, K1) + 200 x d(B, K2)) / 300.
    The optimum can only be as good as or better than the baseline (the baseline is feasible)."""
    r = run("--store", str(network_store), "--objective", objective, "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    base, opt = doc["baseline"], doc["optimised"]
    assert base["hubs"] == [] and base["flow_routes"] == {}
    want = (100 * haversine_km(*PLANT_A, *K1) + 200 * haversine_km(*PLANT_B, *K2)) / 300
    assert base["demand_weighted_km"] == pytest.approx(want, rel=1e-12)
    assert {base["markets"][k]["maker"] for k in ("K1", "K2")} == {"PL-A", "PL-B"}
    assert doc["solver"]["status"] == "optimal" and doc["solver"]["optimal"] is True
    assert doc["solver"]["mip_gap"] is not None and doc["solver"]["time_limit_s"] == 60.0
    assert opt["objective_value"] <= base["objective_value"] * (1 + 1e-9)
    if objective == "weighted":
        # each component divided by its baseline value: the baseline scores 1 + 1 + 1
        assert base["objective_value"] == pytest.approx(3.0, rel=1e-12)
    if objective == "distance":
        # K2 is nearer to the Warsaw DC than to plant B: the p-median optimum serves it from there
        assert opt["markets"]["K2"]["server"] == "H2"
        assert opt["demand_weighted_km"] == pytest.approx(
            (100 * haversine_km(*PLANT_A, *K1) + 200 * haversine_km(*H2, *K2)) / 300, rel=1e-12)
    assert doc["currency"] == "EUR" and doc["years"] == [2024]
    assert "supplier_hhi" in opt and "local_share_by_region" in opt


def test_supplier_hhi_hand_computed(network_store: Path) -> None:
    """Inbound kg per year by supplier organisation: O-S1 1000, O-S2 4000 + 3000 = 7000 of 8000:
    HHI = 12.5^2 + 87.5^2 = 156.25 + 7656.25 = 7812.5. By country the same (FR, DE)."""
    doc = json.loads(run("--store", str(network_store), "--format", "json").stdout)
    assert doc["baseline"]["supplier_hhi"] == pytest.approx(7812.5)
    assert doc["baseline"]["supplier_country_hhi"] == pytest.approx(7812.5)
    # every supplier, plant and market is in Europe (M49 150): both local shares are 1
    assert doc["baseline"]["local_share_by_region"] == {"150": {"inbound": 1.0, "made_in_region": 1.0}}


def test_html_output_file(network_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "net.html"
    r = run("--store", str(network_store), "--objective", "distance", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert r.stdout == ""
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("args,constraint", [
    (("--service-km", "1"), "service distance"),
    (("--max-hubs", "0", "--service-km", "60"), "service distance"),
])
def test_infeasible_exit_2_no_file(network_store: Path, tmp_path: Path, args: tuple[str, ...], constraint: str) -> None:
    """No plant or distribution hub within 1 km of a market (or, with no hub allowed, within 60 km:
    K1 is 68.0 km from plant A, K2 177.6 km from plant B): exit 2, the constraint named, no file."""
    out = tmp_path / "never.json"
    r = run("--store", str(network_store), "-o", str(out), *args)
    assert r.exit_code == 2, r.output
    assert f"error: {constraint}:" in r.stderr
    assert "Traceback" not in r.output
    assert not out.exists()


def test_capacity_below_demand_exit_2(tmp_path: Path) -> None:
    """Capacities 100 + 150 units of P1 against 300 units demanded: plant capacity, exit 2."""
    files = network_files()
    files["plant_products.csv"] = [{"plant": "PL-A", "product": "P1", "capacity_units_per_year": 100},
                                   {"plant": "PL-B", "product": "P1", "capacity_units_per_year": 150}]
    store = built(write_csvs(tmp_path / "cap", files))
    out = tmp_path / "never.html"
    r = run("--store", str(store), "-o", str(out))
    assert r.exit_code == 2, r.output
    assert "error: plant capacity: total demand 300 units of P1 exceeds capacity 250" in r.stderr
    assert not out.exists()


def test_no_markets_is_a_usage_error(tmp_path: Path) -> None:
    files = network_files()
    for name in ("markets.csv", "hubs.csv", "plant_products.csv"):
        del files[name]
    store = built(write_csvs(tmp_path / "nomk", files))
    r = run("--store", str(store), "--format", "json")
    assert r.exit_code == 2 and "the store has no markets" in r.stderr


def test_bad_weight_is_a_usage_error(network_store: Path) -> None:
    r = run("--store", str(network_store), "--objective", "weighted", "--weight", "speed=2")
    assert r.exit_code == 2 and "--weight" in r.output


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_page_parsed(tmp_path: Path) -> None:
    """Browser-free: two maps (optimised and today's) with plants, hubs and markets drawn, the
    figure and market tables, no script, and a market name from the CSV escaped."""
    evil = '<script>alert("x")</script> & Co'
    store = built(write_csvs(tmp_path / "evil", network_files(market_name=evil)))
    out = tmp_path / "net.html"
    r = run("--store", str(store), "--objective", "distance", "-o", str(out))
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    page = _Page()
    page.feed(html)
    tags = [t for t, _ in page.tags]
    assert "script" not in tags
    maps = [a for t, a in page.tags if t == "svg" and a.get("class") == "map"]
    assert len(maps) == 2
    classes = [a.get("class") for t, a in page.tags if t in ("rect", "circle", "path")]
    assert classes.count("plant") == 4 and classes.count("market") == 4
    assert classes.count("hub open") == 1 and classes.count("hub") == 3  # H2 open in the optimised map only
    assert tags.count("table") >= 5
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in html
    assert any(evil in t for t in page.text)


def test_stdout_is_json_alone_at_the_file_descriptor(network_store: Path) -> None:
    """As a separate process (so that anything the solver's C++ code writes to file descriptor 1
    would land in stdout): stdout is exactly one JSON document."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "loopsource", "network", "--store", str(network_store),
                           "--format", "json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["solver"]["status"] == "optimal"
