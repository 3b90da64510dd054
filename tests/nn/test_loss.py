"""Losses against PyTorch 2.13.0 (forward and gradients), gradcheck, extremes and bad input."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.nn import functional as F
from tests._torch import TF, torch

rng = np.random.default_rng(0)
LOGITS = rng.standard_normal((6, 4)) * 2
LABELS = np.array([0, 3, 1, 1, 2, 0])
W = np.array([0.5, 2.0, 1.0, 1.5])


def _both(ours, theirs, inputs, tol=1e-5, dtype=np.float32):
    """Run loss fns on the same float inputs (the rest constants) and compare value and grads."""
    g = [gg.tensor(a, dtype=dtype, requires_grad=True) if a.dtype.kind == "f"
         else gg.tensor(a) for a in inputs]
    t = [torch.tensor(a, dtype=getattr(torch, np.dtype(dtype).name), requires_grad=True)
         if a.dtype.kind == "f" else torch.tensor(a) for a in inputs]
    lo, lt = ours(*g), theirs(*t)
    np.testing.assert_allclose(lo.detach().numpy(), lt.detach().numpy(), rtol=tol, atol=tol)
    gy = np.random.default_rng(1).standard_normal(lo.shape)
    lo.backward(gy)
    lt.backward(torch.tensor(gy, dtype=lt.dtype))
    for a, b in zip(g, t):
        if b.grad is not None:
            assert np.isfinite(a.grad.numpy()).all()
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses_match_torch(reduction):
    a, t = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    _both(lambda x, y: nn.MSELoss(reduction)(x, y),
          lambda x, y: TF.mse_loss(x, y, reduction=reduction), [a, t])
    _both(lambda x, y: nn.L1Loss(reduction)(x, y),
          lambda x, y: TF.l1_loss(x, y, reduction=reduction), [a, t])
    _both(lambda x, y: nn.SSELoss(reduction)(x, y),
          lambda x, y: 0.5 * TF.mse_loss(x, y, reduction=reduction), [a, t])


def test_sse_default_is_halved_sum():
    a, t = np.array([0.2, 0.9]), np.array([0.0, 1.0])
    assert nn.SSELoss()(gg.tensor(a), gg.tensor(t)).item() == pytest.approx(
        0.5 * ((a - t) ** 2).sum())


@pytest.mark.parametrize("kw", [{}, {"weight": W}, {"label_smoothing": 0.1},
                                {"weight": W, "label_smoothing": 0.2, "ignore_index": 3},
                                {"reduction": "sum"}, {"reduction": "none", "weight": W}])
def test_cross_entropy_class_indices_matches_torch(kw):
    tkw = dict(kw)
    if "weight" in kw:
        tkw["weight"] = torch.tensor(W, dtype=torch.float32)
    _both(lambda x, y: nn.CrossEntropyLoss(**kw)(x, y),
          lambda x, y: TF.cross_entropy(x, y, **tkw), [LOGITS, LABELS])


def test_cross_entropy_probability_targets_and_spatial_match_torch():
    p = rng.random((6, 4))
    p /= p.sum(1, keepdims=True)
    _both(lambda x, y: F.cross_entropy(x, y, label_smoothing=0.1),
          lambda x, y: TF.cross_entropy(x, y, label_smoothing=0.1), [LOGITS, p])
    x4, y4 = rng.standard_normal((2, 3, 4, 5)), rng.integers(0, 3, (2, 4, 5))
    _both(F.cross_entropy, TF.cross_entropy, [x4, y4])


def test_cross_entropy_default_ignore_index_and_weighted_probability_targets_match_torch():
    labels = np.array([0, -100, 1, -100, 2, 0])  # PyTorch's default ignore_index is -100
    _both(F.cross_entropy, TF.cross_entropy, [LOGITS, labels])
    p = rng.random((6, 4))
    p /= p.sum(1, keepdims=True)
    _both(lambda x, y: F.cross_entropy(x, y, weight=W, label_smoothing=0.3),
          lambda x, y: TF.cross_entropy(x, y, weight=torch.tensor(W, dtype=torch.float32),
                                        label_smoothing=0.3), [LOGITS, p])


def test_all_targets_ignored_gives_nan_mean_like_torch():
    labels = np.full(6, -100)
    expected = TF.cross_entropy(torch.tensor(LOGITS), torch.tensor(labels)).item()
    assert np.isnan(expected)  # PyTorch: 0 / 0
    assert np.isnan(F.cross_entropy(gg.tensor(LOGITS), gg.tensor(labels)).item())
    assert np.isnan(F.nll_loss(gg.tensor(LOGITS), gg.tensor(labels)).item())
    assert F.cross_entropy(gg.tensor(LOGITS), gg.tensor(labels), reduction="sum").item() == 0


def test_nll_loss_matches_torch():
    logp = np.log(np.exp(LOGITS) / np.exp(LOGITS).sum(1, keepdims=True))
    _both(F.nll_loss, TF.nll_loss, [logp, LABELS])
    _both(lambda x, y: nn.NLLLoss(weight=W)(x, y),
          lambda x, y: TF.nll_loss(x, y, weight=torch.tensor(W, dtype=torch.float32)),
          [logp, LABELS])


def test_bce_losses_match_torch():
    p = rng.uniform(0.05, 0.95, (5, 3))
    t = (rng.random((5, 3)) > 0.5).astype(float)
    _both(nn.BCELoss(), TF.binary_cross_entropy, [p, t])
    _both(nn.BCEWithLogitsLoss(), TF.binary_cross_entropy_with_logits, [LOGITS, rng.random((6, 4))])
    pw = np.array([1.0, 2.0, 3.0, 0.5])
    _both(lambda x, y: F.binary_cross_entropy_with_logits(x, y, pos_weight=pw),
          lambda x, y: TF.binary_cross_entropy_with_logits(
              x, y, pos_weight=torch.tensor(pw, dtype=torch.float32)),
          [LOGITS, (LOGITS > 0).astype(float)])


def test_bce_at_exact_zero_and_one_is_finite_like_torch():
    p, t = np.array([0.0, 1.0, 0.0, 1.0]), np.array([0.0, 1.0, 1.0, 0.0])
    x = gg.tensor(p, requires_grad=True)
    xt = torch.tensor(p, dtype=torch.float32, requires_grad=True)
    lo = F.binary_cross_entropy(x, gg.tensor(t), reduction="none")
    lt = TF.binary_cross_entropy(xt, torch.tensor(t, dtype=torch.float32), reduction="none")
    np.testing.assert_allclose(lo.detach().numpy(), lt.detach().numpy())  # 0 or 100
    lo.sum().backward()
    lt.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-5)  # ±1e12, finite


def test_stable_losses_at_extreme_logits():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0], [0.0, 0.0, -1e4]])
    _both(F.cross_entropy, TF.cross_entropy, [x, np.array([1, 1, 2])])
    _both(F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits,
          [x, np.array([[1.0, 0, 1], [0, 1, 1], [1, 0, 0]])])


@pytest.mark.parametrize("fn", [
    lambda x: F.cross_entropy(x, gg.tensor(LABELS), weight=W, label_smoothing=0.1),
    lambda x: F.cross_entropy(x, gg.tensor(np.full((6, 4), 0.25))),
    lambda x: F.binary_cross_entropy_with_logits(x, gg.tensor(LOGITS > 0) * 1.0,
                                                  pos_weight=[1.0, 2.0, 3.0, 4.0]),
    lambda x: F.binary_cross_entropy(x.sigmoid(), gg.tensor((LOGITS > 0) * 1.0)),
    lambda x: F.nll_loss(x.log_softmax(1), gg.tensor(LABELS)),
    lambda x: F.mse_loss(x, gg.tensor(LOGITS.T.copy().reshape(6, 4))),
    lambda x: F.l1_loss(x, gg.tensor(np.zeros((6, 4)) + 0.1)),
])
def test_loss_gradcheck_float64(fn):
    gg.gradcheck(fn, [gg.tensor(LOGITS, dtype=np.float64)])


def test_gradcheck_wrt_targets_and_pos_weight():
    x = gg.tensor(LOGITS, dtype=np.float64)
    t = gg.tensor(rng.random((6, 4)), dtype=np.float64, requires_grad=True)
    pw = gg.tensor([1.0, 2.0, 3.0, 0.5], dtype=np.float64, requires_grad=True)
    gg.gradcheck(lambda t, pw: F.binary_cross_entropy_with_logits(x, t, pos_weight=pw),
                 [t, pw])
    gg.gradcheck(lambda t: F.cross_entropy(x, t), [t])


def test_bad_labels_and_probabilities_raise_clearly():
    x = gg.tensor(LOGITS)
    with pytest.raises(ValueError, match="target 4 at position .* out of range for 4 classes"):
        F.cross_entropy(x, gg.tensor([0, 4, 1, 1, 2, 0]))
    with pytest.raises(ValueError, match="out of range"):
        F.nll_loss(x, gg.tensor([0, -1, 1, 1, 2, 0]))
    with pytest.raises(TypeError, match="must be integers.*labels.long"):
        F.cross_entropy(x, gg.tensor(LABELS.astype(np.float32)))
    with pytest.raises(gg.ShapeError, match="needs targets of shape"):
        F.cross_entropy(x, gg.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\].*with_logits"):
        F.binary_cross_entropy(x, gg.tensor(np.zeros((6, 4))))
    with pytest.raises(gg.ShapeError, match="Broadcasting them would silently"):
        F.mse_loss(gg.tensor(np.zeros((6, 1))), gg.tensor(np.zeros(6)))
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss("avg")


def test_l2_penalty_is_half_lambda_sum_of_weights_without_biases():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    lam = 0.1
    w = [model[0].weight.detach().numpy(), model[2].weight.detach().numpy()]
    expected = 0.5 * lam * sum((a.astype(np.float64) ** 2).sum() for a in w)
    pen = F.l2_penalty(model, lam)
    assert pen.item() == pytest.approx(expected, rel=1e-5)
    pen.backward()
    np.testing.assert_allclose(model[0].weight.grad.numpy(), lam * w[0], rtol=1e-5)
    assert model[0].bias.grad is None
