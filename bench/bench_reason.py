"""Bench (issue 3): OWL 2 RL engines side by side, in one run.

    python bench/bench_reason.py [--sizes 500,2500] [--big 20000] [--work DIR] [--owlrl-timeout 3600]

For each size in --sizes (about 30k and 150k triples with ontology and region data), both
engines compute the clean closure of ontology + asserted data in separate processes: the
reference `owlrl` and the default `rules`. Their closures are compared triple for triple
(sha256 of the sorted closure). At --big (about 1M triples) only the default engine runs, and
the whole `loopsource reason` stage (read graphs, infer, write the inferred graph) is timed
too. Targets: rules >= 50x faster than owlrl at both sizes; rules at about 1M in <= 60 s with
peak RSS <= 4 GB. The rules engine starts from owlrl's closure of the schema, cached on disk
by schema hash: "cold" is a run with an empty cache (it includes that owlrl run), "warm" the
next run, as every later `loopsource reason` on the same ontology is.
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from _child import fmt_mb, fmt_s, run

INFER = """
import hashlib, os, shutil, tempfile, time
from pathlib import Path
os.environ["XDG_CACHE_HOME"] = {cache!r}
from loopsource.reason import get_engine, read_graph
from loopsource.store import EmbeddedStore
from loopsource.rdf.vocab import GRAPHS
store = EmbeddedStore(Path({store!r}))
onto, data = read_graph(store, GRAPHS.ontology), read_graph(store, GRAPHS.asserted)
store.close()
t = time.perf_counter()
inf = get_engine({engine!r}).infer(onto, data)
result["seconds"] = time.perf_counter() - t
result["input"] = len(onto) + len(data)
result["inferred"] = len(inf.triples)
result["digest"] = hashlib.sha256("".join(sorted(" ".join(x) for x in inf.triples)).encode()).hexdigest()[:16]
"""

STAGE = """
from pathlib import Path
from loopsource.reason import reason
from loopsource.store import EmbeddedStore
r = reason(EmbeddedStore(Path({store!r})), "rules")
result["inferred"] = r.inferred
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="500,2500")
    ap.add_argument("--big", type=int, default=20000)
    ap.add_argument("--work", type=Path)
    ap.add_argument("--owlrl-timeout", type=float, default=3600)
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-reason-"))
    ok = True
    lines = ["| suppliers | input triples | owlrl (reference) | peak RSS | rules, cold cache | rules, warm | peak RSS | speed-up (warm / cold) | inferred | same closure |",
             "|---|---|---|---|---|---|---|---|---|---|"]

    def prepare(n: int) -> Path:
        data, store = work / f"data{n}", work / f"store{n}"
        run(f"from pathlib import Path; from loopsource.devdata.generate import generate; from loopsource.load.build import build; "
            f"generate(Path({str(data)!r}), {n}, 1); build(Path({str(data)!r}), Path({str(store)!r}))", 1800)
        return store

    for n in [int(x) for x in args.sizes.split(",") if x]:
        store = prepare(n)
        cache = tempfile.mkdtemp(prefix="bench-reason-cache-")
        ref = run(INFER.format(store=str(store), engine="owlrl", cache=tempfile.mkdtemp()), args.owlrl_timeout)
        cold = run(INFER.format(store=str(store), engine="rules", cache=cache), 1800)
        fast = run(INFER.format(store=str(store), engine="rules", cache=cache), 1800)
        speedup = ref.seconds / fast.seconds if ref.seconds and fast.seconds else None
        speedup_cold = ref.seconds / cold.seconds if ref.seconds and cold.seconds else None
        same = (ref.extra.get("digest") == fast.extra.get("digest") == cold.extra.get("digest")) if ref.seconds else None
        ok = ok and bool(speedup and speedup >= 50 and same)
        lines.append(f"| {n:,} | {fast.extra.get('input', 0):,} | {fmt_s(ref.seconds) if ref.seconds else ref.error} | "
                     f"{fmt_mb(ref.peak_rss_mb)} | {fmt_s(cold.seconds)} | {fmt_s(fast.seconds)} | {fmt_mb(fast.peak_rss_mb)} | "
                     f"{'—' if speedup is None else f'{speedup:.0f}x / {speedup_cold:.0f}x'} | {fast.extra.get('inferred', 0):,} | "
                     f"{'—' if same is None else ('yes' if same else 'NO')} |")
    if args.big:
        store = prepare(args.big)
        fast = run(INFER.format(store=str(store), engine="rules", cache=tempfile.mkdtemp()), 1800)
        stage = run(STAGE.format(store=str(store)), 1800)
        ok = ok and bool(fast.seconds and fast.seconds <= 60 and (fast.peak_rss_mb or 1e9) <= 4096)
        lines.append(f"| {args.big:,} | {fast.extra.get('input', 0):,} | not run | — | {fmt_s(fast.seconds)} | — | "
                     f"{fmt_mb(fast.peak_rss_mb)} | — | {fast.extra.get('inferred', 0):,} | — |")
        lines.append("")
        lines.append(f"Whole `loopsource reason` stage at {args.big:,} suppliers (read graphs, infer, write the "
                     f"inferred graph atomically): {fmt_s(stage.seconds)}, peak RSS {fmt_mb(stage.peak_rss_mb)}.")
    print("\n".join(lines))
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
