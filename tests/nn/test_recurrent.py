"""RNN / LSTM / GRU against PyTorch 2.13.0: outputs, final states and every gradient (parameters,
input, initial states), after copying torch's state_dict into ours."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.nn import recurrent as nn  # NOTE: until nn/__init__ exports RNN/LSTM/GRU
from tests._torch import torch

T, B, I, H = 5, 3, 4, 6

CONFIGS = [
    {},
    {"num_layers": 2},
    {"bidirectional": True},
    {"num_layers": 2, "bidirectional": True},
    {"batch_first": True},
    {"bias": False},
    {"num_layers": 2, "bidirectional": True, "batch_first": True, "bias": False},
    {"num_layers": 2, "dropout": 0.0},
]
KINDS = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})]


def _pair(kind, extra, cfg, dtype=torch.float64):
    torch.manual_seed(0)
    ref = getattr(torch.nn, kind)(I, H, **extra, **cfg).to(dtype)
    ours = getattr(nn, kind)(I, H, **extra, **cfg, dtype=np.float64 if dtype == torch.float64
                             else np.float32)
    ours.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    return ref, ours


def _compare(kind, extra, cfg, dtype=torch.float64, tol=1e-10, lengths=None):
    ref, ours = _pair(kind, extra, cfg, dtype)
    rng = np.random.default_rng(1)
    L = cfg.get("num_layers", 1) * (2 if cfg.get("bidirectional") else 1)
    shape = (B, T, I) if cfg.get("batch_first") else (T, B, I)
    x = rng.standard_normal(shape)
    states = [rng.standard_normal((L, B, H)) for _ in range(2 if kind == "LSTM" else 1)]
    tx = torch.tensor(x, dtype=dtype, requires_grad=True)
    ts = [torch.tensor(s, dtype=dtype, requires_grad=True) for s in states]
    gx = gg.Tensor(x, dtype=ours.weight_ih_l0.dtype, requires_grad=True)
    gs = [gg.Tensor(s, dtype=gx.dtype, requires_grad=True) for s in states]
    t_out, t_h = ref(tx, tuple(ts) if kind == "LSTM" else ts[0])
    g_out, g_h = ours(gx, tuple(gs) if kind == "LSTM" else gs[0])
    t_h = list(t_h) if kind == "LSTM" else [t_h]
    g_h = list(g_h) if kind == "LSTM" else [g_h]
    # a loss that reaches every output: weighted sums with fixed random weights
    ws = [rng.standard_normal(tuple(t.shape)) for t in [t_out, *t_h]]
    t_loss = sum((t * torch.tensor(w, dtype=dtype)).sum() for t, w in zip([t_out, *t_h], ws))
    g_loss = sum(((g * gg.Tensor(w, dtype=gx.dtype)).sum() for g, w in zip([g_out, *g_h], ws)),
                 start=gg.tensor(0.0, dtype=gx.dtype))
    t_loss.backward()
    g_loss.backward()
    close = dict(rtol=tol, atol=tol)
    np.testing.assert_allclose(g_out.detach().numpy(), t_out.detach().numpy(), **close)
    for g, t in zip(g_h, t_h):
        np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), **close)
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), **close)
    for g, t in zip(gs, ts):
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), **close)
    params = dict(ours.named_parameters())
    assert set(params) == {n for n, _ in ref.named_parameters()}
    for name, p in ref.named_parameters():
        np.testing.assert_allclose(params[name].grad.numpy(), p.grad.numpy(), err_msg=name,
                                   **close)


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items())
                         or "default")
@pytest.mark.parametrize("kind,extra", KINDS, ids=["rnn_tanh", "rnn_relu", "lstm", "gru"])
def test_matches_torch_float64(kind, extra, cfg):
    _compare(kind, extra, cfg)


@pytest.mark.parametrize("kind,extra", KINDS, ids=["rnn_tanh", "rnn_relu", "lstm", "gru"])
def test_matches_torch_float32_to_1e5(kind, extra):
    _compare(kind, extra, {"num_layers": 2, "bidirectional": True}, dtype=torch.float32,
             tol=1e-5)
