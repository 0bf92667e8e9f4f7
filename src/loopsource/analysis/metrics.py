"""Circularity, local-sourcing, resilience and compliance metrics, computed from a Snapshot.

Pure functions: no store access, no clock, no I/O. ``compute`` returns the ``metrics.json``
document (see the README, section "Reports"); the other public functions are the building
blocks, reused by the scenario module.

Methodology (sources in ../shared/reference/metrics.md and the README):

* MCI: Ellen MacArthur Foundation & Granta Design, *Circularity Indicators* (2015),
  multi-material form: V, W0, W_C and W_F are computed per material and summed, then
  ``LFI = (V + W) / (2M + (W_F - W_C)/2)``, ``X = (L/L_av)(U/U_av)``, ``MCI = max(0, 1 - LFI*0.9/X)``
  (in ``mci.py``; re-exported here).
* Circular inflow: WBCSD Circular Transition Indicators (non-virgin inflow / total inflow, by mass).
* Concentration: Herfindahl-Hirschman Index in points (0-10,000; ``validate.concentration``, the
  one definition), read against the selected US merger guidelines' bands (2023: 1,000 / 1,800,
  the default; 2010: 1,500 / 2,500).
* CRMA: contained element mass of each Annex I entry per year by supplier country, largest
  third-country share against the Art. 5(1)(d) benchmark (``validate.crma``, via ``compliance``).
* Distance: haversine great-circle distance with the IUGG mean Earth radius 6371.0088 km;
  weighted average source distance (WASD, Carlsson-Kanyama 1997) by mass.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from ..definitions import HYPERLOCAL_KM, TIERS, local_share, ratio, single_sourced, supplier_of, weighted_mean
from ..definitions import tier as tier_rule
from ..errors import UsageError
from ..period import EVERYTHING, Period, covered, require_data
from ..progress import Progress, Tick, silent
from ..geo import EARTH_RADIUS_KM, haversine_km  # re-exported: the one haversine (loopsource.geo)
from .inflow import Inflow, inflow_by, total
from ..validate.concentration import DEFAULT_GUIDELINES, bands, hhi_of_shares
from .compliance import crma_concentration, crma_country_rows
from .esrs_e5 import esrs_e5
from .trends import by_year
from .mci import MciMaterial, MciResult, feedstock_shares, lfi_mci, material_terms, mci
from .mci2019 import Mci2019Result, biological_of, company_mci, feedstock, mci_2019
from .cti import cti
from ..store import GraphStore
from .snapshot import Purchase, Site, Snapshot, read_snapshot
from . import transport as transport_emissions
from ..rdf.vocab import code_lists

if TYPE_CHECKING:  # pragma: no cover
    from ..validate import ValidationReport

# HYPERLOCAL_KM and TIERS: loopsource.definitions (re-exported here for the metrics' users).
#: Loop strategies in R-ladder order (R3 ... R9, then dispose), as CSV values: read from the
#: ontology's R-ladder scheme (vocabularies.ttl), the one source of the list.
STRATEGIES: tuple[str, ...] = tuple(code_lists().strategies)
CIRCULAR_STRATEGIES: frozenset[str] = code_lists().circular_strategies
R_CODES: dict[str, str] = {k: ("–" if v == "D" else v) for k, v in code_lists().strategy_notations.items()}
#: The default HHI bands (US Merger Guidelines 2023), as read from the ontology.
HHI_THRESHOLDS: tuple[float, float] = (bands().moderate_from, bands().high_above)
M49_REGIONS: dict[str, str] = {"002": "Africa", "019": "Americas", "142": "Asia", "150": "Europe", "009": "Oceania"}
METHODOLOGY = {
    "mci": "EMF-MCI-2015 (multi-material: V, W0, W_C, W_F summed over the bill of materials)",
    "circular_inflow": "WBCSD CTI: (recycled + reused mass) / purchased mass",
    "cti": "WBCSD CTI v4.0: circular inflow = (recycled + reused + certified renewable mass) / purchased mass; "
           "circular outflow = sum(mass x recovery potential x actual recovery) / outflow mass over products sold "
           "and loops; % circularity = mass-weighted mean of both (docs/methodology.md)",
    "mci_2019": "EMF-MCI-2019: per-material C_R, C_U, E_C, E_F (bom.csv, else products.csv), F_S and C_C, C_E for "
                "biological materials; company level = mass-weighted mean over products sold (docs/methodology.md)",
    "hhi": bands().describe(),
    "crma": "Regulation (EU) 2024/1252 Art. 5(1)(d) benchmark (risk indicator): per Annex I entry (and grade) and "
            "year, the largest single third-country share of contained element mass",
    "distance": "haversine, R = 6371.0088 km; WASD weighted by mass",
    "tiers": f"hyperlocal <= {HYPERLOCAL_KM:g} km (both sites with coordinates); domestic: same country; "
             "regional: same UN M49 region; else global",
    "local_share": "(hyperlocal + domestic mass) / purchased mass",
    "single_source": "materials bought from exactly one supplier organisation",
    "critical_inflow": "WBCSD CTI % critical inflow: mass of critical raw materials (EU 2024/1252 Annex II) / "
                       "purchased mass",
}
#: How many rows of long lists the metrics document keeps for the report.
MAP_SITES = 1500
MAP_FLOWS = 400
VALIDATION_ROWS = 300
_SEVERITY_ORDER = {"violation": 0, "warning": 1, "info": 2}


# ----------------------------------------------------------------------------- distances
def site_position(site: Site) -> tuple[float, float] | None:
    """The site's coordinates, else its country's centroid, else None."""
    if site.lat is not None and site.lon is not None:
        return site.lat, site.lon
    if site.centroid_lat is not None and site.centroid_lon is not None:
        return site.centroid_lat, site.centroid_lon
    return None


def _has_coords(site: Site) -> bool:
    return site.lat is not None and site.lon is not None


def _pair_distance(a: Site, b: Site) -> float | None:
    pa, pb = site_position(a), site_position(b)
    if pa is None or pb is None:
        return None
    return haversine_km(pa[0], pa[1], pb[0], pb[1])


def _pair_tier(buyer: Site, supplier: Site, distance: float | None) -> str:
    return tier_rule(distance_km=distance, both_coordinates=_has_coords(buyer) and _has_coords(supplier),
                     buyer_country=buyer.country, supplier_country=supplier.country,
                     buyer_region=buyer.region, supplier_region=supplier.region)


def distance_km(purchase: Purchase, snapshot: Snapshot) -> float | None:
    """Distance from the supplier site to the buyer site (country centroids stand in for missing coordinates)."""
    return _pair_distance(snapshot.sites[purchase.buyer_site], snapshot.sites[purchase.supplier_site])


def tier(purchase: Purchase, snapshot: Snapshot) -> str:
    """hyperlocal, domestic, regional or global (``loopsource.definitions.tier``)."""
    buyer, supplier = snapshot.sites[purchase.buyer_site], snapshot.sites[purchase.supplier_site]
    return _pair_tier(buyer, supplier, _pair_distance(buyer, supplier))


# ----------------------------------------------------------------------------- concentration
def hhi(shares: Iterable[float]) -> float:
    """Herfindahl-Hirschman Index in points (0-10,000), from shares given as fractions
    (``validate.concentration``, the one definition)."""
    return hhi_of_shares(shares)


def hhi_band(value: float | None, guidelines: str = DEFAULT_GUIDELINES) -> str | None:
    return bands(guidelines).band(value)


def _shares(masses: Mapping[str, float]) -> dict[str, float]:
    total = sum(masses.values())
    return {k: v / total for k, v in masses.items()} if total > 0 else {}


# ----------------------------------------------------------------------------- spend
@dataclass(frozen=True)
class _Spend:
    rates: dict[str, float] | None  # currency -> factor to the common unit; None: cannot be added up
    unit: str | None  # the currency spend is added up in
    currencies: tuple[str, ...]
    warning: str | None


def _spend_plan(purchases: Iterable[Purchase], fx: Mapping[str, float]) -> _Spend:
    currencies = tuple(sorted({p.currency or "" for p in purchases if p.spend is not None}))
    if len(currencies) <= 1:
        return _Spend({c: 1.0 for c in currencies}, currencies[0] if currencies else None, currencies, None)
    missing = [c for c in currencies if c not in fx]
    reporting = next((c for c, r in sorted(fx.items()) if r == 1.0), None)
    if len(missing) == 1 and reporting is None and missing[0]:
        reporting = missing[0]  # the one currency fx.csv does not list is the reporting currency
        missing = []
    if not missing:
        rates = {c: (1.0 if c == reporting and c not in fx else fx[c]) for c in currencies}
        return _Spend(rates, reporting or "reporting currency", currencies, None)
    named = ", ".join(c or "(none)" for c in currencies)
    return _Spend(None, None, currencies,
                  f"spend is in several currencies ({named}) and fx.csv does not convert "
                  f"{', '.join(c or '(none)' for c in missing)}: spend shares are null")


# ----------------------------------------------------------------------------- sourcing
def _sourcing(rows: list[tuple[Purchase, str, float | None]], plan: _Spend) -> dict[str, Any]:
    """Tier masses and shares, the local share and the WASD of some purchases."""
    mass = dict.fromkeys(TIERS, 0.0)
    spend = dict.fromkeys(TIERS, 0.0)
    spend_seen = False
    for p, t, _d in rows:
        mass[t] += p.mass_kg
        if plan.rates is not None and p.spend is not None:
            spend[t] += p.spend * plan.rates[p.currency or ""]
            spend_seen = True
    total_mass, total_spend = sum(mass.values()), sum(spend.values())
    by_tier = {t: {"mass_kg": mass[t], "mass_share": ratio(mass[t], total_mass),
                   "spend_share": ratio(spend[t], total_spend) if spend_seen else None}
               for t in TIERS}
    return {"by_tier": by_tier, "local_share": local_share(mass),
            "weighted_average_source_distance_km": weighted_mean((p.mass_kg, d) for p, _t, d in rows)}


# ----------------------------------------------------------------------------- filter
def filter_snapshot(snapshot: Snapshot, *, year: int | None = None, site: str | None = None,
                    period: Period | None = None) -> Snapshot:
    """Purchases (and loops) of one period (``period``, or the calendar ``year``: the one
    definition in loopsource.period) and/or one buyer site; everything else unchanged."""
    if site is not None and site not in snapshot.sites:
        raise UsageError(f"--site {site}: no site with this id")
    chosen = _period(year, period)
    if chosen.everything and site is None:
        return snapshot
    purchases = tuple(p for p in snapshot.purchases
                      if chosen.contains(p.date) and (site is None or p.buyer_site == site))
    loops = tuple(lp for lp in snapshot.loops
                  if chosen.contains(lp.date) and (site is None or site in (lp.from_site, lp.to_site)))
    # products sold (sales.csv, per calendar year): of the years the period covers whole (a year's
    # sales cannot be split); for one site, of the products that site makes (products.csv plant)
    sales = tuple(s for s in snapshot.sales
                  if chosen.contains(date(s.year, 1, 1)) and chosen.contains(date(s.year, 12, 31))
                  and (site is None or ((p := snapshot.products.get(s.product)) is not None and p.plant == site)))
    return replace(snapshot, purchases=purchases, loops=loops, sales=sales)


def _period(year: int | None, period: Period | None) -> Period:
    if period is not None and year is not None:
        raise UsageError("give either a year or a period, not both")
    return period if period is not None else Period.select(year=year) if year is not None else EVERYTHING


# ----------------------------------------------------------------------------- compute
def _validation_summary(validation: ValidationReport | None, as_of: date | None = None,
                        context: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The ``compliance`` key: the contract keys (conforms, by_profile), and beside them the as-of
    date, the period validation covered, which profiles could not be checked and why, and where
    the as-of date, policy and settings came from (validate.context)."""
    if validation is None:
        return {"conforms": None, "by_profile": {}, "as_of": as_of.isoformat() if as_of else None,
                "period": None, "not_checked": {}, "context": dict(context or {})}, []
    counts = validation.counts()
    needs = dict(getattr(validation, "not_checked", {}) or {})
    by_profile = {prof: {"violations": int(c.get("violations", 0)), "warnings": int(c.get("warnings", 0)),
                         "infos": int(c.get("infos", 0))} for prof, c in sorted(counts.items())}
    results = []
    for r in validation.results:
        results.append({k: (None if getattr(r, k, None) is None else str(getattr(r, k)))
                        for k in ("profile", "code", "severity", "focus", "path", "value", "message")})
    day = getattr(validation, "as_of", None) or as_of
    period = getattr(validation, "period", None)
    return {"conforms": bool(validation.conforms), "by_profile": by_profile,
            "as_of": day.isoformat() if day else None, "period": dict(period) if period else None,
            "not_checked": needs, "context": dict(getattr(validation, "context", {}) or {})}, results


Row = tuple[Purchase, str, float | None]  # a purchase with its tier and distance (km, None: no positions)


def compute(snapshot: Snapshot, *, year: int | None = None, site: str | None = None,
            validation: ValidationReport | None = None, hhi_guidelines: str = DEFAULT_GUIDELINES,
            period: Period | None = None, as_of: date | None = None,
            context: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The metrics.json document. Contract keys: local_sourcing, circularity, resilience, compliance.

    Extra keys for the report: ``meta`` (methodology, filters, counts), ``period`` (the dates
    covered), ``trends`` (the headline figures per year), ``warnings``, ``data_gaps`` and
    ``details`` (tables behind the charts). Data gaps are listed in a fixed order: unknown
    sites, circularity gaps, then gaps of sites and spend. A ``year`` or ``period`` with no
    purchase and no loop raises NoDataError (exit 2).
    """
    sel = _period(year, period)
    snap = filter_snapshot(snapshot, site=site, period=sel)
    if not snap.purchases and not snap.loops:
        require_data(sel, [p.date for p in snapshot.purchases] + [lp.date for lp in snapshot.loops])
    warnings: list[str] = []
    gaps: list[dict[str, Any]] = []
    rows, unknown_sites = _classify(snap)
    _gap(gaps, "unknown_site", sorted(unknown_sites),
         "purchases name sites that have no country in the graph; they are left out of local sourcing")
    plan = _spend_plan(snap.purchases, snap.fx)
    if plan.warning:
        warnings.append(plan.warning)
    local = _local_sourcing(snap, rows, plan)
    circ = _circularity(snap, gaps)
    resilience, org_mass, country_mass = _resilience(snap, rows, circ.total_mass)
    compliance, results = _validation_summary(validation, as_of, context)
    _site_gaps(snap, gaps)
    chosen = bands(hhi_guidelines)
    details = _details(snap, rows, circ.mci_results, org_mass, country_mass, results, hhi_guidelines)
    details["mci_2019"] = {pid: r.as_dict() for pid, r in circ.mci_2019.items()}
    details["crma_by_year"] = crma_country_rows(snap)
    details["compliance_assessments"] = [
        {"profile": a.profile, "focus": a.focus, "scope": a.scope, "evidence": a.evidence, "figures": a.figures,
         "findings": list(a.findings), "status": a.status} for a in getattr(validation, "assessments", ())]
    meta = {
        "methodology": {**METHODOLOGY, "hhi": chosen.describe()},
        "filters": {**sel.as_dict(), "site": site},
        "hhi_guidelines": chosen.name,
        "hhi_thresholds": [chosen.moderate_from, chosen.high_above],
        "hyperlocal_km": HYPERLOCAL_KM,
        "earth_radius_km": EARTH_RADIUS_KM,
        "spend_currency": plan.unit if plan.rates is not None else None,
        "spend_currencies": list(plan.currencies),
        "counts": {"purchases": len(snap.purchases), "loops": len(snap.loops), "products": len(snap.products),
                   "materials": len(snap.materials), "sites": len(snap.sites),
                   "organisations": len(snap.organisations)},
        "purchased_mass_kg": circ.total_mass,
        "loop_mass_kg": circ.loop_mass,
        "validated": validation is not None,
    }
    period_doc = {**covered(p.date for p in snap.purchases), "selection": sel.label()}
    readiness = validation.readiness_json() if hasattr(validation, "readiness_json") else None
    return {"local_sourcing": local, "circularity": circ.document, "resilience": resilience,
            "compliance": compliance, "esrs_e5": esrs_e5(snap), "meta": meta, "period": period_doc,
            "trends": by_year(snap, rows, plan.rates, plan.unit if plan.rates is not None else None),
            "warnings": warnings, "data_gaps": gaps, "details": details, "readiness": readiness,
            "transport": transport_emissions.section(snap)}


def _gap(gaps: list[dict[str, Any]], code: str, items: list[str], message: str) -> None:
    """Record a data gap when there is at least one item (the first ten, sorted, as examples)."""
    if items:
        gaps.append({"code": code, "count": len(items), "message": message, "examples": sorted(items)[:10]})


def _classify(snap: Snapshot) -> tuple[list[Row], set[str]]:
    """Every purchase with its tier and distance (cached per site pair), and the site ids not in the snapshot."""
    sites = snap.sites
    pair_cache: dict[tuple[str, str], tuple[str, float | None]] = {}
    rows: list[Row] = []
    unknown_sites: set[str] = set()
    for p in snap.purchases:
        key = (p.buyer_site, p.supplier_site)
        hit = pair_cache.get(key)
        if hit is None:
            b, s = sites.get(p.buyer_site), sites.get(p.supplier_site)
            if b is None or s is None:
                unknown_sites.update(x for x in key if x not in sites)
                continue
            d = _pair_distance(b, s)
            hit = pair_cache[key] = (_pair_tier(b, s, d), d)
        rows.append((p, hit[0], hit[1]))
    return rows, unknown_sites


def _local_sourcing(snap: Snapshot, rows: list[Row], plan: _Spend) -> dict[str, Any]:
    """Tier shares and WASD over all purchases, then per buyer site (each with its own spend plan)."""
    local = _sourcing(rows, plan)
    by_site_rows: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by_site_rows[r[0].buyer_site].append(r)
    local["by_site"] = {}
    for sid in sorted(by_site_rows):
        site_plan = _spend_plan((r[0] for r in by_site_rows[sid]), snap.fx)
        local["by_site"][sid] = _sourcing(by_site_rows[sid], site_plan)
    return local


@dataclass(frozen=True)
class _Circularity:
    document: dict[str, Any]  # the "circularity" section of metrics.json
    mci_results: dict[str, MciResult]
    total_mass: float  # purchased kg (summed per material, as the shares are)
    loop_mass: float
    mci_2019: dict[str, Mci2019Result]


def _circularity(snap: Snapshot, gaps: list[dict[str, Any]]) -> _Circularity:
    """Circular inflow (overall and per material, supplier organisation and buyer site),
    outflow per R-strategy and MCI per product."""
    by_material = inflow_by(snap.purchases, lambda p: p.material)
    overall = total(by_material.values())
    sites = snap.sites

    def supplier(p: Purchase) -> str:
        s = sites.get(p.supplier_site)
        return supplier_of(s.organisation if s else None, p.supplier_site)

    _gap(gaps, "missing_circular_shares",
         [p.id for p in snap.purchases if p.recycled_share is None and p.reused_share is None],
         "purchases declaring neither recycled_share nor reused_share: counted as virgin (0)")
    outflow = dict.fromkeys(STRATEGIES, 0.0)
    for lp in snap.loops:
        outflow[lp.strategy] = outflow.get(lp.strategy, 0.0) + lp.mass_kg
    loop_mass = sum(outflow.values())
    feed = feedstock_shares(snap)
    mci_results = {pid: mci(snap.products[pid], snap, feed) for pid in sorted(snap.products)}
    bio = biological_of(snap)
    cti_inflow = inflow_by(snap.purchases, lambda p: p.material, bio)
    feed19 = feedstock(snap)
    mci19 = {pid: mci_2019(snap.products[pid], snap, feed19) for pid in sorted(snap.products)}
    document = {
        "circular_inflow_share": overall.circular_inflow_share,
        "by_material": _inflow_rows(by_material),
        "by_supplier": _inflow_rows(inflow_by(snap.purchases, supplier)),
        "by_plant": _inflow_rows(inflow_by(snap.purchases, lambda p: p.buyer_site)),
        "circular_outflow_share": ratio(sum(v for k, v in outflow.items() if k in CIRCULAR_STRATEGIES), loop_mass),
        "outflow_by_strategy": outflow,
        "mci": {pid: r.mci for pid, r in mci_results.items()},
        # issue 16 (docs/methodology.md): the loop figure under its honest name, WBCSD CTI v4.0,
        # the MCI after its 2019 revision with per-material inputs, and the company-level MCI
        "loop_recovery_share": ratio(sum(v for k, v in outflow.items() if k in CIRCULAR_STRATEGIES), loop_mass),
        "cti": cti(total(cti_inflow.values()), cti_inflow, snap.products, snap.sales, snap.loops,
                   CIRCULAR_STRATEGIES, bio),
        "mci_2019": {pid: r.mci for pid, r in mci19.items()},
        "mci_company": company_mci(mci19, snap.sales, snap.products, snap.fx),
    }
    if not snap.loops:
        _gap(gaps, "no_loops", ["loops.csv"], "no end-of-use loops: circular outflow share is null")
    _gap(gaps, "product_without_bom", [pid for pid, p in snap.products.items() if not p.bom],
         "products without a bill of materials: MCI not computed")
    if not snap.sales:
        _gap(gaps, "no_sales", ["sales.csv"], "no products sold in the selection: CTI circular outflow, "
             "% circularity and the company-level MCI are null; the report shows the loop recovery share")
    return _Circularity(document, mci_results, overall.mass_kg, loop_mass, mci19)


def _inflow_rows(groups: Mapping[str, Inflow]) -> dict[str, dict[str, Any]]:
    return {k: g.as_dict() for k, g in groups.items()}


def _resilience(snap: Snapshot, rows: list[Row], total_mass: float) -> tuple[
        dict[str, Any], dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """Single sourcing, supplier and country HHI per material, critical inflow share; and the mass
    per material and supplier organisation / country behind them (for the details tables)."""
    org_mass: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    country_mass: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for p, _, _ in rows:
        s = snap.sites[p.supplier_site]
        org_mass[p.material][supplier_of(s.organisation, s.id)] += p.mass_kg
        country_mass[p.material][s.country] += p.mass_kg
    supplier_hhi = {m: hhi(_shares(org_mass[m]).values()) for m in sorted(org_mass) if sum(org_mass[m].values()) > 0}
    country_hhi = {m: hhi(_shares(country_mass[m]).values()) for m in sorted(country_mass)
                   if sum(country_mass[m].values()) > 0}
    critical_mass = sum(p.mass_kg for p in snap.purchases
                        if (mat := snap.materials.get(p.material)) is not None and mat.critical)
    # every purchase counts in the denominator (the purchased mass of the circularity section)
    resilience = {
        "single_source_materials": single_sourced(org_mass),
        "supplier_hhi": supplier_hhi,
        "country_hhi": country_hhi,
        "critical_inflow_share": ratio(critical_mass, total_mass),
        "crma": crma_concentration(snap),
    }
    return resilience, org_mass, country_mass


def _site_gaps(snap: Snapshot, gaps: list[dict[str, Any]]) -> None:
    """Gaps of the sites purchases use (coordinates, positions) and of spend."""
    sites = snap.sites
    used_sites = {x for p in snap.purchases for x in (p.buyer_site, p.supplier_site)}
    _gap(gaps, "site_without_coordinates",
         [s for s in used_sites if s in sites and not _has_coords(sites[s])],
         "sites without coordinates: their country's centroid is used for distances and they are never hyperlocal")
    _gap(gaps, "site_without_position",
         [s for s in used_sites if s in sites and site_position(sites[s]) is None],
         "sites with neither coordinates nor a country centroid: left out of the weighted distance")
    _gap(gaps, "purchase_without_spend", [p.id for p in snap.purchases if p.spend is None],
         "purchases without spend: left out of spend shares")
    if not snap.purchases:
        _gap(gaps, "no_purchases", ["purchases.csv"], "no purchases in the selection: shares are null")


# ----------------------------------------------------------------------------- details (report tables)
FlowTotals = dict[tuple[str, str], list[Any]]  # (supplier site, buyer site) -> [tier, distance km, mass kg]


def _flow_totals(rows: list[Row]) -> FlowTotals:
    flows: FlowTotals = {}
    for p, t, d in rows:
        f = flows.setdefault((p.supplier_site, p.buyer_site), [t, d, 0.0])
        f[2] += p.mass_kg
    return flows


def _map_sites(sites: Mapping[str, Site], flows: FlowTotals) -> tuple[list[dict[str, Any]], int]:
    """Supplier sites by mass (the largest MAP_SITES with a position), each with its main tier;
    and how many supplier sites there are."""
    supplier_mass: dict[str, list[Any]] = {}
    for (sup, _buy), (t, _d, kg) in flows.items():
        e = supplier_mass.setdefault(sup, [0.0, {}])
        e[0] += kg
        e[1][t] = e[1].get(t, 0.0) + kg
    ranked_sites = sorted(supplier_mass.items(), key=lambda kv: (-kv[1][0], kv[0]))
    map_sites = []
    for sid, (kg, tiers) in ranked_sites[:MAP_SITES]:
        s = sites[sid]
        pos = site_position(s)
        if pos is None:
            continue
        map_sites.append({"id": sid, "name": s.name, "country": s.country, "lat": pos[0], "lon": pos[1],
                          "approximate": not _has_coords(s), "mass_kg": kg,
                          "tier": max(tiers.items(), key=lambda kv: kv[1])[0]})
    return map_sites, len(supplier_mass)


def _plants(sites: Mapping[str, Site], flows: FlowTotals) -> list[dict[str, Any]]:
    """Buyer sites with the mass they bought."""
    buyer_mass: dict[str, float] = defaultdict(float)
    for (_sup, buy), (_t, _d, kg) in flows.items():
        buyer_mass[buy] += kg
    plants = []
    for sid in sorted(buyer_mass):
        s = sites[sid]
        pos = site_position(s)
        plants.append({"id": sid, "name": s.name, "country": s.country, "kind": s.kind, "mass_kg": buyer_mass[sid],
                       "lat": pos[0] if pos else None, "lon": pos[1] if pos else None})
    return plants


def _map_flows(sites: Mapping[str, Site], flows: FlowTotals) -> list[dict[str, Any]]:
    """The MAP_FLOWS largest site-to-site flows whose both ends have a position."""
    map_flows = []
    for (sup, buy), (t, d, kg) in sorted(flows.items(), key=lambda kv: (-kv[1][2], kv[0]))[:MAP_FLOWS]:
        a, b = site_position(sites[sup]), site_position(sites[buy])
        if a and b:
            map_flows.append({"from": sup, "to": buy, "tier": t, "distance_km": d, "mass_kg": kg,
                              "from_lat": a[0], "from_lon": a[1], "to_lat": b[0], "to_lon": b[1]})
    return map_flows


def _hhi_rows(snap: Snapshot, org_mass: Mapping[str, Mapping[str, float]],
              country_mass: Mapping[str, Mapping[str, float]], guidelines: str) -> list[dict[str, Any]]:
    """Per material: supplier and country HHI with their bands and the largest supplier and country."""
    org_names = {o.id: o.name for o in snap.organisations.values()}
    hhi_rows = []
    for m in sorted(org_mass):
        shares = _shares(org_mass[m])
        cshares = _shares(country_mass[m])
        if not shares:
            continue
        top_org, top_share = max(shares.items(), key=lambda kv: (kv[1], kv[0]))
        top_cc, top_cshare = max(cshares.items(), key=lambda kv: (kv[1], kv[0]))
        s_hhi, c_hhi = hhi(shares.values()), hhi(cshares.values())
        mat = snap.materials.get(m)
        hhi_rows.append({"material": m, "name": mat.name if mat else m, "suppliers": len(shares),
                         "countries": len(cshares), "supplier_hhi": s_hhi, "supplier_band": hhi_band(s_hhi, guidelines),
                         "country_hhi": c_hhi, "country_band": hhi_band(c_hhi, guidelines),
                         "top_supplier": top_org, "top_supplier_name": org_names.get(top_org, top_org),
                         "top_supplier_share": top_share, "top_country": top_cc, "top_country_share": top_cshare,
                         "critical": bool(mat and mat.critical), "strategic": bool(mat and mat.strategic)})
    return hhi_rows


def _critical_rows(snap: Snapshot, country_mass: Mapping[str, Mapping[str, float]]) -> list[dict[str, Any]]:
    """Critical raw materials by supplying country, largest first, with EU membership."""
    eu_country = {s.country: s.in_eu for s in snap.sites.values()}
    critical = []
    for m in sorted(country_mass):
        mat = snap.materials.get(m)
        if not (mat and mat.critical):
            continue
        total = sum(country_mass[m].values())
        for cc, kg in sorted(country_mass[m].items(), key=lambda kv: (-kv[1], kv[0])):
            critical.append({"material": m, "name": mat.name, "strategic": mat.strategic, "country": cc,
                             "mass_kg": kg, "share": kg / total if total else None,
                             "eu": eu_country.get(cc, False)})
    return critical


def _details(snap: Snapshot, rows: list[Row], mci_results: Mapping[str, MciResult],
             org_mass: Mapping[str, Mapping[str, float]], country_mass: Mapping[str, Mapping[str, float]],
             results: list[dict[str, Any]], guidelines: str = DEFAULT_GUIDELINES) -> dict[str, Any]:
    """Tables behind the report's charts (names resolved, long lists trimmed)."""
    sites = snap.sites
    flows = _flow_totals(rows)
    map_sites, n_supplier_sites = _map_sites(sites, flows)
    materials = {m.id: {"name": m.name, "class": m.material_class, "critical": m.critical,
                        "strategic": m.strategic, "plastic": m.plastic} for m in snap.materials.values()}
    return {
        "site_names": {sid: sites[sid].name for sid in sorted({x for k in flows for x in k})},
        "materials": materials,
        "plants": _plants(sites, flows),
        "map_sites": map_sites,
        "map_sites_total": n_supplier_sites,
        "map_flows": _map_flows(sites, flows),
        "map_flows_total": len(flows),
        "mci": {pid: r.as_dict() for pid, r in mci_results.items()},
        "product_names": {pid: p.name for pid, p in snap.products.items()},
        "hhi": _hhi_rows(snap, org_mass, country_mass, guidelines),
        "critical_by_country": _critical_rows(snap, country_mass),
        "validation_results": sorted(results, key=lambda r: (_SEVERITY_ORDER.get(r["severity"] or "", 3),
                                                             r["profile"] or "", r["code"] or ""))[:VALIDATION_ROWS],
        "validation_results_total": len(results),
    }


def metrics_of(store: GraphStore, *, year: int | None = None, site: str | None = None,
               validation: ValidationReport | None = None, progress: Callable[[str], None] = lambda _m: None,
               on_progress: Progress = silent, hhi_guidelines: str = DEFAULT_GUIDELINES,
               period: Period | None = None, as_of: date | None = None,
               context: Mapping[str, Any] | None = None, snapshot: Snapshot | None = None) -> dict[str, Any]:
    """The metrics document (metrics.json) of a store: its snapshot (read here unless given, as
    ``pipeline.run`` does to share it with the passports), measured by :func:`compute`.
    ``progress`` takes log lines, ``on_progress`` the steps with their counts (loopsource.progress)."""
    progress(f"reading {store.description} ...")
    on_progress(Tick("report", "reading the graph"))
    snapshot = snapshot if snapshot is not None else read_snapshot(store)
    n = len(snapshot.purchases)
    on_progress(Tick("report", "reading the graph", n, None, "purchases", final=True))
    progress(f"computing metrics over {n:,} purchases ...")
    on_progress(Tick("report", "computing metrics"))
    metrics = compute(snapshot, year=year, site=site, validation=validation, hhi_guidelines=hhi_guidelines,
                      period=period, as_of=as_of, context=context)
    on_progress(Tick("report", "computing metrics", n, None, "purchases", final=True))
    return metrics


__all__ = ["haversine_km", "tier", "distance_km", "hhi", "hhi_band", "mci", "MciResult", "MciMaterial", "compute",
           "material_terms", "lfi_mci",
           "filter_snapshot", "feedstock_shares", "site_position", "TIERS", "STRATEGIES", "CIRCULAR_STRATEGIES",
           "HHI_THRESHOLDS", "EARTH_RADIUS_KM", "HYPERLOCAL_KM", "local_share", "metrics_of"]
