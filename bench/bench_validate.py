"""Bench (issue 4): `loopsource validate` with all profiles, beside naive pySHACL + owlrl.

    python bench/bench_validate.py [--sizes 200,1000] [--big 20000] [--work DIR] [--baseline-timeout 900]

Data: loopsource.devdata.generate.generate(out_dir, suppliers=N, seed=1), built with
loopsource.load.build (skip_invalid, see README) and reasoned with loopsource.reason.reason
(neither timed). For each size in --sizes, and at --big (about 1.16M asserted + 0.67M
inferred triples at 20,000 suppliers):

* loopsource: ``validate(store)`` with every profile and the demo policy (as of 2031-09-01,
  so that the Batteries and PPWR minimums apply), in its own process;
* baseline (only --sizes, and --big with --baseline-big): pySHACL with inference="owlrl" on an
  rdflib graph parsed from the ontology + asserted N-Triples, with the same shapes files
  (aggregate shapes find no aggregate nodes there: the baseline pays for reading and OWL
  RL inference plus per-entity shapes only).

Target: loopsource at --big <= 60 s. Exit 1 when missed.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _child import fmt_mb, fmt_s, run

PREPARE = """
from pathlib import Path
from loopsource.devdata.generate import generate
from loopsource.load.build import build
from loopsource.reason import reason
from loopsource.store import EmbeddedStore
data, store = Path({data!r}), Path({store!r})
if not (store / "current").exists():
    generate(data, suppliers={n}, seed=1)
    build(data, store, skip_invalid=True)
    reason(EmbeddedStore(store))
s = EmbeddedStore(store)
from loopsource.rdf.vocab import GRAPHS
result["triples"] = sum(s.count(g) for g in (GRAPHS.ontology, GRAPHS.asserted, GRAPHS.inferred))
"""

LOOPSOURCE = """
from datetime import date
from pathlib import Path
from loopsource.store import EmbeddedStore
from loopsource.validate import validate
report = validate(EmbeddedStore(Path({store!r})), None, as_of=date(2031, 9, 1), policy=Path({policy!r}))
result["results"] = len(report.results)
result["violations"] = sum(1 for r in report.results if r.severity == "violation")
"""

BASELINE = """
import pyoxigraph as ox, pyshacl, rdflib
from pathlib import Path
from loopsource import resources
from loopsource.store import EmbeddedStore
from loopsource.rdf.vocab import GRAPHS
s = EmbeddedStore(Path({store!r}))
g = rdflib.Graph()
for name in (GRAPHS.ontology, GRAPHS.asserted):
    g.parse(data=s.export(name, ox.RdfFormat.N_TRIPLES).decode(), format="nt")
s.close()
shapes = rdflib.Graph()
for p in ("data-quality", "eu-crma", "eu-batteries", "eu-ppwr", "esrs-e5"):
    shapes.parse(data=resources.read_text(resources.shapes_dir(), p + ".ttl"), format="turtle")
conforms, report, _ = pyshacl.validate(g, shacl_graph=shapes, inference="owlrl", allow_warnings=True, allow_infos=True)
result["results"] = len(set(report.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/shacl#ValidationResult"))))
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="200,1000")
    ap.add_argument("--big", type=int, default=20000)
    ap.add_argument("--baseline-big", action="store_true", help="also run the baseline at --big")
    ap.add_argument("--work", type=Path)
    ap.add_argument("--baseline-timeout", type=float, default=900)
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-validate-"))
    policy = Path(__file__).resolve().parents[1] / "data" / "demo" / "policy.yaml"
    lines = ["| suppliers | triples (onto+asserted+inferred) | loopsource validate | peak RSS | results | "
             "pySHACL inference=owlrl | peak RSS | results |", "|---|---|---|---|---|---|---|---|"]
    ok = True
    sizes = [int(x) for x in args.sizes.split(",") if x] + [args.big]
    for n in sizes:
        store, data = work / f"store{n}", work / f"data{n}"
        prep = run(PREPARE.format(data=str(data), store=str(store), n=n), timeout=3600)
        if prep.error:
            print(f"suppliers={n}: preparing failed: {prep.error}")
            return 2
        ours = run(LOOPSOURCE.format(store=str(store), policy=str(policy)), timeout=3600)
        base = None
        if n != args.big or args.baseline_big:
            base = run(BASELINE.format(store=str(store)), timeout=args.baseline_timeout)
        if n == args.big and (ours.seconds is None or ours.seconds > 60):
            ok = False
        lines.append(f"| {n:,} | {prep.extra['triples']:,} | {fmt_s(ours.seconds)} | {fmt_mb(ours.peak_rss_mb)} | "
                     f"{ours.extra.get('results', ours.error)} | "
                     + (f"{fmt_s(base.seconds)} | {fmt_mb(base.peak_rss_mb)} | {base.extra.get('results', base.error)} |"
                        if base else "not run | — | — |"))
        print(lines[-1], flush=True)
    print("\n".join(lines))
    print("target (<= 60 s at --big):", "met" if ok else "NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
