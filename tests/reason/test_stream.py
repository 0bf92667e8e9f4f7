"""The streamed rules engine (reason/stream.py) gives the closure of the in-memory rules engine.

Compared on generated data, on every W3C OWL 2 RL case (where the schema is outside what the
rules engine supports, both hand over: the stream returns None and the in-memory engine runs
owlrl), and through the reason stage on a store, first after a build (the inferred graph is
added to a hard-linked checkpoint) and then again on the reasoned store (every graph loaded
afresh).
"""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from loopsource.devdata.generate import generate
from loopsource.load import build
from loopsource.rdf.terms import parse_ntriples
from loopsource.rdf.vocab import GRAPHS
from loopsource.reason import RulesEngine, read_graph, reason
from loopsource.reason.stage import _reason_in_python
from loopsource.reason import stream
from loopsource.reason.stream import infer_stream
from loopsource.store import EmbeddedStore

from .test_owl2_rl_conformance import CASES, case_ids, read_rdfxml


def _nt(triples) -> bytes:
    return "".join(f"{s} {p} {o} .\n" for s, p, o in triples).encode("utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("stream")
    generate(root / "data", 300, 1)
    build(root / "data", root / "store", skip_invalid=True)
    return root / "store"


@pytest.mark.parametrize("batch", [100_000, 97])
def test_same_closure_on_generated_data(built: Path, batch: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Also when the chainer runs every 97 data triples (reason/stream.py chains as they come)."""
    monkeypatch.setattr(stream, "_BATCH", batch)
    gs = EmbeddedStore(built, read_only=True)
    onto, asserted = read_graph(gs, GRAPHS.ontology), read_graph(gs, GRAPHS.asserted)
    text = _nt(asserted)
    # chunks of 1000 bytes: lines are cut across chunk boundaries
    res = infer_stream(onto, lambda: (text[i:i + 1000] for i in range(0, len(text), 1000)))
    assert res is not None
    got = set(res.inferred)
    assert got == set(RulesEngine().infer(onto, asserted).triples)
    assert res.asserted == len(asserted) and 0 < res.kept < res.asserted  # inert triples were dropped
    gs.close()


def test_a_given_triple_derived_before_it_comes_is_not_inferred(monkeypatch: pytest.MonkeyPatch) -> None:
    """x a A comes first and the chainer runs (x a B derived); then the data gives x a B itself:
    it is asserted, so not inferred. A triple of a predicate no rule derives (ls:massKg) is not
    remembered, and the closure still has what it fired (its rdfs:domain)."""
    monkeypatch.setattr(stream, "_BATCH", 1)
    ls, rdfs = "https://w3id.org/loopsource/ontology#", "http://www.w3.org/2000/01/rdf-schema#"
    a, b, m, d = f"<{ls}A>", f"<{ls}B>", f"<{ls}massKg>", f"<{ls}D>"
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    schema = [(a, f"<{rdfs}subClassOf>", b), (m, f"<{rdfs}domain>", d)]
    data = [("<urn:x>", rdf_type, a), ("<urn:y>", m, '"1.5"'), ("<urn:x>", rdf_type, b)]
    res = infer_stream(schema, lambda: [_nt(data)])
    assert res is not None
    got = set(res.inferred)
    assert ("<urn:x>", rdf_type, b) not in got
    assert ("<urn:y>", rdf_type, d) in got
    assert got == set(RulesEngine().infer(schema, data).triples)
    assert res.kept == 3


@pytest.mark.parametrize("case", case_ids() if (CASES / "tests.tsv").is_file() else [])
def test_same_closure_on_conformance_cases(case: str) -> None:
    premise = read_rdfxml(CASES / f"{case}.premise.rdf")
    res = infer_stream([], lambda: [_nt(premise)])
    engine = RulesEngine()
    expected = engine.infer([], premise)
    if res is None:
        assert "handed the job to owlrl" in engine.note
    else:
        assert set(res.inferred) == set(expected.triples)


def test_stage_streams_then_reloads(built: Path, tmp_path: Path) -> None:
    import shutil

    shutil.copytree(built, tmp_path / "a", symlinks=True)
    shutil.copytree(built, tmp_path / "b", symlinks=True)
    a, b = EmbeddedStore(tmp_path / "a"), EmbeddedStore(tmp_path / "b")
    first = reason(a)  # streamed, into a checkpoint of the built generation
    reference = _reason_in_python(b, "rules")  # the in-memory path, whole new generation
    assert (first.asserted, first.inferred) == (reference.asserted, reference.inferred)

    def graph(gs: EmbeddedStore, g: str) -> set:
        """The graph's triples without blank nodes (their labels differ between two loads) and their count."""
        quads = list(gs.store.quads_for_pattern(None, None, None, ox.NamedNode(g)))
        db = {str(q.triple) for q in quads if "_:" not in str(q.triple)} | {("count", len(quads))}
        side = set(parse_ntriples(gs.export(g, ox.RdfFormat.N_TRIPLES).decode("utf-8")))
        assert len(side) == len(quads)  # the side-car holds what the database holds
        return db

    for g in (GRAPHS.ontology, GRAPHS.asserted, GRAPHS.inferred):
        assert graph(a, g) == graph(b, g)
    again = reason(a)  # the inferred graph is not empty now: every graph is loaded afresh
    assert again.inferred == first.inferred
    assert graph(a, GRAPHS.inferred) == graph(b, GRAPHS.inferred)
    assert len(a.store) == len(b.store)
    a.close()
    b.close()
