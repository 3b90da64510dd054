"""The functional tensor API: every op as a function, plus composites built from the primitives.

Composites (mean, var, std, min, softmax, flatten, stack, split, ...) get their gradients from the
primitives they are made of; none of them has a hand-written backward.
"""

from __future__ import annotations

import builtins
import math
from collections import namedtuple

import numpy as np

from .arith import cumprod, cumsum, floor_divide, prod, remainder  # noqa: F401
from .backend import get_array_module
from .errors import ShapeError
from .ops import elementwise as E
from .ops import linalg, loss, movement, padding, reduce
from .selection import clamp, gather, masked_fill, repeat, take_along_dim, values_at  # noqa: F401
from .tensor import Tensor, _axis, _operand

values_indices = namedtuple("values_indices", ["values", "indices"])


def _t(x, like=None) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x) if like is None else Tensor(
        _operand(x, like))


def _dims(x: Tensor, dim) -> tuple:
    """``dim`` (an int, a sequence of ints, or None for all) as non-negative dims of ``x``.
    A 0-d tensor accepts dim 0 or -1 and has no dims to reduce (PyTorch's rule)."""
    if dim is None:
        return tuple(range(x.ndim))
    dims = (dim,) if not isinstance(dim, (list, tuple)) else tuple(dim)
    n = builtins.max(x.ndim, 1)
    for d in dims:
        if not isinstance(d, (int, np.integer)) or isinstance(d, bool) or not -n <= d < n:
            raise ShapeError(f"dim {d!r} is out of range for a tensor of shape {tuple(x.shape)} "
                             f"(valid dims are {-n}..{n - 1}).")
    return tuple(int(d) % x.ndim for d in dims) if x.ndim else ()


def _reduce_axis(x: Tensor, dim):
    """A reduction's ``axis``: None for all dims, and for a 0-d tensor (after checking dim)."""
    if dim is None or (isinstance(dim, (list, tuple)) and not dim):
        return None
    dims = _dims(x, dim)
    if not dims:
        return None
    return dims[0] if isinstance(dim, (int, np.integer)) else dims


def _count(x: Tensor, dim) -> int:
    n = 1
    for d in _dims(x, dim):
        n *= x.shape[d]
    return n


# ---------------------------------------------------------------- elementwise
def add(a, b): return _t(a) + b
def sub(a, b): return _t(a) - b
def mul(a, b): return _t(a) * b
def div(a, b): return _t(a) / b
def neg(x): return -x
def pow(x, exponent): return _t(x) ** exponent
def exp(x): return E.Exp.apply(x)
def log(x): return E.Log.apply(x)
def sqrt(x): return E.Sqrt.apply(x)
def abs(x): return E.Abs.apply(x)
def sin(x): return E.Sin.apply(x)
def cos(x): return E.Cos.apply(x)
def tanh(x): return E.Tanh.apply(x)
def sigmoid(x): return E.Sigmoid.apply(x)
def relu(x): return E.ReLU.apply(x)
def leaky_relu(x, negative_slope=0.01): return E.LeakyReLU.apply(x, negative_slope=negative_slope)


def maximum(a, b):
    a = _t(a)
    return E.Maximum.apply(a, _operand(b, a))


def minimum(a, b):
    a = _t(a)
    return E.Minimum.apply(a, _operand(b, a))


def where(condition, x, y):
    """Elements of ``x`` where ``condition`` holds, else of ``y`` (gradients flow to both)."""
    cond = condition.data if isinstance(condition, Tensor) else condition
    like = x if isinstance(x, Tensor) else y
    return E.Where.apply(cond, _operand(x, like), _operand(y, like))


def matmul(a, b): return linalg.MatMul.apply(a, b)


def linear(x, weight, bias=None):
    """y = x Wᵀ + b. Shapes: x (..., in), weight (out, in), bias (out,) -> (..., out)."""
    if bias is None:
        return linalg.Linear.apply(x, weight)
    return linalg.Linear.apply(x, weight, bias)


# ---------------------------------------------------------------- reductions
def sum(x, dim=None, keepdim=False): return reduce.Sum.apply(x, axis=_axis(dim), keepdims=keepdim)


def mean(x, dim=None, keepdim=False):
    return reduce.Mean.apply(x, axis=_axis(dim), keepdims=keepdim)


def var(x, dim=None, keepdim=False, correction=None, *, unbiased=None):
    """Variance with Bessel's ``correction`` (1: unbiased, as PyTorch's default; 0: population).

    ``unbiased=False`` is PyTorch's older spelling of ``correction=0``.
    """
    if correction is None:
        correction = 1 if unbiased is None else int(bool(unbiased))
    elif unbiased is not None:
        raise TypeError("var/std: give correction or unbiased, not both.")
    n = _count(x, dim)
    if n - correction <= 0:
        raise ValueError(f"var: {n} element(s) with correction={correction} leave no degrees of "
                         "freedom; use correction=0 or reduce over more elements.")
    centered = x - mean(x, dim, keepdim=True)
    return sum(centered * centered, dim, keepdim) * (1.0 / (n - correction))


def std(x, dim=None, keepdim=False, correction=None, *, unbiased=None):
    return sqrt(var(x, dim, keepdim, correction, unbiased=unbiased))


def _nonempty(x: Tensor, axis, name: str) -> None:
    """Refuse a max/min/argmax over no elements, as PyTorch does (there is no answer)."""
    if x.data.size == 0:
        n = x.data.size if axis is None else builtins.min(
            x.shape[a] for a in ((axis,) if isinstance(axis, int) else axis))
        if n == 0:
            where = "of an empty tensor" if axis is None else f"along dim {axis}, which is empty,"
            raise ShapeError(f"{name} {where} (shape {tuple(x.shape)}): there are no elements "
                             "to choose from (PyTorch refuses too). Skip empty batches, or "
                             "reduce along a dim that has elements.")


def amax(x, dim=None, keepdim=False):
    axis = _reduce_axis(x, dim)
    _nonempty(x, axis, "max")
    return reduce.Max.apply(x, axis=axis, keepdims=keepdim)



def amin(x, dim=None, keepdim=False): return -amax(-x, dim, keepdim)


def max(x, dim=None, keepdim=False):
    """Largest element; with ``dim``, a ``(values, indices)`` pair as in PyTorch; with a tensor,
    the elementwise ``maximum``.

    NOTE: as in PyTorch, ``max()`` (and ``amax``) split the gradient among tied maxima, while
    ``max(dim).values`` sends it to the returned index alone.
    """
    if dim is None:
        return amax(x)
    if isinstance(dim, Tensor):
        return maximum(x, dim)
    indices = argmax(x, dim, keepdim)
    values = values_at(x, indices, dim, keepdim) if x.ndim else amax(x, dim, keepdim)
    return values_indices(values, indices)


def min(x, dim=None, keepdim=False):
    """Smallest element; see ``max`` (the same forms and gradient rules)."""
    if dim is None:
        return amin(x)
    if isinstance(dim, Tensor):
        return minimum(x, dim)
    indices = argmin(x, dim, keepdim)
    values = values_at(x, indices, dim, keepdim) if x.ndim else amin(x, dim, keepdim)
    return values_indices(values, indices)


def argmax(x, dim=None, keepdim=False):
    """Index of the largest element (flattened when ``dim`` is None). Not differentiable."""
    x = _t(x)
    axis = _reduce_axis(x, dim)
    _nonempty(x, axis, "argmax")
    return Tensor._make(x.data.argmax(axis=axis, keepdims=keepdim), None)


def argmin(x, dim=None, keepdim=False):
    x = _t(x)
    axis = _reduce_axis(x, dim)
    _nonempty(x, axis, "argmin")
    return Tensor._make(x.data.argmin(axis=axis, keepdims=keepdim), None)


def logsumexp(x, dim=None, keepdim=False):
    return reduce.LogSumExp.apply(x, axis=_reduce_axis(x, dim), keepdims=keepdim)


def log_softmax(x, dim=-1): return loss.LogSoftmax.apply(x, axis=dim)
def softmax(x, dim=-1): return exp(log_softmax(x, dim))


# ---------------------------------------------------------------- movement
def reshape(x, *shape): return x.reshape(*shape)
def permute(x, *dims): return x.permute(*dims)


def transpose(x, dim0, dim1):
    dim0, dim1 = _dims(x, (dim0, dim1)) if x.ndim else (0, 0)
    if not x.ndim:
        return x
    axes = list(range(x.ndim))
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return movement.Permute.apply(x, axes=tuple(axes))


def flatten(x, start_dim=0, end_dim=-1):
    if x.ndim == 0:
        return x.reshape(1)
    start, end = _dims(x, (start_dim, end_dim))
    # NOTE: the merged size spelled out, not -1: NumPy cannot infer -1 next to a 0 (empty batch)
    shape = x.shape[:start] + (math.prod(x.shape[start:end + 1]),) + x.shape[end + 1:]
    return x.reshape(shape)


def squeeze(x, dim=None):
    if dim is None:
        shape = tuple(n for n in x.shape if n != 1)
    else:
        dims = _dims(x, dim)
        shape = tuple(n for d, n in enumerate(x.shape) if not (d in dims and n == 1))
    return x.reshape(shape)


def unsqueeze(x, dim):
    if not -(x.ndim + 1) <= dim <= x.ndim:
        raise ShapeError(f"unsqueeze: dim {dim} is out of range for a tensor of shape "
                         f"{tuple(x.shape)} (valid dims are {-(x.ndim + 1)}..{x.ndim}).")
    dim = dim % (x.ndim + 1)
    return x.reshape(x.shape[:dim] + (1,) + x.shape[dim:])


def expand(x, *shape):
    shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    lead = len(shape) - x.ndim
    shape = tuple(x.shape[i - lead] if n == -1 else n for i, n in enumerate(shape))
    return movement.Expand.apply(x, shape=shape)


def cat(tensors, dim=0):
    """Join tensors along an existing dimension."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors.")
    return movement.Cat.apply(*tensors, axis=dim)


concatenate = cat


def stack(tensors, dim=0):
    """Join tensors along a new dimension ``dim``; all must have the same shape."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: expected a non-empty list of tensors.")
    shapes = {tuple(t.shape) for t in tensors}
    if len(shapes) > 1:
        raise ShapeError(f"stack: all tensors need the same shape, got {sorted(shapes)}.")
    return cat([unsqueeze(_t(t), dim) for t in tensors], dim)


def split(x, split_size_or_sections, dim=0):
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the given sizes."""
    n = x.shape[dim]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size <= 0 and not (size == 0 and n == 0):
            raise ValueError(f"split: split_size must be a positive int, got {size} (dim {dim} "
                             f"has {n} elements); or give a list of sizes.")
        if size == 0:
            return (x,)
        sizes = [size] * (n // size) + ([n % size] if n % size else [])
    else:
        sizes = list(split_size_or_sections)
        if builtin_sum(sizes) != n:
            raise ShapeError(f"split: sizes {sizes} add up to {builtin_sum(sizes)}, but dim {dim} "
                             f"has {n} elements.")
    pieces, start = [], 0
    lead = (slice(None),) * (dim % x.ndim)
    for size in sizes:
        pieces.append(x[lead + (slice(start, start + size),)])
        start += size
    return tuple(pieces)


def chunk(x, chunks, dim=0):
    if not isinstance(chunks, (int, np.integer)) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}.")
    n = x.shape[dim]
    if n == 0:
        return (x,)
    return split(x, -(-n // chunks), dim)


def pad(x, pad, mode="constant", value=None):
    """Pad ``x`` as PyTorch's ``F.pad``: ``pad`` lists (before, after) widths starting from the
    LAST dim, e.g. (left, right, top, bottom) for an image.

    Modes: "constant" (``value``, default 0; any of the last ≤ ndim dims), and "reflect"
    (mirror, edge not repeated; widths < the dim's size), "replicate" (repeat the edge) and
    "circular" (wrap around; widths ≤ the dim's size), which pad the last 1, 2 or 3 dims of a
    (C, ...) or (N, C, ...) input. Negative widths crop. Gradients of the copied border values
    flow back into the input positions they came from.

    Shapes: (..., W) -> (..., W + left + right), and so on for each padded dim.
    """
    widths = padding.check_pad(tuple(x.shape), pad, mode, value)
    if mode != "constant":
        widths = tuple(w for w in widths if w[1] or w[2])
        return padding.PadModes.apply(x, widths=widths, mode=mode) if widths else x
    crop, np_widths = padding.constant_parts(x.ndim, tuple(x.shape), widths)
    if crop is not None:  # negative widths: crop first (a slice), as PyTorch
        x = x[crop]
    return movement.Pad.apply(x, widths=np_widths, value=0.0 if value is None else value)


def one_hot(indices, num_classes):
    data = indices.data if isinstance(indices, Tensor) else indices
    xp = get_array_module(data)
    data = xp.asarray(data)
    if data.dtype.kind not in "iu":
        raise TypeError(f"one_hot: indices must be integers, got dtype {data.dtype}; use "
                        ".long().")
    if data.size and (data.min() < 0 or data.max() >= num_classes):
        raise ValueError(f"one_hot: class indices must lie in [0, {num_classes}), got values "
                         f"in [{int(data.min())}, {int(data.max())}].")
    return Tensor._make(xp.eye(num_classes, dtype=xp.float32)[data], None)


import builtins as _builtins  # noqa: E402  (sum/min/max above shadow the builtins)

builtin_sum = _builtins.sum
