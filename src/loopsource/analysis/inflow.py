"""Circular inflow, added up once: purchased, recycled and reused mass per group of purchases.

The one implementation behind circular inflow overall and by material, supplier and plant
(metrics.json), the MCI feedstock inputs F_R and F_U per material (``mci.feedstock_shares``)
and the undeclared-purchase data gap; the catalogue query ``circular-inflow`` computes the
same sums in SPARQL. Rules in :mod:`loopsource.definitions` (``secondary_kg``, ``declared``).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..definitions import declared, ratio, secondary_kg
from .snapshot import Purchase


@dataclass(frozen=True)
class Inflow:
    """Purchased mass of one group and its recycled and reused parts (kg)."""

    purchases: int
    mass_kg: float
    recycled_kg: float
    reused_kg: float
    undeclared: int  # purchases declaring neither share (counted as virgin)

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

    def as_dict(self) -> dict[str, float | int | None]:
        return {"circular_inflow_share": self.circular_inflow_share, "mass_kg": self.mass_kg,
                "recycled_share": self.recycled_share, "reused_share": self.reused_share,
                "purchases": self.purchases, "undeclared": self.undeclared}


def inflow_by(purchases: Iterable[Purchase], key: Callable[[Purchase], str]) -> dict[str, Inflow]:
    """Inflow per group (``key`` of each purchase), groups sorted by key."""
    acc: dict[str, list[float]] = {}
    for p in purchases:
        rec, reu = secondary_kg(p.mass_kg, p.recycled_share, p.reused_share)
        a = acc.setdefault(key(p), [0, 0.0, 0.0, 0.0, 0])
        a[0] += 1
        a[1] += p.mass_kg
        a[2] += rec
        a[3] += reu
        a[4] += 0 if declared(p.recycled_share, p.reused_share) else 1
    return {k: Inflow(int(a[0]), a[1], a[2], a[3], int(a[4])) for k, a in sorted(acc.items())}


def total(groups: Iterable[Inflow]) -> Inflow:
    """The groups added up (the overall figure is the sum of the per-material sums)."""
    gs = list(groups)
    return Inflow(sum(g.purchases for g in gs), sum(g.mass_kg for g in gs), sum(g.recycled_kg for g in gs),
                  sum(g.reused_kg for g in gs), sum(g.undeclared for g in gs))


__all__ = ["Inflow", "inflow_by", "total"]
