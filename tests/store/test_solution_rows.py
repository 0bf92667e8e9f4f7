"""store.base.solution_rows: rows in the variables' order, None for unbound, GC state kept."""
from __future__ import annotations

import gc

import pyoxigraph as ox

from loopsource.store.base import solution_rows

A, P, Q = ox.NamedNode("http://ex/a"), ox.NamedNode("http://ex/p"), ox.NamedNode("http://ex/q")


def _store() -> ox.Store:
    s = ox.Store()
    s.add(ox.Quad(A, P, ox.Literal("x")))
    s.add(ox.Quad(P, P, ox.Literal(2)))
    s.add(ox.Quad(P, Q, A))
    return s


def test_rows_in_variable_order_with_none_for_unbound() -> None:
    res = _store().query("SELECT ?b ?a ?c WHERE { ?a <http://ex/p> ?c OPTIONAL { ?a <http://ex/q> ?b } } ORDER BY ?a")
    assert solution_rows(res) == ((None, A, ox.Literal("x")), (A, P, ox.Literal(2)))


def test_collector_state_is_restored() -> None:
    assert gc.isenabled()
    solution_rows(_store().query("SELECT * WHERE { ?s ?p ?o }"))
    assert gc.isenabled()
    gc.disable()
    try:
        solution_rows(_store().query("SELECT * WHERE { ?s ?p ?o }"))
        assert not gc.isenabled()  # a caller that paused it keeps it paused
    finally:
        gc.enable()


def test_collector_restored_when_reading_fails() -> None:
    class Failing:
        def __iter__(self):
            yield (A,)
            raise ValueError("broken result")

    try:
        solution_rows(Failing())  # type: ignore[arg-type]
    except ValueError:
        pass
    else:  # pragma: no cover
        raise AssertionError("the error must reach the caller")
    assert gc.isenabled()
