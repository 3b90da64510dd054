"""ONNX node → glassgrad module converters for ``load`` (``CONVERTERS``). Each takes a
``load_node.Node`` and returns ``(module, runtime input names, output names)``, or raises
``Unsupported`` saying why. Layers are in ``load_layers``; shapes, indexing and arithmetic
(``modules.Op``) here."""

from __future__ import annotations

import numpy as np

from .. import nn
from ._lib import onnx
from .load_layers import (
    batch_norm,
    clip,
    conv,
    gemm,
    global_pool,
    hardsigmoid,
    matmul,
    pool,
    prelu,
    recurrent,
    softmax,
)
from .load_node import Unsupported, _consts, _float_dtype, _set
from .modules import Op


def elementwise(n):
    return n.done(Op(n.op, consts=_consts(n), arity=len(n.inputs)))


# ---------------------------------------------------------------- shapes and indexing

def _axes(n, i=1):
    """Axes given as input ``i`` (newer opsets) or as the ``axes`` attribute."""
    if "axes" in n.attrs:
        return list(n.attrs["axes"])
    value = n.const(i) if i < len(n.inputs) and n.inputs[i] else None
    return None if value is None else [int(a) for a in np.asarray(value).reshape(-1)]


def reshape(n):
    allow = int(n.attrs.get("allowzero", 0))
    if n.is_const(1):
        shape = [int(d) for d in n.const(1)]
        return n.done(Op("Reshape", {"shape": shape, "allowzero": allow}), ins=n.inputs[:1])
    return n.done(Op("Reshape", {"allowzero": allow}, arity=2))  # a shape computed in the graph


def shape(n):
    attrs = {k: n.attrs[k] for k in ("start", "end") if k in n.attrs}
    return n.done(Op("Shape", attrs))


def constant_of_shape(n):
    value = n.attrs.get("value")
    value = np.zeros(1, np.float32) if value is None else onnx().numpy_helper.to_array(value)
    return n.done(Op("ConstantOfShape", {"value": value.reshape(-1)}))


def flatten(n):
    if n.attrs.get("axis", 1) == 1:
        return n.done(nn.Flatten())
    return n.done(Op("Flatten", {"axis": n.attrs["axis"]}))


def squeeze_like(n):
    axes = _axes(n)
    if axes is None:
        raise Unsupported("without axes (squeezing every size-1 dim) the result depends on "
                          "the input shape; give axes")
    return n.done(Op(n.op, {"axes": axes}), ins=n.inputs[:1])


def slice_(n):
    if n.loader.opset < 10:
        starts, ends = n.attrs["starts"], n.attrs["ends"]
        axes, steps = n.attrs.get("axes"), None
    else:
        starts, ends = n.const(1).tolist(), n.const(2).tolist()
        axes = None if n.const(3) is None else n.const(3).tolist()
        steps = None if n.const(4) is None else n.const(4).tolist()
    axes = list(range(len(starts))) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    big = 2 ** 62
    slices = [(s if abs(s) < big else None, e if abs(e) < big else None, a, st)
              for s, e, a, st in zip(starts, ends, axes, steps)]
    rank = n.loader.rank(n.inputs[0])
    if any(a < 0 for _, _, a, _ in slices) and rank is None:
        raise Unsupported("negative axes on an input of unknown rank")
    slices = [(s, e, a % rank if a < 0 else a, st) for s, e, a, st in slices]
    return n.done(Op("Slice", {"slices": slices}), ins=n.inputs[:1])


def gather(n):
    axis = int(n.attrs.get("axis", 0))
    if n.is_const(0) and not n.is_const(1) and axis == 0 and n.const(0).ndim == 2:
        table = n.const(0)
        emb = nn.Embedding(table.shape[0], table.shape[1], dtype=_float_dtype(table))
        _set(emb.weight, table)
        return n.done(emb)
    if n.is_const(1) and not n.is_const(0):
        idx = np.asarray(n.const(1))
        return n.done(Op("Gather", {"axis": axis, "indices": int(idx) if idx.ndim == 0
                                    else idx.astype(np.int64)}), ins=n.inputs[:1])
    raise Unsupported("only a constant table looked up by runtime ids (Embedding) or a "
                      "runtime tensor indexed by constant indices")


def reduce(n):
    axes = _axes(n)
    if axes is None and n.attrs.get("noop_with_empty_axes", 0):
        return n.done(nn.Identity(), ins=n.inputs[:1])
    return n.done(Op(n.op, {"axes": axes, "keepdims": n.attrs.get("keepdims", 1)}),
                  ins=n.inputs[:1])


def pad(n):
    pads = [int(p) for p in (n.const(1) if n.loader.opset >= 11 else n.attrs["pads"])]
    if n.loader.opset >= 18 and len(n.inputs) > 3 and n.inputs[3]:
        raise Unsupported("pads on selected axes (the axes input)")
    mode = {"constant": "constant", "reflect": "reflect", "edge": "replicate",
            "wrap": "circular"}[n.attrs.get("mode", "constant")]
    value = n.const(2) if n.loader.opset >= 11 and len(n.inputs) > 2 else n.attrs.get("value")
    half = len(pads) // 2
    torch_pad = []
    for d in reversed(range(half)):
        torch_pad += [pads[d], pads[half + d]]
    value = None if value is None or mode != "constant" else float(np.asarray(value))
    return n.done(Op("Pad", {"pad": torch_pad, "mode": mode, "value": value}),
                  ins=n.inputs[:1])


def dropout(n):
    if n.used(1):
        raise Unsupported("its mask output is used")
    ratio = n.const(1) if len(n.inputs) > 1 and n.inputs[1] else n.attrs.get("ratio", 0.5)
    return n.done(nn.Dropout(float(np.asarray(ratio))), ins=n.inputs[:1])


def _simple(cls, **attr_map):
    def convert(n):
        kwargs = {k: n.attrs.get(src, default) for k, (src, default) in attr_map.items()}
        return n.done(cls(**kwargs), ins=n.inputs[:1])
    return convert


CONVERTERS = {
    "Gemm": gemm, "MatMul": matmul,
    "Relu": _simple(nn.ReLU), "Sigmoid": _simple(nn.Sigmoid), "Tanh": _simple(nn.Tanh),
    "LeakyRelu": _simple(nn.LeakyReLU, negative_slope=("alpha", 0.01)),
    "Elu": _simple(nn.ELU, alpha=("alpha", 1.0)), "Softplus": _simple(nn.Softplus),
    "Gelu": _simple(nn.GELU, approximate=("approximate", "none")), "Sign": _simple(nn.Sign),
    "Softmax": softmax(nn.Softmax), "LogSoftmax": softmax(nn.LogSoftmax),
    "HardSigmoid": hardsigmoid, "PRelu": prelu, "Clip": clip,
    "Conv": conv, "MaxPool": pool("max"), "AveragePool": pool("avg"),
    "GlobalAveragePool": global_pool("avg"), "GlobalMaxPool": global_pool("max"),
    "BatchNormalization": batch_norm, "Dropout": dropout, "Identity": _simple(nn.Identity),
    "Flatten": flatten, "Reshape": reshape, "Squeeze": squeeze_like, "Unsqueeze": squeeze_like,
    "Transpose": lambda n: n.done(Op("Transpose", {"perm": n.attrs.get("perm")})),
    "Concat": lambda n: n.done(Op("Concat", {"axis": n.attrs["axis"]}, _consts(n),
                                  len(n.inputs))),
    "Shape": shape, "ConstantOfShape": constant_of_shape, "Slice": slice_, "Gather": gather,
    "Pad": pad,
    "ReduceMean": reduce, "ReduceSum": reduce, "ReduceMax": reduce,
    "LSTM": recurrent, "GRU": recurrent, "RNN": recurrent,
    **{k: elementwise for k in ("Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Exp", "Log",
                                "Sqrt", "Neg", "Abs", "Sin", "Cos")},
}
