"""layer_stats on Conv2d, LSTM and GRU models: every array checked against PyTorch."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.explain import layer_stats
from glassgrad.nn.conv import Conv2d
from glassgrad.nn.flatten import Flatten
from glassgrad.nn.recurrent import GRU, LSTM
from tests._torch import import_torch

torch = import_torch()


def t64(p):
    return torch.tensor(p.detach().numpy(), dtype=torch.float64)


def test_conv_layer_z_a_delta_and_dead_channels_match_torch():
    gg.manual_seed(0)
    m = nn.Sequential(Conv2d(2, 4, 3), nn.ReLU(), Flatten(), nn.Linear(4 * 4 * 4, 3)).double()
    with gg.no_grad():
        m[0].bias.data[1] = -100.0  # channel 1 can never fire: a dead unit
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((5, 2, 6, 6)), rng.standard_normal((5, 3))
    s = layer_stats(m, x, y, loss=lambda o, t: ((o - t) ** 2).sum())

    xt = torch.tensor(x)
    w = t64(m[0].weight).requires_grad_()
    z = torch.nn.functional.conv2d(xt, w, t64(m[0].bias))
    z.retain_grad()
    a = torch.relu(z)
    out = a.flatten(1) @ t64(m[3].weight).T + t64(m[3].bias)
    ((out - torch.tensor(y)) ** 2).sum().backward()
    conv = s[0]
    np.testing.assert_allclose(conv.z, z.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(conv.a, a.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(conv.delta, z.grad.numpy(), rtol=1e-9, atol=1e-12)
    assert conv.units == 4 and conv.dead == pytest.approx(0.25)  # units are channels
    assert conv.stats["z"]["std"] == pytest.approx(float(z.detach().std(unbiased=False)))


def test_a_conv_called_twice_keeps_channels_as_units():
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = Conv2d(3, 3, 3, padding=1)

        def forward(self, x):
            return self.conv(self.conv(x).relu())

    gg.manual_seed(0)
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 7))
    s = layer_stats(Twice(), x, np.zeros((2, 3, 5, 7)))
    # both calls pooled along the batch: (2 calls × 2 samples, channels, H, W)
    assert s[0].z.shape == (4, 3, 5, 7) and s[0].units == 3


def _copy_rnn(ours, theirs):
    with torch.no_grad():
        for name, p in theirs.named_parameters():
            p.copy_(t64(getattr(ours, name)))


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_recurrent_hidden_states_and_their_gradients_match_torch(cls):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = cls(3, 4, batch_first=True)
            self.head = nn.Linear(4, 2)  # applied at every time step: (B, T, 2)

        def forward(self, x):
            return self.head(self.rnn(x)[0])

    gg.manual_seed(0)
    m = Net().double()
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((6, 5, 3)), rng.standard_normal((6, 5, 2))
    s = layer_stats(m, x, y, loss="mse")

    ref = getattr(torch.nn, cls.__name__)(3, 4, batch_first=True).double()
    _copy_rnn(m.rnn, ref)
    h, _ = ref(torch.tensor(x))
    h.retain_grad()
    out = h @ t64(m.head.weight).T + t64(m.head.bias)
    ((out - torch.tensor(y)) ** 2).mean().backward()
    rnn, head = s["rnn"], s["head"]
    np.testing.assert_allclose(rnn.a, h.detach().numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(rnn.delta, h.grad.numpy(), rtol=1e-8, atol=1e-12)
    assert rnn.units == 4 and head.units == 2  # a Linear over time: units on the last axis
    text = s.to_text()
    assert "∂E/∂h" in text and f"{cls.__name__}, tanh" in text
    # a recurrent layer shows h once, not again as z
    assert sum(line.startswith("rnn ") for line in text.splitlines()[:12]) == 3


def test_tables_say_what_each_column_is():
    gg.manual_seed(0)
    m = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    text = layer_stats(m, np.ones((4, 2)), np.zeros((4, 1))).to_text()
    assert "batch of 4" in text and "quantity" in text and "δ = ∂E/∂z" in text
    assert "fractions of the layer's units" in text
