"""--year and --from/--to on `report` and `run`, through the command line (the mini fixture:
PO-1 2024-03-01 2 t, PO-2 2024-04-01 500 kg, PO-3 2024-05-01 100 kg; loops in June and July 2024)."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from loopsource.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _store(tmp_path: Path) -> Path:
    store = tmp_path / "store"
    r = CliRunner().invoke(main, ["build", str(FIXTURES / "mini"), "--store", str(store)])
    assert r.exit_code == 0, r.output
    return store


def _report(store: Path, *args: str) -> tuple[int, dict, str]:
    r = CliRunner().invoke(main, ["report", "--store", str(store), "--format", "json", *args])
    return r.exit_code, (json.loads(r.stdout) if r.exit_code == 0 else {}), r.output


def test_report_from_to_and_year(tmp_path: Path):
    """--from 2024-03-02 --to 2024-05-01 leaves out PO-1: 500 + 100 = 600 kg; --year 2024 is all
    2,600 kg and the same figures as --from 2024-01-01 --to 2024-12-31."""
    store = _store(tmp_path)
    code, m, out = _report(store, "--from", "2024-03-02", "--to", "2024-05-01")
    assert code == 0, out
    assert m["meta"]["purchased_mass_kg"] == 600 and m["meta"]["counts"]["loops"] == 0
    assert m["meta"]["filters"] == {"year": None, "from": "2024-03-02", "to": "2024-05-01", "site": None}
    assert m["period"] == {"first_date": "2024-04-01", "last_date": "2024-05-01", "years": [2024],
                           "selection": "2024-03-02 to 2024-05-01"}
    _, year, _ = _report(store, "--year", "2024")
    _, span, _ = _report(store, "--from", "2024-01-01", "--to", "2024-12-31")
    assert year["meta"]["purchased_mass_kg"] == 2600
    for key in ("local_sourcing", "circularity", "resilience", "trends"):
        assert year[key] == span[key]


def test_report_period_errors_exit_2_and_write_nothing(tmp_path: Path):
    store = _store(tmp_path)
    out = tmp_path / "r.html"
    r = CliRunner().invoke(main, ["report", "--store", str(store), "--year", "2019", "-o", str(out)])
    assert r.exit_code == 2 and not out.exists()
    assert "no purchases or loops dated in 2019 (the data covers 2024-03-01 to 2024-07-01)" in r.output
    code, _, output = _report(store, "--year", "2024", "--from", "2024-01-01")
    assert code == 2 and "--year cannot be combined with --from/--to" in output
    code, _, output = _report(store, "--from", "2024-05-01", "--to", "2024-04-01")
    assert code == 2 and "--from 2024-05-01 is after --to 2024-04-01" in output
    code, _, output = _report(store, "--from", "1.3.2024")
    assert code == 2 and "'1.3.2024' is not an ISO 8601 date" in output
    code, _, output = _report(store, "--year", "0")
    assert code == 2 and "Traceback" not in output


def test_run_with_a_year(tmp_path: Path):
    """run --year 2024 writes metrics for 2024 (the report's header states it); run --year 2019
    exits 2 and writes no output set."""
    runner = CliRunner()
    out = tmp_path / "out"
    r = runner.invoke(main, ["run", str(FIXTURES / "mini"), "--out", str(out), "--year", "2024"])
    assert r.exit_code == 0, r.output
    m = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert m["meta"]["filters"]["year"] == 2024 and m["period"]["selection"] == "2024"
    assert "(selected: 2024)" in (out / "report.html").read_text(encoding="utf-8")
    empty = tmp_path / "empty"
    r = runner.invoke(main, ["run", str(FIXTURES / "mini"), "--out", str(empty), "--year", "2019"])
    assert r.exit_code == 2 and "no purchases or loops dated in 2019" in r.output
    assert not (empty / "report.html").exists() and not (empty / "metrics.json").exists()
