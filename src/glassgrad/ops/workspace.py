"""Reused memory for big arrays: scratch buffers (the convolution kernels' im2col column
blocks, ``scratch``) and a pool for the arrays that ops keep for backward or return
(``pooled``, ``pooled_like``).

NOTE: why. A training step that allocates and frees megabytes lets glibc hand the memory back
to the OS at the end of the step and page-fault it in again in the next: on this project's
machines 2,000-3,200 faults and 5-8 ms of system time in a 13-40 ms LeNet or LSTM step
(bench/RESULTS.md §14). ``mallopt`` would fix it process-wide, which a library must not do.
Keeping only SOME big arrays made it worse once (glibc's dynamic mmap/trim thresholds grow only
when a large block is freed, so the remaining ones faulted more): pool all the big arrays of a
workload's hot ops, not a few. Whether a step trims depends on the heap's layout: check with
``bench/heap_lines.py`` (the lines that grow and trim the heap, in several layouts), as
``bench/profile_ops.py``'s wrappers can move the layout enough to hide it (bench/RESULTS.md §17).

Rules for ``scratch`` callers: a scratch array is valid only until the next ``scratch`` call
with the same ``purpose`` (in the same thread). Never return it as an op output or save it for
backward; copy out of it instead. Every caller overwrites it whole before reading it.
``pooled`` arrays have ``empty``'s contract and may be returned and saved: see ``pooled``.
"""

from __future__ import annotations

import sys
import threading

import numpy as np

from ..backend import get_array_module

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


# NOTE: unlike ``scratch`` arrays, pooled ones outlive the call (saved for backward, or the
# op's output), so a buffer is handed out again only when the pool holds the ONLY reference
# to it: every view, Tensor or saved attribute that still uses it keeps it out of reuse (views
# reference their base). An LSTM step (bench W4) reuses ~30 MB this way.
_POOL_MIN_BYTES = 256 << 10  # smaller arrays come from NumPy's and glibc's own caches
POOL_MIN_ITEMS = _POOL_MIN_BYTES // 8  # callers' cheap size test (float64 at the bound)
_POOL_PER_SIZE = 8  # buffers kept per (dtype, size): enough for the arrays of a few live steps
_POOL_MAX_BYTES = 256 << 20  # all kept buffers together, per thread


def pooled(xp, shape, dtype):
    """An uninitialised array of ``shape``/``dtype`` for an op's output or saved state, taken
    from a per-thread pool of big NumPy buffers that nothing else references any more.

    Same contract as ``xp.empty``: the caller owns the array and overwrites it before reading.
    Small arrays, CuPy arrays (CuPy has its own pool) and pools that are full get a fresh
    ``xp.empty``.
    """
    dtype = np.dtype(dtype)
    size = 1
    for d in shape:
        size *= d
    nbytes = size * dtype.itemsize
    if xp is not np or not _POOL_MIN_BYTES <= nbytes <= _MAX_BYTES:
        return xp.empty(shape, dtype=dtype)
    pool = getattr(_local, "saved", None)
    if pool is None:
        pool = _local.saved = {}
        _local.saved_bytes = 0
    bufs = pool.setdefault((dtype, size), [])
    for i in range(len(bufs)):
        # NOTE: 2 = the list's reference + getrefcount's argument; anything more is a user
        if sys.getrefcount(bufs[i]) == 2:
            return bufs[i].reshape(shape)
    if _local.saved_bytes + nbytes > _POOL_MAX_BYTES:
        release_pool()  # sizes seen once (another sequence length, a last batch) make room
    if len(bufs) >= _POOL_PER_SIZE or _local.saved_bytes + nbytes > _POOL_MAX_BYTES:
        return xp.empty(shape, dtype=dtype)
    buf = np.empty(size, dtype=dtype)
    bufs.append(buf)
    _local.saved_bytes += nbytes
    return buf.reshape(shape)


def pooled_like(x, shape=None, dtype=None):
    """``pooled`` for an array shaped like ``x`` (or ``shape``), of ``x``'s dtype (or ``dtype``),
    laid out in memory like ``x`` (``empty_like``'s order "K"): a batch-innermost feature map
    gives a batch-innermost result, so elementwise passes over both walk memory in step."""
    shape = x.shape if shape is None else tuple(shape)
    if x.size * x.itemsize < _POOL_MIN_BYTES and shape == x.shape:  # the common small case
        return get_array_module(x).empty_like(x, dtype=dtype)
    order = sorted(range(x.ndim), key=lambda d: -x.strides[d])  # outermost axis first
    out = pooled(get_array_module(x), tuple(shape[d] for d in order),
                 x.dtype if dtype is None else dtype)
    return out.transpose(sorted(range(x.ndim), key=order.__getitem__))


def release_pool() -> int:
    """Drop this thread's pooled buffers that nothing uses (``torch.cuda.empty_cache``'s
    role); returns the bytes released. Buffers still in use stay until they are free."""
    pool = getattr(_local, "saved", None)
    if not pool:
        return 0
    freed = 0
    for bufs in pool.values():
        keep = [b for b in bufs if sys.getrefcount(b) > 3]  # list + b + argument
        freed += sum(b.nbytes for b in bufs) - sum(b.nbytes for b in keep)
        bufs[:] = keep  # NOTE: in place: ``pooled`` may hold this very list
    _local.saved_bytes -= freed
    return freed
