"""Convolution and pooling converters, as layers (``MODULES``) and as ops (``OPS``: for
``F.conv2d``/``F.max_pool2d`` called in a custom forward)."""

from __future__ import annotations

import numpy as np

from .. import nn
from ..nn import conv_functional as CF
from ..ops.pool_indices import adaptive_bounds
from ._lib import ExportError

_PAD_MODES = {"reflect": ("reflect", 11), "replicate": ("edge", 11), "circular": ("wrap", 19)}


def _pads(pairs) -> list:
    """((lo, hi) per spatial dim) → ONNX's [lo_1, lo_2, ..., hi_1, hi_2, ...]."""
    return [lo for lo, _ in pairs] + [hi for _, hi in pairs]


def conv(b, call):
    m = call.module
    pairs = CF.resolve_padding(m.padding, m.kernel_size, m.dilation, m.stride, type(m).__name__)
    x = call.inputs[0]
    if m.padding_mode != "zeros" and any(p for pair in pairs for p in pair):
        mode, opset = _PAD_MODES[m.padding_mode]
        b.need(opset, f"padding_mode={m.padding_mode!r} (ONNX Pad mode {mode!r})", call)
        x = b.node("Pad", [x, b.ints([0, 0] + [lo for lo, _ in pairs] + [0, 0]
                                     + [hi for _, hi in pairs])], mode=mode)
        pairs = ((0, 0),) * len(pairs)
    w = b.init(m.weight.data, call.param_names.get(id(m.weight)), key=id(m.weight))
    bias = None
    if m.bias is not None:
        bias = b.init(m.bias.data, call.param_names.get(id(m.bias)), key=id(m.bias))
    return b.node("Conv", [x, w, bias], kernel_shape=list(m.kernel_size),
                  strides=list(m.stride), pads=_pads(pairs), dilations=list(m.dilation),
                  group=int(m.groups))


def _no_indices(call):
    if getattr(call.module, "return_indices", False):
        raise ExportError(f"{call.what}: return_indices=True has no ONNX equivalent (ONNX's "
                          "MaxPool indices count over the whole tensor, not per channel). "
                          "Export the model without the indices output.")


def max_pool(b, call):
    _no_indices(call)
    m = call.module
    return b.node("MaxPool", [call.inputs[0]], kernel_shape=list(m.kernel_size),
                  strides=list(m.stride), pads=[*m.padding, *m.padding],
                  dilations=list(m.dilation), ceil_mode=int(m.ceil_mode))


def avg_pool(b, call):
    m = call.module
    return b.node("AveragePool", [call.inputs[0]], kernel_shape=list(m.kernel_size),
                  strides=list(m.stride), pads=[*m.padding, *m.padding],
                  count_include_pad=int(m.count_include_pad), ceil_mode=int(m.ceil_mode))


def _out_size(call, dims):
    sizes = call.module.output_size
    sizes = (sizes,) * dims if sizes is None or isinstance(sizes, int) else tuple(sizes)
    spatial = call.shapes[0][2:]
    return spatial, tuple(n if o is None else int(o) for n, o in zip(spatial, sizes))


def adaptive(op):
    """AdaptiveAvgPool/AdaptiveMaxPool: a global pool (output 1), a fixed pool where the input
    divides evenly; otherwise (average only) glassgrad's own form, P_h · x · P_wᵀ."""
    glob, fixed = ("GlobalAveragePool", "AveragePool") if op == "avg" else (
        "GlobalMaxPool", "MaxPool")

    def convert(b, call):
        _no_indices(call)
        dims = 1 if type(call.module).__name__.endswith("1d") else 2
        spatial, out = _out_size(call, dims)
        x = call.inputs[0]
        # NOTE: onnx.reference's GlobalMaxPool mishandles 3-D inputs: 1-D max uses MaxPool
        if all(o == 1 for o in out) and (op == "avg" or dims == 2):
            return b.node(glob, [x])
        if all(n % o == 0 for n, o in zip(spatial, out)):
            k = [n // o for n, o in zip(spatial, out)]
            return b.node(fixed, [x], kernel_shape=k, strides=k)
        if op == "max":
            raise ExportError(
                f"{call.what}: adaptive max pooling from {spatial} to {out} uses windows of "
                "different sizes, which no ONNX pooling op expresses (any opset). Choose an "
                "output size that divides the input size, or use AdaptiveAvgPool.")
        for axis, (n, o) in enumerate(zip(spatial, out)):
            p = np.zeros((o, n), dtype=b.dtype)
            for i, (lo, hi) in enumerate(adaptive_bounds(n, o)):
                p[i, lo:hi] = 1.0 / (hi - lo)
            if axis == len(spatial) - 1:  # the last dim: x · P_wᵀ
                x = b.node("MatMul", [x, b.init(p.T, f"{call.name}.pool_w")])
            else:  # the one before it: P_h · x
                x = b.node("MatMul", [b.init(p, f"{call.name}.pool_h"), x])
        return x

    return convert


def global_avg(b, call):
    return b.node("Flatten", [b.node("GlobalAveragePool", [call.inputs[0]])], axis=1)


MODULES = {
    nn.Conv1d: conv, nn.Conv2d: conv,
    nn.MaxPool1d: max_pool, nn.MaxPool2d: max_pool,
    nn.AvgPool1d: avg_pool, nn.AvgPool2d: avg_pool,
    nn.AdaptiveAvgPool1d: adaptive("avg"), nn.AdaptiveAvgPool2d: adaptive("avg"),
    nn.AdaptiveMaxPool1d: adaptive("max"), nn.AdaptiveMaxPool2d: adaptive("max"),
    nn.GlobalAvgPool2d: global_avg,
}


# ---------------------------------------------------------------- the same as ops

def conv_op(b, call):
    p = call.params
    pads = _pads(p.get("padding", ((0, 0), (0, 0))))
    inputs = [b_in if b_in is not None else b.init(a, f"{call.name}.const")
              for b_in, a in zip(call.inputs, call.arrays)]
    return b.node("Conv", inputs, kernel_shape=list(np.shape(call.arrays[1])[2:]),
                  strides=list(p.get("stride", (1, 1))), pads=pads,
                  dilations=list(p.get("dilation", (1, 1))), group=int(p.get("groups", 1)))


def pool_op(onnx_op):
    def convert(b, call):
        p = call.params
        pad = list(p.get("padding", (0, 0)))
        attrs = {"kernel_shape": list(p.get("kernel", (2, 2))),
                 "strides": list(p.get("stride", (2, 2))), "pads": pad + pad,
                 "ceil_mode": int(p.get("ceil_mode", False))}
        if onnx_op == "MaxPool":
            attrs["dilations"] = list(p.get("dilation", (1, 1)))
        else:
            attrs["count_include_pad"] = int(p.get("count_include_pad", True))
        return b.node(onnx_op, [call.inputs[0]], **attrs)
    return convert


OPS = {"Conv2d": conv_op, "MaxPool2d": pool_op("MaxPool"), "AvgPool2d": pool_op("AveragePool")}
