"""ONNX node → glassgrad module converters for ``load``. Each takes a ``Node`` and returns
``(module, runtime input names, output names)``, or raises ``Unsupported`` saying why."""

from __future__ import annotations

import numpy as np

from .. import nn
from ..autograd import no_grad
from ._lib import onnx
from .export_rnn import ORDER
from .modules import Op, Recurrent


class Unsupported(Exception):
    """This node cannot be expressed; the message says why."""


class Node:
    """One ONNX node with its attributes decoded and its constant inputs looked up."""

    def __init__(self, proto, loader):
        get = onnx().helper.get_attribute_value
        self.proto, self.loader, self.op = proto, loader, proto.op_type
        self.attrs = {a.name: _decode(get(a)) for a in proto.attribute}
        self.inputs, self.outputs = list(proto.input), list(proto.output)

    def const(self, i):
        """The constant value of input ``i``, None if absent; Unsupported if not constant."""
        if i >= len(self.inputs) or not self.inputs[i]:
            return None
        value = self.loader.consts.get(self.inputs[i])
        if value is None:
            raise Unsupported(f"input {i} ({self.inputs[i]!r}) must be a constant (an "
                              "initializer) for glassgrad to build a layer from it")
        return value

    def is_const(self, i) -> bool:
        return i < len(self.inputs) and self.inputs[i] in self.loader.consts

    def runtime(self) -> list:
        return [n for n in self.inputs if n and n not in self.loader.consts]

    def used(self, k: int) -> bool:
        name = self.outputs[k] if k < len(self.outputs) else ""
        return bool(name) and (name in self.loader.consumers or name in self.loader.outputs)

    def done(self, module, ins=None, outs=None):
        return module, (self.runtime() if ins is None else ins), (outs or self.outputs[:1])


def _decode(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, list) and v and isinstance(v[0], bytes):
        return [x.decode() for x in v]
    return v


def _set(param, value) -> None:
    with no_grad():
        param.data = np.array(value, dtype=param.dtype, order="C")


def _float_dtype(*arrays):
    for a in arrays:
        if a is not None and np.asarray(a).dtype.kind == "f":
            return np.asarray(a).dtype
    return np.float32


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


def _consts(n) -> dict:
    return {i: n.loader.consts[name] for i, name in enumerate(n.inputs) if n.is_const(i)}


def elementwise(n):
    return n.done(Op(n.op, consts=_consts(n), arity=len(n.inputs)))


def layer(factory):
    def convert(n):
        return n.done(factory(n))
    return convert


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


# ---------------------------------------------------------------- shapes and indexing

def _axes(n, i=1):
    """Axes given as input ``i`` (newer opsets) or as the ``axes`` attribute."""
    if "axes" in n.attrs:
        return list(n.attrs["axes"])
    value = n.const(i) if i < len(n.inputs) and n.inputs[i] else None
    return None if value is None else [int(a) for a in np.asarray(value).reshape(-1)]


def reshape(n):
    return n.done(Op("Reshape", {"shape": [int(d) for d in n.const(1)]}), ins=n.inputs[:1])


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
    "Slice": slice_, "Gather": gather, "Pad": pad,
    "ReduceMean": reduce, "ReduceSum": reduce, "ReduceMax": reduce,
    "LSTM": recurrent, "GRU": recurrent, "RNN": recurrent,
    **{k: elementwise for k in ("Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Exp", "Log",
                                "Sqrt", "Neg", "Abs", "Sin", "Cos")},
}
