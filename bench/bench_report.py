"""Bench: `loopsource run` and `loopsource report` on generated data of about 1M triples.

    PYTHONPATH=src python bench/bench_report.py [--suppliers 20000] [--seed 1] [--work DIR]
                                                [--skip-run --store DIR]

Limits (issue 6): `loopsource report` <= 20 s; `loopsource run` <= 120 s with peak RSS <= 4 GB.

Generates data (loopsource.devdata.generate; not timed), then times, each in its own child process
(wall clock, and peak RSS from os.wait4 of that child):

1. ``loopsource run DATA --out WORK/out`` (build, reason, validate, report);
2. ``loopsource report --store WORK/out/store -o report.html`` and ``--format json``.

With ``--skip-run --store DIR`` only the report commands are timed, on an existing store.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from loopsource.devdata.generate import generate
from loopsource.store import EmbeddedStore, graph_name

REPORT_LIMIT_S = 20.0
RUN_LIMIT_S = 120.0
RSS_LIMIT_MB = 4096.0


def timed(cmd: list[str]) -> dict[str, object]:
    """Run a child; wall seconds, peak RSS (MB) of that child, exit code and stderr tail."""
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=fo, stderr=fe)
        _, status, usage = os.wait4(p.pid, 0)  # this child's own resource usage
        seconds = time.perf_counter() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        out, err = fo.read(), fe.read()
    return {"cmd": " ".join(cmd[2:]), "seconds": round(seconds, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "exit": p.returncode, "stdout": out.decode(errors="replace"), "stderr_tail": err.decode(errors="replace")[-800:]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suppliers", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", type=Path, default=None, help="working folder (default: a new temporary one, kept)")
    ap.add_argument("--skip-run", action="store_true", help="only time `report` on --store")
    ap.add_argument("--store", type=Path, default=None)
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-report-"))
    work.mkdir(parents=True, exist_ok=True)
    cli = [sys.executable, "-c", "from loopsource.cli import main; main()"]
    results: dict[str, object] = {"suppliers": args.suppliers, "seed": args.seed, "cpus": os.cpu_count()}
    ok = True
    store_dir = args.store or work / "out" / "store"
    if not args.skip_run:
        data = work / "data"
        if not (data / "purchases.csv").is_file():
            t = time.perf_counter()
            generate(data, args.suppliers, args.seed)
            print(f"generated {data} in {time.perf_counter() - t:.1f}s", file=sys.stderr)
        r = timed([*cli, "run", str(data), "--out", str(work / "out")])
        results["run"] = r
        print(r["stdout"], file=sys.stderr)
        ok &= r["exit"] == 0 and r["seconds"] <= RUN_LIMIT_S and r["peak_rss_mb"] <= RSS_LIMIT_MB
    store = EmbeddedStore(store_dir)
    results["triples"] = {g: store.count(graph_name(g)) for g in ("ontology", "asserted", "inferred")}
    store.close()
    del store
    for fmt in ("html", "json"):
        r = timed([*cli, "report", "--store", str(store_dir), "--format", fmt, "-o", str(work / f"report.{fmt}")])
        r.pop("stdout")
        results[f"report_{fmt}"] = r
        ok &= r["exit"] == 0 and r["seconds"] <= REPORT_LIMIT_S
    if "run" in results:
        results["run"].pop("stdout")  # type: ignore[union-attr]
    results["limits"] = {"report_s": REPORT_LIMIT_S, "run_s": RUN_LIMIT_S, "run_peak_rss_mb": RSS_LIMIT_MB}
    results["within_limits"] = ok
    results["work"] = str(work)
    print(json.dumps(results, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
