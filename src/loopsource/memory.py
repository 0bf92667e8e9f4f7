"""Give memory back to the operating system: between the stages of one process, and for large
blocks as soon as they are freed (:func:`bound_large_blocks`).

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
def _libc_function(name: str):  # type: ignore[no-untyped-def]
    """A glibc function (``malloc_trim``, ``mallopt``), or None where there is none (musl,
    macOS, Windows)."""
    lib = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(lib), name, None) if lib else None
    except OSError:
        return None


def _malloc_trim():  # type: ignore[no-untyped-def]
    trim = _libc_function("malloc_trim")
    if trim is not None:
        trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter (malloc.h)
#: Blocks of this size and more are mapped on their own and unmapped when freed.
MMAP_THRESHOLD = 1 << 20


def bound_large_blocks() -> bool:
    """Have glibc map every block of ``MMAP_THRESHOLD`` bytes or more on its own, so that it is
    returned to the system when freed. True when the C library could be asked to (glibc).

    Why: by default glibc raises its mmap threshold (up to 32 MB) each time such a block is
    freed, and from then on serves blocks of that size from the heap, which keeps growing. The
    stages pass chunks of a few MB (the build's N-Triples, an endpoint's answers): measured on
    the 1 M data against ``oxigraph serve``, the peak RSS of ``build --endpoint`` was 342 MB
    by default and 243 MB with this, ``report`` 187 and 174 MB, ``validate`` 172 and 166 MB.
    Setting the threshold also turns glibc's raising of it off (mallopt(3)). The command line
    sets it for commands against an endpoint only: on the embedded store it cost time
    (``run`` at 1 M: 41.3 s without, 42.7-43.7 s with)."""
    mallopt = _libc_function("mallopt")
    if mallopt is None:
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))


def release_memory() -> bool:
    """Collect unreachable cycles, then hand free heap pages back to the system. True when the
    C library could be asked to (glibc); elsewhere only the collection is done."""
    gc.collect()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


__all__ = ["bound_large_blocks", "release_memory"]
