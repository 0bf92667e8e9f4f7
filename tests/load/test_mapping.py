"""Mapping files (load/mapping.py, load/source.py): ERP exports read in place of contract files.

The samples in data/samples/<name>/export are written for the purpose, with the same fictional
data as data/samples/<name>/contract; built through data/mappings/<name>.yaml they must give the
same graph as the contract files. Provenance differs on purpose (it names the export file and its
physical line), so it is compared separately.
"""
from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic

from loopsource.errors import InputError
from loopsource.load import load_directory
from loopsource.load.mapping import Conventions, convert_cell, parse_mapping, read_mapping

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "data" / "samples"
MAPPINGS = REPO / "data" / "mappings"
PROV = rdflib.URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")
LS = "https://w3id.org/loopsource/ontology#"
PURCHASE = "https://w3id.org/loopsource/id/purchase/"


def _graph(ntriples: str) -> tuple[rdflib.Graph, rdflib.Graph]:
    """(graph without provenance links, the provenance links)."""
    g = rdflib.Graph().parse(data=ntriples, format="nt")
    prov = rdflib.Graph()
    for t in list(g.triples((None, PROV, None))):
        prov.add(t)
        g.remove(t)
    return g, prov


@pytest.mark.parametrize("name", ["sap-po", "generic-erp"])
def test_sample_export_builds_to_the_contract_graph(name: str) -> None:
    mapped = load_directory(SAMPLES / name / "export", mapping=read_mapping(MAPPINGS / f"{name}.yaml"))
    plain = load_directory(SAMPLES / name / "contract")
    g_mapped, prov_mapped = _graph(mapped.ntriples)
    g_plain, _ = _graph(plain.ntriples)
    assert len(g_plain) > 150
    assert isomorphic(g_mapped, g_plain), sorted(set(g_mapped) ^ set(g_plain))[:10]
    # every mapped entity still links to the file and line it came from
    assert len(prov_mapped) == sum(mapped.rows.values()) == sum(plain.rows.values())


def test_sap_provenance_names_the_export_and_its_physical_line() -> None:
    """EKKO_EKPO.csv: header on line 1; 4500001003 (line 5, LOEKZ L) is skipped, so 4500001007-00010
    is on line 9 of the export, not the 8th record."""
    r = load_directory(SAMPLES / "sap-po" / "export", mapping=read_mapping(MAPPINGS / "sap-po.yaml"))
    assert (f"<{PURCHASE}4500001007-00010> <{PROV}> "
            "<https://w3id.org/loopsource/source/EKKO_EKPO.csv#L9> .") in r.ntriples
    assert "4500001003-00010" not in r.ntriples and "4500001007-00020" not in r.ntriples
    assert any("EKKO_EKPO.csv: 2 row(s) left out by the mapping (LOEKZ in L, S)" in w for w in r.warnings)
    assert not any("ignored" in w for w in r.warnings)  # the exports are not "files outside the contract"


def _mass(ntriples: str, purchase: str) -> Decimal:
    g = rdflib.Graph().parse(data=ntriples, format="nt")
    return Decimal(str(g.value(rdflib.URIRef(PURCHASE + purchase), rdflib.URIRef(LS + "massKg"))))


def test_mapped_quantities_units_and_shares_by_hand() -> None:
    """SAP: '12,500' TO = 12.5 t = 12,500 kg; '800' ST x NTGEW '1,450' = 1,160 kg; '750.000' G =
    750,000 g = 750 kg; '25.000' PC x 0.012 = 300 kg. ZZRECYCL '12,5' (percent) = 0.125, '40 %' = 0.4.
    Generic: '12,000' LBS x 0.45359237 = 5,443.10844 kg; EA with the line's Unit Weight 0.62 x 2,000 =
    1,240 kg, else the item's 0.35 x 18,000 = 6,300 kg."""
    sap = load_directory(SAMPLES / "sap-po" / "export", mapping=read_mapping(MAPPINGS / "sap-po.yaml")).ntriples
    assert _mass(sap, "4500001001-00010") == Decimal("12500")
    assert _mass(sap, "4500001001-00020") == Decimal("1160")
    assert _mass(sap, "4500001004-00010") == Decimal("750")
    assert _mass(sap, "4500001005-00010") == Decimal("300")
    assert f'<{PURCHASE}4500001006-00010> <{LS}recycledShare> "0.125"' in sap
    assert f'<{PURCHASE}4500001007-00010> <{LS}recycledShare> "0.4"' in sap
    gen = load_directory(SAMPLES / "generic-erp" / "export",
                         mapping=read_mapping(MAPPINGS / "generic-erp.yaml")).ntriples
    assert _mass(gen, "PO-7781-1") == Decimal("5443.10844")
    assert _mass(gen, "PO-7790-2") == Decimal("1240")
    assert _mass(gen, "PO-7790-1") == Decimal("6300")


# ----------------------------------------------------------------------------- mapping errors
def _mapping_problems(text: str) -> list[str]:
    with pytest.raises(InputError) as e:
        parse_mapping(text, "mapping.yaml")
    return [str(p) for p in e.value.problems]


def test_every_mapping_error_names_file_line_and_key_all_at_once() -> None:
    text = """\
version: 1
conventions:
  decimal: ";"
  date_fromat: "%d.%m.%Y"
  date_format: "%d.%m"
files:
  purchase:
    file: ../x.csv
columns:
  purchases:
    quantiy: MENGE
    unit: {column: MEINS, value: kg}
    id: {template: "EBELN-EBELP"}
colums: {}
"""
    got = _mapping_problems(text)
    assert got == [
        "mapping.yaml:14: colums: unknown key; did you mean 'columns'?",
        "mapping.yaml:4: conventions.date_fromat: unknown key; did you mean 'date_format'?",
        "mapping.yaml:3: conventions.decimal: ';': the decimal separator is '.' or ','",
        "mapping.yaml:5: conventions.date_format: '%d.%m' is not a strptime date format with day, month and year "
        "(e.g. '%d.%m.%Y' for 02.01.2024, '%Y%m%d' for 20240102, '%m/%d/%Y' for 01/02/2024)",
        "mapping.yaml:7: files.purchase: unknown key; did you mean 'purchases'?",
        "mapping.yaml:11: columns.purchases.quantiy: unknown key; did you mean 'quantity'?",
        "mapping.yaml:12: columns.purchases.unit: give exactly one of column (an export column), template "
        "(e.g. '{EBELN}-{EBELP}') or value (a constant); found column, value",
        "mapping.yaml:13: columns.purchases.id.template: 'EBELN-EBELP' names no export column (write them in "
        "braces: '{EBELN}-{EBELP}')",
    ]


def test_mapping_scalars_are_taken_as_written() -> None:
    """YAML would read 0000100234 as an octal number and 1000 as an integer; a mapping keeps the text."""
    m = parse_mapping("columns:\n  purchases:\n    supplier_site:\n      column: LIFNR\n"
                      "      values: {0000100234: S-A, 1000: S-B, 1.50: S-C}\n", "m.yaml")
    col = m.for_file("purchases.csv").column("supplier_site")
    assert dict(col.values) == {"0000100234": "S-A", "1000": "S-B", "1.50": "S-C"}


@pytest.fixture
def sap_dir(tmp_path: Path) -> Path:
    target = tmp_path / "sap"
    shutil.copytree(SAMPLES / "sap-po" / "export", target)
    return target


def _load_problems(directory: Path, mapping_text: str) -> list[str]:
    mapping = parse_mapping(mapping_text, "mapping.yaml")
    with pytest.raises(InputError) as e:
        load_directory(directory, mapping=mapping)
    return [str(p) for p in e.value.problems]


def test_export_column_missing_from_the_header_is_a_mapping_error(sap_dir: Path) -> None:
    text = (MAPPINGS / "sap-po.yaml").read_text(encoding="utf-8").replace("quantity: MENGE", "quantity: MENG")
    got = _load_problems(sap_dir, text)
    line = next(n for n, ln in enumerate(text.splitlines(), 1) if "quantity: MENG" in ln)
    assert got == [f"mapping.yaml:{line}: columns.purchases.quantity: export column 'MENG' is not in the header "
                   "of EKKO_EKPO.csv (line 1); did you mean 'MENGE'?"]


def test_unmapped_required_column_is_one_mapping_problem_not_one_per_row(sap_dir: Path) -> None:
    text = (MAPPINGS / "sap-po.yaml").read_text(encoding="utf-8").replace("    quantity: MENGE\n", "")
    got = _load_problems(sap_dir, text)
    line = next(n for n, ln in enumerate(text.splitlines(), 1) if ln == "  purchases:" and n > 25)
    assert got == [f"mapping.yaml:{line}: columns.purchases.quantity: not mapped, but purchases.csv needs a value "
                   "in every row (first at EKKO_EKPO.csv:2); map it to a column of EKKO_EKPO.csv, or give a "
                   "constant: quantity: {value: ...}"]


def test_contract_checks_apply_to_mapped_rows_with_the_export_line_and_column(sap_dir: Path) -> None:
    """An unknown vendor passes the code table unchanged and fails the contract's site check on its line."""
    path = sap_dir / "EKKO_EKPO.csv"
    path.write_bytes(path.read_bytes().replace(b"0000300015", b"0000999999"))
    got = _load_problems(sap_dir, (MAPPINGS / "sap-po.yaml").read_text(encoding="utf-8"))
    assert got == ["EKKO_EKPO.csv:7: column supplier_site (LIFNR): unknown site '0000999999'"]


# ----------------------------------------------------------------------------- delimiter, encoding
def test_semicolon_file_is_one_delimiter_problem(mini_dir: Path) -> None:
    path = mini_dir / "purchases.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_directory(mini_dir)
    assert [str(p) for p in e.value.problems] == [
        "purchases.csv:1: the delimiter is ';', not the contract's ',': declare delimiter: ';' for it in a "
        "mapping (--mapping FILE; docs/own-data.md)"]


def test_wrongly_declared_delimiter_names_the_declaration(sap_dir: Path) -> None:
    text = (MAPPINGS / "sap-po.yaml").read_text(encoding="utf-8").replace('delimiter: ";"', 'delimiter: ","')
    got = _load_problems(sap_dir, text)
    line = next(n for n, ln in enumerate(text.splitlines(), 1) if "delimiter:" in ln)
    assert f"MARA.csv:1: the delimiter is ';', but mapping.yaml:{line} (conventions.delimiter) says ','" in got
    assert f"EKKO_EKPO.csv:1: the delimiter is ';', but mapping.yaml:{line} (conventions.delimiter) says ','" in got
    assert len(got) == 2


def test_windows_1252_file_names_line_byte_and_encoding(mini_dir: Path) -> None:
    path = mini_dir / "sites.csv"
    path.write_bytes(path.read_bytes().replace(b"Lyon works", "Lyon Métaux".encode("cp1252")))
    with pytest.raises(InputError) as e:
        load_directory(mini_dir)
    assert [str(p) for p in e.value.problems] == [
        "sites.csv:3: file is not UTF-8 (byte 0xe9); it reads as cp1252 (where 0xe9 is 'é'): declare encoding: "
        "cp1252 for it in a mapping (--mapping FILE; docs/own-data.md) or save it as UTF-8"]
    # declared, it loads (the sample's exports are cp1252 too)
    mapping = parse_mapping("files:\n  sites:\n    conventions: {encoding: cp1252}\n", "m.yaml")
    r = load_directory(mini_dir, mapping=mapping)
    assert '"Lyon Métaux"' in r.ntriples


def test_utf16_file_is_named_as_utf16(mini_dir: Path) -> None:
    path = mini_dir / "fx.csv"
    path.write_bytes("currency,rate\nUSD,0.9\n".encode("utf-16"))
    with pytest.raises(InputError) as e:
        load_directory(mini_dir)
    assert [str(p) for p in e.value.problems] == [
        "fx.csv:1: file is not UTF-8 (byte 0xff); it reads as utf-16: declare encoding: utf-16 for it in a "
        "mapping (--mapping FILE; docs/own-data.md) or save it as UTF-8"]
    r = load_directory(mini_dir, mapping=parse_mapping("files:\n  fx:\n    conventions: {encoding: utf-16}\n", "m"))
    assert r.rows["fx.csv"] == 1


# ----------------------------------------------------------------------------- cells
GERMAN = Conventions(decimal=",", thousands=".", date_format="%d.%m.%Y", percent="percent")
US = Conventions(decimal=".", thousands=",", date_format="%m/%d/%Y", percent="fraction")


@pytest.mark.parametrize(("conv", "column", "raw", "want"), [
    (GERMAN, "quantity", "1.234,56", "1234.56"),
    (GERMAN, "quantity", "1234,5", "1234.5"),
    (GERMAN, "quantity", "-3,5", "-3.5"),
    (GERMAN, "quantity", "25.000", "25000"),
    (GERMAN, "recycled_share", "22", "0.22"),
    (GERMAN, "recycled_share", "22%", "0.22"),
    (GERMAN, "recycled_share", "12,5 %", "0.125"),
    (GERMAN, "date", "02.01.2024", "2024-01-02"),
    (US, "spend", "12,000.50", "12000.50"),
    (US, "recycled_share", "0.22", "0.22"),
    (US, "recycled_share", "22%", "0.22"),
    (US, "date", "01/02/2024", "2024-01-02"),
    (US, "name", "1,234", "1,234"),  # text is never converted
    (Conventions(), "recycled_share", "22%", "0.22"),  # '%' is unambiguous under any convention
])
def test_cells_are_converted_by_the_declared_conventions(conv: Conventions, column: str, raw: str, want: str) -> None:
    assert convert_cell(column, raw, conv) == (want, None)


@pytest.mark.parametrize(("conv", "column", "raw", "reason"), [
    (GERMAN, "quantity", "1,234.56", "'1,234.56' is not a number written with decimal ',', thousands '.'"),
    (GERMAN, "quantity", "1.23", "'1.23' is not a number written with decimal ',', thousands '.'"),
    (GERMAN, "date", "2024-01-02", "'2024-01-02' is not a date in the format %d.%m.%Y (e.g. 02.01.2024"),
])
def test_cells_the_conventions_cannot_read_are_named(conv: Conventions, column: str, raw: str, reason: str) -> None:
    value, problem = convert_cell(column, raw, conv)
    assert value == raw and problem is not None and problem.startswith(reason)


def test_a_cell_the_conventions_reject_is_reported_once_with_its_export_column(sap_dir: Path) -> None:
    path = sap_dir / "EKKO_EKPO.csv"
    path.write_bytes(path.read_bytes().replace(b";2.400,000;KG;", b";2,400.000;KG;"))
    got = _load_problems(sap_dir, (MAPPINGS / "sap-po.yaml").read_text(encoding="utf-8"))
    assert got == ["EKKO_EKPO.csv:4: column quantity (MENGE): '2,400.000' is not a number written with decimal ',', "
                   "thousands '.' (declared in mapping.yaml:15 (conventions.decimal))"]


def test_template_fields_are_plain_column_names(tmp_path: Path) -> None:
    """A column named "PO No." is not an attribute lookup; the contract purchases.csv beside the export
    is not read (and says so)."""
    d = tmp_path / "d"
    shutil.copytree(SAMPLES / "generic-erp" / "export", d)
    shutil.copy(SAMPLES / "generic-erp" / "contract" / "purchases.csv", d / "purchases.csv")
    path = d / "purchase_lines.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("PO Number,", "PO No.,", 1), encoding="utf-8")
    text = (MAPPINGS / "generic-erp.yaml").read_text(encoding="utf-8").replace("{PO Number}", "{PO No.}")
    r = load_directory(d, mapping=parse_mapping(text, "m.yaml"))
    assert f"<{PURCHASE}PO-7781-1> <{PROV}> <https://w3id.org/loopsource/source/purchase_lines.csv#L2> ." in r.ntriples
    assert "purchases.csv: not read: the mapping reads purchases from purchase_lines.csv" in r.warnings
