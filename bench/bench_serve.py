"""Bench: a bounded load test of `loopsource serve` on 127.0.0.1 (loopback only).

    PYTHONPATH=src python bench/bench_serve.py [--suppliers 2000] [--clients 50] [--queries 20] [--timeout 20] [--slow 5]

Data: loopsource.devdata.generate.generate(dir, suppliers, seed=1), built and reasoned into an
embedded store, served read-only with `loopsource serve --timeout T`. Then, at once:

* ``--clients`` threads, each sending ``--queries`` catalogue queries (the catalogue in turn,
  parameters at their defaults, bound as the remote store binds them) and timing each;
* ``--slow`` slow queries (a four-way cartesian product under COUNT) that must come back 503
  within T + the guard's grace, after which the server hands over to a fresh query engine;
* as many abandoned queries: the client sends a slow query and closes the socket at once.

Meanwhile the RSS of the serve process and of its Oxigraph child is sampled every 0.2 s.
Bounded in count (clients x queries + 2 x slow) and in time (each request has a 120 s client
timeout; the whole run is killed after --limit seconds). Prints a Markdown table for
bench/README.md: latencies (p50/p95/max), the answers by status, the peak RSS, and whether the
server answered a plain query after the storm.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from loopsource.devdata.generate import generate  # noqa: E402
from loopsource.load.build import build  # noqa: E402
from loopsource.query import bind, catalogue  # noqa: E402
from loopsource.rdf.sparql import substitute  # noqa: E402
from loopsource.rdf.vocab import PREFIXES  # noqa: E402
from loopsource.reason import reason  # noqa: E402
from loopsource.store import EmbeddedStore  # noqa: E402

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def post(url: str, query: str, timeout: float = 120) -> tuple[int, float]:
    prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
    body = urllib.parse.urlencode({"query": prefixes + query}).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                          "Accept": "application/sparql-results+json"})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read()
            return resp.status, time.perf_counter() - t0
    except urllib.error.HTTPError as e:
        e.read()
        return e.code, time.perf_counter() - t0
    except OSError:
        return 0, time.perf_counter() - t0


def abandon(port: int, query: str) -> None:
    body = urllib.parse.urlencode({"query": query}).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"POST /query HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                  b"Content-Length: %d\r\n\r\n" % (port, len(body)) + body)


def queries() -> list[str]:
    out = []
    for q in catalogue().values():
        if q.form != "SELECT":
            continue
        subs = bind(q, [])
        out.append(substitute(q.text, subs) if subs else q.text)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--suppliers", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--queries", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--slow", type=int, default=5, help="slow queries, and as many abandoned ones")
    ap.add_argument("--limit", type=float, default=900.0, help="seconds before the whole run is stopped")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    generate(work / "data", args.suppliers, 1)
    build(work / "data", work / "store")
    gs = EmbeddedStore(work / "store")
    reason(gs, "rules")
    n_triples = sum(gs.count(g) for g in ("https://w3id.org/loopsource/graph/asserted",
                                          "https://w3id.org/loopsource/graph/inferred"))
    gs.close()
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "loopsource", "serve", "--store", str(work / "store"), "--bind",
                             f"127.0.0.1:{port}", "--timeout", str(args.timeout)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ))
    url = f"http://127.0.0.1:{port}/query"
    proc.stdout.readline()  # type: ignore[union-attr]  # the endpoint line: the server is up
    peak = {"serve": 0.0, "oxigraph": 0.0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak["serve"] = max(peak["serve"], rss_mb(proc.pid))
            peak["oxigraph"] = max([peak["oxigraph"], *(rss_mb(c) for c in children(proc.pid))])
            time.sleep(0.2)

    threading.Thread(target=sample, daemon=True).start()
    qs = queries()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    slow: list[tuple[int, float]] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        for j in range(args.queries):
            status, t = post(url, qs[(i + j) % len(qs)])
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 200:
                    latencies.append(t)

    def slow_client() -> None:
        res = post(url, SLOW)
        with lock:
            slow.append(res)

    watchdog = threading.Timer(args.limit, proc.kill)
    watchdog.start()
    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    threads += [threading.Thread(target=slow_client) for _ in range(args.slow)]
    for t in threads:
        t.start()
    for _ in range(args.slow):
        abandon(port, SLOW)
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    after = post(url, qs[0])
    stop.set()
    watchdog.cancel()
    proc.terminate()
    proc.wait(timeout=30)
    lat = sorted(latencies)
    p = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000) if lat else (lambda q: float("nan"))
    print(json.dumps({"statuses": statuses, "slow": slow, "after": after}, default=str), file=sys.stderr)
    print("| data | clients x queries | wall | answered 200 | p50 | p95 | max | slow queries (503, time) "
          "| abandoned | serve RSS peak | oxigraph RSS peak | answers after |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    slow_txt = ", ".join(f"{s} in {t:.1f} s" for s, t in sorted(slow))
    print(f"| {args.suppliers:,} suppliers, {n_triples:,} triples | {args.clients} x {args.queries} | {wall:.1f} s "
          f"| {statuses.get(200, 0)} / {args.clients * args.queries} | {p(0.5):.0f} ms | {p(0.95):.0f} ms "
          f"| {max(lat) * 1000 if lat else float('nan'):.0f} ms | {slow_txt or 'none'} | {args.slow} | {peak['serve']:.0f} MB "
          f"| {peak['oxigraph']:.0f} MB | {'yes' if after[0] == 200 else 'no'} ({after[1] * 1000:.0f} ms) |")
    print(f"mean latency {statistics.mean(lat) * 1000:.0f} ms" if lat else "no latencies", file=sys.stderr)


if __name__ == "__main__":
    main()
