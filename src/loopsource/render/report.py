"""Render the metrics document as one self-contained HTML file (and as JSON).

The HTML makes no network request: CSS and SVG are inline, and a Content-Security-Policy
meta tag forbids everything else but the page's one static script (templates/download.js,
allowed by its hash: it saves a chart as SVG or a table as CSV), so a report can be mailed
and opened safely. Jinja2 autoescaping is on: every name that comes from the data is escaped.
Chart geometry is computed here and in charts.py and summary.py (numbers only); the template
(report.html.j2 with one partial per section in templates/report/) draws it and puts the
numbers in a table beside every chart. Reading the page: docs/report.md.
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from .. import __version__
from ..analysis.metrics import R_CODES, STRATEGIES, TIERS
from ..definitions import HYPERLOCAL_KM, period_of, period_text
from .charts import hbars as _hbars
from .charts import palette
from .charts import stacked as _stacked
from .circularity import headline_cards
from .env import environment, fmt_mass, fmt_num, fmt_pct, inline_script
from .summary import crma_years_view, key_findings, trends_view
from .worldmap import OUTLINE

TIER_COLOURS = {"hyperlocal": "#009E73", "domestic": "#0072B2", "regional": "#E69F00", "global": "#D55E00"}
TIER_LABELS = {"hyperlocal": f"Hyperlocal (≤ {HYPERLOCAL_KM:g} km)", "domestic": "Domestic", "regional": "Regional (M49)",
               "global": "Global"}
SECTIONS = (("headline", "Summary"), ("trends", "Trends"), ("local-sourcing", "Local sourcing"), ("circularity", "Circularity"),
            ("cti-mci", "CTI & MCI"), ("esrs-e5", "ESRS E5"), ("resilience", "Resilience"), ("compliance", "Compliance"),
            ("readiness", "Readiness"), ("transport", "Transport"), ("data-gaps", "Data gaps"),
            ("methodology", "Methodology"))


@dataclass(frozen=True)
class MapFrame:
    """The map's window on the globe (degrees) and its scale (pixels per degree)."""

    lon0: float
    lat0: float
    lon1: float
    lat1: float
    k: float
    width: float
    height: float
    step: int  # graticule spacing in degrees: 30, 10 or 5 by the window's width

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return round((lon - self.lon0) * self.k, 1), round((self.lat1 - lat) * self.k, 1)


def _frame(details: Mapping[str, Any], width: float) -> MapFrame:
    """Equirectangular window fitted to the plotted sites and plants, at a pleasant aspect."""
    pts = [(s["lon"], s["lat"]) for s in details["map_sites"]]
    pts += [(p["lon"], p["lat"]) for p in details["plants"] if p["lat"] is not None]
    return fit_frame(pts, width)


def fit_frame(pts: Sequence[tuple[float, float]], width: float) -> MapFrame:
    """Equirectangular window fitted to (lon, lat) points, at a pleasant aspect; the whole
    world without points. Shared with the network page (render.network)."""
    if pts:
        lon0, lon1 = min(p[0] for p in pts) - 12, max(p[0] for p in pts) + 12
        lat0, lat1 = min(p[1] for p in pts) - 8, max(p[1] for p in pts) + 8
    else:
        lon0, lon1, lat0, lat1 = -180.0, 180.0, -60.0, 85.0
    # keep a pleasant aspect (between 2.2:1 and 1.4:1) and stay on the globe
    span_lon, span_lat = max(lon1 - lon0, 30.0), max(lat1 - lat0, 18.0)
    if span_lon / span_lat > 2.2:
        span_lat = span_lon / 2.2
    elif span_lon / span_lat < 1.4:
        span_lon = span_lat * 1.4
    c_lon, c_lat = (lon0 + lon1) / 2, (lat0 + lat1) / 2
    span_lon, span_lat = min(span_lon, 360.0), min(span_lat, 145.0)
    lon0 = max(-180.0, min(c_lon - span_lon / 2, 180.0 - span_lon))
    lat0 = max(-60.0, min(c_lat - span_lat / 2, 85.0 - span_lat))
    k = width / span_lon
    step = 30 if span_lon > 120 else 10 if span_lon > 40 else 5
    return MapFrame(lon0, lat0, lon0 + span_lon, lat0 + span_lat, k, width, span_lat * k, step)


def land(fr: MapFrame) -> list[str]:
    """SVG paths of the outline polygons that reach into the window."""
    land = []
    for poly in OUTLINE:
        if max(p[0] for p in poly) < fr.lon0 or min(p[0] for p in poly) > fr.lon1 or \
                max(p[1] for p in poly) < fr.lat0 or min(p[1] for p in poly) > fr.lat1:
            continue
        land.append("M" + " L".join(f"{x},{y}" for x, y in (fr.xy(*p) for p in poly)) + " Z")
    return land


def graticule(fr: MapFrame) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Meridians and parallels every ``fr.step`` degrees, labelled."""
    grid = []
    for lon in range(-180, 181, fr.step):
        if fr.lon0 <= lon <= fr.lon1:
            x, _ = fr.xy(lon, 0)
            grid.append({"x1": x, "y1": 0, "x2": x, "y2": round(fr.height, 1), "label": f"{abs(lon)}°{'E' if lon > 0 else 'W' if lon < 0 else ''}"})
    hgrid = []
    for lat in range(-90, 91, fr.step):
        if fr.lat0 <= lat <= fr.lat1:
            _, y = fr.xy(0, lat)
            hgrid.append({"x1": 0, "y1": y, "x2": fr.width, "y2": y, "label": f"{abs(lat)}°{'N' if lat > 0 else 'S' if lat < 0 else ''}"})
    return grid, hgrid


def _flows(fr: MapFrame, flows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Curved flow lines, width by the square root of mass; the largest flows are drawn last (on top)."""
    max_kg = max([f["mass_kg"] for f in flows] + [1.0])
    out = []
    for f in reversed(flows):
        x1, y1 = fr.xy(f["from_lon"], f["from_lat"])
        x2, y2 = fr.xy(f["to_lon"], f["to_lat"])
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        dx, dy = x2 - x1, y2 - y1
        cx, cy = round(mx - dy * 0.15, 1), round(my + dx * 0.15, 1)
        out.append({"d": f"M{x1},{y1} Q{cx},{cy} {x2},{y2}", "colour": TIER_COLOURS[f["tier"]],
                    "w": round(0.6 + 3.4 * math.sqrt(f["mass_kg"] / max_kg), 2), "flow": f})
    return out


def _dots(fr: MapFrame, sites: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Supplier sites, radius by the square root of mass, coloured by their main tier."""
    max_site = max([s["mass_kg"] for s in sites] + [1.0])
    dots = []
    for s in reversed(sites):
        x, y = fr.xy(s["lon"], s["lat"])
        dots.append({"x": x, "y": y, "r": round(2.2 + 5 * math.sqrt(s["mass_kg"] / max_site), 1),
                     "colour": TIER_COLOURS[s["tier"]], "site": s})
    return dots


def _plant_marks(fr: MapFrame, plants: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Plants with a label each, largest first; a label that would overlap one already placed is left out."""
    marks = []
    placed: list[tuple[float, float, float, float]] = []
    for p in sorted(plants, key=lambda p: (-p["mass_kg"], p["id"])):
        if p["lat"] is None:
            continue
        x, y = fr.xy(p["lon"], p["lat"])
        right = x > fr.width * 0.75
        label_w = 6.2 * min(len(p["name"]), 34)
        box = (x - 9 - label_w if right else x + 9, y - 8, label_w, 16)
        overlaps = any(box[0] < b[0] + b[2] and b[0] < box[0] + box[2] and box[1] < b[1] + b[3] and b[1] < box[1] + box[3]
                       for b in placed)
        if not overlaps:
            placed.append(box)
        marks.append({"x": x, "y": y, "plant": p, "anchor": "end" if right else "start",
                      "tx": x - 9 if right else x + 9, "label": not overlaps})
    return marks


def _map(details: Mapping[str, Any], width: float = 900) -> dict[str, Any]:
    """Equirectangular projection fitted to the plotted sites, with the coarse world outline,
    and an inset at a larger scale where the sites crowd (see :func:`_inset_frame`)."""
    fr = _frame(details, width)
    out = _map_layer(fr, details)
    inset = _inset_frame(fr, [(s["lon"], s["lat"]) for s in details["map_sites"]])
    out["inset"] = None
    if inset is not None:
        sites = [s for s in details["map_sites"] if inset.lon0 <= s["lon"] <= inset.lon1
                 and inset.lat0 <= s["lat"] <= inset.lat1]
        layer = _map_layer(inset, {**details, "map_sites": sites})
        x0, y0 = fr.xy(inset.lon0, inset.lat1)
        x1, y1 = fr.xy(inset.lon1, inset.lat0)
        out["inset"] = {**layer, "sites": len(sites),
                        "box": {"x": x0, "y": y0, "w": round(x1 - x0, 1), "h": round(y1 - y0, 1)}}
    return out


def _map_layer(fr: MapFrame, details: Mapping[str, Any]) -> dict[str, Any]:
    grid, hgrid = graticule(fr)
    return {"width": fr.width, "height": round(fr.height, 1), "land": land(fr), "grid": grid, "hgrid": hgrid,
            "flows": _flows(fr, details["map_flows"]), "dots": _dots(fr, details["map_sites"]),
            "plants": _plant_marks(fr, details["plants"]),
            "bounds": [round(fr.lon0, 1), round(fr.lat0, 1), round(fr.lon1, 1), round(fr.lat1, 1)]}


#: A map gets an inset when at least INSET_MIN sites sit within one INSET_CELL-pixel square.
INSET_MIN, INSET_CELL = 8, 70.0


def _inset_frame(fr: MapFrame, pts: list[tuple[float, float]], width: float = 600) -> MapFrame | None:
    """The window of the densest crowd of sites on the main map (the most sites in one square
    of INSET_CELL pixels, with the squares around it), drawn again at a larger scale; None when
    no square holds INSET_MIN sites or the inset would not be at least twice the scale."""
    cells: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for lon, lat in pts:
        x, y = fr.xy(lon, lat)
        cells.setdefault((int(x // INSET_CELL), int(y // INSET_CELL)), []).append((lon, lat))
    if not cells:
        return None
    (cx, cy), crowd = max(cells.items(), key=lambda kv: (len(kv[1]), kv[0]))
    if len(crowd) < INSET_MIN:
        return None
    near = [p for (i, j), ps in cells.items() if abs(i - cx) <= 1 and abs(j - cy) <= 1 for p in ps]
    inset = fit_frame(near, width)
    return inset if inset.k >= 2 * fr.k else None


# ----------------------------------------------------------------------------- view model
def _headline(metrics: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The eight figures at the top of the page. ``figure`` names the metrics.json value a card
    shows and ``exact`` is that value unrounded (written as the card's data-value attribute, so
    that a reader or a test can check the page against metrics.json and the queries)."""
    d = metrics["details"]
    local, circ, res, comp = (metrics["local_sourcing"], metrics["circularity"], metrics["resilience"],
                              metrics["compliance"])
    mcis = [v for v in circ["mci"].values() if v is not None]
    n_viol, n_warn = _finding_counts(comp)
    return [
        *headline_cards(metrics),  # CTI v4.0 where the data allow it (render/circularity.py)
        {"label": "Sourced locally", "value": fmt_pct(local["local_share"]),
         "figure": "local_sourcing.local_share", "exact": local["local_share"],
         "note": "hyperlocal + domestic share of purchased mass"},
        {"label": "Weighted source distance", "value": fmt_num(local["weighted_average_source_distance_km"]) + " km"
         if local["weighted_average_source_distance_km"] is not None else "–", "note": "mass-weighted (WASD)",
         "figure": "local_sourcing.weighted_average_source_distance_km",
         "exact": local["weighted_average_source_distance_km"]},
        {"label": "MCI", "value": (f"{min(mcis):.2f}–{max(mcis):.2f}" if len(mcis) > 1 else f"{mcis[0]:.2f}")
         if mcis else "–", "note": f"Material Circularity Indicator (0–1), lowest–highest of {len(circ['mci'])} "
                                  "product(s)"},
        {"label": "Single-source materials", "value": f"{len(res['single_source_materials'])} / {len(d['hhi'])}",
         "note": "materials (of all bought) from exactly one supplier organisation",
         "figure": "resilience.single_source_materials", "exact": len(res["single_source_materials"])},
        {"label": "Critical raw materials", "value": fmt_pct(res["critical_inflow_share"]),
         "note": "share of purchased mass (CRMA Annex II)",
         "figure": "resilience.critical_inflow_share", "exact": res["critical_inflow_share"]},
        {"label": "Compliance", "value": ("–" if comp["conforms"] is None else "conforms" if comp["conforms"]
                                          else f"{n_viol:,} violation{'s' if n_viol != 1 else ''}"),
         "note": "not checked" if comp["conforms"] is None
         else f"{n_warn:,} warning{'s' if n_warn != 1 else ''}"
         + ("" if metrics["period"]["selection"] == "all dates" else "; every year in the store (rules have their own dates)"),
         "bad": comp["conforms"] is False},
    ]


def _finding_counts(compliance: Mapping[str, Any]) -> tuple[int, int]:
    """(violations, warnings) over every profile."""
    return (sum(p["violations"] for p in compliance["by_profile"].values()),
            sum(p["warnings"] for p in compliance["by_profile"].values()))


def _sourcing_view(local: Mapping[str, Any], site_names: Mapping[str, str]) -> dict[str, Any]:
    """Tier shares for all sites and per plant: a stacked chart and its table."""
    tier_rows = [("All sites", {t: local["by_tier"][t]["mass_share"] for t in TIERS})]
    tier_rows += [(site_names.get(sid, sid), {t: v["by_tier"][t]["mass_share"] for t in TIERS})
                  for sid, v in local["by_site"].items()]
    tier_table = [{"id": None, "name": "All sites", **local}]
    tier_table += [{"id": sid, "name": site_names.get(sid, sid), **v} for sid, v in local["by_site"].items()]
    return {"tiers_chart": _stacked(tier_rows, TIERS, TIER_COLOURS), "tier_table": tier_table}


def _circularity_view(circ: Mapping[str, Any], product_names: Mapping[str, str],
                      mat_name: Callable[[str], str]) -> dict[str, Any]:
    """Circular inflow per material, outflow per R-strategy and MCI per product."""
    inflow_rows = sorted(circ["by_material"].items(), key=lambda kv: (-(kv[1]["circular_inflow_share"] or 0), kv[0]))
    inflow_chart = _hbars([{"label": mat_name(m), "value": v["circular_inflow_share"],
                            "text": fmt_pct(v["circular_inflow_share"]), "colour": "#0072B2"}
                           for m, v in inflow_rows], 1.0)
    outflow = circ["outflow_by_strategy"]
    out_max = max(list(outflow.values()) + [0.0])
    outflow_chart = _hbars([{"label": f"{R_CODES.get(s, '')} {s}".strip(), "value": outflow.get(s, 0.0),
                             "text": fmt_mass(outflow.get(s, 0.0)),
                             "colour": "#009E73" if s in STRATEGIES[:6] else "#999999"}
                            for s in outflow], out_max)
    mci_chart = _hbars([{"label": product_names.get(p, p), "value": v, "text": "–" if v is None else f"{v:.3f}",
                         "colour": "#CC79A7"} for p, v in circ["mci"].items()], 1.0)
    return {"inflow_chart": inflow_chart, "inflow_rows": [(m, mat_name(m), v) for m, v in inflow_rows],
            "outflow_chart": outflow_chart, "mci_chart": mci_chart}


def _concentration_view(hhi: Sequence[Mapping[str, Any]], thresholds: Sequence[float]) -> dict[str, Any]:
    """Supplier and country HHI per material, with the selected guidelines' bands marked."""
    band = {"high": "#D55E00", "moderate": "#E69F00"}
    marks = [(float(x), f"{x:,.0f}") for x in thresholds]
    hhi_rows = sorted(hhi, key=lambda r: (-r["supplier_hhi"], r["material"]))
    hhi_chart = _hbars([{"label": r["name"], "value": r["supplier_hhi"], "text": fmt_num(r["supplier_hhi"]),
                         "colour": band.get(r["supplier_band"], "#009E73")}
                        for r in hhi_rows], 10000.0, markers=marks)
    country_chart = _hbars([{"label": r["name"], "value": r["country_hhi"], "text": fmt_num(r["country_hhi"]),
                             "colour": band.get(r["country_band"], "#009E73")}
                            for r in sorted(hhi, key=lambda r: (-r["country_hhi"], r["material"]))], 10000.0,
                           markers=marks)
    return {"hhi_chart": hhi_chart, "hhi_rows": hhi_rows, "country_chart": country_chart}


def _critical_view(critical_by_country: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Critical raw materials by supplying country: the top five countries each, the rest as 'other'."""
    critical: dict[str, dict[str, Any]] = {}
    for r in critical_by_country:
        c = critical.setdefault(r["material"], {"material": r["material"], "name": r["name"],
                                                "strategic": r["strategic"], "countries": [], "total": 0.0})
        c["countries"].append(r)
        c["total"] += r["mass_kg"]
    crit_list = sorted(critical.values(), key=lambda c: (-c["total"], c["material"]))
    country_keys: list[str] = []
    for c in crit_list:
        c["top"] = c["countries"][:5]
        c["other_share"] = max(0.0, 1.0 - sum(r["share"] or 0 for r in c["top"]))
        c["other_countries"] = len(c["countries"]) - len(c["top"])
        country_keys += [r["country"] for r in c["top"] if r["country"] not in country_keys]
    # one colour per country across the chart; countries beyond the palette are drawn as "other"
    country_colours = palette(country_keys)
    crit_rows = []
    for c in crit_list:
        shares = {r["country"]: r["share"] for r in c["top"] if r["country"] in country_colours}
        other = 1.0 - sum(v or 0 for v in shares.values())
        if other > 1e-9:
            shares["other"] = other
        crit_rows.append((c["name"], shares))
    used = {k for _n, sh in crit_rows for k in sh}
    country_colours = {k: v for k, v in country_colours.items() if k in used}
    return {"critical": crit_list, "crit_chart": _stacked(crit_rows, list(country_colours), country_colours),
            "country_colours": country_colours}


def _view(metrics: Mapping[str, Any], title: str | None, source: str | None) -> dict[str, Any]:
    """Everything the template reads: the metrics document, charts computed from it, names and labels."""
    d = metrics["details"]
    site_names = d["site_names"]
    mats = d["materials"]

    def mat_name(m: str) -> str:
        return (mats.get(m) or {}).get("name") or m

    n_viol, n_warn = _finding_counts(metrics["compliance"])
    script, script_hash = inline_script("download.js")
    return {
        "title": title or "Circular procurement report", "source": source, "version": __version__,
        "period": metrics["period"], "findings": key_findings(metrics, mat_name), **trends_view(metrics),
        **crma_years_view(metrics), "download_js": script, "script_hash": script_hash,
        "sections": SECTIONS, "headline": _headline(metrics), "m": metrics, "d": d, "meta": metrics["meta"],
        "tiers": TIERS, "tier_colours": TIER_COLOURS, "tier_labels": TIER_LABELS,
        **_sourcing_view(metrics["local_sourcing"], site_names), "map": _map(d),
        **_circularity_view(metrics["circularity"], d["product_names"], mat_name),
        "r_codes": R_CODES, "circular_strategies": STRATEGIES[:6],
        **_concentration_view(d["hhi"], metrics["meta"]["hhi_thresholds"]), **_critical_view(d["critical_by_country"]),
        "mat_name": mat_name, "site_name": lambda s: site_names.get(s, s),
        "n_violations": n_viol, "n_warnings": n_warn, "readiness": metrics.get("readiness"),
        "readiness_downloads": True,  # the readiness table's CSV button (report only: the page has the script)
        # the purchases' years the page covers (metrics.json period), in the words of definitions.period_of
        "period_years_text": period_text(period_of((metrics.get("period") or {}).get("years") or ())),
    }


def render(metrics: Mapping[str, Any], snapshot: object = None, validation: object = None, *,
           title: str | None = None, source: str | None = None) -> str:
    """report.html as a string. ``metrics`` is the output of :func:`loopsource.metrics.compute`.

    ``snapshot`` and ``validation`` are accepted for symmetry with ``compute``; everything the
    page shows is already in ``metrics`` (``details`` holds the tables behind the charts).
    """
    del snapshot, validation
    return environment().get_template("report.html.j2").render(**_view(metrics, title, source))


_JSON = {"indent": 2, "ensure_ascii": False, "allow_nan": False}


def to_json(metrics: Mapping[str, Any]) -> str:
    """metrics.json: stable key order as computed, UTF-8, no NaN."""
    return json.dumps(metrics, **_JSON) + "\n"


def write_json(metrics: Mapping[str, Any], f: TextIO) -> None:
    """:func:`to_json`, written to ``f`` piece by piece (the same text, never whole in memory:
    at 10^7 triples metrics.json is hundreds of MB, and json.dumps holds every piece of it in a
    list before joining them)."""
    json.dump(metrics, f, **_JSON)
    f.write("\n")


__all__ = ["render", "to_json", "write_json", "fmt_pct", "fmt_mass", "fmt_num", "TIER_COLOURS", "MapFrame", "fit_frame", "land",
           "graticule"]
