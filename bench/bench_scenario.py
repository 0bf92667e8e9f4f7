"""Bench: one scenario on generated data of about 1M triples, in <= 30 s.

    PYTHONPATH=src python bench/bench_scenario.py [--suppliers 20000] [--seed 1] [--work DIR]

Generates data (loopsource.devdata.generate), builds a store (loopsource.load.build; not timed), then
times what `loopsource scenario` does: read the snapshot, parse and check the scenario,
apply it, measure baseline and scenario, and render JSON and HTML. The scenario nearshores
every candidate material and disrupts one supplier country, so that the candidate ranking,
capacity bookkeeping and re-sourcing all run at scale.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from loopsource.load.build import build
from loopsource.devdata.generate import generate
from loopsource.render.scenario import render_html
from loopsource.scenario import compare, load_factors, load_scenario
from loopsource.analysis.snapshot import read_snapshot
from loopsource.store import EmbeddedStore, graph_name

LIMIT_S = 30.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suppliers", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", type=Path, default=None, help="working folder (default: a temporary one, removed)")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-scenario-"))
    try:
        data, root = work / "data", work / "store"
        t = time.perf_counter()
        generate(data, args.suppliers, args.seed)
        if root.exists():
            shutil.rmtree(root)
        build(data, root)
        setup = time.perf_counter() - t
        store = EmbeddedStore(root)
        triples = sum(store.count(graph_name(g)) for g in ("ontology", "asserted"))
        # the most common material with candidates, and the largest supplier country outside the plants' regions
        import csv
        with (data / "candidates.csv").open(encoding="utf-8") as f:
            mats = sorted({r["material"] for r in csv.DictReader(f)})
        ops = "".join(f"  - {{op: nearshore, material: {m}}}\n" for m in mats) + "  - {op: disrupt, country: CN}\n"
        scen = work / "bench.yaml"
        scen.write_text("name: bench\ndescription: nearshore all candidate materials, then China stops\n"
                        "operations:\n" + ops, encoding="utf-8")

        times: dict[str, float] = {}
        t0 = time.perf_counter()
        snap = read_snapshot(store)
        times["read_snapshot"] = time.perf_counter() - t0
        t = time.perf_counter()
        sc = load_scenario(scen, snap)
        doc = compare(snap, [sc], load_factors())
        times["apply_and_measure"] = time.perf_counter() - t
        t = time.perf_counter()
        json.dumps(doc, allow_nan=False)
        render_html(doc)
        times["render"] = time.perf_counter() - t
        total = time.perf_counter() - t0
        s = doc["scenarios"][0]
        print(f"data: {args.suppliers} suppliers, seed {args.seed}: {len(snap.purchases)} purchases, "
              f"{len(snap.candidates)} candidates, {triples:,} triples (ontology + asserted); "
              f"generate + build {setup:.1f}s (not timed)")
        print("scenario: " + ", ".join(f"{k} {v:.2f}s" for k, v in times.items()) + f"; total {total:.2f}s "
              f"(limit {LIMIT_S:.0f}s)")
        print(f"  moved {sum(o['moved_kg'] for o in s['operations']):,.0f} kg, "
              f"unmet {s['indicators']['unmet_demand_kg']:,.0f} kg, operations {len(s['operations'])}")
        return 0 if total <= LIMIT_S else 1
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
