"""Embedded store generations: the N-Triples copies kept beside each generation say the same
as the database, and once dropped (before an in-place change) readers use the database."""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from loopsource.store import EmbeddedStore, database_dir, drop_graph_copies
from loopsource.rdf.vocab import GRAPHS


def _lines(data: bytes) -> set[bytes]:
    return set(data.splitlines())


def test_graph_copies_match_the_database(mini_dir: Path, build_store) -> None:
    store = build_store(mini_dir, reason=True)
    for graph in (GRAPHS.ontology, GRAPHS.asserted, GRAPHS.inferred, GRAPHS.meta):
        copy = store.export(graph, ox.RdfFormat.N_TRIPLES)
        db = store.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph))
        if graph == GRAPHS.ontology:  # blank node labels differ between two serialisations
            assert len(_lines(copy)) == len(_lines(db))
        else:
            assert _lines(copy) == _lines(db), graph
        assert store.count(graph) == len(_lines(db))


def test_in_place_change_after_dropping_copies_is_seen(mini_dir: Path, build_store) -> None:
    store = build_store(mini_dir, reason=False)
    root = store.root
    drop_graph_copies(root)
    store.close()
    # what 'serve --writable' does: the database of the current generation changed in place
    db = ox.Store(str(database_dir(root)))
    db.update(f'INSERT DATA {{ GRAPH <{GRAPHS.asserted}> {{ <urn:x> <urn:p> "changed" }} }}')
    db.flush()
    del db
    reopened = EmbeddedStore(root)
    assert b'<urn:x> <urn:p> "changed" .' in reopened.export(GRAPHS.asserted, ox.RdfFormat.N_TRIPLES)


def test_update_makes_a_new_generation_without_stale_copies(mini_dir: Path, build_store) -> None:
    store = build_store(mini_dir, reason=False)
    before = (store.root / "current").resolve()
    store.update(f'INSERT DATA {{ GRAPH <{GRAPHS.asserted}> {{ <urn:y> <urn:p> "new" }} }}')
    after = (store.root / "current").resolve()
    assert after != before and not before.exists()
    assert b'<urn:y> <urn:p> "new" .' in store.export(GRAPHS.asserted, ox.RdfFormat.N_TRIPLES)


def test_readers_run_beside_a_writer_and_a_second_writer_is_told_why(mini_dir: Path, build_store) -> None:
    import subprocess
    import sys

    store = build_store(mini_dir, reason=False)  # this process holds the database open for writing
    cmd = [sys.executable, "-m", "loopsource"]
    q = subprocess.run(cmd + ["query", "loops-by-strategy", "--store", str(store.root), "--format", "csv"],
                       capture_output=True, text=True, timeout=120)
    assert q.returncode == 0, q.stderr
    assert q.stdout.splitlines()[0].startswith("strategy,")
    r = subprocess.run(cmd + ["reason", "--store", str(store.root)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert "has it open for writing" in r.stderr and "Traceback" not in r.stderr


def test_replacing_a_small_graph_shares_the_others_and_keeps_copies_true(mini_dir: Path, build_store) -> None:
    """A small graph (the meta graph a validation records) is replaced in a hard-linked copy:
    the new generation's asserted and inferred side-cars are the old files (same inode, not
    loaded again), the meta graph holds exactly the new triples, and every copy still says what
    the database says. A large graph is loaded whole (the side-car of the replaced graph is new)."""
    store = build_store(mini_dir, reason=True)
    side = {g: store._sidecar(g) for g in (GRAPHS.asserted, GRAPHS.inferred)}
    inode = {g: p.stat().st_ino for g, p in side.items()}  # type: ignore[union-attr]
    asserted = _lines(store.export(GRAPHS.asserted, ox.RdfFormat.N_TRIPLES))
    meta = b'<urn:run> <urn:p> "validated" .\n'
    store.replace_graphs({GRAPHS.meta: [(meta, ox.RdfFormat.N_TRIPLES)]})
    for g in side:
        assert store._sidecar(g).stat().st_ino == inode[g], g  # type: ignore[union-attr]
    assert _lines(store.export(GRAPHS.meta, ox.RdfFormat.N_TRIPLES)) == _lines(meta)
    for graph in (GRAPHS.asserted, GRAPHS.inferred, GRAPHS.meta):
        db = store.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph))
        assert _lines(store.export(graph, ox.RdfFormat.N_TRIPLES)) == _lines(db), graph
    assert _lines(store.export(GRAPHS.asserted, ox.RdfFormat.N_TRIPLES)) == asserted

    store.SMALL_GRAPH = 1  # the asserted graph now counts as large: every graph is loaded again
    store.replace_graphs({GRAPHS.asserted: [(meta, ox.RdfFormat.N_TRIPLES)]})
    assert store._sidecar(GRAPHS.inferred).stat().st_ino != inode[GRAPHS.inferred]  # type: ignore[union-attr]
    assert _lines(store.export(GRAPHS.asserted, ox.RdfFormat.N_TRIPLES)) == _lines(meta)
    db = store.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(GRAPHS.asserted))
    assert _lines(db) == _lines(meta)


def test_triple_patterns_answer_what_the_quads_say(mini_dir: Path, build_store) -> None:
    """EmbeddedStore.triples answers a pattern with a SELECT in which the bound terms are written
    as N-Triples: for every predicate, subject and literal object of the store (literals with
    quotes, backslashes, newlines, language tags and datatypes included, blank nodes of the
    ontology) it yields exactly the triples pyoxigraph's quads_for_pattern gives."""
    store = build_store(mini_dir, reason=True)
    graphs = [GRAPHS.ontology, GRAPHS.asserted, GRAPHS.inferred, GRAPHS.meta]
    store.update(f'INSERT DATA {{ GRAPH <{GRAPHS.asserted}> {{ <urn:x> <urn:p> "a \\"q\\" \\\\ b\\nc"@de-AT , '
                 f'"{{x}} <y>"^^<urn:dt> }} }}')

    def by_quads(s, p, o) -> list[str]:
        return sorted(str((q.subject, q.predicate, q.object)) for g in graphs
                      for q in store.store.quads_for_pattern(s, p, o, ox.NamedNode(g)))

    quads = list(store.store.quads_for_pattern(None, None, None, None))
    patterns = {(None, q.predicate, None) for q in quads} | {(q.subject, None, None) for q in quads}
    patterns |= {(None, None, q.object) for q in quads if isinstance(q.object, ox.Literal)}
    patterns |= {(q.subject, q.predicate, None) for q in quads[:200]} | {(q.subject, q.predicate, q.object) for q in quads[:50]}
    assert any(isinstance(s, ox.BlankNode) for s, _p, _o in patterns)
    assert (None, None, ox.Literal('a "q" \\ b\nc', language="de-AT")) in patterns
    for s, p, o in patterns:
        assert sorted(str(t) for t in store.triples(s, p, o, graphs)) == by_quads(s, p, o), (s, p, o)
