"""`loopsource validate` / `loopsource profiles`: exit codes gate CI (0 conforms, 1 results at
or above --fail-on, 2 bad usage or input)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from loopsource.cli import main
from loopsource.validate import PROFILES

SRC = Path(__file__).resolve().parents[2] / "src"


def test_profiles_lists_every_profile():
    res = CliRunner().invoke(main, ["profiles"])
    assert res.exit_code == 0
    for name in PROFILES:
        assert name in res.output


def test_exit_codes(mini_dir, build_store, tmp_path):
    store = build_store(mini_dir).root
    run = CliRunner().invoke
    # mini: all battery-grade lithium from CN is above the CRMA benchmark, a warning -> 0, and 1
    # with --fail-on warning; from 2031-08-18 the EV battery's unevidenced lithium is a violation -> 1
    res = run(main, ["validate", "--store", str(store), "--as-of", "2026-01-01"])
    assert res.exit_code == 0, res.output
    assert "CRMA-65" in res.output and "conforms" in res.output
    assert run(main, ["validate", "--store", str(store), "--as-of", "2026-01-01", "--fail-on", "warning"]).exit_code == 1
    res = run(main, ["validate", "--store", str(store), "--as-of", "2031-09-01"])
    assert res.exit_code == 1 and "BATT-8-LI" in res.output and "DOES NOT CONFORM" in res.output
    # data quality only: warnings, no violations -> 0, unless warnings fail the job
    assert run(main, ["validate", "--store", str(store), "--profile", "data-quality"]).exit_code == 0
    assert run(main, ["validate", "--store", str(store), "--profile", "data-quality", "--fail-on", "warning"]).exit_code == 1
    # bad usage / input -> 2, no traceback
    for args in (["--profile", "nope"], ["--shapes", str(tmp_path / "missing.ttl")], ["--as-of", "tomorrow"],
                 ["--policy", str(tmp_path / "missing.yaml")]):
        res = run(main, ["validate", "--store", str(store), *args])
        assert res.exit_code == 2, (args, res.output)
        assert "Traceback" not in res.output
    res = run(main, ["validate", "--store", str(tmp_path / "nostore")])
    assert res.exit_code == 2


def test_output_file_and_json(mini_dir, build_store, tmp_path):
    store = build_store(mini_dir).root
    out = tmp_path / "v" / "validation.json"
    res = CliRunner().invoke(main, ["validate", "--store", str(store), "--format", "json", "-o", str(out),
                                    "--as-of", "2031-09-01"])
    assert res.exit_code == 1
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {(r["code"], r["focus"]) for r in data["results"] if r["severity"] == "violation"} == {
        ("BATT-8-LI", "P-BAT/all plants/2024")}
    assert ("CRMA-65", "BatteryGradeLithium/2024") in {(r["code"], r["focus"]) for r in data["results"]}
    for fmt in ("turtle", "html", "junit", "text"):
        assert CliRunner().invoke(main, ["validate", "--store", str(store), "--format", fmt, "--as-of", "2031-09-01",
                                         "-o", str(tmp_path / f"v.{fmt}")]).exit_code == 1


def test_subprocess_exit_code(mini_dir, build_store):
    store = build_store(mini_dir).root
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    cmd = [sys.executable, "-c", "from loopsource.cli import main; main()", "validate", "--store", str(store)]
    proc = subprocess.run(cmd + ["--profile", "esrs-e5"], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "esrs-e5" in proc.stdout
    proc = subprocess.run(cmd + ["--as-of", "2031-09-01"], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 1
    proc = subprocess.run(cmd + ["--profile", "bogus"], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
