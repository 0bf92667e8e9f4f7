"""Chart geometry: palette, measured labels, line charts, the map inset, deltas in words."""
from __future__ import annotations

import pytest

from loopsource.render.charts import OTHER_COLOUR, PALETTE, fit_label, lines, palette, stacked, text_width
from loopsource.render.report import _inset_frame, fit_frame
from loopsource.render.summary import fmt_change


def test_palette_gives_distinct_colours_and_grey_other():
    """20 keys: the first 16 get the 16 colours once each, the rest none (the caller folds them
    into "other"); "other" is grey and never one of the 16."""
    keys = [f"K{i}" for i in range(20)]
    got = palette(keys)
    assert [got[k] for k in keys[:16]] == list(PALETTE)
    assert len(set(PALETTE)) == 16 and OTHER_COLOUR not in PALETTE
    assert "K16" not in got and got["other"] == OTHER_COLOUR
    assert palette(["CL", "CN", "CL", "other"]) == {"CL": PALETTE[0], "CN": PALETTE[1], "other": OTHER_COLOUR}


def test_fit_label_truncates_to_the_measured_width():
    """'Lithium hydroxide monohydrate, battery grade' at 11 px is about 230 px wide: in 172 px it
    is cut with an ellipsis to a prefix whose width with the 20 % margin fits; a short label
    stays whole."""
    name = "Lithium hydroxide monohydrate, battery grade"
    assert text_width(name) > 172
    short = fit_label(name, 172)
    assert short.endswith("…") and name.startswith(short[:-1]) and text_width(short) * 1.2 <= 172
    assert fit_label("Copper", 172) == "Copper"
    rows = stacked([(name, {"CL": 1.0})], ["CL"], {"CL": "#000"}, label_w=180)["rows"]
    assert rows[0]["label"] == name and rows[0]["short"] == fit_label(name, 172)


def test_lines_scale_from_zero():
    """Shares on 0-1: 0.5 sits half way between the top pad (18) and the base (110 - 20 = 90): y = 54."""
    c = lines([2024, 2025], [0.5, 1.0], vmax=1.0, width=240, height=110)
    assert [p["y"] for p in c["points"]] == [54.0, 18.0] and c["base"] == 90
    assert c["path"] == "M12.0,54.0 L228.0,18.0"
    assert lines([2024], [None])["path"] == ""


def test_inset_for_a_crowd_and_none_without():
    """Ten sites within a degree of Lyon on a world-wide map make an inset at least twice the
    scale; three sites do not."""
    crowd = [(4.8 + i * 0.1, 45.7 + i * 0.05) for i in range(10)]
    world = fit_frame(crowd + [(-100.0, 25.0), (120.0, -30.0)], 900)
    inset = _inset_frame(world, crowd)
    assert inset is not None and inset.k >= 2 * world.k
    assert all(inset.lon0 <= lon <= inset.lon1 and inset.lat0 <= lat <= inset.lat1 for lon, lat in crowd)
    assert _inset_frame(world, crowd[:3]) is None


@pytest.mark.parametrize(("delta", "kind", "text"), [
    (-2.3e-07, "0-1", "unchanged"), (0.0004, "share", "unchanged"), (0.027, "share", "+2.7 pp"),
    (-0.003, "share", "−0.3 pp"), (-145.4, "km", "−145 km"), (0.0, "count", "unchanged"), (None, "km", "–")])
def test_changes_in_words(delta, kind, text):
    assert fmt_change(delta, kind) == text
