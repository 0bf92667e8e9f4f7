"""The snapshot read as a stream (purchases compacted to tuples) is the snapshot of before.

"Before" is the pivot that keeps every subject as a dict (compaction switched off), which is
what read_snapshot did until the stream: the Snapshot and the metrics document computed from
it must be equal, on data/demo and on generated data, whatever the order of the triples
(a purchase whose triples are split in two places of the stream is compacted and expanded).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from loopsource.analysis import snapshot as snapmod
from loopsource.analysis.metrics import compute
from loopsource.analysis.snapshot import read_snapshot, snapshot_from_stream
from loopsource.devdata.generate import generate
from loopsource.files import json_safe
from loopsource.load import build
from loopsource.rdf.terms import parse_ntriples
from loopsource.rdf.vocab import GRAPHS
from loopsource.reason import reason
from loopsource.store import EmbeddedStore

import pyoxigraph as ox

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"


def _store(data: Path, root: Path) -> EmbeddedStore:
    build(data, root, skip_invalid=True)
    gs = EmbeddedStore(root)
    reason(gs)
    return gs


@pytest.fixture(scope="module", params=["demo", "generated"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> EmbeddedStore:
    root = tmp_path_factory.mktemp(request.param)
    if request.param == "demo":
        return _store(DEMO, root / "store")
    generate(root / "data", 300, 1)
    return _store(root / "data", root / "store")


def _metrics(snap) -> str:
    return json.dumps(json_safe(compute(snap)), sort_keys=True)


def _graphs(store: EmbeddedStore) -> tuple[list, list]:
    onto = parse_ntriples(store.export(GRAPHS.ontology, ox.RdfFormat.N_TRIPLES).decode("utf-8"))
    data = parse_ntriples(store.export(GRAPHS.asserted, ox.RdfFormat.N_TRIPLES).decode("utf-8"))
    return onto, data


def test_stream_equals_dict_pivot(store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch) -> None:
    streamed = read_snapshot(store)
    assert len(streamed.purchases) > 0
    onto, data = _graphs(store)
    monkeypatch.setattr(snapmod._Pivot, "compact", lambda self, s: None)
    before = snapshot_from_stream(onto, iter(data))
    assert streamed == before
    assert _metrics(streamed) == _metrics(before)


def test_purchases_are_compacted_and_split_ones_expanded(store: EmbeddedStore,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Every purchase's triples cut in two halves, all first halves first: each purchase is
    compacted when the stream leaves it and expanded when its second half comes."""
    onto, data = _graphs(store)
    by_subject: dict[str, list] = {}
    for t in data:
        by_subject.setdefault(t[0], []).append(t)
    first = [t for ts in by_subject.values() for t in ts[: len(ts) // 2]]
    second = [t for ts in by_subject.values() for t in ts[len(ts) // 2:]]
    counts = {"compact": 0, "expand": 0}
    compact, expand = snapmod._Pivot.compact, snapmod._Pivot._expand

    def counting_compact(self, s):
        before = len(self.compacted)
        compact(self, s)
        counts["compact"] += len(self.compacted) - before

    def counting_expand(self, s):
        counts["expand"] += 1
        expand(self, s)

    monkeypatch.setattr(snapmod._Pivot, "compact", counting_compact)
    monkeypatch.setattr(snapmod._Pivot, "_expand", counting_expand)
    split = snapshot_from_stream(onto, iter(first + second))
    n = len(split.purchases)
    assert counts["compact"] >= n and counts["expand"] >= n - 1
    assert split == read_snapshot(store)


def test_every_purchase_of_a_grouped_stream_is_compacted(store: EmbeddedStore,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A purchase with a stored transport leg and the CSV row it came from (prov:wasDerivedFrom)
    is compacted too, and its leg still reaches the snapshot: before, those two kept every
    purchase of generated data a dict (at 10^7 triples, half the snapshot's peak)."""
    onto, data = _graphs(store)
    data.sort(key=lambda t: t[0])  # grouped by subject, as a store exports it
    compacted: set[str] = set()
    compact = snapmod._Pivot.compact

    def recording_compact(self, s):
        compact(self, s)
        if s in self.compacted:
            compacted.add(s)

    monkeypatch.setattr(snapmod._Pivot, "compact", recording_compact)
    snap = snapshot_from_stream(onto, iter(data))
    purchases = {s for s, p, o in data if p == snapmod.TYPE and o == snapmod.PURCHASE}
    with_leg = {s for s, p, _o in data if p == f"<{snapmod.LS}transportDistanceKm>"}
    derived = {s for s, p, _o in data if p == f"<{snapmod.PROV}wasDerivedFrom>"}
    assert purchases and purchases <= derived
    assert compacted == purchases
    assert len(snap.transport_legs) > 0 and with_leg & purchases
    assert snap == read_snapshot(store)


def test_purchase_records_share_their_repeated_values(store: EmbeddedStore) -> None:
    """Site and material ids, units, currencies and dates that repeat are one object each across
    the purchase records (at 10 M asserted triples a copy per purchase was some 150 MB)."""
    snap = read_snapshot(store)
    for field in ("buyer_site", "supplier_site", "material", "unit", "currency", "date"):
        first: dict[object, int] = {}
        for p in snap.purchases:
            value = getattr(p, field)
            if value is not None:
                assert id(first.setdefault(value, value)) == id(value), (field, value)
        assert len(first) < len(snap.purchases), field  # the values do repeat


def test_a_subject_whose_first_triples_are_unread_is_read_once(store: EmbeddedStore) -> None:
    """Every prov:wasDerivedFrom triple first (a property no record reads, held by no table),
    then the rest: each subject is still one record (a loop read twice was a second loop in
    the circular outflow; Virtuoso's export order showed it)."""
    onto, data = _graphs(store)
    unread = [t for t in data if t[1] == f"<{snapmod.PROV}wasDerivedFrom>"]
    rest = [t for t in data if t[1] != f"<{snapmod.PROV}wasDerivedFrom>"]
    assert unread and rest
    assert snapshot_from_stream(onto, iter(unread + rest)) == read_snapshot(store)
