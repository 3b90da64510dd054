"""ONNX nodes that become glassgrad layers: Gemm/MatMul(+Add) → Linear, activations with
parameters, Conv, pools, BatchNormalization, RNN/LSTM/GRU."""

from __future__ import annotations

import numpy as np

from .. import nn
from .export_rnn import ORDER
from .load_node import Unsupported, _consts, _float_dtype, _set
from .modules import Op, Recurrent

# ---------------------------------------------------------------- dense layers

def _linear(weight, bias):
    """nn.Linear with ``weight`` (out, in) and ``bias`` (out,) or None."""
    out_f, in_f = weight.shape
    lin = nn.Linear(in_f, out_f, bias=bias is not None, dtype=_float_dtype(weight))
    _set(lin.weight, weight)
    if bias is not None:
        _set(lin.bias, np.broadcast_to(np.asarray(bias).reshape(-1), (out_f,)))
    return lin


def gemm(n):
    a = n.attrs
    if a.get("transA", 0):
        raise Unsupported("transA=1 (a transposed input) has no glassgrad layer")
    w = n.const(1)
    if w.ndim != 2:
        raise Unsupported(f"weight of shape {w.shape} is not a matrix")
    w = (w if a.get("transB", 0) else w.T) * a.get("alpha", 1.0)
    c = n.const(2)
    if c is not None:
        c = np.asarray(c) * a.get("beta", 1.0)
        if c.size not in (1, w.shape[0]):
            raise Unsupported(f"bias C of shape {c.shape} is not one value per output")
    return n.done(_linear(w, c))


def matmul(n):
    if not n.is_const(1) or n.is_const(0) or n.loader.consts[n.inputs[1]].ndim != 2:
        return n.done(Op("MatMul", consts=_consts(n), arity=2))
    w, bias, out = n.const(1).T, None, n.outputs[0]
    users = n.loader.consumers.get(out, [])
    if len(users) == 1 and users[0].op_type == "Add" and out not in n.loader.outputs:
        add = users[0]
        other = [i for i in add.input if i != out]
        b = n.loader.consts.get(other[0]) if len(other) == 1 else None
        if b is not None and b.size == w.shape[0] and b.shape[-1:] == (w.shape[0],):
            bias, out = b, add.output[0]  # MatMul + Add of a bias vector: one Linear
            n.loader.absorbed.add(add.output[0])
    return n.done(_linear(w, bias), outs=[out])


def softmax(cls):
    def convert(n):
        rank, axis = n.loader.rank(n.inputs[0]), n.attrs.get("axis", -1 if
                                                           n.loader.opset >= 13 else 1)
        if n.loader.opset < 13 and not (rank is not None and axis % rank == rank - 1):
            raise Unsupported(f"before opset 13 {n.op} normalizes over all dims from axis "
                              f"{axis} on (flattened); only the last axis maps to a layer")
        return n.done(cls(dim=axis))
    return convert


def hardsigmoid(n):
    a, b = n.attrs.get("alpha", 0.2), n.attrs.get("beta", 0.5)
    if not (abs(a - 1 / 6) < 1e-6 and abs(b - 0.5) < 1e-6):
        raise Unsupported(f"alpha={a}, beta={b}: glassgrad's HardSigmoid is relu6(x + 3)/6 "
                          "(alpha 1/6, beta 0.5)")
    return n.done(nn.HardSigmoid())


def prelu(n):
    slope = np.asarray(n.const(1))
    m = nn.PReLU(slope.size, dtype=_float_dtype(slope))
    _set(m.weight, slope.reshape(-1))
    return n.done(m)


def clip(n):
    lo, hi = (n.const(1), n.const(2)) if n.loader.opset >= 11 else (
        n.attrs.get("min"), n.attrs.get("max"))
    lo = None if lo is None else float(lo)
    hi = None if hi is None else float(hi)
    if lo == 0.0 and hi == 6.0:
        return n.done(nn.ReLU6(), ins=n.inputs[:1])
    return n.done(Op("Clip", {"min": lo, "max": hi}), ins=n.inputs[:1])


# ---------------------------------------------------------------- convolution and pooling

def _pads(n, kernel, strides, dilations):
    """Symmetric pads per spatial dim, or "same"; Unsupported otherwise."""
    dims = len(kernel)
    auto = n.attrs.get("auto_pad", "NOTSET")
    if auto == "VALID":
        return (0,) * dims
    totals = [d * (k - 1) for k, d in zip(kernel, dilations)]
    same = [(t // 2, t - t // 2) for t in totals]
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        if any(s != 1 for s in strides) or (auto == "SAME_LOWER" and any(t % 2 for t in totals)):
            raise Unsupported(f"auto_pad={auto} with strides {strides} has no glassgrad form")
        return "same"
    pads = list(n.attrs.get("pads", [0] * 2 * dims))
    lo, hi = pads[:dims], pads[dims:]
    if lo == hi:
        return tuple(lo)
    if list(zip(lo, hi)) == same and all(s == 1 for s in strides):
        return "same"
    raise Unsupported(f"asymmetric pads {pads} (glassgrad pads both sides alike)")


def conv(n):
    w, bias = n.const(1), n.const(2)
    dims = w.ndim - 2
    if dims not in (1, 2):
        raise Unsupported(f"a {dims}-D convolution (glassgrad has Conv1d and Conv2d)")
    kernel = tuple(n.attrs.get("kernel_shape", w.shape[2:]))
    strides = tuple(n.attrs.get("strides", [1] * dims))
    dil = tuple(n.attrs.get("dilations", [1] * dims))
    groups = int(n.attrs.get("group", 1))
    cls = nn.Conv1d if dims == 1 else nn.Conv2d
    m = cls(w.shape[1] * groups, w.shape[0], kernel, strides, _pads(n, kernel, strides, dil),
            dil, groups, bias=bias is not None, dtype=_float_dtype(w))
    _set(m.weight, w)
    if bias is not None:
        _set(m.bias, bias)
    return n.done(m)


def pool(kind):
    def convert(n):
        if n.op == "MaxPool" and n.used(1):
            raise Unsupported("its Indices output is used (glassgrad's indices differ)")
        kernel = tuple(n.attrs["kernel_shape"])
        dims = len(kernel)
        if dims not in (1, 2):
            raise Unsupported(f"a {dims}-D pool (glassgrad has 1-D and 2-D)")
        strides = tuple(n.attrs.get("strides", [1] * dims))  # NOTE: ONNX's default stride is 1
        dil = tuple(n.attrs.get("dilations", [1] * dims))
        pads = _pads(n, kernel, strides, dil)
        if pads == "same":
            raise Unsupported("asymmetric (same) padding in a pool")
        ceil = bool(n.attrs.get("ceil_mode", 0))
        if kind == "max":
            cls = nn.MaxPool1d if dims == 1 else nn.MaxPool2d
            return n.done(cls(kernel, strides, pads, dil, ceil_mode=ceil))
        if any(d != 1 for d in dil):
            raise Unsupported("dilated average pooling")
        cls = nn.AvgPool1d if dims == 1 else nn.AvgPool2d
        return n.done(cls(kernel, strides, pads, ceil,
                          bool(n.attrs.get("count_include_pad", 0))))
    return convert


def global_pool(kind):
    def convert(n):
        rank = n.loader.rank(n.inputs[0])
        if kind == "avg":
            cls = nn.AdaptiveAvgPool1d if rank == 3 else nn.AdaptiveAvgPool2d
        else:
            cls = nn.AdaptiveMaxPool1d if rank == 3 else nn.AdaptiveMaxPool2d
        return n.done(cls(1))
    return convert


def batch_norm(n):
    if n.attrs.get("training_mode", 0) or any(n.used(k) for k in range(1, len(n.outputs))):
        raise Unsupported("training mode (glassgrad loads inference models)")
    scale, shift, mean, var = (n.const(i) for i in range(1, 5))
    rank = n.loader.rank(n.inputs[0])
    cls = nn.BatchNorm1d if rank in (2, 3) else nn.BatchNorm2d
    m = cls(scale.size, eps=float(n.attrs.get("epsilon", 1e-5)), dtype=_float_dtype(scale))
    for p, v in ((m.weight, scale), (m.bias, shift), (m.running_mean, mean),
                 (m.running_var, var)):
        _set(p, v)
    return n.done(m)


# ---------------------------------------------------------------- recurrent

def recurrent(n):
    a, op = n.attrs, n.op
    if len(n.inputs) > 4 and n.inputs[4]:
        raise Unsupported("sequence_lens (variable lengths)")
    if a.get("layout", 0) or a.get("clip") is not None or a.get("input_forget", 0):
        raise Unsupported("layout=1, clip or input_forget (glassgrad's layers have none)")
    if len(n.inputs) > 7 and n.inputs[7]:
        raise Unsupported("peephole weights P (glassgrad's LSTM has none)")
    if a.get("direction", "forward") == "reverse":
        raise Unsupported("direction='reverse' alone (glassgrad runs forward or both)")
    w, r, b = n.const(1), n.const(2), n.const(3)
    directions, hidden = w.shape[0], int(a["hidden_size"])
    acts = [s.lower() for s in a.get("activations", [])]
    if op == "LSTM":
        mode, cls, ok = "LSTM", nn.LSTM, acts in ([], ["sigmoid", "tanh", "tanh"] * directions)
    elif op == "GRU":
        mode, cls, ok = "GRU", nn.GRU, acts in ([], ["sigmoid", "tanh"] * directions)
        if not a.get("linear_before_reset", 0):
            raise Unsupported("linear_before_reset=0 (glassgrad's GRU, as PyTorch's, applies "
                              "the reset gate after the recurrent matmul: 1)")
    else:
        mode = "RNN_RELU" if acts[:1] == ["relu"] else "RNN_TANH"
        cls, ok = nn.RNN, len(set(acts)) <= 1 and set(acts) <= {"tanh", "relu"}
    if not ok:
        raise Unsupported(f"activations {a.get('activations')} (glassgrad's {op} uses the "
                          "standard ones)")
    kwargs = {"nonlinearity": "relu" if mode == "RNN_RELU" else "tanh"} if op == "RNN" else {}
    m = cls(w.shape[2], hidden, bias=b is not None, bidirectional=directions == 2,
            dtype=_float_dtype(w), **kwargs)
    back = np.argsort(ORDER[mode])  # ONNX's gate order back to glassgrad's
    size = len(back)
    for d, suffix in enumerate(("", "_reverse")[:directions]):
        def order(x):
            return x.reshape((size, -1) + x.shape[1:])[back].reshape(x.shape)
        _set(getattr(m, f"weight_ih_l0{suffix}"), order(w[d]))
        _set(getattr(m, f"weight_hh_l0{suffix}"), order(r[d]))
        if b is not None:
            _set(getattr(m, f"bias_ih_l0{suffix}"), order(b[d][:size * hidden]))
            _set(getattr(m, f"bias_hh_l0{suffix}"), order(b[d][size * hidden:]))
    states = [i for i in (5, 6) if i < len(n.inputs) and n.inputs[i]]
    if any(n.is_const(i) for i in states):
        raise Unsupported("constant initial states (give them as graph inputs)")
    ins = [n.inputs[0]] + [n.inputs[i] for i in states]
    module = Recurrent(m, 5 in states, 6 in states)
    return n.done(module, ins=ins, outs=n.outputs)


