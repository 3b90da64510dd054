"""Reused scratch buffers for the convolution kernels' im2col column blocks.

NOTE: why a pool. A LeNet step allocated and freed a fresh ~1 MB column buffer per
``column_blocks`` call (3 per step). glibc could hand that memory back to the OS and the next
step page-faulted it in again: ~1700 faults per step and 2× slower steps in 4 of 10 processes
once PyTorch had run in the same process (the old bench/lenet.py, 2 threads); with the buffer kept,
0 of 18 (0.35 faults per step). ``mallopt`` would fix it process-wide, which a library must
not do. Do not pool bigger temporaries blindly: keeping layer 2's 3.8 MB input-gradient
columns too made it worse (~800 faults per step in glassgrad, ~750 in PyTorch, every process),
because glibc's dynamic mmap/trim thresholds grow only when a large block is freed.

Rules for callers: a scratch array is valid only until the next ``scratch`` call with the
same ``purpose`` (in the same thread). Never return it as an op output or save it for
backward; copy out of it instead. Every caller overwrites it whole before reading it.
"""

from __future__ import annotations

import threading

import numpy as np

# NOTE: bigger temporaries are not kept (a one-off huge convolution must not pin its memory);
# the pool holds at most one buffer per (array module, dtype, purpose), so a handful in all.
_MAX_BYTES = 32 << 20

_local = threading.local()  # one pool per thread: two threads never share a buffer


def scratch(xp, shape, dtype, purpose: str):
    """An uninitialised array of ``shape``/``dtype`` backed by a buffer reused across calls.

    The buffer is kept per (``xp``, dtype, ``purpose``) and grown when a larger one is asked
    for; requests over ``_MAX_BYTES`` get a fresh array that is not kept.
    """
    dtype = np.dtype(dtype)
    size = 1
    for d in shape:
        size *= d
    if size * dtype.itemsize > _MAX_BYTES:
        return xp.empty(shape, dtype=dtype)
    pool = getattr(_local, "pool", None)
    if pool is None:
        pool = _local.pool = {}
    key = (xp.__name__, dtype, purpose)
    buf = pool.get(key)
    if buf is None or buf.size < size:
        buf = pool[key] = xp.empty(size, dtype=dtype)
    return buf[:size].reshape(shape)
