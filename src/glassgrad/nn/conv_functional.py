"""Functional convolution and pooling, with PyTorch's names and arguments.

    y = conv2d(x, weight, bias, stride=1, padding="same")   # x (N, C, H, W), weight (O, C, K, K)
    y = max_pool2d(y, 2)                                    # (N, O, H/2, W/2)

1-D versions run the 2-D ops on a height-1 image. Re-exported by ``glassgrad.nn.functional``.
"""

from __future__ import annotations

from ..backend import get_array_module
from ..errors import ShapeError
from ..ops import conv as conv_ops
from ..ops import pool as pool_ops
from ..ops import pool_indices
from ..tensor import Tensor

__all__ = ["conv1d", "conv2d", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
           "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d",
           "adaptive_max_pool2d", "global_avg_pool2d", "conv_output_shape",
           "resolve_padding"]


def _tuple(value, n: int, name: str) -> tuple:
    """An int or a length-n sequence of ints -> an n-tuple of ints."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * n
    try:
        out = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        out = ()
    if len(out) != n:
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {value!r}.")
    return out


def resolve_padding(padding, kernel, dilation, stride, op="conv2d") -> tuple:
    """``padding`` (int, tuple, "valid", "same") -> ((before, after), ...) per spatial dim.

    "same" keeps the size at stride 1; an odd total goes to the end (bottom/right), as PyTorch.
    """
    n = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding != "same":
            raise ValueError(f"{op}: padding must be an int, a tuple, 'valid' or 'same', got "
                             f"{padding!r}.")
        if any(s != 1 for s in stride):
            raise ValueError(f"{op}: padding='same' needs stride 1 (got {stride}); give the "
                             "padding as numbers for strided convolutions.")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in totals)
    pads = _tuple(padding, n, f"{op}: padding")
    if min(pads) < 0:
        raise ValueError(f"{op}: padding must be non-negative, got {padding!r}.")
    return tuple((p, p) for p in pads)


def conv_output_shape(size, kernel_size, stride=1, padding=0, dilation=1) -> tuple:
    """Spatial output size ⌊(H + 2p − d(K − 1) − 1)/s⌋ + 1 per dim (``size`` an int or tuple)."""
    size = (size,) if isinstance(size, int) else tuple(size)
    n = len(size)
    k, s, d = (_tuple(v, n, "conv_output_shape") for v in (kernel_size, stride, dilation))
    pads = resolve_padding(padding, k, d, s, "conv_output_shape")
    return tuple(conv_ops.conv_output_size(h, kk, ss, sum(p), dd)
                 for h, kk, ss, p, dd in zip(size, k, s, pads, d))


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation. Shapes: input (N, C, H, W), weight (O, C/groups, KH, KW),
    bias (O,) -> (N, O, OH, OW) with OH = ⌊(H + 2p − d(KH − 1) − 1)/s⌋ + 1.

    padding: int, (ph, pw), "valid" (0) or "same" (output size = input size; stride 1 only).
    """
    stride = _tuple(stride, 2, "conv2d: stride")
    dilation = _tuple(dilation, 2, "conv2d: dilation")
    pads = resolve_padding(padding, tuple(weight.shape[2:]), dilation, stride)
    args = (input, weight) if bias is None else (input, weight, bias)
    return conv_ops.Conv2d.apply(*args, stride=stride, padding=pads, dilation=dilation,
                                 groups=int(groups))


def _check_3d(x, op, what="input (N, C, L)"):
    if x.ndim != 3:
        raise ShapeError(f"{op}: expected a 3-D {what}, got shape {tuple(x.shape)}. For one "
                         "sequence add the batch axis with x.unsqueeze(0).")


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D cross-correlation. Shapes: input (N, C, L), weight (O, C/groups, K), bias (O,)
    -> (N, O, OL). Runs ``conv2d`` on a height-1 image."""
    _check_3d(input, "conv1d")
    _check_3d(weight, "conv1d", "weight (O, C/groups, K)")
    if input.shape[1] != weight.shape[1] * groups:
        raise ShapeError(f"conv1d: input has {input.shape[1]} channels (shape "
                         f"{tuple(input.shape)}) but the weight {tuple(weight.shape)} with "
                         f"groups={groups} expects {weight.shape[1] * groups}.")
    stride, dilation = _tuple(stride, 1, "conv1d: stride"), _tuple(dilation, 1, "conv1d: dilation")
    pads = resolve_padding(padding, tuple(weight.shape[2:]), dilation, stride, "conv1d")
    args = (input.unsqueeze(2), weight.unsqueeze(2)) + (() if bias is None else (bias,))
    y = conv_ops.Conv2d.apply(*args, stride=(1,) + stride, padding=((0, 0),) + pads,
                              dilation=(1,) + dilation, groups=int(groups))
    return y.squeeze(2)


def _pool_args(kernel_size, stride, padding, n, op):
    kernel = _tuple(kernel_size, n, f"{op}: kernel_size")
    stride = kernel if stride is None else _tuple(stride, n, f"{op}: stride")
    return kernel, stride, _tuple(padding, n, f"{op}: padding")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over KH×KW windows (stride defaults to the kernel size), padding with −∞.
    Shapes: (N, C, H, W) -> (N, C, OH, OW). The gradient goes to each window's first maximum.
    ``ceil_mode``: OH = ⌈…/s⌉ + 1 instead of ⌊…/s⌋ + 1, keeping a last partial window (as
    PyTorch, a window may not start in the right padding). ``return_indices``: also return
    where each maximum came from, int64 (N, C, OH, OW) flat indices h·W + w per channel."""
    kernel, stride, padding = _pool_args(kernel_size, stride, padding, 2, "max_pool2d")
    dilation = _tuple(dilation, 2, "max_pool2d: dilation")
    out = pool_ops.MaxPool2d.apply(input, kernel=kernel, stride=stride, padding=padding,
                                   dilation=dilation, ceil_mode=bool(ceil_mode))
    if not return_indices:
        return out
    index = pool_indices.max_pool2d_indices(input.data, out.data, kernel, stride, padding,
                                            dilation, bool(ceil_mode))
    return out, Tensor._make(index, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """Mean over KH×KW windows; (N, C, H, W) -> (N, C, OH, OW). With padding,
    ``count_include_pad=True`` (PyTorch's default) counts the zeros in the divisor.
    ``ceil_mode`` as in ``max_pool2d``; cells past the padding never count. PyTorch's order."""
    kernel, stride, padding = _pool_args(kernel_size, stride, padding, 2, "avg_pool2d")
    return pool_ops.AvgPool2d.apply(input, kernel=kernel, stride=stride, padding=padding,
                                    count_include_pad=bool(count_include_pad),
                                    ceil_mode=bool(ceil_mode))


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over windows of length K: (N, C, L) -> (N, C, OL); with ``return_indices`` also the
    int64 (N, C, OL) position in L of each maximum."""
    _check_3d(input, "max_pool1d")
    kernel, stride, padding = _pool_args(kernel_size, stride, padding, 1, "max_pool1d")
    y = max_pool2d(input.unsqueeze(2), (1,) + kernel, (1,) + stride, (0,) + padding,
                   (1,) + _tuple(dilation, 1, "max_pool1d: dilation"), ceil_mode,
                   return_indices)
    if return_indices:  # on a height-1 image h·W + w is the position in L
        return y[0].squeeze(2), y[1].squeeze(2)
    return y.squeeze(2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """Mean over windows of length K: (N, C, L) -> (N, C, OL)."""
    _check_3d(input, "avg_pool1d")
    kernel, stride, padding = _pool_args(kernel_size, stride, padding, 1, "avg_pool1d")
    y = pool_ops.AvgPool2d.apply(input.unsqueeze(2), kernel=(1,) + kernel, stride=(1,) + stride,
                                 padding=(0,) + padding, count_include_pad=bool(count_include_pad),
                                 ceil_mode=bool(ceil_mode))
    return y.squeeze(2)


def _adaptive_matrix(xp, size, out, dtype):
    """(out, size) averaging matrix: row i averages [⌊i·size/out⌋, ⌈(i+1)·size/out⌉)."""
    m = xp.zeros((out, size), dtype=dtype)
    # NOTE: a loop over output rows builds a constant, not per pixel work
    for i, (lo, hi) in enumerate(pool_indices.adaptive_bounds(size, out)):
        m[i, lo:hi] = 1.0 / (hi - lo)
    return m


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed output size (PyTorch's window rule): (N, C, H, W) ->
    (N, C, OH, OW). Computed as P_h · x · P_wᵀ with constant averaging matrices, so gradients
    come from MatMul; evenly dividing sizes take the faster ``avg_pool2d``."""
    if input.ndim != 4:
        raise ShapeError(f"adaptive_avg_pool2d: expected a 4-D input (N, C, H, W), got shape "
                         f"{tuple(input.shape)}.")
    h, w = input.shape[2:]
    oh, ow = (h if o is None else o for o in _tuple_or_none(output_size))
    if oh < 1 or ow < 1 or min(h, w) < 1:  # an empty window would divide by zero
        raise ValueError(f"adaptive_avg_pool2d: output_size and the input's H, W must be "
                         f"positive, got output_size={output_size} for input shape "
                         f"{tuple(input.shape)}.")
    if oh == 1 and ow == 1:
        return input.mean(dim=(2, 3), keepdim=True)
    if h % oh == 0 and w % ow == 0:
        return avg_pool2d(input, (h // oh, w // ow))
    xp = get_array_module(input.data)
    pw = _adaptive_matrix(xp, w, ow, input.dtype).T
    ph = _adaptive_matrix(xp, h, oh, input.dtype)
    return Tensor(ph, dtype=input.dtype) @ (input @ Tensor(pw, dtype=input.dtype))


def _tuple_or_none(size, op="adaptive_avg_pool2d"):
    if isinstance(size, int) or size is None:
        return (size, size)
    size = tuple(size)
    if len(size) != 2:
        raise ValueError(f"{op}: output_size must be an int or a pair, got {size}.")
    return size


def adaptive_avg_pool1d(input, output_size):
    """(N, C, L) -> (N, C, output_size) by PyTorch's adaptive window rule."""
    _check_3d(input, "adaptive_avg_pool1d")
    return adaptive_avg_pool2d(input.unsqueeze(2), (1, int(output_size))).squeeze(2)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed output size with PyTorch's windows (output i covers
    [⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉), likewise for W): (N, C, H, W) or (C, H, W) -> (…, OH, OW);
    ``output_size`` an int or a pair (None keeps that size). The gradient goes to each window's
    first maximum; ``return_indices`` also returns those positions, int64 flat h·W + w."""
    if input.ndim not in (3, 4):
        raise ShapeError(f"adaptive_max_pool2d: expected a 4-D (N, C, H, W) or 3-D (C, H, W) "
                         f"input, got shape {tuple(input.shape)}.")
    x = input if input.ndim == 4 else input.unsqueeze(0)
    n, c, h, w = x.shape
    out_hw = tuple(size if o is None else int(o)
                   for size, o in zip((h, w), _tuple_or_none(output_size, "adaptive_max_pool2d")))
    if min(out_hw) < 1 or min(h, w) < 1:
        raise ValueError(f"adaptive_max_pool2d: output_size and the input's H, W must be "
                         f"positive, got output_size={output_size} for input shape "
                         f"{tuple(input.shape)}.")
    index = pool_indices.adaptive_max_indices(x.data, out_hw)
    xp = get_array_module(index)
    # NOTE: the values are a gather at the indices (GetItem: its backward scatter-adds), so
    # the gradient reaches each window's first maximum without an op of its own.
    starts = (xp.arange(n * c, dtype=xp.int64) * (h * w)).reshape(n, c, 1, 1)
    out = x.reshape(-1)[starts + index]
    if input.ndim == 3:
        out, index = out.squeeze(0), index[0]
    return (out, Tensor._make(index, None)) if return_indices else out


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """(N, C, L) or (C, L) -> (…, output_size) by PyTorch's adaptive windows; see
    ``adaptive_max_pool2d``. Indices are positions in L."""
    if input.ndim not in (2, 3):
        raise ShapeError(f"adaptive_max_pool1d: expected a 3-D (N, C, L) or 2-D (C, L) input, "
                         f"got shape {tuple(input.shape)}.")
    (size,) = _tuple(output_size, 1, "adaptive_max_pool1d: output_size")
    y = adaptive_max_pool2d(input.unsqueeze(-2), (1, size), return_indices)
    if return_indices:
        return y[0].squeeze(-2), y[1].squeeze(-2)
    return y.squeeze(-2)


def global_avg_pool2d(input):
    """Mean over each channel's whole map: (N, C, H, W) -> (N, C) (Keras' GlobalAveragePooling)."""
    if input.ndim != 4:
        raise ShapeError(f"global_avg_pool2d: expected a 4-D input (N, C, H, W), got shape "
                         f"{tuple(input.shape)}.")
    return input.mean(dim=(2, 3))
