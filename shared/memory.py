"""Memory handed back to the OS after large, short-lived work (a check's findings text, a report).

Python frees a check's findings text once it is stored, but glibc keeps freed pages in its arenas (one per thread
that allocated, and activities run on pool threads), so a process's RSS stays at the high-water mark of every check
and every job before it. Two glibc knobs (no-ops elsewhere):

- `malloc_trim(0)` returns the free pages of every arena (`release_free_memory`, after large work);
- the mmap threshold is fixed at 128 KB (`return_large_blocks_to_the_os`, once per process). glibc starts there but
  RAISES it to the size of any mmapped block that is freed (up to 32 MB): after the first 27 MB findings text was
  freed, every later block below 27 MB came from the arenas, where it fragments them and stays after `free`. Fixed,
  blocks of 128 KB and more (findings chunks, a check's text, a report's pieces) are mapped and unmapped on their own.
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
_M_MMAP_THRESHOLD = -3  # glibc <malloc.h>
MMAP_THRESHOLD = 128 * 1024


def return_large_blocks_to_the_os() -> bool:
    """Fix glibc's mmap threshold (see the module docstring); True where it was set."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    except (OSError, AttributeError):
        return False


def release_free_memory() -> None:
    """Give the C heap's free pages back to the OS (a no-op where the C library has no `malloc_trim`). Costs about
    a millisecond, so it is called after work that allocated megabytes, not after every small step."""
    if _TRIM is not None:
        _TRIM(0)
