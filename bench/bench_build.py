"""Bench (issue 2): build time and peak RSS at several scales, beside plain rdflib loading
the same triples, in one run.

    python bench/bench_build.py [--sizes 2000,20000] [--work DIR] [--rdflib-timeout 900]

For each size: generate data (`loopsource generate`, seed 1), then in separate processes
(1) `loopsource.load.build` into a fresh embedded store (CSV checks + Oxigraph bulk load),
(2) the naive baseline: rdflib `Graph().parse()` of the same asserted triples as N-Triples
(exported from the store beforehand, not timed). Target: about 1M triples in <= 20 s with
peak RSS <= 2 GB.
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from _child import fmt_mb, fmt_s, run


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="2000,20000", help="supplier counts")
    ap.add_argument("--work", type=Path)
    ap.add_argument("--rdflib-timeout", type=float, default=900)
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-build-"))
    rows = []
    ok = True
    for n in [int(x) for x in args.sizes.split(",")]:
        data, store, nt = work / f"data{n}", work / f"store{n}", work / f"asserted{n}.nt"
        run(f"from pathlib import Path; from loopsource.devdata.generate import generate; "
            f"generate(Path({str(data)!r}), {n}, 1)", 600)
        shutil.rmtree(store, ignore_errors=True)
        ours = run(f"""
            from pathlib import Path
            from loopsource.load.build import build
            r = build(Path({str(data)!r}), Path({str(store)!r}))
            result["triples"] = r.triples["asserted"]
            """, 900)
        run(f"""
            from pathlib import Path
            import pyoxigraph as ox
            from loopsource.store import EmbeddedStore
            from loopsource.rdf.vocab import GRAPHS
            Path({str(nt)!r}).write_bytes(EmbeddedStore(Path({str(store)!r})).export(GRAPHS.asserted, ox.RdfFormat.N_TRIPLES))
            """, 900)
        naive = run(f"""
            import rdflib
            g = rdflib.Graph()
            g.parse({str(nt)!r}, format="nt")
            result["triples"] = len(g)
            """, args.rdflib_timeout)
        triples = ours.extra.get("triples", 0)
        rate = triples / ours.seconds if ours.seconds else None
        rows.append((n, triples, ours, rate, naive))
        if triples >= 900_000:
            ok = ok and ours.seconds is not None and ours.seconds <= 20 and (ours.peak_rss_mb or 1e9) <= 2048
    print("| suppliers | asserted triples | loopsource build | triples/s | peak RSS | rdflib parse (baseline) | peak RSS |")
    print("|---|---|---|---|---|---|---|")
    for n, triples, ours, rate, naive in rows:
        print(f"| {n:,} | {triples:,} | {fmt_s(ours.seconds)} | {rate:,.0f} | {fmt_mb(ours.peak_rss_mb)} | "
              f"{fmt_s(naive.seconds) if naive.seconds else naive.error} | {fmt_mb(naive.peak_rss_mb)} |"
              if rate else f"| {n:,} | — | {ours.error} | — | — | — | — |")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
