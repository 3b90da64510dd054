"""Conv/pool/flatten layers: PyTorch state dicts carry over, default init, errors naming the layer,
transfer learning with frozen parameters, and the class-map conversion."""

import math

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.nn import Linear, ReLU, Sequential
from glassgrad.nn.conv import Conv1d, Conv2d, fully_convolutional
from glassgrad.nn.flatten import Flatten, Unflatten
from glassgrad.nn.pooling import (
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    GlobalAvgPool2d,
    MaxPool1d,
    MaxPool2d,
)
from tests._torch import torch


def _numpy_state(module):
    return {k: v.detach().numpy() for k, v in module.state_dict().items()}


@pytest.mark.parametrize("ours,theirs,shape", [
    (lambda: Conv2d(4, 6, 3, stride=2, padding=1, groups=2),
     lambda: torch.nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2), (2, 4, 9, 8)),
    (lambda: Conv2d(3, 5, (2, 4), padding="same", dilation=2, bias=False),
     lambda: torch.nn.Conv2d(3, 5, (2, 4), padding="same", dilation=2, bias=False),
     (1, 3, 7, 9)),
    (lambda: Conv1d(3, 4, 5, padding=2), lambda: torch.nn.Conv1d(3, 4, 5, padding=2), (2, 3, 11)),
])
def test_torch_state_dict_carries_over(ours, theirs, shape):
    torch.manual_seed(0)
    t, g = theirs(), ours()
    g.load_state_dict(_numpy_state(t))
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    with gg.no_grad(), torch.no_grad():
        np.testing.assert_allclose(g(gg.tensor(x)).numpy(), t(torch.tensor(x)).numpy(), atol=1e-5)
    assert g.weight.shape == tuple(t.weight.shape)


def test_default_init_is_pytorchs_fan_in_uniform():
    conv = Conv2d(8, 64, 3, groups=2)
    bound = 1 / math.sqrt(4 * 3 * 3)  # fan_in = in/groups · kh · kw
    w, b = conv.weight.detach().numpy(), conv.bias.detach().numpy()
    assert w.dtype == np.float32 and np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # a uniform on [−a, a] has standard deviation a/√3
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound


def test_channel_mismatch_and_rank_errors_name_the_layer():
    conv = Conv2d(3, 8, 3)
    with pytest.raises(gg.ShapeError, match=r"Conv2d\(3, 8.*expected 3 input channels, got 1"):
        conv(gg.zeros(2, 1, 8, 8))
    with pytest.raises(gg.ShapeError, match="4-D input"):
        conv(gg.zeros(3, 8, 8))
    with pytest.raises(gg.ShapeError, match="3-D input"):
        Conv1d(3, 8, 3)(gg.zeros(2, 3, 8, 8))
    with pytest.raises(gg.ShapeError, match=r"Conv2d\(3, 8.*kernel spans 3 pixels"):
        conv(gg.zeros(1, 3, 2, 9))
    with pytest.raises(ValueError, match="stride must be positive"):
        Conv2d(3, 8, 3, stride=0)
    with pytest.raises(ValueError, match="divisible by groups"):
        Conv2d(3, 8, 3, groups=2)


def test_pool_and_flatten_layers_match_torch():
    x = np.random.default_rng(1).standard_normal((2, 3, 9, 8)).astype(np.float32)
    pairs = [(MaxPool2d(3, 2, 1), torch.nn.MaxPool2d(3, 2, 1)),
             (AvgPool2d(2), torch.nn.AvgPool2d(2)),
             (AdaptiveAvgPool2d((4, 3)), torch.nn.AdaptiveAvgPool2d((4, 3))),
             (Flatten(), torch.nn.Flatten()),
             (Sequential(Flatten(), Unflatten(1, (3, -1, 8))),
              torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Unflatten(1, (3, 9, 8))))]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours(gg.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(),
                                   atol=1e-6)
    np.testing.assert_allclose(GlobalAvgPool2d()(gg.tensor(x)).numpy(), x.mean(axis=(2, 3)),
                               atol=1e-6)
    x1 = x[:, :, 0]
    np.testing.assert_allclose(MaxPool1d(2)(gg.tensor(x1)).numpy(),
                               torch.nn.MaxPool1d(2)(torch.tensor(x1)).numpy())
    np.testing.assert_allclose(AvgPool1d(3, 1, 1)(gg.tensor(x1)).numpy(),
                               torch.nn.AvgPool1d(3, 1, 1)(torch.tensor(x1)).numpy(), atol=1e-6)
    with pytest.raises(gg.ShapeError, match="cannot be split"):
        Unflatten(1, (5, 5))(gg.zeros(2, 24))


def _small_cnn(padding=0):
    return Sequential(Conv2d(1, 4, 3, padding=padding), ReLU(), MaxPool2d(2),
                      Conv2d(4, 6, 3), ReLU(), MaxPool2d(2),
                      Flatten(), Linear(6 * 2 * 2, 10), ReLU(), Linear(10, 3))



def test_transfer_learning_freezes_the_body_and_trains_the_new_head():
    model = _small_cnn(padding=1)
    model.requires_grad_(False)         # freeze everything ...
    model[9] = Linear(10, 2)            # ... then replace the head: new parameters train
    frozen = {k: v.numpy().copy() for k, v in model.state_dict().items() if not k.startswith("9")}
    opt = gg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = gg.randn(8, 1, 14, 14)
    y = gg.tensor(np.arange(8) % 2)
    head_before = model[9].weight.detach().numpy().copy()
    for _ in range(3):
        opt.zero_grad()
        gg.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    for k, v in model.state_dict().items():
        if k in frozen:
            np.testing.assert_array_equal(v.numpy(), frozen[k])
    assert all(p.grad is None for p in model[0].parameters())   # no gradient work for frozen
    assert not np.allclose(model[9].weight.detach().numpy(), head_before)


def test_class_map_equals_sliding_the_network_window_by_window():
    gg.manual_seed(3)
    model = _small_cnn()  # valid convolutions: a window sees no padding, so the maps agree
    fcn = fully_convolutional(model, (1, 14, 14))
    assert fcn.window_stride == (4, 4)
    big = gg.randn(2, 1, 26, 22)
    with gg.no_grad():
        heat = fcn(big).numpy()                      # (2, 3, 4, 3): one pass
        assert heat.shape == (2, 3, (26 - 14) // 4 + 1, (22 - 14) // 4 + 1)
        for i in range(heat.shape[2]):
            for j in range(heat.shape[3]):
                window = big[:, :, 4 * i:4 * i + 14, 4 * j:4 * j + 14]
                np.testing.assert_allclose(heat[:, :, i, j], model(window).numpy(), atol=1e-5)
        # on a training-size image the class map is the model's output itself
        x = gg.randn(5, 1, 14, 14)
        np.testing.assert_allclose(fcn(x).numpy()[:, :, 0, 0], model(x).numpy(), atol=1e-5)


def test_class_map_refuses_models_it_cannot_convert():
    with pytest.raises(ValueError, match="no Flatten"):
        fully_convolutional(Sequential(Conv2d(1, 2, 3)), (1, 5, 5))
    with pytest.warns(UserWarning, match="padding"):
        fully_convolutional(_small_cnn(padding=1), (1, 14, 14))
    with pytest.raises(TypeError, match="Sequential"):
        fully_convolutional(Conv2d(1, 2, 3), (1, 5, 5))
