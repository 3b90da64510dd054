"""Audit of RNN / LSTM / GRU against PyTorch 2.13.0 where the other tests do not reach.

Packed variable-length batches with gradients (torch ``pack_padded_sequence``), dropout between
layers (eval equals torch; training leaves the last layer and the layer-0 state alone),
unbatched input with a state, GRU's gate equations in closed form, and truncated BPTT against a
hand-written torch loop.
"""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.data.bptt import BPTTLoader, detach_state
from glassgrad.nn import recurrent as nn
from tests._torch import torch

pack_padded_sequence = torch.nn.utils.rnn.pack_padded_sequence
pad_packed_sequence = torch.nn.utils.rnn.pad_packed_sequence

I, H = 3, 4
LENGTHS = [5, 2, 4, 1]  # unsorted, with a length-1 sequence
KINDS = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})]
IDS = ["rnn_tanh", "rnn_relu", "lstm", "gru"]


def _pair(kind, extra=None, **cfg):
    torch.manual_seed(0)
    ref = getattr(torch.nn, kind)(I, H, **(extra or {}), **cfg).double()
    ours = getattr(nn, kind)(I, H, **(extra or {}), **cfg, dtype=np.float64)
    ours.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    return ref, ours


def _g(a, grad=False):
    return gg.Tensor(a, dtype=np.float64, requires_grad=grad)


def _assert_grads(ref, ours, pairs, tol=1e-10):
    for g, tt in pairs:
        np.testing.assert_allclose(g.grad.numpy(), tt.grad.numpy(), rtol=tol, atol=tol)
    params = dict(ours.named_parameters())
    for name, p in ref.named_parameters():
        np.testing.assert_allclose(params[name].grad.numpy(), p.grad.numpy(), rtol=tol, atol=tol,
                                   err_msg=name)


@pytest.mark.parametrize("kind,extra", KINDS, ids=IDS)
@pytest.mark.parametrize("cfg,with_h0", [
    ({}, False),
    ({"num_layers": 2, "bidirectional": True, "batch_first": True}, True),
    ({"num_layers": 2, "bidirectional": True}, False),
], ids=["plain", "2layer-bi-bf-h0", "2layer-bi"])
def test_packed_sequences_forward_and_every_gradient_match_torch(kind, extra, cfg, with_h0):
    ref, ours = _pair(kind, extra, **cfg)
    rng = np.random.default_rng(1)
    T, B, bf = max(LENGTHS), len(LENGTHS), cfg.get("batch_first", False)
    x = rng.standard_normal((B, T, I) if bf else (T, B, I))
    for b, n in enumerate(LENGTHS):  # garbage in the padding must not matter
        x[(b, slice(n, None)) if bf else (slice(n, None), b)] = 99.0
    layers = cfg.get("num_layers", 1) * (2 if cfg.get("bidirectional") else 1)
    n_states = 2 if kind == "LSTM" else 1
    s0 = [rng.standard_normal((layers, B, H)) for _ in range(n_states)] if with_h0 else []
    tx, ts = torch.tensor(x, requires_grad=True), [torch.tensor(s, requires_grad=True) for s in s0]
    gx, gs = _g(x, True), [_g(s, True) for s in s0]

    def state(parts):
        return None if not parts else (tuple(parts) if kind == "LSTM" else parts[0])

    packed = pack_padded_sequence(tx, torch.tensor(LENGTHS), batch_first=bf, enforce_sorted=False)
    t_out, t_h = ref(packed, state(ts))
    t_out, _ = pad_packed_sequence(t_out, batch_first=bf, total_length=T)
    g_out, g_h = ours(gx, state(gs), lengths=LENGTHS)
    t_all = [t_out, *(t_h if kind == "LSTM" else [t_h])]
    g_all = [g_out, *(g_h if kind == "LSTM" else [g_h])]
    for g, tt in zip(g_all, t_all):
        np.testing.assert_allclose(g.detach().numpy(), tt.detach().numpy(), atol=1e-12)
    ws = [rng.standard_normal(tuple(tt.shape)) for tt in t_all]
    sum((tt * torch.tensor(w)).sum() for tt, w in zip(t_all, ws)).backward()
    sum(((g * _g(w)).sum() for g, w in zip(g_all, ws)), start=_g(0.0)).backward()
    _assert_grads(ref, ours, [(gx, tx), *zip(gs, ts)])
    pad_grad = gx.grad.numpy()
    for b, n in enumerate(LENGTHS):
        assert not (pad_grad[b, n:] if bf else pad_grad[n:, b]).any()


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_dropout_between_layers_in_eval_matches_torch(kind):
    ref, ours = _pair(kind, num_layers=3, dropout=0.5, bidirectional=True)
    ref.eval()
    ours.eval()
    x = np.random.default_rng(2).standard_normal((6, 2, I))
    tx, gx = torch.tensor(x, requires_grad=True), _g(x, True)
    (t_out, t_h), (g_out, g_h) = ref(tx), ours(gx)
    np.testing.assert_allclose(g_out.detach().numpy(), t_out.detach().numpy(), atol=1e-12)
    t_h, g_h = (t_h[0], g_h[0]) if kind == "LSTM" else (t_h, g_h)
    np.testing.assert_allclose(g_h.detach().numpy(), t_h.detach().numpy(), atol=1e-12)
    (t_out.sum() + t_h.sum()).backward()
    (g_out.sum() + g_h.sum()).backward()
    _assert_grads(ref, ours, [(gx, tx)])


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_training_dropout_acts_only_between_layers(kind):
    # PyTorch's rule: dropout on each layer's output except the last one's. So in training the
    # first layer's final state (h_n[0:2], both directions) is exactly the eval value, while the
    # output of the stack (which reads dropped-out layer-0 outputs) changes.
    _, ours = _pair(kind, num_layers=2, dropout=0.5, bidirectional=True)
    x = _g(np.random.default_rng(3).standard_normal((6, 2, I)))
    ours.eval()
    e_out, e_h = ours(x)
    ours.train()
    t_out, t_h = ours(x)
    e_h, t_h = (e_h[0], t_h[0]) if kind == "LSTM" else (e_h, t_h)
    np.testing.assert_array_equal(t_h.detach().numpy()[:2], e_h.detach().numpy()[:2])
    assert np.abs(t_out.detach().numpy() - e_out.detach().numpy()).max() > 1e-3


@pytest.mark.parametrize("kind,extra", KINDS, ids=IDS)
def test_unbatched_input_with_state_matches_torch(kind, extra):
    ref, ours = _pair(kind, extra, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((5, I))
    s0 = [rng.standard_normal((4, H)) for _ in range(2 if kind == "LSTM" else 1)]
    tx, ts = torch.tensor(x, requires_grad=True), [torch.tensor(s, requires_grad=True) for s in s0]
    gx, gs = _g(x, True), [_g(s, True) for s in s0]
    t_out, t_h = ref(tx, tuple(ts) if kind == "LSTM" else ts[0])
    g_out, g_h = ours(gx, tuple(gs) if kind == "LSTM" else gs[0])
    t_h, g_h = (t_h[1], g_h[1]) if kind == "LSTM" else (t_h, g_h)
    assert g_out.shape == tuple(t_out.shape) == (5, 2 * H) and g_h.shape == tuple(t_h.shape)
    np.testing.assert_allclose(g_out.detach().numpy(), t_out.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(g_h.detach().numpy(), t_h.detach().numpy(), atol=1e-12)
    ((t_out ** 2).sum() + t_h.sum()).backward()
    ((g_out ** 2).sum() + g_h.sum()).backward()
    _assert_grads(ref, ours, [(gx, tx), *zip(gs, ts)])


def test_gru_two_steps_in_closed_form_reset_gate_outside_the_hidden_matmul():
    # n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)) (PyTorch, cuDNN), not the original paper's
    # tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn): the expected values are PyTorch's documented
    # equations written out in NumPy; the paper's variant is computed to show it differs.
    rng = np.random.default_rng(5)
    w_ih, w_hh = rng.standard_normal((3 * H, I)), rng.standard_normal((3 * H, H))
    b_ih, b_hh = rng.standard_normal(3 * H), rng.standard_normal(3 * H)
    x, h0 = rng.standard_normal((2, 2, I)), rng.standard_normal((2, H))  # x (T, B, I)

    def sig(a):
        return 1 / (1 + np.exp(-a))

    def step(x_t, h, paper):
        gi, gh = x_t @ w_ih.T + b_ih, h @ w_hh.T + b_hh
        r, z = sig(gi[:, :H] + gh[:, :H]), sig(gi[:, H:2 * H] + gh[:, H:2 * H])
        hidden = (r * h) @ w_hh[2 * H:].T + b_hh[2 * H:] if paper else r * gh[:, 2 * H:]
        n = np.tanh(gi[:, 2 * H:] + hidden)
        return (1 - z) * n + z * h

    want, paper, h, hp = [], [], h0, h0
    for x_t in x:
        h, hp = step(x_t, h, False), step(x_t, hp, True)
        want.append(h)
        paper.append(hp)
    gru = nn.GRU(I, H, dtype=np.float64)
    gru.load_state_dict({"weight_ih_l0": w_ih, "weight_hh_l0": w_hh, "bias_ih_l0": b_ih,
                         "bias_hh_l0": b_hh})
    out, h_n = gru(_g(x), _g(h0[None]))
    np.testing.assert_allclose(out.detach().numpy(), np.stack(want), atol=1e-12)
    np.testing.assert_allclose(h_n.detach().numpy()[0], want[-1], atol=1e-12)
    assert np.abs(np.stack(want) - np.stack(paper)).max() > 1e-3


def _torch_tbptt(ref, head, chunks, lr):
    """Truncated BPTT written out in torch: detach the carried state at every chunk boundary."""
    state, record = None, []
    params = list(ref.parameters()) + list(head.parameters())
    for x, y in chunks:
        if state is not None:
            state = tuple(s.detach() for s in state)
        out, state = ref(torch.tensor(x), state)
        loss = ((head(out) - torch.tensor(y)) ** 2).mean()
        grads = torch.autograd.grad(loss, params)
        record.append((loss.item(), [g.numpy().copy() for g in grads]))
        with torch.no_grad():
            for p, g in zip(params, grads):
                p -= lr * g
    return record, [s.detach().numpy() for s in state]


@pytest.mark.parametrize("lr", [0.0, 0.1])
def test_truncated_bptt_matches_a_manual_torch_loop(lr):
    gg.set_default_dtype(np.float64)
    series = np.sin(np.arange(41) * 0.3)[:, None]
    # the chunks built by hand: 40 (x, next x) pairs -> 2 streams of 20 steps -> 4 chunks of 5
    data, targets = series[:-1], series[1:]
    streams = [a.reshape(2, 20, 1).transpose(1, 0, 2) for a in (data, targets)]
    chunks = [(streams[0][k:k + 5], streams[1][k:k + 5]) for k in range(0, 20, 5)]
    loader = BPTTLoader(series, batch_size=2, bptt_len=5)
    for (x, y), (tx, ty) in zip(loader, chunks, strict=True):
        np.testing.assert_array_equal(x.numpy(), tx)
        np.testing.assert_array_equal(y.numpy(), ty)

    torch.manual_seed(0)
    ref, head = torch.nn.LSTM(1, 3).double(), torch.nn.Linear(3, 1).double()
    lstm, lin = nn.LSTM(1, 3), gg.nn.Linear(3, 1)
    lstm.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    lin.load_state_dict({k: v.detach().numpy() for k, v in head.state_dict().items()})
    params = list(lstm.parameters()) + list(lin.parameters())
    state = None
    ours = []
    for x, y in loader:
        state = detach_state(state)
        out, state = lstm(x, state)
        loss = ((lin(out) - y) ** 2).mean()
        for p in params:
            p.grad = None
        loss.backward()
        ours.append((loss.item(), [p.grad.numpy().copy() for p in params]))
        for p in params:
            p.data = p.data - lr * p.grad.data
    want, want_state = _torch_tbptt(ref, head, chunks, lr)
    for (loss, grads), (t_loss, t_grads) in zip(ours, want, strict=True):
        assert loss == pytest.approx(t_loss, rel=1e-12)
        for g, tg in zip(grads, t_grads):
            np.testing.assert_allclose(g, tg, rtol=1e-10, atol=1e-12)
    for s, ts in zip(state, want_state):
        np.testing.assert_allclose(s.detach().numpy(), ts, atol=1e-12)
    if lr == 0.0:
        # the carried state continues the stream: one pass over all 20 steps ends in the same state
        torch.manual_seed(0)
        _, full = torch.nn.LSTM(1, 3).double()(torch.tensor(streams[0]))
        for s, ts in zip(state, full):
            np.testing.assert_allclose(s.detach().numpy(), ts.detach().numpy(), atol=1e-12)
        # and truncation matters: full BPTT's gradient of the last chunk's loss is different
        torch.manual_seed(0)
        ref2, head2 = torch.nn.LSTM(1, 3).double(), torch.nn.Linear(3, 1).double()
        out, _ = ref2(torch.tensor(streams[0]))
        last = ((head2(out[15:]) - torch.tensor(streams[1][15:])) ** 2).mean()
        g_full = torch.autograd.grad(last, ref2.weight_hh_l0)[0].numpy()
        assert np.abs(g_full - ours[-1][1][1]).max() > 1e-6
