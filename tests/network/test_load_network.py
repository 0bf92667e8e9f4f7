"""The network-design files of the input contract: markets.csv, hubs.csv, plant_products.csv and
the products.csv plant column, valid and invalid rows (FILE:LINE: column COLUMN: reason)."""
from __future__ import annotations

from pathlib import Path

import pytest

from loopsource.analysis.snapshot import snapshot_from_triples
from loopsource.errors import InputError
from loopsource.load import load_directory
from loopsource.rdf.terms import parse_ntriples

from .conftest import network_files

from ..builders import write_csvs

LS = "https://w3id.org/loopsource/ontology#"
ID = "https://w3id.org/loopsource/id/"


def test_valid_files_load_as_triples(network_dir: Path) -> None:
    r = load_directory(network_dir)
    assert r.rows["markets.csv"] == 2 and r.rows["hubs.csv"] == 2 and r.rows["plant_products.csv"] == 2
    nt = r.ntriples
    assert f"<{ID}market/K1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{LS}Market> ." in nt
    assert f"<{ID}market/K1> <{LS}inCountry> <https://w3id.org/loopsource/region/FR> ." in nt
    assert f'<{ID}market/K2> <{LS}unitsPerYear> "200"^^<http://www.w3.org/2001/XMLSchema#decimal> .' in nt
    assert f"<{ID}hub/H1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{LS}SourcingHub> ." in nt
    assert f"<{ID}hub/H2> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{LS}DistributionHub> ." in nt
    assert f"<{ID}hub/H1> <{LS}throughputCapacityKg>" not in nt  # empty capacity: unlimited, no triple
    assert f"<{ID}plantproduct/PL-A/P1> <{LS}capacityUnitsPerYear> " \
           '"1000"^^<http://www.w3.org/2001/XMLSchema#decimal> .' in nt
    assert f"<{ID}plantproduct/PL-B/P1> <{LS}capacityUnitsPerYear>" not in nt
    assert f"<{ID}market/K1> <http://www.w3.org/ns/prov#wasDerivedFrom> " \
           "<https://w3id.org/loopsource/source/markets.csv#L2> ." in nt


def test_snapshot_reads_the_network_records(network_store: Path) -> None:
    from loopsource.analysis.snapshot import read_snapshot
    from loopsource.store import open_store

    snap = read_snapshot(open_store(network_store, None, None, read_only=True))
    assert [(m.id, m.country, m.region, m.product, m.units_per_year) for m in snap.markets] == [
        ("K1", "FR", "150", "P1", 100.0), ("K2", "PL", "150", "P1", 200.0)]
    assert [(h.id, h.kind, h.fixed_cost_per_year, h.currency, h.capacity_kg) for h in snap.hubs] == [
        ("H1", "sourcing_hub", 10.0, "EUR", None), ("H2", "distribution_hub", 5.0, "EUR", None)]
    assert [(p.plant, p.product, p.capacity_units_per_year) for p in snap.plant_products] == [
        ("PL-A", "P1", 1000.0), ("PL-B", "P1", None)]


def test_products_plant_column(tmp_path: Path) -> None:
    """products.csv plant: <product> ls:madeAt <site>, read back as Product.plant."""
    files = network_files()
    files["products.csv"][0]["plant"] = "PL-B"
    r = load_directory(write_csvs(tmp_path / "d", files))
    assert f"<{ID}product/P1> <{LS}madeAt> <{ID}site/PL-B> ." in r.ntriples
    snap = snapshot_from_triples([], parse_ntriples(r.ntriples))
    assert snap.products["P1"].plant == "PL-B"


@pytest.mark.parametrize("file,row,column,value,reason", [
    ("markets.csv", 0, "lat", "", "value is required"),
    ("markets.csv", 0, "lon", "200", "outside [-180, 180]"),
    ("markets.csv", 1, "product", "P9", "unknown product 'P9'"),
    ("markets.csv", 1, "units_per_year", "0", "must be greater than 0"),
    ("markets.csv", 0, "country", "XX", "unknown country code"),
    ("markets.csv", 1, "id", "K1", "duplicate id 'K1' (first at line 2)"),
    ("hubs.csv", 0, "kind", "sourcing", "unknown hub kind 'sourcing'; did you mean 'sourcing_hub'?"),
    ("hubs.csv", 1, "fixed_cost_per_year", "-5", "must not be negative"),
    ("hubs.csv", 1, "currency", "euro", "is not an ISO 4217 code"),
    ("hubs.csv", 0, "capacity_kg", "0", "must be greater than 0"),
    ("plant_products.csv", 0, "plant", "S1", "site 'S1' is a supplier_site, not a plant"),
    ("plant_products.csv", 1, "plant", "PL-Z", "unknown site 'PL-Z'"),
    ("plant_products.csv", 1, "capacity_units_per_year", "many", "'many' is not a number"),
    ("plant_products.csv", 1, "product", "P2", "unknown product 'P2'"),
    ("products.csv", 0, "plant", "S2", "site 'S2' is a supplier_site, not a plant"),
])
def test_invalid_rows(tmp_path: Path, file: str, row: int, column: str, value: str, reason: str) -> None:
    files = network_files()
    files[file][row][column] = value
    with pytest.raises(InputError) as e:
        load_directory(write_csvs(tmp_path / "bad", files))
    found = [(p.file, p.line, p.column, p.reason) for p in e.value.problems]
    assert any(f == file and line == row + 2 and col == column and reason in why for f, line, col, why in found), found
    assert any(str(p).startswith(f"{file}:{row + 2}: column {column}: ") for p in e.value.problems)


def test_duplicate_plant_product_and_missing_column(tmp_path: Path) -> None:
    files = network_files()
    files["plant_products.csv"].append(dict(files["plant_products.csv"][0]))
    for m in files["markets.csv"]:
        del m["units_per_year"]
    with pytest.raises(InputError) as e:
        load_directory(write_csvs(tmp_path / "bad", files))
    got = {(p.file, p.line, p.column) for p in e.value.problems}
    assert ("plant_products.csv", 4, "product") in got  # the pair PL-A/P1 again
    assert ("markets.csv", 1, "units_per_year") in got  # missing column, in the header line
