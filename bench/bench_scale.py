"""`loopsource run` at scale: wall time and peak RSS of whole runs, version A beside version B.

    python bench/bench_scale.py --exe A=.venv/bin/loopsource --exe B=/tmp/base/.venv/bin/loopsource \
        --data /tmp/d172000 --work /tmp/scale-work --results bench-scale.jsonl [--endpoint URL]

Data comes from ``loopsource generate DIR --suppliers N`` (made beforehand: at 50 M triples it
takes minutes). Each version's ``run`` is one child process; wall time from the parent's
clock, peak RSS from the kernel's accounting of the finished child (``os.wait4``), the load
average of the machine before and after (other people's work on a shared VM shows there).
With ``--endpoint`` the four stages run as commands against a SPARQL server (``build``,
``reason``, ``validate``, ``report`` with ``--endpoint``/``--update-endpoint``) and the peak
RSS is the largest of the four (loopsource's own memory; the server's is not counted).
Each result is appended to ``--results`` as one JSON line; ``--table`` prints them as Markdown.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path


CPU: dict[str, float] = {}  # label -> CPU seconds (user + system) of the children measured so far


def _timed(cmd: list[str], log: Path) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit code) of one child process; its output goes to ``log``.
    Its CPU time (user + system, from the same ``wait4``) is added to ``CPU["last"]``: on a shared
    VM the wall time says how busy the machine was as much as how much work the run did."""
    t0 = time.perf_counter()
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    CPU["last"] = CPU.get("last", 0.0) + usage.ru_utime + usage.ru_stime
    return time.perf_counter() - t0, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def _stage_seconds(log: Path) -> dict[str, float]:
    """The stage times ``run`` prints (``build ... (14.1s)``)."""
    out = {}
    for line in log.read_text(errors="replace").splitlines():
        m = re.match(r"\s+(build|reason|validate|report)\s.*\(([\d.]+)s", line)
        if m:
            out[m.group(1)] = float(m.group(2))
    return out


def _asserted(log: Path) -> int | None:
    m = re.search(r"([\d,]+) triples \(", log.read_text(errors="replace"))
    return int(m.group(1).replace(",", "")) if m else None


def measure(label: str, exe: str, data: Path, work: Path, endpoint: str | None, timeout: float | None = None) -> dict:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log = work / "log.txt"
    load_before = os.getloadavg()
    CPU["last"] = 0.0
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    if endpoint is None:
        secs, rss, code = _timed([exe, "run", str(data), "--out", str(work / "out")], log)
        stages = _stage_seconds(log)
        peaks = {"run": rss}
    else:
        ep = ["--endpoint", endpoint + "/query", "--update-endpoint", endpoint + "/update"]
        ep += ["--timeout", str(timeout)] if timeout else []
        steps = {"build": [exe, "build", str(data), *ep], "reason": [exe, "reason", *ep],
                 "validate": [exe, "validate", *ep, "--format", "json", "-o", str(work / "validation.json")],
                 "report": [exe, "report", *ep, "--format", "json", "-o", str(work / "metrics.json")]}
        secs, stages, peaks, code = 0.0, {}, {}, 0
        for name, cmd in steps.items():
            s, r, c = _timed(cmd, log)
            secs += s
            stages[name], peaks[name] = s, r
            code = c if c not in (0, 1) else code
        rss = max(peaks.values())
    return {"label": label, "exe": exe, "data": str(data), "endpoint": endpoint, "started_utc": started,
            "seconds": round(secs, 1), "cpu_seconds": round(CPU["last"], 1), "peak_rss_mb": round(rss), "stage_seconds": stages,
            "stage_peak_rss_mb": {k: round(v) for k, v in peaks.items()}, "exit": code,
            "asserted": _asserted(log), "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in os.getloadavg()]}


def table(results: Path) -> str:
    rows = [json.loads(x) for x in results.read_text().splitlines() if x.strip()]
    out = ["| started (UTC) | version | data | asserted | where | wall | CPU (user+sys) | peak RSS | stages (s) "
           "| load before / after |", "|---|---|---|---:|---|---:|---:|---:|---|---|"]
    for r in rows:
        st = " / ".join(f"{k} {v:.0f}" for k, v in r["stage_seconds"].items())
        out.append(f"| {r['started_utc']} | {r['label']} | {Path(r['data']).name} | {r['asserted'] or '—'} | "
                   f"{'remote' if r['endpoint'] else 'embedded'} | {r['seconds']:.0f} s | {r.get('cpu_seconds', 0):.0f} s | "
                   f"{r['peak_rss_mb']:,} MB | "
                   f"{st} | {r['load_before'][0]} / {r['load_after'][0]} |")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--exe", action="append", default=[], metavar="LABEL=PATH",
                    help="a loopsource executable to measure (repeat: they run in the order given)")
    ap.add_argument("--data", type=Path, help="a folder made by 'loopsource generate'")
    ap.add_argument("--work", type=Path, default=Path("/tmp/ls-bench-scale"))
    ap.add_argument("--endpoint", help="base URL of an empty 'oxigraph serve' (…/query and …/update)")
    ap.add_argument("--timeout", type=float, help="--timeout of each remote command (seconds a request may take)")
    ap.add_argument("--results", type=Path, default=Path("bench-scale.jsonl"))
    ap.add_argument("--table", action="store_true", help="print the results file as Markdown and stop")
    args = ap.parse_args()
    if args.table:
        print(table(args.results))
        return 0
    for spec in args.exe:
        label, exe = spec.split("=", 1)
        r = measure(label, exe, args.data, args.work / label, args.endpoint, args.timeout)
        with args.results.open("a") as f:
            f.write(json.dumps(r) + "\n")
        print(json.dumps(r), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
