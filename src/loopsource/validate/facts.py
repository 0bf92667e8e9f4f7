"""The records the aggregate rules read, built once from the index: purchases, materials (with
their CRMA classification and element share), products, sites and upstream links, each named
by its CSV id."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from ..rdf.resource_flows import cycle_of
from ..rdf.vocab import LS, ORG, REGION
from . import crma
from .index import Index, node_id, numeric
from .recycled import Claim, MaterialFacts, ProductFacts
from .terms import local_name


@dataclass(frozen=True, slots=True)
class PurchaseFacts:
    id: str
    material: str
    year: int
    kg: float
    buyer_site: str
    supplier_site: str
    supplier_org: str
    country: str  # ISO alpha-2 of the supplier site ('' when unknown)
    claim: Claim


@dataclass(frozen=True)
class MaterialInfo:
    id: str
    classes: frozenset[str]
    grade: str | None
    element_share: float
    entry: crma.CrmaEntry | None  # CRMA Annex I entry
    critical: bool
    certified_needed: bool  # a biological material (ESRS E5-4 §31(b); rdf.resource_flows.cycle_of)


def _one(d: dict[Any, list[Any]], s: Any) -> Any:
    v = d.get(s)
    return v[0] if v else None


def _text(t: Any) -> str | None:
    return t.value if isinstance(t, (ox.Literal, ox.NamedNode)) else None


class Facts:
    """Purchases, materials, products, sites and upstream links, from the index."""

    def __init__(self, index: Index):
        self.index = ix = index
        self.eu = {local_name(s.value) for s, _p, _o in
                   ix.pattern(None, ox.NamedNode(LS + "withinRegion"), ox.NamedNode(REGION + "EU"))}
        self.materials = {node_id(ix, m): self._material(m) for m in ix.instances(LS + "Material")}
        self.site_country = {node_id(ix, s): local_name(c[0].value) for s, c in ix.fetch(LS + "locatedIn").items()
                             if c and isinstance(c[0], ox.NamedNode)}
        self.recyclers = {node_id(ix, s) for s in ix.instances(LS + "RecyclingFacility")}
        self.plants = {node_id(ix, s) for s in ix.instances(LS + "Plant")}
        self.purchases = self._purchases()
        self.products = self._products()
        self.upstream: dict[tuple[str, str], list[str]] = defaultdict(list)
        site, up, mat = ix.fetch(LS + "site"), ix.fetch(LS + "upstreamSite"), ix.fetch(LS + "material")
        for u in ix.instances(LS + "UpstreamSupply"):
            s, x, m = _one(site, u), _one(up, u), _one(mat, u)
            if s is not None and x is not None and m is not None:
                self.upstream[(node_id(ix, s), node_id(ix, m))].append(node_id(ix, x))

    def _material(self, m: Any) -> MaterialInfo:
        ix = self.index
        classes = frozenset(ix.classes_of(m))
        grade = _text(_one(ix.fetch(LS + "grade"), m))
        share = crma.element_share(classes, numeric(_one(ix.fetch(LS + "elementShare"), m)))
        return MaterialInfo(node_id(ix, m), classes, grade, share, crma.strategic_entry(classes, grade),
                            crma.is_critical(classes, grade), cycle_of(classes) == "biological")

    def _purchases(self) -> list[PurchaseFacts]:
        ix = self.index
        f = {p: ix.fetch(LS + p) for p in ("material", "massKg", "date", "supplierSite", "buyerSite", "recycledShare",
                                            "recycledPreConsumerShare", "recycledPostConsumerShare",
                                            "chainOfCustody", "certificate")}
        site_of = ix.fetch(ORG + "siteOf")
        chains = {iri: value for value, iri in _chains().items()}
        # One string per site, organisation and material id, shared by every purchase naming it
        # (node_id makes a new one at each call, four per purchase).
        ids: dict[Any, str] = {}

        def shared(node: Any) -> str:
            if node not in ids:
                ids[node] = node_id(ix, node)
            return ids[node]
        out = []
        for p in ix.instances(LS + "Purchase"):
            m, kg, d, ss, bs = (_one(f[k], p) for k in ("material", "massKg", "date", "supplierSite", "buyerSite"))
            mass, day = numeric(kg), _text(d)
            if m is None or mass is None or mass <= 0 or not day or not day[:4].isdigit() or ss is None:
                continue  # data-quality reports it; aggregates skip what they cannot place
            pid, mid, sid = node_id(ix, p), shared(m), shared(ss)
            bid = shared(bs) if bs is not None else ""
            claim = Claim(pid, mid, bid, int(day[:4]), mass, numeric(_one(f["recycledShare"], p)),
                          numeric(_one(f["recycledPreConsumerShare"], p)),
                          numeric(_one(f["recycledPostConsumerShare"], p)),
                          chains.get(_text(_one(f["chainOfCustody"], p)) or ""), _text(_one(f["certificate"], p)))
            org = _one(site_of, ss)
            out.append(PurchaseFacts(pid, mid, claim.year, mass, bid, sid, shared(org) if org is not None else sid,
                                     self.site_country.get(sid, ""), claim))
        return out

    def _products(self) -> list[ProductFacts]:
        ix = self.index
        f = {p: ix.fetch(LS + p) for p in ("category", "madeAt", "capacityKwh", "externalStorageOnly")}
        bom: dict[Any, list[tuple[str, float]]] = defaultdict(list)
        line_of, line_mat, line_kg = ix.fetch(LS + "bomLineOf"), ix.fetch(LS + "material"), ix.fetch(LS + "massKg")
        for b in ix.instances(LS + "BomLine"):
            prod, m = _one(line_of, b), _one(line_mat, b)
            if prod is not None and m is not None:
                bom[prod].append((node_id(ix, m), numeric(_one(line_kg, b)) or 0.0))
        out = []
        for p in ix.instances(LS + "Product"):
            plant = _one(f["madeAt"], p)
            external = _text(_one(f["externalStorageOnly"], p))
            out.append(ProductFacts(node_id(ix, p), _text(_one(f["category"], p)),
                                    node_id(ix, plant) if plant is not None else None,
                                    numeric(_one(f["capacityKwh"], p)),
                                    None if external is None else external in ("true", "1"),
                                    tuple(sorted(bom.get(p, [])))))
        return sorted(out, key=lambda x: x.id)

    def third_country(self, country: str) -> bool:
        return country not in self.eu

    def crma_flows(self) -> list[crma.CrmaFlow]:
        """The purchases of strategic raw materials as the CRMA concentration counts them."""
        out = []
        for p in self.purchases:
            mat = self.materials.get(p.material)
            if mat is not None and mat.entry is not None:
                out.append(crma.CrmaFlow(mat.entry, p.year, p.country, self.third_country(p.country),
                                         p.kg * mat.element_share, p.id, p.material))
        return out

    def material_facts(self) -> dict[str, MaterialFacts]:
        return {k: MaterialFacts(k, v.classes, v.element_share) for k, v in self.materials.items()}


def _chains() -> dict[str, str]:
    from ..rdf.vocab import code_lists

    return code_lists().chains_of_custody
