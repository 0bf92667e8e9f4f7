"""Input contract: every bad-input case is reported as FILE:LINE: column COLUMN: reason, exit 2,
and a failed build leaves the previous store exactly as it was."""
from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from loopsource.cli import main
from loopsource.errors import InputError
from loopsource.load import load_directory
from loopsource.store import EmbeddedStore
from loopsource.rdf.vocab import GRAPHS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _edit(directory: Path, name: str, line: int, column: str, value: str) -> None:
    """Set one cell: line is the physical line number (header = 1)."""
    path = directory / name
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    rows[line - 1][rows[0].index(column)] = value
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def _problems(directory: Path) -> set[tuple[str, int | None, str | None]]:
    with pytest.raises(InputError) as e:
        load_directory(directory)
    return {(p.file, p.line, p.column) for p in e.value.problems}


def _reasons(directory: Path) -> list[str]:
    with pytest.raises(InputError) as e:
        load_directory(directory)
    return [p.reason for p in e.value.problems]


def test_mini_loads_with_counts(mini_dir: Path) -> None:
    r = load_directory(mini_dir)
    assert r.rows == {"organisations.csv": 4, "sites.csv": 4, "materials.csv": 3, "products.csv": 1,
                      "bom.csv": 2, "purchases.csv": 3, "loops.csv": 2}
    assert r.rejected == ()
    # quantities kept as given and normalised to kg: PO-1 is 2 t
    assert ('<https://w3id.org/loopsource/id/purchase/PO-1> <https://w3id.org/loopsource/ontology#massKg> '
            '"2000"^^<http://www.w3.org/2001/XMLSchema#decimal> .') in r.ntriples
    assert ('<https://w3id.org/loopsource/id/purchase/PO-1> <https://w3id.org/loopsource/ontology#unit> '
            '<http://qudt.org/vocab/unit/TONNE> .') in r.ntriples
    # provenance: file and line
    assert ('<https://w3id.org/loopsource/id/purchase/PO-2> <http://www.w3.org/ns/prov#wasDerivedFrom> '
            '<https://w3id.org/loopsource/source/purchases.csv#L3> .') in r.ntriples


@pytest.mark.parametrize(("file", "line", "column", "value", "reason_part"), [
    ("organisations.csv", 3, "role", "suplier", "did you mean 'supplier'"),
    ("organisations.csv", 2, "country", "XX", "unknown country"),
    ("sites.csv", 2, "kind", "plnt", "did you mean 'plant'"),
    ("sites.csv", 3, "organisation", "ORG-NOPE", "unknown organisation"),
    ("sites.csv", 2, "lat", "91", "outside"),
    ("sites.csv", 2, "lon", "-181", "outside"),
    ("materials.csv", 2, "class", "Lithum", "did you mean 'Lithium'"),
    ("bom.csv", 2, "product", "P-NOPE", "unknown product"),
    ("bom.csv", 3, "material", "M-NOPE", "unknown material"),
    ("purchases.csv", 2, "unit", "kgs", "did you mean 'kg'"),
    ("purchases.csv", 2, "supplier_site", "S-NOPE", "unknown site"),
    ("purchases.csv", 3, "quantity", "0", "greater than 0"),
    ("purchases.csv", 3, "quantity", "-5", "greater than 0"),
    ("purchases.csv", 3, "quantity", "12,5", "not a number"),
    ("purchases.csv", 2, "date", "2024-13-01", "not an ISO 8601 date"),
    ("purchases.csv", 2, "recycled_share", "30", "outside [0, 1]"),
    ("purchases.csv", 2, "reused_share", "0.8", "more than 1"),
    ("purchases.csv", 2, "transport_mode", "truck", "unknown transport mode"),
    ("loops.csv", 2, "strategy", "recycling", "did you mean 'recycle'"),
    ("loops.csv", 3, "from_site", "S-NOPE", "unknown site"),
])
def test_bad_cell_is_reported_with_file_line_column(mini_dir: Path, file: str, line: int, column: str,
                                                      value: str, reason_part: str) -> None:
    _edit(mini_dir, file, line, column, value)
    with pytest.raises(InputError) as e:
        load_directory(mini_dir)
    mine = [p for p in e.value.problems if (p.file, p.line, p.column) == (file, line, column)]
    assert mine, [str(p) for p in e.value.problems]
    assert reason_part in mine[0].reason
    assert str(mine[0]).startswith(f"{file}:{line}: column {column}:")


def test_duplicate_id(mini_dir: Path) -> None:
    _edit(mini_dir, "purchases.csv", 3, "id", "PO-1")
    assert ("purchases.csv", 3, "id") in _problems(mini_dir)
    assert any("duplicate id 'PO-1' (first at line 2)" in r for r in _reasons(mini_dir))


def test_missing_file_and_missing_column(mini_dir: Path) -> None:
    (mini_dir / "materials.csv").unlink()
    text = (mini_dir / "sites.csv").read_text().replace("kind", "knd", 1)
    (mini_dir / "sites.csv").write_text(text)
    problems = _problems(mini_dir)
    assert ("materials.csv", None, None) in problems
    assert ("sites.csv", 1, "kind") in problems


def test_not_utf8_names_the_line(mini_dir: Path) -> None:
    data = (mini_dir / "materials.csv").read_bytes().replace("Aluminium sheet".encode(), "Aluminium fe\xfcille".encode("latin-1"))
    (mini_dir / "materials.csv").write_bytes(data)
    problems = _problems(mini_dir)
    assert ("materials.csv", 3, None) in problems
    assert any("not UTF-8" in r for r in _reasons(mini_dir))


def test_every_problem_at_once(mini_dir: Path) -> None:
    _edit(mini_dir, "purchases.csv", 2, "unit", "kgs")
    _edit(mini_dir, "purchases.csv", 3, "date", "yesterday")
    _edit(mini_dir, "sites.csv", 4, "lat", "abc")
    assert {("purchases.csv", 2, "unit"), ("purchases.csv", 3, "date"), ("sites.csv", 4, "lat")} <= _problems(mini_dir)


def test_extra_columns_and_files_are_reported_as_ignored(mini_dir: Path) -> None:
    text = (mini_dir / "materials.csv").read_text().splitlines()
    text = [text[0] + ",colour"] + [t + ",red" for t in text[1:]]
    (mini_dir / "materials.csv").write_text("\n".join(text) + "\n")
    (mini_dir / "notes.csv").write_text("a,b\n1,2\n")
    r = load_directory(mini_dir)
    assert any("materials.csv" in w and "colour" in w for w in r.warnings)
    assert any("notes.csv" in w for w in r.warnings)


def test_user_rdf_is_loaded_and_bad_rdf_reported(mini_dir: Path, build_store) -> None:
    (mini_dir / "extra.ttl").write_text(
        "@prefix ls: <https://w3id.org/loopsource/ontology#> .\n"
        "<https://w3id.org/loopsource/id/site/S-SUP1> ls:note \"certified ISO 14001\" .\n")
    store = build_store(mini_dir, reason=False)
    assert store.ask('ASK { GRAPH <%s> { ?s ls:note "certified ISO 14001" } }' % GRAPHS.asserted)
    (mini_dir / "broken.ttl").write_text("@prefix ls: <x#> .\n\nls:a ls:b .\n")
    assert {p[0] for p in _problems(mini_dir)} == {"broken.ttl"}


def _store_digest(root: Path) -> str:
    store = EmbeddedStore(root)
    nq = store.export(None, __import__("pyoxigraph").RdfFormat.N_QUADS)
    store.close()
    return hashlib.sha256(b"".join(sorted(nq.splitlines()))).hexdigest()


def test_cli_bad_input_exit_2_and_store_unchanged(mini_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    root = tmp_path / "store"
    ok = runner.invoke(main, ["build", str(mini_dir), "--store", str(root)])
    assert ok.exit_code == 0, ok.output
    before = _store_digest(root)
    generation = (root / "current").resolve()
    _edit(mini_dir, "purchases.csv", 2, "quantity", "-1")
    _edit(mini_dir, "purchases.csv", 3, "material", "M-NOPE")
    bad = runner.invoke(main, ["build", str(mini_dir), "--store", str(root)])
    assert bad.exit_code == 2
    assert "purchases.csv:2: column quantity:" in bad.output
    assert "purchases.csv:3: column material: unknown material 'M-NOPE'" in bad.output
    assert "Traceback" not in bad.output
    assert (root / "current").resolve() == generation
    assert _store_digest(root) == before


def test_skip_invalid_builds_valid_rows_and_writes_rejected(mini_dir: Path, tmp_path: Path) -> None:
    _edit(mini_dir, "sites.csv", 3, "kind", "factory")  # S-SUP1: its purchases PO-1, PO-3 go too
    root = tmp_path / "store"
    res = CliRunner().invoke(main, ["build", str(mini_dir), "--store", str(root), "--skip-invalid"])
    assert res.exit_code == 0, res.output
    rejected = root.with_name("store.rejected.csv")
    rows = list(csv.DictReader(rejected.open(encoding="utf-8")))
    got = {(r["file"], r["line"], r["column"]) for r in rows}
    assert got == {("sites.csv", "3", "kind"), ("purchases.csv", "2", "supplier_site"),
                   ("purchases.csv", "4", "supplier_site")}
    store = EmbeddedStore(root)
    ids = {r["id"] for r in store.select("SELECT ?id WHERE { ?p a ls:Purchase ; ls:id ?id }").values()}
    assert ids == {"PO-2"}
    # every input row is accounted for: built or rejected
    assert res.output.count("rejected") >= 1


def test_fixture_dir_is_untouched() -> None:
    assert (FIXTURES / "mini" / "purchases.csv").read_text().count("\n") == 4


def test_build_from_another_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(FIXTURES / "mini", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["build", "data"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / ".loopsource" / "current").exists()


def test_user_jsonld_and_nt_are_loaded_and_remote_contexts_are_not_fetched(mini_dir: Path, build_store) -> None:
    (mini_dir / "cert.jsonld").write_text(
        '{"@id": "https://w3id.org/loopsource/id/site/S-SUP1", '
        '"https://schema.org/hasCertification": {"@id": "https://example.org/cert/ISO14001"}}')
    (mini_dir / "extra.nt").write_text(
        '<https://example.org/cert/ISO14001> <https://schema.org/name> "ISO 14001" .\n')
    store = build_store(mini_dir, reason=False)
    assert store.ask('ASK { <https://w3id.org/loopsource/id/site/S-SUP1> schema:hasCertification ?c . '
                     '?c schema:name "ISO 14001" }')
    (mini_dir / "remote.jsonld").write_text('{"@context": "http://127.0.0.1:9/context.jsonld", "@id": "urn:x", "p": 1}')
    problems = _problems(mini_dir)
    assert {p[0] for p in problems} == {"remote.jsonld"}
