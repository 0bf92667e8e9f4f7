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
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD

from ..rdf.vocab import LS, ORG, REGION
from .index import Index, node_id, numeric
from .policy import Policy, PolicyRule
from .terms import AGG, LSV, LSV_DETAIL, LSV_KEY, local_name

# Product categories and material classes the regulations name (metrics reference §6, §7).
BATTERY_CATEGORIES = ("ev_battery", "industrial_battery", "lmt_battery", "sli_battery")
BATTERY_MATERIALS = {"Cobalt": "BatteryCobalt", "Lithium": "BatteryLithium", "Nickel": "BatteryNickel",
                     "Lead": "BatteryLead"}
PACKAGING_CATEGORIES = {"packaging_pet_contact_sensitive": "PackagingPetContactSensitive",
                        "packaging_plastic_contact_sensitive": "PackagingPlasticContactSensitive",
                        "packaging_beverage_bottle": "PackagingBeverageBottle",
                        "packaging_plastic_other": "PackagingPlasticOther"}


class AggregateGraph:
    """Aggregate nodes as rdflib triples: ``a lsv:Class ; lsv:key ; lsv:detail ; lsv:<measure>``."""

    def __init__(self) -> None:
        self.triples: list[tuple[Any, Any, Any]] = []
        self.count = 0

    def node(self, cls: str, key: str, detail: str, measures: Mapping[str, Literal]) -> None:
        n = URIRef(AGG + local_name(cls) + "/" + quote(key, safe="-._~/"))
        self.triples += [(n, RDF.type, URIRef(LSV + cls)), (n, LSV_KEY, Literal(key)), (n, LSV_DETAIL, Literal(detail))]
        self.triples += [(n, URIRef(LSV + m), v) for m, v in measures.items()]
        self.count += 1


def _year_of(t: Any) -> int | None:
    if isinstance(t, ox.Literal) and len(t.value) >= 4 and t.value[:4].isdigit():
        return int(t.value[:4])
    return None


def _ids(ids: Iterable[str], limit: int = 5) -> str:
    ids = sorted(set(i for i in ids if i))
    if len(ids) <= limit:
        return ", ".join(ids)
    return ", ".join(ids[:limit]) + f" and {len(ids) - limit} more"


def _kg(x: float) -> str:
    return f"{x:,.0f} kg" if x >= 10 else f"{x:.3g} kg"


def _share(x: float) -> Literal:
    # Rounded so that 0.65 computed as 0.6500000000000001 still meets a 0.65 benchmark.
    return Literal(Decimal(str(round(x, 6))).normalize() if x else Decimal(0), datatype=XSD.decimal)


@dataclass(frozen=True)
class _Flow:
    """One purchase, as the aggregate rules see it."""

    id: str
    material: Any
    year: int
    kg: float
    recycled_kg: float
    country: Any
    supplier_org: Any
    buyer_site: Any


class _Facts:
    """Purchases, material classes and EU membership, from the index."""

    def __init__(self, index: Index):
        self.index = index
        ix = index
        self.flows: list[_Flow] = []
        mat, kg, day = ix.fetch(LS + "material"), ix.fetch(LS + "massKg"), ix.fetch(LS + "date")
        sup, buyer, rec = ix.fetch(LS + "supplierSite"), ix.fetch(LS + "buyerSite"), ix.fetch(LS + "recycledShare")
        located, site_of = ix.fetch(LS + "locatedIn"), ix.fetch(ORG + "siteOf")
        for p in ix.instances(LS + "Purchase"):
            m, mass, d, ss = (mat.get(p) or [None])[0], numeric((kg.get(p) or [None])[0]), \
                (day.get(p) or [None])[0], (sup.get(p) or [None])[0]
            y = _year_of(d)
            if m is None or mass is None or y is None or mass <= 0:
                continue  # data-quality reports it; aggregates skip what they cannot place
            r = numeric((rec.get(p) or [None])[0]) or 0.0
            self.flows.append(_Flow(node_id(ix, p), m, y, mass, mass * r, (located.get(ss) or [None])[0],
                                    (site_of.get(ss) or [ss])[0], (buyer.get(p) or [None])[0]))
        self.material_classes: dict[Any, set[str]] = {m: ix.classes_of(m) for m in {f.material for f in self.flows}
                                                      | {m for ms in ix.fetch(LS + "material").values() for m in ms}}
        self.eu = {s for s, _p, _o in ix.pattern(None, ox.NamedNode(LS + "withinRegion"), ox.NamedNode(REGION + "EU"))}

    def is_a(self, m: Any, cls: str) -> bool:
        if m not in self.material_classes:
            self.material_classes[m] = self.index.classes_of(m)
        return cls in self.material_classes[m]

    def strategic_classes(self, m: Any) -> list[str]:
        srm = LS + "StrategicRawMaterial"
        if not self.is_a(m, srm):
            return []
        return sorted(c for c in self.material_classes[m] if srm in self.index.super.get(c, ()))

    def mid(self, m: Any) -> str:
        return node_id(self.index, m)


def compute_aggregates(index: Index, profiles: Sequence[str], policy: Policy | None) -> AggregateGraph:
    """Aggregate nodes for the selected profiles (see the shapes files for their meaning)."""
    agg = AggregateGraph()
    wanted = set(profiles)
    if not wanted & {"eu-crma", "eu-batteries", "eu-ppwr", "policy"}:
        return agg
    facts = _Facts(index)
    if "eu-crma" in wanted:
        _crma(facts, agg)
    if wanted & {"eu-batteries", "eu-ppwr"}:
        _recycled_content(facts, wanted, agg)
    if "policy" in wanted and policy is not None:
        _policy(facts, policy, agg)
    return agg


# ---------------------------------------------------------------------------- EU CRMA
def _crma(facts: _Facts, agg: AggregateGraph) -> None:
    by_key: dict[tuple[str, int], dict[Any, float]] = defaultdict(lambda: defaultdict(float))
    ids: dict[tuple[str, int], set[str]] = defaultdict(set)
    mats: dict[tuple[str, int], set[str]] = defaultdict(set)
    total: dict[int, float] = defaultdict(float)
    critical: dict[int, float] = defaultdict(float)
    crit_mats: dict[int, set[str]] = defaultdict(set)
    for f in facts.flows:
        total[f.year] += f.kg
        if facts.is_a(f.material, LS + "CriticalRawMaterial"):
            critical[f.year] += f.kg
            crit_mats[f.year].add(facts.mid(f.material))
        for cls in facts.strategic_classes(f.material):
            by_key[(cls, f.year)][f.country] += f.kg
            ids[(cls, f.year)].add(f.id)
            mats[(cls, f.year)].add(facts.mid(f.material))
    for (cls, y), countries in sorted(by_key.items()):
        all_mass = sum(countries.values())
        non_eu = {c.value: v for c, v in countries.items() if c is not None and c not in facts.eu}
        if not all_mass or not non_eu:
            continue
        top = max(sorted(non_eu), key=lambda c: non_eu[c])
        detail = (f"{local_name(top)} {_kg(non_eu[top])} of {_kg(all_mass)} of {local_name(cls)} bought in {y}; "
                  f"materials {_ids(mats[(cls, y)])}; purchases {_ids(ids[(cls, y)])}")
        agg.node("CountryConcentration", f"{local_name(cls)}/{y}", detail,
                 {"maxNonEuCountryShare": _share(non_eu[top] / all_mass), "topCountry": Literal(local_name(top))})
    for y in sorted(total):
        detail = f"{_kg(critical[y])} of {_kg(total[y])} bought in {y}; materials {_ids(crit_mats[y])}"
        agg.node("CriticalInflow", f"inflow/{y}", detail, {"criticalShare": _share(critical[y] / total[y])})


# ---------------------------------------------------------------------------- Batteries, PPWR
def _recycled_content(facts: _Facts, wanted: set[str], agg: AggregateGraph) -> None:
    ix = facts.index
    mass: dict[Any, float] = defaultdict(float)
    recycled: dict[Any, float] = defaultdict(float)
    for f in facts.flows:
        mass[f.material] += f.kg
        recycled[f.material] += f.recycled_kg

    def material_share(m: Any) -> float | None:
        return recycled[m] / mass[m] if mass.get(m) else None

    line_of, line_mat, line_kg = ix.fetch(LS + "bomLineOf"), ix.fetch(LS + "material"), ix.fetch(LS + "massKg")
    category = ix.fetch(LS + "category")
    groups: dict[tuple[str, str], list[tuple[Any, float]]] = defaultdict(list)  # (product id, class) -> lines
    for b in ix.instances(LS + "BomLine"):
        prod, m, kg = (line_of.get(b) or [None])[0], (line_mat.get(b) or [None])[0], numeric((line_kg.get(b) or [None])[0])
        if prod is None or m is None:
            continue
        pid = node_id(ix, prod)
        for cat in {c.value for c in category.get(prod, []) if isinstance(c, ox.Literal)}:
            if "eu-batteries" in wanted and cat in BATTERY_CATEGORIES:
                for name, cls in BATTERY_MATERIALS.items():
                    if facts.is_a(m, LS + name):
                        groups[(pid, cls)].append((m, kg or 0.0))
            if "eu-ppwr" in wanted and cat in PACKAGING_CATEGORIES and facts.is_a(m, LS + "Plastic"):
                groups[(pid, PACKAGING_CATEGORIES[cat])].append((m, kg or 0.0))
    for (pid, cls), lines in sorted(groups.items()):
        bought = [(m, kg) for m, kg in lines if material_share(m) is not None]
        weight = sum(kg for _m, kg in bought)
        parts = [f"{facts.mid(m)}: " + (f"{material_share(m):.3g} recycled of {_kg(mass[m])} bought"
                                       if material_share(m) is not None else "never bought")
                 for m, _kg_ in sorted(lines, key=lambda x: facts.mid(x[0]))]
        # Nothing bought: no recycled content can be shown, which counts as 0 %.
        share = sum(kg * (material_share(m) or 0.0) for m, kg in bought) / weight if weight else 0.0
        agg.node(cls, pid, "; ".join(parts), {"recycledShare": _share(share)})


# ---------------------------------------------------------------------------- company policy
def _policy(facts: _Facts, policy: Policy, agg: AggregateGraph) -> None:
    for rule in policy.rules:
        if rule.rule in ("max_supplier_hhi", "dual_sourcing"):
            _policy_suppliers(facts, rule, agg)
        elif rule.rule == "min_local_share":
            _policy_local_share(facts, rule, agg)


def _policy_materials(facts: _Facts, rule: PolicyRule, m: Any) -> bool:
    if rule.materials == "all":
        return True
    if rule.materials == "critical":
        return facts.is_a(m, LS + "CriticalRawMaterial")
    if rule.materials == "strategic":
        return facts.is_a(m, LS + "StrategicRawMaterial")
    return any(facts.is_a(m, LS + c) for c in rule.materials)


def _policy_suppliers(facts: _Facts, rule: PolicyRule, agg: AggregateGraph) -> None:
    """Supplier HHI (fraction) or supplier count per material and year."""
    cls = f"PolicyRule{rule.index}"
    per: dict[tuple[str, int], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for f in facts.flows:
        if _policy_materials(facts, rule, f.material):
            per[(facts.mid(f.material), f.year)][node_id(facts.index, f.supplier_org)] += f.kg
    for (mid, y), orgs in sorted(per.items()):
        total = sum(orgs.values())
        top = sorted(orgs, key=lambda o: (-orgs[o], o))[:3]
        detail = (f"{mid} in {y}: {len(orgs)} supplier(s), largest "
                  + ", ".join(f"{o} {orgs[o] / total:.0%}" for o in top))
        if rule.rule == "max_supplier_hhi":
            agg.node(cls, f"{mid}/{y}", detail, {"supplierHhi": _share(sum((v / total) ** 2 for v in orgs.values()))})
        else:
            agg.node(cls, f"{mid}/{y}", detail, {"supplierCount": Literal(len(orgs), datatype=XSD.integer)})


def _policy_local_share(facts: _Facts, rule: PolicyRule, agg: AggregateGraph) -> None:
    """Share of each plant's purchased mass per year from suppliers local to it (country, M49 sub-region or EU)."""
    ix = facts.index
    plants = ix.instances(LS + "Plant")
    located = ix.fetch(LS + "locatedIn")
    parents: dict[Any, set[Any]] = {}
    if rule.local == "subregion":
        subregions = ix.instances(LS + "M49SubRegion")
        parents = {c: {r for r in rs if r in subregions} for c, rs in ix.fetch(LS + "withinRegion").items()}
    per_plant: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for f in facts.flows:
        if f.buyer_site not in plants:
            continue
        pid = node_id(ix, f.buyer_site)
        if rule.plants and pid not in rule.plants:
            continue
        bc = (located.get(f.buyer_site) or [None])[0]
        sc = f.country
        if rule.local == "country":
            local = bc is not None and bc == sc
        elif rule.local == "eu":
            local = bc in facts.eu and sc in facts.eu
        else:
            local = bool(parents.get(bc, set()) & parents.get(sc, set()))
        acc = per_plant[(pid, f.year)]
        acc[0] += f.kg
        acc[1] += f.kg if local else 0.0
    for (pid, y), (total, local_kg) in sorted(per_plant.items()):
        detail = f"{_kg(local_kg)} of {_kg(total)} bought by {pid} in {y} from {rule.local}-local suppliers"
        agg.node(f"PolicyRule{rule.index}", f"{pid}/{y}", detail, {"localShare": _share(local_kg / total)})
