"""Audit of initializers, inverted dropout and gradcheck against closed-form math and PyTorch.

Initializers: the exact bound / std of every rule (closed form, from the textbook definitions),
then the whole distribution of a large tensor by a Kolmogorov–Smirnov distance to the exact CDF;
PyTorch's default Linear/Conv/RNN initialization. Dropout: E[output] = input, the 1/(1−p) scale
and its gradient, p = 0 and p = 1 as torch. gradcheck: small and input-specific errors.
"""

import math

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.autograd import Function
from glassgrad.nn import functional as F
from glassgrad.nn import init
from tests._torch import TF, torch

_erf = np.vectorize(math.erf)


def _ks_uniform(x, bound):
    """Max distance between the empirical CDF of x and U(−bound, bound)'s."""
    x = np.sort(x.ravel())
    n = x.size
    cdf = np.clip((x + bound) / (2 * bound), 0, 1)
    return max(np.max(np.arange(1, n + 1) / n - cdf), np.max(cdf - np.arange(n) / n))


def _ks_normal(x, std):
    x = np.sort(x.ravel())
    n = x.size
    cdf = 0.5 * (1 + _erf(x / (std * math.sqrt(2))))
    return max(np.max(np.arange(1, n + 1) / n - cdf), np.max(cdf - np.arange(n) / n))


SHAPE = (64, 32, 3, 3)  # conv weight: fan_in = 32·9 = 288, fan_out = 64·9 = 576
FAN_IN, FAN_OUT = 32 * 9, 64 * 9
N = 64 * 32 * 9
KS_LIMIT = 1.95 / math.sqrt(N)  # the 0.1 % critical value of the KS statistic

UNIFORM = [  # (initializer, exact bound from the textbook formula)
    (lambda w: init.xavier_uniform_(w), math.sqrt(6 / (FAN_IN + FAN_OUT))),
    (lambda w: init.xavier_uniform_(w, gain=5 / 3), 5 / 3 * math.sqrt(6 / (FAN_IN + FAN_OUT))),
    (lambda w: init.kaiming_uniform_(w, nonlinearity="relu"), math.sqrt(6 / FAN_IN)),
    (lambda w: init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu"),
     math.sqrt(6 / FAN_OUT)),
    (lambda w: init.kaiming_uniform_(w, a=math.sqrt(5)), 1 / math.sqrt(FAN_IN)),
    (lambda w: init.kaiming_uniform_(w, nonlinearity="tanh"), 5 / 3 * math.sqrt(3 / FAN_IN)),
    (lambda w: init.kaiming_uniform_(w, a=0.1, mode="fan_out"),
     math.sqrt(2 / 1.01) * math.sqrt(3 / FAN_OUT)),
    (lambda w: init.fan_in_uniform_(w), 1 / math.sqrt(FAN_IN)),
]

NORMAL = [  # (initializer, exact standard deviation)
    (lambda w: init.xavier_normal_(w), math.sqrt(2 / (FAN_IN + FAN_OUT))),
    (lambda w: init.kaiming_normal_(w, nonlinearity="relu"), math.sqrt(2 / FAN_IN)),
    (lambda w: init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"),
     math.sqrt(2 / FAN_OUT)),
    (lambda w: init.kaiming_normal_(w, nonlinearity="selu"), 0.75 / math.sqrt(FAN_IN)),
    (lambda w: init.kaiming_normal_(w, a=0.3, nonlinearity="leaky_relu"),
     math.sqrt(2 / 1.09) / math.sqrt(FAN_IN)),
    (lambda w: init.lecun_normal_(w), 1 / math.sqrt(FAN_IN)),
]


@pytest.mark.parametrize("fn,bound", UNIFORM)
def test_uniform_initializers_bound_and_distribution(fn, bound):
    w = fn(nn.Parameter(gg.empty(*SHAPE, dtype=np.float64))).detach().numpy()
    assert np.abs(w).max() <= bound  # never outside the exact bound ...
    assert np.abs(w).max() > 0.999 * bound  # ... and reaching it (N draws)
    assert _ks_uniform(w, bound) < KS_LIMIT


@pytest.mark.parametrize("fn,std", NORMAL)
def test_normal_initializers_std_and_distribution(fn, std):
    w = fn(nn.Parameter(gg.empty(*SHAPE, dtype=np.float64))).detach().numpy()
    assert abs(w.std() / std - 1) < 0.02
    assert _ks_normal(w, std) < KS_LIMIT


def test_lecun_uniform_bound():
    w = init.lecun_uniform_(nn.Parameter(gg.empty(*SHAPE, dtype=np.float64))).detach().numpy()
    bound = math.sqrt(3 / FAN_IN)  # Var U(±b) = b²/3 = 1/fan_in
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.999 * bound
    assert _ks_uniform(w, bound) < KS_LIMIT


@pytest.mark.parametrize("name,param", [
    ("linear", None), ("conv1d", None), ("conv2d", None), ("conv_transpose2d", None),
    ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
    ("leaky_relu", 0.2), ("leaky_relu", 0), ("selu", None)])
def test_calculate_gain_matches_torch(name, param):
    assert init.calculate_gain(name, param) == pytest.approx(
        torch.nn.init.calculate_gain(name, param), rel=1e-15)


def _torch_default_bounds(module):
    """PyTorch's reset_parameters: weight kaiming_uniform(a=√5) = U(±1/√fan_in), bias too."""
    fan_in = module.weight[0].numel()
    return 1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in)


@pytest.mark.parametrize("ours,theirs", [
    (lambda: nn.Linear(200, 300), lambda: torch.nn.Linear(200, 300)),
    (lambda: nn.Conv2d(16, 64, 3), lambda: torch.nn.Conv2d(16, 64, 3)),
    (lambda: nn.Conv2d(16, 64, (3, 5), groups=4), lambda: torch.nn.Conv2d(16, 64, (3, 5),
                                                                         groups=4)),
    (lambda: nn.Conv1d(8, 128, 5), lambda: torch.nn.Conv1d(8, 128, 5)),
])
def test_default_layer_init_is_pytorch_distribution(ours, theirs):
    m, tm = ours(), theirs()
    wb, bb = _torch_default_bounds(tm)
    assert tuple(m.weight.shape) == tuple(tm.weight.shape)
    w, b = m.weight.detach().numpy().astype(np.float64), m.bias.detach().numpy()
    tw = tm.weight.detach().numpy()
    assert np.abs(w).max() <= wb * (1 + 1e-6) and np.abs(tw).max() <= wb * (1 + 1e-6)
    assert np.abs(b).max() <= bb * (1 + 1e-6)
    assert _ks_uniform(w, wb) < 1.95 / math.sqrt(w.size)
    assert abs(w.var() / tw.astype(np.float64).var() - 1) < 0.1  # same spread as torch's


def test_rnn_default_init_is_pytorch_bound():
    m = nn.LSTM(10, 40)
    bound = 1 / math.sqrt(40)  # torch: U(±1/√hidden_size) for every weight and bias
    values = np.concatenate([p.detach().numpy().ravel() for p in m.parameters()])
    assert np.abs(values).max() <= bound * (1 + 1e-6)
    assert _ks_uniform(values.astype(np.float64), bound) < 1.95 / math.sqrt(values.size)


# ---------------------------------------------------------------- dropout

@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_is_unbiased_and_scales_survivors(p):
    x = np.random.default_rng(0).standard_normal((400, 250)) + 0.5
    xt = gg.tensor(x, dtype=np.float64, requires_grad=True)
    y = F.dropout(xt, p, training=True)
    yv = y.detach().numpy()
    kept = yv != 0
    np.testing.assert_allclose(yv[kept], x[kept] / (1 - p), rtol=1e-15)
    # E[y] = x: Σ(y − x) is a sum of independent zero-mean terms of variance x²·p/(1−p)
    z = (yv - x).sum() / math.sqrt((x * x).sum() * p / (1 - p))
    assert abs(z) < 4
    n = x.size  # the kept fraction is Binomial(n, 1 − p)
    assert abs(kept.mean() - (1 - p)) < 4 * math.sqrt(p * (1 - p) / n)
    y.backward(gg.ones(*x.shape, dtype=np.float64))
    np.testing.assert_array_equal(xt.grad.numpy(), kept / (1 - p))  # ∂y/∂x = mask/(1−p)


def test_dropout_mean_over_repeated_draws_per_element():
    x = gg.tensor(np.linspace(-2, 3, 20), dtype=np.float64)
    draws = np.stack([F.dropout(x, 0.4).numpy() for _ in range(3000)])
    se = np.abs(x.numpy()) * math.sqrt(0.4 / 0.6 / 3000)
    assert np.all(np.abs(draws.mean(0) - x.numpy()) < 5 * se + 1e-12)


def test_dropout_edge_cases_match_torch():
    a = np.array([[np.nan, 1.0, -2.0], [np.inf, 0.0, 3.0]])
    for p in (0.0, 1.0):
        xg = gg.tensor(a, dtype=np.float64, requires_grad=True)
        xt = torch.tensor(a, requires_grad=True)
        with np.errstate(invalid="ignore"):  # NaN and inf times 0, as in torch
            yg, yt = F.dropout(xg, p, training=True), TF.dropout(xt, p, training=True)
        np.testing.assert_array_equal(yg.detach().numpy(), yt.detach().numpy())
        yg.sum().backward()
        yt.sum().backward()
        np.testing.assert_array_equal(xg.grad.numpy(), xt.grad.numpy())
    d = nn.Dropout(0.9)
    d.eval()
    x = gg.tensor(a, dtype=np.float64)
    np.testing.assert_array_equal(d(x).numpy(), a)
    d.train()
    assert (d(gg.ones(100, 100)).numpy() != 0).mean() < 0.2
    for bad in (-0.1, 1.1):
        with pytest.raises(ValueError):
            F.dropout(x, bad)
        with pytest.raises(ValueError):
            torch.nn.Dropout(bad)


# ---------------------------------------------------------------- gradcheck

class ScaledWrong(Function):
    """y = a·b whose backward for ``b`` is off by 2 % (a's is right)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, gy):
        return gy * self.b, gy * self.a * 1.02


class ForgetsBroadcast(Function):
    """y = a + b with b of shape (1, n): the right backward is gy, summed by the engine."""

    def forward(self, a, b):
        return a + b

    def backward(self, gy):
        return gy, gy / gy.shape[0]  # wrong: averages instead of summing


def test_gradcheck_catches_a_two_percent_error_in_the_second_input_only():
    a = gg.tensor(np.array([0.5, -1.5, 2.0]), dtype=np.float64, requires_grad=True)
    b = gg.tensor(np.array([1.0, 3.0, -0.7]), dtype=np.float64, requires_grad=True)
    with pytest.raises(gg.GradcheckError, match="input 1"):
        gg.gradcheck(ScaledWrong.apply, [a, b])
    b_frozen = gg.tensor(b.detach().numpy(), dtype=np.float64)
    assert gg.gradcheck(ScaledWrong.apply, [a, b_frozen])  # only a is checked: right


def test_gradcheck_catches_a_wrong_broadcast_gradient():
    a = gg.tensor(np.random.default_rng(1).standard_normal((4, 3)), dtype=np.float64,
                  requires_grad=True)
    b = gg.tensor(np.random.default_rng(2).standard_normal((1, 3)), dtype=np.float64,
                  requires_grad=True)
    with pytest.raises(gg.GradcheckError):
        gg.gradcheck(ForgetsBroadcast.apply, [a, b])
    assert gg.gradcheck(lambda x, y: (x + y).tanh(), [a, b])


def test_gradcheck_agrees_with_torch_gradcheck_on_losses():
    x = np.random.default_rng(3).standard_normal((4, 5))
    y = np.array([1, 0, 4, 2])
    assert torch.autograd.gradcheck(lambda t: TF.cross_entropy(t, torch.tensor(y),
                                                               label_smoothing=0.1),
                                    (torch.tensor(x, requires_grad=True),))
    assert gg.gradcheck(lambda t: F.cross_entropy(t, gg.tensor(y), label_smoothing=0.1),
                        [gg.tensor(x, dtype=np.float64, requires_grad=True)])
