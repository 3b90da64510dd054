"""Initializers: sample variance against the formulas, and variance propagation in deep nets."""

import math

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.nn import init

N_IN, N_OUT = 1000, 1000


def _w(shape=(N_OUT, N_IN)):
    return nn.Parameter(gg.empty(*shape))


@pytest.mark.parametrize("fn,var", [
    (lambda w: init.fan_in_uniform_(w), 1 / (3 * N_IN)),
    (lambda w: init.xavier_uniform_(w), 2 / (N_IN + N_OUT)),
    (lambda w: init.xavier_normal_(w, gain=2.0), 4 * 2 / (N_IN + N_OUT)),
    (lambda w: init.lecun_normal_(w), 1 / N_IN),
    (lambda w: init.kaiming_uniform_(w, nonlinearity="relu"), 2 / N_IN),
    (lambda w: init.kaiming_normal_(w, nonlinearity="relu"), 2 / N_IN),
    (lambda w: init.kaiming_normal_(w, a=0.2, mode="fan_out"), 2 / (1 + 0.04) / N_OUT),
    (lambda w: init.normal_(w, 1.0, 0.5), 0.25),
    (lambda w: init.uniform_(w, -2, 2), 16 / 12),
])
def test_sample_variance_within_5_percent(fn, var):
    w = fn(_w())
    assert w.requires_grad and w.is_leaf
    assert abs(w.detach().numpy().astype(np.float64).var() / var - 1) < 0.05


def test_orthogonal_variance():
    w = init.orthogonal_(_w((300, N_IN)))  # rows orthonormal: entries average 1/n_in
    assert abs(w.detach().numpy().astype(np.float64).var() * N_IN - 1) < 0.05


def test_constant_fills_gains_and_orthogonality():
    w = _w((3, 5))
    np.testing.assert_array_equal(init.zeros_(w).data, 0)
    np.testing.assert_array_equal(init.ones_(w).data, 1)
    np.testing.assert_array_equal(init.constant_(w, 0.3).data, np.float32(0.3))
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("sigmoid") == 1.0
    q = init.orthogonal_(nn.Parameter(gg.empty(4, 6, dtype=np.float64)), gain=2.0).data
    np.testing.assert_allclose(q @ q.T, 4 * np.eye(4), atol=1e-12)
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="fan_in="):
        init.xavier_uniform_(nn.Parameter(gg.zeros(3)))


def test_seeded_and_reproducible():
    gg.manual_seed(3)
    a = nn.Linear(5, 4).weight.detach().numpy()
    gg.manual_seed(3)
    np.testing.assert_array_equal(nn.Linear(5, 4).weight.detach().numpy(), a)


def _depth_variances(act, initializer, width=256, depth=10):
    x = gg.randn(512, width)
    layers = [nn.Linear(width, width, bias=False) for _ in range(depth)]
    variances = []
    with gg.no_grad():
        for layer in layers:
            initializer(layer.weight)
            z = layer(x)
            variances.append(float(z.data.astype(np.float64).var()))
            x = act(z)
    return np.array(variances)


def test_xavier_keeps_variance_through_deep_linear_net():
    v = _depth_variances(lambda z: z, init.xavier_normal_)
    assert np.all((v > 0.7) & (v < 1.4)), v


def test_xavier_tanh_net_does_not_vanish_or_explode():
    v = _depth_variances(gg.tanh, lambda w: init.xavier_normal_(w, init.calculate_gain("tanh")))
    assert v[-1] / v[1] > 0.5 and v[-1] / v[1] < 2.0, v


def test_he_keeps_variance_through_deep_relu_net():
    v = _depth_variances(gg.relu, lambda w: init.kaiming_normal_(w, nonlinearity="relu"))
    assert v[-1] / v[1] > 0.6 and v[-1] / v[1] < 1.6, v
    # the same net with Xavier (no √2 gain) halves the variance at each layer
    vx = _depth_variances(gg.relu, init.xavier_normal_)
    assert vx[-1] / vx[1] < 0.01
