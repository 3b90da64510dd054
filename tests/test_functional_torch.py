"""Composite expressions: values and gradients against PyTorch 2.13.0 on the CPU.

Each expression is written once against a namespace ``m`` (glassgrad or torch) so the two sides
cannot drift apart.
"""

import numpy as np
import pytest

import glassgrad as gg
from tests._torch import import_torch

torch = import_torch()


def _mlp_xent(m, x, w1, b1, w2, b2):
    h = (x @ w1 + b1).tanh()
    logits = h @ w2 + b2
    logp = logits.log_softmax(-1)
    return -(logp[m.arange(4), m.tensor([0, 2, 1, 2])]).mean()


def _layernorm(m, x, g, b):
    mu = x.mean(-1, keepdim=True)
    var = x.var(-1, keepdim=True, correction=0)
    return ((x - mu) / (var + 1e-5).sqrt() * g + b).pow(2).sum()


def _attention(m, q, k, v):
    scores = q @ k.transpose(-2, -1) / 2.0
    return (scores.softmax(-1) @ v).sigmoid().sum()


def _movement(m, a, b):
    c = m.cat([a, b.flatten(1)], 1)
    s = m.stack([c, c * 2], dim=-1)
    p = m.nn.functional.pad(s, (1, 0, 2, 1)) if m is torch else m.pad(s, (1, 0, 2, 1))
    first, second = p.split(3, dim=1)[:2]
    return (first * second.exp()).sum() + p[:, [0, 3, 3]].unsqueeze(0).squeeze(0).abs().sum()


def _reductions(m, x, y):
    big = x.amax(1) + y.amin(0).mean()
    lse = x.logsumexp(dim=1)
    mixed = m.where(x > 0, x, y[: x.shape[0], : x.shape[1]] * 0.5)
    return (big * lse).sum() + mixed.clamp(-0.3, 0.8).sum() + m.maximum(x, -x.sin()).std()


def _powers(m, a, b):
    return ((a.abs() + 1) ** b).sum() + (2.0 ** a).mean() + (a**3 / (b * b + 1)).sum()


def _batched(m, a, b, v):
    out = (a @ b).relu() @ v
    return m.nn.functional.leaky_relu(out, 0.1).sum() if m is torch else \
        gg.functional.leaky_relu(out, 0.1).sum()


def _indexing(m, x):
    idx = m.tensor([0, 2, 2, 1, 0])
    picked = x[idx] * x[idx, 1:2]
    mask = x > 0.1
    return picked.sum() + (x[mask] ** 2).sum() + (x[1:, None, :].expand(2, 3, 4) * x).sum()


EXPRESSIONS = {
    "mlp-cross-entropy": (_mlp_xent, [(4, 3), (3, 5), (5,), (5, 3), (3,)]),
    "layernorm": (_layernorm, [(3, 6), (6,), (6,)]),
    "attention": (_attention, [(2, 3, 4), (2, 5, 4), (2, 5, 2)]),
    "movement": (_movement, [(2, 3), (2, 2, 2)]),
    "reductions": (_reductions, [(3, 4), (5, 6)]),
    "powers": (_powers, [(3, 4), (4,)]),
    "batched-matmul": (_batched, [(2, 3, 4), (4, 5), (5,)]),
    "indexing": (_indexing, [(3, 4)]),
}


def _run(name, dtype):
    fn, shapes = EXPRESSIONS[name]
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    ours = [gg.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = fn(gg, *ours)
    ref = fn(torch, *theirs)
    out.backward()
    ref.backward()
    return out, ref, ours, theirs


@pytest.mark.parametrize("name", EXPRESSIONS)
def test_gradients_match_torch_float64(name):
    out, ref, ours, theirs = _run(name, np.float64)
    np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-10)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert a.grad is not None, f"{name}: input {i} got no gradient"
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-5,
                                   err_msg=f"{name}: gradient of input {i}")


@pytest.mark.parametrize("name", EXPRESSIONS)
def test_gradients_match_torch_float32(name):
    out, ref, ours, theirs = _run(name, np.float32)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-5)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert a.grad.dtype == np.float32
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5,
                                   err_msg=f"{name}: gradient of input {i}")
