"""One definition of the ISO 14083 transport figures: metrics.json = report.html = the catalogue
query transport-emissions = the scenario baseline.

Sibling of tests/test_one_definition.py (same comparison helpers), on the demo and on generated
data. The query reads the distance and factors the build stored; metrics.json and the report
read the same triples through the snapshot; the scenario baseline measures with the same
function (analysis.transport) and compares well-to-wheel.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from loopsource.query import bind, resolve
from loopsource.store import EmbeddedStore

from .conftest import DEMO
from .test_one_definition import _Cells, _f, assert_same


@dataclass(frozen=True)
class Run:
    metrics: dict[str, Any]
    report: _Cells
    rows: list[dict[str, Any]]  # transport-emissions
    baseline: dict[str, Any]


@pytest.fixture(scope="module", params=["demo", "gen-60-s5"])
def run_out(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Run:
    from loopsource.analysis.snapshot import read_snapshot
    from loopsource.pipeline import run
    from loopsource.scenario import compare, load_factors

    root = tmp_path_factory.mktemp(request.param)
    data = DEMO
    if request.param != "demo":
        from loopsource.devdata.generate import generate

        generate(root / "data", 60, 5)
        data = root / "data"
    res = run(data, root / "out")
    store = EmbeddedStore(res.store_path, read_only=True)
    try:
        q = resolve("transport-emissions")
        rows = store.select(q.text, bind(q, [])).values()
        snapshot = read_snapshot(store)
    finally:
        store.close()
    cells = _Cells()
    cells.feed(res.report_path.read_text(encoding="utf-8"))
    baseline = compare(snapshot, [], load_factors(None, snapshot.emission_factors))["baseline"]
    return Run(json.loads(res.metrics_path.read_text(encoding="utf-8")), cells, rows, baseline)


FIGURES = ("tonne_km", "wtw_kg_co2e", "ttw_kg_co2e")


def test_per_purchase_query_equals_metrics(run_out: Run) -> None:
    """Every purchase: distance, tonne-km, WTW and TTW in the query row = metrics.json by_purchase."""
    by_purchase = run_out.metrics["transport"]["by_purchase"]
    query = {r["purchase"]: (r.get("distance_km"), r.get("tonne_km"), r.get("wtw_kg_co2e"), r.get("ttw_kg_co2e"))
             for r in run_out.rows}
    metrics = {k: (v["distance_km"], v["tonne_km"], v["wtw_kg_co2e"], v["ttw_kg_co2e"]) for k, v in by_purchase.items()}
    assert len(query) == len(run_out.rows) and sum(1 for v in query.values() if v[2] is not None) > 10
    assert_same(metrics, query, "transport per purchase: metrics.json vs transport-emissions")


def test_aggregates_query_metrics_report(run_out: Run) -> None:
    """Per mode, plant and supplier: the query rows added up = metrics.json = the report's tables."""
    t = run_out.metrics["transport"]
    by_purchase = t["by_purchase"]
    for table, key, field in (("transport-mode", "by_mode", "mode"), ("transport-plant", "by_plant", "buyer_site"),
                              ("transport-supplier", "by_supplier", "supplier")):
        sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
        seen: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # rows with the figure
        for r in run_out.rows:
            group = by_purchase[r["purchase"]][field] or "unknown"  # the supplier organisation is not in the row
            for i, f in enumerate(FIGURES):
                sums[group][i] += r.get(f) or 0.0
                seen[group][i] += r.get(f) is not None
        # a group with tonne-km but no factor for any of it: WTW / TTW not computable (null, not 0)
        query = {g: tuple(None if i and v[0] > 0 and not seen[g][i] else x for i, x in enumerate(v))
                 for g, v in sums.items()}
        metrics = {g: tuple(v[f] for f in FIGURES) for g, v in t[key].items()}
        report = {a["data-key"]: (_f(c[2]), _f(c[3]), _f(c[4])) for tab, a, c in run_out.report.rows
                  if tab == table and "data-key" in a}
        assert_same(metrics, query, f"transport {key}: metrics.json vs query")
        assert_same(report, query, f"transport {key}: report vs query")
    total = {"total": tuple(sum(r.get(f) or 0.0 for r in run_out.rows) for f in FIGURES)}
    assert_same({"total": tuple(t[f] for f in FIGURES)}, total, "transport totals: metrics.json")
    assert_same({a["data-key"]: (_f(c[2]), _f(c[3]), _f(c[4])) for tab, a, c in run_out.report.rows
                 if tab == "transport-totals" and a.get("data-key") == "total"}, total, "transport totals: report")


def test_scenario_baseline_compares_wtw(run_out: Run) -> None:
    """The scenario baseline's transport (emissions_kg_co2e: WTW; ttw_kg_co2e beside it) = metrics.json by mode."""
    t, b = run_out.metrics["transport"], run_out.baseline["transport"]
    modes = {m: g for m, g in t["by_mode"].items() if m != "unknown"}
    assert_same(b["tonne_km"], {m: g["tonne_km"] for m, g in modes.items()}, "scenario tonne-km per mode")
    assert_same(b["emissions_kg_co2e"], {m: g["wtw_kg_co2e"] for m, g in modes.items()}, "scenario WTW per mode")
    assert_same(b["ttw_kg_co2e"], {m: g["ttw_kg_co2e"] for m, g in modes.items()}, "scenario TTW per mode")
    assert_same({"wtw": b["emissions_kg_co2e_total"], "tkm": b["tonne_km_total"]},
                {"wtw": t["wtw_kg_co2e"], "tkm": t["tonne_km"]}, "scenario totals")


def test_method_note_in_the_report(run_out: Run, tmp_path: Path) -> None:
    assert "ISO 14083" in run_out.metrics["transport"]["method"]
    assert run_out.metrics["transport"]["factors"]["version"].startswith("desnz-2026")
