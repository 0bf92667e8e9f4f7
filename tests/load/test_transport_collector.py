"""The build's transport collector: its legs come in chunks that add up to the whole, and it
keeps one shared object per site or mode IRI (the remote build's memory at 10 M: bench/README.md)."""
from __future__ import annotations

from loopsource.emission_factors import packaged_table
from loopsource.load.loader import load_directory
from loopsource.load.transport import TransportCollector, factor_lines

from ..conftest import DEMO


def _collected() -> TransportCollector:
    legs = TransportCollector()
    load_directory(DEMO, sink=lambda chunk: legs.feed(chunk.decode("utf-8")))
    return legs


def test_legs_in_chunks_are_the_whole_text_in_order() -> None:
    legs, table = _collected(), packaged_table()
    n = len(legs.legs())
    assert n > 100
    chunks = list(legs.ntriples_chunks(table, size=37))
    assert len(chunks) == n // 37 + 1  # full chunks, then the rest with the factors
    assert all(c.endswith("\n") for c in chunks)
    assert "".join(chunks) == legs.ntriples(table)
    lines = "".join(chunks).splitlines()
    assert len(lines) == 4 * n + len(factor_lines(table))
    subjects = [ln.split(" ", 1)[0] for ln in lines[: 4 * n : 4]]
    assert subjects == sorted(legs.legs())  # purchase order, four lines each


def test_purchases_share_their_site_and_mode_objects() -> None:
    legs = _collected()
    by_value: dict[str, int] = {}
    for values in legs.purchases.values():
        for v in values:
            if v is not None:
                assert by_value.setdefault(v, id(v)) == id(v), v  # one object per IRI
    assert 0 < len(by_value) < len(legs.purchases)
