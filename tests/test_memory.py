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
