"""Optional resource-flow columns (load/flows.py): materials.csv cycle and hazardous, loops.csv
hazardous, and the disposal strategies incinerate / landfill / other_disposal. Loaded into the
graph and the snapshot when valid; reported as FILE:LINE: column, every problem at once, when not."""
from __future__ import annotations

from pathlib import Path

import pytest

from loopsource.analysis.snapshot import read_snapshot
from loopsource.errors import InputError
from loopsource.load.contract import columns
from loopsource.load.loader import load_directory
from loopsource.rdf.resource_flows import class_cycles

MATERIALS = "id,name,class,grade,cycle,hazardous\n"
LOOPS = "id,date,from_site,to_site,material,strategy,quantity,unit,hazardous\n"


def _write(mini_dir: Path, materials: list[str], loops: list[str]) -> None:
    (mini_dir / "materials.csv").write_text(MATERIALS + "".join(r + "\n" for r in materials), encoding="utf-8")
    (mini_dir / "loops.csv").write_text(LOOPS + "".join(r + "\n" for r in loops), encoding="utf-8")


GOOD_MATERIALS = ["M-LI,Lithium carbonate,LithiumCarbonate,battery,,true",
                  "M-AL,Aluminium sheet,Aluminium,,technical,false",
                  "M-PET,PET granulate,PET,,,",
                  "M-ADH,Bio-based adhesive,Chemical,,biological,true"]


def test_columns_are_in_the_contract() -> None:
    assert columns("materials.csv")[-2:] == ("cycle", "hazardous")
    assert columns("loops.csv")[-1] == "hazardous"


def test_class_cycles_follow_the_taxonomy() -> None:
    """Paper, Cardboard (a Paper), Wood, Cotton are biological; metals, plastics and every critical
    raw material (including grade classes) technical; Chemical, Rubber, Textile left open."""
    c = class_cycles()
    assert {k for k, v in c.items() if v == "biological"} == {"BiologicalMaterial", "Paper", "Cardboard", "Wood",
                                                               "Cotton"}
    assert {k for k, v in c.items() if v is None} == {"Material", "FibreMaterial", "Textile", "Rubber", "Chemical"}
    assert c["BatteryGradeLithium"] == c["LithiumCarbonate"] == c["PET"] == "technical"


def test_valid_columns_reach_the_graph_and_snapshot(mini_dir: Path, build_store) -> None:
    _write(mini_dir, GOOD_MATERIALS, ["L-1,2024-06-01,S-PLANT,S-REC,M-AL,landfill,300,kg,true",
                                      "L-2,2024-07-01,S-PLANT,S-REC,M-PET,incinerate,50,kg,",
                                      "L-3,2024-07-02,S-PLANT,S-REC,M-PET,other_disposal,5,kg,false"])
    store = build_store(mini_dir, reason=False)
    snap = read_snapshot(store)
    assert {m.id: (m.cycle, m.hazardous) for m in snap.materials.values()} == {
        "M-LI": ("technical", True), "M-AL": ("technical", False), "M-PET": ("technical", None),
        "M-ADH": ("biological", True)}
    # the cycle type never names the material class (the class column does, on every store)
    assert snap.materials["M-ADH"].material_class == "Chemical"
    assert {lp.id: (lp.strategy, lp.hazardous) for lp in snap.loops} == {
        "L-1": ("landfill", True), "L-2": ("incinerate", None), "L-3": ("other_disposal", False)}
    ask = "ASK { <https://w3id.org/loopsource/id/material/M-ADH> a <https://w3id.org/loopsource/ontology#BiologicalMaterial> }"
    assert store.ask(ask)


@pytest.mark.parametrize("material, loop, problems", [
    ("M-P,Label paper,Paper,,technical,", None, {("materials.csv", 6, "cycle", "class Paper is a biological material")}),
    ("M-P,Label paper,Paper,,renewable,", None, {("materials.csv", 6, "cycle", "unknown material cycle 'renewable'")}),
    ("M-P,Label paper,Paper,,,yes", None, {("materials.csv", 6, "hazardous", "unknown boolean")}),
    (None, "L-9,2024-06-01,S-PLANT,S-REC,M-AL,landfil,1,kg,maybe",
     {("loops.csv", 2, "strategy", "did you mean 'landfill'"), ("loops.csv", 2, "hazardous", "unknown boolean")}),
])
def test_bad_values_name_file_line_and_column(mini_dir: Path, material: str | None, loop: str | None,
                                              problems: set[tuple[str, int, str, str]]) -> None:
    _write(mini_dir, GOOD_MATERIALS + ([material] if material else []),
           [loop] if loop else ["L-1,2024-06-01,S-PLANT,S-REC,M-AL,recycle,300,kg,"])
    with pytest.raises(InputError) as e:
        load_directory(mini_dir)
    got = {(p.file, p.line, p.column) for p in e.value.problems}
    assert got == {(f, n, c) for f, n, c, _ in problems}
    for f, n, c, reason in problems:
        assert any(reason in p.reason for p in e.value.problems if (p.file, p.line, p.column) == (f, n, c)), reason


def test_dispose_stays_valid_with_its_meaning(mini_dir: Path, build_store) -> None:
    """'dispose' (landfill or incineration, not said which) still loads; it is an R-ladder
    NonCircularStrategy like the three disposal treatments, whose broader concept it is."""
    _write(mini_dir, GOOD_MATERIALS, ["L-1,2024-06-01,S-PLANT,S-REC,M-AL,dispose,300,kg,"])
    store = build_store(mini_dir)
    q = """PREFIX ls: <https://w3id.org/loopsource/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
           SELECT ?v WHERE { ?s skos:broader ls:Dispose ; ls:csvValue ?v ; a ls:NonCircularStrategy }"""
    assert {r["v"] for r in store.select(q).values()} == {"incinerate", "landfill", "other_disposal"}
    loops = "SELECT ?l WHERE { ?l a <https://w3id.org/loopsource/ontology#NonCircularLoop> }"
    assert len(store.select(loops).values()) == 1
