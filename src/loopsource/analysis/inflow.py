"""Circular inflow, added up once: purchased, recycled, reused and (sustainably managed)
renewable mass per group of purchases.

The one implementation behind circular inflow overall and by material, supplier and plant
(metrics.json), the MCI feedstock inputs F_R and F_U per material (``mci.feedstock_shares``)
and the undeclared-purchase data gap; the catalogue query ``circular-inflow`` computes the
same sums in SPARQL. Rules in :mod:`loopsource.definitions` (``secondary_kg``, ``declared``).

WBCSD CTI v4.0 circular inflow adds the renewable inflow that is sustainably managed
(``definitions.renewable_kg`` of a purchase whose ``definitions.sustainable_biological`` holds):
``Inflow.cti_circular_inflow_share``; per material its share is also the MCI 2019 input F_S
(``mci2019``); the catalogue query ``cti-circular-inflow`` computes the same sums.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..definitions import declared, ratio, renewable_kg, secondary_kg, sustainable_biological
from .snapshot import Purchase


@dataclass(frozen=True)
class Inflow:
    """Purchased mass of one group and its recycled and reused parts (kg)."""

    purchases: int
    mass_kg: float
    recycled_kg: float
    reused_kg: float
    undeclared: int  # purchases declaring neither share (counted as virgin)
    renewable_kg: float = 0.0  # virgin mass of biological materials (renewable inflow)
    sustainable_kg: float = 0.0  # the part of it with a sustainable-management certificate (CTI: circular)

    @property
    def circular_kg(self) -> float:
        return self.recycled_kg + self.reused_kg

    @property
    def circular_inflow_share(self) -> float | None:
        """WBCSD CTI % circular inflow: (recycled + reused mass) / purchased mass."""
        return ratio(self.circular_kg, self.mass_kg)

    @property
    def recycled_share(self) -> float | None:
        """F_R of the MCI when the group is a material."""
        return ratio(self.recycled_kg, self.mass_kg)

    @property
    def reused_share(self) -> float | None:
        """F_U of the MCI when the group is a material."""
        return ratio(self.reused_kg, self.mass_kg)

    @property
    def cti_circular_kg(self) -> float:
        """WBCSD CTI v4.0 circular inflow: recycled + reused + sustainably managed renewable kg."""
        return self.recycled_kg + self.reused_kg + self.sustainable_kg

    @property
    def cti_circular_inflow_share(self) -> float | None:
        """WBCSD CTI v4.0 % circular inflow (docs/methodology.md)."""
        return ratio(self.cti_circular_kg, self.mass_kg)

    @property
    def sustainable_share(self) -> float | None:
        """F_S of the MCI 2019 revision when the group is a material: sustainably sourced
        biological feedstock / purchased mass."""
        return ratio(self.sustainable_kg, self.mass_kg)

    def cti_dict(self) -> dict[str, float | int | None]:
        """The CTI v4.0 inflow of the group, for metrics.json ``circularity.cti``."""
        return {"circular_inflow_share": self.cti_circular_inflow_share, "mass_kg": self.mass_kg,
                "recycled_kg": self.recycled_kg, "reused_kg": self.reused_kg, "renewable_kg": self.renewable_kg,
                "sustainable_renewable_kg": self.sustainable_kg, "circular_kg": self.cti_circular_kg,
                "purchases": self.purchases}

    def as_dict(self) -> dict[str, float | int | None]:
        return {"circular_inflow_share": self.circular_inflow_share, "mass_kg": self.mass_kg,
                "recycled_share": self.recycled_share, "reused_share": self.reused_share,
                "purchases": self.purchases, "undeclared": self.undeclared}


def inflow_by(purchases: Iterable[Purchase], key: Callable[[Purchase], str],
              biological: Callable[[str], bool] = lambda _m: False) -> dict[str, Inflow]:
    """Inflow per group (``key`` of each purchase), groups sorted by key. ``biological`` tells
    whether a material id is biological (renewable); without it no inflow is renewable."""
    acc: dict[str, list[float]] = {}
    for p in purchases:
        rec, reu = secondary_kg(p.mass_kg, p.recycled_share, p.reused_share)
        a = acc.setdefault(key(p), [0, 0.0, 0.0, 0.0, 0, 0.0, 0.0])
        a[0] += 1
        a[1] += p.mass_kg
        a[2] += rec
        a[3] += reu
        a[4] += 0 if declared(p.recycled_share, p.reused_share) else 1
        bio = biological(p.material)
        if bio:
            ren = renewable_kg(p.mass_kg, p.recycled_share, p.reused_share)
            a[5] += ren
            if sustainable_biological(bio, p.certificate, p.chain_of_custody):
                a[6] += ren
    return {k: Inflow(int(a[0]), a[1], a[2], a[3], int(a[4]), a[5], a[6]) for k, a in sorted(acc.items())}


def total(groups: Iterable[Inflow]) -> Inflow:
    """The groups added up (the overall figure is the sum of the per-material sums)."""
    gs = list(groups)
    return Inflow(sum(g.purchases for g in gs), sum(g.mass_kg for g in gs), sum(g.recycled_kg for g in gs),
                  sum(g.reused_kg for g in gs), sum(g.undeclared for g in gs), sum(g.renewable_kg for g in gs),
                  sum(g.sustainable_kg for g in gs))


__all__ = ["Inflow", "inflow_by", "total"]
