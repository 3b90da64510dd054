"""Op-table cases for the fused recurrent ops and Embedding.

The references are the textbook recurrences written step by step in float64 NumPy; padded steps
(``lengths``) keep the state and output 0; ``reverse`` walks t = T-1 … 0.
"""

import numpy as np

from glassgrad.ops.embedding import Embedding
from glassgrad.ops.recurrent import GRUSequence, LSTMSequence, RNNSequence

from . import Case

T, B, I, H = 3, 2, 3, 2
LENGTHS = [3, 1]


def _sig(a):
    return 1 / (1 + np.exp(-a))


def _order(T, reverse):
    return range(T - 1, -1, -1) if reverse else range(T)


def _valid(lengths, t, b):
    return lengths is None or t < lengths[b]


def _run(step, x, states, lengths, reverse):
    """Apply ``step(x_t, states) -> (out, new_states)`` per sequence, respecting lengths."""
    T, B = x.shape[:2]
    out = np.zeros((T, B, states[0].shape[1]))
    finals = [s.copy() for s in states]
    for b in range(B):
        st = [s[b] for s in states]
        for t in _order(T, reverse):
            if _valid(lengths, t, b):
                st = step(x[t, b], st)
                out[t, b] = st[0]
        for f, s in zip(finals, st):
            f[b] = s
    return np.concatenate([out] + [f[None] for f in finals])


def _rnn_ref(nonlinearity, lengths=None, reverse=False):
    act = np.tanh if nonlinearity == "tanh" else (lambda a: np.maximum(a, 0))

    def ref(x, h0, w_ih, w_hh, b_ih, b_hh):
        return _run(lambda xt, s: [act(w_ih @ xt + b_ih + w_hh @ s[0] + b_hh)],
                    x, [h0], lengths, reverse)
    return ref


def _lstm_ref(lengths=None, reverse=False):
    def step(xt, s):
        h, c = s
        i, f, g, o = np.split(w[0] @ xt + w[2] + w[1] @ h + w[3], 4)
        c = _sig(f) * c + _sig(i) * np.tanh(g)
        return [_sig(o) * np.tanh(c), c]

    w = []

    def ref(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
        w[:] = [w_ih, w_hh, b_ih, b_hh]
        return _run(step, x, [h0, c0], lengths, reverse)
    return ref


def _gru_ref(lengths=None, reverse=False):
    def ref(x, h0, w_ih, w_hh, b_ih, b_hh):
        def step(xt, s):
            h = s[0]
            xr, xz, xn = np.split(w_ih @ xt + b_ih, 3)
            hr, hz, hn = np.split(w_hh @ h + b_hh, 3)
            r, z = _sig(xr + hr), _sig(xz + hz)
            n = np.tanh(xn + r * hn)
            return [(1 - z) * n + z * h]
        return _run(step, x, [h0], lengths, reverse)
    return ref


def _shapes(gates, cell=False):
    states = [(B, H)] * (2 if cell else 1)
    return [(T, B, I), *states, (gates * H, I), (gates * H, H), (gates * H,), (gates * H,)]


CASES = []
for lengths, reverse, tag in [(None, False, ""), (None, True, "reverse"),
                              (LENGTHS, False, "lengths"), (LENGTHS, True, "lengths-reverse")]:
    kw = {"lengths": lengths, "reverse": reverse}
    CASES += [
        Case(op="RNNSequence", name=f"tanh-{tag}", inputs=_shapes(1),
             fn=lambda *a, kw=kw: RNNSequence.apply(*a, nonlinearity="tanh", **kw),
             reference=_rnn_ref("tanh", **kw)),
        Case(op="LSTMSequence", name=tag, inputs=_shapes(4, cell=True),
             fn=lambda *a, kw=kw: LSTMSequence.apply(*a, **kw), reference=_lstm_ref(**kw)),
        Case(op="GRUSequence", name=tag, inputs=_shapes(3),
             fn=lambda *a, kw=kw: GRUSequence.apply(*a, **kw), reference=_gru_ref(**kw)),
    ]
CASES.append(Case(
    op="RNNSequence", name="relu", inputs=_shapes(1),
    # NOTE: shifted away from 0 so finite differences never straddle the relu kink.
    domain=lambda a: a + np.sign(a) * 0.1,
    fn=lambda *a: RNNSequence.apply(*a, nonlinearity="relu"), reference=_rnn_ref("relu")))

_IDX = np.array([[0, 2, 2], [4, 0, 1]])
CASES += [
    Case(op="Embedding", inputs=[(5, 3), _IDX], grad_inputs=[0],
         fn=lambda w, idx: Embedding.apply(w, idx), reference=lambda w, idx: w[idx]),
    # NOTE: row 3 is never looked up here; that the padding row gets no gradient even when it is
    # looked up (not what finite differences see) is tested against torch in tests/nn.
    Case(op="Embedding", name="padding_idx", inputs=[(5, 3), _IDX], grad_inputs=[0],
         fn=lambda w, idx: Embedding.apply(w, idx, padding_idx=3),
         reference=lambda w, idx: w[idx]),
]
