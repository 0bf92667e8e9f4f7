"""Material Circularity Indicator after the 2019 revision (Ellen MacArthur Foundation,
*Circularity Indicators -- An Approach to Measuring Circularity: Methodology*, 2015, revised
2019 with biological cycles), per bill-of-materials line, and the company-level MCI.

Per line j of a product (masses per unit of product), with the line's own end-of-use inputs
(bom.csv) or else the product's (products.csv):

* ``V_j  = M_j (1 - F_R - F_U - F_S)``: F_S, the sustainably sourced biological feedstock, counts
  like recycled and reused feedstock (only biological materials have it);
* ``W0_j = M_j (1 - C_R - C_U - C_C - C_E)``: composting C_C and qualifying energy recovery C_E
  take biological material out of the unrecoverable waste (technical materials: 0);
* ``W_C,j = M_j (1 - E_C) C_R``, ``W_F,j = M_j (1 - E_F) F_R / E_F`` (0 when F_R = 0), as in 2015;

summed over the lines, ``LFI = (V + W) / (2M + (W_F - W_C)/2)`` with ``W = W0 + (W_F + W_C)/2``,
``X = (L/L_av)(U/U_av)``, ``MCI = max(0, 1 - LFI * 0.9 / X)``. Without biological terms and
per-line values this is the 2015 figure (``analysis.mci``). The catalogue query ``mci`` computes
the same per product. Company level: ``sum_i R_i MCI_i / sum_i R_i`` over the products sold
(sales.csv), R_i their mass (units x M) or revenue. Sources and what could not be verified:
docs/methodology.md.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..definitions import weighted_mean
from ..files import json_safe
from .inflow import inflow_by
from .mci import lfi_mci, material_terms, utility_ratios
from .snapshot import BomLine, Product, Sale, Snapshot

METHODOLOGY = "EMF-MCI-2019"


@dataclass(frozen=True)
class LineInputs:
    """The end-of-use inputs that apply to one BOM line after the fallback to the product."""

    c_r: float
    c_u: float
    e_c: float
    e_f: float
    c_c: float  # 0 for a technical material
    c_e: float  # 0 for a technical material

    @property
    def fates(self) -> float:
        return self.c_r + self.c_u + self.c_c + self.c_e


def line_inputs(product: Product, line: BomLine, biological: bool) -> LineInputs:
    """C_R, C_U, E_C, E_F of the line, each falling back to the product's value when the line
    leaves it empty; C_C and C_E from the line for a biological material, else 0."""
    def pick(own: float | None, fallback: float) -> float:
        return fallback if own is None else own
    return LineInputs(
        pick(line.collection_recycling_share, product.collection_recycling_share),
        pick(line.collection_reuse_share, product.collection_reuse_share),
        pick(line.recycling_efficiency_eol, product.recycling_efficiency_eol),
        pick(line.recycling_efficiency_feedstock, product.recycling_efficiency_feedstock),
        (line.collection_composting_share or 0.0) if biological else 0.0,
        (line.collection_energy_recovery_share or 0.0) if biological else 0.0)


@dataclass(frozen=True)
class Mci2019Line:
    material: str
    mass_kg: float
    biological: bool
    f_r: float
    f_u: float
    f_s: float
    inputs: LineInputs
    virgin_kg: float  # V_j
    waste_kg: float  # W0_j
    waste_collection_kg: float  # W_C,j
    waste_feedstock_kg: float  # W_F,j


@dataclass(frozen=True)
class Mci2019Result:
    product: str
    mass_kg: float  # M
    lines: tuple[Mci2019Line, ...]
    lifetime_ratio: float
    use_ratio: float
    virgin_kg: float
    waste_kg: float
    waste_collection_kg: float
    waste_feedstock_kg: float
    unrecoverable_kg: float
    lfi: float | None
    utility: float | None
    mci: float | None
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready inputs and terms (NaN becomes null)."""
        return json_safe({
            "methodology": METHODOLOGY, "M_kg": self.mass_kg, "L_over_Lav": self.lifetime_ratio,
            "U_over_Uav": self.use_ratio, "V_kg": self.virgin_kg, "W0_kg": self.waste_kg,
            "W_C_kg": self.waste_collection_kg, "W_F_kg": self.waste_feedstock_kg, "W_kg": self.unrecoverable_kg,
            "LFI": self.lfi, "X": self.utility, "MCI": self.mci,
            "materials": [{"material": x.material, "mass_kg": x.mass_kg, "biological": x.biological, "F_R": x.f_r,
                           "F_U": x.f_u, "F_S": x.f_s, "C_R": x.inputs.c_r, "C_U": x.inputs.c_u,
                           "C_C": x.inputs.c_c, "C_E": x.inputs.c_e, "E_C": x.inputs.e_c, "E_F": x.inputs.e_f,
                           "V_kg": x.virgin_kg, "W0_kg": x.waste_kg, "W_C_kg": x.waste_collection_kg,
                           "W_F_kg": x.waste_feedstock_kg} for x in self.lines],
            "notes": list(self.notes)})


Feedstock = Mapping[str, tuple[float, float, float, float]]  # material -> (F_R, F_U, F_S, purchased kg)


def feedstock(snapshot: Snapshot) -> dict[str, tuple[float, float, float, float]]:
    """material -> (F_R, F_U, F_S, purchased kg), mass-weighted over all purchases of the
    material (``inflow.inflow_by``: the CTI inflow by material, split)."""
    bio = biological_of(snapshot)
    return {m: (f.recycled_share or 0.0, f.reused_share or 0.0, f.sustainable_share or 0.0, f.mass_kg)
            for m, f in inflow_by(snapshot.purchases, lambda p: p.material, bio).items() if f.mass_kg > 0}


def biological_of(snapshot: Snapshot):  # type: ignore[no-untyped-def]
    """material id -> whether its class is biological (unknown materials: not)."""
    mats = snapshot.materials
    return lambda m: bool((x := mats.get(m)) is not None and x.biological)


def material_terms_2019(mass_kg: float, f_r: float, f_u: float, f_s: float, inputs: LineInputs
                        ) -> tuple[float, float, float, float]:
    """(V, W0, W_C, W_F) of one line, 2019 equations: the 2015 terms with F_S added to the
    feedstock that is not virgin and C_C + C_E to the mass that is not waste."""
    return material_terms(mass_kg, f_r, f_u + f_s, inputs.c_r, inputs.c_u + inputs.c_c + inputs.c_e,
                          inputs.e_c, inputs.e_f)


def mci_2019(product: Product, snapshot: Snapshot, feed: Feedstock | None = None) -> Mci2019Result:
    """The 2019 MCI of one product (see the module docstring). One piece: inputs, terms, sums and
    the guards that say why a figure cannot be computed belong together."""
    feed = feedstock(snapshot) if feed is None else feed
    is_bio = biological_of(snapshot)
    notes: list[str] = []
    lines = []
    for line in product.bom_lines or tuple(BomLine(m, kg) for m, kg in product.bom):
        bio = is_bio(line.material)
        f_r, f_u, f_s, bought = feed.get(line.material, (0.0, 0.0, 0.0, 0.0))
        if bought == 0:
            notes.append(f"no purchase of {line.material}: F_R = F_U = F_S = 0 (treated as virgin)")
        if not bio and (line.collection_composting_share or line.collection_energy_recovery_share):
            notes.append(f"{line.material} is not a biological material: its C_C and C_E are not counted")
        inputs = line_inputs(product, line, bio)
        if inputs.fates > 1 + 1e-12:
            notes.append(f"{line.material}: C_R + C_U + C_C + C_E = {inputs.fates:g} is more than 1 (line values "
                         "and the product's together): MCI not computed")
        v, w0, w_c, w_f = material_terms_2019(line.mass_kg, f_r, f_u, f_s, inputs)
        if math.isnan(w_f):
            notes.append(f"{line.material}: recycled feedstock but E_F = 0: W_F and MCI cannot be computed")
        lines.append(Mci2019Line(line.material, line.mass_kg, bio, f_r, f_u, f_s, inputs, v, w0, w_c, w_f))
    big_m = sum(x.mass_kg for x in lines)
    v, w0 = sum(x.virgin_kg for x in lines), sum(x.waste_kg for x in lines)
    w_c, w_f = sum(x.waste_collection_kg for x in lines), sum(x.waste_feedstock_kg for x in lines)
    l_ratio, u_ratio = utility_ratios(product, notes)
    x = l_ratio * u_ratio
    lfi = value = None
    if big_m <= 0:
        notes.append("no bill of materials (M = 0): MCI not computed")
    elif math.isnan(w_f) or any(ln.inputs.fates > 1 + 1e-12 for ln in lines):
        pass
    elif not (x > 0):
        notes.append("utility X = (L/L_av)(U/U_av) is not positive: MCI not computed")
    else:
        lfi, value = lfi_mci(big_m, v, w0, w_c, w_f, x)
    return Mci2019Result(product.id, big_m, tuple(lines), l_ratio, u_ratio, v, w0, w_c, w_f,
                         w0 + (w_f + w_c) / 2, lfi, x if x == x else None, value, tuple(notes))


# ----------------------------------------------------------------------------- company level
#: The normalising factor the company-level figure (``value``) uses: the mass of the products
#: sold (units x M). The revenue-weighted figure is reported beside it. docs/methodology.md.
DEFAULT_COMPANY_BASIS = "mass"


def company_mci(results: Mapping[str, Mci2019Result], sales: Sequence[Sale], products: Mapping[str, Product],
                fx: Mapping[str, float]) -> dict[str, Any]:
    """Company-level MCI = sum_i R_i MCI_i / sum_i R_i over the products sold in the selection,
    R_i = mass sold (units x M_i) or revenue (in one currency, converted with fx.csv). A product
    without a computable MCI is left out (named in ``excluded``)."""
    units: dict[str, float] = {}
    revenue: dict[str, list[tuple[float | None, str | None]]] = {}
    for s in sales:
        units[s.product] = units.get(s.product, 0.0) + s.units
        revenue.setdefault(s.product, []).append((s.revenue, s.currency))
    excluded = sorted(p for p in units if results.get(p) is None or results[p].mci is None)
    kept = sorted(p for p in units if p not in excluded)
    mass = {p: units[p] * results[p].mass_kg for p in kept}
    by_mass = weighted_mean((mass[p], results[p].mci) for p in kept)
    rev, rev_note = _revenue_weights(kept, revenue, fx)
    by_revenue = weighted_mean((rev[p], results[p].mci) for p in kept) if rev is not None else None
    chosen = by_mass if DEFAULT_COMPANY_BASIS == "mass" else by_revenue
    reason = None if sales else "needs sales.csv (products sold per year): the weights of the aggregation"
    return {"methodology": METHODOLOGY, "value": chosen, "basis": DEFAULT_COMPANY_BASIS,
            "mass_weighted": by_mass, "revenue_weighted": by_revenue,
            "weights": {p: {"units": units[p], "mass_kg": mass[p], "revenue": None if rev is None else rev[p],
                            "mci": results[p].mci} for p in kept},
            "excluded": excluded, "not_computable": reason, "revenue_note": rev_note}


def _revenue_weights(kept: Sequence[str], revenue: Mapping[str, list[tuple[float | None, str | None]]],
                     fx: Mapping[str, float]) -> tuple[dict[str, float] | None, str | None]:
    """Revenue per product in one currency, or None (with the reason) when a sale has no revenue
    or the currencies cannot be added up (several currencies and fx.csv does not convert one)."""
    currencies = {c for p in kept for _r, c in revenue[p]}
    if any(r is None for p in kept for r, _c in revenue[p]):
        return None, "a sale without revenue: no revenue-weighted figure"
    if len(currencies) > 1 and any(c not in fx for c in currencies):
        return None, f"revenue in several currencies ({', '.join(sorted(c or '' for c in currencies))}) " \
                     "that fx.csv does not all convert: no revenue-weighted figure"
    rate = (lambda c: fx[c]) if len(currencies) > 1 else (lambda c: 1.0)
    return {p: sum((r or 0.0) * rate(c) for r, c in revenue[p]) for p in kept}, None


__all__ = ["METHODOLOGY", "LineInputs", "line_inputs", "Mci2019Line", "Mci2019Result", "feedstock", "biological_of",
           "material_terms_2019", "mci_2019", "company_mci", "DEFAULT_COMPANY_BASIS"]
