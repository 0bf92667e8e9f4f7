"""Measuring: the indicators the baseline and each scenario are compared on, side by side.

The baseline and each scenario are measured with the same functions (``loopsource.analysis.
metrics`` for every metric it offers, plus transport, lead time, spend and CRMA figures
computed here), so that the deltas only reflect the operations. ``compare`` builds the
scenario document (the JSON output; the HTML page is rendered from it by
``loopsource.render.scenario``).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..analysis import metrics
from ..analysis.compliance import crma_concentration
from ..analysis.metrics import TIERS
from ..validate.crma import benchmark as crma_benchmark
from ..validate.crma import ontology_facts
from ..analysis.snapshot import Snapshot
from .apply import UnmetDemand, apply_scenario
from .factors import EmissionFactors
from .network_ops import NetworkContext, NetworkPlan, context
from .network_ops import figures as network_figures
from .parse import Scenario
from ..definitions import changed
from ..files import json_safe

#: CRMA (Regulation (EU) 2024/1252, Art. 5(1)(d)) benchmark, read from the ontology by the one
#: definition (loopsource.validate.crma); re-exported for the scenario page.
CRMA_MAX_SINGLE_COUNTRY_SHARE = crma_benchmark()


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def crma(snapshot: Snapshot) -> dict[str, dict[str, dict[str, Any]]]:
    """Per Annex I entry (key, e.g. BatteryGradeLithium) and calendar year: the largest single
    third-country share of contained element mass against the CRMA benchmark (the definition of
    ``loopsource.validate.crma``, the same figure as validation's CRMA-65 and metrics.json)."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for row in crma_concentration(snapshot).values():
        out.setdefault(row["entry"], {})[str(row["year"])] = {"country": row["country"], "share": row["share"],
                                                              "exceeds": row["exceeds"]}
    return out


@dataclass(frozen=True)
class _Flows:
    """What one pass over the purchases adds up for the transport, lead-time and
    foreign-country figures (distances are looked up once per buyer-supplier pair)."""

    tkm: dict[str, float]  # tonne-km per transport mode ("unknown" for a purchase without one)
    no_distance_kg: float  # mass of purchases whose distance is unknown
    lead_num: float  # sum of kg x lead_time_days
    lead_den: float  # kg with a lead time
    foreign: dict[str, float]  # kg per supplier country other than the buyer's


def _flows(snapshot: Snapshot) -> _Flows:
    tkm: dict[str, float] = {}
    no_distance_kg = 0.0
    lead_num = lead_den = 0.0
    foreign: dict[str, float] = {}
    pair_km: dict[tuple[str, str], float | None] = {}
    for p in snapshot.purchases:
        pair = (p.buyer_site, p.supplier_site)
        if pair in pair_km:
            d = pair_km[pair]
        else:
            d = pair_km[pair] = metrics.distance_km(p, snapshot)
        if d is None:
            no_distance_kg += p.mass_kg
        else:
            mode = p.transport_mode or "unknown"
            tkm[mode] = tkm.get(mode, 0.0) + p.mass_kg / 1000.0 * d
        if p.lead_time_days is not None:
            lead_num += p.mass_kg * p.lead_time_days
            lead_den += p.mass_kg
        buyer_cc, cc = snapshot.sites[p.buyer_site].country, snapshot.sites[p.supplier_site].country
        if cc != buyer_cc:
            foreign[cc] = foreign.get(cc, 0.0) + p.mass_kg
    return _Flows(tkm, no_distance_kg, lead_num, lead_den, foreign)


def _transport(flows: _Flows, factors: EmissionFactors) -> dict[str, Any]:
    """Tonne-km and emissions per mode; a mode without a factor has no emissions (null)."""
    tkm = flows.tkm
    emissions: dict[str, float | None] = {}
    for mode, x in tkm.items():
        g = factors.g_per_tkm.get(mode)
        emissions[mode] = None if g is None else x * g / 1000.0  # g -> kg CO2e
    known = [v for v in emissions.values() if v is not None]
    uncovered_tkm = sum(x for mode, x in tkm.items() if emissions.get(mode) is None)
    return {
        "tonne_km": dict(sorted(tkm.items())),
        "tonne_km_total": sum(tkm.values()),
        "emissions_kg_co2e": dict(sorted(emissions.items())),
        "emissions_kg_co2e_total": sum(known) if known else (0.0 if not tkm else None),
        "tonne_km_without_factor": uncovered_tkm,
        "mass_kg_without_distance": flows.no_distance_kg,
    }


def transport(snapshot: Snapshot, factors: EmissionFactors) -> dict[str, Any]:
    """Tonne-km and transport emissions of a snapshot's purchases (the "transport" figures of
    :func:`indicators`): the one definition, also used for tender bids and product passports."""
    return _transport(_flows(snapshot), factors)


def _spend(snapshot: Snapshot) -> dict[str, Any]:
    """Spend, added up with the same currency rules as the report (fx.csv, else one currency)."""
    plan = metrics._spend_plan(snapshot.purchases, snapshot.fx)
    spend = None
    if plan.rates is not None:
        spend = sum(p.spend * plan.rates[p.currency or ""] for p in snapshot.purchases if p.spend is not None)
    spend_kg = sum(p.mass_kg for p in snapshot.purchases if p.spend is not None)
    return {"total": spend, "currency": plan.unit if plan.rates is not None else None,
            "per_kg": _ratio(spend, spend_kg) if spend is not None else None,
            "warning": plan.warning}


def _resilience(snapshot: Snapshot, res: Mapping[str, Any], foreign: Mapping[str, float],
                total_kg: float) -> dict[str, Any]:
    """Concentration per material from metrics, plus the mass-weighted means over materials
    and the largest single foreign country."""
    supplier_hhi, country_hhi = res["supplier_hhi"], res["country_hhi"]
    mat_kg: dict[str, float] = {}
    for p in snapshot.purchases:
        mat_kg[p.material] = mat_kg.get(p.material, 0.0) + p.mass_kg

    def weighted(h: Mapping[str, float]) -> float | None:
        den = sum(mat_kg.get(k, 0.0) for k in h)
        return _ratio(sum(v * mat_kg.get(k, 0.0) for k, v in h.items()), den)

    top_foreign = max(foreign.items(), key=lambda kv: (kv[1], kv[0]), default=(None, 0.0))
    return {
        "supplier_hhi": supplier_hhi, "country_hhi": country_hhi,
        "supplier_hhi_weighted": weighted(supplier_hhi), "country_hhi_weighted": weighted(country_hhi),
        "single_source_materials": res["single_source_materials"],
        "single_source_count": len(res["single_source_materials"]),
        "critical_inflow_share": res["critical_inflow_share"],
        "largest_foreign_country": top_foreign[0],
        "largest_foreign_country_share": _ratio(top_foreign[1], total_kg),
    }


def _circularity(circ: Mapping[str, Any]) -> dict[str, Any]:
    mci = circ["mci"]
    return {"circular_inflow_share": circ["circular_inflow_share"],
            "circular_outflow_share": circ["circular_outflow_share"],
            "outflow_by_strategy": circ["outflow_by_strategy"],
            "mci": mci,
            "mci_mean": _ratio(sum(v for v in mci.values() if v is not None),
                               sum(1 for v in mci.values() if v is not None))}


def indicators(snapshot: Snapshot, factors: EmissionFactors, unmet: Sequence[UnmetDemand] = (),
               plan: NetworkPlan | None = None, ctx: NetworkContext | None = None) -> dict[str, Any]:
    """Every figure of the side-by-side comparison, for one set of flows (and network plan:
    today's network when None; the ``network`` figures are null when the data has no markets)."""
    m = metrics.compute(snapshot)
    local = m["local_sourcing"]
    total_kg = sum(p.mass_kg for p in snapshot.purchases)
    flows = _flows(snapshot)
    crma_rows = crma(snapshot)
    tiers = local["by_tier"]
    return {
        "total_mass_kg": total_kg,
        "tiers": {t: {"mass_kg": tiers[t]["mass_kg"], "mass_share": tiers[t]["mass_share"],
                      "spend_share": tiers[t]["spend_share"]} for t in TIERS},
        "local_share": local["local_share"],
        "weighted_average_source_distance_km": local["weighted_average_source_distance_km"],
        "transport": _transport(flows, factors),  # = transport(snapshot, factors), flows computed once
        "lead_time": {"mass_weighted_days": _ratio(flows.lead_num, flows.lead_den),
                      "coverage_share": _ratio(flows.lead_den, total_kg)},
        "spend": _spend(snapshot),
        "resilience": _resilience(snapshot, m["resilience"], flows.foreign, total_kg),
        "crma": crma_rows,
        "crma_breaches": sum(1 for years in crma_rows.values() for r in years.values() if r["exceeds"]),
        "circularity": _circularity(m["circularity"]),
        "unmet_demand_kg": sum(u.kg for u in unmet),
        "network": network_figures(snapshot, ctx or context(snapshot, dict(factors.g_per_tkm)), plan)
        if snapshot.markets else None,
    }


def delta(base: Any, new: Any) -> Any:
    """new - base for every number present in both (None where either is missing)."""
    if isinstance(base, dict) or isinstance(new, dict):
        b, n = base if isinstance(base, dict) else {}, new if isinstance(new, dict) else {}
        keys = list(b) + [k for k in n if k not in b]
        out = {k: delta(b.get(k), n.get(k)) for k in keys}
        return {k: v for k, v in out.items() if v is not None and v != {}}
    if isinstance(base, bool) or isinstance(new, bool):
        return None
    if isinstance(base, (int, float)) and isinstance(new, (int, float)):
        return new - base
    if isinstance(new, (int, float)) and base is None:
        return None
    return None


#: (dimension, label, path into indicators, unit, which direction is better)
SCORECARD: tuple[tuple[str, str, tuple[str, ...], str, str], ...] = (
    ("cost efficiency", "spend per kg", ("spend", "per_kg"), "currency/kg", "lower"),
    ("flexibility", "mass-weighted lead time", ("lead_time", "mass_weighted_days"), "days", "lower"),
    ("risk: concentration", "country HHI (mass-weighted over materials)", ("resilience", "country_hhi_weighted"),
     "0-10,000", "lower"),
    ("risk: concentration", "supplier HHI (mass-weighted over materials)", ("resilience", "supplier_hhi_weighted"),
     "0-10,000", "lower"),
    ("risk: exposure to disruption", "largest single foreign country share", ("resilience",
                                                                              "largest_foreign_country_share"),
     "share", "lower"),
    ("risk: exposure to disruption", "unmet demand", ("unmet_demand_kg",), "kg", "lower"),
    ("risk: exposure to disruption", "CRMA breaches (material-years above 65 %)", ("crma_breaches",), "count",
     "lower"),
    ("speed to market", "weighted average source distance", ("weighted_average_source_distance_km",), "km",
     "lower"),
    ("speed to market", "demand-weighted distance to markets", ("network", "demand_weighted_km"), "km", "lower"),
    ("speed to market", "demand within 500 km of its plant or distribution hub", ("network", "share_within_service"),
     "share", "higher"),
    ("locality", "demand made in the market's own region (by mass)", ("network", "made_in_region_share"), "share",
     "higher"),
    ("risk: concentration", "production country HHI (product mass)", ("network", "production_country_hhi"),
     "0-10,000", "lower"),
    ("cost efficiency", "network cost: transport (inbound and outbound) + hub fixed cost", ("network", "total_cost"),
     "currency/year", "lower"),
    ("locality", "hyperlocal + domestic mass share", ("local_share",), "share", "higher"),
    ("locality", "transport emissions", ("transport", "emissions_kg_co2e_total"), "kg CO2e", "lower"),
    ("circularity", "circular inflow share", ("circularity", "circular_inflow_share"), "share", "higher"),
    ("circularity", "circular outflow share", ("circularity", "circular_outflow_share"), "share", "higher"),
    ("circularity", "MCI, mean over products", ("circularity", "mci_mean"), "0-1", "higher"),
)


def value_at(d: Mapping[str, Any], path: Sequence[str]) -> Any:
    """The value at ``path`` in a nested indicators document; None where a step is missing
    (a scenario can lack a material or mode that the baseline has, and the other way round)."""
    cur: Any = d
    for k in path:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(k)
    return cur


def scorecard(base: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The global vs glocal scorecard: each dimension with baseline, scenario, delta and verdict."""
    rows = []
    for dimension, label, path, unit, better in SCORECARD:
        b, n = value_at(base, path), value_at(new, path)
        d = n - b if isinstance(b, (int, float)) and isinstance(n, (int, float)) else None
        if d is None:
            verdict = "n/a"
        elif not changed(d, unit):  # below the figure's stated precision (definitions.PRECISION)
            verdict = "unchanged"
        else:
            verdict = "better" if (d < 0) == (better == "lower") else "worse"
        rows.append({"dimension": dimension, "indicator": label, "unit": unit, "better": better,
                     "baseline": b, "scenario": n, "delta": d, "verdict": verdict})
    return rows


def compare(snapshot: Snapshot, scenarios: Sequence[Scenario], factors: EmissionFactors) -> dict[str, Any]:
    """The scenario document: baseline once, then each scenario with its deltas and scorecard."""
    ctx = context(snapshot, dict(factors.g_per_tkm)) if snapshot.markets else None
    base = indicators(snapshot, factors, ctx=ctx)
    out = []
    for sc in scenarios:
        result = apply_scenario(sc, snapshot, ctx)
        ind = indicators(result.snapshot, factors, result.unmet_demand, result.network, ctx)
        out.append({
            "name": sc.name, "description": sc.description, "file": sc.file,
            "operations": [{"index": r.index, "op": r.op, "line": r.line,
                            "params": dict(sc.operations[r.index - 1].params), "moved_kg": r.moved_kg,
                            "removed_kg": r.removed_kg, "unmet_kg": r.unmet_kg, "changed": r.changed,
                            "notes": list(r.notes)} for r in result.operations],
            "indicators": ind,
            "delta": delta(base, ind),
            "unmet_demand": [{"material": u.material, "plant": u.plant, "kg": u.kg,
                              "remaining_sources": u.remaining_sources} for u in result.unmet_demand],
            "scorecard": scorecard(base, ind),
        })
    used_sites = {u["plant"] for s in out for u in s["unmet_demand"]}
    used_sites |= {v for s in out for o in s["operations"] for k, v in o["params"].items()
                   if k in ("from_site", "to", "candidate", "buyer", "plant", "from")}
    return json_safe({
        "baseline": base,
        "scenarios": out,
        "emission_factors": {"version": factors.version, "unit": "g CO2e per tonne-km",
                             "g_per_tkm": dict(factors.g_per_tkm), "sources": dict(factors.sources)},
        "names": {"materials": {k: v.name for k, v in snapshot.materials.items()},
                  "crma_entries": {e.key: f"{e.label} (Annex {e.annex})"
                                   for e in ontology_facts().entries.values()},
                  "sites": {k: snapshot.sites[k].name for k in sorted(used_sites) if k in snapshot.sites},
                  "products": {k: v.name for k, v in snapshot.products.items()}},
        "methodology": {
            "crma": "largest single third-country share of the contained element mass of each Annex I entry "
                    f"(strategic raw material, by grade) per year, against {CRMA_MAX_SINGLE_COUNTRY_SHARE} "
                    "(Regulation (EU) 2024/1252 Art. 5(1)(d) benchmark for the Union, a risk indicator)",
            "transport": "tonne-km = kg / 1000 x haversine km (country centroid when a site has no coordinates); "
                         "emissions = tonne-km x factor of the purchase's transport mode",
            "lead_time": "mass-weighted over purchases with lead_time_days; moved volume takes the candidate's "
                         "lead_time_days",
            **metrics.METHODOLOGY,
        },
    })


