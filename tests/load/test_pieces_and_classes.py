"""Piece units (unit pc with unit_mass_kg), material classes by label or synonym, and comment lines
before the header (the templates of `loopsource init`)."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import rdflib

from loopsource.errors import InputError
from loopsource.load import load_directory
from loopsource.load.classes import class_index
from loopsource.load.contract import CONTRACT
from loopsource.load.templates import column_help, templates

from ..builders import material_row, org_row, purchase_row, site_row, write_csvs

LS = "https://w3id.org/loopsource/ontology#"


def _data(tmp_path: Path, materials: list[dict], purchases: list[dict], loops: str | None = None) -> Path:
    files: dict = {
        "organisations.csv": [org_row("O-B", role="buyer"), org_row("O-S")],
        "sites.csv": [site_row("S-PLANT", organisation="O-B", kind="plant"), site_row("S-SUP", organisation="O-S")],
        "materials.csv": materials,
        "purchases.csv": purchases,
    }
    if loops is not None:
        files["loops.csv"] = loops
    return write_csvs(tmp_path / "data", files)


def _value(ntriples: str, kind: str, id_: str, prop: str) -> object:
    g = rdflib.Graph().parse(data=ntriples, format="nt")
    v = g.value(rdflib.URIRef(f"https://w3id.org/loopsource/id/{kind}/{id_}"), rdflib.URIRef(LS + prop))
    return Decimal(str(v)) if isinstance(v, rdflib.Literal) else v


def test_pieces_convert_with_the_material_or_the_line_unit_mass(tmp_path: Path) -> None:
    """P-1: 400 pc x 0.25 kg (material) = 100 kg; P-2: 10 pc x 1.5 kg (its own unit_mass_kg) = 15 kg;
    P-3: 2 t = 2,000 kg (a mass unit ignores the material's unit mass)."""
    d = _data(tmp_path, [material_row("M-BOX", cls="Cardboard", unit_mass_kg="0.25")], [
        purchase_row("P-1", supplier_site="S-SUP", material="M-BOX", quantity=400, unit="pc", unit_mass_kg=""),
        purchase_row("P-2", supplier_site="S-SUP", material="M-BOX", quantity=10, unit="pc", unit_mass_kg="1.5"),
        purchase_row("P-3", supplier_site="S-SUP", material="M-BOX", quantity=2, unit="t", unit_mass_kg=""),
    ])
    nt = load_directory(d).ntriples
    assert _value(nt, "purchase", "P-1", "massKg") == Decimal(100)
    assert _value(nt, "purchase", "P-2", "massKg") == Decimal(15)
    assert _value(nt, "purchase", "P-3", "massKg") == Decimal(2000)
    assert str(_value(nt, "purchase", "P-1", "unit")) == "http://qudt.org/vocab/unit/NUM"
    assert _value(nt, "purchase", "P-1", "quantity") == Decimal(400)
    assert _value(nt, "material", "M-BOX", "unitMassKg") == Decimal("0.25")
    assert _value(nt, "purchase", "P-2", "unitMassKg") == Decimal("1.5")


def test_pieces_without_a_unit_mass_are_an_error_naming_row_and_column(tmp_path: Path) -> None:
    d = _data(tmp_path, [material_row("M-BOLT")], [
        purchase_row("P-1", supplier_site="S-SUP", material="M-BOLT", quantity=5, unit="kg", unit_mass_kg=""),
        purchase_row("P-2", supplier_site="S-SUP", material="M-BOLT", quantity=50, unit="pc", unit_mass_kg=""),
    ], loops="id,date,from_site,to_site,material,strategy,quantity,unit\nL-1,2024-05-01,S-PLANT,S-SUP,M-BOLT,reuse,3,pc\n")
    with pytest.raises(InputError) as e:
        load_directory(d)
    assert [str(p) for p in e.value.problems] == [
        "purchases.csv:3: column unit_mass_kg: a quantity in pieces (pc) needs the mass of one piece: give "
        "unit_mass_kg on this line or on material 'M-BOLT' in materials.csv",
        "loops.csv:2: column unit: a quantity in pieces (pc) needs the mass of one piece: give unit_mass_kg on "
        "material 'M-BOLT' in materials.csv",
    ]


@pytest.mark.parametrize("value", ["0", "-1", "abc"])
def test_unit_mass_is_checked_like_any_number(tmp_path: Path, value: str) -> None:
    d = _data(tmp_path, [material_row("M-1", unit_mass_kg=value)],
              [purchase_row("P-1", supplier_site="S-SUP", material="M-1", quantity=1)])
    with pytest.raises(InputError) as e:
        load_directory(d)
    assert [(p.file, p.line, p.column) for p in e.value.problems] == [("materials.csv", 2, "unit_mass_kg")]


@pytest.mark.parametrize(("written", "cls"), [
    ("Polyethylene terephthalate", "PET"), ("pet", "PET"), ("PETE", "PET"), ("aluminum", "Aluminium"),
    ("Stainless Steel", "StainlessSteel"), ("nylon", "Polyamide"), ("LiOH·H2O", "LithiumHydroxideMonohydrate"),
    ("lithium carbonate (Li2CO3)", "LithiumCarbonate"), ("corrugated board", "Cardboard"), ("Steel", "Steel"),
])
def test_material_class_by_label_or_synonym(tmp_path: Path, written: str, cls: str) -> None:
    d = _data(tmp_path, [material_row("M-1", cls=written)],
              [purchase_row("P-1", supplier_site="S-SUP", material="M-1", quantity=1)])
    g = rdflib.Graph().parse(data=load_directory(d).ntriples, format="nt")
    types = set(g.objects(rdflib.URIRef("https://w3id.org/loopsource/id/material/M-1"), rdflib.RDF.type))
    assert types == {rdflib.URIRef(LS + cls)}


@pytest.mark.parametrize(("written", "reason"), [
    ("polyethylene", "material class 'polyethylene' is ambiguous: it names HDPE (high-density polyethylene (HDPE)), "
                     "LDPE (low-density polyethylene (LDPE)); write one of these names"),
    ("rare earths", "material class 'rare earths' is ambiguous: it names HeavyRareEarthElements (heavy rare earth "
                    "elements), LightRareEarthElements (light rare earth elements); write one of these names"),
    ("Lithum", "unknown material class 'Lithum'; did you mean 'Lithium'? ('loopsource classes' lists names, labels "
               "and synonyms)"),
])
def test_ambiguous_or_unknown_class_is_refused(tmp_path: Path, written: str, reason: str) -> None:
    d = _data(tmp_path, [material_row("M-1", cls=written)],
              [purchase_row("P-1", supplier_site="S-SUP", material="M-1", quantity=1)])
    with pytest.raises(InputError) as e:
        load_directory(d)
    assert [str(p) for p in e.value.problems] == [f"materials.csv:2: column class: {reason}"]


def test_a_class_name_wins_over_another_class_synonym() -> None:
    """Each class's own name resolves to itself, whatever synonyms other classes carry."""
    ix = class_index()
    for c in ix.classes:
        assert ix.resolve(c.name) == (c.iri, None)


def test_comment_lines_before_the_header_are_skipped_and_lines_keep_their_numbers(mini_dir: Path) -> None:
    path = mini_dir / "purchases.csv"
    text = path.read_text(encoding="utf-8").replace("PO-3,", "#PO-3,")  # a '#' inside the records is data
    path.write_text("# a comment\n# another: id, date, ...\n" + text, encoding="utf-8")
    r = load_directory(mini_dir)
    assert ("<https://w3id.org/loopsource/id/purchase/PO-2> <http://www.w3.org/ns/prov#wasDerivedFrom> "
            "<https://w3id.org/loopsource/source/purchases.csv#L5> .") in r.ntriples
    assert "<https://w3id.org/loopsource/id/purchase/%23PO-3>" in r.ntriples


def test_templates_document_every_column_and_load_as_they_are(tmp_path: Path) -> None:
    """Every contract column has a description; the blank templates fail only for having no records."""
    for spec in CONTRACT:
        for column in spec.columns + spec.optional_columns:
            assert column_help(spec.name, column)
    d = tmp_path / "blank"
    d.mkdir()
    for name, text in templates().items():
        (d / name).write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_directory(d)
    assert sorted(str(p) for p in e.value.problems) == sorted(
        f"{name}: the file has a header but no records; a required file needs at least one"
        for name in ("organisations.csv", "sites.csv", "materials.csv", "purchases.csv"))
