"""Material Circularity Indicator of a product (Ellen MacArthur Foundation & Granta Design,
*Circularity Indicators*, 2015), multi-material form: V, W0, W_C and W_F are computed per
material of the bill of materials and summed, then ``LFI = (V + W) / (2M + (W_F - W_C)/2)``,
``X = (L/L_av)(U/U_av)``, ``MCI = max(0, 1 - LFI*0.9/X)``.

Pure functions on a Snapshot; part of the metrics (``loopsource.analysis.metrics`` re-exports them).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .inflow import inflow_by
from .snapshot import Product, Snapshot
from ..files import json_safe


@dataclass(frozen=True)
class MciMaterial:
    """One bill-of-materials line of an MCI calculation (masses in kg per unit of product)."""

    material: str
    mass_kg: float
    recycled_feedstock: float  # F_R: mass-weighted recycled share of all purchases of the material
    reused_feedstock: float  # F_U
    purchased_kg: float  # mass of those purchases (0: no purchase, F_R = F_U = 0)
    virgin_kg: float  # V
    waste_kg: float  # W0
    waste_collection_kg: float  # W_C
    waste_feedstock_kg: float  # W_F


@dataclass(frozen=True)
class MciResult:
    """Material Circularity Indicator of one product with every input and intermediate term."""

    product: str
    methodology: str
    mass_kg: float  # M
    materials: tuple[MciMaterial, ...]
    collection_recycling: float  # C_R
    collection_reuse: float  # C_U
    efficiency_eol: float  # E_C
    efficiency_feedstock: float  # E_F
    lifetime_ratio: float  # L / L_av
    use_ratio: float  # U / U_av (1 when use intensities are empty)
    virgin_kg: float  # V
    waste_kg: float  # W0
    waste_collection_kg: float  # W_C
    waste_feedstock_kg: float  # W_F
    unrecoverable_kg: float  # W = W0 + (W_F + W_C)/2
    lfi: float | None
    utility: float | None  # X
    mci: float | None  # None when it cannot be computed (see notes)
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready inputs and terms (NaN becomes null)."""
        return json_safe({
            "methodology": self.methodology, "M_kg": self.mass_kg, "C_R": self.collection_recycling,
            "C_U": self.collection_reuse, "E_C": self.efficiency_eol, "E_F": self.efficiency_feedstock,
            "L_over_Lav": self.lifetime_ratio, "U_over_Uav": self.use_ratio, "V_kg": self.virgin_kg,
            "W0_kg": self.waste_kg, "W_C_kg": self.waste_collection_kg, "W_F_kg": self.waste_feedstock_kg,
            "W_kg": self.unrecoverable_kg, "LFI": self.lfi, "X": self.utility, "MCI": self.mci,
            "materials": [{"material": m.material, "mass_kg": m.mass_kg, "F_R": m.recycled_feedstock,
                           "F_U": m.reused_feedstock, "purchased_kg": m.purchased_kg} for m in self.materials],
            "notes": list(self.notes),
        })


def feedstock_shares(snapshot: Snapshot) -> dict[str, tuple[float, float, float]]:
    """material -> (F_R, F_U, purchased kg): mass-weighted over all purchases of the material, a
    missing share counting as 0 -- the circular inflow by material (``inflow.inflow_by``), split."""
    return {m: (f.recycled_share or 0.0, f.reused_share or 0.0, f.mass_kg) if f.mass_kg > 0 else (0.0, 0.0, 0.0)
            for m, f in inflow_by(snapshot.purchases, lambda p: p.material).items()}


def material_terms(mass_kg: float, f_r: float, f_u: float, c_r: float, c_u: float, e_c: float,
                   e_f: float) -> tuple[float, float, float, float]:
    """(V, W0, W_C, W_F) of one material, EMF 2015 equations (W_F = 0 when F_R = 0; NaN when E_F = 0 < F_R)."""
    v = mass_kg * (1 - f_r - f_u)
    w0 = mass_kg * (1 - c_r - c_u)
    w_c = mass_kg * (1 - e_c) * c_r
    if f_r <= 0:
        w_f = 0.0
    elif e_f <= 0:
        w_f = math.nan
    else:
        w_f = mass_kg * (1 - e_f) * f_r / e_f
    return v, w0, w_c, w_f


def lfi_mci(mass_kg: float, v: float, w0: float, w_c: float, w_f: float, utility: float) -> tuple[float, float]:
    """(LFI, MCI) from the summed terms: LFI = (V + W)/(2M + (W_F - W_C)/2), MCI = max(0, 1 - LFI*0.9/X)."""
    w = w0 + (w_f + w_c) / 2
    lfi = (v + w) / (2 * mass_kg + (w_f - w_c) / 2)
    return lfi, max(0.0, 1 - lfi * 0.9 / utility)


def utility_ratios(product: Product, notes: list[str]) -> tuple[float, float]:
    """(L/L_av, U/U_av) of a product; U/U_av is 1 when the use intensities are empty (noted when
    only one is given); NaN where a ratio cannot be formed. X = their product (EMF 2015, 2019)."""
    l_ratio = product.lifetime_years / product.industry_lifetime_years if product.industry_lifetime_years else math.nan
    if product.use_intensity is None or product.industry_use_intensity is None:
        u_ratio = 1.0
        if (product.use_intensity is None) != (product.industry_use_intensity is None):
            notes.append("only one of use_intensity / industry_use_intensity given: U/U_av taken as 1")
    elif product.industry_use_intensity > 0:
        u_ratio = product.use_intensity / product.industry_use_intensity
    else:
        u_ratio = math.nan
    return l_ratio, u_ratio


def mci(product: Product, snapshot: Snapshot,
        _feedstock: Mapping[str, tuple[float, float, float]] | None = None) -> MciResult:
    """EMF 2015 MCI, multi-material form. F_R/F_U of each material come from the snapshot's purchases.

    C_R, C_U, E_C and E_F are the product's (products.csv) and apply to every material of its
    bill of materials; a material nobody bought counts as virgin (F_R = F_U = 0, noted).
    """
    feed = feedstock_shares(snapshot) if _feedstock is None else _feedstock
    c_r, c_u = product.collection_recycling_share, product.collection_reuse_share
    e_c, e_f = product.recycling_efficiency_eol, product.recycling_efficiency_feedstock
    notes: list[str] = []
    lines = []
    for material, m in product.bom:
        f_r, f_u, bought = feed.get(material, (0.0, 0.0, 0.0))
        if bought == 0:
            notes.append(f"no purchase of {material}: F_R = F_U = 0 (treated as virgin)")
        v, w0, w_c, w_f = material_terms(m, f_r, f_u, c_r, c_u, e_c, e_f)
        if math.isnan(w_f):
            notes.append(f"{material}: recycled feedstock but E_F = 0: W_F and MCI cannot be computed")
        lines.append(MciMaterial(material, m, f_r, f_u, bought, v, w0, w_c, w_f))
    big_m = sum(x.mass_kg for x in lines)
    v, w0 = sum(x.virgin_kg for x in lines), sum(x.waste_kg for x in lines)
    w_c, w_f = sum(x.waste_collection_kg for x in lines), sum(x.waste_feedstock_kg for x in lines)
    w = w0 + (w_f + w_c) / 2
    l_ratio, u_ratio = utility_ratios(product, notes)
    x = l_ratio * u_ratio
    lfi = value = None
    if big_m <= 0:
        notes.append("no bill of materials (M = 0): MCI not computed")
    elif math.isnan(w_f):
        pass
    elif not (x > 0):  # also catches NaN
        notes.append("utility X = (L/L_av)(U/U_av) is not positive: MCI not computed")
    else:
        lfi, value = lfi_mci(big_m, v, w0, w_c, w_f, x)
    return MciResult(product.id, "EMF-MCI-2015", big_m, tuple(lines), c_r, c_u, e_c, e_f, l_ratio, u_ratio,
                     v, w0, w_c, w_f, w, lfi, x if x == x else None, value, tuple(notes))


__all__ = ["MciMaterial", "MciResult", "feedstock_shares", "material_terms", "lfi_mci", "mci", "utility_ratios"]
