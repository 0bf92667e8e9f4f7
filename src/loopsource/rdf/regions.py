"""Countries and regions by the names people write: an ISO 3166-1 code (CN, CHN), a UN M49
code (030, m49-030), a name (China, Eastern Asia) or EU, each to its region IRI, read from the
ontology's region reference data (regions.ttl). Used for IRI query parameters
(``-p region CN``) and to refuse an unknown ``region:XX`` with a suggestion."""
from __future__ import annotations

import difflib
from functools import cache

import pyoxigraph as ox

from .. import resources
from ..errors import QueryError
from .vocab import LS, REGION, SCHEMA, SKOS

_KEYS = (LS + "iso3166Alpha2", LS + "iso3166Alpha3", SKOS + "notation", SCHEMA + "name")


@cache
def region_names() -> tuple[dict[str, set[str]], dict[str, str]]:
    """(lower-cased name or code -> region IRIs, region IRI -> its English name)."""
    text = resources.read_text(resources.ontology_dir(), "regions.ttl")
    keys: dict[str, set[str]] = {}
    names: dict[str, str] = {}
    for t in ox.parse(text, format=ox.RdfFormat.TURTLE):
        s = t.subject.value
        if not s.startswith(REGION):
            continue
        keys.setdefault(s[len(REGION):].lower(), set()).add(s)
        if t.predicate.value in _KEYS:
            keys.setdefault(t.object.value.strip().lower(), set()).add(s)
            if t.predicate.value == SCHEMA + "name":
                names[s] = t.object.value
    return keys, names


def is_region(iri: str) -> bool:
    return iri in region_names()[1] or any(iri in v for v in region_names()[0].values())


def suggestion(value: str) -> str:
    """``; did you mean region:XX (Name)?`` for the closest code or name, else ``""``."""
    keys, names = region_names()
    close = difflib.get_close_matches(value.lower(), list(keys), n=1, cutoff=0.6)
    if not close:
        return ""
    iri = sorted(keys[close[0]])[0]
    return f"; did you mean region:{iri[len(REGION):]} ({names.get(iri, '')})?"


def region_iri(value: str) -> str | None:
    """The region IRI a bare code or name stands for; None when it names none. An ambiguous
    name is an error listing the candidates."""
    keys, names = region_names()
    found = keys.get(value.strip().lower())
    if not found:
        return None
    if len(found) > 1:
        options = ", ".join(f"region:{i[len(REGION):]} ({names.get(i, '')})" for i in sorted(found))
        raise QueryError(f"{value!r} names several regions: {options}; give one of them")
    return next(iter(found))


def unknown_region(iri: str) -> str | None:
    """Why an IRI in the region namespace names no region (``region:XX``), else None."""
    if not iri.startswith(REGION) or is_region(iri):
        return None
    return (f"is not a known country or region{suggestion(iri[len(REGION):])} (ISO 3166-1 codes such as "
            "region:CN, UN M49 areas such as region:m49-030, region:EU; a bare code or name such as CN or "
            "'Eastern Asia' works too)")
