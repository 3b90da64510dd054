"""Property tests for the recurrent layers and Embedding: random T, B, sizes, num_layers,
bidirectional, batch_first and lengths (forward vs PyTorch 2.13 in float64, gradients of the
input, the states and every weight vs float64 central differences); random indices with
repeats and padding_idx for Embedding."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import glassgrad as gg
from glassgrad import nn
from tests._torch import to_torch, torch
from tests.ops._props import FEW, SETTINGS, check, close, x64

pack_padded_sequence = torch.nn.utils.rnn.pack_padded_sequence
pad_packed_sequence = torch.nn.utils.rnn.pad_packed_sequence

MODES = {"rnn_tanh": (nn.RNN, torch.nn.RNN, {"nonlinearity": "tanh"}),
         "rnn_relu": (nn.RNN, torch.nn.RNN, {"nonlinearity": "relu"}),
         "lstm": (nn.LSTM, torch.nn.LSTM, {}), "gru": (nn.GRU, torch.nn.GRU, {})}


def _torch_forward(tcls, cfg, m, x, states, lengths, batch_first):
    tm = tcls(**cfg, dtype=torch.float64)
    tm.load_state_dict({k: to_torch(p) for k, p in m.named_parameters()})
    tx = to_torch(x)
    ts = tuple(to_torch(s) for s in states)
    hx = ts if len(ts) == 2 else ts[0]
    T = x.shape[1] if batch_first else x.shape[0]
    with torch.no_grad():
        if lengths is None:
            out, h = tm(tx, hx)
        else:
            packed = pack_padded_sequence(tx, torch.tensor(lengths), batch_first=batch_first,
                                          enforce_sorted=False)
            out, h = tm(packed, hx)
            out = pad_packed_sequence(out, batch_first=batch_first, total_length=T)[0]
    return [out, *(h if isinstance(h, tuple) else (h,))]


@pytest.mark.parametrize("mode", sorted(MODES))
@FEW
@given(t=st.integers(1, 3), b=st.integers(1, 3), sizes=st.tuples(st.integers(1, 3),
       st.integers(1, 3)), layers=st.integers(1, 2), bi=st.booleans(), bias=st.booleans(),
       batch_first=st.booleans(), use_lengths=st.booleans(), data=st.data(),
       seed=st.integers(0, 2**16))
def test_recurrent_layers_gradcheck(mode, t, b, sizes, layers, bi, bias, batch_first,
                                    use_lengths, data, seed):
    rng = np.random.default_rng(seed)
    cls, tcls, extra = MODES[mode]
    cfg = dict(input_size=sizes[0], hidden_size=sizes[1], num_layers=layers, bias=bias,
               batch_first=batch_first, bidirectional=bi, **extra)
    m = cls(**cfg, dtype=np.float64)
    lengths = (data.draw(st.lists(st.integers(1, t), min_size=b, max_size=b))
               if use_lengths else None)
    x = x64(rng, (b, t, sizes[0]) if batch_first else (t, b, sizes[0]), 0.1, 1.0)
    n_states = 2 if mode == "lstm" else 1
    states = [x64(rng, (layers * (1 + bi), b, sizes[1]), 0.1, 1.0) for _ in range(n_states)]
    names = [k for k, _ in m.named_parameters()]

    def run(x, *rest):
        for k, p in zip(names, rest[n_states:]):
            m._parameters[k] = p  # NOTE: the tensors gradcheck perturbs become the weights
        hx = tuple(rest[:n_states]) if n_states == 2 else rest[0]
        out, h = m(x, hx, lengths=lengths)
        return [out, *(h if isinstance(h, tuple) else (h,))]

    params = [p for _, p in m.named_parameters()]
    got = run(x, *states, *params)
    for g, w in zip(got, _torch_forward(tcls, cfg, m, x, states, lengths, batch_first)):
        close(g, w.numpy(), tol=1e-10)
    check(mode, run, [x, *states, *params], elementwise_limit=32)


@SETTINGS
@given(n=st.integers(1, 5), dim=st.integers(1, 3), shape=st.lists(st.integers(0, 4), max_size=2),
       pad=st.booleans(), data=st.data(), seed=st.integers(0, 2**16))
def test_embedding_gradcheck_with_repeats_and_padding_idx(n, dim, shape, pad, data, seed):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=tuple(shape))  # small n: repeated indices are the rule
    padding_idx = data.draw(st.integers(-n, n - 1)) if pad else None
    m = nn.Embedding(n, dim, padding_idx=padding_idx, dtype=np.float64)
    w = x64(rng, (n, dim))
    m._parameters["weight"] = w
    y = m(gg.tensor(idx))
    close(y, w.detach().numpy()[idx])  # y[...] = weight[idx[...]]
    y.sum().backward()
    p = None if padding_idx is None else padding_idx % n
    if p is not None:  # the padding row never gets a gradient (PyTorch) ...
        assert not w.grad.numpy()[p].any()
    keep = [i for i in range(n) if i != p]
    if not keep:
        return

    def lookup(rows):  # ... every other row gets exactly the finite-difference gradient
        full = rows if p is None else gg.cat([rows[:p], w.detach()[p:p + 1], rows[p:]], 0)
        m._parameters["weight"] = full
        return m(gg.tensor(idx))

    check("embedding", lookup, [x64(rng, (len(keep), dim))])
