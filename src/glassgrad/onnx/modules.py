"""Small modules that ``load`` uses for ONNX ops with no glassgrad layer of their own (reshapes,
arithmetic with constants, slices ...) and ``Graph``, the module that runs a non-sequential
ONNX graph. Each computes with glassgrad's differentiable ops, so imported models train and
backpropagate like any other, and the glass box sees them."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .. import nn
from ..tensor import Tensor


def _data(x):
    return np.asarray(x.data if isinstance(x, Tensor) else x).reshape(-1)


def _axes(axes, ndim) -> set:
    return {int(d) % ndim for d in axes}


def _reduce(fn):
    def run(xs, a):
        axes = a.get("axes")
        return fn(xs[0], None if axes is None else tuple(axes), bool(a.get("keepdims", 1)))
    return run


def _reshape(xs, a):
    """ONNX's Reshape: 0 copies the input's dim (unless allowzero), -1 is inferred."""
    x = xs[0]
    target = a["shape"] if "shape" in a else [int(d) for d in _data(xs[1])]
    if not a.get("allowzero"):
        target = [x.shape[i] if d == 0 else int(d) for i, d in enumerate(target)]
    return x.reshape(tuple(target))


def _flatten(xs, a):
    axis = a.get("axis", 1) % max(xs[0].ndim, 1)
    return xs[0].reshape(int(np.prod(xs[0].shape[:axis])), -1)


def _squeeze(xs, a):
    drop = _axes(a["axes"], xs[0].ndim)
    return xs[0].reshape(tuple(n for d, n in enumerate(xs[0].shape) if d not in drop))


def _unsqueeze(xs, a):
    x = xs[0]
    for d in sorted(_axes(a["axes"], x.ndim + len(a["axes"]))):
        x = x.unsqueeze(d)
    return x


def _slice(xs, a):
    index = [slice(None)] * xs[0].ndim
    for start, stop, axis, step in a["slices"]:
        index[axis] = slice(start, stop, step)
    return xs[0][tuple(index)]


def _gather(xs, a):
    return xs[0][tuple([slice(None)] * a.get("axis", 0) + [a["indices"]])]


def _shape(xs, a):
    # NOTE: a shape is data here, not graph: no gradient flows through it (none exists)
    return Tensor(np.array(xs[0].shape[a.get("start", 0):a.get("end")], np.int64))


def _constant_of_shape(xs, a):
    value = np.asarray(a.get("value", np.zeros(1, np.float32))).reshape(-1)
    return Tensor(np.full(tuple(int(d) for d in _data(xs[0])), value[0], value.dtype))


# ONNX op → its computation on glassgrad Tensors: fn(operands, attributes)
KINDS = {
    "Add": lambda xs, a: xs[0] + xs[1], "Sub": lambda xs, a: xs[0] - xs[1],
    "Mul": lambda xs, a: xs[0] * xs[1], "Div": lambda xs, a: xs[0] / xs[1],
    "Pow": lambda xs, a: xs[0] ** xs[1], "MatMul": lambda xs, a: F.matmul(*xs),
    "Max": lambda xs, a: F.maximum(*xs), "Min": lambda xs, a: F.minimum(*xs),
    "Exp": lambda xs, a: F.exp(xs[0]), "Log": lambda xs, a: F.log(xs[0]),
    "Sqrt": lambda xs, a: F.sqrt(xs[0]), "Neg": lambda xs, a: -xs[0],
    "Abs": lambda xs, a: F.abs(xs[0]), "Sin": lambda xs, a: F.sin(xs[0]),
    "Cos": lambda xs, a: F.cos(xs[0]),
    "ReduceMean": _reduce(F.mean), "ReduceSum": _reduce(F.sum), "ReduceMax": _reduce(F.amax),
    "Transpose": lambda xs, a: xs[0].permute(*(a.get("perm")
                                               or tuple(reversed(range(xs[0].ndim))))),
    "Reshape": _reshape, "Flatten": _flatten, "Squeeze": _squeeze, "Unsqueeze": _unsqueeze,
    "Concat": lambda xs, a: F.cat(xs, dim=a["axis"]), "Slice": _slice, "Gather": _gather,
    "Clip": lambda xs, a: F.clamp(xs[0], a.get("min"), a.get("max")),
    "Pad": lambda xs, a: F.pad(xs[0], a["pad"], a.get("mode", "constant"), a.get("value")),
    "Shape": _shape, "ConstantOfShape": _constant_of_shape,
}


class Op(nn.Module):
    """One ONNX op with no glassgrad layer of its own: ``kind`` (a key of ``KINDS``: Add,
    Transpose, Slice ...), its attributes ``attrs`` and the constant operands it holds
    (buffers ``const0``, ``const1`` ... at their positions among ``arity`` operands)."""

    def __init__(self, kind: str, attrs: dict | None = None, consts: dict | None = None,
                 arity: int = 1):
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"Op: unknown kind {kind!r}; known: {', '.join(sorted(KINDS))}.")
        self.kind, self.attrs, self.arity = kind, dict(attrs or {}), arity
        self.positions = sorted((consts or {}).keys())
        for i, value in (consts or {}).items():
            self.register_buffer(f"const{i}", Tensor(np.asarray(value)))

    def forward(self, *args):
        args, operands = list(args), []
        for i in range(self.arity):
            operands.append(getattr(self, f"const{i}") if i in self.positions else args.pop(0))
        return KINDS[self.kind](operands, self.attrs)

    def extra_repr(self) -> str:
        shown = {k: v for k, v in self.attrs.items() if k != "slices"}
        return self.kind + (f", {shown}" if shown else "")


class Recurrent(nn.Module):
    """An ONNX RNN/LSTM/GRU node around a glassgrad ``nn.RNN``/``LSTM``/``GRU`` (``.rnn``):
    takes ONNX's inputs (X (T, B, I), initial_h (D, B, H), initial_c) and returns ONNX's
    outputs (Y (T, D, B, H), Y_h (D, B, H)[, Y_c])."""

    def __init__(self, rnn, has_h: bool, has_c: bool):
        super().__init__()
        self.rnn, self.has_h, self.has_c = rnn, has_h, has_c

    def forward(self, x, *states):
        states = list(states)
        h0 = states.pop(0) if self.has_h else None
        c0 = states.pop(0) if self.has_c else None
        if isinstance(self.rnn, nn.LSTM):
            if (h0 is None) != (c0 is None):  # ONNX lets one of them default to zeros
                n, b, h = 2 if self.rnn.bidirectional else 1, x.shape[1], self.rnn.hidden_size
                zero = Tensor(np.zeros((n, b, h), dtype=x.dtype))
                h0, c0 = (zero if h0 is None else h0), (zero if c0 is None else c0)
            hx = None if h0 is None else (h0, c0)
            y, (h, c) = self.rnn(x, hx)
            finals = [h, c]
        else:
            y, h = self.rnn(x, h0)
            finals = [h]
        d, hid = (2 if self.rnn.bidirectional else 1), self.rnn.hidden_size
        y = y.reshape(y.shape[0], y.shape[1], d, hid).permute(0, 2, 1, 3)
        return (y, *finals)


class Graph(nn.Module):
    """A loaded ONNX graph that is not a plain chain: runs ``steps`` (module name, input
    names, output names) in order. Inputs and outputs keep the ONNX value names
    (``input_names``, ``output_names``); calling with several outputs returns a tuple."""

    def __init__(self, steps, input_names, output_names, constants=None):
        super().__init__()
        self.steps, self.input_names, self.output_names = [], list(input_names), \
            list(output_names)
        for name, module, ins, outs in steps:
            self.add_module(name, module)
            self.steps.append((name, list(ins), list(outs)))
        for i, (key, value) in enumerate((constants or {}).items()):
            self.register_buffer(f"value{i}", Tensor(np.asarray(value)))
            self.steps.insert(0, (None, [f"value{i}"], [key]))

    def forward(self, *inputs):
        if len(inputs) != len(self.input_names):
            raise TypeError(f"{type(self).__name__}: expected {len(self.input_names)} input(s) "
                            f"({', '.join(self.input_names)}), got {len(inputs)}.")
        env = {n: x if isinstance(x, Tensor) else Tensor(np.asarray(x))
               for n, x in zip(self.input_names, inputs)}
        for name, ins, outs in self.steps:
            if name is None:
                env[outs[0]] = getattr(self, ins[0])
                continue
            result = getattr(self, name)(*[env[i] for i in ins])
            result = result if isinstance(result, tuple) else (result,)
            for o, r in zip(outs, result):
                if o:
                    env[o] = r
        outs = [env[o] for o in self.output_names]
        return outs[0] if len(outs) == 1 else tuple(outs)
