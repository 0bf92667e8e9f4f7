"""The period (loopsource.period), metrics.json ``period`` and ``trends``, and the precision rule."""
from __future__ import annotations

from datetime import date

import pytest

from loopsource.analysis.metrics import compute
from loopsource.analysis.snapshot import Loop, Material
from loopsource.definitions import PRECISION, changed
from loopsource.errors import UsageError
from loopsource.period import EVERYTHING, NoDataError, Period

from ..builders import purchase, site, snapshot


def test_period_select_and_contains():
    """--year is 1 January to 31 December, both included; --from/--to are inclusive; open ends."""
    y = Period.select(year=2024)
    assert (y.start, y.end, y.label(), y.phrase()) == (date(2024, 1, 1), date(2024, 12, 31), "2024", "in 2024")
    assert y.contains(date(2024, 1, 1)) and y.contains(date(2024, 12, 31)) and not y.contains(date(2025, 1, 1))
    r = Period.select(start=date(2024, 3, 1), end=date(2024, 3, 31))
    assert r.label() == "2024-03-01 to 2024-03-31" and not r.contains(date(2024, 2, 29))
    assert Period.select(start=date(2024, 3, 1)).contains(date(2999, 1, 1))
    assert Period.select(end=date(2024, 3, 1)).label() == "up to 2024-03-01"
    assert EVERYTHING.everything and EVERYTHING.contains(date(1, 1, 1)) and EVERYTHING.label() == "all dates"
    assert r.as_dict() == {"year": None, "from": "2024-03-01", "to": "2024-03-31"}
    with pytest.raises(UsageError, match="--year cannot be combined"):
        Period.select(year=2024, start=date(2024, 1, 1))
    with pytest.raises(UsageError, match="is after --to"):
        Period.select(start=date(2024, 2, 1), end=date(2024, 1, 1))


def _two_years():
    """2024: P1 100 kg from S1 (FR, domestic for buyer B in FR), recycled 0.5, spend 200;
             P2 300 kg from S2 (CN, Asia: global), recycled 0, spend 100.
       2025: P3 400 kg from S1, recycled 0.25, reused 0.25, spend 400.
       Loops: 2024 L1 recycle 60 kg, L2 dispose 40 kg; 2025 L3 reuse 10 kg."""
    sites = [site("B", kind="plant"), site("S1"), site("S2", country="CN", region="142")]
    ps = [purchase("P1", "S1", 100, rec=0.5, spend=200, currency="EUR", day=date(2024, 2, 1)),
          purchase("P2", "S2", 300, material="M2", rec=0.0, spend=100, currency="EUR", day=date(2024, 11, 30)),
          purchase("P3", "S1", 400, rec=0.25, reu=0.25, spend=400, currency="EUR", day=date(2025, 6, 1))]
    loops = [Loop("L1", date(2024, 5, 1), "B", "S1", "M1", "recycle", 60.0),
             Loop("L2", date(2024, 5, 2), "B", "S1", "M1", "dispose", 40.0),
             Loop("L3", date(2025, 5, 1), "B", "S1", "M1", "reuse", 10.0)]
    mats = {"M1": Material("M1", "Steel", "Steel", False, False, False),
            "M2": Material("M2", "Cobalt", "Cobalt", False, True, False)}
    return snapshot(sites, ps, loops=loops, materials=mats)


def test_trends_by_year_hand_computed():
    """2024: inflow (100*0.5 + 0) / 400 = 0.125; outflow 60 / 100 = 0.6; local (domestic 100) / 400
    = 0.25; spend 300 EUR; M1 and M2 one supplier each: 2 single-source; critical (M2) 300/400 = 0.75.
    2025: inflow (400*0.5)/400 = 0.5; outflow 10/10 = 1; local 1.0; spend 400; 1 single-source;
    critical 0."""
    m = compute(_two_years())
    tr = m["trends"]
    assert tr["years"] == [2024, 2025]
    y24, y25 = tr["by_year"]["2024"], tr["by_year"]["2025"]
    assert y24["circular_inflow_share"] == pytest.approx(0.125) and y25["circular_inflow_share"] == pytest.approx(0.5)
    assert y24["circular_outflow_share"] == pytest.approx(0.6) and y25["circular_outflow_share"] == pytest.approx(1.0)
    assert y24["local_share"] == pytest.approx(0.25) and y25["local_share"] == pytest.approx(1.0)
    assert (y24["spend"], y25["spend"]) == (pytest.approx(300), pytest.approx(400))
    assert (y24["single_source_materials"], y25["single_source_materials"]) == (2, 1)
    assert (y24["critical_inflow_share"], y25["critical_inflow_share"]) == (pytest.approx(0.75), 0.0)
    assert (y24["purchased_mass_kg"], y24["purchases"], y24["loops"]) == (400, 2, 2)
    assert {f["key"]: f["unit"] for f in tr["figures"]}["spend"] == "EUR"
    # the period covered: first and last purchase date
    assert m["period"] == {"first_date": "2024-02-01", "last_date": "2025-06-01", "years": [2024, 2025],
                           "selection": "all dates"}


def test_a_year_of_the_trends_is_the_report_of_that_year():
    """trends.by_year[Y] = the headline figures of compute(year=Y): one definition."""
    snap = _two_years()
    tr = compute(snap)["trends"]["by_year"]
    for y in (2024, 2025):
        m = compute(snap, year=y)
        assert m["meta"]["filters"] == {"year": y, "from": f"{y}-01-01", "to": f"{y}-12-31", "site": None}
        assert m["period"]["selection"] == str(y)
        assert tr[str(y)]["circular_inflow_share"] == m["circularity"]["circular_inflow_share"]
        assert tr[str(y)]["circular_outflow_share"] == m["circularity"]["circular_outflow_share"]
        assert tr[str(y)]["local_share"] == m["local_sourcing"]["local_share"]
        assert tr[str(y)]["weighted_average_source_distance_km"] == \
            m["local_sourcing"]["weighted_average_source_distance_km"]
        assert tr[str(y)]["single_source_materials"] == len(m["resilience"]["single_source_materials"])
        assert tr[str(y)]["critical_inflow_share"] == m["resilience"]["critical_inflow_share"]
        assert m["trends"]["years"] == [y]


def test_from_to_selects_inclusive_dates_and_empty_period_raises():
    """--from 2024-11-30 --to 2025-06-01 holds P2 and P3 (both ends included) and loop L3
    (2025-05-01): mass 300 + 400 = 700 kg. A period with no purchase and no loop raises NoDataError."""
    snap = _two_years()
    m = compute(snap, period=Period.select(start=date(2024, 11, 30), end=date(2025, 6, 1)))
    assert m["meta"]["purchased_mass_kg"] == 700 and m["meta"]["counts"]["loops"] == 1
    assert m["period"]["first_date"] == "2024-11-30" and m["period"]["last_date"] == "2025-06-01"
    with pytest.raises(NoDataError, match=r"no purchases or loops dated from 2026-01-01 to 2026-12-31 "
                                          r"\(the data covers 2024-02-01 to 2025-06-01\)"):
        compute(snap, period=Period.select(start=date(2026, 1, 1), end=date(2026, 12, 31)))
    with pytest.raises(UsageError):
        compute(snap, year=2024, period=Period.select(year=2024))


def test_precision_calls_noise_unchanged():
    """A change below half the stated precision is not a change: MCI -2.3e-07 (0-1, 0.001),
    a share moved by 0.0004 (0.04 pp); 0.0006 of a share (0.06 pp, shown as 0.1 pp) is."""
    assert PRECISION["share"] == 0.001 and PRECISION["0-1"] == 0.001
    assert not changed(-2.3e-07, "0-1") and not changed(0.0004, "share")
    assert changed(0.0006, "share") and changed(-1.0, "km") and not changed(0.4, "km")
