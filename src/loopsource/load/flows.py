"""The resource-flow columns of the input contract (all optional), checked like every other column.

What ESRS E5-4 and E5-5 (and CTI's renewable inflow) need beyond procurement data, kept apart
from ``loader.py`` (docs/methodology.md, "ESRS E5"):

* materials.csv ``cycle`` (``biological`` or ``technical``): for a material whose class leaves
  it open (textile, rubber, chemical, the generic classes); asserted as the material's type
  ``ls:BiologicalMaterial`` / ``ls:TechnicalMaterial``. A value that contradicts the class
  (``technical`` for a Paper) is refused: the class already decides.
* materials.csv ``hazardous`` (``true`` / ``false``): whether the material is hazardous waste
  when it leaves as a loop (Directive 2008/98/EC Annex III); the default for its loops.
* loops.csv ``hazardous`` (``true`` / ``false``): the loop's own classification, which wins
  over the material's.
"""
from __future__ import annotations

from ..rdf.resource_flows import CYCLES, class_cycles
from ..rdf.terms import iri
from ..rdf.vocab import LS, RDF_TYPE
from .compliance import BOOLEANS, XSD_BOOLEAN
from .rows import Row

MATERIAL_FLOW_COLUMNS = ("cycle", "hazardous")
LOOP_COLUMNS = ("hazardous",)


def _hazardous(row: Row) -> None:
    flag = row.choice("hazardous", {k: k for k in BOOLEANS}, "boolean (true or false)", required=False)
    if flag is not None:
        row.emit(iri(LS + "hazardous"), f'"{flag}"^^{XSD_BOOLEAN}')


def material_flow_columns(row: Row) -> None:
    """cycle and hazardous of one materials.csv row (its 'class' is checked by the loader)."""
    cycle = row.choice("cycle", {k: k for k in CYCLES}, "material cycle", required=False)
    if cycle is not None:
        cls = row.values.get("class", "").strip()
        fixed = class_cycles().get(cls)
        if fixed is not None and fixed != cycle:
            row.bad("cycle", f"class {cls} is a {fixed} material (ontology/materials.ttl), so cycle {cycle!r} "
                             "contradicts it: leave cycle empty, or use a class that leaves the cycle open "
                             "(e.g. Chemical, Rubber, Textile)")
        else:
            row.emit(iri(RDF_TYPE), iri(CYCLES[cycle]))
    _hazardous(row)


def loop_columns(row: Row) -> None:
    """hazardous of one loops.csv row."""
    _hazardous(row)


__all__ = ["MATERIAL_FLOW_COLUMNS", "LOOP_COLUMNS", "material_flow_columns", "loop_columns"]
