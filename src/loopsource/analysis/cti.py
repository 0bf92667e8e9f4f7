"""WBCSD Circular Transition Indicators v4.0 (2023): % circular inflow, % circular outflow and
% circularity of the selection, defined once here (and in ``inflow`` / ``definitions``).

* Circular inflow = (recycled + reused + sustainably managed renewable mass) / purchased mass
  (``inflow.Inflow.cti_circular_inflow_share``).
* Circular outflow = sum over outflow streams of mass x recovery potential x actual recovery,
  over the mass of all streams. Streams: every bill-of-materials line of every product sold
  (sales.csv units x kg per unit; recovery potential from bom.csv or products.csv; actual
  recovery = C_R + C_U (+ C_C for a biological material) of the line, as the MCI uses them), and
  the loops of loops.csv (the company's own waste and by-products: recovered when sent to
  R3-R8, i.e. recovery potential x actual recovery = 1, else 0). Not computable without
  sales.csv, or when a product sold has no bill of materials or no recovery potential.
* % circularity = (CI x inflow mass + CO x outflow mass) / (inflow mass + outflow mass).

The loop-based share of the loops alone stays in metrics.json as ``circular_outflow_share``
(and ``loop_recovery_share``, its honest name). The catalogue queries ``cti-circular-inflow``
and ``cti-circular-outflow`` compute the same rows. Sources: docs/methodology.md.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..definitions import ratio
from .inflow import Inflow
from .mci2019 import line_inputs
from .snapshot import BomLine, Loop, Product, Sale

METHODOLOGY = "WBCSD-CTI-v4.0"


@dataclass(frozen=True)
class OutflowStream:
    """One outflow stream: a product sold (all years of the selection) or the loops."""

    kind: str  # "product" | "loops"
    id: str  # product id, or "loops"
    units: float | None
    outflow_kg: float
    circular_kg: float | None  # None: not computable (see reason)
    reason: str | None = None

    @property
    def circular_outflow_share(self) -> float | None:
        return None if self.circular_kg is None else ratio(self.circular_kg, self.outflow_kg)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "units": self.units, "outflow_kg": self.outflow_kg,
                "circular_kg": self.circular_kg, "circular_outflow_share": self.circular_outflow_share,
                "not_computable": self.reason}


def line_circular_share(product: Product, line: BomLine, biological: bool) -> float | None:
    """Recovery potential x actual recovery of one BOM line (None without a recovery potential).
    Actual recovery = C_R + C_U (+ C_C, biological materials only), capped at 1."""
    rp = line.recovery_potential if line.recovery_potential is not None else product.recovery_potential
    if rp is None:
        return None
    inp = line_inputs(product, line, biological)
    return rp * min(1.0, inp.c_r + inp.c_u + inp.c_c)


def product_stream(product: Product, units: float, biological: Callable[[str], bool]) -> OutflowStream:
    """The outflow of ``units`` of a product: units x sum_j m_j, circular units x sum_j m_j RP_j AR_j."""
    lines = product.bom_lines or tuple(BomLine(m, kg) for m, kg in product.bom)
    out = units * sum(x.mass_kg for x in lines)
    if not lines:
        return OutflowStream("product", product.id, units, 0.0, None, "no bill of materials")
    shares = [(x, line_circular_share(product, x, biological(x.material))) for x in lines]
    missing = sorted(x.material for x, s in shares if s is None)
    if missing:
        return OutflowStream("product", product.id, units, out, None,
                             f"needs recovery_potential (products.csv or bom.csv) for {', '.join(missing)}")
    return OutflowStream("product", product.id, units, out, units * sum(x.mass_kg * s for x, s in shares))  # type: ignore[operator]


def loop_stream(loops: Iterable[Loop], circular_strategies: frozenset[str]) -> OutflowStream:
    """The loops as one stream: all their mass, the part sent to R3-R8 recovered."""
    ls = list(loops)
    return OutflowStream("loops", "loops", None, sum(lp.mass_kg for lp in ls),
                         sum(lp.mass_kg for lp in ls if lp.strategy in circular_strategies))


def cti(inflow_total: Inflow, inflow_by_material: Mapping[str, Inflow], products: Mapping[str, Product],
        sales: Iterable[Sale], loops: Iterable[Loop], circular_strategies: frozenset[str],
        biological: Callable[[str], bool]) -> dict[str, Any]:
    """metrics.json ``circularity.cti``: CTI v4.0 inflow, outflow and circularity of the selection."""
    units: dict[str, float] = {}
    for s in sales:
        units[s.product] = units.get(s.product, 0.0) + s.units
    streams = [product_stream(products[p], u, biological) for p, u in sorted(units.items()) if p in products]
    loops = tuple(loops)
    has_loops = bool(loops)
    loop = loop_stream(loops, circular_strategies)
    reason = None if streams else "needs sales.csv (products sold per year in the selection)"
    reason = reason or next((f"{s.id}: {s.reason}" for s in streams if s.circular_kg is None), None)
    out_kg = sum(s.outflow_kg for s in streams) + loop.outflow_kg
    circ_out = None if reason else sum(s.circular_kg or 0.0 for s in streams) + (loop.circular_kg or 0.0)
    co = None if circ_out is None else ratio(circ_out, out_kg)
    ci = inflow_total.cti_circular_inflow_share
    circularity = None
    if co is not None and ci is not None:
        circularity = ratio(ci * inflow_total.mass_kg + co * out_kg, inflow_total.mass_kg + out_kg)
    return {
        "methodology": METHODOLOGY,
        "circular_inflow_share": ci,
        "inflow": inflow_total.cti_dict(),
        "by_material": {m: g.cti_dict() for m, g in inflow_by_material.items()},
        "circular_outflow_share": co,
        "outflow_kg": out_kg if reason is None else None,
        "circular_outflow_kg": circ_out,
        # the loops are a stream when there are loops in the selection
        "outflow": {**{s.id: s.as_dict() for s in streams}, **({"loops": loop.as_dict()} if has_loops else {})},
        "circularity_share": circularity,
        "not_computable": reason,
    }


__all__ = ["METHODOLOGY", "OutflowStream", "line_circular_share", "product_stream", "loop_stream", "cti"]
