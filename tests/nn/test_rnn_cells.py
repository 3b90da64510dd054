"""Recurrent cells: PyTorch agreement, a hand-derived LSTM step, fused vs composed, gradcheck."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.nn.recurrent import GRU, LSTM, RNN
from glassgrad.nn.rnn_cells import (
    GRUCell,
    LSTMCell,
    RNNCell,
    gru_cell_composed,
    lstm_cell_composed,
    rnn_cell_composed,
)
from tests._torch import torch

B, I, H = 3, 4, 5


def _sig(a):
    return 1 / (1 + np.exp(-a))


def test_lstm_step_by_hand():
    """One LSTM step with H = 2, I = 1 from given weights; forward and backward in closed form."""
    x, h, c = np.array([[0.5]]), np.array([[0.1, -0.2]]), np.array([[0.3, -0.4]])
    w_ih = np.array([[0.2], [-0.1], [0.4], [0.3], [0.1], [0.5], [-0.3], [0.2]])  # i, f, g, o rows
    w_hh = np.arange(16).reshape(8, 2) / 20 - 0.4
    b = np.array([0.1, 0.0, -0.1, 0.2, 0.3, -0.2, 0.0, 0.1])
    dh_up, dc_up = np.array([[1.0, -2.0]]), np.array([[0.5, 0.25]])
    # by hand: pre-activations, gates, new cell and hidden state
    a = x @ w_ih.T + h @ w_hh.T + b
    i, f, g, o = _sig(a[:, 0:2]), _sig(a[:, 2:4]), np.tanh(a[:, 4:6]), _sig(a[:, 6:8])
    c_new = f * c + i * g
    h_new = o * np.tanh(c_new)
    # by hand: one backward step from dE/dh' = dh_up, dE/dc' = dc_up
    dc = dc_up + dh_up * o * (1 - np.tanh(c_new) ** 2)
    d_a = np.concatenate([dc * g * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - g ** 2),
                          dh_up * np.tanh(c_new) * o * (1 - o)], axis=1)
    want = {"w_ih": d_a.T @ x, "w_hh": d_a.T @ h, "b": d_a[0], "x": d_a @ w_ih, "h": d_a @ w_hh,
            "c": dc * f}

    gg.set_default_dtype(np.float64)
    cell = LSTMCell(1, 2)
    cell.load_state_dict({"weight_ih": w_ih, "weight_hh": w_hh, "bias_ih": b,
                          "bias_hh": np.zeros(8)})
    tx, th, tc = (gg.tensor(v, requires_grad=True) for v in (x, h, c))
    h2, c2 = cell(tx, (th, tc))
    np.testing.assert_allclose(h2.detach().numpy(), h_new, atol=1e-12)
    np.testing.assert_allclose(c2.detach().numpy(), c_new, atol=1e-12)
    # the first forget-gate unit written out: σ(w_if·x + w_hf·h + b_f), row 2 of each matrix
    assert f[0, 0] == pytest.approx(_sig(0.4 * 0.5 + 0.1 * w_hh[2, 0] - 0.2 * w_hh[2, 1] - 0.1))
    ((h2 * gg.tensor(dh_up)).sum() + (c2 * gg.tensor(dc_up)).sum()).backward()
    got = {"w_ih": cell.weight_ih.grad, "w_hh": cell.weight_hh.grad, "b": cell.bias_ih.grad,
           "x": tx.grad, "h": th.grad, "c": tc.grad}
    for k, v in want.items():
        np.testing.assert_allclose(got[k].numpy(), v, atol=1e-12, err_msg=k)
    np.testing.assert_allclose(cell.bias_hh.grad.numpy(), d_a[0], atol=1e-12)


CELLS = [("RNNCell", RNNCell, {}), ("RNNCell", RNNCell, {"nonlinearity": "relu"}),
         ("LSTMCell", LSTMCell, {}), ("GRUCell", GRUCell, {}), ("LSTMCell", LSTMCell,
                                                                {"bias": False})]


@pytest.mark.parametrize("name,cls,kw", CELLS, ids=lambda v: str(v) if isinstance(v, dict) else
                         getattr(v, "__name__", v))
def test_cells_match_torch(name, cls, kw):
    gg.set_default_dtype(np.float64)
    torch.manual_seed(0)
    ref = getattr(torch.nn, name)(I, H, **kw).double()
    ours = cls(I, H, **kw)
    ours.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    rng = np.random.default_rng(0)
    x, h, c = (rng.standard_normal(s) for s in [(B, I), (B, H), (B, H)])
    tx, th, tc = (torch.tensor(v, requires_grad=True) for v in (x, h, c))
    gx, gh, gc = (gg.tensor(v, requires_grad=True) for v in (x, h, c))
    if name == "LSTMCell":
        t_out, g_out = ref(tx, (th, tc)), ours(gx, (gh, gc))
    else:
        t_out, g_out = (ref(tx, th),), (ours(gx, gh),)
    w = [rng.standard_normal((B, H)) for _ in t_out]
    sum((o * torch.tensor(v)).sum() for o, v in zip(t_out, w)).backward()
    sum(((o * gg.tensor(v)).sum() for o, v in zip(g_out, w)), start=gg.tensor(0.0)).backward()
    for t, g in zip(t_out, g_out):
        np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), atol=1e-12)
    pairs = [(gx, tx), (gh, th)] + ([(gc, tc)] if name == "LSTMCell" else [])
    for g, t in pairs:
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), atol=1e-12)
    ours_p = dict(ours.named_parameters())
    for n, p in ref.named_parameters():
        np.testing.assert_allclose(ours_p[n].grad.numpy(), p.grad.numpy(), atol=1e-12)


def test_cell_zero_state_and_unbatched():
    cell = LSTMCell(I, H)
    x = gg.randn(I)
    h, c = cell(x)
    assert h.shape == (H,) and c.shape == (H,)
    hb, cb = cell(x.reshape(1, I))
    np.testing.assert_allclose(hb.detach().numpy()[0], h.detach().numpy(), atol=1e-7)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_fused_cell_equals_composed_primitives(kind):
    gg.set_default_dtype(np.float64)
    cell = {"rnn": RNNCell, "lstm": LSTMCell, "gru": GRUCell}[kind](I, H)
    w = [cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh]
    x, h, c = gg.randn(B, I), gg.randn(B, H), gg.randn(B, H)
    if kind == "lstm":
        fused, composed = cell(x, (h, c)), lstm_cell_composed(x, h, c, *w)
    elif kind == "gru":
        fused, composed = (cell(x, h),), (gru_cell_composed(x, h, *w),)
    else:
        fused, composed = (cell(x, h),), (rnn_cell_composed(x, h, *w),)
    for a, b in zip(fused, composed):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-12)


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_gradcheck_bidirectional_two_layers_with_lengths(cls):
    gg.set_default_dtype(np.float64)
    m = cls(2, 3, num_layers=2, bidirectional=True)
    params = dict(m.named_parameters())
    x = gg.randn(4, 2, 2, requires_grad=True)
    h0 = gg.randn(4, 2, 3, requires_grad=True)
    state = (h0, gg.randn(4, 2, 3, requires_grad=True)) if cls is LSTM else h0

    def fn(*ts):
        out, hn = m(ts[0], state, lengths=[4, 2])
        return out, *(hn if cls is LSTM else (hn,))

    leaves = {"x": x, "h0": h0, **params}
    if cls is LSTM:
        leaves["c0"] = state[1]
    assert gg.gradcheck(fn, leaves)
