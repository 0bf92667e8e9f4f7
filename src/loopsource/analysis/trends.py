"""Year over year: the headline figures of each calendar year in the selected period.

Each figure is the one definition the headline uses (``loopsource.definitions``: local share,
weighted mean, ratio, single sourcing; ``inflow``: circular inflow; the ontology's circular
R-strategies), applied to the purchases and loops dated in that year; so the figures of year
Y here equal metrics.json of ``report --year Y`` (tests/test_one_definition.py proves it).
``metrics.compute`` calls :func:`by_year` with the purchases it has already classified by
tier, so a year is measured exactly as the whole period is.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from ..definitions import local_share, ratio, single_sourced, supplier_of, weighted_mean
from ..rdf.vocab import code_lists
from .inflow import inflow_by, total
from .snapshot import Loop, Purchase, Snapshot

Row = tuple[Purchase, str, "float | None"]  # a purchase, its tier and its distance in km (metrics.Row)

#: The figures followed over the years: (key, label, kind). The kind names the unit (the
#: currency for "currency") and the precision of ``definitions.PRECISION`` below which a
#: change between years is shown as "unchanged".
FIGURES: tuple[tuple[str, str, str], ...] = (
    # the recycled + reused inflow and the loops' recovery share (issue 16: WBCSD CTI v4.0's
    # figures are circularity.cti; docs/methodology.md), named for what they measure
    ("circular_inflow_share", "Recycled + reused inflow", "share"),
    ("circular_outflow_share", "Loop recovery share (R3–R8)", "share"),
    ("local_share", "Sourced locally (hyperlocal + domestic)", "share"),
    ("weighted_average_source_distance_km", "Weighted average source distance", "km"),
    ("purchased_mass_kg", "Purchased mass", "kg"),
    ("spend", "Spend", "currency"),
    ("single_source_materials", "Single-source materials", "count"),
    ("critical_inflow_share", "Critical raw materials (share of mass)", "share"),
)


def _year_figures(snap: Snapshot, rows: Sequence[Row], loops: Sequence[Loop],
                  rates: Mapping[str, float] | None) -> dict[str, Any]:
    """The headline figures of one year's purchases (``rows``, classified) and loops."""
    purchases = [p for p, _t, _d in rows]
    inflow = total(inflow_by(purchases, lambda p: p.material).values())
    mass_by_tier: dict[str, float] = defaultdict(float)
    orgs: dict[str, set[str]] = defaultdict(set)
    for p, t, _d in rows:
        mass_by_tier[t] += p.mass_kg
        s = snap.sites[p.supplier_site]
        orgs[p.material].add(supplier_of(s.organisation, s.id))
    circular = code_lists().circular_strategies
    loop_kg = sum(lp.mass_kg for lp in loops)
    spent = [p.spend * rates[p.currency or ""] for p in purchases if p.spend is not None] if rates is not None else []
    critical = sum(p.mass_kg for p in purchases if (m := snap.materials.get(p.material)) is not None and m.critical)
    return {
        "circular_inflow_share": inflow.circular_inflow_share,
        "circular_outflow_share": ratio(sum(lp.mass_kg for lp in loops if lp.strategy in circular), loop_kg),
        "local_share": local_share(mass_by_tier),
        "weighted_average_source_distance_km": weighted_mean((p.mass_kg, d) for p, _t, d in rows),
        "purchased_mass_kg": inflow.mass_kg,
        "spend": sum(spent) if spent else None,
        "single_source_materials": len(single_sourced(orgs)),
        "critical_inflow_share": ratio(critical, inflow.mass_kg),
        "purchases": len(purchases),
        "loops": len(loops),
    }


def by_year(snap: Snapshot, rows: Sequence[Row], rates: Mapping[str, float] | None,
            currency: str | None) -> dict[str, Any]:
    """metrics.json ``trends``: the figures per calendar year present in the (filtered)
    purchases and loops, oldest first; ``figures`` lists key, label and unit of each."""
    rows_of: dict[int, list[Row]] = defaultdict(list)
    loops_of: dict[int, list[Loop]] = defaultdict(list)
    for r in rows:
        rows_of[r[0].date.year].append(r)
    for lp in snap.loops:
        loops_of[lp.date.year].append(lp)
    years = sorted(set(rows_of) | set(loops_of))
    return {
        "years": years,
        "figures": [{"key": k, "label": label, "unit": currency if unit == "currency" else unit,
                     "kind": unit} for k, label, unit in FIGURES],
        "by_year": {str(y): _year_figures(snap, rows_of[y], loops_of[y], rates) for y in years},
    }


__all__ = ["FIGURES", "by_year"]
