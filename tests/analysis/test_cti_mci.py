"""Vector tests of WBCSD CTI v4.0 and the EMF MCI (2019 revision, per material, company level).

No EMF- or WBCSD-published numeric worked example with its result could be read (the MCI
methodology PDF body, its Excel models and the CTI v4.0 calculation chapter were not readable:
../shared/reference/metrics.md section 12), so every vector is computed by hand here, in the
docstring, from the equations cited in docs/methodology.md; TV-1 to TV-3 are the vectors of
../shared/reference/metrics.md section 11, recomputed.
"""
from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from loopsource.analysis.cti import cti, line_circular_share
from loopsource.analysis.inflow import inflow_by, total
from loopsource.analysis.mci import lfi_mci
from loopsource.analysis.mci2019 import LineInputs, company_mci, line_inputs, material_terms_2019, mci_2019
from loopsource.analysis.metrics import CIRCULAR_STRATEGIES, compute
from loopsource.analysis.snapshot import BomLine, Loop, Material, Sale
from loopsource.definitions import certificate_scheme, renewable_kg, sustainable_biological

from ..builders import product, purchase, site, snapshot


def approx(x: float) -> object:
    return pytest.approx(x, rel=1e-9, abs=1e-12)


def _mci(m: float, f_r: float, f_u: float, f_s: float, inp: LineInputs, x: float = 1.0) -> tuple[float, float]:
    v, w0, w_c, w_f = material_terms_2019(m, f_r, f_u, f_s, inp)
    return lfi_mci(m, v, w0, w_c, w_f, x)


# ----------------------------------------------------------------------------- MCI equations
def test_tv1_single_material_2015_equations_through_the_2019_terms() -> None:
    """TV-1: M = 100 kg, F_R = 0.3, F_U = F_S = 0, C_R = 0.5, C_U = C_C = C_E = 0, E_F = 0.8, E_C = 0.9.

    V = 100 (1 - 0.3) = 70; W0 = 100 (1 - 0.5) = 50; W_C = 100 (1 - 0.9) 0.5 = 5;
    W_F = 100 (1 - 0.8) 0.3 / 0.8 = 7.5; W = 50 + (7.5 + 5)/2 = 56.25;
    LFI = (70 + 56.25) / (200 + (7.5 - 5)/2) = 126.25 / 201.25 = 0.627329...;
    X = 1: MCI = 1 - 0.9 x 0.627329 = 0.435404...; X = 2 (L = 10, L_av = 5): 1 - 0.45 x 0.627329 = 0.717702...
    """
    inp = LineInputs(c_r=0.5, c_u=0.0, e_c=0.9, e_f=0.8, c_c=0.0, c_e=0.0)
    assert material_terms_2019(100, 0.3, 0.0, 0.0, inp) == (approx(70), approx(50), approx(5), approx(7.5))
    lfi, value = _mci(100, 0.3, 0.0, 0.0, inp)
    assert lfi == approx(126.25 / 201.25)
    assert value == approx(1 - 0.9 * 126.25 / 201.25) and round(value, 6) == 0.435404
    assert round(_mci(100, 0.3, 0.0, 0.0, inp, x=2.0)[1], 6) == 0.717702


def test_mci_boundaries() -> None:
    """All virgin and all landfilled, X = 1: V = W0 = M, W_C = W_F = 0, LFI = 2M/2M = 1, MCI = 0.1.
    All recycled in and out with E = 1: V = W0 = W_C = W_F = 0, LFI = 0, MCI = 1.
    All virgin, X = 0.5: MCI* = 1 - 0.9/0.5 = -0.8, clamped to 0."""
    linear = LineInputs(0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    assert _mci(10, 0, 0, 0, linear)[1] == approx(0.1)
    assert _mci(10, 1, 0, 0, LineInputs(1.0, 0.0, 1.0, 1.0, 0.0, 0.0)) == (0.0, 1.0)
    assert _mci(10, 0, 0, 0, linear, x=0.5)[1] == 0.0


def test_tv2_two_materials_sum_then_ratio() -> None:
    """TV-2: steel 80 kg (F_R 0.5, E_F 0.9, C_R 0.9, E_C 0.95) + plastic 20 kg (virgin, landfilled), X = 1.

    Steel: V = 40, W0 = 8, W_C = 80 x 0.05 x 0.9 = 3.6, W_F = 80 x 0.1 x 0.5 / 0.9 = 4.444...;
    plastic: V = 20, W0 = 20, W_C = W_F = 0. Sums: V = 60, W0 = 28, W_C = 3.6, W_F = 4.444...;
    W = 28 + 8.0444.../2 = 32.0222...; LFI = 92.0222... / (200 + 0.8444.../2) = 0.459142...;
    MCI = 1 - 0.9 LFI = 0.586772...
    """
    steel = material_terms_2019(80, 0.5, 0, 0, LineInputs(0.9, 0.0, 0.95, 0.9, 0.0, 0.0))
    plastic = material_terms_2019(20, 0, 0, 0, LineInputs(0.0, 0.0, 0.0, 0.0, 0.0, 0.0))
    v, w0, w_c, w_f = (a + b for a, b in zip(steel, plastic))
    assert (v, w0, w_c, w_f) == (approx(60), approx(28), approx(3.6), approx(80 * 0.1 * 0.5 / 0.9))
    lfi, value = lfi_mci(100, v, w0, w_c, w_f, 1.0)
    assert round(lfi, 6) == 0.459142 and round(value, 6) == 0.586772


def test_2019_biological_terms_hand_computed() -> None:
    """A biological material (paper) of 1 kg: F_R = 0.2, F_U = 0, F_S = 0.5, C_R = 0.3, C_U = 0,
    C_C = 0.4, C_E = 0.1, E_C = 0.8, E_F = 0.9, X = 1.

    V = 1 (1 - 0.2 - 0 - 0.5) = 0.3; W0 = 1 (1 - 0.3 - 0 - 0.4 - 0.1) = 0.2;
    W_C = 1 (1 - 0.8) 0.3 = 0.06; W_F = 1 (1 - 0.9) 0.2 / 0.9 = 0.0222...;
    W = 0.2 + (0.0222... + 0.06)/2 = 0.241111...; LFI = 0.541111... / (2 + (0.0222... - 0.06)/2)
    = 0.541111... / 1.981111... = 0.273135...; MCI = 1 - 0.9 x 0.273135... = 0.754178...
    For a technical material line_inputs drops the line's C_C and C_E (F_S is 0 for it anyway:
    only certified biological purchases have it).
    """
    inp = LineInputs(c_r=0.3, c_u=0.0, e_c=0.8, e_f=0.9, c_c=0.4, c_e=0.1)
    v, w0, w_c, w_f = material_terms_2019(1, 0.2, 0.0, 0.5, inp)
    assert (v, w0, w_c, w_f) == (approx(0.3), approx(0.2), approx(0.06), approx(0.1 * 0.2 / 0.9))
    lfi, value = lfi_mci(1, v, w0, w_c, w_f, 1.0)
    assert lfi == approx(0.5411111111111111 / 1.9811111111111111)
    assert round(value, 6) == 0.754178
    p = product((("M-PAPER", 1.0),), c_r=0.3, e_c=0.8, e_f=0.9)
    line = BomLine("M-PAPER", 1.0, collection_composting_share=0.4, collection_energy_recovery_share=0.1)
    assert line_inputs(p, line, biological=True) == inp
    assert line_inputs(p, line, biological=False) == LineInputs(0.3, 0.0, 0.8, 0.9, 0.0, 0.0)


def _paper_snapshot(certificate: str | None, chain: str | None = None, bio: bool = True):  # type: ignore[no-untyped-def]
    """Two purchases of paper: 600 kg recycled 0.2 with ``certificate``, 400 kg recycled 0.2 uncertified."""
    mats = {"M-PAPER": Material("M-PAPER", "paper", "Paper", False, False, False, biological=bio)}
    buys = [dataclasses.replace(purchase("A", "S1", 600, "M-PAPER", rec=0.2), certificate=certificate,
                                chain_of_custody=chain),
            purchase("B", "S1", 400, "M-PAPER", rec=0.2)]
    line = BomLine("M-PAPER", 1.0, collection_composting_share=0.4, collection_energy_recovery_share=0.1)
    prod = dataclasses.replace(product((("M-PAPER", 1.0),), c_r=0.3, e_c=0.8, e_f=0.9), bom_lines=(line,))
    return snapshot([site("S1")], buys, [prod], materials=mats)


def test_mci_2019_of_a_product_reads_f_s_from_certified_purchases() -> None:
    """F_R = (600 x 0.2 + 400 x 0.2)/1000 = 0.2; certified renewable kg = 600 x (1 - 0.2) = 480,
    F_S = 480 / 1000 = 0.48. With the line's C_C 0.4 and C_E 0.1 and the product's C_R 0.3, E_C 0.8,
    E_F 0.9 (M = 1 kg, X = 1): V = 1 - 0.2 - 0.48 = 0.32, W0 = 0.2, W_C = 0.06, W_F = 0.0222...,
    W = 0.241111..., LFI = 0.561111... / 1.981111... = 0.283231..., MCI = 1 - 0.9 LFI = 0.745092...
    Without a certificate, with a book-and-claim one, or for a material that is not biological,
    F_S = 0: V = 0.8."""
    r = mci_2019(_paper_snapshot("FSC:FC-COC-1").products["P1"], _paper_snapshot("FSC:FC-COC-1"))
    (ln,) = r.lines
    assert (ln.f_r, ln.f_s, r.virgin_kg) == (approx(0.2), approx(0.48), approx(0.32))
    assert r.lfi == approx(0.5611111111111111 / 1.9811111111111111)
    assert r.mci == approx(1 - 0.9 * 0.5611111111111111 / 1.9811111111111111)
    for snap in (_paper_snapshot(None), _paper_snapshot("pefc:X", "book_and_claim"),
                 _paper_snapshot("ISCC-PLUS:EU-1"), _paper_snapshot("FSC:X", bio=False)):
        assert mci_2019(snap.products["P1"], snap).virgin_kg == approx(0.8)


def test_sustainable_biological_rule() -> None:
    """FSC or PEFC (any case), a physical chain of custody or none; book and claim never; only biological."""
    assert certificate_scheme(" fsc :C-1") == "FSC" and certificate_scheme("nocolon") is None
    assert sustainable_biological(True, "PEFC:1", "mass_balance") and sustainable_biological(True, "Fsc:1", None)
    assert not sustainable_biological(True, "FSC:1", "book_and_claim")
    assert not sustainable_biological(True, "ISCC-PLUS:1", None) and not sustainable_biological(False, "FSC:1", None)
    assert renewable_kg(100, 0.3, None) == approx(70) and renewable_kg(100, None, None) == 100


def test_line_values_fall_back_to_the_product_one_by_one() -> None:
    """The line's C_R 0.9 replaces the product's 0.5; C_U, E_C, E_F stay the product's."""
    p = product((("M1", 1.0),), c_r=0.5, c_u=0.1, e_c=0.7, e_f=0.6)
    assert line_inputs(p, BomLine("M1", 1.0, collection_recycling_share=0.9), False) == LineInputs(0.9, 0.1, 0.7, 0.6, 0, 0)


def test_fates_above_one_after_fallback_give_no_mci() -> None:
    """Line C_U 0.6 with the product's C_R 0.5: C_R + C_U = 1.1 > 1, so no MCI (noted)."""
    prod = dataclasses.replace(product((("M1", 1.0),), c_r=0.5), bom_lines=(BomLine("M1", 1.0, collection_reuse_share=0.6),))
    snap = snapshot([site("S1")], [purchase("A", "S1", 10, "M1")], [prod])
    r = mci_2019(prod, snap)
    assert r.mci is None and any("more than 1" in n for n in r.notes)


# ----------------------------------------------------------------------------- company level
def test_company_mci_mass_and_revenue_weighted() -> None:
    """Two products sold: P1 (1 kg of M1, MCI_1) 200 units in 2024, revenue 1,000 EUR; P2 (2 kg of
    M1, MCI_2) 50 units, 900 USD (fx: 1 USD = 0.5 EUR, so 450 EUR). Mass weights 200 x 1 = 200 and
    50 x 2 = 100: (200 MCI_1 + 100 MCI_2)/300; revenue weights 1,000 and 450.
    With MCI_1 = 0.1 (all virgin, landfilled) and MCI_2 = 1 - 0.9 x 0.5 = 0.55 (C_R = 1, E_C = 1:
    V = 2, W0 = W_C = 0, LFI = 2/4 = 0.5): mass-weighted (20 + 55)/300 = 0.25;
    revenue-weighted (100 + 247.5)/1450 = 0.239655..."""
    p1 = product((("M1", 1.0),), id="P1")
    p2 = product((("M1", 2.0),), c_r=1.0, e_c=1.0, id="P2")
    snap = snapshot([site("S1")], [purchase("A", "S1", 10, "M1")], [p1, p2], fx={"USD": 0.5, "EUR": 1.0})
    results = {p: mci_2019(snap.products[p], snap) for p in ("P1", "P2")}
    assert (results["P1"].mci, results["P2"].mci) == (approx(0.1), approx(0.55))
    sales = [Sale("P1", 2024, 200, 1000, "EUR"), Sale("P2", 2024, 50, 900, "USD")]
    c = company_mci(results, sales, snap.products, snap.fx)
    assert c["mass_weighted"] == approx(0.25) and c["value"] == c["mass_weighted"] and c["basis"] == "mass"
    assert c["revenue_weighted"] == approx(347.5 / 1450)
    no_fx = company_mci(results, sales, snap.products, {})
    assert no_fx["revenue_weighted"] is None and "fx.csv" in no_fx["revenue_note"]
    assert company_mci(results, [], snap.products, {})["value"] is None


# ----------------------------------------------------------------------------- CTI
def test_tv3_cti_inflow_outflow_and_circularity() -> None:
    """TV-3 (metrics.md section 11). Inflow 1,000 t: steel 800 t with recycled share 0.25 (200 t
    recycled), wood 100 t with a PEFC certificate and wood 100 t without (both virgin, so 200 t
    renewable of which 100 t sustainably managed). Circular inflow = (200 + 100)/1,000 = 30 %.
    Outflow 900 t: product P1 (1 kg of steel per unit) 900,000 units, recovery potential 0.8,
    C_R 0.5 (actual recovery 0.5): 900 t x 0.8 x 0.5 = 360 t, so 40 %. % circularity =
    (0.3 x 1,000 + 0.4 x 900)/1,900 = 660/1,900 = 0.347368...; the recycled + reused share alone
    (metrics.json circular_inflow_share) stays 200/1,000 = 0.2."""
    mats = {"M-ST": Material("M-ST", "steel", "Steel", False, False, False),
            "M-WD": Material("M-WD", "wood", "Wood", False, False, False, biological=True)}
    buys = [purchase("A", "S1", 800_000, "M-ST", rec=0.25),
            dataclasses.replace(purchase("B", "S1", 100_000, "M-WD"), certificate="PEFC:1"),
            purchase("C", "S1", 100_000, "M-WD")]
    prod = dataclasses.replace(product((("M-ST", 1.0),), c_r=0.5), recovery_potential=0.8)
    snap = dataclasses.replace(snapshot([site("S1")], buys, [prod], materials=mats),
                               sales=(Sale("P1", 2024, 900_000),))
    bio = {"M-ST": False, "M-WD": True}.__getitem__
    groups = inflow_by(snap.purchases, lambda p: p.material, bio)
    doc = cti(total(groups.values()), groups, snap.products, snap.sales, (), CIRCULAR_STRATEGIES, bio)
    assert doc["circular_inflow_share"] == approx(0.3)
    assert doc["inflow"]["renewable_kg"] == approx(200_000) and doc["inflow"]["sustainable_renewable_kg"] == approx(100_000)
    assert doc["circular_outflow_share"] == approx(0.4) and doc["outflow_kg"] == approx(900_000)
    assert doc["circularity_share"] == approx(660 / 1900) and round(doc["circularity_share"], 6) == 0.347368
    # the same through compute(): metrics.json circularity.cti, the old keys unchanged beside it
    m = compute(snap)["circularity"]
    assert m["cti"]["circular_outflow_share"] == approx(0.4) and m["circular_inflow_share"] == approx(0.2)


def test_cti_outflow_adds_the_loops_and_needs_sales_and_recovery_potential() -> None:
    """Product P1 (2 kg: 1 kg M1 with the line's recovery potential 1, C_R 0.9, C_U 0; 1 kg M2 with the
    product's 0.5 and C_R 0.4 + C_U 0.2), 10 units: outflow 20 kg, circular 10 x (1 x 1 x 0.9 +
    1 x 0.5 x 0.6) = 12 kg. Loops: 5 kg recycled, 3 kg disposed: outflow 8, circular 5.
    CTI circular outflow = (12 + 5)/(20 + 8) = 17/28. Without sales: not computable (null); without
    any recovery potential: not computable, naming the materials."""
    lines = (BomLine("M1", 1.0, collection_recycling_share=0.9, collection_reuse_share=0.0, recovery_potential=1.0),
             BomLine("M2", 1.0))
    prod = dataclasses.replace(product((("M1", 1.0), ("M2", 1.0)), c_r=0.4, c_u=0.2), bom_lines=lines,
                               recovery_potential=0.5)
    assert line_circular_share(prod, lines[0], False) == approx(0.9)
    loops = (Loop("L1", date(2024, 1, 1), "B", "R", "M1", "recycle", 5.0),
             Loop("L2", date(2024, 1, 1), "B", "R", "M1", "dispose", 3.0))
    empty = inflow_by((), lambda p: p.material)
    doc = cti(total(()), empty, {"P1": prod}, [Sale("P1", 2024, 10)], loops, CIRCULAR_STRATEGIES, lambda m: False)
    assert doc["circular_outflow_share"] == approx(17 / 28)
    assert doc["outflow"]["P1"]["circular_kg"] == approx(12) and doc["outflow"]["loops"]["circular_kg"] == 5.0
    assert doc["circularity_share"] is None  # no inflow in this selection
    no_sales = cti(total(()), empty, {"P1": prod}, [], loops, CIRCULAR_STRATEGIES, lambda m: False)
    assert no_sales["circular_outflow_share"] is None and "sales.csv" in no_sales["not_computable"]
    bare = dataclasses.replace(prod, recovery_potential=None)
    missing = cti(total(()), empty, {"P1": bare}, [Sale("P1", 2024, 10)], loops, CIRCULAR_STRATEGIES, lambda m: False)
    assert missing["circular_outflow_share"] is None and "M2" in missing["not_computable"]


def test_sales_are_selected_by_whole_calendar_years_and_plant() -> None:
    """filter_snapshot keeps the sales of the calendar years a period covers whole: --year 2024
    keeps 2024; 2024-03-01..2025-12-31 keeps only 2025 (2024 is covered in part); a site keeps the
    sales of the products made there (products.csv plant)."""
    from loopsource.analysis.metrics import filter_snapshot
    from loopsource.period import Period

    prod = dataclasses.replace(product((("M1", 1.0),), id="P1"), plant="S1")
    other = dataclasses.replace(product((("M1", 1.0),), id="P2"), plant="S2")
    snap = dataclasses.replace(snapshot([site("S1"), site("S2")], [purchase("A", "S1", 1, "M1")], [prod, other]),
                               sales=(Sale("P1", 2024, 1), Sale("P1", 2025, 2), Sale("P2", 2025, 3)))
    assert [s.year for s in filter_snapshot(snap, year=2024).sales] == [2024]
    part = Period.select(start=date(2024, 3, 1), end=date(2025, 12, 31))
    assert [(s.product, s.year) for s in filter_snapshot(snap, period=part).sales] == [("P1", 2025), ("P2", 2025)]
    assert [(s.product, s.year) for s in filter_snapshot(snap, site="S2").sales] == [("P2", 2025)]
