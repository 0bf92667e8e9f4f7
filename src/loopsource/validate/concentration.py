"""The Herfindahl-Hirschman index: one definition, in points, with its bands.

HHI = sum over the groups (supplier organisations, countries) of the squared percentage
share of the total, on the 0-10,000 points scale (US DOJ/FTC; metrics reference §8.3). Every
output that shows an HHI uses :func:`hhi_points` (metrics.json, the report, scenarios, the
company policy) or mirrors it in SPARQL (the catalogue query ``concentration``, tested equal).

The bands are a setting (``hhi_guidelines``): the 2023 Merger Guidelines (1,000 / 1,800) by
default, the 2010 Horizontal Merger Guidelines (1,500 / 2,500) on request. Their thresholds and
sources live once, in ontology/vocabularies.ttl (``ls:hhiModerateFrom``, ``ls:hhiHighAbove``).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox

from .. import resources
from ..rdf.vocab import LS

DEFAULT_GUIDELINES = "doj-2023"
_DCT_SOURCE = "http://purl.org/dc/terms/source"


@dataclass(frozen=True)
class HhiBands:
    """One set of bands: below ``moderate_from`` unconcentrated, up to ``high_above`` moderately
    concentrated, above it highly concentrated (points)."""

    name: str  # doj-2023 | doj-2010
    label: str
    moderate_from: float
    high_above: float
    source: str

    def band(self, value: float | None) -> str | None:
        if value is None:
            return None
        return "unconcentrated" if value < self.moderate_from else "moderate" if value <= self.high_above else "high"

    def describe(self) -> str:
        return (f"{self.label}: HHI in points (0-10,000); < {self.moderate_from:,.0f} unconcentrated, "
                f"{self.moderate_from:,.0f}-{self.high_above:,.0f} moderately, > {self.high_above:,.0f} highly "
                f"concentrated")


@cache
def hhi_guidelines() -> dict[str, HhiBands]:
    """The band sets of the ontology, by name (``ls:csvValue``)."""
    text = resources.read_text(resources.ontology_dir(), "vocabularies.ttl")
    props: dict[str, dict[str, list[str]]] = {}
    for q in ox.parse(text, format=ox.RdfFormat.TURTLE):
        t = q.triple if isinstance(q, ox.Quad) else q
        if isinstance(t.subject, ox.NamedNode):
            props.setdefault(t.subject.value, {}).setdefault(t.predicate.value, []).append(t.object.value)
    out: dict[str, HhiBands] = {}
    for s, p in props.items():
        if LS + "HhiBands" in p.get("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", []):
            name = p[LS + "csvValue"][0]
            sources = sorted(v for v in p.get(_DCT_SOURCE, []) if not v.startswith("http"))
            out[name] = HhiBands(name, p["http://www.w3.org/2004/02/skos/core#prefLabel"][0],
                                 float(p[LS + "hhiModerateFrom"][0]), float(p[LS + "hhiHighAbove"][0]),
                                 "; ".join(sources))
    return dict(sorted(out.items(), reverse=True))


def bands(name: str = DEFAULT_GUIDELINES) -> HhiBands:
    return hhi_guidelines()[name]


def hhi_points(masses: Iterable[float]) -> float:
    """HHI in points of the groups' masses: 10,000 x sum(m_i^2) / (sum m_i)^2; 0 for no mass."""
    values = [m for m in masses if m > 0]
    total = sum(values)
    return 10000.0 * sum(m * m for m in values) / (total * total) if total > 0 else 0.0


def hhi_of_shares(shares: Iterable[float]) -> float:
    """HHI in points from shares given as fractions that sum to 1."""
    return sum((100.0 * s) ** 2 for s in shares)


def grouped_hhi(masses: Mapping[str, float]) -> float:
    return hhi_points(masses.values())
