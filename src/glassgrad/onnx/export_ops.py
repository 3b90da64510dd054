"""Op converters: the ops a custom module's ``forward`` runs outside any layer (``x + y``,
``x.reshape(...)``, ``F.relu``, ``h[-1]``), keyed by the op's class name (``autograd.OPS``).

Each takes ``(builder, call)``: ``call.params`` are the op's keyword arguments as recorded in
the trace, ``call.arrays`` its input values, ``call.out_shapes[0]`` its symbolic output shape.
"""

from __future__ import annotations

import numpy as np

from ._lib import ExportError
from .export_rnn import reorder
from .export_util import float_dtype, operand, reduce, reshape, squeeze, unsqueeze

INT64_MAX, INT64_MIN = np.iinfo(np.int64).max, np.iinfo(np.int64).min

# ops ONNX has in no opset or that an inference export leaves out: what to do instead
WHY_NOT = {
    "StochasticBinary": "it draws from glassgrad's seeded generator; ONNX's Bernoulli (opset "
                        "15) draws other numbers. Use Sigmoid (its firing probability)",
    "CumProd": "ONNX has no cumulative product in any opset",
    "SoftmaxCrossEntropy": "losses are not part of an inference model: export the model, not "
                           "model + loss",
    "BinaryCrossEntropy": "losses are not part of an inference model: export the model alone",
    "BCEWithLogits": "losses are not part of an inference model: export the model alone",
    "ToDevice": "device moves have no ONNX form: move the model before export",
}


def no_form(kind: str, where: str, opset: int) -> str:
    why = WHY_NOT.get(kind, "glassgrad's exporter has no ONNX mapping for it")
    return (f"export: op {kind} (in layer {where!r}) has no ONNX form at opset {opset}: {why}. "
            "Supported ops are listed in docs/howto/onnx.md.")


def _unary(op, **attrs):
    def convert(b, call):
        return b.node(op, [call.inputs[0]], **attrs)
    return convert


def _binary(op):
    def convert(b, call):
        like = float_dtype(call)
        return b.node(op, [operand(b, call, 0, like), operand(b, call, 1, like)])
    return convert


def _param_unary(op, **names):
    """One node whose attributes are op keyword arguments (with their defaults)."""
    def convert(b, call):
        attrs = {k: float(call.params.get(p, d)) for k, (p, d) in names.items()}
        return b.node(op, [call.inputs[0]], **attrs)
    return convert


def clamp(b, call):
    if call.op == "Hardtanh":
        lo, hi = call.params.get("min_val", -1.0), call.params.get("max_val", 1.0)
    else:
        lo, hi = call.params.get("min"), call.params.get("max")
    bounds = [None if v is None else b.scalar(v) for v in (lo, hi)]
    return b.node("Clip", [call.inputs[0], *bounds])


def linear(b, call, fused=None):
    x, w = call.inputs[0], operand(b, call, 1)
    bias = operand(b, call, 2) if len(call.arrays) > 2 and call.arrays[2] is not None else None
    if len(call.shapes[0]) == 2:
        y = b.node("Gemm", [x, w, bias], transB=1)
    else:
        y = b.node("MatMul", [x, b.node("Transpose", [w], perm=[1, 0])])
        y = y if bias is None else b.node("Add", [y, bias])
    return y if fused is None else b.node(fused, [y])


def _fused(act):
    return lambda b, call: linear(b, call, act)


def permute(b, call):
    return b.node("Transpose", [call.inputs[0]], perm=[int(a) for a in call.params["axes"]])


def expand(b, call):
    shape, src = call.out_shapes[0], call.shapes[0]
    target = []
    for i, d in enumerate(shape):
        j = i - (len(shape) - len(src))
        if d is None and (j < 0 or src[j] is not None):
            raise ExportError(f"{call.what}: expand to a batch-dependent size; build the "
                              "tensor from the input or pass dynamic_batch=False.")
        target.append(1 if d is None else int(d))  # NOTE: 1 keeps the input's (batch) size
    return b.node("Expand", [call.inputs[0], b.ints(target)])


def getitem(b, call):
    index, x, shape = call.params.get("index"), call.inputs[0], call.shapes[0]
    items = index if isinstance(index, tuple) else (index,)
    if isinstance(index, np.ndarray) and index.dtype.kind in "iu" and index.ndim <= 1:
        return b.node("Gather", [x, b.ints(index)], axis=0)
    if not all(i is None or i is Ellipsis or isinstance(i, (int, slice, np.integer))
               for i in items):
        raise ExportError(f"{call.what}: indexing with {index!r} (masks, several index arrays) "
                          "is not exported; index with ints, slices, None and ... only.")
    if Ellipsis in items:
        k = items.index(Ellipsis)
        fill = len(shape) - sum(i is not None for i in items if i is not Ellipsis)
        items = items[:k] + (slice(None),) * fill + items[k + 1:]
    axis, drop, add = 0, [], []
    for i in items:
        if i is None:
            add.append(axis + len(add) - len(drop))
            continue
        if isinstance(i, slice):
            if i != slice(None):
                step = 1 if i.step is None else int(i.step)
                start = i.start if i.start is not None else (0 if step > 0 else -1)
                stop = i.stop if i.stop is not None else (INT64_MAX if step > 0 else INT64_MIN)
                x = b.node("Slice", [x, b.ints([start]), b.ints([stop]), b.ints([axis]),
                                     b.ints([step])])
        else:
            x = b.node("Gather", [x, b.ints(int(i))], axis=axis)
            drop.append(axis)
            axis -= 1  # NOTE: a scalar index removes the axis (Gather with 0-d indices)
        axis += 1
    return unsqueeze(b, x, add) if add else x


def cat(b, call):
    like = float_dtype(call)
    ins = [operand(b, call, i, like) for i in range(len(call.arrays))]
    return b.node("Concat", ins, axis=int(call.params.get("axis", 0)))


def _reduction(op):
    def convert(b, call):
        return reduce(b, op, call.inputs[0], call.params.get("axis"),
                      call.params.get("keepdims", False))
    return convert


def log_softmax(b, call):
    return b.node("LogSoftmax", [call.inputs[0]], axis=int(call.params.get("axis", -1)))


def reshape_op(b, call):
    return reshape(b, call, call.inputs[0], call.out_shapes[0])


def elu(b, call):
    return b.node("Elu", [call.inputs[0]], alpha=float(call.params.get("alpha", 1.0)))


def _as_layer(convert, cls, **kwargs):
    """An op converted by the layer converter of the same name (GELU, Softplus, Step ...)."""
    def run(b, call):
        call.module = cls(**{k: call.params.get(p, d) for k, (p, d) in kwargs.items()})
        return convert(b, call)
    return run


def pad(b, call):
    rank = len(call.shapes[0])
    if call.op == "Pad":
        widths = call.params["widths"]
        lo, hi = [int(w[0]) for w in widths], [int(w[1]) for w in widths]
        return b.node("Pad", [call.inputs[0], b.ints(lo + hi),
                              b.scalar(call.params.get("value", 0.0))], mode="constant")
    from .export_conv import _PAD_MODES

    lo, hi = [0] * rank, [0] * rank
    for axis, a, z in call.params["widths"]:
        lo[axis], hi[axis] = int(a), int(z)
    mode, opset = _PAD_MODES[call.params.get("mode", "reflect")]
    b.need(opset, f"padding mode {call.params.get('mode')!r} (ONNX Pad mode {mode!r})", call)
    return b.node("Pad", [call.inputs[0], b.ints(lo + hi)], mode=mode)


def where(b, call):
    like = float_dtype(call)
    cond = operand(b, call, 0)
    if call.inputs[0] is None and np.asarray(call.arrays[0]).dtype != bool:
        cond = b.init(np.asarray(call.arrays[0]).astype(bool), f"{call.name}.mask")
    return b.node("Where", [cond, operand(b, call, 1, like), operand(b, call, 2, like)])


def cast(b, call):
    from .export_layers import _onnx_type

    return b.node("Cast", [call.inputs[0]], to=_onnx_type(np.dtype(call.params["dtype"])))


def cumsum(b, call):
    return b.node("CumSum", [call.inputs[0], b.ints(int(call.params.get("axis", 0)))])


def _floor_div(b, call):
    """floor(a / b) for floats (ONNX's Div truncates integers toward zero: not the same)."""
    like = float_dtype(call)
    if like is None:
        raise ExportError(f"{call.what}: integer {call.op} has no exact ONNX form (ONNX's Div "
                          "truncates toward zero); compute it in floats.")
    a, d = operand(b, call, 0, like), operand(b, call, 1, like)
    return a, d, b.node("Floor", [b.node("Div", [a, d])])


def floor_divide(b, call):
    return _floor_div(b, call)[2]


def remainder(b, call):
    # a − b·floor(a / b): the sign of b, as glassgrad's and Python's % (ONNX's Mod with
    # fmod=0 is for integers only)
    a, d, q = _floor_div(b, call)
    return b.node("Sub", [a, b.node("Mul", [d, q])])


def sequence(mode):
    """RNNSequence / LSTMSequence / GRUSequence (RNN cells, custom loops): one ONNX recurrent
    node, its outputs packed as glassgrad's op packs them: [outputs, h_n(, c_n)] along time."""
    def convert(b, call):
        p = call.params
        if p.get("lengths") is not None:
            raise ExportError(f"{call.what}: recurrent ops with lengths= are not exported.")
        n_state = 2 if mode == "LSTM" else 1
        x, states = call.inputs[0], call.inputs[1:1 + n_state]
        ws = call.arrays[1 + n_state:]
        kind = mode if mode != "RNN" else ("RNN_TANH" if p.get("nonlinearity", "tanh") == "tanh"
                                           else "RNN_RELU")
        if any(call.inputs[1 + n_state + i] is not None for i in range(len(ws))):
            raise ExportError(f"{call.what}: recurrent weights computed in forward are not "
                              "exported; use parameters.")
        w = b.init(reorder(np.asarray(ws[0]), kind)[None], f"{call.name}.W")
        r = b.init(reorder(np.asarray(ws[1]), kind)[None], f"{call.name}.R")
        bias = None
        if len(ws) > 2 and ws[2] is not None:
            bias = b.init(np.concatenate([reorder(np.asarray(ws[2]), kind),
                                          reorder(np.asarray(ws[3]), kind)])[None],
                          f"{call.name}.B")
        attrs = {"hidden_size": int(np.shape(ws[1])[1]),
                 "direction": "reverse" if p.get("reverse") else "forward"}
        if mode == "GRU":
            attrs["linear_before_reset"] = 1
        if mode == "RNN":
            attrs["activations"] = ["Tanh" if kind == "RNN_TANH" else "Relu"]
        init = [unsqueeze(b, operand(b, call, 1 + i), [0]) for i in range(len(states))]
        outs = b.node(mode, [x, w, r, bias, None, *init], outputs=1 + n_state, **attrs)
        return b.node("Concat", [squeeze(b, outs[0], [1]), *outs[1:]], axis=0)
    return convert


def _ops():
    from .. import nn
    from . import export_layers as L

    table = {
        "Add": _binary("Add"), "Mul": _binary("Mul"), "Div": _binary("Div"),
        "Pow": _binary("Pow"), "Maximum": _binary("Max"), "Minimum": _binary("Min"),
        "MatMul": _binary("MatMul"), "Neg": _unary("Neg"), "Exp": _unary("Exp"),
        "Log": _unary("Log"), "Sqrt": _unary("Sqrt"), "Abs": _unary("Abs"),
        "Sin": _unary("Sin"), "Cos": _unary("Cos"), "Tanh": _unary("Tanh"),
        "Sigmoid": _unary("Sigmoid"), "ReLU": _unary("Relu"), "Sign": _unary("Sign"),
        "LeakyReLU": _param_unary("LeakyRelu", alpha=("negative_slope", 0.01)),
        "ELU": elu, "Clamp": clamp, "Hardtanh": clamp, "Where": where, "Cast": cast,
        "Linear": linear, "LinearTanh": _fused("Tanh"), "LinearSigmoid": _fused("Sigmoid"),
        "LinearReLU": _fused("Relu"), "Reshape": reshape_op, "Permute": permute,
        "Expand": expand, "GetItem": getitem, "Cat": cat, "Sum": _reduction("ReduceSum"),
        "Mean": _reduction("ReduceMean"), "Max": _reduction("ReduceMax"),
        "Prod": _reduction("ReduceProd"), "CumSum": cumsum, "FloorDivide": floor_divide,
        "Remainder": remainder,
        "LogSoftmax": log_softmax, "Pad": pad, "PadModes": pad,
        "GELU": _as_layer(L.gelu, nn.GELU, approximate=("approximate", "none")),
        "Softplus": _as_layer(L.softplus, nn.Softplus, beta=("beta", 1.0),
                              threshold=("threshold", 20.0)),
        "Step": _as_layer(L.step, nn.Step),
        "Threshold": _as_layer(L.threshold, nn.Threshold, theta=("threshold", 0.0)),
        "Embedding": lambda b, call: b.node("Gather", [operand(b, call, 0),
                                                       operand(b, call, 1)], axis=0),
        "RNNSequence": sequence("RNN"), "LSTMSequence": sequence("LSTM"),
        "GRUSequence": sequence("GRU"),
    }
    return table


OPS = _ops()
