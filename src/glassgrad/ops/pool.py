"""2-D pooling: max (gradient to the first maximum, as PyTorch) and average.

Both loop over the KH·KW kernel offsets, each step one vectorised operation on the whole
(N, C, OH, OW) output; there is no loop over windows or pixels. For the usual 2×2 window that is
four array operations, faster than materialising the windows and reducing them (measured).
"""

from __future__ import annotations

from ..autograd import Function
from ..backend import get_array_module
from ..errors import ShapeError
from .conv import conv_output_size


def _geometry(x, kernel, stride, padding, dilation, op):
    if x.ndim != 4:
        raise ShapeError(f"{op}: expected a 4-D input (N, C, H, W), got shape {tuple(x.shape)}.")
    if min(kernel) < 1 or min(stride) < 1 or min(dilation) < 1:
        raise ValueError(f"{op}: kernel {kernel}, stride {stride} and dilation {dilation} must be "
                         "positive integers.")
    for k, p, d in zip(kernel, padding, dilation):
        if p < 0 or 2 * p > d * (k - 1) + 1:
            raise ValueError(f"{op}: padding {padding} must be non-negative and at most half the "
                             f"kernel {kernel} (as in PyTorch).")
    out = []
    for axis in range(2):
        size = x.shape[2 + axis] + 2 * padding[axis]
        span = dilation[axis] * (kernel[axis] - 1) + 1
        if span > size:
            raise ShapeError(
                f"{op}: the window spans {span} pixels but the padded input is only {size} "
                f"along {'height' if axis == 0 else 'width'} (input {tuple(x.shape)}, kernel "
                f"{tuple(kernel)}, padding {tuple(padding)}). Use a smaller kernel.")
        out.append(conv_output_size(x.shape[2 + axis], kernel[axis], stride[axis],
                                    2 * padding[axis], dilation[axis]))
    return tuple(out)


def _offsets(kernel, stride, dilation, out_hw):
    """(k, index) for every kernel offset: ``padded[index]`` is that offset over all windows."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    for i in range(kh):
        rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
        for j in range(kw):
            cols = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
            yield i * kw + j, (slice(None), slice(None), rows, cols)


def _pad(x, padding, value):
    ph, pw = padding
    if not (ph or pw):
        return x
    xp = get_array_module(x)
    n, c, h, w = x.shape
    out = xp.full((n, c, h + 2 * ph, w + 2 * pw), value, dtype=x.dtype)
    out[:, :, ph:ph + h, pw:pw + w] = x
    return out


def _unpad(g, padding, shape):
    ph, pw = padding
    return g[:, :, ph:ph + shape[2], pw:pw + shape[3]] if (ph or pw) else g


class MaxPool2d(Function):
    """Max over each window; backward routes the gradient to the window's first maximum."""

    def forward(self, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1)):
        xp = get_array_module(x)
        out_hw = _geometry(x, kernel, stride, padding, dilation, "MaxPool2d")
        xpad = _pad(x, padding, -xp.inf)
        best = index = None
        for k, where in _offsets(kernel, stride, dilation, out_hw):
            v = xpad[where]
            if best is None:
                best = v.copy()
                small = kernel[0] * kernel[1] <= 255
                index = xp.zeros(best.shape, dtype=xp.uint8 if small else xp.int32)
                continue
            # NOTE: strictly greater keeps the first maximum (PyTorch's choice, which matters
            # after ReLU where whole windows tie at 0); NaN wins, as in PyTorch.
            better = (v > best) | (v != v)
            xp.copyto(best, v, where=better)
            xp.copyto(index, k, where=better)
        self.index, self.x_shape, self.xpad_shape, self.dtype = index, x.shape, xpad.shape, x.dtype
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        return best

    def backward(self, gy):
        xp = get_array_module(gy)
        gx = xp.zeros(self.xpad_shape, dtype=gy.dtype)
        zero = gy.dtype.type(0)
        for k, where in _offsets(self.kernel, self.stride, self.dilation, gy.shape[2:]):
            gx[where] += xp.where(self.index == k, gy, zero)
        return _unpad(gx, self.padding, self.x_shape)


class AvgPool2d(Function):
    """Mean over each window. ``count_include_pad`` (PyTorch's default True) divides by KH·KW;
    False divides by the number of real (unpadded) pixels in the window."""

    def forward(self, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0), count_include_pad=True):
        xp = get_array_module(x)
        out_hw = _geometry(x, kernel, stride, padding, (1, 1), "AvgPool2d")
        xpad = _pad(x, padding, 0)
        total = None
        for _, where in _offsets(kernel, stride, (1, 1), out_hw):
            if total is None:
                total = xpad[where].copy()
            else:
                total += xpad[where]
        if count_include_pad or not (padding[0] or padding[1]):
            scale = x.dtype.type(1.0 / (kernel[0] * kernel[1]))
        else:
            ones = _pad(xp.ones((1, 1) + x.shape[2:], dtype=x.dtype), padding, 0)
            count = sum(ones[where] for _, where in _offsets(kernel, stride, (1, 1), out_hw))
            scale = 1.0 / count
        self.scale, self.x_shape, self.xpad_shape = scale, x.shape, xpad.shape
        self.kernel, self.stride, self.padding = kernel, stride, padding
        return total * scale

    def backward(self, gy):
        xp = get_array_module(gy)
        g = gy * self.scale
        gx = xp.zeros(self.xpad_shape, dtype=gy.dtype)
        for _, where in _offsets(self.kernel, self.stride, (1, 1), gy.shape[2:]):
            gx[where] += g
        return _unpad(gx, self.padding, self.x_shape)
