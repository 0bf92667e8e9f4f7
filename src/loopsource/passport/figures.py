"""The figures of one product's passport, each computed by the definition the rest of loopsource uses.

* **Basis.** A material's provenance comes from the purchases of that material by the plant that
  makes the product (products.csv ``plant``, ``ls:madeAt``); when the product has no plant, or
  its plant never bought the material, from the purchases of every buying site. The basis is
  stated with every material.
* **Countries of origin** are the countries of the supplier sites the material was bought from
  (the last processing step, not the mine), as shares of the basis's purchased mass.
* **Recycled and reused shares** are the circular inflow of the basis (``analysis.inflow``:
  a purchase that declares no share counts as virgin). A material nobody bought has no
  country and no recycled share: the passport says its origin is unknown.
* **Pre- and post-consumer shares** of a provenance line (:func:`consumer_split`) are what the
  purchases *declare*: given only when every purchase of the basis declares them; otherwise
  "not declared", never 0. The Battery Pass entries are what Art. 8(1) *counts* (evidence,
  unit of assessment, contained element): ``passport.battery``.
* **MCI** is ``analysis.mci.mci`` (Ellen MacArthur Foundation) with the feedstock shares of
  the same basis, so the scorecard adds up the provenance lines; with all plants as the basis
  it equals metrics.json's MCI.
* **Transport emissions** per unit are ``scenario.indicators.transport`` (ISO 14083 tonne-km x
  the well-to-wheel factor of ``scenario.factors``; loopsource.analysis.transport) over the basis purchases whose distance and
  factor are known, per kg bought, times the kg of the material in one unit.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from ..analysis import metrics
from ..analysis.inflow import Inflow, inflow_by
from ..analysis.mci import MciResult, mci
from ..analysis.snapshot import Material, Product, Purchase, Snapshot
from ..definitions import ratio
from ..errors import PassportError
from ..scenario import EmissionFactors
from ..scenario.indicators import transport

#: Battery categories of products.csv and the Battery Pass material names they report on
#: (Regulation (EU) 2023/1542 Art. 8 and Annex XIII; Battery Pass data model 1.2.0 ``recycledMaterial``).
BATTERY_ELEMENTS: tuple[str, ...] = ("Cobalt", "Nickel", "Lithium", "Lead")
#: Art. 77(1): a battery passport for every LMT battery, every industrial battery above 2 kWh
#: and every electric-vehicle battery placed on the market from 18 February 2027.
PASSPORT_THRESHOLD_KWH = 2.0


@dataclass(frozen=True)
class Basis:
    """Which purchases a material's figures come from."""

    scope: str  # "plant" (the product's plant bought it) | "all plants"
    plant: str | None
    purchases: int
    mass_kg: float
    first: date | None
    last: date | None

    def text(self, material: str) -> str:
        if not self.purchases:
            return f"no purchase of {material} in the data"
        who = f"by plant {self.plant}" if self.scope == "plant" else "by every buying site"
        why = "" if self.scope == "plant" or self.plant is None else f" ({self.plant} bought none)"
        return (f"{self.purchases} purchase{'s' if self.purchases != 1 else ''} of {material} {who}{why}, "
                f"{self.mass_kg:,.1f} kg, {self.first} to {self.last}")


@dataclass(frozen=True)
class Split:
    """Pre- or post-consumer recycled share of a set of purchases, 0-1; ``share`` None: not
    declared, and ``reason`` says why."""

    share: float | None
    reason: str | None = None


@dataclass(frozen=True)
class Origin:
    """The purchases of one material from one supplier country."""

    country: str  # ISO 3166-1 alpha-2 of the supplier site
    mass_kg: float
    share: float  # of the basis's purchased mass
    inflow: Inflow
    pre_consumer: Split
    post_consumer: Split
    chains_of_custody: tuple[str, ...]
    certificates: tuple[str, ...]


@dataclass(frozen=True)
class MaterialLine:
    """One bill-of-materials line with its provenance."""

    material: Material
    mass_kg: float  # per unit of product
    mass_fraction: float  # of the product's bill-of-materials mass
    basis: Basis
    inflow: Inflow | None  # None: nothing bought (origin unknown)
    origins: tuple[Origin, ...]
    pre_consumer: Split
    post_consumer: Split
    elements: tuple[str, ...]  # Battery Pass materials this line counts for (class ancestry)
    transport_kg_co2e_per_kg: float | None  # over the covered purchases; None: none covered
    transport_covered_kg: float  # basis mass whose emissions are computed

    @property
    def recycled_share(self) -> float | None:
        return self.inflow.recycled_share if self.inflow else None


@dataclass(frozen=True)
class ElementContent:
    """Recycled content of one Battery Pass material (cobalt, nickel, lithium, lead), 0-1, as
    Art. 8(1) counts it (``passport.battery``)."""

    element: str
    materials: tuple[str, ...]
    mass_kg: float  # per unit: contained element mass of the bill-of-materials lines of that class
    pre_consumer: Split  # counted pre-consumer (battery manufacturing waste) share
    post_consumer: Split  # counted post-consumer share
    unit: str | None  # the unit of assessment (product/plant/year); None: none up to the as-of date
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Emissions:
    """Inbound transport emissions of one unit (kg CO2e, well-to-wheel, ISO 14083)."""

    kg_co2e_per_unit: float | None  # None: a material has no covered purchase
    covered_share: float | None  # of the bill of materials' basis mass
    missing: tuple[str, ...]  # materials without any computable emission
    factors_version: str


@dataclass(frozen=True)
class ProductFigures:
    product: Product
    plant_name: str | None
    plant_country: str | None
    manufacturer: str | None  # organisation id
    manufacturer_name: str | None
    mass_kg: float  # M: bill-of-materials mass per unit
    lines: tuple[MaterialLine, ...]
    recycled_content: float | None  # 0-1, mass-weighted over the lines (nothing bought counts as virgin)
    recyclable_content: float  # C_R x E_C
    mci: MciResult
    emissions: Emissions
    battery_scope: str | None  # why the battery passport applies (None: not in scope)
    battery_note: str | None  # why it does not, for battery categories out of scope
    elements: tuple[ElementContent, ...]


def consumer_split(purchases: Sequence[Purchase], which: str) -> Split:
    """Mass-weighted pre- (``which`` = "pre") or post-consumer recycled share of ``purchases``.

    A purchase declares it when its column is given, or when its recycled share is 0 (then
    both are 0). One purchase that does not makes the whole share "not declared" (None):
    an unknown split is never reported as 0.
    """
    mass = part = 0.0
    undeclared = 0
    for p in purchases:
        value = p.recycled_pre_consumer_share if which == "pre" else p.recycled_post_consumer_share
        if value is None and p.recycled_share == 0:
            value = 0.0
        mass += p.mass_kg
        if value is None:
            undeclared += 1
        else:
            part += p.mass_kg * value
    if not purchases:
        return Split(None, "not declared: nothing bought")
    if undeclared:
        return Split(None, f"not declared: {undeclared} of {len(purchases)} purchases do not give it")
    return Split(ratio(part, mass))


def basis_purchases(snapshot: Snapshot, product: Product, material: str) -> tuple[Basis, tuple[Purchase, ...]]:
    """The purchases a material's figures come from (module docstring) and their description."""
    bought = [p for p in snapshot.purchases if p.material == material]
    own = [p for p in bought if p.buyer_site == product.plant] if product.plant else []
    chosen, scope = (own, "plant") if own else (bought, "all plants")
    dates = [p.date for p in chosen]
    return (Basis(scope, product.plant, len(chosen), sum(p.mass_kg for p in chosen),
                  min(dates, default=None), max(dates, default=None)), tuple(chosen))


def _origins(snapshot: Snapshot, purchases: Sequence[Purchase], total_kg: float) -> tuple[Origin, ...]:
    by_country: dict[str, list[Purchase]] = {}
    for p in purchases:
        by_country.setdefault(snapshot.sites[p.supplier_site].country, []).append(p)
    inflows = inflow_by(purchases, lambda p: snapshot.sites[p.supplier_site].country)
    out = [Origin(cc, inflows[cc].mass_kg, ratio(inflows[cc].mass_kg, total_kg) or 0.0, inflows[cc],
                  consumer_split(ps, "pre"), consumer_split(ps, "post"),
                  tuple(sorted({p.chain_of_custody for p in ps if p.chain_of_custody})),
                  tuple(sorted({p.certificate for p in ps if p.certificate})))
           for cc, ps in by_country.items()]
    return tuple(sorted(out, key=lambda o: (-o.mass_kg, o.country)))


def _transport(snapshot: Snapshot, purchases: Sequence[Purchase],
               factors: EmissionFactors) -> tuple[float | None, float]:
    """(kg CO2e per kg over the covered purchases, covered kg): covered = distance and factor known."""
    covered = tuple(p for p in purchases if p.transport_mode and factors.g_per_tkm.get(p.transport_mode) is not None
                    and metrics.distance_km(p, snapshot) is not None)
    kg = sum(p.mass_kg for p in covered)
    if kg <= 0:
        return None, 0.0
    total = transport(replace(snapshot, purchases=covered), factors)["emissions_kg_co2e_total"]
    return (total / kg if total is not None else None), kg


def _line(snapshot: Snapshot, product: Product, material_id: str, kg: float, big_m: float,
          element_of: Mapping[str, tuple[str, ...]], factors: EmissionFactors) -> MaterialLine:
    material = snapshot.materials.get(material_id)
    if material is None:
        raise PassportError(f"product {product.id}: bill-of-materials material {material_id} is not in the graph")
    basis, purchases = basis_purchases(snapshot, product, material_id)
    inflow = inflow_by(purchases, lambda p: p.material).get(material_id)
    per_kg, covered = _transport(snapshot, purchases, factors)
    return MaterialLine(material, kg, ratio(kg, big_m) or 0.0, basis, inflow, _origins(snapshot, purchases, basis.mass_kg),
                        consumer_split(purchases, "pre"), consumer_split(purchases, "post"),
                        element_of.get(material_id, ()), per_kg, covered)


def battery_scope(product: Product) -> tuple[str | None, str | None]:
    """(why the Art. 77 battery passport applies, why it does not): one of them is None for a
    battery category; both None for any other product."""
    cat, kwh = product.category, product.capacity_kwh
    if cat == "ev_battery":
        return "electric-vehicle battery: Regulation (EU) 2023/1542 Art. 77(1)", None
    if cat == "lmt_battery":
        return "LMT battery: Regulation (EU) 2023/1542 Art. 77(1)", None
    if cat == "industrial_battery":
        if kwh is None:
            return None, "industrial battery without capacity_kwh: whether it is above 2 kWh (Art. 77(1)) is unknown"
        if kwh > PASSPORT_THRESHOLD_KWH:
            return f"industrial battery of {kwh:g} kWh (> 2 kWh): Regulation (EU) 2023/1542 Art. 77(1)", None
        return None, f"industrial battery of {kwh:g} kWh: Art. 77(1) covers industrial batteries above 2 kWh only"
    if cat == "sli_battery":
        return None, "SLI battery: Art. 77(1) asks no battery passport for SLI batteries"
    return None, None


def _emissions(lines: Sequence[MaterialLine], factors: EmissionFactors) -> Emissions:
    missing = tuple(ln.material.id for ln in lines if ln.transport_kg_co2e_per_kg is None)
    basis_kg = sum(ln.basis.mass_kg for ln in lines)
    covered = ratio(sum(ln.transport_covered_kg for ln in lines), basis_kg)
    value = None if missing or not lines else sum(ln.mass_kg * (ln.transport_kg_co2e_per_kg or 0.0) for ln in lines)
    return Emissions(value, covered, missing, factors.version)


def product_figures(snapshot: Snapshot, product_id: str, element_of: Mapping[str, tuple[str, ...]],
                    factors: EmissionFactors, elements: Sequence[ElementContent] = ()) -> ProductFigures:
    """Every figure of one product's passport (``element_of``: material id -> the Battery Pass
    materials its class falls under, e.g. a lithium hydroxide -> ("Lithium",); ``elements``: its
    Battery Pass recycled content, ``passport.battery``, kept when Art. 77(1) applies)."""
    product = snapshot.products[product_id]
    big_m = sum(kg for _m, kg in product.bom)
    lines = tuple(_line(snapshot, product, m, kg, big_m, element_of, factors) for m, kg in product.bom)
    feed = {ln.material.id: (ln.inflow.recycled_share or 0.0, ln.inflow.reused_share or 0.0, ln.inflow.mass_kg)
            for ln in lines if ln.inflow is not None and ln.inflow.mass_kg > 0}
    plant = snapshot.sites.get(product.plant) if product.plant else None
    org_id = plant.organisation if plant else _only_manufacturer(snapshot)
    org = snapshot.organisations.get(org_id) if org_id else None
    scope, note = battery_scope(product)
    recycled = ratio(sum(ln.mass_kg * (ln.recycled_share or 0.0) for ln in lines), big_m)
    return ProductFigures(
        product, plant.name if plant else None, plant.country if plant else None, org_id,
        org.name if org else None, big_m, lines, recycled,
        product.collection_recycling_share * product.recycling_efficiency_eol, mci(product, snapshot, feed),
        _emissions(lines, factors), scope, note, tuple(elements) if scope else ())


def _only_manufacturer(snapshot: Snapshot) -> str | None:
    """The organisation that owns every plant, when the product names no plant (None when the
    plants belong to several organisations or there is none)."""
    owners = {s.organisation for s in snapshot.sites.values() if s.kind == "plant" and s.organisation}
    return owners.pop() if len(owners) == 1 else None


__all__ = ["BATTERY_ELEMENTS", "Basis", "Split", "Origin", "MaterialLine", "ElementContent", "Emissions",
           "ProductFigures", "consumer_split", "basis_purchases", "battery_scope", "product_figures"]
