"""The transport factor table (loopsource.emission_factors): packaged values, user overrides, errors."""
from __future__ import annotations

from pathlib import Path

import pytest

from loopsource.emission_factors import complete, load_table, packaged_table
from loopsource.errors import InputError


def test_packaged_desnz_2026_defaults() -> None:
    """Each mode's packaged factor with WTW = TTW + WTT (kg CO2e per tonne-km, DESNZ 2026):
    road HGV average 0.10356 + 0.02359 = 0.12715; rail 0.02583 + 0.00691 = 0.03274; sea container
    ship 0.01612 + 0.00365 = 0.01977; air international without RF 0.53130 + 0.13516 = 0.66646;
    inland waterway and pipeline: no shipped factor."""
    t = packaged_table()
    want = {"road": (0.10356, 0.02359, 0.12715), "rail": (0.02583, 0.00691, 0.03274),
            "sea": (0.01612, 0.00365, 0.01977), "air": (0.53130, 0.13516, 0.66646)}
    for mode, (ttw, wtt, wtw) in want.items():
        f = t.for_mode(mode)
        assert f is not None and f.mode == mode
        assert (f.ttw, f.wtt) == (ttw, wtt) and f.wtw == pytest.approx(wtw, abs=1e-15)
        assert "DESNZ" in f.source and f.year == "2026" and "Open Government Licence" in f.licence and f.table
        assert f.verified.startswith("[")
    assert t.for_mode("inland_waterway") is None and t.for_mode("pipeline") is None
    assert t.g_per_tkm["road"] == pytest.approx(127.15)


def test_glec_values_from_the_facts_sheet_add_up() -> None:
    """GLEC v3.2 rail defaults quoted in the facts sheet (g CO2e per t-km, [U]): EU diesel average
    WTT 7.1 + TTW 23.6 = WTW 30.7; EU diesel container 6.6 + 21.9 = 28.5; US diesel 2.7 + 13.4 =
    16.1. A user file that gives two of the three gets the third."""
    assert complete("eu", 0.0236, 0.0071, None)[2] == pytest.approx(0.0307, abs=1e-12)
    assert complete("eu-c", 0.0219, None, 0.0285)[1] == pytest.approx(0.0066, abs=1e-12)
    assert complete("us", None, 0.0027, 0.0161)[0] == pytest.approx(0.0134, abs=1e-12)
    with pytest.raises(ValueError, match="not ttw \\+ wtt"):
        complete("bad", 0.0236, 0.0071, 0.031)


def test_user_yaml_overrides_by_key(tmp_path: Path) -> None:
    """A GLEC-style user file: a new rail factor assigned to rail, an inland-waterway factor with
    WTW only (TTW not computable), and a new value for a packaged key; the rest stays packaged."""
    f = tmp_path / "glec.yaml"
    f.write_text("""version: my-glec-v3.2
factors:
  glec-rail-eu-diesel: {mode: rail, ttw: 0.0236, wtt: 0.0071, source: GLEC Framework v3.2, year: 2025}
  my-barge: {mode: inland_waterway, wtw: 0.031}
  desnz-2026-hgv-average: {mode: road, ttw: 0.1, wtt: 0.02, source: corrected}
modes:
  rail: glec-rail-eu-diesel
  inland_waterway: my-barge
""", encoding="utf-8")
    t = load_table(f)
    assert t.version == "desnz-2026 overridden by my-glec-v3.2"
    assert t.for_mode("rail").wtw == pytest.approx(0.0307, abs=1e-15) and t.for_mode("rail").year == "2025"
    barge = t.for_mode("inland_waterway")
    assert (barge.ttw, barge.wtt, barge.wtw) == (None, None, 0.031)
    assert (t.for_mode("road").ttw, t.for_mode("road").source) == (0.1, "corrected")
    assert t.for_mode("sea").key == "desnz-2026-container-ship-average"


def test_user_csv(tmp_path: Path) -> None:
    f = tmp_path / "factors.csv"
    f.write_text("key,mode,ttw,wtt,wtw,source,use_for_mode\n"
                 "ademe-barge,inland_waterway,0.02,0.005,,my reading,true\n"
                 "spare,road,0.2,,0.25,,\n", encoding="utf-8")
    t = load_table(f)
    barge = t.for_mode("inland_waterway")
    assert (barge.key, barge.wtw) == ("ademe-barge", pytest.approx(0.025))
    assert t.factors["spare"].wtt == pytest.approx(0.05) and t.for_mode("road").key == "desnz-2026-hgv-average"


def test_errors_name_file_line_and_column(tmp_path: Path) -> None:
    """Every problem at once, as FILE:LINE: column COLUMN: reason."""
    f = tmp_path / "bad.yaml"
    f.write_text("factors:\n  x y: {mode: boat, ttw: -1}\n  ok: {mode: road, ttw: abc}\nmodes:\n  hovercraft: ok\n",
                 encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_table(f)
    text = str(e.value)
    assert f"{f}:2: column factors.x y.key:" in text and "boat" in text and "-1" in text
    assert f"{f}:3: column factors.ok.ttw: 'abc' is not a number" in text
    assert f"{f}:5: column modes.hovercraft: unknown transport mode" in text
    c = tmp_path / "bad.csv"
    c.write_text("key,mode,ttw,wtt,wtw\nk1,road,0.1,0.02,0.5\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.csv:2: column wtw: factor k1: wtw 0.5 is not ttw \+ wtt"):
        load_table(c)
    m = tmp_path / "missing-key.yaml"
    m.write_text("modes:\n  road: nowhere\n", encoding="utf-8")
    with pytest.raises(InputError, match="names factor 'nowhere'"):
        load_table(m)
    with pytest.raises(InputError, match="not found"):
        load_table(tmp_path / "absent.yaml")


def test_legacy_scenario_layout(tmp_path: Path) -> None:
    """The old `modes: {sea: 10}` (g CO2e per tonne-km) is read as a WTW factor of 0.010 kg."""
    f = tmp_path / "old.yaml"
    f.write_text("modes:\n  sea: 10\n  pipeline: {g_per_tkm: 5, source: my meter}\n", encoding="utf-8")
    t = load_table(f)
    assert t.for_mode("sea").wtw == pytest.approx(0.010) and t.for_mode("sea").ttw is None
    assert t.for_mode("pipeline").source == "my meter" and t.g_per_tkm["pipeline"] == pytest.approx(5)
