"""The figures loopsource reports, each defined once: thresholds, radii and the small rules
that every output (metrics.json, the report, validation, scenarios) applies.

A foundation module (no imports from the package) so that every stage can use it: the
validation aggregates come before the analysis layer in the import order and need the same
definitions as the metrics do. The catalogue queries (``queries/*.rq``) compute the same
figures in SPARQL; where a query has a threshold it is a parameter whose header default
equals the constant here (tests/test_one_definition.py checks both the defaults and the
answers). ``docs/definitions.md`` is the table: figure, definition, source, where it is
implemented, which outputs show it.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

#: Radius of hyperlocal sourcing in km: both sites have coordinates and are at most this far
#: apart (great circle, :func:`loopsource.geo.haversine_km`). The default of the
#: ``hyperlocal_km`` parameter of local-sourcing-tiers and sourcing-mix-by-year, and of ``km``
#: in hyperlocal-candidates. No standard fixes a radius (GRI 204-1 leaves "local" to the
#: reporting company; ../shared/reference/metrics.md sections 8.1 and 8.5): 100 km is
#: loopsource's documented default, a parameter of the queries, recorded in metrics.json
#: (``meta.hyperlocal_km``).
HYPERLOCAL_KM = 100.0

#: Sourcing tiers, nearest first. A flow is in the first tier whose rule it meets:
#: hyperlocal (both sites have coordinates, distance <= HYPERLOCAL_KM), domestic (same
#: country), regional (same UN M49 region), global.
TIERS: tuple[str, ...] = ("hyperlocal", "domestic", "regional", "global")

#: The tiers that make up "sourced locally" (the report's headline, the scenario locality score).
LOCAL_TIERS: tuple[str, ...] = ("hyperlocal", "domestic")


def ratio(num: float, den: float) -> float | None:
    """num / den, or None when there is nothing to divide by (a share of nothing is unknown, not 0)."""
    return num / den if den > 0 else None


def tier(*, distance_km: float | None, both_coordinates: bool, buyer_country: str | None,
         supplier_country: str | None, buyer_region: str | None, supplier_region: str | None,
         hyperlocal_km: float = HYPERLOCAL_KM) -> str:
    """The sourcing tier of a flow from a supplier site to a buyer site (see TIERS).

    A site without coordinates is never hyperlocal: a country centroid says nothing about
    100 km (its distance still counts in the weighted average source distance).
    """
    if both_coordinates and distance_km is not None and distance_km <= hyperlocal_km:
        return "hyperlocal"
    if buyer_country and buyer_country == supplier_country:
        return "domestic"
    if buyer_region and buyer_region == supplier_region:
        return "regional"
    return "global"


def local_share(mass_by_tier: Mapping[str, float]) -> float | None:
    """Sourced locally: (hyperlocal + domestic mass) / mass of every tier."""
    return ratio(sum(mass_by_tier.get(t, 0.0) for t in LOCAL_TIERS), sum(mass_by_tier.values()))


def weighted_mean(pairs: Iterable[tuple[float, float | None]]) -> float | None:
    """Mass-weighted mean of (mass, value) pairs, leaving out the pairs without a value: the
    weighted average source distance (WASD, Carlsson-Kanyama 1997) when the value is km."""
    num = den = 0.0
    for kg, value in pairs:
        if value is not None:
            num += kg * value
            den += kg
    return ratio(num, den)


def secondary_kg(mass_kg: float, recycled_share: float | None, reused_share: float | None) -> tuple[float, float]:
    """(recycled kg, reused kg) of a purchase: its mass times each declared share; a share that
    is not declared counts as 0 (virgin), so an undeclared purchase lowers circular inflow
    rather than being left out (WBCSD CTI: inflow not shown to be secondary is linear)."""
    return mass_kg * (recycled_share or 0.0), mass_kg * (reused_share or 0.0)


def declared(recycled_share: float | None, reused_share: float | None) -> bool:
    """Whether a purchase declares its secondary content: a recycled or a reused share (or
    both). One that declares neither is a data gap (data-quality warning DQ-PUR-SECONDARY,
    the data-gaps query, metrics.json ``data_gaps``) and counts as virgin."""
    return recycled_share is not None or reused_share is not None


#: Certification schemes whose certificate on a purchase of a biological material shows that it
#: comes from sustainably managed sources: the forest management and chain-of-custody schemes of
#: the Forest Stewardship Council and the Programme for the Endorsement of Forest Certification
#: (the scheme is the part of purchases.csv ``certificate`` before the colon, compared without
#: regard to case). WBCSD CTI v4.0 counts renewable inflow as circular only when it is
#: sustainably managed and leaves the proof to the company; ESRS E5-4 §31(b) asks for the
#: certification scheme used. docs/methodology.md, "Sustainably managed renewable inflow".
SUSTAINABLE_BIOLOGICAL_SCHEMES: tuple[str, ...] = ("FSC", "PEFC")

#: Chain-of-custody models (ISO 22095, purchases.csv ``chain_of_custody``) that do not count: a
#: book-and-claim certificate has no physical link to the mass bought.
UNLINKED_CHAINS_OF_CUSTODY: tuple[str, ...] = ("book_and_claim",)


def certificate_scheme(certificate: str | None) -> str | None:
    """The scheme of a ``SCHEME:ID`` certificate, upper case (None without a certificate)."""
    if not certificate or ":" not in certificate:
        return None
    return certificate.split(":", 1)[0].strip().upper()


def sustainable_biological(biological: bool, certificate: str | None, chain_of_custody: str | None) -> bool:
    """Whether a purchase's virgin biological mass is *sustainably managed renewable* inflow:
    the material is biological (its class is under ls:BiologicalMaterial), the purchase names a
    certificate of one of SUSTAINABLE_BIOLOGICAL_SCHEMES, and its chain of custody (when given)
    keeps a physical link (not book and claim)."""
    return (biological and certificate_scheme(certificate) in SUSTAINABLE_BIOLOGICAL_SCHEMES
            and chain_of_custody not in UNLINKED_CHAINS_OF_CUSTODY)


def renewable_kg(mass_kg: float, recycled_share: float | None, reused_share: float | None) -> float:
    """The virgin part of a purchase, kg: mass x (1 - recycled - reused), a missing share counting
    as 0 (as in ``secondary_kg``). For a biological material this is its renewable inflow; the
    recycled and reused parts are non-virgin inflow already, so nothing is counted twice."""
    rec, reu = secondary_kg(mass_kg, recycled_share, reused_share)
    return max(0.0, mass_kg - rec - reu)


def supplier_of(organisation: str | None, site: str) -> str:
    """The supplier of a purchase for sourcing counts and concentration: the organisation
    that owns the supplier site (org:siteOf), so two sites of one company are one source;
    a site without an organisation stands for itself."""
    return organisation or site


def single_sourced(suppliers: Mapping[str, Iterable[str]]) -> list[str]:
    """Materials bought from exactly one supplier organisation, sorted: material -> suppliers."""
    return sorted(m for m, orgs in suppliers.items() if len(set(orgs)) == 1)


__all__ = ["HYPERLOCAL_KM", "TIERS", "LOCAL_TIERS", "ratio", "tier", "local_share", "weighted_mean",
           "secondary_kg", "declared", "supplier_of", "single_sourced", "SUSTAINABLE_BIOLOGICAL_SCHEMES",
           "UNLINKED_CHAINS_OF_CUSTODY", "certificate_scheme", "sustainable_biological", "renewable_kg"]
