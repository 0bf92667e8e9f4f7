"""The ontology files: parse, carry a header, stay inside what both engines reason over,
and mark the 17 strategic and 34 critical raw materials of Regulation (EU) 2024/1252."""
from __future__ import annotations

import rdflib
import pytest
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

from loopsource import resources
from loopsource.rdf.vocab import LS, code_lists

FILES = [*resources.ONTOLOGY_FILES, "alignments.ttl", *(f"shapes/{p}.ttl" for p in (
    "data-quality", "eu-crma", "eu-batteries", "eu-ppwr", "esrs-e5"))]
LSN = rdflib.Namespace(LS)


def _graph(name: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=resources.read_text(resources.ontology_dir(), name), format="turtle")


@pytest.mark.parametrize("name", FILES)
def test_file_parses_and_has_header(name: str) -> None:
    g = _graph(name)
    heads = list(g.subjects(RDF.type, OWL.Ontology))
    assert len(heads) == 1
    h = heads[0]
    assert g.value(h, DCTERMS.title) and g.value(h, OWL.versionInfo) and g.value(h, DCTERMS.license)


def test_no_equality_or_cardinality_axioms() -> None:
    forbidden = {OWL.sameAs, OWL.FunctionalProperty, OWL.InverseFunctionalProperty, OWL.maxCardinality,
                 OWL.cardinality, OWL.hasKey, OWL.maxQualifiedCardinality}
    for name in resources.ONTOLOGY_FILES:
        g = _graph(name)
        used = {p for _, p, _ in g} | {o for _, _, o in g}
        assert not (used & forbidden), name


def test_crma_lists() -> None:
    g = _graph("materials.ttl") + _graph("loopsource.ttl")
    def closure(c: rdflib.URIRef, sup: rdflib.URIRef) -> bool:
        return sup in g.transitive_objects(c, RDFS.subClassOf)
    classes = set(g.subjects(RDF.type, OWL.Class))
    entries = {c for c in classes if g.value(c, LSN.crmaStrategicEntry) is not None}
    annex2 = {c for c in classes if "II(" in str(g.value(c, LSN.crmaAnnexEntry) or "")}
    assert len(entries) == 17 and all(closure(c, LSN.StrategicRawMaterial) for c in entries)
    assert len(annex2) == 34
    # grade-specific entries (Annex I): lithium is strategic only at battery grade, critical always
    assert LSN.BatteryGradeLithium in entries and LSN.Copper in entries and LSN.Lead not in entries
    assert not closure(LSN.Lithium, LSN.StrategicRawMaterial) and closure(LSN.Lithium, LSN.CriticalRawMaterial)
    assert not closure(LSN.Nickel, LSN.CriticalRawMaterial)  # Annex II(w): nickel, battery grade


def test_code_lists_come_from_the_ontology() -> None:
    c = code_lists()
    assert set(c.units) == {"kg", "t", "g", "lb"}
    assert set(c.strategies) == {"reuse", "repair", "refurbish", "remanufacture", "repurpose", "recycle",
                                 "recover", "dispose", "incinerate", "landfill", "other_disposal"}
    assert c.circular_strategies == {"reuse", "repair", "refurbish", "remanufacture", "repurpose", "recycle"}
    assert set(c.transport_modes) == {"road", "rail", "sea", "air", "inland_waterway", "pipeline"}
    for name in ("Aluminium", "Steel", "Copper", "Lithium", "Cobalt", "Nickel", "Lead", "PET", "HDPE", "Paper"):
        assert name in c.material_classes
    assert {"FR", "DE", "CN", "TW", "US"} <= set(c.countries)


def test_rladder_is_an_ordered_skos_scheme() -> None:
    g = _graph("vocabularies.ttl")
    notation = {(str(g.value(s, rdflib.URIRef("http://www.w3.org/2004/02/skos/core#notation"))), int(o))
                for s, o in g.subject_objects(LSN.rank)}
    # below the ladder: dispose (D, 10) and the three treatments ESRS E5-5 §37(c) tells apart,
    # each a narrower concept of dispose (incinerate 11, landfill 12, other_disposal 13)
    assert notation == {("R0", 0), ("R1", 1), ("R2", 2), ("R3", 3), ("R4", 4), ("R5", 5), ("R6", 6), ("R7", 7),
                        ("R8", 8), ("R9", 9), ("D", 10), ("D", 11), ("D", 12), ("D", 13)}
    broader = rdflib.URIRef("http://www.w3.org/2004/02/skos/core#broader")
    assert set(g.subjects(broader, LSN.Dispose)) == {LSN.Incinerate, LSN.Landfill, LSN.OtherDisposal}
