"""release_memory gives freed heap pages back to the system (what ``run`` calls between stages)."""
from __future__ import annotations

import sys

import pytest

from loopsource.memory import release_memory


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and glibc: Linux only")
def test_freed_heap_goes_back_to_the_system() -> None:
    # 200 MB of malloc'd blocks (above pymalloc's 512-byte limit), then all but the last freed:
    # the last one pins the top of the heap, so free() alone cannot shrink it.
    blocks = [bytearray(2048) for _ in range(100_000)]
    keep = blocks[-1]
    del blocks
    held = _rss_mb()
    assert release_memory() is True  # glibc: the CI machine's C library
    assert held - _rss_mb() > 100
    assert len(keep) == 2048


_LARGE_BLOCKS = """
import sys
from loopsource.memory import bound_large_blocks
if sys.argv[1] == "bound":
    assert bound_large_blocks() is True
def rss():
    return [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:")][0] / 1024
first = bytearray(16 << 20)
del first  # glibc (default): its mmap threshold rises to 16 MB here
pins = []
held = []
for _ in range(4):
    held.append(bytearray(8 << 20))  # default: from the heap now
    pins.append(bytearray(4096))  # on top of it, so the heap cannot shrink below it
before = rss()
del held
print(before - rss())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and glibc: Linux only")
def test_freed_large_blocks_go_back_to_the_system_when_bounded() -> None:
    """With bound_large_blocks (what the command line sets with --endpoint), 32 MB of freed 8 MB blocks are
    returned at once; with glibc's defaults they stay in the heap."""
    import subprocess

    def returned(mode: str) -> float:
        out = subprocess.run([sys.executable, "-c", _LARGE_BLOCKS, mode], capture_output=True, text=True, check=True)
        return float(out.stdout)

    assert returned("bound") > 30
    assert returned("default") < 10


def test_the_command_line_bounds_large_blocks_only_against_an_endpoint(monkeypatch, tmp_path) -> None:
    """With --endpoint the command sets the threshold before it runs; on the embedded store it
    does not (the blocks mapped anew cost time there: bench/README.md, fifth round)."""
    from click.testing import CliRunner

    import loopsource.cli as cli

    calls: list[int] = []
    monkeypatch.setattr(cli, "bound_large_blocks", lambda: calls.append(1) or True)
    r = CliRunner().invoke(cli.main, ["query", "single-source-materials", "--endpoint", "http://127.0.0.1:9/query"])
    assert r.exit_code == 2 and "connection refused" in r.stderr  # it ran, against no server
    assert calls == [1]
    r = CliRunner().invoke(cli.main, ["report", "--store", str(tmp_path / "none"), "--format", "json"])
    assert r.exit_code == 2 and calls == [1]
