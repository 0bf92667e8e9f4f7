"""sales.csv, the per-material columns of bom.csv and products.csv recovery_potential: loaded and
read when valid, reported as FILE:LINE: column when not; and the figures they feed (WBCSD CTI
v4.0, EMF MCI 2019) from the three catalogue queries and metrics.json, against one hand
computation on tests/fixtures/mini extended as below.

Extended mini data (mini: M-AL 2 t recycled 0.3, M-LI 500 kg recycled 0.05, M-PET 100 kg
undeclared; loops 300 kg recycled, 50 kg recovered) plus wood M-WD (class Wood, biological):
PO-4 1,000 kg, recycled 0.1, reused 0.2, FSC certificate, mass balance; PO-5 500 kg virgin, PEFC
but book and claim (does not count); PO-6 250 kg virgin, no certificate. P-BAT (L 10, L_av 8, C_R
0.5, C_U 0, E_C 0.9, E_F 0.8, recovery potential 0.95) is 5 kg M-LI (line: C_R 0.8, E_C 0.5,
recovery potential 0.9), 20 kg M-AL (the product's values) and 2 kg M-WD (line: C_R 0, C_C 0.25,
C_E 0.25, recovery potential 1); sold 100 units in 2024 (50,000 EUR) and 20 in 2025.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from loopsource.analysis.metrics import compute
from loopsource.analysis.snapshot import BomLine, Sale, read_snapshot
from loopsource.cli import main
from loopsource.errors import InputError
from loopsource.load.loader import load_directory
from loopsource.query import bind, resolve

BOM = ("product,material,mass_kg,collection_recycling_share,collection_reuse_share,recycling_efficiency_eol,"
       "recycling_efficiency_feedstock,collection_composting_share,collection_energy_recovery_share,recovery_potential\n"
       "P-BAT,M-LI,5,0.8,,0.5,,,,0.9\nP-BAT,M-AL,20,,,,,,,\nP-BAT,M-WD,2,0,,,,0.25,0.25,1\n")
SALES = "product,year,units,revenue,currency\nP-BAT,2024,100,50000,EUR\nP-BAT,2025,20,,\n"


def _extend(d: Path) -> Path:
    with (d / "materials.csv").open("a", encoding="utf-8") as f:
        f.write("M-WD,Wooden pallets,Wood,\n")
    text = (d / "purchases.csv").read_text(encoding="utf-8").splitlines()
    text[0] += ",chain_of_custody,certificate"
    text[1:] = [t + ",," for t in text[1:]]
    text += ["PO-4,2024-05-02,S-PLANT,S-SUP1,M-WD,1000,kg,,,0.1,0.2,road,mass_balance,FSC:FC-COC-1",
             "PO-5,2024-05-03,S-PLANT,S-SUP1,M-WD,500,kg,,,0,0,road,book_and_claim,PEFC:P-9",
             "PO-6,2024-08-01,S-PLANT,S-SUP1,M-WD,250,kg,,,0,0,road,,"]
    (d / "purchases.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    prod = (d / "products.csv").read_text(encoding="utf-8").splitlines()
    prod[0] += ",recovery_potential"
    prod[1] += ",0.95"
    (d / "products.csv").write_text("\n".join(prod) + "\n", encoding="utf-8")
    (d / "bom.csv").write_text(BOM, encoding="utf-8")
    (d / "sales.csv").write_text(SALES, encoding="utf-8")
    return d


# hand computation (module docstring)
WD = {"mass_kg": 1750.0, "recycled_kg": 100.0, "reused_kg": 200.0, "renewable_kg": 700.0 + 500 + 250,
      "sustainable_renewable_kg": 700.0, "circular_kg": 1000.0, "circular_inflow_share": 1000 / 1750}
CTI_IN = (725 + 200 + 700) / 4350  # recycled 600 + 25 + 100, reused 200, certified renewable 700 of 4,350 kg
UNIT_KG, UNIT_CIRCULAR = 27.0, 5 * 0.9 * 0.8 + 20 * 0.95 * 0.5 + 2 * 1 * 0.25  # 13.6
CTI_OUT = (120 * UNIT_CIRCULAR + 300) / (120 * UNIT_KG + 350)  # 1,932 / 3,590
F_WD = (100 / 1750, 200 / 1750, 700 / 1750)
V = 5 * 0.95 + 20 * 0.7 + 2 * (1 - sum(F_WD))
W0, W_C = 5 * 0.2 + 20 * 0.5 + 2 * 0.5, 5 * 0.5 * 0.8 + 20 * 0.1 * 0.5 + 0
W_F = 5 * 0.2 * 0.05 / 0.8 + 20 * 0.2 * 0.3 / 0.8 + 2 * 0.2 * F_WD[0] / 0.8
W = W0 + (W_F + W_C) / 2
LFI = (V + W) / (2 * 27 + (W_F - W_C) / 2)
MCI = 1 - 0.9 * LFI / (10 / 8)


def approx(x: float) -> object:
    return pytest.approx(x, rel=1e-9, abs=1e-12)


def test_valid_inputs_reach_the_snapshot(mini_dir: Path, build_store) -> None:
    snap = read_snapshot(build_store(_extend(mini_dir), reason=False))
    assert snap.sales == (Sale("P-BAT", 2024, 100.0, 50000.0, "EUR"), Sale("P-BAT", 2025, 20.0, None, None))
    p = snap.products["P-BAT"]
    assert p.recovery_potential == 0.95
    assert p.bom_lines == (BomLine("M-AL", 20.0), BomLine("M-LI", 5.0, 0.8, None, 0.5, None, None, None, 0.9),
                           BomLine("M-WD", 2.0, 0.0, None, None, None, 0.25, 0.25, 1.0))
    assert snap.materials["M-WD"].biological and not snap.materials["M-AL"].biological


@pytest.mark.parametrize("reasoned", [False, True], ids=["asserted-only", "reasoned"])
def test_queries_and_metrics_agree_with_the_hand_computation(mini_dir: Path, build_store, reasoned: bool) -> None:
    """cti-circular-inflow, cti-circular-outflow and mci rows = the module docstring's hand figures
    = metrics.json (compute on the store's snapshot), before and after reasoning."""
    store = build_store(_extend(mini_dir), reason=reasoned)

    def rows(name: str, **params: str) -> list[dict[str, object]]:
        q = resolve(name)
        return store.select(q.text, bind(q, list(params.items()))).values()

    inflow = {r["material"]: r for r in rows("cti-circular-inflow")}
    assert {k: inflow["M-WD"][k] for k in WD} == {k: approx(v) for k, v in WD.items()}
    assert inflow["M-WD"]["sustainable_share"] == approx(0.4)
    assert sum(r["circular_kg"] for r in inflow.values()) / sum(r["mass_kg"] for r in inflow.values()) == approx(CTI_IN)
    out = {(r["stream"], r["year"]): (r.get("units"), r["outflow_kg"], r["circular_kg"])
           for r in rows("cti-circular-outflow")}
    assert out == {("P-BAT", 2024): (approx(100), approx(2700), approx(100 * UNIT_CIRCULAR)),
                   ("P-BAT", 2025): (approx(20), approx(540), approx(20 * UNIT_CIRCULAR)),
                   ("loops", 2024): (None, approx(350), approx(300))}  # no loops in 2025: no row
    (mci_row,) = rows("mci")
    assert {k: mci_row[k] for k in ("M_kg", "V_kg", "W0_kg", "W_C_kg", "W_F_kg", "LFI", "MCI")} == {
        "M_kg": approx(27), "V_kg": approx(V), "W0_kg": approx(W0), "W_C_kg": approx(W_C), "W_F_kg": approx(W_F),
        "LFI": approx(LFI), "MCI": approx(MCI)}
    circ = compute(read_snapshot(store))["circularity"]
    assert circ["cti"]["circular_inflow_share"] == approx(CTI_IN) and circ["cti"]["circular_outflow_share"] == approx(CTI_OUT)
    assert circ["cti"]["circularity_share"] == approx((CTI_IN * 4350 + CTI_OUT * 3590) / 7940)
    assert circ["mci_2019"]["P-BAT"] == approx(MCI)
    assert circ["mci_company"]["value"] == approx(MCI) and circ["mci_company"]["weights"]["P-BAT"]["mass_kg"] == 3240
    assert circ["mci_company"]["revenue_weighted"] is None  # the 2025 sale has no revenue
    assert circ["loop_recovery_share"] == circ["circular_outflow_share"] == approx(300 / 350)


@pytest.mark.parametrize("file, text, column, reason", [
    ("sales.csv", "product,year,units\nP-NONE,2024,5\n", "product", "unknown product 'P-NONE'"),
    ("sales.csv", "product,year,units\nP-BAT,2024.5,5\n", "year", "is not a calendar year"),
    ("sales.csv", "product,year,units\nP-BAT,1800,5\n", "year", "is outside [1,900, 2,200]"),
    ("sales.csv", "product,year,units\nP-BAT,2024,0\n", "units", "must be greater than 0"),
    ("sales.csv", "product,year,units,revenue,currency\nP-BAT,2024,5,100,\n", "currency", "revenue is given without"),
    ("sales.csv", "product,year,units,revenue,currency\nP-BAT,2024,5,100,eur\n", "currency", "not an ISO 4217"),
    ("bom.csv", "product,material,mass_kg,recovery_potential\nP-BAT,M-LI,5,1.2\n", "recovery_potential",
     "outside [0, 1]"),
    ("bom.csv", "product,material,mass_kg,collection_recycling_share,collection_composting_share\nP-BAT,M-LI,5,0.7,0.4\n",
     "collection_composting_share", "collection_recycling_share + collection_composting_share = 1.1 is more than 1"),
    ("products.csv", None, "recovery_potential", "outside [0, 1]"),
])
def test_bad_circularity_inputs_name_line_and_column(mini_dir: Path, file: str, text: str | None, column: str,
                                                     reason: str) -> None:
    if text is None:
        lines = (mini_dir / file).read_text(encoding="utf-8").splitlines()
        text = f"{lines[0]},recovery_potential\n{lines[1]},-0.1\n"
    (mini_dir / file).write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_directory(mini_dir)
    assert [(p.file, p.line, p.column) for p in e.value.problems] == [(file, 2, column)]
    assert reason in e.value.problems[0].reason


def test_duplicate_sale_and_every_problem_at_once_through_the_cli(mini_dir: Path, tmp_path: Path) -> None:
    """Two rows for one product and year, and a bad units cell: both reported, exit 2, no traceback."""
    (mini_dir / "sales.csv").write_text("product,year,units\nP-BAT,2024,5\nP-BAT,2024,6\nP-BAT,2025,x\n",
                                        encoding="utf-8")
    res = CliRunner().invoke(main, ["build", str(mini_dir), "--store", str(tmp_path / "s")])
    assert res.exit_code == 2, res.output
    assert "sales.csv:3: column year: duplicate id 'P-BAT/2024' (first at line 2)" in res.output
    assert "sales.csv:4: column units: 'x' is not a number" in res.output
    assert "Traceback" not in res.output
