"""`report --format json`: the same text to stdout and to -o FILE, written piece by piece."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from loopsource.cli import main
from loopsource.cli import report as report_cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_stdout_and_file_hold_the_same_metrics_json(tmp_path: Path, monkeypatch) -> None:
    store = tmp_path / "store"
    runner = CliRunner()
    assert runner.invoke(main, ["build", str(FIXTURES / "mini"), "--store", str(store)]).exit_code == 0
    out = tmp_path / "metrics.json"
    r = runner.invoke(main, ["report", "--store", str(store), "--format", "json", "-o", str(out)])
    assert r.exit_code == 0, r.stderr
    # a small flush size, so the text reaches stdout in many pieces
    monkeypatch.setattr(report_cli._Echo, "write", _small_pieces(report_cli._Echo.write))
    r = runner.invoke(main, ["report", "--store", str(store), "--format", "json"])
    assert r.exit_code == 0, r.stderr
    assert r.stdout == out.read_text(encoding="utf-8")
    doc = json.loads(r.stdout)
    assert doc["meta"]["validated"] is False and "circularity" in doc


def _small_pieces(write):
    def w(self, text: str) -> int:
        n = write(self, text)
        self.flush()
        return n
    return w
