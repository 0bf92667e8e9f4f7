"""The report's views over time and its one-page summary: year-over-year trends (small
multiples and a table), the CRMA concentration per year against the 65 % benchmark, and the
key findings written out for a board. Everything is read from the metrics document
(``trends``, ``period``, ``resilience.crma``, ``details.crma_by_year``): no figure is
computed here, only chosen, ordered and worded.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..definitions import changed
from ..validate.crma import benchmark
from .charts import lines, palette, stacked
from .env import fmt_mass, fmt_num, fmt_pct

#: How many countries each CRMA bar names (the rest are "other").
CRMA_TOP = 5


def fmt_figure(value: float | None, kind: str, unit: str | None = None) -> str:
    """A figure with its unit, at the precision of its kind (definitions.PRECISION)."""
    if value is None:
        return "–"
    if kind == "share":
        return fmt_pct(value)
    if kind == "km":
        return f"{fmt_num(value)} km"
    if kind == "kg":
        return fmt_mass(value)  # t from 1,000 kg
    if kind == "currency":
        return f"{fmt_num(value)} {unit or ''}".strip()
    if kind == "count":
        return fmt_num(value)
    return fmt_num(value, 3)


def fmt_change(delta: float | None, kind: str, unit: str | None = None) -> str:
    """A change between two values of a figure: "unchanged" below the figure's precision,
    percentage points for shares, else the difference with its unit and sign."""
    if delta is None:
        return "–"
    if not changed(delta, kind):
        return "unchanged"
    if kind == "share":
        return f"{100 * delta:+.1f} pp".replace("-", "−")
    text = fmt_figure(abs(delta), kind, unit)
    return ("+" if delta > 0 else "−") + text


def trends_view(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """One small chart per headline figure over the years, and the table of the same numbers."""
    tr = metrics["trends"]
    years = tr["years"]
    charts, rows = [], []
    for f in tr["figures"]:
        values = [tr["by_year"][str(y)][f["key"]] for y in years]
        texts = [fmt_figure(v, f["kind"], f["unit"]) for v in values]
        vmax = 1.0 if f["kind"] == "share" else None
        first, last = values[0] if values else None, values[-1] if values else None
        delta = last - first if len(values) > 1 and first is not None and last is not None else None
        change = fmt_change(delta, f["kind"], f["unit"])
        unit = {"share": "%", "kg": "t", "count": "materials"}.get(f["kind"], f["unit"] or "")
        charts.append({**f, "chart": lines(years, values, vmax=vmax, text=texts), "change": change,
                       "unit_label": unit})
        rows.append({**f, "values": values, "texts": texts, "change": change, "unit_label": unit})
    return {"years": years, "trend_charts": charts, "trend_rows": rows}


def crma_years_view(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """Per Annex I entry: one stacked bar per year of contained element mass by supplier
    country, with the benchmark line; colours shared by every CRMA chart (one legend)."""
    rows = metrics["details"]["crma_by_year"]
    bench = benchmark()
    by_entry: dict[str, dict[str, Any]] = {}
    for r in rows:
        e = by_entry.setdefault(r["entry"], {"entry": r["entry"], "label": r["label"], "annex": r["annex"],
                                             "years": {}})
        e["years"].setdefault(r["year"], []).append(r)
    order: list[str] = []
    for e in by_entry.values():
        for ys in e["years"].values():
            order += [r["country"] for r in ys[:CRMA_TOP] if r["country"] not in order]
    colours = palette(order)
    charts = []
    for key in sorted(by_entry, key=lambda k: by_entry[k]["label"]):
        e = by_entry[key]
        bar_rows = []
        for year, ys in sorted(e["years"].items()):
            shares = {r["country"]: r["share"] for r in ys[:CRMA_TOP] if r["country"] in colours}
            rest = 1.0 - sum(shares.values())
            if rest > 1e-9:
                shares["other"] = rest
            bar_rows.append((str(year), shares))
        conc = [metrics["resilience"]["crma"].get(f"{key}/{y}") for y in sorted(e["years"])]
        chart = stacked(bar_rows, [*colours], colours, width=520, label_w=60, bar=22,
                        markers=[(bench, f"{fmt_pct(bench, 0)} benchmark")])
        charts.append({"entry": key, "title": f"{e['label']} (Annex {e['annex']})", "chart": chart,
                       "concentration": [c for c in conc if c is not None],
                       "rows": [r for _y, ys in sorted(e["years"].items()) for r in ys]})
    return {"crma_years": charts, "crma_colours": {k: v for k, v in colours.items() if k in order or k == "other"},
            "crma_benchmark": bench}


def key_findings(metrics: Mapping[str, Any], mat_name: Any) -> list[str]:
    """Sentences for the one-page summary, each from a figure the report shows below."""
    out: list[str] = []
    circ, local, res = metrics["circularity"], metrics["local_sourcing"], metrics["resilience"]
    tr = metrics["trends"]
    years = tr["years"]

    def over_years(key: str, kind: str) -> str:
        if len(years) < 2:
            return ""
        vals = [tr["by_year"][str(y)][key] for y in years]
        steps = " → ".join(f"{y}: {fmt_figure(v, kind)}" for y, v in zip(years, vals))
        d = vals[-1] - vals[0] if vals[0] is not None and vals[-1] is not None else None
        return f" ({steps}; {fmt_change(d, kind)})"

    out.append(f"Recycled + reused inflow is {fmt_pct(circ['circular_inflow_share'])} of purchased mass"
               f"{over_years('circular_inflow_share', 'share')}.")
    out.append(f"{fmt_pct(local['local_share'])} is sourced locally (hyperlocal or domestic)"
               f"{over_years('local_share', 'share')}.")
    for key, c in sorted(res["crma"].items()):
        if c["exceeds"]:
            later = [v for k, v in sorted(res["crma"].items()) if v["entry"] == c["entry"] and v["year"] > c["year"]]
            tail = "".join(f"; {v['year']}: {fmt_pct(v['share'])} {v['country'] or ''}".rstrip() for v in later)
            out.append(f"CRMA: {fmt_pct(c['share'])} of {c['label']} bought in {c['year']} came from {c['country']}, "
                       f"above the {fmt_pct(c['benchmark'], 0)} single-country benchmark{tail}.")
    single = res["single_source_materials"]
    if single:
        names = ", ".join(mat_name(m) for m in single[:3]) + (", …" if len(single) > 3 else "")
        out.append(f"{len(single)} material{'s are' if len(single) != 1 else ' is'} bought from a single supplier "
                   f"({names}).")
    comp = metrics["compliance"]
    if comp["conforms"] is None:
        out.append("Compliance was not checked (run with validation to include the EU profiles).")
    else:
        v = sum(p["violations"] for p in comp["by_profile"].values())
        w = sum(p["warnings"] for p in comp["by_profile"].values())
        out.append(f"Compliance: {'conforms' if comp['conforms'] else 'does not conform'}, {v:,} violation"
                   f"{'s' if v != 1 else ''} and {w:,} warning{'s' if w != 1 else ''} "
                   f"in {len(comp['by_profile'])} profiles.")
    return out


__all__ = ["trends_view", "crma_years_view", "key_findings", "fmt_figure", "fmt_change"]
