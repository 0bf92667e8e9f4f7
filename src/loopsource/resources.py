"""The one place that finds package data: ontology, shapes, queries and templates.

In a wheel, ``ontology/`` and ``queries/`` are copied into the package (see pyproject.toml)
and found with importlib.resources. In a source checkout (PYTHONPATH=src or an editable
install) they are read from the repository root instead, so there is one copy of each file.
"""
from __future__ import annotations

from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from .errors import LoopsourceError

_PACKAGE = "loopsource"


@cache
def _root(name: str) -> Traversable:
    packaged = resources.files(_PACKAGE) / name
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / name
    if checkout.is_dir():
        return checkout
    raise LoopsourceError(f"package data folder {name!r} is missing from this installation")


def ontology_dir() -> Traversable:
    return _root("ontology")


def shapes_dir() -> Traversable:
    return _root("ontology") / "shapes"


def queries_dir() -> Traversable:
    return _root("queries")


def templates_dir() -> Traversable:
    return resources.files(_PACKAGE) / "render" / "templates"


def package_data_dir() -> Traversable:
    """src/loopsource/data: small data files shipped inside the package (e.g. emissions.yaml)."""
    return resources.files(_PACKAGE) / "data"


def emission_factors_text() -> str:
    """Default transport emission intensities (g CO2e per tonne-km per mode), as YAML text."""
    return (package_data_dir() / "emissions.yaml").read_text(encoding="utf-8")


def transport_costs_text() -> str:
    """Default freight transport costs (currency units per tonne-km per mode), as YAML text."""
    return (package_data_dir() / "transport_costs.yaml").read_text(encoding="utf-8")


# Ontology files loaded into the ontology graph, in order. alignments.ttl is deliberately
# not here: mappings to CEON, IOF, GS1 and UNTP are documentation, not imported axioms.
ONTOLOGY_FILES: tuple[str, ...] = ("loopsource.ttl", "materials.ttl", "vocabularies.ttl", "regions.ttl",
                                   "procurement.ttl", "circularity.ttl")


def ontology_texts() -> list[tuple[str, str]]:
    """(file name, Turtle text) of every ontology file that is loaded into a store."""
    base = ontology_dir()
    return [(name, (base / name).read_text(encoding="utf-8")) for name in ONTOLOGY_FILES]


def read_text(folder: Traversable, name: str) -> str:
    return (folder / name).read_text(encoding="utf-8")
