"""Names the validate modules share: the ``lsv:`` namespace of aggregate nodes, the shape
annotations loopsource reads (rule code, source, dates in force), and term conversion between
pyoxigraph (the store) and rdflib (what pySHACL works on)."""
from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from ..errors import ShapesError
from ..rdf.vocab import LS

LSV = "https://w3id.org/loopsource/validation#"
AGG = "https://w3id.org/loopsource/validation/"
DCT_SOURCE = URIRef("http://purl.org/dc/terms/source")
RULE_CODE = URIRef(LS + "ruleCode")
IN_FORCE_FROM = URIRef(LS + "inForceFrom")
IN_FORCE_UNTIL = URIRef(LS + "inForceUntil")
DEFERRED_BY = URIRef(LS + "deferredBy")
LS_ID = URIRef(LS + "id")
LSV_KEY = URIRef(LSV + "key")
LSV_DETAIL = URIRef(LSV + "detail")
OWL_CLASS = URIRef("http://www.w3.org/2002/07/owl#Class")
RDF_TYPE = RDF.type.toPython()
SUBCLASS = RDFS.subClassOf.toPython()


def local_name(iri: str) -> str:
    """The part after the last '#' or '/' of an IRI (the IRI itself when that part is empty)."""
    for sep in ("#", "/"):
        if sep in iri:
            iri = iri.rsplit(sep, 1)[1] or iri
    return iri


def to_rdflib(t: Any, bnodes: dict[str, BNode] | None = None) -> Any:
    """A pyoxigraph term as an rdflib term; ``bnodes`` keeps blank nodes apart per source."""
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.Literal):
        if t.language:
            return Literal(t.value, lang=t.language)
        return Literal(t.value, datatype=URIRef(t.datatype.value))
    if isinstance(t, ox.BlankNode):
        if bnodes is None:
            return BNode(t.value)
        return bnodes.setdefault(t.value, BNode())
    raise ShapesError(f"unsupported RDF term {t!r}")


def to_ox(t: Any) -> Any:
    """An rdflib IRI or literal as a pyoxigraph term (None for blank nodes: shapes' own nodes)."""
    if isinstance(t, URIRef):
        return ox.NamedNode(str(t))
    if isinstance(t, Literal):
        if t.language:
            return ox.Literal(str(t), language=t.language)
        return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype or XSD.string)))
    return None
