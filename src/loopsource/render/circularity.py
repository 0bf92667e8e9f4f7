"""The report's circularity headline cards and the view of the WBCSD CTI v4.0 and EMF MCI 2019
figures (template partial ``report_cti_mci.html.j2``, included from ``report.html.j2``).

The headline shows the CTI figures when the data allow them and names the figure it shows: the
CTI circular inflow always (recycled + reused + certified renewable inflow), the CTI circular
outflow when products sold are known (sales.csv), else the share of the recorded loops sent to
R3-R8, labelled as such. Definitions: docs/methodology.md.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .env import fmt_pct


def headline_cards(metrics: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The two circularity cards at the top of the page (``figure``: the metrics.json key shown)."""
    circ = metrics["circularity"]
    cti = circ["cti"]
    inflow = {"label": "Circular inflow (CTI v4)", "value": fmt_pct(cti["circular_inflow_share"]),
              "figure": "circularity.cti.circular_inflow_share", "exact": cti["circular_inflow_share"],
              "note": "recycled + reused + certified renewable share of purchased mass (WBCSD CTI v4.0)"}
    if cti["circular_outflow_share"] is not None:
        outflow = {"label": "Circular outflow (CTI v4)", "value": fmt_pct(cti["circular_outflow_share"]),
                   "figure": "circularity.cti.circular_outflow_share", "exact": cti["circular_outflow_share"],
                   "note": "recovery potential × actual recovery of products sold and loops (WBCSD CTI v4.0)"}
    else:
        outflow = {"label": "Loop recovery share", "value": fmt_pct(circ["loop_recovery_share"]),
                   "figure": "circularity.loop_recovery_share", "exact": circ["loop_recovery_share"],
                   "note": "recorded loop mass sent to R3–R8; not the CTI circular outflow ("
                           + (cti["not_computable"] or "not computable") + ")"}
    return [inflow, outflow]


__all__ = ["headline_cards"]
