"""RNN, LSTM and GRU layers as ONNX's recurrent ops: one ONNX node per layer (both directions).

ONNX orders the gates differently from PyTorch and glassgrad, so the weights are reordered:

    LSTM: glassgrad i, f, g, o  →  ONNX i, o, f, c     (rows [0, 3, 1, 2] of the 4 blocks)
    GRU:  glassgrad r, z, n     →  ONNX z, r, h        (rows [1, 0, 2] of the 3 blocks)

and GRU runs with ``linear_before_reset=1`` (glassgrad's n = tanh(W_in x + b_in + r ⊙ (W_hn h +
b_hn)) applies r after the recurrent matmul). ONNX's ``W`` is (D, G·H, I), ``R`` (D, G·H, H),
``B`` (D, 2·G·H) = [W_b, R_b]; its ``Y`` is (T, D, B, H), which becomes glassgrad's (T, B, D·H).
"""

from __future__ import annotations

import numpy as np

from .. import nn
from ._lib import ExportError
from .export_util import squeeze, unsqueeze

ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN_TANH": [0], "RNN_RELU": [0]}


def reorder(w, mode: str):
    """Rows of ``w`` ((G·H, ...) or (G·H,)) from glassgrad's gate order into ONNX's."""
    idx = ORDER[mode]
    blocks = w.reshape((len(idx), -1) + w.shape[1:])
    return blocks[idx].reshape(w.shape)


def recurrent(b, call):
    m = call.module
    if any(op[3].get("lengths") is not None for op in call.ops):
        raise ExportError(f"{call.what}: export with lengths= (padded variable-length batches) "
                          "is not supported; export the model on full-length sequences.")
    mode, H, D = m.mode, m.hidden_size, 2 if m.bidirectional else 1
    lstm = mode == "LSTM"
    batched = len(call.shapes[0]) == 3
    x, states = call.inputs[0], list(call.inputs[1:])
    if not batched:  # (T, I) → (T, 1, I), states (L·D, H) → (L·D, 1, H)
        x = unsqueeze(b, x, [1])
        states = [unsqueeze(b, s, [1]) for s in states]
    elif m.batch_first:
        x = b.node("Transpose", [x], perm=[1, 0, 2])
    op = "LSTM" if lstm else ("GRU" if mode == "GRU" else "RNN")
    attrs = {"hidden_size": H, "direction": "bidirectional" if D == 2 else "forward"}
    if op == "GRU":
        attrs["linear_before_reset"] = 1
    if op == "RNN":
        attrs["activations"] = ["Tanh" if mode == "RNN_TANH" else "Relu"] * D
    finals = [[] for _ in range(2 if lstm else 1)]  # h_n (and c_n) per layer
    for k in range(m.num_layers):
        w, r, bias = _inits(b, f"{call.name}.l{k}", [_arrays(m._weights(k, s), mode)
                                                     for s in ("", "_reverse")[:D]])
        init = [b.node("Slice", [s, b.ints([k * D]), b.ints([(k + 1) * D]), b.ints([0])])
                for s in states]
        outs = b.node(op, [x, w, r, bias, None, *init], outputs=3 if lstm else 2, **attrs)
        y = outs[0]  # (T, D, B, H)
        if D == 1:
            x = squeeze(b, y, [1])
        else:
            x = b.node("Reshape", [b.node("Transpose", [y], perm=[0, 2, 1, 3]),
                                   b.ints([0, 0, D * H])])
        for f, o in zip(finals, outs[1:]):
            f.append(o)
    finals = [f[0] if len(f) == 1 else b.node("Concat", f, axis=0) for f in finals]
    if not batched:
        x = squeeze(b, x, [1])
        finals = [squeeze(b, f, [1]) for f in finals]
    elif m.batch_first:
        x = b.node("Transpose", [x], perm=[1, 0, 2])
    return [x, *finals]


def _arrays(params, mode) -> list:
    """[W, R, B or None] of one direction in ONNX's gate order (B = [W_b, R_b])."""
    w_ih, w_hh, b_ih, b_hh = (None if p is None else np.asarray(p.data) for p in params)
    bias = None if b_ih is None else np.concatenate([reorder(b_ih, mode), reorder(b_hh, mode)])
    return [reorder(w_ih, mode), reorder(w_hh, mode), bias]


def _inits(b, prefix, directions) -> list:
    """W, R and B (or None) initializers stacking the directions' arrays: (D, ...)."""
    return [None if parts[0] is None else b.init(np.stack(parts), prefix + suffix)
            for parts, suffix in zip(zip(*directions), (".W", ".R", ".B"))]


def cell(b, call):
    """RNNCell/LSTMCell/GRUCell: the recurrent op over one time step."""
    m = call.module
    kind = type(m).__name__[:-4].upper()
    mode = kind if kind != "RNN" else ("RNN_TANH" if m.nonlinearity == "tanh" else "RNN_RELU")
    axes = [0] if len(call.shapes[0]) == 2 else [0, 1]  # x → (1, B, I); states → (1, B, H)
    x = unsqueeze(b, call.inputs[0], axes)
    states = [unsqueeze(b, s, axes) for s in call.inputs[1:]]
    attrs = {"hidden_size": m.hidden_size}
    if mode == "GRU":
        attrs["linear_before_reset"] = 1
    if kind == "RNN":
        attrs["activations"] = ["Tanh" if mode == "RNN_TANH" else "Relu"]
    w, r, bias = _inits(b, call.name, [_arrays(m._weights(), mode)])
    op = "RNN" if kind == "RNN" else kind
    outs = b.node(op, [x, w, r, bias, None, *states], outputs=3 if op == "LSTM" else 2, **attrs)
    return [squeeze(b, o, axes) for o in outs[1:]]


MODULES = {nn.RNN: recurrent, nn.LSTM: recurrent, nn.GRU: recurrent,
           nn.RNNCell: cell, nn.LSTMCell: cell, nn.GRUCell: cell}
