"""Material classes by name, label or synonym: what materials.csv ``class`` accepts.

The ontology is the source (ontology/materials.ttl): a class is named by its local name
(``PET``), its ``rdfs:label`` (``polyethylene terephthalate (PET)``), the label without its
parenthesised abbreviation (``polyethylene terephthalate``), that abbreviation when it is one word
(``PET``, ``LiOH·H2O``), or one of its ``skos:altLabel`` synonyms (``aluminum``, ``nylon``).
Matching ignores case and repeated spaces. A name that fits several classes (``polyethylene``:
HDPE or LDPE) is refused with the candidates, never guessed. ``loopsource classes`` lists them.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox

from .. import resources
from ..rdf.vocab import LS, RDFS, SKOS, code_lists

_ABBREVIATION = re.compile(r"^(?P<name>.+?)\s*\((?P<abbr>[^()\s,]+)\)$")


@dataclass(frozen=True)
class MaterialClass:
    name: str  # local name, as the CSV writes it
    iri: str
    label: str
    synonyms: tuple[str, ...]  # skos:altLabel, sorted
    parents: tuple[str, ...]  # local names of its direct superclasses in the taxonomy


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class ClassIndex:
    classes: tuple[MaterialClass, ...]
    by_text: dict[str, tuple[str, ...]]  # folded name/label/synonym -> local names

    def resolve(self, text: str) -> tuple[str | None, str | None]:
        """(class IRI, None) or (None, reason)."""
        names = self.by_text.get(_fold(text), ())
        if len(names) == 1:
            return LS + names[0], None
        if names:
            listed = ", ".join(f"{n} ({self.get(n).label})" for n in names)
            return None, f"material class {text!r} is ambiguous: it names {listed}; write one of these names"
        keys = [c.name for c in self.classes]
        close = difflib.get_close_matches(text, keys, n=1, cutoff=0.5)
        if not close:
            close = [self.by_text[k][0] for k in difflib.get_close_matches(_fold(text), list(self.by_text), n=1,
                                                                          cutoff=0.75)]
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return None, f"unknown material class {text!r}{hint} ('loopsource classes' lists names, labels and synonyms)"

    def get(self, name: str) -> MaterialClass:
        return next(c for c in self.classes if c.name == name)


@cache
def class_index() -> ClassIndex:
    """Every material class of the ontology with its label and synonyms (read once)."""
    text = resources.read_text(resources.ontology_dir(), "materials.ttl")
    labels: dict[str, str] = {}
    alts: dict[str, set[str]] = {}
    parents: dict[str, set[str]] = {}
    for q in ox.parse(text, format=ox.RdfFormat.TURTLE):
        s, p, o = q.subject.value, q.predicate.value, q.object
        if not s.startswith(LS):
            continue
        if p == RDFS + "label":
            labels[s] = o.value
        elif p == SKOS + "altLabel":
            alts.setdefault(s, set()).add(o.value)
        elif p == RDFS + "subClassOf" and isinstance(o, ox.NamedNode) and o.value.startswith(LS):
            parents.setdefault(s, set()).add(o.value[len(LS):])
    classes = []
    by_text: dict[str, list[str]] = {}
    for name, iri in sorted(code_lists().material_classes.items()):
        label = labels.get(iri, name)
        mc = MaterialClass(name, iri, label, tuple(sorted(alts.get(iri, ()), key=str.casefold)),
                           tuple(sorted(parents.get(iri, ()))))
        classes.append(mc)
        texts = {name, label, *mc.synonyms}
        m = _ABBREVIATION.match(label)
        if m:
            texts |= {m["name"], m["abbr"]}
        for t in texts:
            names = by_text.setdefault(_fold(t), [])
            if name not in names:
                names.append(name)
    # A class's own name always wins over another class's synonym or label of the same text.
    resolved = {k: (k_names if len(k_names) == 1 or not any(_fold(n) == k for n in k_names)
                    else [n for n in k_names if _fold(n) == k]) for k, k_names in by_text.items()}
    return ClassIndex(tuple(classes), {k: tuple(v) for k, v in resolved.items()})

