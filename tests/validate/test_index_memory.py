"""The validation index keeps one object per node and each single value bare (why: at 10^7
triples the per-predicate copies of every purchase's IRI were most of the validate stage's
memory), and answers as before."""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from loopsource.load import build
from loopsource.rdf.vocab import GRAPHS, LS
from loopsource.store import EmbeddedStore
from loopsource.validate.index import Index

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    root = tmp_path_factory.mktemp("index")
    build(DEMO, root / "store")
    return Index(EmbeddedStore(root / "store"), [GRAPHS.ontology, GRAPHS.asserted])


def test_a_node_read_by_several_predicates_is_one_object(index: Index) -> None:
    mass, material = index.fetch(LS + "massKg"), index.fetch(LS + "material")
    purchases = index.instances(LS + "Purchase")
    assert purchases
    for p in purchases:
        in_mass = next(k for k in mass if k == p)
        in_material = next(k for k in material if k == p)
        assert in_mass is in_material is p
    sites = {v for vs in index.fetch(LS + "supplierSite").values() for v in vs}
    located = {s for s in index.fetch(LS + "locatedIn") if s in sites}
    assert located and all(next(v for v in sites if v == s) is s for s in located)


def test_values_are_the_store_s_values(index: Index) -> None:
    """Every predicate's values as the store has them; single values as 1-tuples, several
    values (a node's types) all kept."""
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    for p in (LS + "massKg", LS + "supplierSite", rdf_type):
        want: dict = {}
        for s, _p, o in index.store.triples(None, ox.NamedNode(p), None, index.graphs):
            want.setdefault(s, []).append(o)
        got = index.fetch(p)
        assert {s: sorted(map(str, v)) for s, v in got.items()} == {s: sorted(map(str, v)) for s, v in want.items()}
        assert all(isinstance(v, tuple) for v in got.values() if len(v) == 1)
    assert any(len(v) > 1 for v in index.fetch(rdf_type).values())


def test_repeated_literals_are_one_object_until_a_predicate_has_too_many(tmp_path: Path, monkeypatch) -> None:
    """Equal literals of one predicate (purchase dates) are one object; past _LITERAL_TABLE
    distinct values a predicate keeps each value as read, and every value stays the store's."""
    build(DEMO, tmp_path / "store")
    gs = EmbeddedStore(tmp_path / "store")

    def check(ix: Index) -> dict:
        dates = ix.fetch(LS + "date")
        first: dict = {}
        for (v,) in (vs for vs in dates.values() if len(vs) == 1):
            first.setdefault(v, [])
            if all(v is not w for w in first[v]):
                first[v].append(v)
        want = {s: str(o) for s, _p, o in gs.triples(None, ox.NamedNode(LS + "date"), None, ix.graphs)}
        assert {s: str(v[0]) for s, v in dates.items()} == want
        assert len(first) < len(dates)  # dates repeat
        return first

    shared = check(Index(gs, [GRAPHS.ontology, GRAPHS.asserted]))
    assert all(len(objects) == 1 for objects in shared.values())
    monkeypatch.setattr("loopsource.validate.index._LITERAL_TABLE", 3)
    unshared = check(Index(gs, [GRAPHS.ontology, GRAPHS.asserted]))
    assert any(len(objects) > 1 for objects in unshared.values())


def test_single_values_and_types_are_held_without_containers(index: Index) -> None:
    """A single value is held bare and read as a 1-tuple (get, [], items, values); several values
    are a tuple; a node's fetched classes are a tuple (a set of one was 160 bytes more)."""
    mass = index.fetch(LS + "massKg")
    s = next(iter(mass))
    assert not isinstance(dict.get(mass, s), tuple)
    assert mass.get(s) == mass[s] == (dict.get(mass, s),) and mass.get("nothing", ()) == ()
    assert all(isinstance(v, tuple) and len(v) == 1 for v in mass.values())
    assert all(isinstance(v, tuple) for _k, v in mass.items())
    purchases = index.instances(LS + "Purchase")
    assert all(index.types[p] == (LS + "Purchase",) for p in purchases)
