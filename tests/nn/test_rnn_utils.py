"""Variable-length batches, sequence helpers, Embedding, and the errors for bad input."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.errors import ShapeError
from glassgrad.nn.embedding import Embedding
from glassgrad.nn.functional import cross_entropy, mse_loss
from glassgrad.nn.recurrent import GRU, LSTM, RNN
from glassgrad.nn.rnn_utils import last_step, pad_sequence, sequence_loss, sequence_mask
from tests._torch import torch

I, H = 3, 4
LENGTHS = [5, 2, 4]


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
@pytest.mark.parametrize("batch_first", [False, True])
def test_padded_batch_equals_sequences_one_by_one(cls, batch_first):
    gg.set_default_dtype(np.float64)
    m = cls(I, H, num_layers=2, bidirectional=True, batch_first=batch_first)
    rng = np.random.default_rng(0)
    seqs = [rng.standard_normal((n, I)) for n in LENGTHS]
    w_out = [rng.standard_normal((n, 2 * H)) for n in LENGTHS]
    w_h = rng.standard_normal((4, len(LENGTHS), H))

    def loss_of(out, h, one=None):
        h = h[0] if cls is LSTM else h
        sel = range(len(LENGTHS)) if one is None else [one]
        total = gg.tensor(0.0)
        for j, b in enumerate(sel):
            n = LENGTHS[b]
            o = out[j, :n] if batch_first else out[:n, j]
            total = total + (o * gg.tensor(w_out[b])).sum() + (h[:, j] * gg.tensor(w_h[:, b])).sum()
        return total

    # one by one
    m.zero_grad()
    outs, hs = [], []
    for b, s in enumerate(seqs):
        x = gg.tensor(s[None] if batch_first else s[:, None])
        out, h = m(x)
        loss_of(out, h, one=b).backward()
        outs.append(out.detach().numpy()), hs.append((h[0] if cls is LSTM else h).detach().numpy())
    want_grads = {k: p.grad.numpy().copy() for k, p in m.named_parameters()}
    # padded batch, garbage in the padding
    m.zero_grad()
    padded = pad_sequence([gg.tensor(s) for s in seqs], batch_first=batch_first, padding_value=7.0)
    x = gg.tensor(padded.numpy(), requires_grad=True)
    out, h = m(x, lengths=LENGTHS)
    loss_of(out, h).backward()
    o = out.detach().numpy()
    for b, n in enumerate(LENGTHS):
        ob = o[b] if batch_first else o[:, b]
        np.testing.assert_allclose(ob[:n], outs[b][0] if batch_first else outs[b][:, 0],
                                   atol=1e-12)
        np.testing.assert_array_equal(ob[n:], 0.0)  # padded outputs are zero
        hb = (h[0] if cls is LSTM else h).detach().numpy()[:, b]
        np.testing.assert_allclose(hb, hs[b][:, 0], atol=1e-12)
        gx = x.grad.numpy()[b] if batch_first else x.grad.numpy()[:, b]
        np.testing.assert_array_equal(gx[n:], 0.0)  # no gradient into padding
    for k, p in m.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), want_grads[k], atol=1e-10, err_msg=k)


def test_lengths_match_torch_packed_sequences():
    gg.set_default_dtype(np.float64)
    torch.manual_seed(0)
    ref = torch.nn.LSTM(I, H, num_layers=2, bidirectional=True).double()
    ours = LSTM(I, H, num_layers=2, bidirectional=True)
    ours.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 3, I))
    packed = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), torch.tensor(LENGTHS),
                                                     enforce_sorted=False)
    t_out, (t_h, t_c) = ref(packed)
    t_out, _ = torch.nn.utils.rnn.pad_packed_sequence(t_out, total_length=5)
    g_out, (g_h, g_c) = ours(gg.tensor(x), lengths=LENGTHS)
    for g, t in [(g_out, t_out), (g_h, t_h), (g_c, t_c)]:
        np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), atol=1e-12)


def test_sequence_loss_is_mean_over_valid_steps_then_batch():
    rng = np.random.default_rng(0)
    logits, targets = rng.standard_normal((4, 2, 3)), rng.integers(0, 3, (4, 2))
    targets[3:, 1] = -100  # padding label
    lengths = [4, 3]
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    per = [-np.mean([logp[t, b, targets[t, b]] for t in range(n)]) for b, n in enumerate(lengths)]
    got = sequence_loss(cross_entropy, gg.tensor(logits), targets, lengths)
    assert got.item() == pytest.approx(np.mean(per), rel=1e-6)
    full = sequence_loss(mse_loss, gg.tensor(logits), gg.tensor(np.zeros((4, 2, 3))))
    assert full.item() == pytest.approx(np.mean(logits ** 2), rel=1e-6)
    bf = sequence_loss(cross_entropy, gg.tensor(logits.transpose(1, 0, 2)), targets.T, lengths,
                       batch_first=True)
    assert bf.item() == pytest.approx(got.item(), rel=1e-6)


def test_mask_and_last_step():
    np.testing.assert_array_equal(sequence_mask([2, 1], batch_first=True).numpy(),
                                  [[1, 1], [1, 0]])
    out = gg.tensor(np.arange(12.0).reshape(3, 2, 2))
    np.testing.assert_array_equal(last_step(out, [3, 1]).numpy(), [[8, 9], [2, 3]])
    np.testing.assert_array_equal(last_step(out).numpy(), [[8, 9], [10, 11]])


def test_embedding_matches_torch_with_padding_idx_and_repeats():
    torch.manual_seed(0)
    ref = torch.nn.Embedding(6, 3, padding_idx=1)
    ours = Embedding(6, 3, padding_idx=1)
    ours.load_state_dict({"weight": ref.weight.detach().numpy()})
    idx = np.array([[1, 2, 2], [5, 1, 0]])
    w = np.random.default_rng(0).standard_normal((2, 3, 3)).astype(np.float32)
    (ref(torch.tensor(idx)) * torch.tensor(w)).sum().backward()
    out = ours(gg.tensor(idx))
    (out * gg.tensor(w)).sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), ref.weight.detach().numpy()[idx])
    np.testing.assert_allclose(ours.weight.grad.numpy(), ref.weight.grad.numpy(), atol=1e-6)
    assert not ours.weight.grad.numpy()[1].any()


def test_embedding_init_and_errors():
    e = Embedding(2000, 50, padding_idx=-1)
    w = e.weight.detach().numpy()
    assert abs(w[:-1].mean()) < 0.01 and abs(w[:-1].std() - 1) < 0.01  # N(0, 1)
    assert e.padding_idx == 1999 and not w[-1].any()
    with pytest.raises(IndexError, match="out of range"):
        e(gg.tensor([0, 2000]))
    with pytest.raises(TypeError, match="integers"):
        e(gg.tensor([0.0, 1.0]))


def test_bad_input_errors_name_the_problem():
    lstm = LSTM(I, H, num_layers=2)
    x = gg.randn(5, 3, I)
    with pytest.raises(ShapeError, match=f"expected input with {I} features"):
        lstm(gg.randn(5, 3, I + 1))
    with pytest.raises(ShapeError, match=r"state c must have shape \(2, 3, 4\)"):
        lstm(x, (gg.zeros(2, 3, H), gg.zeros(1, 3, H)))
    with pytest.raises(ShapeError, match=r"state h must have shape \(2, 3, 4\)"):
        lstm(x, (gg.zeros(2, 3, H + 1), gg.zeros(2, 3, H)))
    with pytest.raises(TypeError, match=r"tuple \(h0, c0\)"):
        lstm(x, gg.zeros(2, 3, H))
    with pytest.raises(ValueError, match="longer than the padded sequence"):
        lstm(x, lengths=[5, 6, 1])
    with pytest.raises(ValueError, match="3 integers"):
        GRU(I, H)(x, lengths=[5, 5])
    with pytest.raises(ShapeError, match="3 dims"):
        RNN(I, H)(gg.randn(1, 5, 3, I))
    with pytest.raises(ValueError, match="nonlinearity"):
        RNN(I, H, nonlinearity="sigmoid")


def test_state_is_returned_not_stored_and_unbatched_input():
    gru = GRU(I, H)
    x = gg.randn(4, I)  # unbatched (T, I)
    out1, h1 = gru(x)
    out2, _ = gru(x)
    np.testing.assert_array_equal(out1.detach().numpy(), out2.detach().numpy())
    assert out1.shape == (4, H) and h1.shape == (1, H)
    out3, _ = gru(x[2:], h1)  # carrying the state continues the sequence
    full, _ = gru(gg.cat([x, x[2:]], 0))
    np.testing.assert_allclose(out3.detach().numpy(), full.detach().numpy()[4:], atol=1e-6)
    assert "GRU(3, 4)" in repr(gru)


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_empty_sequences_are_refused_by_the_layer_with_a_clear_error(cls):
    layer = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}[cls](3, 4, batch_first=True)
    with pytest.raises(ValueError, match=rf"{cls}: lengths must lie in \[1, 5\].*at least one"):
        layer(gg.randn(2, 5, 3), lengths=[5, 0])
