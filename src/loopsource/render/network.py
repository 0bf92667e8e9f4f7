"""The network design as one self-contained HTML page: baseline and optimised side by side.

Rendered from the network document (``loopsource.network.document``, the same data the JSON
output is) with the one Jinja environment (autoescaping on: names come from the user's CSV
files). The maps use the report's projection, land outline and graticule
(``render.report.fit_frame``, ``land``, ``graticule``); this module only adds what a network
map draws: plants, candidate and open hubs, markets, market assignment and re-routed flows.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..analysis.metrics import M49_REGIONS
from .env import environment
from .report import MapFrame, fit_frame, graticule, land

KIND_COLOURS = {"sourcing_hub": "#E69F00", "distribution_hub": "#0072B2"}
PLANT_COLOUR = "#1d2430"
DIRECT_COLOUR = "#8a94a3"
REROUTE_COLOUR = "#D55E00"

# (label, key in a network, format, which direction is better)
FIGURES: tuple[tuple[str, str, str, str], ...] = (
    ("objective value", "objective_value", "num", "lower"),
    ("transport cost", "transport_cost", "money", "lower"),
    ("hub fixed cost", "hub_fixed_cost", "money", "lower"),
    ("total cost (transport + hub fixed)", "total_cost", "money", "lower"),
    ("tonne-km, inbound", "tonne_km_inbound", "num", "lower"),
    ("tonne-km, outbound", "tonne_km_outbound", "num", "lower"),
    ("tonne-km, total", "tonne_km", "num", "lower"),
    ("transport emissions (kg CO2e)", "kgco2e", "num", "lower"),
    ("demand-weighted distance to markets (km)", "demand_weighted_km", "num", "lower"),
    ("share of demand within the service distance", "share_within_service", "share", "higher"),
    ("demand made in the market's own region (by mass)", "made_in_region_share", "share", "higher"),
    ("supplier HHI (inbound mass)", "supplier_hhi", "num", "lower"),
    ("supplier country HHI (inbound mass)", "supplier_country_hhi", "num", "lower"),
    ("production country HHI (product mass)", "production_country_hhi", "num", "lower"),
    ("supplier flows through a hub", "flows_via_hub", "count", "higher"),
    ("mass through sourcing hubs (kg per year)", "mass_via_hub_kg", "num", "higher"),
)


def fmt(v: Any, kind: str) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if not isinstance(v, (int, float)):
        return str(v)
    if kind == "share":
        return f"{100 * v:.1f} %"
    if kind in ("count", "money"):
        return f"{v:,.0f}"
    if kind == "gap":
        return f"{v:.2e}"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.3g}"


def _figure_rows(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for label, key, kind, better in FIGURES:
        b, o = doc["baseline"].get(key), doc["optimised"].get(key)
        d = o - b if isinstance(b, (int, float)) and isinstance(o, (int, float)) else None
        verdict = ("n/a" if d is None else "unchanged" if abs(d) <= 1e-9 * max(1.0, abs(b))
                   else "better" if (d < 0) == (better == "lower") else "worse")
        text = "" if d is None else ("±0" if verdict == "unchanged" else
                                     (f"{100 * d:+.1f} pp" if kind == "share" else
                                      ("+" if d > 0 else "−") + fmt(abs(d), kind)))
        rows.append({"label": label, "baseline": fmt(b, kind), "optimised": fmt(o, kind), "delta": text,
                     "verdict": verdict})
    return rows


def _region_rows(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    regions = sorted(set(doc["baseline"]["local_share_by_region"]) | set(doc["optimised"]["local_share_by_region"]))
    out = []
    for r in regions:
        b, o = doc["baseline"]["local_share_by_region"].get(r, {}), doc["optimised"]["local_share_by_region"].get(r, {})
        out.append({"region": f"{M49_REGIONS.get(r, r)} ({r})",
                    "cells": [fmt(x.get(k), "share") for k in ("inbound", "made_in_region") for x in (b, o)]})
    return out


def _network_map(doc: Mapping[str, Any], which: str, width: float = 900) -> dict[str, Any]:
    """Plants, hubs (open ones filled), markets with their server, and flows through hubs."""
    net = doc[which]
    pts = [(p["lon"], p["lat"]) for p in doc["plants"]] + [(m["lon"], m["lat"]) for m in doc["market_list"]]
    pts += [(h["lon"], h["lat"]) for h in doc["candidate_hubs"] if h["id"] in net["hubs"]]
    flows = {f["id"]: f for f in doc["flow_list"]}
    pts += [(flows[f]["lon"], flows[f]["lat"]) for f in net["flow_routes"]]
    fr = fit_frame(pts, width)
    where = {p["id"]: (p["lon"], p["lat"]) for p in doc["plants"]}
    where |= {h["id"]: (h["lon"], h["lat"]) for h in doc["candidate_hubs"]}
    grid, hgrid = graticule(fr)
    names = doc["names"]
    return {
        "width": width, "height": round(fr.height, 1), "land": land(fr), "grid": grid, "hgrid": hgrid,
        "assign": _assignment_lines(fr, doc, net, where),
        "flows": _flow_lines(fr, doc, net, where),
        "plants": [{"xy": fr.xy(p["lon"], p["lat"]), "name": names.get(p["id"], p["id"]), "id": p["id"],
                    "right": fr.xy(p["lon"], p["lat"])[0] > width * 0.7} for p in doc["plants"] if p["products"]],
        "hubs": [{"xy": fr.xy(h["lon"], h["lat"]), "open": h["id"] in net["hubs"], "id": h["id"],
                  "name": names.get(h["id"], h["id"]), "colour": KIND_COLOURS[h["kind"]]}
                 for h in doc["candidate_hubs"]],
        "markets": [{"xy": fr.xy(m["lon"], m["lat"]), "name": m["name"], "id": m["id"]} for m in doc["market_list"]],
    }


def _line(fr: MapFrame, a: tuple[float, float], b: tuple[float, float]) -> str:
    (x1, y1), (x2, y2) = fr.xy(*a), fr.xy(*b)
    return f"M{x1},{y1} L{x2},{y2}"


def _assignment_lines(fr: MapFrame, doc: Mapping[str, Any], net: Mapping[str, Any],
                      where: Mapping[str, tuple[float, float]]) -> list[dict[str, Any]]:
    """Maker -> (distribution hub ->) market, one line per leg."""
    out = []
    for m in doc["market_list"]:
        a = net["markets"][m["id"]]
        to = (m["lon"], m["lat"])
        if a["via_hub"]:
            out.append({"d": _line(fr, where[a["maker"]], where[a["server"]]), "colour": KIND_COLOURS["distribution_hub"],
                        "dash": "4 3"})
        out.append({"d": _line(fr, where[a["server"]], to),
                    "colour": KIND_COLOURS["distribution_hub"] if a["via_hub"] else DIRECT_COLOUR, "dash": ""})
    return out


def _flow_lines(fr: MapFrame, doc: Mapping[str, Any], net: Mapping[str, Any],
                where: Mapping[str, tuple[float, float]]) -> list[dict[str, Any]]:
    """Supplier -> sourcing hub -> plant for every flow through a hub in this network."""
    out = []
    flows = {f["id"]: f for f in doc["flow_list"]}
    for fid, hub in net["flow_routes"].items():
        f = flows[fid]
        (x1, y1), (x2, y2), (x3, y3) = fr.xy(f["lon"], f["lat"]), fr.xy(*where[hub]), fr.xy(*where[f["plant"]])
        out.append({"d": f"M{x1},{y1} L{x2},{y2} L{x3},{y3}", "flow": fid, "x": x1, "y": y1})
    return out


def render_html(doc: Mapping[str, Any]) -> str:
    """One self-contained page (inline CSS and SVG, no script, every data text escaped)."""
    names = doc["names"]
    open_hubs = [h for h in doc["candidate_hubs"] if h["id"] in doc["optimised"]["hubs"]]
    return environment().get_template("network.html.j2").render(
        doc=doc, figures=_figure_rows(doc), regions=_region_rows(doc), fmt=fmt,
        maps=[("Optimised network", _network_map(doc, "optimised")), ("Today's network", _network_map(doc, "baseline"))],
        open_hubs=open_hubs, name=lambda i: names.get(i, i) if i else "direct",
        kind_colours=KIND_COLOURS, plant_colour=PLANT_COLOUR, reroute_colour=REROUTE_COLOUR,
        direct_colour=DIRECT_COLOUR)


__all__ = ["render_html", "fmt"]
