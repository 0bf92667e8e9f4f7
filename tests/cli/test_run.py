"""`loopsource run`: the main job (build, reason, validate, report) and its exit codes."""
from __future__ import annotations

import json
from datetime import date
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

import loopsource.pipeline as pipeline
from loopsource.cli import main
from loopsource.errors import LoopsourceError


@dataclass(frozen=True)
class FakeResult:
    profile: str
    code: str
    severity: str
    focus: str
    path: str | None
    value: str | None
    message: str


class FakeReport:
    """A stand-in with the ValidationReport contract (conforms, results, counts(), to_json(); the
    passports of the run read the date, the rules and profiles checked and the aggregates, which
    a stand-in does not have, so the passports compute their own: as_of, rules, profiles, aggregates)."""

    def __init__(self, results: list[FakeResult]):
        self.results = tuple(results)
        self.conforms = not any(r.severity == "violation" for r in results)
        self.as_of = date(2026, 1, 1)
        self.rules = ()  # no rule checked: every passport claim in force says "not checked"
        self.profiles: tuple[str, ...] = ()
        self.aggregates = None

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for r in self.results:
            out.setdefault(r.profile, {"violations": 0, "warnings": 0, "infos": 0})[r.severity + "s"] += 1
        return out

    def to_json(self) -> dict:
        return {"conforms": self.conforms, "results": [vars(r) for r in self.results]}


VIOLATION = FakeResult("crma", "CRMA-65", "violation", "M-LI", None, "0.7", "70 % of lithium from one country")
WARNING = FakeResult("esrs-e5", "E5-SHARE", "warning", "PO-3", "ls:recycledShare", None, "no recycled share")


def fake_validate(results: list[FakeResult]):
    return lambda store, policy=None, **_kw: FakeReport(results)


def run(args: list[str]):
    return CliRunner().invoke(main, ["run", *args])


def test_run_writes_outputs_and_summary(mini_dir: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(pipeline, "validate", fake_validate([WARNING]))
    out = tmp_path / "out"
    r = run([str(mini_dir), "--out", str(out)])
    assert r.exit_code == 0, r.output
    for name in ("report.html", "metrics.json", "validation.json"):
        assert (out / name).is_file(), name
    assert (out / "store" / "current").exists()
    assert str(out / "report.html") in r.stdout
    assert "[1/4]" in r.stderr and "[4/4]" in r.stderr  # progress on stderr, not stdout
    assert "[1/4]" not in r.stdout
    m = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert m["compliance"]["conforms"] is True
    assert m["compliance"]["by_profile"]["esrs-e5"] == {"violations": 0, "warnings": 1, "infos": 0}
    v = json.loads((out / "validation.json").read_text(encoding="utf-8"))
    assert v["results"][0]["code"] == "E5-SHARE"
    assert (out / "report.html").stat().st_mode & 0o044 == 0o044  # readable, like any other output file


@pytest.mark.parametrize(("results", "fail_on", "code"), [
    ([VIOLATION], "violation", 1),
    ([WARNING], "violation", 0),
    ([WARNING], "warning", 1),
    ([VIOLATION, WARNING], None, 0),
    ([], "warning", 0),
])
def test_run_fail_on(mini_dir: Path, tmp_path: Path, monkeypatch, results, fail_on, code):
    monkeypatch.setattr(pipeline, "validate", fake_validate(results))
    args = [str(mini_dir), "--out", str(tmp_path / "out")] + (["--fail-on", fail_on] if fail_on else [])
    r = run(args)
    assert r.exit_code == code, r.output
    assert (tmp_path / "out" / "report.html").is_file()  # written even when failing on results


def test_run_bad_input_keeps_previous_outputs(mini_dir: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(pipeline, "validate", fake_validate([]))
    out = tmp_path / "out"
    assert run([str(mini_dir), "--out", str(out)]).exit_code == 0
    before = {n: (out / n).read_bytes() for n in ("report.html", "metrics.json", "validation.json")}
    (mini_dir / "purchases.csv").write_text(
        "id,date,buyer_site,supplier_site,material,quantity,unit\nPO-9,not-a-date,S-PLANT,S-NOPE,M-AL,-1,kg\n",
        encoding="utf-8")
    r = run([str(mini_dir), "--out", str(out)])
    assert r.exit_code == 2
    assert "Traceback" not in r.output and "purchases.csv" in r.stderr
    assert {n: (out / n).read_bytes() for n in before} == before


def test_run_failure_in_a_late_stage_keeps_previous_outputs(mini_dir: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(pipeline, "validate", fake_validate([]))
    out = tmp_path / "out"
    assert run([str(mini_dir), "--out", str(out)]).exit_code == 0
    before = {n: (out / n).read_bytes() for n in ("report.html", "metrics.json", "validation.json")}
    generation = (out / "store" / "current").resolve()
    store_files = sorted(p.relative_to(out) for p in (out / "store").rglob("*"))

    def broken(store, policy=None, settings=None, **_kw):
        raise LoopsourceError("shapes are broken")

    monkeypatch.setattr(pipeline, "validate", broken)
    (mini_dir / "purchases.csv").write_text((mini_dir / "purchases.csv").read_text().replace("PO-3", "PO-9"))
    r = run([str(mini_dir), "--out", str(out)])
    assert r.exit_code == 2 and "shapes are broken" in r.stderr
    assert {n: (out / n).read_bytes() for n in before} == before
    # the previous store is untouched: same generation, same files, no half-built one left
    assert (out / "store" / "current").resolve() == generation
    assert sorted(p.relative_to(out) for p in (out / "store").rglob("*")) == store_files
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp") or p.name.startswith(".store")]


def test_run_missing_data_dir(tmp_path: Path):
    r = run([str(tmp_path / "nope"), "--out", str(tmp_path / "out")])
    assert r.exit_code == 2 and "Traceback" not in r.output


def test_run_with_real_validation(mini_dir: Path, tmp_path: Path):
    pytest.importorskip("loopsource.validate")
    out = tmp_path / "out"
    r = run([str(mini_dir), "--out", str(out)])
    assert r.exit_code == 0, r.output
    m = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    v = json.loads((out / "validation.json").read_text(encoding="utf-8"))
    assert m["compliance"]["conforms"] == v["conforms"]
    assert m["compliance"]["by_profile"]
    for counts in m["compliance"]["by_profile"].values():
        assert {"violations", "warnings"} <= set(counts)
    n_viol = sum(c["violations"] for c in m["compliance"]["by_profile"].values())
    assert n_viol == sum(1 for x in v["results"] if x["severity"] == "violation")


def test_commands_load_lazily_and_all_are_listed() -> None:
    """Each command's module is imported only when it runs, so `loopsource query` does not pay for
    pySHACL or the report code; --help still lists every command, and the name -> module map is
    exactly what the modules define."""
    code = ("import sys; from loopsource.cli import main; from click.testing import CliRunner; "
            "r = CliRunner().invoke(main, ['queries']); assert r.exit_code == 0, r.output; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pyshacl', 'owlrl', 'jinja2', 'rdflib')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"
    from loopsource.cli import _COMMANDS, main

    r = CliRunner().invoke(main, ["--help"])
    assert r.exit_code == 0
    listed = {line.split()[0] for line in r.output.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == set(_COMMANDS)
    for name, module in _COMMANDS.items():
        assert main.commands[name].callback.__module__ == f"loopsource.cli.{module}"


def test_run_out_is_an_existing_file(mini_dir: Path, tmp_path: Path) -> None:
    """--out naming a file: a usage error (exit 2) that says so, and the file is left alone."""
    target = tmp_path / "out"
    target.write_text("not a folder\n", encoding="utf-8")
    r = run([str(mini_dir), "--out", str(target)])
    assert r.exit_code == 2, r.output
    assert f"error: --out {target}: exists and is not a folder" in r.stderr
    assert "Traceback" not in r.output and "internal error" not in r.output
    assert target.read_text(encoding="utf-8") == "not a folder\n"
