"""Recurrent layers: ``RNN`` (tanh or relu), ``LSTM`` and ``GRU``, with PyTorch's names and layout.

Each layer takes its state and returns the new one; nothing is kept between calls::

    out, h_n = rnn(x, h0)              # RNN, GRU
    out, (h_n, c_n) = lstm(x, (h0, c0))

Shapes (L = num_layers, D = 2 if bidirectional else 1):
    x (T, B, input_size), or (B, T, input_size) with ``batch_first=True``, or (T, input_size)
    unbatched; states (L·D, B, H) (unbatched: (L·D, H)); out (T, B, D·H) (batch_first:
    (B, T, D·H)).

Parameters per layer k and direction (suffix "" forward, "_reverse" backward), as in PyTorch so
that ``load_state_dict(torch_model.state_dict())`` carries weights over: ``weight_ih_l{k}``
(G·H, in), ``weight_hh_l{k}`` (G·H, H), ``bias_ih_l{k}``, ``bias_hh_l{k}`` (G·H,), with G = 1
(RNN), 4 (LSTM, gates i, f, g, o) or 3 (GRU, gates r, z, n). Default init U(−1/√H, 1/√H).

Variable-length batches: pass ``lengths`` (B ints): padded steps change neither outputs (they
are 0) nor gradients, and the final state is the state after each sequence's last valid step.

Each layer and direction runs as one fused op (``glassgrad.ops.recurrent``): see there for what
it computes and why it is fused.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import functional as F
from ..creation import empty
from ..creation import zeros as _zeros
from ..errors import ShapeError
from ..ops.recurrent import GRUSequence, LSTMSequence, RNNSequence
from ..tensor import Tensor
from . import init
from .functional import dropout
from .inputs import check_dtype, check_probability, check_sizes
from .module import Module, check_features
from .parameter import Parameter

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def check_lengths(name: str, lengths, batch: int, steps: int):
    """Lengths as a NumPy int array, or a ValueError saying what is wrong with them."""
    if lengths is None:
        return None
    arr = np.asarray(lengths.data if isinstance(lengths, Tensor) else lengths)
    arr = arr.get() if hasattr(arr, "get") else arr  # CuPy -> NumPy: the loop bounds live on host
    if arr.ndim != 1 or arr.shape[0] != batch or arr.dtype.kind not in "iu":
        raise ValueError(f"{name}: lengths must be {batch} integers (one per sequence in the "
                         f"batch), got {arr.tolist()!r}.")
    if arr.size and arr.max() > steps:
        raise ValueError(
            f"{name}: lengths must lie in [1, {steps}] (the padded sequence has {steps} steps), "
            f"got {arr.tolist()}. A length longer than the padded sequence usually means the "
            "batch was padded with the wrong dimension as time (check batch_first).")
    if arr.size and arr.min() < 1:
        raise ValueError(
            f"{name}: lengths must lie in [1, {steps}], got {arr.tolist()}: every sequence needs "
            "at least one step (as in PyTorch's pack_padded_sequence). Drop empty sequences "
            "from the batch.")
    return arr


class RNNBase(Module):
    """Shared machinery of RNN, LSTM and GRU (use those)."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, dtype=None):
        super().__init__()
        check_sizes(type(self).__name__, input_size=input_size, hidden_size=hidden_size,
                    num_layers=num_layers)
        check_probability(type(self).__name__, "dropout", dropout)
        if dropout > 0 and num_layers == 1:  # PyTorch's warning, word for word
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        self.mode, self.input_size, self.hidden_size = mode, int(input_size), int(hidden_size)
        self.num_layers, self.bias, self.batch_first = int(num_layers), bool(bias), batch_first
        self.dropout, self.bidirectional = float(dropout), bool(bidirectional)
        gates = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        for k in range(num_layers):
            n_in = input_size if k == 0 else hidden_size * directions
            for suffix in ("", "_reverse")[:directions]:
                setattr(self, f"weight_ih_l{k}{suffix}", Parameter(empty(gates, n_in, dtype=dtype)))
                setattr(self, f"weight_hh_l{k}{suffix}",
                        Parameter(empty(gates, hidden_size, dtype=dtype)))
                if bias:
                    setattr(self, f"bias_ih_l{k}{suffix}", Parameter(empty(gates, dtype=dtype)))
                    setattr(self, f"bias_hh_l{k}{suffix}", Parameter(empty(gates, dtype=dtype)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _weights(self, k: int, suffix: str) -> list:
        names = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if self.bias else [])
        params = [getattr(self, f"{n}_l{k}{suffix}") for n in names]
        return params + [None, None] * (not self.bias)

    @property
    def _directions(self) -> int:
        return 2 if self.bidirectional else 1

    def _check_state(self, s, label: str, batch: int | None):
        n = self.num_layers * self._directions
        want = (n, self.hidden_size) if batch is None else (n, batch, self.hidden_size)
        if not isinstance(s, Tensor):
            raise TypeError(f"{type(self).__name__}: initial state {label} must be a Tensor of "
                            f"shape {want}, got {type(s).__name__}.")
        if tuple(s.shape) != want:
            raise ShapeError(
                f"{type(self).__name__}: initial state {label} must have shape {want} = "
                f"(num_layers·directions, {'' if batch is None else 'batch, '}hidden_size), got "
                f"{tuple(s.shape)}.")
        return s if batch is not None else s.unsqueeze(1)

    def forward(self, x: Tensor, hx=None, lengths=None):
        """Run every layer over the sequence ``x``; see the module docstring for shapes.

        Args:
            x: input sequence(s).
            hx: initial state: a Tensor (RNN, GRU) or a tuple (h0, c0) (LSTM); zeros if None.
            lengths: optional B ints, the valid length of each padded sequence in the batch.
        Returns:
            ``(out, h_n)`` for RNN/GRU, ``(out, (h_n, c_n))`` for LSTM.
        """
        name, lstm = type(self).__name__, self.mode == "LSTM"
        if x.ndim not in (2, 3):
            raise ShapeError(f"{name}: expected input of 3 dims (seq, batch, feature) or 2 "
                             f"(seq, feature), got shape {tuple(x.shape)}.")
        check_features(self, x, self.input_size)
        check_dtype(self, x, self.weight_ih_l0)
        batched = x.ndim == 3
        if not batched:
            x = x.unsqueeze(1)
        elif self.batch_first:
            x = x.permute(1, 0, 2)
        T, B = x.shape[0], x.shape[1]
        lengths = check_lengths(name, lengths, B, T)
        n = self.num_layers * self._directions
        if hx is None:
            zeros = _zeros((n, B, self.hidden_size), dtype=x.dtype, device=x.device)
            states = [zeros, zeros] if lstm else [zeros]
        else:
            if lstm and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
                raise TypeError(f"{name}: the initial state must be a tuple (h0, c0), got "
                                f"{type(hx).__name__}.")
            parts = list(hx) if lstm else [hx]
            states = [self._check_state(s, label, B if batched else None)
                      for s, label in zip(parts, "hc")]
        finals = [[] for _ in states]
        for k in range(self.num_layers):
            if k > 0 and self.dropout > 0 and self.training:
                x = dropout(x, self.dropout, training=True)
            outs = []
            for d, suffix in enumerate(("", "_reverse")[:self._directions]):
                i = k * self._directions + d
                y = self._run(x, [s[i] for s in states], self._weights(k, suffix),
                              lengths, reverse=d == 1)
                outs.append(y[:T])
                for j, f in enumerate(finals):
                    f.append(y[T + j])
            x = outs[0] if len(outs) == 1 else F.cat(outs, dim=2)
        final = [F.stack(f, dim=0) for f in finals]
        if not batched:
            x, final = x.squeeze(1), [f.squeeze(1) for f in final]
        elif self.batch_first:
            x = x.permute(1, 0, 2)
        return x, (tuple(final) if lstm else final[0])

    def _run(self, x, states, weights, lengths, reverse):
        if self.mode == "LSTM":
            return LSTMSequence.apply(x, *states, *weights, lengths=lengths, reverse=reverse)
        if self.mode == "GRU":
            return GRUSequence.apply(x, *states, *weights, lengths=lengths, reverse=reverse)
        return RNNSequence.apply(x, *states, *weights, lengths=lengths, reverse=reverse,
                                 nonlinearity="tanh" if self.mode == "RNN_TANH" else "relu")

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity='relu'"
        for key, default in [("num_layers", 1), ("bias", True), ("batch_first", False),
                             ("dropout", 0.0), ("bidirectional", False)]:
            if getattr(self, key) != default:
                s += f", {key}={getattr(self, key)}"
        return s


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh) (or relu).

    Args: input_size, hidden_size, num_layers=1, nonlinearity="tanh" | "relu", bias=True,
    batch_first=False, dropout=0.0 (between layers, in training), bidirectional=False.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype)


class LSTM(RNNBase):
    """Long short-term memory (gates i, f, g, o):
    i, f, o = σ(W_i· x_t + b_i· + W_h· h_{t−1} + b_h·), g = tanh(…),
    c_t = f ⊙ c_{t−1} + i ⊙ g,  h_t = o ⊙ tanh(c_t).

    Args as ``RNN`` (no nonlinearity). Call ``lstm(x, (h0, c0))`` → ``out, (h_n, c_n)``.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, dtype)


class GRU(RNNBase):
    """Gated recurrent unit (gates r, z, n):
    r, z = σ(W_i· x_t + b_i· + W_h· h_{t−1} + b_h·), n = tanh(W_in x_t + b_in + r ⊙ (W_hn h_{t−1}
    + b_hn)), h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}.

    Args as ``RNN`` (no nonlinearity). Call ``gru(x, h0)`` → ``out, h_n``.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, dtype)
