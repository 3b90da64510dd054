"""Layer converters: Linear, activations, Softmax/LogSoftmax, Flatten/Unflatten, Embedding,
BatchNorm, Dropout and Identity. Each takes ``(builder, call)`` and returns the output name(s).
"""

from __future__ import annotations

import math

import numpy as np

from .. import nn
from ._lib import ExportError
from .export_util import reduce, reshape


def _w(b, call, attr: str, transform=None, suffix=None) -> str:
    """The initializer of parameter/buffer ``attr`` of the layer, named as in state_dict()."""
    t = getattr(call.module, attr)
    base = call.param_names.get(id(t), f"{call.name}.{attr}")
    if transform is None:
        return b.init(t.data, base, key=id(t))
    return b.init(transform(np.asarray(t.data)), f"{base}{suffix}", key=(id(t), suffix))


def linear(b, call):
    m, x = call.module, call.inputs[0]
    if len(call.shapes[0]) == 2:  # y = x Wᵀ + b as ONNX's Gemm (transB=1): the Linear node
        bias = _w(b, call, "bias") if m.bias is not None else None
        return b.node("Gemm", [x, _w(b, call, "weight"), bias], transB=1)
    y = b.node("MatMul", [x, _w(b, call, "weight", np.transpose, ".T")])
    return y if m.bias is None else b.node("Add", [y, _w(b, call, "bias")])


def _simple(op, **attrs):
    def convert(b, call):
        return b.node(op, [call.inputs[0]], **attrs)
    return convert


def _attr(op, **names):
    """A one-node converter whose ONNX attributes come from the module's attributes."""
    def convert(b, call):
        return b.node(op, [call.inputs[0]],
                      **{k: float(getattr(call.module, v)) for k, v in names.items()})
    return convert


def relu6(b, call):
    return b.node("Clip", [call.inputs[0], b.scalar(0.0), b.scalar(6.0)])


def prelu(b, call):
    m, rank = call.module, len(call.shapes[0])
    # NOTE: ONNX's slope broadcasts from the right: one per channel (dim 1) is (C, 1, ..., 1)
    shape = (-1,) + (1,) * (rank - 2) if m.num_parameters > 1 and rank >= 2 else (-1,)
    slope = _w(b, call, "weight", lambda w: w.reshape(shape), f".r{rank}")
    return b.node("PRelu", [call.inputs[0], slope])


def gelu(b, call):
    x, approximate = call.inputs[0], call.module.approximate
    if b.opset >= 20:
        return b.node("Gelu", [x], approximate=approximate)
    # NOTE: before opset 20 GELU is its formula: x·Φ(x), Φ through Erf or the tanh form
    if approximate == "none":
        phi = b.node("Erf", [b.node("Mul", [x, b.scalar(math.sqrt(0.5))])])
    else:
        cube = b.node("Mul", [b.node("Mul", [x, x]), x])
        inner = b.node("Add", [x, b.node("Mul", [cube, b.scalar(0.044715)])])
        phi = b.node("Tanh", [b.node("Mul", [inner, b.scalar(math.sqrt(2.0 / math.pi))])])
    half_x = b.node("Mul", [x, b.scalar(0.5)])
    return b.node("Mul", [half_x, b.node("Add", [phi, b.scalar(1.0)])])


def softplus(b, call):
    x, beta, threshold = call.inputs[0], call.module.beta, call.module.threshold
    # (1/β)·log(1 + e^{βx}), and x where βx > threshold (glassgrad's and PyTorch's rule)
    bx = b.node("Mul", [x, b.scalar(beta)])
    soft = b.node("Div", [b.node("Softplus", [bx]), b.scalar(beta)])
    return b.node("Where", [b.node("Greater", [bx, b.scalar(threshold)]), x, soft])


def step(b, call):
    # 1 for z > 0, 0 for z < 0, 0.5 at 0: (sign(z) + 1)/2
    s = b.node("Add", [b.node("Sign", [call.inputs[0]]), b.scalar(1.0)])
    return b.node("Mul", [s, b.scalar(0.5)])


def threshold(b, call):
    hit = b.node("GreaterOrEqual", [call.inputs[0], b.scalar(call.module.theta)])
    return b.node("Cast", [hit], to=_onnx_type(b.dtype))


def stochastic(b, call):
    raise ExportError(f"{call.what}: StochasticBinary draws random numbers from glassgrad's "
                      "seeded generator; ONNX's Bernoulli (opset 15) draws others, so no export "
                      "reproduces it. Replace it by Sigmoid (its firing probability) to export.")


def softmax(op):
    def convert(b, call):
        return b.node(op, [call.inputs[0]], axis=int(call.module.dim))
    return convert


def flatten(b, call):
    m, rank = call.module, len(call.shapes[0])
    if m.start_dim % rank == 1 and m.end_dim % rank == rank - 1:
        return b.node("Flatten", [call.inputs[0]], axis=1)
    return reshape(b, call, call.inputs[0], call.out_shapes[0])


def unflatten(b, call):
    return reshape(b, call, call.inputs[0], call.out_shapes[0])


def embedding(b, call):
    ids = call.inputs[0]
    if ids is None:
        raise ExportError(f"{call.what}: its token ids are constants of the trace, not a model "
                          "input; export needs them to come from the input.")
    return b.node("Gather", [_w(b, call, "weight"), ids], axis=0)


def batch_norm(b, call):
    m, x = call.module, call.inputs[0]
    c = m.num_features
    if m.affine:
        scale, shift = _w(b, call, "weight"), _w(b, call, "bias")
    else:
        scale = b.init(np.ones(c), f"{call.name}.ones")
        shift = b.init(np.zeros(c), f"{call.name}.zeros")
    if m.track_running_stats:
        return b.node("BatchNormalization", [x, scale, shift, _w(b, call, "running_mean"),
                                             _w(b, call, "running_var")], epsilon=float(m.eps))
    # NOTE: without running statistics glassgrad (as PyTorch) normalizes with the batch's own
    # mean and biased variance at inference too: that formula, node by node.
    rank = len(call.shapes[0])
    axes = [0] + list(range(2, rank))
    mean = reduce(b, "ReduceMean", x, axes, True)
    centered = b.node("Sub", [x, mean])
    var = reduce(b, "ReduceMean", b.node("Mul", [centered, centered]), axes, True)
    std = b.node("Sqrt", [b.node("Add", [var, b.scalar(m.eps)])])
    per_channel = (c,) + (1,) * (rank - 2)
    scale = b.node("Reshape", [scale, b.ints(per_channel)])
    shift = b.node("Reshape", [shift, b.ints(per_channel)])
    return b.node("Add", [b.node("Mul", [b.node("Div", [centered, std]), scale]), shift])


def identity(b, call):
    return b.node("Identity", [call.inputs[0]])


def _onnx_type(dtype) -> int:
    from ._lib import onnx

    return onnx().helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


MODULES = {
    nn.Linear: linear,
    nn.Sigmoid: _simple("Sigmoid"),
    nn.Tanh: _simple("Tanh"),
    nn.ReLU: _simple("Relu"),
    nn.ReLU6: relu6,
    nn.HardSigmoid: _simple("HardSigmoid", alpha=1.0 / 6.0, beta=0.5),
    nn.LeakyReLU: _attr("LeakyRelu", alpha="negative_slope"),
    nn.PReLU: prelu,
    nn.ELU: _attr("Elu", alpha="alpha"),
    nn.GELU: gelu,
    nn.Softplus: softplus,
    nn.Softmax: softmax("Softmax"),
    nn.LogSoftmax: softmax("LogSoftmax"),
    nn.Step: step,
    nn.Sign: _simple("Sign"),
    nn.Threshold: threshold,
    nn.StochasticBinary: stochastic,
    nn.Flatten: flatten,
    nn.Unflatten: unflatten,
    nn.Embedding: embedding,
    nn.BatchNorm1d: batch_norm,
    nn.BatchNorm2d: batch_norm,
    nn.Dropout: identity,
    nn.Identity: identity,
}
