"""Resource-flow vocabulary read from the ontology: material cycles and ESRS E5-5 waste operations.

One definition each, read by the loader (which checks the ``cycle`` column against a material's
class), the snapshot and the validation facts (which classify a material), and the ESRS E5
figures (``loopsource.analysis.esrs_e5``):

* **cycle** of a material: ``biological`` when it is an instance of ``ls:BiologicalMaterial``,
  ``technical`` when it is an instance of ``ls:TechnicalMaterial``, else ``None`` (its class
  leaves it open and materials.csv does not say). ``materials.ttl`` puts the classes under one
  or the other; the ``cycle`` column of materials.csv types a material whose class is open.
* **waste operation** of a loop strategy: the ESRS E5-5 §37 operation the strategy counts as
  (``ls:esrsWasteOperation`` in vocabularies.ttl), by its ``ls:esrsKey``.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox

from .. import resources
from .vocab import LS, OWL, RDF_TYPE, RDFS, SKOS

BIOLOGICAL = LS + "BiologicalMaterial"
TECHNICAL = LS + "TechnicalMaterial"
CYCLES: dict[str, str] = {"biological": BIOLOGICAL, "technical": TECHNICAL}  # csv value -> class IRI


def _triples(name: str) -> list[ox.Triple]:
    text = resources.read_text(resources.ontology_dir(), name)
    return [q.triple for q in ox.parse(text, format=ox.RdfFormat.TURTLE)]


def cycle_of(classes: Iterable[str]) -> str | None:
    """``biological``, ``technical`` or None, from every class IRI of a material (its types and
    their ancestors). Both would be a contradiction the loader refuses; biological wins then."""
    found = set(classes)
    if BIOLOGICAL in found:
        return "biological"
    if TECHNICAL in found:
        return "technical"
    return None


@cache
def class_cycles() -> dict[str, str | None]:
    """Material class local name (as in materials.csv 'class') -> the cycle the class fixes, or
    None when it leaves it open (the subclass closure of materials.ttl and loopsource.ttl)."""
    parents: dict[str, set[str]] = {}
    classes: set[str] = set()
    for t in _triples("materials.ttl") + _triples("loopsource.ttl"):
        s, p, o = t.subject.value, t.predicate.value, t.object.value
        if p == RDFS + "subClassOf" and isinstance(t.object, ox.NamedNode):
            parents.setdefault(s, set()).add(o)
        if s.startswith(LS) and t.predicate.value == RDF_TYPE and o == OWL + "Class":
            classes.add(s)
    out: dict[str, str | None] = {}
    for c in sorted(classes):
        seen, todo = {c}, [c]
        while todo:
            for up in parents.get(todo.pop(), ()):
                if up not in seen:
                    seen.add(up)
                    todo.append(up)
        if LS + "Material" in seen:  # material classes only (loopsource.ttl holds the others)
            out[c[len(LS):]] = cycle_of(seen)
    return out


@dataclass(frozen=True)
class WasteOperation:
    """An operation of ESRS E5-5 §37: its key in metrics.json, paragraph and label."""

    key: str  # preparation_for_reuse, recycling, other_recovery, incineration, landfill, other_disposal, disposal_unsplit
    paragraph: str  # "37(b)(i)" ...
    label: str
    diverted: bool  # diverted from disposal (§37(b)) or directed to disposal (§37(c))


@cache
def waste_operations() -> dict[str, WasteOperation]:
    """Loop strategy (csv value) -> its ESRS E5-5 §37 waste operation, from vocabularies.ttl."""
    props: dict[str, dict[str, ox.Term]] = {}
    for t in _triples("vocabularies.ttl"):
        props.setdefault(t.subject.value, {})[t.predicate.value] = t.object
    out: dict[str, WasteOperation] = {}
    for s, v in props.items():
        op = v.get(LS + "esrsWasteOperation")
        if op is None or LS + "csvValue" not in v:
            continue
        o = props[op.value]
        out[v[LS + "csvValue"].value] = WasteOperation(
            o[LS + "esrsKey"].value, o[SKOS + "notation"].value, o[SKOS + "prefLabel"].value,
            o[LS + "divertedFromDisposal"].value == "true")
    return out


__all__ = ["BIOLOGICAL", "TECHNICAL", "CYCLES", "cycle_of", "class_cycles", "WasteOperation", "waste_operations"]
