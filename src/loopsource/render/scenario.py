"""The scenario comparison as one self-contained HTML page (inline CSS and SVG; one static
script, allowed by its hash, saves charts as SVG and tables as CSV).

Rendered from the scenario document that ``loopsource.scenario.compare`` returns (the same
document the JSON output is), with the one Jinja environment of ``render.env`` (autoescaping
on: site and organisation names come from the user's CSV files).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..analysis.metrics import TIERS
from ..definitions import changed
from ..scenario import CRMA_MAX_SINGLE_COUNTRY_SHARE
from ..scenario.indicators import value_at
from .charts import OTHER_COLOUR, PALETTE, hbars
from .env import environment, inline_script

#: The section tables' formats as kinds of definitions.PRECISION (the scorecard names its
#: units directly); "num" rows (tonne-km, emissions, money totals) are stated to one unit.
_PRECISION_KIND = {"share": "share", "kg": "kg", "km": "km", "days": "days", "hhi": "0-10,000", "count": "count",
                   "money": "currency/kg", "mci": "0-1", "num": "kg"}
#: Scorecard units after a value in a chart (the chart's title names the unit in full).
_SHORT_UNIT = {"share": "", "0-1": "", "0-10,000": "", "count": "", "currency/kg": " /kg", "currency/year": " /yr"}
#: Scorecard units as the page writes them.
_UNIT_TEXT = {"share": "%", "0-1": "0–1", "0-10,000": "HHI points (0–10,000)"}


# (section, label, path, format); format: share, kg, km, days, hhi, num, count, money, co2
def _rows(doc: Mapping[str, Any]) -> list[tuple[str, list[tuple[str, tuple[str, ...], str]]]]:
    base = doc["baseline"]
    mats = sorted(set(base["resilience"]["country_hhi"]) | {m for s in doc["scenarios"]
                                                             for m in s["indicators"]["resilience"]["country_hhi"]})
    modes = sorted(set(base["transport"]["tonne_km"]) | {m for s in doc["scenarios"]
                                                         for m in s["indicators"]["transport"]["tonne_km"]})
    products = sorted(base["circularity"]["mci"])
    strategies = list(base["circularity"]["outflow_by_strategy"])
    mname = doc["names"]["materials"]
    return [
        ("Local sourcing", [(f"{t} mass share", ("tiers", t, "mass_share"), "share") for t in TIERS]
         + [(f"{t} spend share", ("tiers", t, "spend_share"), "share") for t in TIERS]
         + [("purchased mass", ("total_mass_kg",), "kg"),
            ("weighted average source distance", ("weighted_average_source_distance_km",), "km")]),
        ("Transport", [(f"tonne-km, {m}", ("transport", "tonne_km", m), "num") for m in modes]
         + [("tonne-km, total", ("transport", "tonne_km_total"), "num")]
         + [(f"emissions, {m} (kg CO2e)", ("transport", "emissions_kg_co2e", m), "num") for m in modes]
         + [("emissions, total (kg CO2e)", ("transport", "emissions_kg_co2e_total"), "num"),
            ("tonne-km without an emission factor", ("transport", "tonne_km_without_factor"), "num")]),
        ("Lead time and spend", [
            ("mass-weighted lead time (days)", ("lead_time", "mass_weighted_days"), "days"),
            ("mass with a lead time", ("lead_time", "coverage_share"), "share"),
            ("spend (" + str(base["spend"]["currency"] or "no common currency") + ")", ("spend", "total"), "num"),
            ("spend per kg", ("spend", "per_kg"), "money")]),
        ("Resilience", [
            ("supplier HHI, mass-weighted", ("resilience", "supplier_hhi_weighted"), "hhi"),
            ("country HHI, mass-weighted", ("resilience", "country_hhi_weighted"), "hhi"),
            ("single-source materials", ("resilience", "single_source_count"), "count"),
            ("critical inflow share", ("resilience", "critical_inflow_share"), "share"),
            ("largest foreign country share", ("resilience", "largest_foreign_country_share"), "share"),
            ("unmet demand (kg)", ("unmet_demand_kg",), "kg")]
         + [(f"supplier HHI, {mname.get(m, m)}", ("resilience", "supplier_hhi", m), "hhi") for m in mats]
         + [(f"country HHI, {mname.get(m, m)}", ("resilience", "country_hhi", m), "hhi") for m in mats]),
        ("Network", [
            ("demand-weighted distance to markets (km)", ("network", "demand_weighted_km"), "km"),
            ("demand within 500 km of its server", ("network", "share_within_service"), "share"),
            ("demand made in the market's own region", ("network", "made_in_region_share"), "share"),
            ("production country HHI", ("network", "production_country_hhi"), "hhi"),
            ("network cost: transport + hub fixed", ("network", "total_cost"), "num"),
            ("network tonne-km (ISO 14083 distances, in and out)", ("network", "tonne_km"), "num"),
            ("network transport emissions (kg CO2e)", ("network", "kgco2e"), "num"),
            ("supplier flows through a sourcing hub", ("network", "flows_via_hub"), "count")]),
        ("Circularity", [
            ("circular inflow share", ("circularity", "circular_inflow_share"), "share"),
            ("circular outflow share", ("circularity", "circular_outflow_share"), "share")]
         + [(f"outflow, {st} (kg)", ("circularity", "outflow_by_strategy", st), "kg") for st in strategies]
         + [(f"MCI, {doc['names']['products'].get(p, p)}", ("circularity", "mci", p), "mci") for p in products]),
    ]


def _fmt(v: Any, kind: str) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if not isinstance(v, (int, float)):
        return str(v)
    if kind == "share":
        return f"{100 * v:.1f} %"
    if kind in ("kg", "km", "hhi", "count"):
        return f"{v:,.0f}"
    if kind in ("days", "money"):
        return f"{v:,.2f}"
    if kind == "mci":
        return f"{v:.3f}"
    return f"{v:,.1f}" if abs(v) >= 10 else f"{v:,.3g}"


def _fmt_delta(v: Any, kind: str) -> str:
    """A delta at the row's precision: "unchanged" below it (definitions.PRECISION)."""
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return ""
    if not changed(v, _PRECISION_KIND.get(kind, kind)):
        return "unchanged"
    if kind == "share":
        return f"{100 * v:+.1f} pp"
    text = _fmt(abs(v), kind)
    return ("+" if v > 0 else "−") + text


def _row_unit(label: str, kind: str, currency: str | None) -> str:
    """The unit of a section table row: from its format, or for plain numbers from its label."""
    money = currency or "currency"
    fixed = {"share": "%", "kg": "kg", "km": "km", "days": "days", "hhi": "HHI points (0–10,000)", "count": "count",
             "money": f"{money}/kg", "mci": "0–1"}
    if kind in fixed:
        return fixed[kind]
    for key, unit in (("kg CO2e", "kg CO2e"), ("tonne-km", "tonne-km"), ("network cost", f"{money}/year"),
                      ("spend", money)):
        if key in label:
            return unit
    return ""


def _sections(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The indicator tables: baseline, then value and delta per scenario; rows empty everywhere are left out."""
    sections = []
    for title, rows in _rows(doc):
        out_rows = []
        for label, path, kind in rows:
            base = value_at(doc["baseline"], path)
            cells = []
            for s in doc["scenarios"]:
                v = value_at(s["indicators"], path)
                d = v - base if isinstance(v, (int, float)) and isinstance(base, (int, float)) else None
                cells.append((_fmt(v, kind), _fmt_delta(d, kind)))
            if base is None and all(c[0] == "–" for c in cells):
                continue
            out_rows.append({"label": label, "unit": _row_unit(label, kind, doc["baseline"]["spend"]["currency"]),
                             "baseline": _fmt(base, kind), "cells": cells})
        sections.append({"title": title, "rows": out_rows})
    return sections


def _crma_rows(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per (Annex I entry, year) seen in the baseline or any scenario."""
    rows = []
    keys = sorted({(m, y) for m, ys in doc["baseline"]["crma"].items() for y in ys}
                  | {(m, y) for s in doc["scenarios"] for m, ys in s["indicators"]["crma"].items() for y in ys})
    for m, y in keys:
        def cell(ind: Mapping[str, Any]) -> dict[str, Any]:
            r = ind["crma"].get(m, {}).get(y)
            return {"text": "–" if r is None else f"{_fmt(r['share'], 'share')} {r['country'] or ''}".strip(),
                    "exceeds": bool(r and r["exceeds"])}
        rows.append({"material": doc["names"].get("crma_entries", {}).get(m, m), "year": y,
                     "baseline": cell(doc["baseline"]), "cells": [cell(s["indicators"]) for s in doc["scenarios"]]})
    return rows


def _unit_kind(unit: str) -> str:
    """The _fmt kind of a scorecard unit."""
    return {"share": "share", "0-1": "mci", "0-10,000": "hhi", "count": "count", "days": "days", "km": "km",
            "kg": "kg", "currency/kg": "money"}.get(unit, "num")


def _scorecard_charts(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One small bar chart per scorecard indicator: the baseline and each scenario, in the
    indicator's unit (rows with no value anywhere are left out)."""
    colours = ["#5b6575", *PALETTE]
    charts = []
    if not doc["scenarios"]:
        return charts
    for i, row in enumerate(doc["scenarios"][0]["scorecard"]):
        kind = _unit_kind(row["unit"])
        values = [("baseline", row["baseline"])] + [(s["name"], s["scorecard"][i]["scenario"])
                                                    for s in doc["scenarios"]]
        nums = [v for _n, v in values if isinstance(v, (int, float))]
        if not nums:
            continue
        vmax = 1.0 if kind == "share" else max(max(nums), 1e-12)
        short = _SHORT_UNIT.get(row["unit"], " " + row["unit"])
        bars = [{"label": name, "value": v, "text": _fmt(v, kind) + ("" if v is None else short),
                 "colour": colours[j] if j < len(colours) else OTHER_COLOUR} for j, (name, v) in enumerate(values)]
        charts.append({"id": f"chart-scorecard-{i + 1}", "indicator": row["indicator"], "dimension": row["dimension"],
                       "unit": _UNIT_TEXT.get(row["unit"], row["unit"]), "better": row["better"],
                       "verdicts": [s["scorecard"][i]["verdict"] for s in doc["scenarios"]],
                       "chart": hbars(bars, vmax, width=380, label_w=120, bar=14, gap=6, value_w=105)})
    return charts


def render_html(doc: Mapping[str, Any]) -> str:
    """One self-contained HTML page (inline CSS, every data text escaped; one inline script,
    allowed by its hash, saves charts as SVG and tables as CSV)."""
    template = environment().get_template("scenario.html.j2")
    script, script_hash = inline_script("download.js")
    return template.render(doc=doc, sections=_sections(doc), crma=_crma_rows(doc), fmt=_fmt, fmt_delta=_fmt_delta,
                           limit=CRMA_MAX_SINGLE_COUNTRY_SHARE, charts=_scorecard_charts(doc),
                           unit_kind=_unit_kind, unit_text=_UNIT_TEXT, download_js=script, script_hash=script_hash)


__all__ = ["render_html"]
