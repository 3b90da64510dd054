"""Single-step recurrent cells (``RNNCell``, ``LSTMCell``, ``GRUCell``) and their textbook forms.

A cell runs ONE time step; loop over time yourself (and keep the state between calls)::

    cell = LSTMCell(input_size, hidden_size)
    h, c = zeros(B, H), zeros(B, H)
    for x_t in x:                       # x (T, B, input_size)
        h, c = cell(x_t, (h, c))

Each cell step is one fused op (the sequence op of ``glassgrad.ops.recurrent`` with T = 1: one
matmul for all gates, one backward per step). The ``*_cell_composed`` functions compute the same
step from primitive ops only, so every gate is a graph node you can inspect (glass box); they are
slower (see the NOTE in ``glassgrad.ops.recurrent``).
"""

from __future__ import annotations

import math

from .. import functional as F
from ..creation import empty
from ..creation import zeros as _zeros
from ..errors import ShapeError
from ..ops.recurrent import GRUSequence, LSTMSequence, RNNSequence
from ..tensor import Tensor
from . import init
from .inputs import check_dtype
from .module import Module, check_features
from .parameter import Parameter

# ---------------------------------------------------------------- textbook (composed) forms

def rnn_cell_composed(x, h, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh"):
    """h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh), from primitive ops. x (B, I), h (B, H)."""
    a = F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
    return a.tanh() if nonlinearity == "tanh" else a.relu()


def lstm_cell_composed(x, h, c, w_ih, w_hh, b_ih=None, b_hh=None):
    """(h', c') of one LSTM step from primitive ops (gates i, f, g, o)."""
    i, f, g, o = F.chunk(F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh), 4, dim=1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c.tanh(), c


def gru_cell_composed(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    """h' of one GRU step from primitive ops (gates r, z, n; b_hn inside r ⊙ (…))."""
    xr, xz, xn = F.chunk(F.linear(x, w_ih, b_ih), 3, dim=1)
    hr, hz, hn = F.chunk(F.linear(h, w_hh, b_hh), 3, dim=1)
    r, z = (xr + hr).sigmoid(), (xz + hz).sigmoid()
    n = (xn + r * hn).tanh()
    return (1 - z) * n + z * h


# ---------------------------------------------------------------- cell modules

class _CellBase(Module):
    GATES = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, dtype=None):
        super().__init__()
        if input_size <= 0 or hidden_size <= 0:
            raise ValueError(f"{type(self).__name__}: input_size and hidden_size must be "
                             f"positive, got {input_size} and {hidden_size}.")
        self.input_size, self.hidden_size, self.bias = int(input_size), int(hidden_size), bias
        g = self.GATES * hidden_size
        self.weight_ih = Parameter(empty(g, input_size, dtype=dtype))
        self.weight_hh = Parameter(empty(g, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(g, dtype=dtype))
            self.bias_hh = Parameter(empty(g, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _prepare(self, x, states, labels):
        """Check shapes; returns x as (1, B, I), states as (B, H) each, and whether batched."""
        if x.ndim not in (1, 2):
            raise ShapeError(f"{type(self).__name__}: expected input (batch, {self.input_size}) "
                             f"or ({self.input_size},), got shape {tuple(x.shape)}.")
        check_features(self, x, self.input_size)
        check_dtype(self, x, self.weight_ih)
        batched = x.ndim == 2
        B = x.shape[0] if batched else 1
        want = (B, self.hidden_size) if batched else (self.hidden_size,)
        out = []
        for s, label in zip(states, labels):
            if s is None:
                s = _zeros(B, self.hidden_size, dtype=x.dtype, device=x.device)
            elif not isinstance(s, Tensor) or tuple(s.shape) != want:
                got = tuple(s.shape) if isinstance(s, Tensor) else type(s).__name__
                raise ShapeError(f"{type(self).__name__}: state {label} must have shape {want} "
                                 f"(batch, hidden_size), got {got}.")
            elif not batched:
                s = s.unsqueeze(0)
            out.append(s)
        x = x.unsqueeze(0) if batched else x.reshape(1, 1, -1)
        return x, out, batched

    def _weights(self):
        return [self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh]

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(_CellBase):
    """One Elman step: h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu).

    ``cell(x, h)`` with x (B, input_size), h (B, hidden_size) (zeros if None) → h' (B, hidden).
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got "
                             f"{nonlinearity!r}.")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, dtype)

    def forward(self, x, hx=None):
        x, (h,), batched = self._prepare(x, [hx], "h")
        y = RNNSequence.apply(x, h, *self._weights(), nonlinearity=self.nonlinearity)
        return y[1] if batched else y[1, 0]


class LSTMCell(_CellBase):
    """One LSTM step (gates i, f, g, o): ``h', c' = cell(x, (h, c))``; states zeros if None."""

    GATES = 4

    def forward(self, x, hx=None):
        if hx is not None and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise TypeError(f"LSTMCell: hx must be a pair (h, c) of tensors, or None for "
                            f"zeros; got {type(hx).__name__}.")
        h, c = (None, None) if hx is None else hx
        x, (h, c), batched = self._prepare(x, [h, c], "hc")
        y = LSTMSequence.apply(x, h, c, *self._weights())
        return (y[1], y[2]) if batched else (y[1, 0], y[2, 0])


class GRUCell(_CellBase):
    """One GRU step (gates r, z, n): ``h' = cell(x, h)``; h zeros if None."""

    GATES = 3

    def forward(self, x, hx=None):
        x, (h,), batched = self._prepare(x, [hx], "h")
        y = GRUSequence.apply(x, h, *self._weights())
        return y[1] if batched else y[1, 0]
