"""Scalar computation graphs from a calculus course: gradients against hand-derived formulas."""

import math

import numpy as np
import pytest

import glassgrad as gg


def leaf(v):
    return gg.tensor(v, dtype=gg.float64, requires_grad=True)


@pytest.mark.parametrize("x0, z0", [(2.0, 0.5), (3.5, -1.25), (0.4, 2.0)])
def test_exp_log_sin_graph(x0, z0):
    """y = exp(xz) + xz/log(x) + sin(log(x))/(xz)."""
    x, z = leaf(x0), leaf(z0)
    y = (x * z).exp() + x * z / x.log() + x.log().sin() / (x * z)
    y.backward()
    lx = math.log(x0)
    want_y = math.exp(x0 * z0) + x0 * z0 / lx + math.sin(lx) / (x0 * z0)
    # ∂y/∂x = z e^{xz} + z/ln x − z/ln²x + (cos ln x − sin ln x)/(x² z)
    dx = (z0 * math.exp(x0 * z0) + z0 / lx - z0 / lx**2
          + (math.cos(lx) - math.sin(lx)) / (x0**2 * z0))
    # ∂y/∂z = x e^{xz} + x/ln x − sin(ln x)/(x z²)
    dz = x0 * math.exp(x0 * z0) + x0 / lx - math.sin(lx) / (x0 * z0**2)
    assert y.item() == pytest.approx(want_y, rel=1e-13)
    assert x.grad.item() == pytest.approx(dx, rel=1e-12)
    assert z.grad.item() == pytest.approx(dz, rel=1e-12)


@pytest.mark.parametrize("x0", [0.3, 1.0, -2.2])
def test_cos_of_sin_plus_square(x0):
    """J = cos(sin(x²) + 3x²); dJ/dx = −sin(sin x² + 3x²)·(2x cos x² + 6x)."""
    x = leaf(x0)
    j = ((x**2).sin() + 3 * x**2).cos()
    j.backward()
    inner = math.sin(x0**2) + 3 * x0**2
    assert j.item() == pytest.approx(math.cos(inner), rel=1e-13)
    want = -math.sin(inner) * (2 * x0 * math.cos(x0**2) + 6 * x0)
    assert x.grad.item() == pytest.approx(want, rel=1e-12)


def test_sigmoid_neuron_squared_error():
    """a = σ(wx + b), E = ½(a − t)²: ∂E/∂w = (a − t)·a(1 − a)·x, ∂E/∂b = (a − t)·a(1 − a)."""
    w, b = leaf(0.8), leaf(-0.3)
    x0, t0 = 1.5, 1.0
    a = (w * x0 + b).sigmoid()
    e = 0.5 * (a - t0) ** 2
    e.backward()
    a0 = 1 / (1 + math.exp(-(0.8 * x0 - 0.3)))
    delta = (a0 - t0) * a0 * (1 - a0)
    assert w.grad.item() == pytest.approx(delta * x0, rel=1e-12)
    assert b.grad.item() == pytest.approx(delta, rel=1e-12)


def test_quotient_and_power_rules():
    """f = x^y / (1 + y²) + sqrt(x)·tanh(y)."""
    x0, y0 = 1.7, 0.6
    x, y = leaf(x0), leaf(y0)
    f = x**y / (1 + y**2) + x.sqrt() * y.tanh()
    f.backward()
    dfx = y0 * x0 ** (y0 - 1) / (1 + y0**2) + math.tanh(y0) / (2 * math.sqrt(x0))
    dfy = (x0**y0 * math.log(x0) * (1 + y0**2) - x0**y0 * 2 * y0) / (1 + y0**2) ** 2 \
        + math.sqrt(x0) * (1 - math.tanh(y0) ** 2)
    assert x.grad.item() == pytest.approx(dfx, rel=1e-12)
    assert y.grad.item() == pytest.approx(dfy, rel=1e-12)


def test_two_layer_network_by_hand():
    """h = tanh(W1 x), y = w2·h, E = ½(y − t)²; backprop written out with the chain rule."""
    W1 = np.array([[0.1, -0.4], [0.7, 0.2], [-0.5, 0.3]])
    w2 = np.array([0.6, -0.9, 0.25])
    x0, t0 = np.array([1.0, -2.0]), 0.5
    tW1, tw2 = leaf(W1), leaf(w2)
    h = (tW1 @ gg.tensor(x0, dtype=gg.float64)).tanh()
    e = 0.5 * ((tw2 * h).sum() - t0) ** 2
    e.backward()
    hh = np.tanh(W1 @ x0)
    dy = w2 @ hh - t0
    delta1 = dy * w2 * (1 - hh**2)
    np.testing.assert_allclose(tw2.grad.numpy(), dy * hh, rtol=1e-12)
    np.testing.assert_allclose(tW1.grad.numpy(), np.outer(delta1, x0), rtol=1e-12)


def test_max_relu_abs_piecewise():
    """f = relu(x) + |y| + max(x, y): away from kinks each piece has slope 0 or ±1."""
    x, y = leaf(1.5), leaf(-2.0)
    f = x.relu() + abs(y) + gg.maximum(x, y)
    f.backward()
    assert x.grad.item() == 2.0 and y.grad.item() == -1.0
