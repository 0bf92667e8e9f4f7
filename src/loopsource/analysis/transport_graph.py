"""Read the transport data the build stored (load/transport.py) back out of the asserted graph.

Legs are keyed by (buyer site, supplier site, transport mode), not by purchase: a scenario
that moves volume to another supplier makes a new pair, whose leg is then computed by the
same rule (:mod:`loopsource.transport_distance`) instead of inheriting a stale distance.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Protocol

from ..emission_factors import Factor, FactorTable, complete
from ..rdf.terms import iri_value, lexical, number
from ..rdf.vocab import DCTERMS, LS, RDF_TYPE, code_lists
from ..transport_distance import MODES, Leg



class Purchase(Protocol):
    """What of a purchase the legs are keyed by (analysis.snapshot.Purchase has it; not imported,
    because the snapshot imports this module)."""

    id: str
    buyer_site: str
    supplier_site: str
    transport_mode: str | None

L = "<" + LS
LegKey = tuple[str, str, str]  # (buyer site id, supplier site id, mode)
_LEG = {L + "greatCircleDistanceKm>", L + "transportDistanceBasisKm>", L + "transportDistanceKm>",
        L + "distanceMethod>"}
_FACTOR = {L + "id>", L + "usedForMode>", L + "ttwKgCo2ePerTkm>", L + "wttKgCo2ePerTkm>", L + "wtwKgCo2ePerTkm>",
           L + "factorTableVersion>", L + "vehicleClass>", f"<{DCTERMS}source>", L + "factorTable>",
           L + "factorYear>", f"<{DCTERMS}license>", L + "verification>"}


# what the snapshot's stream keeps aside for read_factors (with each factor node's type and id);
# a purchase's leg values are read with its other properties (leg_of)
TRANSPORT_PREDICATES = frozenset(_FACTOR - {L + "id>"})
LEG_PREDICATES = tuple(sorted(_LEG))


def leg_of(purchase: Purchase, values: Mapping[str, str]) -> tuple[LegKey, Leg] | None:
    """The stored leg of one purchase, by (buyer site, supplier site, mode), from its first
    values of the leg properties (N-Triples terms); None when the purchase has no mode or the
    build stored no complete leg for it."""
    if purchase.transport_mode is None or any(p not in values for p in _LEG):
        return None
    return (purchase.buyer_site, purchase.supplier_site, purchase.transport_mode), Leg(
        purchase.transport_mode, number(values[L + "greatCircleDistanceKm>"]) or 0.0,
        number(values[L + "transportDistanceBasisKm>"]) or 0.0, number(values[L + "transportDistanceKm>"]) or 0.0,
        lexical(values[L + "distanceMethod>"]) or "")


def read_factors(data: Sequence[tuple[str, str, str]]) -> FactorTable | None:
    """The factor table the build stored (None: the graph holds none), from the factor nodes'
    triples."""
    factor_subjects = {s for s, p, o in data if p == f"<{RDF_TYPE}>" and o == L + "EmissionFactor>"}
    factors_raw: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o in data:
        if s in factor_subjects and p in _FACTOR:
            factors_raw[s][p].append(o)
    return _table(factors_raw)


def _table(raw: Mapping[str, Mapping[str, list[str]]]) -> FactorTable | None:
    if not raw:
        return None
    by_iri = {v: k for k, v in code_lists().transport_modes.items()}
    factors: dict[str, Factor] = {}
    modes: dict[str, str | None] = {m: None for m in MODES}
    version = ""

    def text(v: Mapping[str, list[str]], p: str) -> str:
        return lexical(v[p][0]) or "" if v.get(p) else ""

    def num(v: Mapping[str, list[str]], p: str) -> float | None:
        return number(v[p][0]) if v.get(p) else None

    for _s, v in sorted(raw.items()):
        key = text(v, L + "id>")
        used = sorted(by_iri.get(iri_value(m), "") for m in v.get(L + "usedForMode>", []))
        for m in used:
            modes[m] = key
        version = version or text(v, L + "factorTableVersion>")
        # WTW is recomputed from TTW + WTT where both are stored (as the table did), so that a store
        # that prints doubles with fewer digits (Virtuoso) gives back the same factor
        ttw, wtt = num(v, L + "ttwKgCo2ePerTkm>"), num(v, L + "wttKgCo2ePerTkm>")
        wtw = None if ttw is not None and wtt is not None else num(v, L + "wtwKgCo2ePerTkm>")
        ttw, wtt, wtw = complete(key, ttw, wtt, wtw)
        factors[key] = Factor(key, used[0] if used else "", ttw, wtt, wtw,
                              text(v, L + "vehicleClass>"), text(v, f"<{DCTERMS}source>"), text(v, L + "factorTable>"),
                              text(v, L + "factorYear>"), text(v, f"<{DCTERMS}license>"), text(v, L + "verification>"))
    return FactorTable(version, MappingProxyType(factors), MappingProxyType(modes))


__all__ = ["LEG_PREDICATES", "LegKey", "TRANSPORT_PREDICATES", "leg_of", "read_factors"]
