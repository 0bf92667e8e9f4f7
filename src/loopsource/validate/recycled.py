"""Recycled content as the Batteries Regulation (Art. 8) and the PPWR (Art. 7) count it: the
scope of each product, its unit of assessment, and the evidence each purchase brings.

* **Unit of assessment**: product (battery model; packaging unit of one type and format) x
  manufacturing plant (products.csv ``plant``) x calendar year. A product's share in a year is
  computed from the purchases its plant made that year of the materials of its bill of
  materials. A product without a plant is assessed over all buyer sites and reported.
* **Batteries Art. 8**: EV and SLI batteries, industrial batteries above 2 kWh except those with
  exclusively external storage (Art. 8(1)-(2)); LMT batteries only from 18 August 2036 (Art.
  8(3); their aggregate nodes have their own classes, which only the 2036 shapes target);
  portable batteries never. Cobalt, lithium and nickel are counted in the active materials
  (the BOM lines whose material class is under ``ls:Cobalt``, ``ls:Lithium``, ``ls:Nickel``, as
  contained element mass), lead in the whole battery (``ls:Lead``).
* **PPWR Art. 7**: plastic packaging of categories (a)-(d); compostable, medical, infant-food
  and dangerous-goods packaging are exempt by category. Plastic BOM lines that make up less
  than 5 % of the unit's total weight are left out (the issue's reading, so a PET tray with a
  4 % polypropylene lid is assessed on the tray; exactly 5 % counts). Only post-consumer
  recyclate counts.
* **Evidence** (settings.EvidenceRule per profile): a purchase's recycled share counts only for
  the kinds the profile accepts, with an accepted chain of custody (and a certificate where
  required); the rest counts as 0 and is reported.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..rdf.vocab import LS
from .settings import EvidenceRule

BATTERY_ELEMENTS = ("Cobalt", "Lithium", "Nickel", "Lead")
# category -> aggregate class prefix of its units (None: out of scope of Art. 8)
BATTERY_SCOPE = {"ev_battery": "Battery", "sli_battery": "Battery", "industrial_battery": "Battery",
                 "lmt_battery": "LmtBattery", "portable_battery": None}
PACKAGING_SCOPE = {"packaging_pet_contact_sensitive": "PackagingPetContactSensitive",
                   "packaging_plastic_contact_sensitive": "PackagingPlasticContactSensitive",
                   "packaging_beverage_bottle": "PackagingBeverageBottle",
                   "packaging_plastic_other": "PackagingPlasticOther",
                   "packaging_compostable": None, "packaging_medical": None, "packaging_infant_food": None,
                   "packaging_dangerous_goods": None}
INDUSTRIAL_MIN_KWH = 2.0  # Art. 8(1): industrial batteries with a capacity *above* 2 kWh
PLASTIC_PART_MIN_SHARE = 0.05  # PPWR Art. 7: plastic parts below 5 % of the unit's weight are exempt


@dataclass(frozen=True, slots=True)
class Claim:
    """One purchase's recycled-content declaration."""

    purchase: str
    material: str
    buyer: str
    year: int
    kg: float
    recycled: float | None
    pre: float | None
    post: float | None
    chain: str | None  # csv value of the chain-of-custody model
    certificate: str | None


@dataclass(frozen=True)
class ProductFacts:
    id: str
    category: str | None
    plant: str | None
    capacity_kwh: float | None
    external_storage_only: bool | None
    bom: tuple[tuple[str, float], ...]  # (material id, kg per unit)


@dataclass(frozen=True)
class MaterialFacts:
    id: str
    classes: frozenset[str]
    element_share: float


@dataclass(frozen=True)
class Unit:
    """One unit of assessment with its shares, scope and evidence, in words for the report."""

    profile: str
    product: str
    plant: str | None
    year: int
    kind: str  # aggregate class prefix (Battery, LmtBattery, Packaging...)
    shares: dict[str, float]  # counted share per element (batteries) or {"Plastic": share}
    declared: dict[str, float]  # declared recycled share, before the evidence rule
    unevidenced_kg: float  # declared recycled mass that does not count
    scope: str
    evidence: str

    @property
    def focus(self) -> str:
        return f"{self.product}/{self.plant or 'all plants'}/{self.year}"


@dataclass(frozen=True)
class Scope:
    """A product's scope decision."""

    profile: str
    product: str
    kind: str | None  # None: out of scope or exempt
    reason: str
    gap: str | None = None  # missing data that keeps a product from being assessed


def _plant_gap(scope: Scope, p: ProductFacts) -> Scope:
    """A product in scope without a plant is assessed over all buyer sites, and reported."""
    if scope.kind is None or p.plant is not None:
        return scope
    return Scope(scope.profile, scope.product, scope.kind, scope.reason,
                 "no plant in products.csv: the unit of assessment is product x plant x year, so it is "
                 "assessed over the purchases of all buyer sites")


def counted(claim: Claim, rule: EvidenceRule) -> tuple[float, str | None]:
    """The share of the purchase that counts under ``rule``, and why the rest does not."""
    rec = claim.recycled or 0.0
    if rec <= 0:
        return 0.0, None
    pre, post = claim.pre, claim.post
    if pre is None and post is not None:
        pre = max(rec - post, 0.0)
    if post is None and pre is not None:
        post = max(rec - pre, 0.0)
    if pre is None or post is None:
        return 0.0, "no pre/post-consumer split"
    if claim.chain is None:
        return 0.0, "no chain of custody"
    if claim.chain not in rule.chains_of_custody:
        return 0.0, f"{claim.chain} not accepted"
    if rule.certificate_required and not claim.certificate:
        return 0.0, "no certificate"
    share = (pre if "pre_consumer" in rule.kinds else 0.0) + (post if "post_consumer" in rule.kinds else 0.0)
    left = [k.replace("_", "-") for k, v in (("pre_consumer", pre), ("post_consumer", post))
            if v > 0 and k not in rule.kinds]
    return share, (f"{' and '.join(left)} recyclate does not count" if left else None)


def battery_scope(p: ProductFacts) -> Scope:
    """Art. 8 scope of one product (products with no battery category are not listed)."""
    cat = p.category or ""
    if cat == "portable_battery":
        return Scope("eu-batteries", p.id, None, "portable battery: outside Art. 8")
    if cat == "lmt_battery":
        return Scope("eu-batteries", p.id, "LmtBattery", "LMT battery: minimum shares from 18 August 2036 (Art. 8(3)), "
                     "documentation from 18 August 2033")
    if cat == "industrial_battery":
        if p.capacity_kwh is None:
            return Scope("eu-batteries", p.id, None, "industrial battery of unknown capacity: not assessed",
                         "industrial battery without capacity_kwh: Art. 8 covers only those above 2 kWh")
        if p.capacity_kwh <= INDUSTRIAL_MIN_KWH:
            return Scope("eu-batteries", p.id, None, f"industrial battery of {p.capacity_kwh:g} kWh: Art. 8 covers "
                         f"those above {INDUSTRIAL_MIN_KWH:g} kWh")
        if p.external_storage_only:
            return Scope("eu-batteries", p.id, None, "industrial battery with exclusively external storage: "
                         "excepted by Art. 8(1)")
        return Scope("eu-batteries", p.id, "Battery", f"industrial battery of {p.capacity_kwh:g} kWh (Art. 8(1)-(2))")
    label = {"ev_battery": "EV battery", "sli_battery": "SLI battery"}[cat]
    return Scope("eu-batteries", p.id, "Battery", f"{label} (Art. 8(1)-(2))")


def packaging_scope(p: ProductFacts) -> Scope:
    kind = PACKAGING_SCOPE[p.category or ""]
    if kind is None:
        return Scope("eu-ppwr", p.id, None, f"{p.category}: exempt from Art. 7")
    letter = {"PackagingPetContactSensitive": "a", "PackagingPlasticContactSensitive": "b",
              "PackagingBeverageBottle": "c", "PackagingPlasticOther": "d"}[kind]
    return Scope("eu-ppwr", p.id, kind, f"{p.category}: Art. 7(1)({letter})")


class _Purchases:
    """Claims by (material, buyer, year), and the counted and declared shares of each group."""

    def __init__(self, claims: Sequence[Claim], rule: EvidenceRule):
        self.rule = rule
        self.groups: dict[tuple[str, str | None, int], list[Claim]] = defaultdict(list)
        for c in claims:
            self.groups[(c.material, c.buyer, c.year)].append(c)
            self.groups[(c.material, None, c.year)].append(c)

    def years(self, materials: set[str], plant: str | None) -> list[int]:
        return sorted({y for (m, b, y) in self.groups if m in materials and b == plant})

    def share(self, material: str, plant: str | None, year: int) -> tuple[float, float, list[str]]:
        """(counted share, declared share, the purchases whose claim does not fully count and why)."""
        group = self.groups.get((material, plant, year), [])
        kg = sum(c.kg for c in group)
        if kg <= 0:
            return 0.0, 0.0, []
        good = declared = 0.0
        reasons = []
        for c in group:
            share, why = counted(c, self.rule)
            good += c.kg * share
            declared += c.kg * (c.recycled or 0.0)
            if why:
                reasons.append(f"{c.purchase} ({why})")
        return good / kg, declared / kg, reasons


def _ids(ids: Sequence[str], limit: int = 4) -> str:
    ids = sorted(set(ids))
    return ", ".join(ids) if len(ids) <= limit else ", ".join(ids[:limit]) + f" and {len(ids) - limit} more"


def _unit(profile: str, product: ProductFacts, scope: Scope, year: int,
          lines: Mapping[str, list[tuple[str, float]]], purchases: _Purchases) -> Unit:
    """One unit of assessment: ``lines`` maps each measured quantity (element or Plastic) to its
    (material, weight) lines, weight being contained element or plastic mass per unit."""
    shares, declared, missing, reasons, not_bought = {}, {}, 0.0, [], set()
    for what, group in lines.items():
        total = sum(w for _m, w in group)
        good = decl = 0.0
        for m, w in group:
            s, d, why = purchases.share(m, product.plant, year)
            if not purchases.groups.get((m, product.plant, year)):
                not_bought.add(m)
            # per unit of product: weight x (declared - counted) share
            good, decl, missing = good + w * s, decl + w * d, missing + w * (d - s)
            reasons += why
        shares[what], declared[what] = (good / total if total else 0.0), (decl / total if total else 0.0)
    evidence = (f"{missing:.3g} kg per unit of declared recycled content does not count: {_ids(reasons)}"
                if missing > 1e-9
                else "every declared recycled share is evidenced")
    if not_bought:
        evidence += f"; not bought by the plant in {year} (counts as 0): {_ids(sorted(not_bought))}"
    return Unit(profile, product.id, product.plant, year, scope.kind or "", shares, declared, missing,
                scope.reason, evidence + f" (evidence rule: {purchases.rule.profile})")


def battery_units(products: Sequence[ProductFacts], materials: Mapping[str, MaterialFacts],
                  claims: Sequence[Claim], rule: EvidenceRule) -> tuple[list[Scope], list[Unit]]:
    """Scope of every battery product and the units of assessment of those in scope."""
    purchases = _Purchases(claims, rule)
    scopes, units = [], []
    for p in products:
        if (p.category or "") not in BATTERY_SCOPE:
            continue
        scope = _plant_gap(battery_scope(p), p)
        scopes.append(scope)
        if scope.kind is None:
            continue
        lines: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for m, kg in p.bom:
            mf = materials.get(m)
            for element in BATTERY_ELEMENTS:
                if mf is not None and LS + element in mf.classes:
                    lines[element].append((m, kg * mf.element_share))
        if not lines:
            continue  # no cobalt, lead, lithium or nickel: Art. 8 does not apply
        for year in purchases.years({m for group in lines.values() for m, _w in group}, p.plant):
            units.append(_unit("eu-batteries", p, scope, year, lines, purchases))
    return scopes, units


def packaging_units(products: Sequence[ProductFacts], materials: Mapping[str, MaterialFacts],
                    claims: Sequence[Claim], rule: EvidenceRule) -> tuple[list[Scope], list[Unit]]:
    """Scope of every packaging product and its units of assessment (plastic part only)."""
    purchases = _Purchases(claims, rule)
    scopes, units = [], []
    for p in products:
        if (p.category or "") not in PACKAGING_SCOPE:
            continue
        scope = _plant_gap(packaging_scope(p), p)
        weight = sum(kg for _m, kg in p.bom)
        plastic = [(m, kg) for m, kg in p.bom if (mf := materials.get(m)) is not None and LS + "Plastic" in mf.classes]
        kept = [(m, kg) for m, kg in plastic if weight > 0 and kg / weight >= PLASTIC_PART_MIN_SHARE]
        left_out = sorted(m for m, kg in plastic if (m, kg) not in kept)
        if scope.kind is not None and not kept:
            scope = Scope(scope.profile, p.id, None, scope.reason + ": no plastic part of 5 % or more of the unit's "
                          "weight, exempt")
        elif scope.kind is not None and left_out:
            scope = Scope(scope.profile, p.id, scope.kind, scope.reason + f"; plastic parts under 5 % of the unit's "
                          f"weight left out: {', '.join(left_out)}", scope.gap)
        scopes.append(scope)
        if scope.kind is None:
            continue
        for year in purchases.years({m for m, _kg in kept}, p.plant):
            units.append(_unit("eu-ppwr", p, scope, year, {"Plastic": kept}, purchases))
    return scopes, units
