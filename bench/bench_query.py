"""Bench: every catalogue query on ~1M triples (embedded Oxigraph), beside rdflib's SPARQL engine.

    PYTHONPATH=src python bench/bench_query.py [--suppliers 20000] [--rdflib-suppliers 200] [--timeout 120] [--last-timeout 400] [--rounds 5] [--skip-rdflib] [--skip-cli] [--before QUERIES_DIR]

Data: loopsource.devdata.generate.generate(dir, suppliers, seed=1), built and reasoned. The catalogue
runs --rounds times on the embedded store, every query once per round; the best and the median
time are reported (the first round warms the RocksDB block cache). The target is the best time. rdflib runs the same query text (parameters bound with
loopsource.rdf.sparql.substitute, as on both stores) on a smaller generated data set in a
subprocess that is killed after --timeout seconds; a query it does not finish runs again on a
quarter of that data, then on suppliers=10 with --last-timeout, so that each query has an
rdflib time at a size rdflib finishes (when one exists under those limits). The `loopsource query` column is one run of
the command line (process start, imports, read-only open, query, CSV file). Prints a Markdown
table for bench/README.md.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from loopsource.load.build import build  # noqa: E402
from loopsource.devdata.generate import generate  # noqa: E402
from loopsource.query import bind, catalogue, parse_query  # noqa: E402
from loopsource.rdf.sparql import substitute  # noqa: E402
from loopsource.reason import reason  # noqa: E402
from loopsource.store import EmbeddedStore  # noqa: E402
from loopsource.rdf.vocab import GRAPHS  # noqa: E402

LIMIT_S = 2.0


def make_store(work: Path, suppliers: int) -> tuple[EmbeddedStore, int]:
    data = work / f"data-{suppliers}"
    generate(data, suppliers, 1)
    root = work / f"store-{suppliers}"
    build(data, root)
    store = EmbeddedStore(root)
    reason(store)
    triples = sum(store.count(g) for g in (GRAPHS.ontology, GRAPHS.asserted, GRAPHS.inferred, GRAPHS.meta))
    return store, triples


def _rdflib_worker(nquads: bytes, text: str, out: mp.Queue) -> None:
    import rdflib

    ds = rdflib.Dataset(default_union=True)
    ds.parse(data=nquads, format="nquads")
    t = time.perf_counter()
    n = len(list(ds.query(text)))
    out.put((time.perf_counter() - t, n))


def rdflib_time(nquads: bytes, text: str, timeout: float) -> tuple[float | None, int | None]:
    q: mp.Queue = mp.Queue()
    p = mp.Process(target=_rdflib_worker, args=(nquads, text, q))
    p.start()
    p.join(timeout + 60)  # parsing the N-Quads is not timed, but must finish too
    if p.is_alive():
        p.kill()
        p.join()
        return None, None
    try:
        secs, rows = q.get(timeout=1)
    except Exception:  # the worker died
        return None, None
    return (secs if secs <= timeout else None), rows


def rdflib_column(nquads: bytes, fallbacks: list, text: str, subs: dict, timeout: float) -> str:
    """rdflib's time on the small data, then on each fallback (store, triples, N-Quads, time limit)
    until it finishes."""
    secs, _ = rdflib_time(nquads, substitute(text, subs), timeout)
    rd = f"{secs:.2f} s" if secs is not None else f"> {timeout:.0f} s"
    for fb, fb_n, fb_nquads, limit in fallbacks:
        if secs is not None:
            break
        secs, _ = rdflib_time(fb_nquads, substitute(text, subs), limit)
        t = time.perf_counter()
        fb.select(text, subs)
        fb_ox = time.perf_counter() - t
        rd += (f"; {secs:.2f} s" if secs is not None else f"; > {limit:.0f} s") + \
            f" at {fb_n / 1e3:.1f}k triples (Oxigraph {fb_ox:.3f} s)"
    return rd


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--suppliers", type=int, default=20000)
    ap.add_argument("--rdflib-suppliers", type=int, default=200)
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--last-timeout", type=float, default=400.0)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--skip-rdflib", action="store_true", help="embedded store only (e.g. a second size)")
    ap.add_argument("--skip-cli", action="store_true", help="no `loopsource query` column")
    ap.add_argument("--before", type=Path, default=None,
                    help="a folder of .rq files (the catalogue at an earlier commit, e.g. from git archive) run "
                         "side by side in the same rounds on the same store: best and median columns of its own")
    args = ap.parse_args()
    import pyoxigraph as ox

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        big, big_n = make_store(work, args.suppliers)
        small, small_n = make_store(work, args.rdflib_suppliers)
        nquads = small.export(None, ox.RdfFormat.N_QUADS)
        # a query rdflib does not finish in --timeout runs again on smaller data: a quarter, then
        # suppliers=10 with --last-timeout (rdflib joins sub-SELECTs by nested loops)
        fallbacks = []
        smallest = args.rdflib_suppliers
        for n, limit in ((max(1, args.rdflib_suppliers // 4), args.timeout), (10, args.last_timeout)):
            if args.skip_rdflib or n >= smallest:  # each fallback strictly smaller (and a store of its own)
                continue
            smallest = n
            s, s_n = make_store(work, n)
            fallbacks.append((s, s_n, s.export(None, ox.RdfFormat.N_QUADS), limit))
        print(f"embedded: suppliers={args.suppliers}, {big_n} triples; rdflib: suppliers={args.rdflib_suppliers}, "
              f"{small_n} triples" + (f", then {', '.join(f'{f[1]} triples' for f in fallbacks)} when it does not finish"
                                      if fallbacks else "") + "\n")
        print(f"| query | rows | Oxigraph, {big_n / 1e6:.2f}M triples, best | median of {args.rounds} "
              f"| `loopsource query`, {big_n / 1e6:.2f}M triples | Oxigraph, {small_n / 1e3:.0f}k triples "
              f"| rdflib, {small_n / 1e3:.0f}k triples |" + (" before, best | before, median |" if args.before else ""))
        print("|---|---:|---:|---:|---:|---:|---:|" + ("---:|---:|" if args.before else ""))
        failed = []
        src = str(Path(__file__).resolve().parents[1] / "src")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))}
        # Every query once per round, --rounds rounds: a slow spell of this shared VM then
        # touches one run of several queries, not all runs of one query.
        times: dict[str, list[float]] = {name: [] for name in catalogue()}
        nrows: dict[str, int] = {}
        before = {f.stem: parse_query(f.read_text(encoding="utf-8"), str(f)) for f in sorted(args.before.glob("*.rq"))} \
            if args.before else {}
        before_times: dict[str, list[float]] = {name: [] for name in before}
        for _ in range(args.rounds):
            for name, q in catalogue().items():
                t = time.perf_counter()
                nrows[name] = len(big.select(q.text, bind(q, [])).rows)
                times[name].append(time.perf_counter() - t)
                if name in before:  # the earlier text right after, in the same conditions
                    t = time.perf_counter()
                    big.select(before[name].text, bind(before[name], []))
                    before_times[name].append(time.perf_counter() - t)
        for name, q in catalogue().items():
            subs = bind(q, [])
            rows = nrows[name]
            best, median = min(times[name]), statistics.median(times[name])
            # the whole command as a user runs it: process start, imports, opening the store
            # read-only, the query, CSV to a file
            t = time.perf_counter()
            proc = None if args.skip_cli else subprocess.run(
                [sys.executable, "-m", "loopsource", "query", name, "--store", str(big.root),
                 "--format", "csv", "-o", str(work / "out.csv")], capture_output=True, text=True, env=env)
            cli_s = time.perf_counter() - t
            if proc is not None and proc.returncode != 0:
                raise SystemExit(f"loopsource query {name} failed: {proc.stderr}")
            t = time.perf_counter()
            small.select(q.text, subs)
            small_s = time.perf_counter() - t
            rd = "not run" if args.skip_rdflib else rdflib_column(nquads, fallbacks, q.text, subs, args.timeout)
            cli = "not run" if args.skip_cli else f"{cli_s:.2f} s"
            was = (f" {min(before_times[name]):.2f} s | {statistics.median(before_times[name]):.2f} s |"
                   if before_times.get(name) else (" - | - |" if args.before else ""))
            print(f"| {name} | {rows} | {best:.2f} s | {median:.2f} s | {cli} | {small_s:.3f} s | {rd} |{was}", flush=True)
            if best > LIMIT_S:
                failed.append(name)
        if failed:
            print(f"\nover {LIMIT_S} s: {', '.join(failed)}")
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
