"""Loss targets outside their domain, audited against PyTorch 2.13's checks: BCELoss refuses
targets outside [0, 1] (NaN too); BCEWithLogitsLoss and CrossEntropyLoss's probability targets
are not checked by PyTorch (their formulas and gradients hold for any target) and glassgrad
computes the same numbers; class indices out of range are refused; KLDivLoss refuses negative
probabilities (PyTorch returns NaN); GaussianNLLLoss refuses a negative variance."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.nn import functional as F
from tests._torch import import_torch

P = [[0.2, 0.7], [0.5, 0.9]]


@pytest.mark.parametrize("bad", [2.0, -0.5, 1.0001, float("nan"), float("inf")])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_refuses_targets_outside_0_1_like_torch(bad, reduction, weighted):
    torch = import_torch()
    t = [[1.0, bad], [0.0, 0.3]]
    w = [[1.0, 2.0], [1.0, 1.0]] if weighted else None
    with pytest.raises(RuntimeError, match="target should be between 0 and 1"):
        torch.nn.BCELoss(weight=None if w is None else torch.tensor(w), reduction=reduction)(
            torch.tensor(P), torch.tensor(t))
    with pytest.raises(ValueError, match="target should be between 0 and 1"):
        nn.BCELoss(weight=None if w is None else gg.tensor(w), reduction=reduction)(
            gg.tensor(P), gg.tensor(t))


@pytest.mark.parametrize("t", [[[0.0, 1.0], [1.0, 0.0]], [[0.25, 0.5], [1.0, 0.0]]])
def test_bce_accepts_hard_and_soft_labels_and_matches_torch(t):
    torch = import_torch()
    p, tp = gg.tensor(P, requires_grad=True), torch.tensor(P, requires_grad=True)
    out, tout = F.binary_cross_entropy(p, gg.tensor(t)), torch.nn.functional.binary_cross_entropy(
        tp, torch.tensor(t))
    out.backward()
    tout.backward()
    assert out.item() == pytest.approx(tout.item(), rel=1e-6)
    np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-5)


@pytest.mark.parametrize("t", [2.0, -1.0])
def test_bce_with_logits_takes_any_target_like_torch(t):
    torch = import_torch()
    x = [[0.3, -1.2]]
    tt = [[t, 0.5]]
    want = torch.nn.functional.binary_cross_entropy_with_logits(torch.tensor(x), torch.tensor(tt))
    got = F.binary_cross_entropy_with_logits(gg.tensor(x), gg.tensor(tt))
    assert got.item() == pytest.approx(want.item(), rel=1e-6)


@pytest.mark.parametrize("label", [-1, 3, 7])
@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
def test_class_indices_out_of_range_are_refused_like_torch(label, fn):
    torch = import_torch()
    x = np.log(np.full((2, 3), 1 / 3))
    with pytest.raises((RuntimeError, IndexError)):
        getattr(torch.nn.functional, fn)(torch.tensor(x), torch.tensor([0, label]))
    with pytest.raises(ValueError, match=f"target {label} at position"):
        getattr(F, fn)(gg.tensor(x), gg.tensor([0, label]))


def test_probability_targets_that_do_not_sum_to_1_compute_the_same_as_torch():
    # PyTorch does not check them: -Σ q·log softmax(x) and its gradient softmax(x)·Σq − q hold
    # for any q. glassgrad computes the same value and gradient (not the Σq = 1 shortcut).
    torch = import_torch()
    x = [[0.5, -1.0, 2.0], [0.1, 0.2, 0.3]]
    q = [[1.0, 1.0, 0.0], [-0.5, 0.0, 2.0]]
    gx, tx = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = F.cross_entropy(gx, gg.tensor(q))
    tout = torch.nn.functional.cross_entropy(tx, torch.tensor(q))
    out.backward()
    tout.backward()
    assert out.item() == pytest.approx(tout.item(), rel=1e-6)
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-5)


def test_kl_div_refuses_negative_probabilities_where_torch_returns_nan():
    torch = import_torch()
    logp, t = [[-1.0, -0.5]], [[-0.2, 1.2]]
    assert torch.isnan(torch.nn.functional.kl_div(torch.tensor(logp), torch.tensor(t),
                                                  reduction="batchmean"))
    with pytest.raises(ValueError, match="target must hold probabilities"):
        F.kl_div(gg.tensor(logp), gg.tensor(t), reduction="batchmean")


def test_gaussian_nll_refuses_a_negative_variance_like_torch():
    torch = import_torch()
    with pytest.raises(ValueError, match="var has negative"):
        torch.nn.functional.gaussian_nll_loss(torch.zeros(2), torch.zeros(2), -torch.ones(2))
    with pytest.raises(ValueError, match="var must be >= 0"):
        F.gaussian_nll_loss(gg.zeros(2), gg.zeros(2), -gg.ones(2))
