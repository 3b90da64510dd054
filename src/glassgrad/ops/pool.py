"""2-D pooling: max (gradient to the first maximum, as PyTorch) and average.

Both loop over the KH·KW kernel offsets, each step one vectorised operation on the whole
(N, C, OH, OW) output; there is no loop over windows or pixels: many times faster than reducing
a reshaped window view or an argmax over copied windows (bench/RESULTS.md §13). New arrays take
the input's memory layout
(``alloc_like_layout``), so the batch-innermost layout of convolution outputs flows through.
"""

from __future__ import annotations

from ..autograd import Function
from ..backend import get_array_module
from ..errors import ShapeError
from .conv import conv_output_size
from .workspace import pooled_like


def _geometry(x, kernel, stride, padding, dilation, op, ceil_mode=False):
    """Output (OH, OW) and the extra (bottom, right) padding that ``ceil_mode`` windows need."""
    if x.ndim != 4:
        raise ShapeError(f"{op}: expected a 4-D input (N, C, H, W), got shape {tuple(x.shape)}.")
    if min(kernel) < 1 or min(stride) < 1 or min(dilation) < 1:
        raise ValueError(f"{op}: kernel {kernel}, stride {stride} and dilation {dilation} must be "
                         "positive integers.")
    for k, p in zip(kernel, padding):
        if p < 0 or p > k // 2:  # NOTE: PyTorch's limit, half the undilated kernel
            raise ValueError(f"{op}: padding {padding} must be non-negative and at most half the "
                             f"kernel {kernel} (as in PyTorch).")
    out, extra = [], []
    for axis in range(2):
        size = x.shape[2 + axis] + 2 * padding[axis]
        span = dilation[axis] * (kernel[axis] - 1) + 1
        o = conv_output_size(x.shape[2 + axis], kernel[axis], stride[axis],
                             2 * padding[axis] + (stride[axis] - 1) * ceil_mode, dilation[axis])
        # NOTE: PyTorch's ceil_mode rule: the last window must start inside the input or the
        # left padding, never in the right padding only. A window longer than the padded input
        # is then allowed (it hangs over the end), as in PyTorch.
        if ceil_mode and (o - 1) * stride[axis] >= x.shape[2 + axis] + padding[axis]:
            o -= 1
        if o < 1 or (span > size and not ceil_mode):
            raise ShapeError(
                f"{op}: the window spans {span} pixels but the padded input is only {size} "
                f"along {'height' if axis == 0 else 'width'} (input {tuple(x.shape)}, kernel "
                f"{tuple(kernel)}, padding {tuple(padding)}, ceil_mode {bool(ceil_mode)}), so "
                "there is no output. Use a smaller kernel.")
        out.append(o)
        extra.append(max(0, (o - 1) * stride[axis] + span - size))
    return tuple(out), tuple(extra)


def _lowest(xp, dtype):
    """The padding value that never wins a max: -inf, or the smallest integer, or False."""
    if dtype.kind == "f":
        return -xp.inf
    return False if dtype.kind == "b" else xp.iinfo(dtype).min


def _offsets(kernel, stride, dilation, out_hw):
    """(k, index) for every kernel offset: ``padded[index]`` is that offset over all windows."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    for i in range(kh):
        rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
        for j in range(kw):
            cols = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
            yield i * kw + j, (slice(None), slice(None), rows, cols)


def _over_offsets(ufunc, xpad, offsets):
    """``ufunc`` (maximum, add) folded over the kernel offsets' views of ``xpad``, left to
    right, into one new (N, C, OH, OW) array laid out like ``xpad``.

    NOTE: the result is a pooled buffer (as ReLU's output): a fresh feature map every step
    grew and trimmed glibc's heap, page-faulting it back in (bench/RESULTS.md §17)."""
    views = [xpad[where] for _, where in offsets]
    out = alloc_like_layout(xpad, views[0].shape)
    if len(views) == 1:
        out[...] = views[0]
    else:
        ufunc(views[0], views[1], out=out)
    for view in views[2:]:
        ufunc(out, view, out=out)
    return out


def alloc_like_layout(x, shape, fill=None):
    """A new (N, C, H, W) array of ``shape`` laid out in memory like ``x`` (e.g. batch-innermost
    after a convolution), so slices of both walk memory the same way. ``fill`` None: empty."""
    out = pooled_like(x, shape)
    if fill is not None:
        out.fill(fill)
    return out


def match_layout(a, like):
    """``a`` itself when its memory order matches ``like``'s, else a copy laid out like ``like``.

    NOTE: a gradient arriving in another layout (e.g. NCHW from a Flatten's backward, against
    a batch-innermost feature map) made pooling's backward 4-8× slower; one copy fixes it.
    """
    def order(t):
        return sorted(range(t.ndim), key=lambda d: -t.strides[d])

    if a.shape != like.shape or order(a) == order(like):
        return a
    out = alloc_like_layout(like, a.shape)
    out[...] = a
    return out


def _pad(x, padding, value, extra=(0, 0)):
    """Pad H and W by ``padding`` on both sides plus ``extra`` more at the bottom and right."""
    (ph, pw), (eh, ew) = padding, extra
    if not (ph or pw or eh or ew):
        return x
    n, c, h, w = x.shape
    out = alloc_like_layout(x, (n, c, h + 2 * ph + eh, w + 2 * pw + ew), value)
    out[:, :, ph:ph + h, pw:pw + w] = x
    return out


def _unpad(g, padding, shape):
    """The input's part of a padded gradient (padding and any ``ceil_mode`` extra dropped)."""
    ph, pw = padding
    if g.shape[2:] == tuple(shape[2:]):
        return g
    return g[:, :, ph:ph + shape[2], pw:pw + shape[3]]


def _tiles(kernel, stride, padding, dilation, shape) -> bool:
    """True when the windows tile the input exactly (each pixel in exactly one window)."""
    return (tuple(kernel) == tuple(stride) and not any(padding) and tuple(dilation) == (1, 1)
            and shape[2] % kernel[0] == 0 and shape[3] % kernel[1] == 0)


class MaxPool2d(Function):
    """Max over each window; backward routes the gradient to the window's first maximum.
    ``ceil_mode`` (as PyTorch) adds a last, partial window where the floor formula drops it."""

    # NOTE: forward keeps only the running maximum (one ``maximum`` per kernel offset, NaN
    # propagating as in PyTorch); backward finds each window's first maximum again by equality,
    # scanning offsets in row-major order. Tracking argmax indices in forward was 10× slower.
    # A window holding NaN outputs NaN (as PyTorch) but passes no gradient (PyTorch sends it to
    # the NaN); use detect_anomaly() to find where the NaN came from.
    def forward(self, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1),
                ceil_mode=False):
        xp = get_array_module(x)
        out_hw, extra = _geometry(x, kernel, stride, padding, dilation, "MaxPool2d", ceil_mode)
        xpad = _pad(x, padding, _lowest(xp, x.dtype), extra)
        out = _over_offsets(xp.maximum, xpad, _offsets(kernel, stride, dilation, out_hw))
        self.xpad, self.out, self.x_shape = xpad, out, x.shape
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        return out

    def backward(self, gy):
        xp = get_array_module(gy)
        xpad, out = self.xpad, self.out
        gy = match_layout(gy, out)
        tiles = _tiles(self.kernel, self.stride, self.padding, self.dilation, self.x_shape)
        gx = alloc_like_layout(xpad, xpad.shape, None if tiles else 0)
        taken = None
        offsets = list(_offsets(self.kernel, self.stride, self.dilation, gy.shape[2:]))
        for k, where in offsets:
            first = xpad[where] == out
            if taken is None:
                taken = first
            else:
                first = first > taken  # a maximum not already taken by an earlier offset
                if k < len(offsets) - 1:
                    taken |= first
            if tiles:  # each pixel belongs to one window: write, no zero-fill, no add
                xp.multiply(gy, first, out=gx[where])
            else:
                gx[where] += gy * first
        return _unpad(gx, self.padding, self.x_shape)


class AvgPool2d(Function):
    """Mean over each window. ``count_include_pad`` (PyTorch's default True) divides by KH·KW;
    False divides by the number of real (unpadded) pixels in the window. ``ceil_mode`` (as
    PyTorch) adds a last, partial window where the floor formula would drop it."""

    def forward(self, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0), count_include_pad=True,
                ceil_mode=False):
        xp = get_array_module(x)
        out_hw, extra = _geometry(x, kernel, stride, padding, (1, 1), "AvgPool2d", ceil_mode)
        xpad = _pad(x, padding, 0, extra)
        total = _over_offsets(xp.add, xpad, _offsets(kernel, stride, (1, 1), out_hw))
        if not any(extra) and (count_include_pad or not (padding[0] or padding[1])):
            scale = x.dtype.type(1.0 / (kernel[0] * kernel[1]))
        else:
            # NOTE: as PyTorch: count_include_pad counts the padding but never the cells that
            # ceil_mode's last windows reach beyond it; otherwise only the real pixels count.
            h, w = x.shape[2:]
            inner = (h + 2 * padding[0], w + 2 * padding[1]) if count_include_pad else (h, w)
            ones = xp.ones((1, 1) + inner, dtype=x.dtype)
            if count_include_pad:
                ones = _pad(ones, (0, 0), 0, extra)
            else:
                ones = _pad(ones, padding, 0, extra)
            count = sum(ones[where] for _, where in _offsets(kernel, stride, (1, 1), out_hw))
            scale = 1.0 / count
        self.scale, self.x_shape, self.xpad = scale, x.shape, xpad
        self.kernel, self.stride, self.padding = kernel, stride, padding
        total *= scale
        return total

    def backward(self, gy):
        g = match_layout(gy, self.xpad[:, :, :gy.shape[2], :gy.shape[3]]) * self.scale
        tiles = _tiles(self.kernel, self.stride, self.padding, (1, 1), self.x_shape)
        gx = alloc_like_layout(self.xpad, self.xpad.shape, None if tiles else 0)
        for _, where in _offsets(self.kernel, self.stride, (1, 1), gy.shape[2:]):
            if tiles:
                gx[where] = g
            else:
                gx[where] += g
        return _unpad(gx, self.padding, self.x_shape)
