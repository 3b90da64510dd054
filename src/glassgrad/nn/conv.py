"""Convolution layers ``Conv1d`` and ``Conv2d`` (PyTorch's arguments, weight layout and init),
and ``fully_convolutional``: a trained CNN's Flatten + Linear head turned into convolutions, so
the network slides over a larger image in one pass and returns a class-confidence map.
"""

from __future__ import annotations

import warnings

from .. import functional as F
from ..autograd import no_grad
from ..creation import empty
from ..errors import ShapeError
from . import conv_functional as CF
from . import init
from .inputs import check_dtype, check_sizes
from .module import Module
from .parameter import Parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    _dims = 2
    _fn = None

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 dtype=None):
        super().__init__()
        name, n = type(self).__name__, self._dims
        check_sizes(name, in_channels=in_channels, out_channels=out_channels)
        if groups <= 0 or in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must both be divisible by groups ({groups}).")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {', '.join(_PADDING_MODES)}, "
                             f"got {padding_mode!r}.")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.groups = int(groups)
        self.kernel_size = CF._tuple(kernel_size, n, f"{name}: kernel_size")
        self.stride = CF._tuple(stride, n, f"{name}: stride")
        self.dilation = CF._tuple(dilation, n, f"{name}: dilation")
        for what, v in (("kernel_size", self.kernel_size), ("stride", self.stride),
                        ("dilation", self.dilation)):
            if min(v) < 1:
                raise ValueError(f"{name}: {what} must be positive, got {v}.")
        CF.resolve_padding(padding, self.kernel_size, self.dilation, self.stride, name)  # check
        self.padding = padding if isinstance(padding, str) else CF._tuple(padding, n, "padding")
        self.padding_mode = padding_mode
        shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = Parameter(empty(*shape, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: kaiming_uniform(a=√5) = U(−1/√fan_in, 1/√fan_in) for the weight and
        the same bound for the bias, fan_in = in_channels/groups · ∏kernel_size."""
        init.fan_in_uniform_(self.weight)
        if self.bias is not None:
            fan_in = self.weight.shape[1]
            for k in self.kernel_size:
                fan_in *= k
            init.fan_in_uniform_(self.bias, fan_in=fan_in)

    def forward(self, x):
        want = self._dims + 2
        if x.ndim != want:
            layout = "(N, C, L)" if self._dims == 1 else "(N, C, H, W)"
            raise ShapeError(f"{self!r} expected a {want}-D input {layout}, got shape "
                             f"{tuple(x.shape)}. For one sample add the batch axis with "
                             "x.unsqueeze(0).")
        if x.shape[1] != self.in_channels:
            raise ShapeError(f"{self!r} expected {self.in_channels} input channels, got "
                             f"{x.shape[1]} (input shape {tuple(x.shape)}). Check in_channels "
                             "or the previous layer's out_channels.")
        check_dtype(self, x, self.weight)
        padding = self.padding
        try:
            if self.padding_mode != "zeros":
                # NOTE: as PyTorch: pad in that mode with F.pad, then convolve without padding.
                pads = CF.resolve_padding(padding, self.kernel_size, self.dilation, self.stride,
                                          type(self).__name__)
                x = F.pad(x, [w for lo_hi in reversed(pads) for w in lo_hi], self.padding_mode)
                padding = 0
            return type(self)._fn(x, self.weight, self.bias, self.stride, padding,
                                  self.dilation, self.groups)
        except ShapeError as err:  # name the layer, not just the op
            raise ShapeError(f"{self!r}: {err}") from None

    def extra_repr(self) -> str:
        k = self.kernel_size
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={k}, stride={self.stride}"
        if self.padding not in (0, "valid") and self.padding != (0,) * self._dims:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._dims:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        s += "" if self.bias is not None else ", bias=False"
        return s + (f", padding_mode={self.padding_mode}" if self.padding_mode != "zeros" else "")


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation) over (N, C, H, W) batches.

    Args:
        in_channels, out_channels: C and O.
        kernel_size, stride, dilation: int or (h, w).
        padding: int, (h, w), "valid" (none) or "same" (keeps H×W; stride 1 only).
        groups: split channels into groups convolved separately (in_channels = groups: depthwise).
        bias: learn one bias per output channel.
        padding_mode: what the padding holds: "zeros" (default), "reflect", "replicate" or
            "circular" (as PyTorch: the input is padded with ``F.pad`` in that mode first).
    Shapes: input (N, C, H, W) -> (N, O, OH, OW), OH = ⌊(H + 2p − d(KH − 1) − 1)/s⌋ + 1.
    weight (O, C/groups, KH, KW) and bias (O,), as PyTorch's, so state dicts carry over.
    """

    _dims = 2
    _fn = staticmethod(CF.conv2d)


class Conv1d(_ConvNd):
    """1-D convolution over (N, C, L) sequences; the same arguments as ``Conv2d``.

    Shapes: input (N, C, L) -> (N, O, OL); weight (O, C/groups, K); bias (O,).
    """

    _dims = 1
    _fn = staticmethod(CF.conv1d)


# ---------------------------------------------------------------- detection by class maps

def _leaves(module) -> list:
    from .containers import Sequential

    if isinstance(module, Sequential):
        return [leaf for child in module for leaf in _leaves(child)]
    return [module]


def fully_convolutional(model, input_shape):
    """Turn a CNN ending in Flatten + Linear layers into an equivalent fully convolutional net.

    The first Linear after the Flatten becomes a Conv2d whose kernel covers the whole feature
    map it used to read (weights reshaped, not retrained); each later Linear becomes a 1×1 conv.
    On an input of ``input_shape`` the result gives the model's outputs as (N, classes, 1, 1);
    on a larger image it slides the model over every window at once and returns a class map
    (N, classes, OH, OW) whose pixel (i, j) equals ``model(image[..., i·s:i·s + H, j·s:j·s + W])``
    with s the product of the strides (``.window_stride`` on the result). That equality is
    exact when the convolutions do not pad: a padded conv sees zeros at a window's border in the
    model but the neighbouring pixels in the big image (a warning says so).

    Args:
        model: a ``Sequential`` (may nest Sequentials) of Conv2d, pools, activations, one
            ``Flatten`` and then Linear layers and activations.
        input_shape: the (C, H, W) of the images the model was trained on.
    Returns:
        A new ``Sequential`` (weights copied).
    """
    from .containers import Sequential
    from .flatten import Flatten
    from .linear import Linear
    from .pooling import _Pool

    if not isinstance(model, Sequential):
        raise TypeError(f"fully_convolutional: expected a Sequential, got {type(model).__name__}; "
                        "write the model as a Sequential so its layers can be walked in order.")
    layers, out, flat_shape, stride = [], None, None, [1, 1]
    from ..creation import zeros

    with no_grad():
        x = zeros(1, *input_shape, dtype=_first_dtype(model))
        for layer in _leaves(model):
            if flat_shape is None:
                if isinstance(layer, Flatten):
                    flat_shape = tuple(x.shape[1:])
                    continue
                if isinstance(layer, Linear):
                    raise ValueError(f"fully_convolutional: {layer!r} comes before any Flatten; "
                                     "expected Conv/pool layers, Flatten, then Linear layers.")
                if isinstance(layer, (Conv2d, _Pool)) and _pads(layer):
                    warnings.warn(f"fully_convolutional: {layer!r} pads its input, so the class "
                                  "map differs from window-by-window results near each "
                                  "window's border.", stacklevel=2)
                if isinstance(layer, (Conv2d, _Pool)):
                    s = layer.stride if isinstance(layer.stride, tuple) else (layer.stride,) * 2
                    stride = [stride[0] * s[0], stride[1] * s[1]]
                x = layer(x)
                layers.append(layer)
                continue
            if isinstance(layer, Linear):
                layers.append(_linear_as_conv(layer, flat_shape if out is None else (out, 1, 1)))
                out = layer.out_features
            elif hasattr(layer, "dim") and layer.dim in (-1, 1):
                layers.append(type(layer)(dim=1))  # softmax over the class channel
            elif not list(layer.parameters()):
                layers.append(layer)  # activations and dropout work on any shape
            else:
                raise TypeError(f"fully_convolutional: cannot convert {layer!r} in the head.")
    if flat_shape is None:
        raise ValueError("fully_convolutional: the model has no Flatten layer, nothing to convert.")
    net = Sequential(*layers)
    net.window_stride = tuple(stride)
    return net


def _pads(layer) -> bool:
    p = layer.padding
    return p == "same" or (not isinstance(p, str) and any(p))


def _first_dtype(model):
    for p in model.parameters():
        return p.dtype
    return None


def _linear_as_conv(linear, in_shape) -> Conv2d:
    c, h, w = in_shape if len(in_shape) == 3 else (in_shape[0], 1, 1)
    if c * h * w != linear.in_features:
        raise ShapeError(f"fully_convolutional: {linear!r} reads {linear.in_features} features but "
                         f"the flattened feature map {in_shape} has {c * h * w}.")
    conv = Conv2d(c, linear.out_features, (h, w), bias=linear.bias is not None,
                  dtype=linear.weight.dtype)
    with no_grad():
        # NOTE: Flatten orders features (c, h, w) row-major, so a plain reshape lines them up.
        conv.weight.data = linear.weight.data.reshape(conv.weight.shape).copy()
        if linear.bias is not None:
            conv.bias.data = linear.bias.data.copy()
    return conv
