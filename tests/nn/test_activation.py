"""Activations: forward and gradients against PyTorch 2.13.0, gradcheck in float64, extremes."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.nn import functional as F
from tests._torch import torch

X = np.random.default_rng(1).standard_normal((4, 3, 5)) * 3
EXTREME = np.array([-1e4, -100.0, -20.0, -1.0, 0.0, 1.0, 20.0, 100.0, 1e4])

# (name, glassgrad module, torch module)
PAIRS = [
    ("identity", lambda: nn.Identity(), lambda: torch.nn.Identity()),
    ("sigmoid", lambda: nn.Sigmoid(), lambda: torch.nn.Sigmoid()),
    ("tanh", lambda: nn.Tanh(), lambda: torch.nn.Tanh()),
    ("relu", lambda: nn.ReLU(), lambda: torch.nn.ReLU()),
    ("relu6", lambda: nn.ReLU6(), lambda: torch.nn.ReLU6()),
    ("leaky_relu", lambda: nn.LeakyReLU(), lambda: torch.nn.LeakyReLU()),
    ("leaky_relu_0.2", lambda: nn.LeakyReLU(0.2), lambda: torch.nn.LeakyReLU(0.2)),
    ("elu", lambda: nn.ELU(), lambda: torch.nn.ELU()),
    ("elu_0.5", lambda: nn.ELU(0.5), lambda: torch.nn.ELU(0.5)),
    ("gelu", lambda: nn.GELU(), lambda: torch.nn.GELU()),
    ("gelu_tanh", lambda: nn.GELU("tanh"), lambda: torch.nn.GELU("tanh")),
    ("softplus", lambda: nn.Softplus(), lambda: torch.nn.Softplus()),
    ("softplus_b2_t5", lambda: nn.Softplus(2.0, 5.0), lambda: torch.nn.Softplus(2.0, 5.0)),
    ("softmax", lambda: nn.Softmax(1), lambda: torch.nn.Softmax(1)),
    ("log_softmax", lambda: nn.LogSoftmax(-1), lambda: torch.nn.LogSoftmax(-1)),
    ("hardsigmoid", lambda: nn.HardSigmoid(), lambda: torch.nn.Hardsigmoid()),
    ("prelu", lambda: nn.PReLU(), lambda: torch.nn.PReLU()),
    ("prelu_channels", lambda: nn.PReLU(3, 0.1), lambda: torch.nn.PReLU(3, 0.1)),
]


def _compare(ours, theirs, x_np, dtype, tol):
    x = gg.tensor(x_np, dtype=dtype, requires_grad=True)
    xt = torch.tensor(x_np, dtype=getattr(torch, np.dtype(dtype).name), requires_grad=True)
    gy = np.random.default_rng(2).standard_normal(x_np.shape)
    y, yt = ours(x), theirs(xt)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
    y.backward(gy)
    yt.backward(torch.tensor(gy, dtype=xt.dtype))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=tol, atol=tol)
    assert np.isfinite(y.detach().numpy()).all() and np.isfinite(x.grad.numpy()).all()
    return y


@pytest.mark.parametrize("name,ours,theirs", PAIRS, ids=[p[0] for p in PAIRS])
def test_activation_matches_torch_float32(name, ours, theirs):
    _compare(ours(), theirs(), X, np.float32, 1e-5)


@pytest.mark.parametrize("name,ours,theirs", PAIRS, ids=[p[0] for p in PAIRS])
def test_activation_extreme_inputs_finite_and_match_torch(name, ours, theirs):
    x = np.stack([EXTREME, EXTREME[::-1], EXTREME * 0.5]).T  # (9, 3): 3 channels
    _compare(ours(), theirs(), x, np.float32, 1e-5)


@pytest.mark.parametrize("name,ours,theirs", PAIRS, ids=[p[0] for p in PAIRS])
def test_activation_gradcheck_float64(name, ours, theirs):
    # keep clear of kinks (0 for relu-likes, ±3 for hardsigmoid, 6 for relu6)
    x = np.random.default_rng(3).uniform(0.2, 2.5, (3, 3, 4)) * np.where(
        np.random.default_rng(4).random((3, 3, 4)) < 0.5, -1, 1)
    m = ours().double()
    gg.gradcheck(lambda t: m(t), [gg.tensor(x, dtype=np.float64)])


def test_prelu_slope_gradient_matches_torch():
    m, mt = nn.PReLU(3), torch.nn.PReLU(3)
    x = gg.tensor(X, dtype=np.float32)
    mt(torch.tensor(X, dtype=torch.float32)).sum().backward()
    m(x).sum().backward()
    np.testing.assert_allclose(m.weight.grad.numpy(), mt.weight.grad.numpy(), rtol=1e-5)
    gg.gradcheck(lambda w: F.prelu(gg.tensor(X, dtype=np.float64), w),
                 [gg.tensor([0.1, 0.2, 0.3], dtype=np.float64)])


def test_erf_and_erfc_have_float64_accuracy_everywhere():
    import math

    from glassgrad.ops.activation import erf, erfc

    z = np.concatenate([np.linspace(-30, 30, 60001), [0.0, 1e-300, -1e-20, 0.46875, -0.46875,
                                                      4.0, -4.0, 26.5, 1e300, np.inf, -np.inf]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # every branch is finite
        e, ec = erf(z), erfc(z)
    ref, refc = np.array([math.erf(v) for v in z]), np.array([math.erfc(v) for v in z])
    np.testing.assert_allclose(e, ref, rtol=2e-15, atol=0)
    tiny = refc < 1e-300  # past float64's normal range erfc is (nearly) 0
    np.testing.assert_allclose(ec[~tiny], refc[~tiny], rtol=2e-15, atol=0)
    assert np.all(ec[tiny] < 1e-300)
    assert np.isnan(erf(np.array([np.nan]))).all() and np.isnan(erfc(np.array([np.nan]))).all()
    z32 = z[:60001:7].astype(np.float32)
    assert erf(z32).dtype == erfc(z32).dtype == np.float32
    np.testing.assert_allclose(erf(z32), [math.erf(v) for v in z32], atol=2e-7)


def test_step_sign_threshold_forward():
    z = np.array([-2.0, -0.0, 0.0, 0.5, 3.0])
    x = gg.tensor(z)
    np.testing.assert_array_equal(nn.Step()(x).numpy(), np.heaviside(z, 0.5))
    np.testing.assert_array_equal(nn.Sign()(x).numpy(), np.sign(z))
    np.testing.assert_array_equal(nn.Threshold(0.5)(x).numpy(), [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(F.threshold(x).numpy(), [0, 1, 1, 1, 1])


@pytest.mark.parametrize("layer", [nn.Step(), nn.Sign(), nn.Threshold(0.1),
                                   nn.StochasticBinary()])
def test_non_differentiable_neurons_raise_on_backward(layer):
    x = gg.tensor([0.3, -1.0], requires_grad=True)
    with pytest.raises(gg.NotDifferentiableError, match="no useful derivative"):
        layer(x * 2).sum().backward()


def test_stochastic_binary_fires_with_sigmoid_probability_and_is_seeded():
    z = np.array([-2.0, 0.0, 1.0])
    x = gg.tensor(np.tile(z, (20000, 1)))
    gg.manual_seed(7)
    s = nn.StochasticBinary()(x).numpy()
    assert set(np.unique(s)) <= {0.0, 1.0}
    np.testing.assert_allclose(s.mean(0), 1 / (1 + np.exp(-z)), atol=0.015)
    gg.manual_seed(7)
    np.testing.assert_array_equal(nn.StochasticBinary()(x).numpy(), s)
