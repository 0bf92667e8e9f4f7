"""Aggregate nodes: shares, concentrations and supplier counts, summed in Python and
materialised as small ``lsv:`` nodes that plain SHACL Core shapes check.

Why: SPARQL GROUP BY over 50,000 purchases took 10 s and more on the on-disk store
(bench/README.md, "Validation"). Reading each predicate once through the index and summing
here is one pass; thresholds, severities, dates in force, codes and messages stay in the
Turtle shapes (``sh:maxInclusive 0.65`` and so on), so Python only sums.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD

from ..rdf.vocab import LS
from . import crma
from .concentration import hhi_points
from .facts import Facts
from .index import Index
from .policy import Policy, PolicyRule
from .recycled import Scope, Unit, battery_units, packaging_units
from .settings import Settings
from .terms import AGG, LSV, LSV_DETAIL, LSV_KEY, local_name

class AggregateGraph:
    """Aggregate nodes as rdflib triples: ``a lsv:Class ; lsv:key ; lsv:detail ; lsv:<measure>``;
    and, for the report, the assessments behind them (scope, units, concentration, mapping)."""

    def __init__(self) -> None:
        self.triples: list[tuple[Any, Any, Any]] = []
        self.count = 0
        self.scopes: list[Scope] = []
        self.units: list[Unit] = []
        self.concentration: list[crma.Concentration] = []
        self.mapping: list[crma.Mapping24] = []
        self.needs: dict[str, str] = {}  # profile -> the data it lacks to be checked at all
        self.facts: Facts | None = None  # what they were computed from (None: no profile needed facts)

    def node(self, cls: str, key: str, detail: str, measures: Mapping[str, Literal]) -> None:
        n = URIRef(AGG + local_name(cls) + "/" + quote(key, safe="-._~/"))
        self.triples += [(n, RDF.type, URIRef(LSV + cls)), (n, LSV_KEY, Literal(key)), (n, LSV_DETAIL, Literal(detail))]
        self.triples += [(n, URIRef(LSV + m), v) for m, v in measures.items()]
        self.count += 1


def _ids(ids: Iterable[str], limit: int = 5) -> str:
    ids = sorted(set(i for i in ids if i))
    if len(ids) <= limit:
        return ", ".join(ids)
    return ", ".join(ids[:limit]) + f" and {len(ids) - limit} more"


def _kg(x: float) -> str:
    return f"{x:,.0f} kg" if x >= 10 else f"{x:.3g} kg"


def _kg_literal(x: float) -> Literal:
    """A mass per unit, to 6 significant digits (a battery's recycled lithium is a few grams)."""
    return Literal(Decimal(f"{x:.6g}").normalize() if abs(x) > 1e-12 else Decimal(0), datatype=XSD.decimal)


def _share(x: float) -> Literal:
    # Rounded so that 0.65 computed as 0.6500000000000001 still meets a 0.65 benchmark.
    return Literal(Decimal(str(round(x, 6))).normalize() if x else Decimal(0), datatype=XSD.decimal)




def compute_aggregates(index: Index, profiles: Sequence[str], policy: Policy | None,
                       settings: Settings | None = None) -> AggregateGraph:
    """Aggregate nodes for the selected profiles (see the shapes files for their meaning), with
    the purchase facts they were computed from (``agg.facts``: the passports claim from them)."""
    agg = AggregateGraph()
    settings = settings or Settings()
    wanted = set(profiles)
    if not wanted & {"eu-crma", "eu-batteries", "eu-ppwr", "esrs-e5", "policy"}:
        return agg
    facts = agg.facts = Facts(index)
    for profile in wanted & {"eu-crma", "esrs-e5"}:
        if not facts.purchases:
            agg.needs[profile] = "purchases (purchases.csv rows with a material, a mass and a date)"
    if "eu-crma" in wanted:
        _crma(facts, agg)
    if "eu-batteries" in wanted:
        scopes, units = battery_units(facts.products, facts.material_facts(), [p.claim for p in facts.purchases],
                                      settings.evidence["eu-batteries"])
        _recycled(scopes, units, agg, "Battery", "BatteryGap")
        _needs(agg, "eu-batteries", scopes, units, "battery products (products.csv category ev_battery, "
               "sli_battery, industrial_battery, lmt_battery or portable_battery)", "cobalt, lithium, nickel or lead")
    if "eu-ppwr" in wanted:
        scopes, units = packaging_units(facts.products, facts.material_facts(), [p.claim for p in facts.purchases],
                                        settings.evidence["eu-ppwr"])
        _recycled(scopes, units, agg, "Packaging", "PackagingGap")
        _needs(agg, "eu-ppwr", scopes, units, "plastic packaging products (products.csv category packaging_...)",
               "plastic")
    if "esrs-e5" in wanted:
        _e5(facts, agg)
    if "policy" in wanted and policy is not None:
        _policy(facts, policy, agg)
    return agg


# ---------------------------------------------------------------------------- EU CRMA
def _crma(facts: Facts, agg: AggregateGraph) -> None:
    """Art. 5(1)(d) concentration per Annex I entry and year, critical inflow, missing grades,
    and the Art. 24 supply-chain mapping (definitions: crma.py)."""
    flows = facts.crma_flows()
    agg.concentration = crma.concentration(flows)
    for c in agg.concentration:
        top = (f"{c.top_country} {_kg(c.top_kg)} of {_kg(c.total_kg)} of contained {c.label} (Annex {c.annex}) "
               f"bought in {c.year}" if c.top_country else f"all {_kg(c.total_kg)} from EU member states")
        detail = f"{top}; materials {_ids(c.materials)}; purchases {_ids(c.purchases)}"
        agg.node("CountryConcentration", c.focus, detail,
                 {"maxThirdCountryShare": _share(c.top_share), "benchmark": _share(c.benchmark),
                  "topCountry": Literal(c.top_country or "")})
    total: dict[int, float] = defaultdict(float)
    critical: dict[int, float] = defaultdict(float)
    crit_mats: dict[int, set[str]] = defaultdict(set)
    for p in facts.purchases:
        total[p.year] += p.kg
        mat = facts.materials.get(p.material)
        if mat is not None and mat.critical:
            critical[p.year] += p.kg
            crit_mats[p.year].add(p.material)
    for y in sorted(total):
        detail = f"{_kg(critical[y])} of {_kg(total[y])} bought in {y}; materials {_ids(crit_mats[y])}"
        agg.node("CriticalInflow", f"inflow/{y}", detail, {"criticalShare": _share(critical[y] / total[y])})
    for mid, mat in sorted(facts.materials.items()):
        base = crma.needs_grade(mat.classes, mat.grade)
        if base is not None:
            agg.node("UngradedMaterial", mid, f"class {local_name(base)}: Annex I lists it only at one grade; "
                     "counted as critical, not strategic", {"gradeMissing": Literal(True)})
    _mapping(facts, agg)


def _mapping(facts: Facts, agg: AggregateGraph) -> None:
    """Art. 24: only for a buyer that makes a strategic technology (batteries, from products.csv)."""
    if not any((p.category or "").endswith("_battery") for p in facts.products):
        return
    bought = [(p.material, mat.entry.key, p.supplier_site, p.kg) for p in facts.purchases
              if (mat := facts.materials.get(p.material)) is not None and mat.entry is not None]
    agg.mapping = crma.supply_mapping(bought, facts.upstream, facts.recyclers, facts.site_country,
                                      {m: e for m, e, _s, _kg in bought})
    for m in agg.mapping:
        detail = (f"{len(m.unmapped)} of {len(m.sites)} direct supplier sites ({_kg(m.unmapped_kg)} of "
                  f"{_kg(m.total_kg)}) have no upstream site in upstream.csv: {_ids(m.unmapped)}; known origin "
                  f"countries: {', '.join(m.origin_countries) or 'none'}")
        agg.node("SupplyMapping", m.material, detail,
                 {"unmappedSites": Literal(len(m.unmapped), datatype=XSD.integer)})


# ---------------------------------------------------------------------------- Batteries, PPWR
def _recycled(scopes: list[Scope], units: list[Unit], agg: AggregateGraph, evidence_cls: str, gap_cls: str) -> None:
    """One node per unit and measured element (class <kind><Element>), one evidence node per
    unit, and a gap node per product the rules cannot assess."""
    agg.scopes += scopes
    agg.units += units
    for s in scopes:
        if s.gap:
            agg.node(gap_cls, s.product, f"{s.reason}: {s.gap}", {"gap": Literal(s.gap)})
    for u in units:
        shares = ", ".join(f"{k.lower()} {v:.3g} (declared {u.declared[k]:.3g})" for k, v in sorted(u.shares.items()))
        for what, share in sorted(u.shares.items()):
            cls = u.kind + ("" if what == "Plastic" else what)
            agg.node(cls, u.focus, f"{u.scope}; {shares}; {u.evidence}", {"recycledShare": _share(share)})
        agg.node(f"{u.kind}Documentation" if evidence_cls == "Battery" else f"{evidence_cls}Evidence", u.focus,
                 f"{u.scope}; {shares}; {u.evidence}",
                 {"unevidencedKg": _kg_literal(u.unevidenced_kg), "declaration": Literal(shares)})


def _needs(agg: AggregateGraph, profile: str, scopes: list[Scope], units: list[Unit], products: str,
           materials: str) -> None:
    """A profile with no product of its categories, or whose products in scope have no unit of
    assessment (no bill of materials of the counted materials, or no purchases of them), was
    not checked: say what it needs instead of reporting 0 findings."""
    if not scopes:
        agg.needs[profile] = products
        return
    in_scope = sorted(s.product for s in scopes if s.kind is not None)
    if in_scope and not units:
        agg.needs[profile] = (f"bill-of-materials lines (bom.csv) of {materials} materials and purchases of them "
                              f"for {', '.join(in_scope)}")


# ---------------------------------------------------------------------------- ESRS E5
def _e5(facts: Facts, agg: AggregateGraph) -> None:
    """E5-4 §31(b): biological materials bought without a certification scheme, per material and year."""
    per: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
    ids: dict[tuple[str, int], set[str]] = defaultdict(set)
    for p in facts.purchases:
        mat = facts.materials.get(p.material)
        if mat is None or not mat.certified_needed:
            continue
        acc = per[(p.material, p.year)]
        acc[0] += p.kg
        if not p.claim.certificate:
            acc[1] += p.kg
            ids[(p.material, p.year)].add(p.id)
    for (mid, y), (kg, bare) in sorted(per.items()):
        detail = f"{_kg(bare)} of {_kg(kg)} of {mid} bought in {y} without a certificate: purchases {_ids(ids[(mid, y)])}"
        agg.node("BiologicalInflow", f"{mid}/{y}", detail, {"uncertifiedKg": _share(bare)})


# ---------------------------------------------------------------------------- company policy
def _policy(facts: Facts, policy: Policy, agg: AggregateGraph) -> None:
    for rule in policy.rules:
        if rule.rule in ("max_supplier_hhi", "dual_sourcing"):
            _policy_suppliers(facts, rule, agg)
        elif rule.rule == "min_local_share":
            _policy_local_share(facts, rule, agg)


def _policy_materials(facts: Facts, rule: PolicyRule, mid: str) -> bool:
    mat = facts.materials.get(mid)
    if rule.materials == "all":
        return True
    if mat is None:
        return False
    if rule.materials == "critical":
        return mat.critical
    if rule.materials == "strategic":
        return mat.entry is not None
    return any(LS + c in mat.classes for c in rule.materials)


def _policy_suppliers(facts: Facts, rule: PolicyRule, agg: AggregateGraph) -> None:
    """Supplier HHI (points, concentration.hhi_points) or supplier count per material and year."""
    cls = f"PolicyRule{rule.index}"
    per: dict[tuple[str, int], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for p in facts.purchases:
        if _policy_materials(facts, rule, p.material):
            per[(p.material, p.year)][p.supplier_org] += p.kg
    for (mid, y), orgs in sorted(per.items()):
        total = sum(orgs.values())
        top = sorted(orgs, key=lambda o: (-orgs[o], o))[:3]
        detail = (f"{mid} in {y}: {len(orgs)} supplier(s), largest "
                  + ", ".join(f"{o} {orgs[o] / total:.0%}" for o in top))
        if rule.rule == "max_supplier_hhi":
            hhi = Literal(Decimal(str(round(hhi_points(orgs.values()), 3))).normalize(), datatype=XSD.decimal)
            agg.node(cls, f"{mid}/{y}", detail, {"supplierHhi": hhi})
        else:
            agg.node(cls, f"{mid}/{y}", detail, {"supplierCount": Literal(len(orgs), datatype=XSD.integer)})


def subregion_of(index: Index) -> dict[str, str]:
    """ISO alpha-2 -> its UN M49 sub-region, following ls:withinRegion up through intermediate
    regions (Mexico -> Central America (intermediate) -> Latin America and the Caribbean)."""
    parents = index.fetch(LS + "withinRegion")
    subregions = index.instances(LS + "M49SubRegion")
    out: dict[str, str] = {}
    for country in index.instances(LS + "Country"):
        todo, seen = list(parents.get(country, [])), set()
        while todo:
            r = todo.pop(0)
            if r in seen:
                continue
            seen.add(r)
            if r in subregions:
                out[local_name(country.value)] = r.value
                break
            todo.extend(parents.get(r, []))
    return out


def _policy_local_share(facts: Facts, rule: PolicyRule, agg: AggregateGraph) -> None:
    """Share of each plant's purchased mass per year from suppliers local to it (country, M49 sub-region or EU)."""
    sub = subregion_of(facts.index) if rule.local == "subregion" else {}
    per_plant: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for p in facts.purchases:
        if p.buyer_site not in facts.plants or (rule.plants and p.buyer_site not in rule.plants):
            continue
        bc, sc = facts.site_country.get(p.buyer_site, ""), p.country
        if rule.local == "country":
            local = bool(bc) and bc == sc
        elif rule.local == "eu":
            local = bc in facts.eu and sc in facts.eu
        else:
            local = bc in sub and sub[bc] == sub.get(sc)
        acc = per_plant[(p.buyer_site, p.year)]
        acc[0] += p.kg
        acc[1] += p.kg if local else 0.0
    for (pid, y), (total, local_kg) in sorted(per_plant.items()):
        detail = f"{_kg(local_kg)} of {_kg(total)} bought by {pid} in {y} from {rule.local}-local suppliers"
        agg.node(f"PolicyRule{rule.index}", f"{pid}/{y}", detail, {"localShare": _share(local_kg / total)})
