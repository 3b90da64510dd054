"""Pooling layers: MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d, AdaptiveMaxPool1d/2d and
GlobalAvgPool2d."""

from __future__ import annotations

from ..errors import ShapeError
from . import conv_functional as CF
from .module import Module


class _Named(Module):
    """Errors of the functional form are re-raised naming the layer (a 1-d layer runs the 2-d
    op, whose own message alone would show a 4-D shape the user never made)."""

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except (ShapeError, ValueError) as err:
            raise type(err)(f"{self!r} (input shape {_shape(args)}): {err}") from None


def _shape(args):
    return tuple(args[0].shape) if args and hasattr(args[0], "shape") else None


class _Pool(_Named):
    _dims = 2

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False):
        super().__init__()
        name, n = type(self).__name__, self._dims
        self.ceil_mode = bool(ceil_mode)
        self.kernel_size = CF._tuple(kernel_size, n, f"{name}: kernel_size")
        self.stride = self.kernel_size if stride is None else CF._tuple(stride, n,
                                                                          f"{name}: stride")
        self.padding = CF._tuple(padding, n, f"{name}: padding")
        if min(self.kernel_size) < 1 or min(self.stride) < 1:
            raise ValueError(f"{name}: kernel_size {self.kernel_size} and stride {self.stride} "
                             "must be positive.")

    def extra_repr(self) -> str:
        s = f"kernel_size={self.kernel_size}, stride={self.stride}"
        s += f", padding={self.padding}" if any(self.padding) else ""
        return s + (", ceil_mode=True" if self.ceil_mode else "")


class MaxPool2d(_Pool):
    """Max over KH×KW windows (stride defaults to the kernel): (N, C, H, W) -> (N, C, OH, OW).
    Backward sends each window's gradient to its first maximum, as PyTorch. ``ceil_mode``
    keeps a last partial window; ``return_indices`` makes the layer return (output, indices),
    indices int64 flat positions h·W + w of each maximum in its channel (PyTorch's order)."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False):
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.dilation = CF._tuple(dilation, self._dims, "MaxPool: dilation")
        self.return_indices = bool(return_indices)

    def forward(self, x):
        return CF.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                             self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        return super().extra_repr() + (", return_indices=True" if self.return_indices else "")


class MaxPool1d(MaxPool2d):
    """Max over windows of length K: (N, C, L) -> (N, C, OL)."""

    _dims = 1

    def forward(self, x):
        return CF.max_pool1d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                             self.ceil_mode, self.return_indices)


class AvgPool2d(_Pool):
    """Mean over KH×KW windows: (N, C, H, W) -> (N, C, OH, OW). ``count_include_pad`` (True,
    PyTorch's default) counts padded zeros in the divisor; ``ceil_mode`` keeps a last partial
    window (arguments in PyTorch's order)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True):
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = bool(count_include_pad)

    def forward(self, x):
        return CF.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                             self.count_include_pad)


class AvgPool1d(AvgPool2d):
    """Mean over windows of length K: (N, C, L) -> (N, C, OL)."""

    _dims = 1

    def forward(self, x):
        return CF.avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                             self.count_include_pad)


class AdaptiveAvgPool2d(_Named):
    """Average to a fixed (OH, OW) whatever the input size: (N, C, H, W) -> (N, C, OH, OW).
    ``AdaptiveAvgPool2d(1)`` is global average pooling that keeps the 1×1 map."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, x):
        return CF.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(AdaptiveAvgPool2d):
    """(N, C, L) -> (N, C, output_size)."""

    def forward(self, x):
        return CF.adaptive_avg_pool1d(x, self.output_size)


class AdaptiveMaxPool2d(_Named):
    """Max to a fixed (OH, OW) whatever the input size (PyTorch's windows): (N, C, H, W) or
    (C, H, W) -> (…, OH, OW); None in ``output_size`` keeps that size. ``return_indices``:
    return (output, indices), indices int64 flat h·W + w of each maximum."""

    def __init__(self, output_size, return_indices: bool = False):
        super().__init__()
        self.output_size, self.return_indices = output_size, bool(return_indices)

    def forward(self, x):
        return CF.adaptive_max_pool2d(x, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    """(N, C, L) or (C, L) -> (…, output_size)."""

    def forward(self, x):
        return CF.adaptive_max_pool1d(x, self.output_size, self.return_indices)


class GlobalAvgPool2d(_Named):
    """Mean of each channel's whole map: (N, C, H, W) -> (N, C) (Keras' GlobalAveragePooling2D);
    the usual bridge from convolutions to a classifier without Flatten's parameter count."""

    def forward(self, x):
        return CF.global_avg_pool2d(x)
