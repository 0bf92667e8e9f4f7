"""Whole-stage timings of two loopsource versions side by side: build, reason, validate,
report and run, each as the user runs it (the `loopsource` command), interleaved A B A B ...
so that both see the same machine state.

    python bench/bench_stages.py --a .venv/bin/loopsource --b /tmp/old/bin/loopsource \
        --suppliers 18000 --rounds 3

Each step is a child process; wall time comes from the parent's clock and peak RSS from the
kernel's accounting of the finished child (``os.wait4``), so it is the step's own memory.
Both versions read the same generated data folder (made once, by version A's ``generate``)
and each works in its own store folder. Prints a Markdown table: per step the median wall
time and peak RSS of each version and the median of the per-round ratios A/B.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STEPS = ("build", "reason", "validate", "report", "run")


def _timed(cmd: list[str], cwd: Path) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit code) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - t0, usage.ru_maxrss / 1024, proc.returncode


def _commands(exe: str, data: Path, work: Path) -> dict[str, list[str]]:
    store = str(work / "store")
    return {
        "build": [exe, "build", str(data), "--store", store],
        "reason": [exe, "reason", "--store", store],
        # validate exits 1 on findings: that is its normal answer on generated data
        "validate": [exe, "validate", "--store", store, "--format", "json", "-o", str(work / "v.json")],
        "report": [exe, "report", "--store", store, "-o", str(work / "r.html")],
        "run": [exe, "run", str(data), "--out", str(work / "out")],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", required=True, help="loopsource executable of version A (this checkout)")
    ap.add_argument("--b", required=True, help="loopsource executable of version B (the previous commit)")
    ap.add_argument("--suppliers", type=int, default=18000, help="generated data size (18,000: about 1M triples)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--work", type=Path, default=None, help="work folder [default: a temporary one]")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="ls-stages-"))
    data = work / "data"
    if not data.exists():
        subprocess.run([args.a, "generate", str(data), "--suppliers", str(args.suppliers), "--seed", "1"],
                       check=True, stdout=subprocess.DEVNULL)
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    ok = {"a": (0, 1), "b": (0, 1)}
    for r in range(args.rounds):
        for tag, exe in (("a", args.a), ("b", args.b)) if r % 2 == 0 else (("b", args.b), ("a", args.a)):
            w = work / tag
            shutil.rmtree(w, ignore_errors=True)
            w.mkdir()
            for step, cmd in _commands(exe, data, w).items():
                secs, rss, code = _timed(cmd, w)
                if code not in ok[tag]:
                    print(f"{tag} {step}: exit {code}: {' '.join(cmd)}", file=sys.stderr)
                    return 2
                results.setdefault((tag, step), []).append((secs, rss))
                print(f"round {r + 1} {tag} {step}: {secs:.2f} s, {rss:.0f} MB", file=sys.stderr)
    print("| step | A median s | A peak RSS MB | B median s | B peak RSS MB | A/B (median of per-round ratios) |")
    print("|---|---|---|---|---|---|")
    for step in STEPS:
        a, b = results[("a", step)], results[("b", step)]
        ratios = [x[0] / y[0] for x, y in zip(a, b)]
        print(f"| {step} | {statistics.median(x[0] for x in a):.2f} | {max(x[1] for x in a):.0f} | "
              f"{statistics.median(y[0] for y in b):.2f} | {max(y[1] for y in b):.0f} | "
              f"{statistics.median(ratios):.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
