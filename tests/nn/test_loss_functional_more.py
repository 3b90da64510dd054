"""Huber, SmoothL1, KLDiv and GaussianNLL losses against PyTorch 2.13.0 (float64 values and
gradients of every input), closed-form edge cases, bad input, and the compile names."""

import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn, train
from glassgrad.errors import ShapeError
from glassgrad.nn import functional as F
from tests._torch import TF, torch

TOL = 1e-12
REDUCTIONS = ["mean", "sum", "none"]


def _residual_data(k):
    """Input and target whose residuals a − t include 0, exactly ±k, and both sides of ±k."""
    rng = np.random.default_rng(3)
    t = rng.standard_normal((4, 5))
    d = rng.standard_normal((4, 5)) * 2 * max(k, 0.5)
    d[0, :5] = [0.0, k, -k, 3 * k + 1, -(3 * k + 1)]
    return t + d, t


def _compare(ours, theirs, arrays, grad_mask=None):
    """Run both on float64 copies of ``arrays`` (all requiring grad); compare the value and
    every gradient (where ``grad_mask[i]`` is True, if given) to 1e-12."""
    g = [gg.tensor(a, dtype=np.float64, requires_grad=True) for a in arrays]
    t = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    lo, lt = ours(*g), theirs(*t)
    assert lo.dtype == np.float64 and tuple(lo.shape) == tuple(lt.shape)
    np.testing.assert_allclose(lo.detach().numpy(), lt.detach().numpy(), rtol=TOL, atol=TOL)
    gy = np.random.default_rng(1).standard_normal(lo.shape)
    lo.backward(gy)
    lt.backward(torch.tensor(gy))
    for i, (a, b) in enumerate(zip(g, t)):
        mask = np.ones(a.shape, bool) if grad_mask is None or grad_mask[i] is None else \
            grad_mask[i]
        np.testing.assert_allclose(a.grad.numpy()[mask], b.grad.numpy()[mask], rtol=TOL,
                                   atol=TOL)
    return g


# ---------------------------------------------------------------- Huber / SmoothL1
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("delta", [0.25, 1.0, 2.5])
def test_huber_matches_torch(reduction, delta):
    a, t = _residual_data(delta)
    _compare(lambda x, y: nn.HuberLoss(reduction, delta)(x, y),
             lambda x, y: TF.huber_loss(x, y, reduction=reduction, delta=delta), [a, t])
    _compare(lambda x, y: F.huber_loss(x, y, reduction, delta=delta),
             lambda x, y: torch.nn.HuberLoss(reduction, delta)(x, y), [a, t])


def test_huber_closed_form_at_the_kink():
    # residuals 0, ±δ, ±3δ with δ = 2: ½d² inside, δ(|d| − ½δ) outside; slope d or ±δ
    d = np.array([0.0, 2.0, -2.0, 6.0, -6.0])
    a = gg.tensor(d, dtype=np.float64, requires_grad=True)
    loss = F.huber_loss(a, np.zeros(5), "sum", delta=2.0)
    assert loss.item() == 0 + 2 + 2 + 2 * 5 + 2 * 5
    loss.backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 2.0, -2.0, 2.0, -2.0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0, 2.0])
def test_smooth_l1_matches_torch(reduction, beta):
    a, t = _residual_data(beta)
    _compare(lambda x, y: nn.SmoothL1Loss(reduction, beta)(x, y),
             lambda x, y: TF.smooth_l1_loss(x, y, reduction=reduction, beta=beta), [a, t])


def test_smooth_l1_beta_zero_is_l1_and_huber_over_delta():
    a, t = _residual_data(1.5)
    x = gg.tensor(a, dtype=np.float64)
    np.testing.assert_allclose(F.smooth_l1_loss(x, t, "none", beta=0.0).numpy(), abs(a - t),
                               rtol=0, atol=0)
    d = abs(a - t)
    expected = np.where(d < 1.5, 0.5 * d**2 / 1.5, d - 0.75)  # PyTorch's documented formula
    np.testing.assert_allclose(F.smooth_l1_loss(x, t, "none", beta=1.5).numpy(), expected,
                               rtol=1e-14)
    np.testing.assert_allclose(F.huber_loss(x, t, "none", delta=1.5).numpy() / 1.5, expected,
                               rtol=1e-14)


def test_huber_and_smooth_l1_bad_parameters():
    x = gg.tensor(np.ones(3), dtype=np.float64)
    for delta in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="delta must be > 0"):
            F.huber_loss(x, np.zeros(3), delta=delta)
        with pytest.raises(ValueError, match="delta must be > 0"):
            nn.HuberLoss(delta=delta)
    with pytest.raises(RuntimeError, match="non-positive"):  # PyTorch refuses δ = 0 as well
        TF.huber_loss(torch.ones(3), torch.zeros(3), delta=0.0)
    with pytest.raises(ValueError, match="beta must be >= 0"):
        F.smooth_l1_loss(x, np.zeros(3), beta=-0.1)
    with pytest.raises(ValueError, match="beta must be >= 0"):
        nn.SmoothL1Loss(beta=-1.0)
    with pytest.raises(ValueError, match="reduction"):
        nn.HuberLoss("batchmean")
    with pytest.raises(ValueError, match="reduction"):
        F.smooth_l1_loss(x, np.zeros(3), "avg")


@pytest.mark.parametrize("fn", [F.huber_loss, F.smooth_l1_loss, F.kl_div])
def test_shape_mismatch_is_refused(fn):
    x = gg.tensor(-np.ones((4, 1)), dtype=np.float64, requires_grad=True)
    with pytest.raises(ShapeError, match=r"input shape \(4, 1\) and target shape \(4,\)"):
        fn(x, np.full(4, 0.5), reduction="sum")


def test_float32_stays_float32():
    x = gg.tensor(np.array([0.3, -2.0], dtype=np.float32), requires_grad=True)
    for fn in (F.huber_loss, F.smooth_l1_loss):
        out = fn(x, np.zeros(2))
        out.backward()
        assert out.dtype == np.float32 and x.grad.dtype == np.float32
    assert F.kl_div(-abs(x), np.array([0.5, 0.5]), "batchmean").dtype == np.float32


# ---------------------------------------------------------------- KL divergence
def _kl_data():
    rng = np.random.default_rng(7)
    logp = rng.standard_normal((3, 4))
    logp -= np.log(np.exp(logp).sum(1, keepdims=True))
    q = rng.random((3, 4))
    q[0, 1] = q[2, 3] = 0.0  # zero targets: 0·log 0 = 0
    q /= q.sum(1, keepdims=True)
    return logp, q


@pytest.mark.parametrize("reduction", ["mean", "batchmean", "sum", "none"])
def test_kl_div_matches_torch(reduction):
    logp, q = _kl_data()
    # NOTE: at t = 0 PyTorch's target gradient is NaN (xlogy's t/t); compare where t > 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        g = _compare(lambda x, y: nn.KLDivLoss(reduction)(x, y),
                     lambda x, y: TF.kl_div(x, y, reduction=reduction), [logp, q],
                     grad_mask=[None, q > 0])
    assert np.isfinite(g[1].grad.numpy()).all()  # finite where PyTorch's is NaN (t = 0)


@pytest.mark.parametrize("reduction", ["mean", "batchmean", "sum", "none"])
def test_kl_div_log_target_matches_torch(reduction):
    logp, q = _kl_data()
    logq = np.log(np.where(q > 0, q, 1e-3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        _compare(lambda x, y: F.kl_div(x, y, reduction, log_target=True),
                 lambda x, y: torch.nn.KLDivLoss(reduction=reduction, log_target=True)(x, y),
                 [logp, logq])


def test_kl_div_closed_form_batchmean_and_zero_targets():
    logp, q = _kl_data()
    with np.errstate(divide="ignore", invalid="ignore"):
        pointwise = np.where(q > 0, q * (np.log(q) - logp), 0.0)
    x = gg.tensor(logp, dtype=np.float64, requires_grad=True)
    out = F.kl_div(x, q, "batchmean")
    assert out.item() == pytest.approx(pointwise.sum() / 3, rel=1e-14)
    none = F.kl_div(x, q, "none").detach().numpy()
    np.testing.assert_allclose(none, pointwise, rtol=1e-14, atol=0)
    assert (none[q == 0] == 0).all()
    out.backward()
    np.testing.assert_allclose(x.grad.numpy(), -q / 3, rtol=1e-14, atol=0)
    # identical distributions: KL = 0 exactly where the targets are positive
    same = F.kl_div(gg.tensor(np.log(np.where(q > 0, q, 1.0)), dtype=np.float64), q, "sum")
    assert abs(same.item()) < 1e-15
    # a 0-d input: "batchmean" is the sum (no batch dim), as PyTorch
    assert F.kl_div(gg.tensor(-1.0, dtype=np.float64), 0.5, "batchmean").item() == \
        pytest.approx(TF.kl_div(torch.tensor(-1.0, dtype=torch.float64),
                                torch.tensor(0.5, dtype=torch.float64), reduction="batchmean")
                      .item(), rel=1e-15)


def test_kl_div_target_gradient_at_zero_is_minus_input():
    logp, q = _kl_data()
    x = gg.tensor(logp, dtype=np.float64)
    t = gg.tensor(q, dtype=np.float64, requires_grad=True)
    F.kl_div(x, t, "sum").backward()
    np.testing.assert_allclose(t.grad.numpy()[q == 0], -logp[q == 0], rtol=0, atol=0)


def test_kl_div_mean_warns_and_errors():
    logp, q = _kl_data()
    x = gg.tensor(logp, dtype=np.float64)
    with pytest.warns(UserWarning, match="batchmean"):
        out = nn.KLDivLoss()(x, q)
    with np.errstate(divide="ignore", invalid="ignore"):
        assert out.item() == pytest.approx(np.where(q > 0, q * (np.log(q) - logp), 0).mean(),
                                           rel=1e-14)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.kl_div(x, q, "batchmean")  # no warning
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.kl_div(x, q, "avg")
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.KLDivLoss("avg")
    with pytest.raises(ValueError, match="log_target=True"):
        F.kl_div(x, np.log(q + 0.1), "sum")
    with pytest.raises(ValueError, match="probabilities"):
        F.kl_div(x, np.full(q.shape, np.nan), "sum")
    assert "batchmean" in repr(nn.KLDivLoss("batchmean", log_target=True))


# ---------------------------------------------------------------- Gaussian NLL
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("var_shape", [(4, 3), (4,), (4, 1)])
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll_matches_torch(reduction, var_shape, full):
    rng = np.random.default_rng(5)
    a, t = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    var = rng.random(var_shape) + 0.1
    var.flat[0] = 1e-9  # below eps: clamped for the value, the gradient flows as if not
    _compare(lambda x, y, v: nn.GaussianNLLLoss(full=full, reduction=reduction)(x, y, v),
             lambda x, y, v: TF.gaussian_nll_loss(x, y, v, full=full, reduction=reduction),
             [a, t, var])


def test_gaussian_nll_float_var_and_errors():
    a, t = np.array([[0.5, -1.0]]), np.array([[0.0, 1.0]])
    ours = F.gaussian_nll_loss(gg.tensor(a, dtype=np.float64), t, 2.0, reduction="sum").item()
    assert ours == pytest.approx(0.5 * (2 * np.log(2.0) + ((a - t) ** 2).sum() / 2.0), rel=1e-14)
    x = gg.tensor(a, dtype=np.float64)
    with pytest.raises(ValueError, match="var must be >= 0"):
        F.gaussian_nll_loss(x, t, np.array([[1.0, -0.1]]))
    with pytest.raises(ShapeError, match="var shape"):
        F.gaussian_nll_loss(x, t, np.ones((1, 3)))
    with pytest.raises(ShapeError, match="target shape"):
        F.gaussian_nll_loss(x, np.ones(2), np.ones((1, 2)))


# ---------------------------------------------------------------- compile names
def test_compile_huber_trains():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 3))
    w = np.array([[1.5], [-2.0], [0.5]])
    y = X @ w + 0.3
    model = nn.Linear(3, 1)
    model.compile("sgd", "huber")  # SGD's default lr 1e-3: slow but steady
    assert isinstance(model._compiled.loss, nn.HuberLoss)
    before = train.evaluate(model, data=(X, y))["loss"]
    losses = model.fit(X, y, epochs=20, batch_size=4, verbose=0).history["loss"]
    assert all(b < a for a, b in zip([before] + losses, losses))
    assert losses[-1] < 0.9 * before
    # outliers: Huber's capped gradient keeps the fit near the true line; MSE's does not
    y[::8] += 30.0
    errors = {}
    for name in ("huber", "mse"):
        gg.manual_seed(0)
        m = nn.Linear(3, 1)
        train.fit(m, name, gg.optim.SGD(m.parameters(), lr=0.05), (X, y), epochs=100,
                  batch_size=16, verbose=0)
        errors[name] = np.abs(m.weight.detach().numpy().T - w).max()
    assert errors["huber"] < 0.25 < 2.0 < errors["mse"]


@pytest.mark.parametrize("name, cls", [("huber", "HuberLoss"), ("smooth_l1", "SmoothL1Loss"),
                                       ("kl_div", "KLDivLoss"), ("kld", "KLDivLoss"),
                                       ("kullback_leibler_divergence", "KLDivLoss"),
                                       ("SmoothL1Loss", "SmoothL1Loss")])
def test_loss_names_resolve(name, cls):
    assert type(train.compile(nn.Linear(2, 2), "sgd", name).loss).__name__ == cls


def test_kl_div_after_softmax_is_refused():
    X, y = np.random.default_rng(0).random((8, 2)), np.full((8, 2), 0.5)
    model = nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=1))
    with pytest.raises(ValueError, match="LogSoftmax"):
        train.fit(model, nn.KLDivLoss("batchmean"), "sgd", (X, y), epochs=1, verbose=0)
    good = nn.Sequential(nn.Linear(2, 2), nn.LogSoftmax(dim=1))
    train.fit(good, nn.KLDivLoss("batchmean"), "sgd", (X, y), epochs=1, verbose=0)


def test_kl_short_names_compile_to_the_per_sample_kl_and_the_class_name_to_torch_default():
    import warnings

    from glassgrad.train.compile import resolve_loss

    for name in ("kl_div", "kld", "kullback_leibler_divergence"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # batchmean: no "mean" warning
            loss = resolve_loss(name)
        q = np.array([[0.2, 0.8], [0.5, 0.5]])
        logp = np.log(np.array([[0.4, 0.6], [0.9, 0.1]]))
        expected = np.sum(q * (np.log(q) - logp)) / 2  # Σ KL per sample / N (Keras's KLD)
        assert loss(gg.tensor(logp, dtype=np.float64), q).item() == pytest.approx(expected)
    assert resolve_loss("KLDivLoss").reduction == "mean"
