"""Audit of the losses against PyTorch 2.13.0 in float64: every reduction, weights, ignore_index,
label smoothing, probability and K-dim targets, unbatched inputs; values and gradients.

The existing tests (test_loss.py) cover the main paths in float32 at 1e-5; these fill the
combinations they leave out and hold float64 to 1e-10.
"""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.nn import functional as F
from tests._torch import TF, torch

REDUCTIONS = ["mean", "sum", "none"]
rng = np.random.default_rng(123)
X2 = rng.standard_normal((7, 5)) * 2  # (N, C)
Y2 = np.array([0, 4, 1, 1, 3, 2, 4])
XK = rng.standard_normal((3, 4, 2, 5))  # (N, C, d1, d2)
YK = rng.integers(0, 4, (3, 2, 5))
WC5 = np.array([0.5, 2.0, 1.0, 1.5, 0.25])
WC4 = np.array([1.0, 0.2, 3.0, 0.7])


def _probs(shape, axis=1):
    p = rng.random(shape) + 0.05
    return p / p.sum(axis, keepdims=True)


def _t(a, grad=False):
    if isinstance(a, np.ndarray) and a.dtype.kind == "f":
        return torch.tensor(a, dtype=torch.float64, requires_grad=grad)
    return torch.tensor(a)


def _g(a, grad=False):
    if isinstance(a, np.ndarray) and a.dtype.kind == "f":
        return gg.tensor(a, dtype=np.float64, requires_grad=grad)
    return gg.tensor(a)


def _check(ours, theirs, inputs, grad_of=(0,), tol=1e-10):
    """Value and gradient (of the inputs at ``grad_of``) of ours vs PyTorch, in float64."""
    g = [_g(a, i in grad_of) for i, a in enumerate(inputs)]
    t = [_t(a, i in grad_of) for i, a in enumerate(inputs)]
    lo, lt = ours(*g), theirs(*t)
    assert tuple(lo.shape) == tuple(lt.shape)
    ref = lt.detach().numpy()
    np.testing.assert_allclose(lo.detach().numpy(), ref, rtol=tol, atol=tol)
    gy = np.random.default_rng(7).standard_normal(ref.shape) + 1.5
    lo.backward(gg.tensor(gy, dtype=np.float64))
    lt.backward(torch.tensor(gy))
    for i in grad_of:
        assert t[i].grad is not None
        np.testing.assert_allclose(g[i].grad.numpy(), t[i].grad.numpy(), rtol=tol, atol=tol,
                                   err_msg=f"gradient of input {i}")


# ---------------------------------------------------------------- regression losses

@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_l1_and_halved_sse_float64_with_target_gradients(reduction):
    a, t = rng.standard_normal((4, 3, 2)), rng.standard_normal((4, 3, 2))
    t[0, 0, 0] = a[0, 0, 0]  # a zero residual: L1's subgradient there is 0 in PyTorch
    _check(lambda x, y: F.mse_loss(x, y, reduction), lambda x, y: TF.mse_loss(
        x, y, reduction=reduction), [a, t], grad_of=(0, 1))
    _check(lambda x, y: F.l1_loss(x, y, reduction), lambda x, y: TF.l1_loss(
        x, y, reduction=reduction), [a, t], grad_of=(0, 1))
    # textbook E = ½ Σ (t − a)²: exactly half of PyTorch's MSE with the same reduction
    _check(lambda x, y: nn.SSELoss(reduction)(x, y), lambda x, y: 0.5 * TF.mse_loss(
        x, y, reduction=reduction), [a, t], grad_of=(0, 1))


def test_sse_gradient_is_the_textbook_delta():
    a, t = rng.standard_normal(6), rng.standard_normal(6)
    x = gg.tensor(a, dtype=np.float64, requires_grad=True)
    nn.SSELoss()(x, gg.tensor(t, dtype=np.float64)).backward()
    np.testing.assert_allclose(x.grad.numpy(), a - t, rtol=1e-14)  # ∂E/∂a = a − t


# ---------------------------------------------------------------- binary cross-entropy

@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_weight_every_reduction(reduction):
    p = rng.uniform(0.02, 0.98, (5, 4))
    y = rng.random((5, 4))  # soft targets
    w = rng.uniform(0.1, 2.0, (5, 4))
    w_row = rng.uniform(0.1, 2.0, (4,))  # broadcast weight, as PyTorch allows
    for wt in (w, w_row):
        _check(lambda x, t, wt=wt: F.binary_cross_entropy(
                   x, t, weight=gg.tensor(wt, dtype=np.float64), reduction=reduction),
               lambda x, t, wt=wt: TF.binary_cross_entropy(x, t, weight=torch.tensor(wt),
                                                           reduction=reduction),
               [p, y], grad_of=(0, 1))
    _check(lambda x, t: nn.BCELoss(reduction=reduction)(x, t),
           lambda x, t: TF.binary_cross_entropy(x, t, reduction=reduction), [p, y],
           grad_of=(0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_weight_and_pos_weight_every_reduction(reduction):
    x = rng.standard_normal((6, 3, 4)) * 3
    y = (rng.random((6, 3, 4)) > 0.4).astype(float)
    y[0] = rng.random((3, 4))  # some soft targets too
    w = rng.uniform(0.1, 2.0, (3, 4))
    pw = rng.uniform(0.2, 4.0, (4,))  # broadcast over the last dim

    def ours(a, t):
        return nn.BCEWithLogitsLoss(weight=gg.tensor(w, dtype=np.float64), reduction=reduction,
                                    pos_weight=gg.tensor(pw, dtype=np.float64))(a, t)

    def theirs(a, t):
        return TF.binary_cross_entropy_with_logits(a, t, weight=torch.tensor(w),
                                                   pos_weight=torch.tensor(pw),
                                                   reduction=reduction)

    _check(ours, theirs, [x, y], grad_of=(0, 1))
    _check(lambda a, t: F.binary_cross_entropy_with_logits(a, t, reduction=reduction,
                                                           pos_weight=pw),
           lambda a, t: TF.binary_cross_entropy_with_logits(a, t, reduction=reduction,
                                                            pos_weight=torch.tensor(pw)),
           [x, y], grad_of=(0, 1))


def test_bce_with_logits_closed_form_with_pos_weight():
    # ℓ = −[p_w · t · log σ(x) + (1 − t) · log(1 − σ(x))], written out by hand
    x, t, pw = np.array([-2.0, 0.5, 3.0]), np.array([1.0, 0.3, 0.0]), np.array([2.0, 0.5, 4.0])
    s = 1 / (1 + np.exp(-x))
    expected = -(pw * t * np.log(s) + (1 - t) * np.log(1 - s))
    out = F.binary_cross_entropy_with_logits(gg.tensor(x, dtype=np.float64),
                                             gg.tensor(t, dtype=np.float64), reduction="none",
                                             pos_weight=gg.tensor(pw, dtype=np.float64))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-13)


# ---------------------------------------------------------------- cross-entropy / NLL

CE_OPTIONS = [
    {},
    {"weight": "w"},
    {"ignore_index": 1},
    {"weight": "w", "ignore_index": 2},
    {"label_smoothing": 0.15},
    {"label_smoothing": 0.15, "weight": "w"},
    {"label_smoothing": 0.25, "weight": "w", "ignore_index": 0},
    {"label_smoothing": 1.0},
]


def _kw(kw, w, lib):
    out = dict(kw)
    if out.get("weight") == "w":
        out["weight"] = torch.tensor(w) if lib == "torch" else gg.tensor(w, dtype=np.float64)
    return out


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", CE_OPTIONS, ids=[str(k) for k in CE_OPTIONS])
def test_cross_entropy_class_indices_2d_and_kdim(kw, reduction):
    for x, y, w in ((X2, Y2, WC5), (XK, YK, WC4)):
        _check(lambda a, t, w=w: nn.CrossEntropyLoss(reduction=reduction,
                                                        **_kw(kw, w, "gg"))(a, t),
               lambda a, t, w=w: TF.cross_entropy(a, t, reduction=reduction,
                                                     **_kw(kw, w, "torch")),
               [x, y])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", [{}, {"weight": "w"}, {"label_smoothing": 0.2},
                                {"label_smoothing": 0.2, "weight": "w"}])
def test_cross_entropy_probability_targets_2d_and_kdim(kw, reduction):
    for x, w in ((X2, WC5), (XK, WC4)):
        q = _probs(x.shape)
        _check(lambda a, t, w=w: F.cross_entropy(a, t, reduction=reduction, **_kw(kw, w, "gg")),
               lambda a, t, w=w: TF.cross_entropy(a, t, reduction=reduction,
                                                     **_kw(kw, w, "torch")),
               [x, q], grad_of=(0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_unbatched_input(reduction):
    x = X2[0]
    _check(lambda a, t: F.cross_entropy(a, t, reduction=reduction),
           lambda a, t: TF.cross_entropy(a, t, reduction=reduction), [x, np.array(3)])
    _check(lambda a, t: F.cross_entropy(a, t, reduction=reduction, label_smoothing=0.1),
           lambda a, t: TF.cross_entropy(a, t, reduction=reduction, label_smoothing=0.1),
           [x, _probs((5,), axis=0)], grad_of=(0, 1))


def test_cross_entropy_closed_form():
    # ℓ = −Σ_c q_c log softmax(x)_c with q = (1 − ε) one_hot + ε/C, written out by hand
    x, y, eps = np.array([[1.0, -2.0, 0.5]]), 2, 0.3
    logp = x[0] - np.log(np.exp(x[0]).sum())
    q = np.full(3, eps / 3)
    q[y] += 1 - eps
    out = F.cross_entropy(gg.tensor(x, dtype=np.float64), gg.tensor([y]), label_smoothing=eps)
    assert out.item() == pytest.approx(-(q * logp).sum(), rel=1e-14)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", [{}, {"weight": "w"}, {"ignore_index": 3},
                                {"weight": "w", "ignore_index": 0}])
def test_nll_loss_2d_kdim_and_unbatched(kw, reduction):
    for x, y, w in ((X2, Y2, WC5), (XK, YK, WC4)):
        logp = torch.log_softmax(torch.tensor(x), 1).numpy()
        _check(lambda a, t, w=w: nn.NLLLoss(reduction=reduction, **_kw(kw, w, "gg"))(a, t),
               lambda a, t, w=w: TF.nll_loss(a, t, reduction=reduction, **_kw(kw, w, "torch")),
               [logp, y])
    logp = torch.log_softmax(torch.tensor(X2[1]), 0).numpy()
    _check(lambda a, t: F.nll_loss(a, t, reduction=reduction),
           lambda a, t: TF.nll_loss(a, t, reduction=reduction), [logp, np.array(2)])


def test_ignore_index_with_probability_targets_is_refused_like_torch():
    q = _probs(X2.shape)
    with pytest.raises(RuntimeError, match="ignore_index is not supported"):
        TF.cross_entropy(torch.tensor(X2), torch.tensor(q), ignore_index=1)
    with pytest.raises(ValueError, match="ignore_index=1 applies to class-index targets"):
        F.cross_entropy(_g(X2), _g(q), ignore_index=1)
    with pytest.raises(ValueError, match="ignore_index=0"):
        nn.CrossEntropyLoss(ignore_index=0)(_g(X2), _g(q))
    # a negative ignore_index (the default -100 included) is allowed and changes nothing
    _check(lambda a, t: F.cross_entropy(a, t, ignore_index=-1),
           lambda a, t: TF.cross_entropy(a, t, ignore_index=-1), [X2, q], grad_of=(0, 1))
