"""Memory reuse for the hand-written NumPy floors: what a careful program gets from its own buffers.

A training step that allocates and frees tens of MB (LeNet's feature maps, an LSTM's gates of
every step) lets glibc hand the memory back to the OS at the end of the step and page-fault it
in again in the next: 2,000-3,000 faults and 5-8 ms of system time per W3/W4 step here
(bench/RESULTS.md §14). A careful hand-written program keeps its buffers; rather than thread
``out=`` buffers through every line of the floors, their processes tell glibc to keep freed
memory (``mallopt``), which has the same effect: 0 faults per step. glassgrad gets the same
from its own pool of big arrays (``glassgrad/ops/workspace.py``), never from ``mallopt``,
which would change the allocator of the user's whole process.
"""

from __future__ import annotations

import ctypes
import ctypes.util

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h


def keep_freed_memory() -> bool:
    """Make glibc keep freed memory for reuse (no trimming, no per-array mmap); False where
    the C library is not glibc (then nothing changes)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, 1 << 30)
                    and libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30))
    except (OSError, AttributeError, TypeError):
        return False
