"""Run one measurement in a fresh Python process: wall time and that process's peak RSS.

Each measured step gets its own process so that peak RSS belongs to that step alone, and so
that the loopsource and naive-baseline measurements of one run cannot share caches.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_WRAPPER = """
import json, resource, sys, time
t0 = time.perf_counter()
result = {}
exec(compile(CODE, "<bench>", "exec"))
result["seconds"] = result.get("seconds", time.perf_counter() - t0)
result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("BENCH-RESULT " + json.dumps(result))
"""


@dataclass(frozen=True)
class Measured:
    seconds: float | None
    peak_rss_mb: float | None
    extra: dict
    error: str | None = None


def run(code: str, timeout: float) -> Measured:
    """Run ``code`` (which may fill the dict ``result``) in a child; None values on timeout."""
    src = "CODE = " + repr(textwrap.dedent(code)) + "\n" + _WRAPPER
    env = dict(os.environ, PYTHONPATH=str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    try:
        p = subprocess.run([sys.executable, "-c", src], capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return Measured(None, None, {}, f"timed out after {timeout:.0f} s")
    for line in p.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            data = json.loads(line[len("BENCH-RESULT "):])
            return Measured(data.pop("seconds"), data.pop("peak_rss_mb"), data)
    return Measured(None, None, {}, (p.stderr or p.stdout).strip().splitlines()[-1:] and
                    (p.stderr or p.stdout).strip().splitlines()[-1] or f"exit {p.returncode}")


def fmt_s(x: float | None) -> str:
    return "—" if x is None else (f"{x:.2f} s" if x < 100 else f"{x:.0f} s")


def fmt_mb(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f} MB"
