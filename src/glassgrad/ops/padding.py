"""Padding with PyTorch's ``F.pad`` modes: the argument check for all four, and the op of the
three that copy input values into the border: "reflect", "replicate" and "circular".

Along each padded dim, output position j reads input position ``index[j]`` (n = input size,
lo/hi = the widths before/after, i = j − lo):

    reflect    i mirrored at the edges, edge not repeated   pad (2, 2) of abcd: cb|abcd|cb
    replicate  i clipped to [0, n − 1]                       pad (2, 2) of abcd: aa|abcd|dd
    circular   i wrapped around (mod n)                      pad (2, 2) of abcd: cd|abcd|ab

so forward is a gather (``take``) per padded dim and backward adds each output gradient back
into the input position it was read from. Negative widths crop, as in PyTorch; circular crops
first and then wraps the cropped tensor (PyTorch's order), constant mode crops then pads.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..autograd import Function
from ..backend import get_array_module, scatter_add
from ..errors import ShapeError

MODES = ("constant", "reflect", "replicate", "circular")


def check_pad(shape: tuple, pad, mode: str, value, op: str = "pad") -> list:
    """PyTorch's rules for ``F.pad(x, pad, mode, value)`` -> [(axis, lo, hi), ...].

    ``pad`` lists (before, after) pairs from the LAST dim backwards. Constant mode pads any of
    the last ≤ ndim dims; the other modes pad the last 1, 2 or 3 dims of an input with one or
    two dims more (the batch dim is optional), as PyTorch.
    """
    if mode not in MODES:
        raise ValueError(f"{op}: unknown mode {mode!r}; expected one of {', '.join(MODES)}.")
    if mode != "constant" and value is not None and value != 0:
        raise ValueError(f"{op}: mode={mode!r} copies input values into the border and takes no "
                         f"value argument (got value={value!r}); use mode='constant' to pad "
                         "with a value.")
    try:
        pad = tuple(pad)
    except TypeError:
        raise TypeError(f"{op}: pad must be a tuple of ints, got {pad!r}.") from None
    if not all(isinstance(p, numbers.Integral) and not isinstance(p, bool) for p in pad):
        raise TypeError(f"{op}: pad must be a tuple of ints, got {pad!r}.")
    ndim, k = len(shape), len(pad) // 2
    if len(pad) % 2:
        raise ValueError(f"{op}: expected an even number of widths ((before, after) pairs from "
                         f"the last dim), got {len(pad)}: {pad}.")
    if k > ndim:
        raise ShapeError(f"{op}: {len(pad)} widths pad {k} dims but the input has only {ndim} "
                         f"(shape {shape}); give at most {2 * ndim} widths.")
    if mode != "constant" and k and ndim not in (k + 1, k + 2):
        fits = [2 * (ndim - extra) for extra in (1, 2) if 1 <= ndim - extra <= 3]
        fix = (f"give {' or '.join(map(str, fits))} widths for this input" if fits
               else "reshape the input to 2-D ... 5-D")
        raise ShapeError(
            f"{op}: mode={mode!r} with {len(pad)} widths pads the last {k} dim(s) of a "
            f"{k + 1}-D or {k + 2}-D input ((C, ...) or (N, C, ...)), as in PyTorch, but the "
            f"input has shape {shape}; {fix}.")
    out = []
    for d in range(k):
        axis, (lo, hi) = ndim - 1 - d, (int(pad[2 * d]), int(pad[2 * d + 1]))
        _check_dim(shape, axis, lo, hi, mode, op, k)
        out.append((axis, lo, hi))
    return out


def _check_dim(shape, axis, lo, hi, mode, op, k):
    n = shape[axis]
    where = f"(lo, hi) = ({lo}, {hi}) for dim {axis} of size {n} (input shape {shape})"
    crop = n + min(lo, 0) + min(hi, 0)
    if mode == "constant" and crop < 0:
        raise ShapeError(f"{op}: negative widths crop more than the dim holds: {where}.")
    if mode == "reflect" and max(lo, hi) >= n:
        raise ShapeError(f"{op}: mode='reflect' needs each width < the size of the dim it pads "
                         f"(the mirror does not repeat the edge): {where}. Use smaller widths, "
                         "or mode='replicate'.")
    # NOTE: PyTorch refuses an empty result when it pads one dim, allows it for 2 or 3 dims
    if mode in ("reflect", "replicate") and n + lo + hi < (1 if k == 1 else 0):
        raise ShapeError(f"{op}: mode={mode!r} would leave "
                         f"{'an empty' if k == 1 else 'a negative-size'} dim: {where}.")
    if mode == "circular":
        if n + lo + hi < 0:
            raise ShapeError(f"{op}: negative widths crop more than the dim holds: {where}.")
        if max(lo, hi) > crop:
            raise ShapeError(
                f"{op}: mode='circular' may wrap around at most once: each width must be ≤ the "
                f"dim's size after cropping ({max(crop, 0)}): {where}. Use smaller widths.")


def constant_parts(ndim: int, shape: tuple, widths: list):
    """Constant mode as (crop, np_widths): the slice index the negative widths keep (None if
    there are none) and NumPy's ((before, after), ...) for the positive ones."""
    crop = [slice(None)] * ndim
    np_widths = [(0, 0)] * ndim
    for axis, lo, hi in widths:
        crop[axis] = slice(max(-lo, 0), shape[axis] - max(-hi, 0))
        np_widths[axis] = (max(lo, 0), max(hi, 0))
    negative = any(lo < 0 or hi < 0 for _, lo, hi in widths)
    return (tuple(crop) if negative else None), tuple(np_widths)


def pad_index(n: int, lo: int, hi: int, mode: str) -> np.ndarray:
    """Input position (in [0, n)) read by each of the n + lo + hi output positions of a dim."""
    j = np.arange(n + lo + hi)
    if mode == "circular":
        start, kept = max(-lo, 0), n - max(-lo, 0) - max(-hi, 0)
        return start + (j - max(lo, 0)) % max(kept, 1)
    i = j - lo
    if mode == "reflect":
        i = np.abs(i)
        return np.where(i > n - 1, 2 * (n - 1) - i, i)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    raise ValueError(f"pad_index: mode must be reflect, replicate or circular, got {mode!r}.")


class PadModes(Function):
    """Reflect / replicate / circular padding: ``take`` along each padded dim by its index.

    ``widths`` holds (axis, lo, hi) per padded dim (from ``check_pad``); ``mode`` one of the
    three. Backward scatter-adds: the input's own (centre) run is copied back in one slice, and
    each border position adds its gradient to the input position it copied.
    """

    hint = "see glassgrad.functional.pad for each mode's limits on the widths."

    def forward(self, a, widths=(), mode="reflect"):
        xp = get_array_module(a)
        self.steps = []
        for axis, lo, hi in widths:
            index = pad_index(a.shape[axis], lo, hi, mode)
            self.steps.append((axis, a.shape[axis], lo, hi, index))
            a = a.take(index if xp is np else xp.asarray(index), axis=axis)
        return a

    def backward(self, gy):
        for axis, n, lo, hi, index in reversed(self.steps):
            gy = _scatter_back(gy, axis, n, lo, hi, index)
        return gy


def _scatter_back(g, axis, n, lo, hi, index):
    """Gradient of ``x.take(index, axis)`` w.r.t. x (size n along ``axis``)."""
    xp = get_array_module(g)
    lead = (slice(None),) * axis
    # NOTE: input positions [i0, i1) are read by output positions [i0 + lo, i1 + lo), in order
    # (the centre, in every mode); only the border positions need an addition each.
    i0, i1 = max(0, -lo), n - max(0, -hi)
    centre = g[lead + (slice(i0 + lo, i1 + lo),)] if i1 > i0 else None
    if centre is not None and i0 == 0 and i1 == n:
        gx = centre.copy()
    else:
        gx = xp.zeros(g.shape[:axis] + (n,) + g.shape[axis + 1:], dtype=g.dtype)
        if centre is not None:
            gx[lead + (slice(i0, i1),)] = centre
    border = [j for j in range(len(index)) if not (i0 + lo <= j < i1 + lo)]
    if len(border) > 16:  # wide borders: one scatter-add (repeated positions accumulate)
        scatter_add(gx, lead + (xp.asarray(index[border]),),
                    g[lead + (xp.asarray(border),)])
    else:  # NOTE: one slice add per border position beats add.at (bench/RESULTS.md §13)
        for j in border:
            gx[lead + (int(index[j]),)] += g[lead + (j,)]
    return gx
