"""The sync job's process memory: glibc's mmap threshold, kept where glibc starts it.

glibc serves a large allocation (128 KiB and up, at first) with its own mapping and gives it
back to the system when freed; but each such free raises the threshold to that block's size,
so later blocks of that size come from the heap, where a long run's transient buffers (an
``orderNumbers`` answer, a batch of rows on their way to the database) fragment it. Measured
on a first sync into PostgreSQL with the Python heap flat (tracemalloc): peak RSS growth 11.6
MB at 10,000 orders, 13.7 MB at 40,000; with the threshold fixed, 11.5 and 11.5 MB.

Only ``zonos-async sync`` (a process of its own) calls this: an application that runs
:func:`~zonos_async.sync` in its own process keeps its allocator as it configured it, and can
get the same with ``MALLOC_MMAP_THRESHOLD_=131072`` in its environment.
"""

from __future__ import annotations

import ctypes
import os
import sys
from typing import Final

__all__ = ["fix_mmap_threshold"]

_M_MMAP_THRESHOLD: Final = -3  # <malloc.h>
_THRESHOLD: Final = 128 * 1024  # glibc's own starting value


def fix_mmap_threshold() -> bool:
    """Fix glibc's mmap threshold at 128 KiB for this process; ``False`` where not done.

    Not done off glibc, nor when ``MALLOC_MMAP_THRESHOLD_`` is set (the user's own choice).
    """
    if not sys.platform.startswith("linux") or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018  # glibc, not musl: mallopt means the same
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, _THRESHOLD))
