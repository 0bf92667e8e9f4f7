"""`loopsource init`, `loopsource classes`, and `--mapping` on build and run, through the command line."""
from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from loopsource.cli import main
from loopsource.load.contract import CONTRACT

REPO = Path(__file__).resolve().parents[2]
SAP = REPO / "data" / "samples" / "sap-po" / "export"
SAP_MAPPING = REPO / "data" / "mappings" / "sap-po.yaml"


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_init_writes_every_template_and_the_mapping(tmp_path: Path) -> None:
    target = tmp_path / "mydata"
    r = _run("init", str(target))
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in target.iterdir())
    assert names == sorted([s.name for s in CONTRACT] + ["mapping.yaml"])
    text = (target / "purchases.csv").read_text(encoding="utf-8")
    comments = [ln for ln in text.splitlines() if ln.startswith("#")]
    header = text.splitlines()[len(comments)]
    assert header.split(",")[:3] == ["id", "date", "buyer_site"]
    for column in header.split(","):  # one comment per column
        assert any(ln.startswith(f"#   {column} ") for ln in comments), column
    # the blank templates are read as they are: only "no records" is wrong with them
    r = _run("build", str(target), "--store", str(tmp_path / "store"))
    assert r.exit_code == 2
    assert "4 problems found" in r.output and r.output.count("has a header but no records") == 4
    # and the commented mapping, as written, maps nothing
    r = _run("build", str(target), "--mapping", str(target / "mapping.yaml"), "--store", str(tmp_path / "store"))
    assert r.exit_code == 2 and "4 problems found" in r.output


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "mydata"
    target.mkdir()
    (target / "sites.csv").write_text("mine\n", encoding="utf-8")
    r = _run("init", str(target))
    assert r.exit_code == 2
    assert f"error: {target / 'sites.csv'}: already exists; loopsource init never overwrites a file" in r.output
    assert sorted(p.name for p in target.iterdir()) == ["sites.csv"]
    assert (target / "sites.csv").read_text(encoding="utf-8") == "mine\n"


def test_classes_table_csv_and_json() -> None:
    r = _run("classes")
    assert r.exit_code == 0
    lines = r.output.splitlines()
    assert lines[0].split() == ["class", "label", "synonyms"]
    pet = next(ln for ln in lines if ln.startswith("PET "))
    assert "polyethylene terephthalate (PET)" in pet and "PETE" in pet
    rows = list(csv.DictReader(io.StringIO(_run("classes", "--format", "csv").output)))
    by_class = {row["class"]: row for row in rows}
    assert by_class["Polyamide"]["synonyms"] == "nylon; PA6; PA66"
    assert by_class["StainlessSteel"]["parents"] == "Steel"
    data = json.loads(_run("classes", "--format", "json").output)
    assert len(data) == len(rows) > 70
    alu = next(d for d in data if d["class"] == "Aluminium")
    assert alu["iri"] == "https://w3id.org/loopsource/ontology#Aluminium"
    assert "aluminum" in alu["synonyms"]


def test_build_with_a_mapping(tmp_path: Path) -> None:
    r = _run("build", str(SAP), "--mapping", str(SAP_MAPPING), "--store", str(tmp_path / "store"))
    assert r.exit_code == 0, r.output
    assert "EKKO_EKPO.csv              7 rows" in r.output
    assert "MARA.csv                   6 rows" in r.output
    assert "warning: EKKO_EKPO.csv: 2 row(s) left out by the mapping (LOEKZ in L, S)" in r.output


def test_build_with_a_bad_mapping_exits_2_naming_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text("version: 1\ncolumns:\n  purchases:\n    quantity: {colum: MENGE}\n", encoding="utf-8")
    r = _run("build", str(SAP), "--mapping", str(bad), "--store", str(tmp_path / "store"))
    assert r.exit_code == 2
    assert f"error: {bad}:4: columns.purchases.quantity.colum: unknown key; did you mean 'column'?" in r.output
    assert "Traceback" not in r.output and not (tmp_path / "store").exists()


def test_build_without_the_mapping_names_the_delimiter(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(REPO / "tests" / "fixtures" / "mini", data)
    text = (data / "sites.csv").read_text(encoding="utf-8")
    (data / "sites.csv").write_text(text.replace(",", ";"), encoding="utf-8")
    r = _run("build", str(data), "--store", str(tmp_path / "store"))
    assert r.exit_code == 2
    assert "error: sites.csv:1: the delimiter is ';', not the contract's ','" in r.output
    assert "1 problem found" in r.output


def test_run_with_a_mapping_and_a_missing_mapping_file(tmp_path: Path) -> None:
    """Circular inflow of the SAP sample by hand (mass x recycled share, kg): aluminium 12,500 x 0.35 =
    4,375; housings 800 pc x 1.45 = 1,160 x 0.5 = 580; copper 2,400 x 0 (undeclared); PET 750 x 1 = 750;
    screws 25,000 pc x 0.012 = 300 x 0; lithium carbonate 5,000 x 0.125 = 625; aluminium 8,000 x 0.4 =
    3,200. 9,530 / 30,110 kg = 0.31651."""
    r = _run("run", str(SAP), "--mapping", str(SAP_MAPPING), "--out", str(tmp_path / "out"))
    assert r.exit_code == 0, r.output
    assert "circular inflow 31.7 %" in r.output
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text(encoding="utf-8"))
    assert abs(metrics["circularity"]["circular_inflow_share"] - 9530 / 30110) < 1e-9
    r = _run("run", str(SAP), "--mapping", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "out2"))
    assert r.exit_code == 2
    assert f"{tmp_path / 'nope.yaml'}" in r.output and not (tmp_path / "out2").exists()
