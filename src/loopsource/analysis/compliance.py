"""The CRMA concentration of a snapshot's purchases, with the one definition of
``loopsource.validate.crma``: metrics.json, the report and the scenario indicators call this,
``validate`` calls the same definition on the store's index."""
from __future__ import annotations

from typing import Any

from ..validate import crma
from .snapshot import Purchase, Snapshot


def crma_flows(snapshot: Snapshot, purchases: list[Purchase] | None = None) -> list[crma.CrmaFlow]:
    """Purchases of strategic raw materials as contained element mass by supplier-site country."""
    entries = {e.key: e for e in crma.ontology_facts().entries.values()}
    out = []
    for p in snapshot.purchases if purchases is None else purchases:
        mat = snapshot.materials.get(p.material)
        if mat is None or mat.crma_entry is None:
            continue
        site = snapshot.sites[p.supplier_site]
        out.append(crma.CrmaFlow(entries[mat.crma_entry], p.date.year, site.country, not site.in_eu,
                                 p.mass_kg * mat.element_share, p.id, p.material))
    return out


def crma_concentration(snapshot: Snapshot, purchases: list[Purchase] | None = None) -> dict[str, dict[str, Any]]:
    """Per Annex I entry and year (key ``<entry>/<year>``, the focus of validation's CRMA-65):
    the largest third-country share of contained element mass against the benchmark."""
    return {c.focus: {"entry": c.entry, "annex": c.annex, "label": c.label, "year": c.year,
                      "element_kg": c.total_kg, "country": c.top_country, "share": c.top_share,
                      "benchmark": c.benchmark, "exceeds": c.exceeds}
            for c in crma.concentration(crma_flows(snapshot, purchases))}


def crma_country_rows(snapshot: Snapshot) -> list[dict[str, Any]]:
    """The rows of the catalogue query critical-materials-by-country, from the snapshot."""
    return [{"entry": r.entry, "annex": r.annex, "label": r.label, "year": r.year, "country": r.country,
             "third_country": r.third_country, "element_kg": r.element_kg, "share": r.share,
             "above_benchmark": r.above_benchmark} for r in crma.country_rows(crma_flows(snapshot))]
