"""ESRS E5 datapoints (analysis/esrs_e5.py) against hand-computed values.

ESRS E5 as adopted (Delegated Regulation (EU) 2023/2772): E5-4 §31(a)-(c) from purchases,
E5-5 §37(a)-(d) and §39 from loops. Every expected number is worked out in the test's
docstring from the records the test builds.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from loopsource.analysis.esrs_e5 import COMPUTED, NOT_COMPUTABLE, PARTIAL, datapoints, esrs_e5
from loopsource.analysis.metrics import compute
from loopsource.analysis.snapshot import Loop, Material

from ..builders import purchase, site, snapshot

SITES = [site("B"), site("S")]


def mat(id: str, cls: str, cycle: str | None, hazardous: bool | None = None) -> Material:
    return Material(id, id, cls, False, False, False, cycle=cycle, hazardous=hazardous)


def loop(id: str, strategy: str, kg: float, material: str = "M-S", hazardous: bool | None = None,
         day: date = date(2024, 6, 1)) -> Loop:
    return Loop(id, day, "B", "S", material, strategy, kg, hazardous)


def by_key(snap) -> dict[str, tuple[float | None, str]]:
    return {d.key: (d.value, d.status) for d in datapoints(snap)}


# ----------------------------------------------------------------------------- E5-4 inflows
INFLOW_MATERIALS = {"M-W": mat("M-W", "Wood", "biological"), "M-S": mat("M-S", "Steel", "technical"),
                    "M-X": mat("M-X", "Chemical", None)}


def _inflow_snapshot():
    ps = [replace(purchase("P1", "S", 1000, "M-W", rec=0.5, reu=None), certificate="FSC:FSC-C1"),
          purchase("P2", "S", 500, "M-W", rec=None, reu=0.2),
          purchase("P3", "S", 2000, "M-S", rec=0.25, reu=None),
          purchase("P4", "S", 500, "M-X", rec=None, reu=None)]
    return snapshot(SITES, ps, materials=INFLOW_MATERIALS)


def test_inflows_hand_computed():
    """Wood (biological) P1 1,000 kg certified, recycled 0.5; wood P2 500 kg, reused 0.2; steel
    (technical) P3 2,000 kg, recycled 0.25; chemical (cycle not stated) P4 500 kg, no shares.

    §31(a) total = 1000 + 500 + 2000 + 500 = 4,000 kg (computed); technical = 2,000 and
    biological = 1,500 (partial: P4's 500 kg has no cycle).
    §31(b) certified = 1,000 kg; share = 1000 / 1500 = 0.666667 (partial: P4 might be biological).
    §31(c) secondary = 1000x0.5 + 500x0.2 + 2000x0.25 = 500 + 100 + 500 = 1,100 kg (recycled
    1,000, reused 100); share = 1100 / 4000 = 0.275; partial: P4 declares neither share (counted 0).
    """
    got = by_key(_inflow_snapshot())
    assert got["total_weight_kg"] == (4000, COMPUTED)
    assert got["technical_weight_kg"] == (2000, PARTIAL)
    assert got["biological_weight_kg"] == (1500, PARTIAL)
    assert got["biological_sustainably_sourced_kg"] == (1000, PARTIAL)
    assert got["biological_sustainably_sourced_share"] == (pytest.approx(1000 / 1500), PARTIAL)
    assert got["secondary_weight_kg"] == (pytest.approx(1100), PARTIAL)
    assert got["secondary_recycled_kg"] == (pytest.approx(1000), PARTIAL)
    assert got["secondary_reused_kg"] == (pytest.approx(100), PARTIAL)
    assert got["secondary_share"] == (pytest.approx(0.275), PARTIAL)
    needs = {d.key: d.needs for d in datapoints(_inflow_snapshot())}
    assert "P4" in needs["technical_weight_kg"] and "500 kg" in needs["technical_weight_kg"]
    assert "M-X" in needs["biological_sustainably_sourced_share"]


def test_inflows_all_classified_and_declared_are_computed():
    """Without P4 every purchase has a cycle and a share: total 3,500 kg, technical 2,000,
    biological 1,500, certified 1,000 (share 2/3), secondary 1,100 (share 1100/3500 = 0.314286)."""
    snap = _inflow_snapshot()
    snap = replace(snap, purchases=snap.purchases[:3])
    got = by_key(snap)
    assert {k for k, (_v, s) in got.items() if k.startswith(("total", "technical", "biological", "secondary"))
            and s != COMPUTED} == set()
    assert got["secondary_share"][0] == pytest.approx(1100 / 3500)
    assert got["biological_sustainably_sourced_share"][0] == pytest.approx(2 / 3)


def test_sustainably_sourced_is_ctis_sustainably_managed_renewable():
    """One rule with CTI (definitions.sustainable_biological): wood W1 1,000 kg FSC counts; W2
    600 kg with an ISCC-PLUS certificate does not (not a forest scheme); W3 400 kg PEFC under
    book and claim does not (no physical link). Share = 1000 / (1000 + 600 + 400) = 0.5."""
    ps = [replace(purchase("W1", "S", 1000, "M-W"), certificate="fsc:FSC-C1"),
          replace(purchase("W2", "S", 600, "M-W"), certificate="ISCC-PLUS:EU-1"),
          replace(purchase("W3", "S", 400, "M-W"), certificate="PEFC:P-1", chain_of_custody="book_and_claim")]
    snap = snapshot(SITES, ps, materials=INFLOW_MATERIALS)
    got = by_key(snap)
    assert got["biological_sustainably_sourced_kg"] == (1000, COMPUTED)
    assert got["biological_sustainably_sourced_share"] == (pytest.approx(0.5), COMPUTED)
    assert esrs_e5(snap)["certification_schemes_kg"] == {"FSC": 1000}


def test_inflows_without_data_are_not_computable_never_zero():
    """No purchases: every E5-4 datapoint is 'not computable' with a None value. Only technical
    purchases: the sustainably sourced share has nothing to divide (no biological material)."""
    empty = snapshot(SITES, [], materials=INFLOW_MATERIALS)
    for d in datapoints(empty):
        if d.key.startswith(("total", "technical", "biological", "secondary")):
            assert (d.value, d.status) == (None, NOT_COMPUTABLE) and d.needs, d.key
    steel = snapshot(SITES, [purchase("P3", "S", 2000, "M-S", rec=None, reu=None)], materials=INFLOW_MATERIALS)
    got = {d.key: d for d in datapoints(steel)}
    assert got["biological_weight_kg"].value == 0 and got["biological_weight_kg"].status == COMPUTED
    assert (got["biological_sustainably_sourced_share"].value, got["biological_sustainably_sourced_share"].status) \
        == (None, NOT_COMPUTABLE)
    # the only purchase declares no share: secondary content is unknown, not 0
    assert (got["secondary_weight_kg"].value, got["secondary_weight_kg"].status) == (None, NOT_COMPUTABLE)
    assert "recycled_share" in got["secondary_weight_kg"].needs


# ----------------------------------------------------------------------------- E5-5 waste
WASTE_MATERIALS = {"M-S": mat("M-S", "Steel", "technical", hazardous=False),
                   "M-H": mat("M-H", "Chemical", "technical", hazardous=True),
                   "M-U": mat("M-U", "Rubber", "technical", hazardous=None)}


def _waste_snapshot(*extra: Loop):
    loops = [loop("A", "recycle", 300, "M-S", hazardous=True),  # the loop's flag wins over the material's
             loop("B", "reuse", 100, "M-S"),                      # material: non-hazardous
             loop("C", "recover", 50, "M-U"),                     # unknown
             loop("D", "dispose", 200, "M-S"),                    # non-hazardous, treatment not stated
             loop("E", "landfill", 150, "M-H"),                   # material: hazardous
             loop("F", "incinerate", 100, "M-S"), *extra]         # non-hazardous
    return snapshot(SITES, [purchase("P", "S", 1, "M-S")], loops=loops, materials=WASTE_MATERIALS)


def test_waste_hand_computed():
    """Loops A recycle 300 kg hazardous (loop flag), B reuse 100 non-hazardous, C recover 50
    unknown, D dispose 200 non-hazardous, E landfill 150 hazardous (material), F incinerate 100
    non-hazardous.

    §37(a) total = 300 + 100 + 50 + 200 + 150 + 100 = 900 (computed).
    §37(b) diverted = A + B + C = 450; hazardous 300, non-hazardous 100, both partial (C's 50 kg
    unknown). By operation: preparation for reuse (R3-R7) = B = 100 (hazardous 0, non-hazardous
    100, computed: C is known not to be reuse); recycling = A = 300 (hazardous 300, non 0);
    other recovery = C = 50, its hazardous / non-hazardous split 0 / 0, partial (C unknown).
    §37(c) disposal = D + E + F = 450; hazardous 150, non-hazardous 300 (computed). By treatment:
    incineration = F = 100, landfill = E = 150, other disposal = 0, all partial: D's 200 kg
    (dispose) could be either. Landfill hazardous 150, incineration non-hazardous 100 (partial).
    §37(d) non-recycled = 900 - 300 = 600, share 600 / 900 = 0.666667 (computed).
    §39 hazardous = A + E = 450, partial (C unknown); radioactive not computable.
    """
    got = by_key(_waste_snapshot())
    want = {
        "waste_total_kg": (900, COMPUTED),
        "waste_diverted_kg": (450, COMPUTED),
        "waste_diverted_hazardous_kg": (300, PARTIAL),
        "waste_diverted_non_hazardous_kg": (100, PARTIAL),
        "waste_diverted_preparation_for_reuse_kg": (100, COMPUTED),
        "waste_diverted_preparation_for_reuse_hazardous_kg": (0, COMPUTED),
        "waste_diverted_preparation_for_reuse_non_hazardous_kg": (100, COMPUTED),
        "waste_diverted_recycling_kg": (300, COMPUTED),
        "waste_diverted_recycling_hazardous_kg": (300, COMPUTED),
        "waste_diverted_recycling_non_hazardous_kg": (0, COMPUTED),
        "waste_diverted_other_recovery_kg": (50, COMPUTED),
        "waste_diverted_other_recovery_hazardous_kg": (0, PARTIAL),
        "waste_diverted_other_recovery_non_hazardous_kg": (0, PARTIAL),
        "waste_disposal_kg": (450, COMPUTED),
        "waste_disposal_hazardous_kg": (150, COMPUTED),
        "waste_disposal_non_hazardous_kg": (300, COMPUTED),
        "waste_disposal_incineration_kg": (100, PARTIAL),
        "waste_disposal_incineration_hazardous_kg": (0, PARTIAL),
        "waste_disposal_incineration_non_hazardous_kg": (100, PARTIAL),
        "waste_disposal_landfill_kg": (150, PARTIAL),
        "waste_disposal_landfill_hazardous_kg": (150, PARTIAL),
        "waste_disposal_landfill_non_hazardous_kg": (0, PARTIAL),
        "waste_disposal_other_disposal_kg": (0, PARTIAL),
        "waste_disposal_other_disposal_hazardous_kg": (0, PARTIAL),
        "waste_disposal_other_disposal_non_hazardous_kg": (0, PARTIAL),
        "waste_non_recycled_kg": (600, COMPUTED),
        "waste_non_recycled_share": (pytest.approx(600 / 900), COMPUTED),
        "waste_hazardous_kg": (450, PARTIAL),
        "waste_radioactive_kg": (None, NOT_COMPUTABLE),
    }
    assert {k: v for k, v in got.items() if k.startswith("waste_")} == want
    needs = {d.key: d.needs for d in datapoints(_waste_snapshot())}
    assert "dispose" in needs["waste_disposal_landfill_kg"] and "D" in needs["waste_disposal_landfill_kg"]
    assert "hazardous" in needs["waste_diverted_hazardous_kg"] and "C" in needs["waste_diverted_hazardous_kg"]


def test_mass_balance_and_ids():
    """§37(a) = §37(b) + §37(c) (EFRAG Q&A 400: total = recycled + reused + other recovery +
    disposed); each split adds up to its total where computed; ids are EFRAG IG 3's."""
    dps = {d.key: d for d in datapoints(_waste_snapshot())}
    assert dps["waste_total_kg"].value == dps["waste_diverted_kg"].value + dps["waste_disposal_kg"].value
    assert dps["waste_diverted_kg"].value == sum(dps[f"waste_diverted_{op}_kg"].value
                                                 for op in ("preparation_for_reuse", "recycling", "other_recovery"))
    ids = {d.key: (d.datapoint_id, d.paragraph) for d in dps.values()}
    assert ids["waste_total_kg"] == ("E5-5_07", "E5-5 §37(a)")
    assert ids["waste_diverted_recycling_hazardous_kg"] == ("E5-5_08", "E5-5 §37(b)(ii)")
    assert ids["waste_disposal_landfill_kg"] == ("E5-5_09", "E5-5 §37(c)(ii)")
    assert ids["waste_non_recycled_share"] == ("E5-5_11", "E5-5 §37(d)")
    assert ids["waste_hazardous_kg"] == ("E5-5_15", "E5-5 §39")


def test_split_treatments_make_the_disposal_split_computed():
    """With D as landfill instead of dispose: landfill = 150 + 200 = 350, incineration 100, other
    disposal 0, all computed; landfill non-hazardous = D's 200."""
    snap = _waste_snapshot()
    snap = replace(snap, loops=tuple(replace(lp, strategy="landfill") if lp.id == "D" else lp for lp in snap.loops))
    got = by_key(snap)
    assert got["waste_disposal_landfill_kg"] == (350, COMPUTED)
    assert got["waste_disposal_landfill_non_hazardous_kg"] == (200, COMPUTED)
    assert got["waste_disposal_incineration_kg"] == (100, COMPUTED)
    assert got["waste_disposal_other_disposal_kg"] == (0, COMPUTED)


def test_waste_without_data_is_not_computable():
    """No loops: every waste datapoint is not computable (None), none is 0. Only 'dispose' loops:
    the treatments cannot be split at all (not computable), the disposal total can (200 kg)."""
    none = snapshot(SITES, [purchase("P", "S", 1, "M-S")], materials=WASTE_MATERIALS)
    for d in datapoints(none):
        if d.key.startswith("waste_"):
            assert (d.value, d.status) == (None, NOT_COMPUTABLE), d.key
    only = snapshot(SITES, [purchase("P", "S", 1, "M-S")], loops=[loop("D", "dispose", 200, "M-S")],
                    materials=WASTE_MATERIALS)
    got = by_key(only)
    assert got["waste_disposal_kg"] == (200, COMPUTED)
    assert got["waste_disposal_landfill_kg"] == (None, NOT_COMPUTABLE)
    assert got["waste_diverted_recycling_kg"] == (0, COMPUTED)  # loops exist, none was recycled


def test_metrics_json_section_period_and_schemes():
    """metrics.json esrs_e5: version, period (dates of purchases and loops), schemes by kg
    (P1's FSC 1,000 kg of wood), a note when the selection spans years; --year filters both."""
    snap = replace(_inflow_snapshot(), loops=(loop("L1", "recycle", 10, day=date(2025, 2, 1)),))
    doc = compute(snap)["esrs_e5"]
    assert doc["version"] == "ESRS-E5-2023/2772"
    assert doc["period"] == {"from": "2024-05-01", "to": "2025-02-01", "years": [2024, 2025]}
    assert doc["certification_schemes_kg"] == {"FSC": 1000}
    assert any("2 calendar years" in n for n in doc["notes"])
    year = compute(snap, year=2025)["esrs_e5"]["datapoints"]
    assert year["total_weight_kg"]["value"] is None and year["waste_total_kg"]["value"] == 10
    assert esrs_e5(snap)["datapoints"]["waste_total_kg"] == doc["datapoints"]["waste_total_kg"]
