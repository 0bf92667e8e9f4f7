"""Battery Pass recycled content (Regulation (EU) 2023/1542 Art. 77(1), Annex XIII) by the
compliance definition of recycled content, Art. 8(1) (``validate.recycled``, docs/compliance.md):

* **unit of assessment**: battery model x manufacturing plant x calendar year; the passport
  shows the most recent year up to the as-of date (a model without a plant: all buyer sites);
* **what is measured**: cobalt, lithium and nickel as contained element mass of the BOM lines
  under ``ls:Cobalt``, ``ls:Lithium``, ``ls:Nickel`` (kg x element share), lead under ``ls:Lead``;
* **what counts**: a purchase's pre- (read as battery manufacturing waste) and post-consumer
  shares, each only where the ``eu-batteries`` evidence rule accepts its kind and chain of
  custody (and certificate, when required); a share given without the other is completed from
  ``recycled_share``; a claim without a split, or with evidence the rule does not accept, and a
  material the plant did not buy that year, count as 0 and a note says which.

The pre- and post-consumer shares are the counted share of ``battery_units`` with the evidence
rule restricted to one kind, so they add up to the share validation checks (BATT-8-*).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from ..rdf.vocab import LS
from ..validate.recycled import BATTERY_ELEMENTS, Claim, MaterialFacts, ProductFacts, Unit, battery_units
from ..validate.settings import EvidenceRule
from .figures import ElementContent, Split


def _only(rule: EvidenceRule, kind: str) -> EvidenceRule:
    """The rule counting only ``kind`` (nothing when the rule does not accept that kind)."""
    return replace(rule, kinds=tuple(k for k in rule.kinds if k == kind))


def _latest(units: Sequence[Unit], year: int) -> dict[str, Unit]:
    """Product id -> its unit of assessment of the most recent year up to ``year``."""
    out: dict[str, Unit] = {}
    for u in units:
        if u.year <= year and (u.product not in out or u.year > out[u.product].year):
            out[u.product] = u
    return out


def battery_contents(products: Sequence[ProductFacts], materials: Mapping[str, MaterialFacts],
                     claims: Sequence[Claim], rule: EvidenceRule, year: int) -> dict[str, tuple[ElementContent, ...]]:
    """Product id -> one entry per Battery Pass material of its bill of materials (module docstring).

    Products excepted from Art. 8 only for their exclusively external storage still get a
    battery passport (Art. 77(1) has no such exception): their recycled content is measured
    the same way."""
    chosen = [replace(p, external_storage_only=None) for p in products]
    full = _latest(battery_units(chosen, materials, claims, rule)[1], year)
    pre = _latest(battery_units(chosen, materials, claims, _only(rule, "pre_consumer"))[1], year)
    post = _latest(battery_units(chosen, materials, claims, _only(rule, "post_consumer"))[1], year)
    out: dict[str, tuple[ElementContent, ...]] = {}
    for p in chosen:
        entries = []
        for element in BATTERY_ELEMENTS:
            lines = [(m, kg * materials[m].element_share) for m, kg in p.bom
                     if m in materials and LS + element in materials[m].classes]
            if not lines:
                continue
            u = full.get(p.id)
            if u is None:
                why = (f"not declared: no unit of assessment (no purchase of {', '.join(sorted({m for m, _ in lines}))} "
                       f"by {p.plant or 'any site'} up to {year})")
                entries.append(ElementContent(element, tuple(m for m, _ in lines), sum(w for _m, w in lines),
                                              Split(None, why), Split(None, why), None, ()))
                continue
            notes = (f"unit of assessment {u.focus} (Art. 8(1): per battery model, per manufacturing plant, "
                     f"per year); contained element mass; {u.evidence}",)
            entries.append(ElementContent(element, tuple(m for m, _ in lines), sum(w for _m, w in lines),
                                          Split(pre[p.id].shares.get(element, 0.0)),
                                          Split(post[p.id].shares.get(element, 0.0)), u.focus, notes))
        out[p.id] = tuple(entries)
    return out


__all__ = ["battery_contents"]
