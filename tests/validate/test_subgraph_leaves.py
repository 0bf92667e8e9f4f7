"""The candidate subgraph does not describe the subjects of sh:targetObjectsOf triples.

``lsdq:BuyerSiteSells`` targets the objects of ``ls:supplierSite``; before, every purchase
reached that way was described in full and validated by pySHACL in vain (at 10^6 triples
most of the validate stage). The results must be the same as with the full description.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import RDF

from loopsource.devdata.generate import generate
from loopsource.load import build
from loopsource.reason import reason
from loopsource.rdf.vocab import LS
from loopsource.store import EmbeddedStore
from loopsource.validate import candidates, engine, validate
from loopsource.validate.index import Index
from loopsource.validate.settings import Settings
from loopsource.validate.shapes import load_shapes


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedStore:
    root = tmp_path_factory.mktemp("leaves")
    generate(root / "data", 150, 1)
    build(root / "data", root / "store")
    gs = EmbeddedStore(root / "store")
    reason(gs)
    return gs


def test_supplier_site_is_target_only() -> None:
    shapes = load_shapes(engine.resolve_profiles(None, None), (), date(2031, 9, 1), None, Settings())
    assert candidates.target_only_inverse(shapes.graph) == frozenset({LS + "supplierSite"})


def test_purchases_not_described(store: EmbeddedStore) -> None:
    shapes = load_shapes(engine.resolve_profiles(None, None), (), date(2031, 9, 1), None, Settings())
    graphs = engine._graphs_to_use(store, [])
    data = engine._data_graph(store, graphs, Index(store, graphs), shapes.graph, [])
    purchases = set(data.subjects(RDF.type, URIRef(LS + "Purchase")))
    # no purchase is a candidate on this data (they all conform), so none is typed in the subgraph,
    # while the supplierSite triples that make the candidate sites focus nodes are there: exactly
    # the sites lsdq:BuyerSiteSells may flag (the ones whose organisation may be a buyer)
    assert purchases == set()
    finder = candidates.Candidates(Index(store, graphs), shapes.graph)
    sells = finder.candidates(URIRef("https://w3id.org/loopsource/shapes/data-quality#BuyerSiteSells"))
    assert set(data.objects(None, URIRef(LS + "supplierSite"))) == {URIRef(s.value) for s in sells}


def test_same_results_as_full_description(store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = Path(__file__).resolve().parents[2] / "data" / "demo" / "policy.yaml"
    new = validate(store, as_of=date(2031, 9, 1), policy=policy)
    monkeypatch.setattr(engine, "target_only_inverse", lambda _shapes: frozenset())
    old = validate(store, as_of=date(2031, 9, 1), policy=policy)
    assert sorted(map(repr, new.results)) == sorted(map(repr, old.results))
    assert len(new.results) > 0


def test_sh_not_keeps_conforming_sites_out_and_results_the_same(store: EmbeddedStore,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """lsdq:BuyerSiteSells is sh:not [org:siteOf minCount 1, class ls:Buyer] on every supplier
    site: only a site with an org:siteOf value typed ls:Buyer (or a subclass) may conform to the
    operand, so only those are candidates; the results equal those of the run that makes every
    supplier site a candidate (sh:not not understood, as before)."""
    shapes = load_shapes(engine.resolve_profiles(None, None), (), date(2031, 9, 1), None, Settings())
    graphs = engine._graphs_to_use(store, [])
    index = Index(store, graphs)
    finder = candidates.Candidates(index, shapes.graph)
    shape = URIRef("https://w3id.org/loopsource/shapes/data-quality#BuyerSiteSells")
    sites = finder.focus(shape)
    buyers = index.instances(LS + "Buyer")
    site_of = index.fetch("http://www.w3.org/ns/org#siteOf")
    by_hand = {s for s in sites if site_of.get(s) and all(o in buyers for o in site_of[s])}
    assert len(sites) > 100 and finder.candidates(shape) == by_hand and len(by_hand) < len(sites) / 10

    policy = Path(__file__).resolve().parents[2] / "data" / "demo" / "policy.yaml"
    new = validate(store, as_of=date(2031, 9, 1), policy=policy)
    monkeypatch.setattr(candidates.Candidates, "_may_conform", lambda self, shape, focus: None)
    old = validate(store, as_of=date(2031, 9, 1), policy=policy)
    assert sorted(map(repr, new.results)) == sorted(map(repr, old.results))
    assert len(new.results) > 0
