"""layer_stats: the initialization experiment, dead/saturated units, conv and recurrent layers."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.explain import describe, layer_stats

WIDTH, DEPTH = 100, 6


def deep(init, act=None):
    gg.manual_seed(0)
    mods = []
    for _ in range(DEPTH):
        mods.append(nn.Linear(WIDTH, WIDTH))
        if act is not None:
            mods.append(act())
    m = nn.Sequential(*mods)
    for lin in m:
        if isinstance(lin, nn.Linear):
            init(lin.weight)
            nn.init.zeros_(lin.bias)
    return m


def stds(init, act=None):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((256, WIDTH)), rng.standard_normal((256, WIDTH))
    # E = Σ out·r with random r: δ at the output is exactly r, independent of the weights
    s = layer_stats(deep(init, act), x, y, loss=lambda out, r: (out * r).sum())
    z = np.array([L.stats["z"]["std"] for L in s.layers])
    d = np.array([L.stats["delta"]["std"] for L in s.layers])
    return z[1:] / z[:-1], d[:-1] / d[1:]  # forward factor per layer, backward factor per layer


def test_small_init_collapses_z_and_delta():
    fz, fd = stds(lambda w: nn.init.normal_(w, 0, 0.01))
    # each layer multiplies the std by 0.01·√100 = 0.1, forward and backward
    assert np.all((fz > 0.07) & (fz < 0.13)) and np.all((fd > 0.07) & (fd < 0.13))


def test_large_init_explodes_z_and_delta():
    fz, fd = stds(lambda w: nn.init.normal_(w, 0, 0.2))
    # variance factor 0.2²·100 = 4 per layer: std doubles
    assert np.all((fz > 1.6) & (fz < 2.4)) and np.all((fd > 1.6) & (fd < 2.4))


def test_xavier_is_stable_for_linear_and_tanh():
    fz, fd = stds(nn.init.xavier_normal_)
    assert np.all((fz > 0.8) & (fz < 1.25)) and np.all((fd > 0.8) & (fd < 1.25))
    fz, _ = stds(nn.init.xavier_normal_, nn.Tanh)
    assert np.all(fz > 0.6)  # tanh shrinks a little per layer but does not collapse


def test_relu_with_he_is_stable():
    fz, fd = stds(lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"), nn.ReLU)
    assert np.all((fz > 0.75) & (fz < 1.33)) and np.all((fd > 0.7) & (fd < 1.4))


def test_dead_and_saturated_fractions():
    gg.manual_seed(0)
    m = nn.Sequential(nn.Linear(4, 10), nn.ReLU(), nn.Linear(10, 10), nn.Sigmoid())
    with gg.no_grad():
        m[0].bias.data[:5] = -100.0  # units 0..4 can never fire on inputs in [0, 1]
        m[0].bias.data[5:] = 0.5     # units 5..9 always do (weights ≥ 0 below)
        m[0].weight.data[:] = abs(m[0].weight.data)
        m[2].weight.data[:] = 0.0
        m[2].bias.data[:3] = 50.0    # units 0..2 pinned at σ = 1
    x = np.random.default_rng(0).random((64, 4))
    s = layer_stats(m, x, np.zeros((64, 10)), loss="mse")
    assert s[0].kind == "relu" and s[0].dead == pytest.approx(0.5)
    assert s[1].kind == "sigmoid" and s[1].saturated == pytest.approx(0.3)
    assert "Unit health" in str(s) and s.records()[0]["dead"] == pytest.approx(0.5)


def test_describe_matches_numpy():
    v = np.random.default_rng(1).standard_normal(1000)
    d = describe(v)
    assert d["mean"] == pytest.approx(v.mean()) and d["std"] == pytest.approx(v.std())
    assert d["quantiles"]["50%"] == pytest.approx(np.median(v))
    assert sum(d["hist"][0]) == 1000


def test_conv_and_recurrent_layers():
    from glassgrad.nn.conv import Conv2d
    from glassgrad.nn.flatten import Flatten
    from glassgrad.nn.recurrent import GRU

    gg.manual_seed(0)
    cnn = nn.Sequential(Conv2d(1, 4, 3), nn.ReLU(), Flatten(), nn.Linear(4 * 6 * 6, 2))
    x = np.random.default_rng(0).standard_normal((8, 1, 8, 8))
    s = layer_stats(cnn, x, np.array([0, 1] * 4), loss="cross_entropy")
    assert [L.type for L in s.layers] == ["Conv2d", "Linear"]
    assert s[0].units == 4 and s[0].delta.shape == (8, 4, 6, 6)

    rnn = GRU(3, 5, batch_first=True)
    xs = np.random.default_rng(0).standard_normal((4, 7, 3))
    s = layer_stats(rnn, xs, np.zeros((4, 7, 5)), loss="mse")
    L = s[0]
    assert L.recurrent and L.units == 5 and L.a.shape == (4, 7, 5)
    assert L.stats["delta"]["n"] == 4 * 7 * 5 and np.all(np.abs(L.a) < 1)
