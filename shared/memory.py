"""Memory handed back to the OS after large, short-lived work (a check's findings text, a report).

Python frees a check's findings text once it is stored, but glibc keeps freed pages in its arenas (one per thread
that allocated, and activities run on pool threads), so a process's RSS stays at the high-water mark of every check
and every job before it. `malloc_trim(0)` returns the free pages of every arena.
"""
from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim  # glibc only: Linux, as Azure Functions' Python workers
        return trim
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


def release_free_memory() -> None:
    """Give the C heap's free pages back to the OS (a no-op where the C library has no `malloc_trim`). Costs about
    a millisecond, so it is called after work that allocated megabytes, not after every small step."""
    if _TRIM is not None:
        _TRIM(0)
