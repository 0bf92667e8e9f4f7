"""One definition for the ESRS E5 datapoints: metrics.json (``esrs_e5``), report.html (the
ESRS E5 table's data-value cells), the CSV for a reporting tool (``report --format esrs-csv``)
and the catalogue queries ``esrs-e5-waste`` and ``esrs-e5-inflows`` (rows from the store, added
up) agree, on the bundled demo and on generated data (which has no cycle or hazardous column,
so there the breakdowns are partial or not computable: the outputs must agree on that too).
A sibling of tests/test_one_definition.py."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from loopsource.cli import main
from loopsource.query import bind, resolve
from loopsource.store import EmbeddedStore

from .test_one_definition import _Cells, _data, same


@dataclass(frozen=True)
class Out:
    store: EmbeddedStore
    store_path: Path
    metrics: dict[str, Any]
    report: _Cells
    csv_rows: list[dict[str, str]]

    def query(self, name: str) -> list[dict[str, Any]]:
        q = resolve(name)
        return self.store.select(q.text, bind(q, [])).values()


@pytest.fixture(scope="module", params=["demo", "gen-40-s3"])
def out(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Out:
    from loopsource.pipeline import run

    root = tmp_path_factory.mktemp("esrs-" + request.param)
    res = run(_data(request.param, root), root / "out")
    cells = _Cells()
    cells.feed(res.report_path.read_text(encoding="utf-8"))
    result = CliRunner().invoke(main, ["report", "--store", str(res.store_path), "--format", "esrs-csv",
                                       "-o", str(root / "e5.csv")])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO((root / "e5.csv").read_text(encoding="utf-8"))))
    return Out(EmbeddedStore(res.store_path, read_only=True), res.store_path,
               json.loads(res.metrics_path.read_text(encoding="utf-8")), cells, rows)


def test_metrics_report_and_csv_agree(out: Out) -> None:
    """Every datapoint: same value (None = empty cell = no data-value), unit, status, id and
    paragraph in metrics.json, the CSV and the report table, in the same order."""
    dps = out.metrics["esrs_e5"]["datapoints"]
    assert [r["key"] for r in out.csv_rows] == list(dps)
    report = {a["data-key"]: (a["data-status"], cells[3]) for table, a, cells in out.report.rows
              if table == "esrs-e5" and "data-key" in a}
    assert list(report) == list(dps)
    for r in out.csv_rows:
        d = dps[r["key"]]
        assert (r["datapoint_id"], r["paragraph"], r["label"], r["unit"], r["status"], r["needs"]) == \
            (d["datapoint_id"], d["paragraph"], d["label"], d["unit"], d["status"], d["needs"] or "")
        csv_value = None if r["value"] == "" else float(r["value"])
        report_status, report_value = report[r["key"]]
        assert same(csv_value, d["value"]) and report_status == d["status"], r["key"]
        assert same(None if report_value is None else float(report_value), d["value"]), r["key"]
        assert d["value"] is not None or d["status"] == "not computable", r["key"]


def test_waste_query_rows_add_up_to_the_datapoints(out: Out) -> None:
    """esrs-e5-waste rows (operation x hazard class), added up, give the §37 totals and splits.
    A split is compared where metrics.json computed it in full (status computed)."""
    rows = out.query("esrs-e5-waste")
    dps = out.metrics["esrs_e5"]["datapoints"]
    if not rows:
        assert dps["waste_total_kg"]["status"] == "not computable"
        return

    def kg(**match: Any) -> float:
        return sum(r["mass_kg"] for r in rows if all(r[k] == v for k, v in match.items()))

    want = {"waste_total_kg": kg(), "waste_diverted_kg": kg(diverted=True), "waste_disposal_kg": kg(diverted=False),
            "waste_non_recycled_kg": kg() - kg(operation="recycling")}
    for op in ("preparation_for_reuse", "recycling", "other_recovery"):
        want[f"waste_diverted_{op}_kg"] = kg(operation=op)
        want[f"waste_diverted_{op}_hazardous_kg"] = kg(operation=op, hazard="hazardous")
        want[f"waste_diverted_{op}_non_hazardous_kg"] = kg(operation=op, hazard="non_hazardous")
    for op in ("incineration", "landfill", "other_disposal"):
        want[f"waste_disposal_{op}_kg"] = kg(operation=op)
    want["waste_hazardous_kg"] = kg(hazard="hazardous")
    checked = 0
    for key, value in want.items():
        if dps[key]["status"] == "computed":
            assert same(dps[key]["value"], value), (key, dps[key]["value"], value)
            checked += 1
    assert checked >= 4
    assert same(dps["waste_total_kg"]["value"], out.metrics["meta"]["loop_mass_kg"])


def test_inflow_query_rows_add_up_to_the_datapoints(out: Out) -> None:
    """esrs-e5-inflows rows (one per material cycle) give §31(a) total and per-cycle weights,
    §31(b) certified kg and §31(c) secondary kg; the secondary share is circular inflow's."""
    rows = {r["cycle"]: r for r in out.query("esrs-e5-inflows")}
    dps = out.metrics["esrs_e5"]["datapoints"]
    total = sum(r["mass_kg"] for r in rows.values())
    assert same(dps["total_weight_kg"]["value"], total)
    assert same(dps["total_weight_kg"]["value"], out.metrics["meta"]["purchased_mass_kg"])
    for cycle in ("technical", "biological"):
        if dps[f"{cycle}_weight_kg"]["status"] != "not computable":
            assert same(dps[f"{cycle}_weight_kg"]["value"], rows[cycle]["mass_kg"] if cycle in rows else 0.0)
    if "unclassified" in rows:
        assert dps["technical_weight_kg"]["status"] in ("partial", "not computable")
    if dps["secondary_weight_kg"]["value"] is not None:
        assert same(dps["secondary_weight_kg"]["value"], sum(r["secondary_kg"] for r in rows.values()))
        assert same(dps["secondary_share"]["value"], out.metrics["circularity"]["circular_inflow_share"])
    if dps["biological_sustainably_sourced_kg"]["value"] is not None:
        assert same(dps["biological_sustainably_sourced_kg"]["value"], rows["biological"]["certified_kg"])
