"""Give memory back to the operating system between the stages of one process.

``run`` builds, reasons, validates and reports in one process. What a stage let go of is
free to Python, but much of it stays mapped: pyoxigraph's and Python's larger blocks come
from glibc's malloc, which keeps freed memory for later unless asked to return it. The next
stage then starts from the previous stage's peak instead of from what is still alive, and
the stages' peaks add up. Measured on the stages of ``run`` at 10 M asserted triples, one process
each way (bench/README.md, "Issue #12, fourth round"): the RSS after the reasoning was
1,375 MB without this and 546 MB with it, and the snapshot's peak 4,698 MB and 3,959 MB.

A foundation module: no imports from the package.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache


@cache
def _malloc_trim():  # type: ignore[no-untyped-def]
    """glibc's ``malloc_trim``, or None where there is none (musl, macOS, Windows)."""
    name = ctypes.util.find_library("c")
    try:
        trim = getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:
        return None
    if trim is not None:
        trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def release_memory() -> bool:
    """Collect unreachable cycles, then hand free heap pages back to the system. True when the
    C library could be asked to (glibc); elsewhere only the collection is done."""
    gc.collect()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


__all__ = ["release_memory"]
