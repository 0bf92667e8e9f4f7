"""Every catalogue query on two embedded stores of the same data, interleaved, best and median.

    PYTHONPATH=src python bench/bench_query_stores.py --a OUT_A/store --b OUT_B/store --rounds 3

For a change that writes stores differently (since issue 12 the reason stage adds the
inferred graph to a hard-linked checkpoint of the built generation by a second bulk load,
instead of loading every graph into a fresh one): are the catalogue queries as fast on the
new layout, and do they give the same rows? Each round runs each query once on A and once
on B (A first in odd rounds, B first in even ones), each query with its default parameters.
Prints a Markdown table; exit 1 when a query's rows differ or its best time on A is over 2 s.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from loopsource.query.catalogue import bind, catalogue
from loopsource.store import EmbeddedStore


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", type=Path, required=True, help="store folder of version A (this change)")
    ap.add_argument("--b", type=Path, required=True, help="store folder of version B (the previous commit)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    stores = {"A": EmbeddedStore(args.a, read_only=True), "B": EmbeddedStore(args.b, read_only=True)}
    times: dict[tuple[str, str], list[float]] = {}
    rows: dict[tuple[str, str], list] = {}
    for r in range(args.rounds):
        for name, q in catalogue().items():
            for label in (("A", "B") if r % 2 == 0 else ("B", "A")):
                t = time.perf_counter()
                res = stores[label].select(q.text, bind(q, []))
                times.setdefault((name, label), []).append(time.perf_counter() - t)
                rows[(name, label)] = sorted(map(str, res.rows))
    print("| query | rows | A best | A median | B best | B median | same rows |")
    print("|---|---:|---:|---:|---:|---:|---|")
    bad = False
    for name in catalogue():
        a, b = times[(name, "A")], times[(name, "B")]
        same = rows[(name, "A")] == rows[(name, "B")]
        bad |= not same or min(a) > 2.0
        print(f"| {name} | {len(rows[(name, 'A')])} | {min(a):.2f} s | {statistics.median(a):.2f} s | "
              f"{min(b):.2f} s | {statistics.median(b):.2f} s | {'yes' if same else 'NO'} |")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
