"""Where each max-pooling output came from: PyTorch's ``return_indices`` (one flat index
h·W + w into its own channel's H×W map, int64), and the windows of adaptive pooling.

These are index computations on raw arrays, not ops: indices carry no gradient. The values of
adaptive max pooling are then a gather at these indices (``GetItem``, whose backward
scatter-adds), so no op of its own is needed.
"""

from __future__ import annotations

from ..backend import get_array_module
from .pool import _geometry, _lowest, _offsets, _pad


def adaptive_bounds(size: int, out: int) -> list:
    """PyTorch's adaptive windows: output i covers [⌊i·size/out⌋, ⌈(i+1)·size/out⌉)."""
    return [((i * size) // out, -((-(i + 1) * size) // out)) for i in range(out)]


def max_pool2d_indices(x, out, kernel, stride, padding, dilation, ceil_mode=False):
    """Flat index (h·W + w in the unpadded input) of each window's first maximum, in PyTorch's
    row-major scan; ``out`` is the pooled output of ``x``. Shapes: x (N, C, H, W) -> int64
    (N, C, OH, OW). Padding cells never win; a window of all −∞ points at its first real cell,
    and a window holding NaN at its last NaN."""
    xp = get_array_module(x)
    h, w = x.shape[2:]
    out_hw, extra = _geometry(x, kernel, stride, padding, dilation, "max_pool2d", ceil_mode)
    xpad = _pad(x, padding, _lowest(xp, x.dtype), extra)
    index = xp.full(out.shape, -1, dtype=xp.int64)
    for k, where in _offsets(kernel, stride, dilation, out_hw):
        i, j = divmod(k, kernel[1])
        rows = xp.arange(out_hw[0]) * stride[0] + i * dilation[0] - padding[0]
        cols = xp.arange(out_hw[1]) * stride[1] + j * dilation[1] - padding[1]
        real = ((rows >= 0) & (rows < h))[:, None] & ((cols >= 0) & (cols < w))[None, :]
        cand = xpad[where]
        # NOTE: as PyTorch's scan (take a value if greater, or if NaN): the first maximum, but
        # the LAST NaN of a window holding NaN (cand != cand only for NaN).
        hit = (((cand == out) & (index < 0)) | (cand != cand)) & real
        index = xp.where(hit, rows[:, None] * w + cols[None, :], index)
    return index


def adaptive_max_indices(x, output_size):
    """Flat index (h·W + w) of the first maximum of each adaptive window (PyTorch's rule and
    row-major scan). Shapes: x (N, C, H, W) -> int64 (N, C, OH, OW)."""
    xp = get_array_module(x)
    n, c, h, w = x.shape
    axes = []
    for size, o in zip((h, w), output_size):
        bounds = adaptive_bounds(size, o)
        span = max(hi - lo for lo, hi in bounds)
        # NOTE: windows differ in length; shorter ones repeat their last cell to the common
        # span. A repeat comes after its original in the scan, so the first maximum is kept.
        axes.append(xp.asarray([[min(lo + k, hi - 1) for k in range(span)]
                                for lo, hi in bounds], dtype=xp.int64))
    rows, cols = axes[0][:, :, None, None], axes[1][None, None, :, :]  # (OH, KH, OW, KW)
    windows = x[:, :, rows, cols]  # (N, C, OH, KH, OW, KW)
    flat = rows * w + cols
    oh, kh, ow, kw = flat.shape
    windows = windows.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, oh, ow, kh * kw)
    flat = flat.transpose(0, 2, 1, 3).reshape(oh, ow, kh * kw)
    best = windows.argmax(axis=-1)  # the first maximum, as PyTorch's scan
    nan = windows != windows
    if nan.any():  # PyTorch's scan keeps the LAST NaN of a window
        last = kh * kw - 1 - nan[..., ::-1].argmax(axis=-1)
        best = xp.where(nan.any(axis=-1), last, best)
    return flat[xp.arange(oh)[:, None], xp.arange(ow)[None, :], best]
